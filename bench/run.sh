#!/usr/bin/env bash
# Page benchmark (issue section 5): /p/<code> against a bare Django view, side by side, on
# one gunicorn on PostgreSQL with the Redis cache, DEBUG off. Results: docs/benchmarks.md.
#
#   bash bench/run.sh            (or: make bench, which then runs the search benchmark)
#
# Knobs (environment; DATABASE_URL and REDIS_URL of your shell are ignored on purpose):
# BENCH_DATABASE_URL (default: scratch db motcua_bench, dropped and rebuilt each run),
# BENCH_REDIS_URL (default redis://127.0.0.1:6379/6, flushed), BENCH_PORT (a free one),
# BENCH_WORKERS (nproc), BENCH_WORKER_CLASS (sync), BENCH_THREADS (1, for gthread),
# BENCH_ROUNDS (3), BENCH_DURATION (15 s), BENCH_CONNECTIONS (32).
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PY:-.venv/bin/python}
GUNICORN=${GUNICORN:-.venv/bin/gunicorn}
[ -x "$PY" ] || PY=python3
[ -x "$GUNICORN" ] || GUNICORN=gunicorn
command -v wrk >/dev/null || { echo "bench: wrk is not installed (apt-get install wrk)" >&2; exit 2; }

SCRATCH_DB=postgres://postgres@127.0.0.1:5432/motcua_bench
export DATABASE_URL=${BENCH_DATABASE_URL:-$SCRATCH_DB}
export REDIS_URL=${BENCH_REDIS_URL:-redis://127.0.0.1:6379/6}
export DJANGO_SETTINGS_MODULE=bench.settings
export DEBUG=0 HTTPS=0
unset CELERY_BROKER_URL CELERY_TASK_ALWAYS_EAGER
export LOG_LEVEL=${LOG_LEVEL:-ERROR}
export ALLOWED_HOSTS=127.0.0.1,localhost
# A free port unless told: another server on a fixed port would be measured instead.
PORT=${BENCH_PORT:-$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
  echo "bench: something already listens on 127.0.0.1:$PORT" >&2; exit 2
fi
export SITE_URL=http://127.0.0.1:$PORT
WORKERS=${BENCH_WORKERS:-$(nproc)}
WORKER_CLASS=${BENCH_WORKER_CLASS:-sync}
THREADS=${BENCH_THREADS:-1}
OUT=bench/results
mkdir -p "$OUT"
export STATIC_ROOT=$OUT/static

echo "== database: ${DATABASE_URL%%\?*}"
if [ "$DATABASE_URL" = "$SCRATCH_DB" ]; then
  # Our own scratch database: start from nothing so every run measures the same data.
  psql -q -h 127.0.0.1 -U postgres -d postgres -v ON_ERROR_STOP=1 \
    -c "DROP DATABASE IF EXISTS motcua_bench WITH (FORCE)" -c "CREATE DATABASE motcua_bench"
fi
"$PY" manage.py migrate --noinput -v0
if "$PY" manage.py help seed_demo >/dev/null 2>&1; then
  "$PY" manage.py seed_demo >/dev/null
else
  echo "bench: seed_demo is missing; importing the sample catalogue only" >&2
  "$PY" manage.py import_catalogue demo/sample-catalogue.json
fi
"$PY" manage.py collectstatic --noinput -v0

if [ "$REDIS_URL" = "redis://127.0.0.1:6379/6" ]; then
  redis-cli -n 6 flushdb >/dev/null
fi

echo "== gunicorn: $WORKERS $WORKER_CLASS workers (threads $THREADS) on 127.0.0.1:$PORT"
"$GUNICORN" portal.wsgi:application --bind "127.0.0.1:$PORT" --workers "$WORKERS" \
  --worker-class "$WORKER_CLASS" --threads "$THREADS" --backlog 2048 \
  --error-logfile "$OUT/gunicorn.log" --pid "$OUT/gunicorn.pid" &
GUNICORN_PID=$!
trap 'kill "$GUNICORN_PID" 2>/dev/null; wait "$GUNICORN_PID" 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  "$PY" -c "import urllib.request as u; u.urlopen('http://127.0.0.1:$PORT/bench/bare', timeout=1)" \
    2>/dev/null && break
  kill -0 "$GUNICORN_PID" 2>/dev/null || { cat "$OUT/gunicorn.log" >&2; exit 2; }
  sleep 0.2
done

echo "== machine: $(nproc) CPU, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)," \
  "$(free -g | awk '/^Mem:/ {print $2}') GiB RAM, $(. /etc/os-release && echo "$PRETTY_NAME")"
echo "== $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
rc=0
"$PY" bench/page_bench.py --base "http://127.0.0.1:$PORT" \
  --rounds "${BENCH_ROUNDS:-3}" --duration "${BENCH_DURATION:-15}" \
  --connections "${BENCH_CONNECTIONS:-32}" --json "$OUT/page.json" --server-pid "$GUNICORN_PID" \
  || rc=$?
# The verdict is wrk's; this figure explains it when the machine is noisy.
[ $rc -eq 2 ] || "$PY" bench/page_cpu.py || true
exit $rc

"""Notification benchmark (issue 5 section 3): 10,000 status changes through a real worker.

Builds a scratch PostgreSQL database (dropped and rebuilt each run), flushes a Redis
database used as the broker, starts a fake SMS gateway on 127.0.0.1 in this process and
one `celery -A portal worker` (prefork). Then it commits N status changes, each its own
transaction enqueuing one SMS (outbox row + task after commit), while the worker delivers
them to the gateway through the real SMS backend, and waits until every row is sent.

    python bench/notify_bench.py                      (also `make bench-notify`)
    python bench/notify_bench.py --count 2000 --concurrency 2 --json

Knobs: NOTIFY_BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/
motcua_notify_bench: dropped and rebuilt), NOTIFY_BENCH_REDIS_URL (default
redis://127.0.0.1:6379/8: flushed), --count, --concurrency, --drain (enqueue everything
first, then start the worker: pure delivery throughput).

Prints throughput (messages per second from the first commit to the last message sent),
the enqueue rate, delivery latency (sent_at - created_at), lost messages (rows not sent,
or ids the gateway never saw) and duplicates (gateway requests beyond one per id). Exits 1
unless lost and duplicates are both 0. The figures go to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRATCH_DB = "postgres://postgres@127.0.0.1:5432/motcua_notify_bench"
BROKER = "redis://127.0.0.1:6379/8"


def recreate_scratch_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    maintenance = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def setup_django(database_url: str, broker_url: str) -> None:
    for key in [k for k in os.environ if k.startswith(("REDIS_", "CELERY_", "NOTIFY_"))]:
        del os.environ[key]
    os.environ.update(
        {
            "DATABASE_URL": database_url,
            "CELERY_BROKER_URL": broker_url,
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "DJANGO_SETTINGS_MODULE": "portal.settings",
            "LOG_LEVEL": "ERROR",
        }
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def machine() -> dict:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass

    def version(command: list[str]) -> str:
        try:
            return subprocess.run(
                command, capture_output=True, text=True, timeout=10
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    return {
        "nproc": os.cpu_count(),
        "cpu": cpu or platform.processor(),
        "python": platform.python_version(),
        "postgresql": version(["psql", "--version"]),
        "redis": version(["redis-server", "--version"]).split(" sha=")[0],
    }


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--drain", action="store_true", help="enqueue all, then start the worker")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    database_url = os.environ.get("NOTIFY_BENCH_DATABASE_URL", SCRATCH_DB)
    broker_url = os.environ.get("NOTIFY_BENCH_REDIS_URL", BROKER)
    recreate_scratch_database(database_url)
    setup_django(database_url, broker_url)

    import redis
    from django.core.management import call_command
    from django.db import transaction

    from notifications import services
    from notifications.models import Notification
    from notifications.testing import FakeGateway, start_worker, stop_worker, worker_env

    call_command("migrate", verbosity=0)
    broker = redis.Redis.from_url(broker_url)
    broker.flushdb()

    gateway = FakeGateway().start()
    env = worker_env(
        DATABASE_URL=database_url,
        CELERY_BROKER_URL=broker_url,
        CELERY_TASK_ALWAYS_EAGER="0",
        NOTIFY_SMS_BACKEND="sms_http",
        NOTIFY_SMS_URL=gateway.url,
        LOG_LEVEL="ERROR",
    )
    log_path = Path(tempfile.gettempdir()) / f"notify-bench-worker-{os.getpid()}.log"
    context = {
        "procedure": "Đăng ký khai sinh",
        "applicant_name": "Nguyễn Văn An",
        "unit": "Xã Đạ Huoai",
        "received_at": datetime.date(2026, 11, 23),
        "due_date": datetime.date(2026, 11, 26),
    }
    worker = None
    try:
        if not args.drain:
            worker = start_worker(env, concurrency=args.concurrency, log_path=log_path)
            time.sleep(3)  # let it connect: the clock measures delivery, not start-up
        started = time.monotonic()
        own_start = resource.getrusage(resource.RUSAGE_SELF)
        for n in range(args.count):
            code = f"000.00.23.H56-261123-{n:05d}"
            with transaction.atomic():
                services.enqueue(
                    recipient=f"09{n:08d}",
                    channel="sms",
                    template_key="dossier_received",
                    language="vi",
                    context=context
                    | {"code": code, "tracking_url": f"https://dvc.example.vn/track?code={code}"},
                    subject_ref=f"dossier:{code}",
                    dedup_key=f"dossier:{code}:event:1:sms",
                )
        enqueued = time.monotonic() - started
        if args.drain:
            worker = start_worker(env, concurrency=args.concurrency, log_path=log_path)
        deadline = time.monotonic() + max(120.0, args.count / 20)
        sent = 0
        while time.monotonic() < deadline:
            sent = Notification.objects.filter(status="sent").count()
            if sent == args.count:
                break
            time.sleep(0.25)
        elapsed = time.monotonic() - started
    finally:
        if worker is not None:
            stop_worker(worker)
        gateway.stop()
        broker.flushdb()
    # CPU time, which a busy machine does not inflate the way it inflates wall time: the
    # worker (its pool children included, once it has exited) and this process (enqueue
    # and the fake gateway). PostgreSQL's and Redis's own CPU is not counted.
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    own = resource.getrusage(resource.RUSAGE_SELF)
    worker_cpu = children.ru_utime + children.ru_stime
    own_cpu = (own.ru_utime + own.ru_stime) - (own_start.ru_utime + own_start.ru_stime)

    delivering = (gateway.last_at - gateway.first_at) if gateway.first_at else 0.0
    sent_ids = {
        str(pk) for pk in Notification.objects.filter(status="sent").values_list("pk", flat=True)
    }
    # Lost: a status change whose message never reached the gateway, or was never marked
    # sent (the provider has it, but the portal would show it as undelivered).
    lost = args.count - len(sent_ids & set(gateway.delivered))
    latencies = [
        (sent_at - created).total_seconds()
        for created, sent_at in Notification.objects.filter(status="sent").values_list(
            "created_at", "sent_at"
        )
    ]
    result = {
        "messages": args.count,
        "mode": "drain" if args.drain else "live",
        "worker": f"prefork, concurrency {args.concurrency}, prefetch 1, acks_late",
        "seconds": round(elapsed, 2),
        "throughput_msgs_per_s": round(sent / elapsed, 1) if elapsed else 0.0,
        # the worker alone: first to last message reaching the gateway
        "delivery_msgs_per_s": round((len(gateway.delivered) - 1) / delivering, 1)
        if delivering
        else 0.0,
        "enqueue_per_s": round(args.count / enqueued, 1) if enqueued else 0.0,
        "latency_p50_s": round(percentile(latencies, 50), 3),
        "latency_p95_s": round(percentile(latencies, 95), 3),
        "sent": sent,
        "lost": lost,
        "duplicates": gateway.duplicates,
        "gateway_requests": sum(gateway.attempts.values()),
        "worker_cpu_ms_per_msg": round(worker_cpu / args.count * 1000, 2),
        "enqueue_and_gateway_cpu_ms_per_msg": round(own_cpu / args.count * 1000, 2),
        "load_average": os.getloadavg(),
        "machine": machine(),
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        m = result["machine"]
        print(
            f"notifications: {result['messages']} ({result['mode']}), {result['worker']}\n"
            f"  throughput  {result['throughput_msgs_per_s']} msgs/s "
            f"({result['seconds']} s, first commit to last sent)\n"
            f"  delivery    {result['delivery_msgs_per_s']} msgs/s "
            f"(first to last message at the gateway)\n"
            f"  enqueue     {result['enqueue_per_s']} status changes/s\n"
            f"  latency     p50 {result['latency_p50_s']} s, p95 {result['latency_p95_s']} s\n"
            f"  cpu         worker {result['worker_cpu_ms_per_msg']} ms/msg, enqueue + fake "
            f"gateway {result['enqueue_and_gateway_cpu_ms_per_msg']} ms/msg "
            f"(load average at the end: {', '.join(f'{x:.1f}' for x in result['load_average'])})\n"
            f"  lost        {result['lost']}\n"
            f"  duplicates  {result['duplicates']}\n"
            f"  machine     {m['nproc']} cores, {m['cpu']}, Python {m['python']}, "
            f"{m['postgresql']}, {m['redis']}"
        )
    if lost or gateway.duplicates:
        print(f"FAILED: lost={lost} duplicates={gateway.duplicates}; worker log: {log_path}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

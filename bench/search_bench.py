"""Search benchmark (issue section 5): `search_procedures` over 5,000 procedures on PostgreSQL.

Generates the catalogue (`manage.py seed_bench_catalogue`) in a scratch database, then runs
about 200 queries of every kind a citizen types (with and without diacritics, upper case,
words shuffled, misspelt, English names, codes, field and document names, short prefixes,
scoped to a unit) through `procedures.search.search_procedures`, several rounds in a fresh
order each round, after one warm-up round. Per query it times the first page (20 rows, what
the search page and the API show first) and, separately, the count the paginator asks for,
and the CPU time the first page costs (this thread plus its PostgreSQL backend, from
/proc/<pid>/schedstat): on a machine busy with other work the wall-clock figures include
waiting for a CPU, the CPU time does not.

    python bench/search_bench.py                 (also run by `make bench`)
    python bench/search_bench.py --explain       (plus EXPLAIN ANALYZE of a few queries)
    python bench/search_bench.py --priority      (renice -10 itself and its backend: root)

Knobs: SEARCH_BENCH_DATABASE_URL (default: scratch db motcua_search_bench, dropped and
rebuilt each run), --count, --rounds, --json. The cache is the local-memory one unless
SEARCH_BENCH_REDIS_URL is set. Exit status 0 when the first page's p95 is under 30 ms, 1
when it is not. The figures go to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRATCH_DB = "postgres://postgres@127.0.0.1:5432/motcua_search_bench"
TARGET_P95_MS = 30.0
PAGE_SIZE = 20


def recreate_scratch_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    maintenance = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def setup_django(database_url: str, redis_url: str | None) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.pop("REDIS_URL", None)
    if redis_url:
        os.environ["REDIS_URL"] = redis_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings"
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def strip_marks(text: str) -> str:
    text = text.replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


def misspell(text: str, rng: random.Random) -> str:
    """One small mistake in one word: i/y swapped, a letter dropped or two letters swapped."""
    words = strip_marks(text).lower().split()
    candidates = [i for i, w in enumerate(words) if len(w) >= 4 or "y" in w or "i" in w]
    if not candidates:
        return " ".join(words)
    i = rng.choice(candidates)
    word = words[i]
    if "y" in word:
        word = word.replace("y", "i", 1)
    elif "i" in word and len(word) < 4:
        word = word.replace("i", "y", 1)
    elif rng.random() < 0.5:
        k = rng.randrange(1, len(word))
        word = word[:k] + word[k + 1 :]
    else:
        k = rng.randrange(1, len(word) - 1)
        word = word[:k] + word[k + 1] + word[k] + word[k + 2 :]
    words[i] = word
    return " ".join(words)


def build_queries(rng: random.Random, per_kind: int) -> list[dict]:
    """About 200 queries of eleven kinds, each with the name it should find when it names
    one procedure (for the top-1 / top-10 quality figures)."""
    from portal.models import Unit
    from procedures.management.commands.seed_bench_catalogue import BENCH_UNIT_CODE
    from procedures.models import Field, Procedure, ProcedureDocument, Status

    published = list(
        Procedure.objects.filter(status=Status.PUBLISHED).values("code", "name_vi", "name_en")
    )
    picks = rng.sample(published, per_kind * 6)
    chunks = [picks[i * per_kind : (i + 1) * per_kind] for i in range(6)]
    queries: list[dict] = []

    def add(kind: str, text: str, target: str | None = None, unit: bool = False) -> None:
        queries.append({"kind": kind, "q": text, "target": target, "unit": unit})

    for p in chunks[0]:
        add("exact name (diacritics)", p["name_vi"], p["name_vi"])
    for p in chunks[1]:
        add("no diacritics", strip_marks(p["name_vi"]).lower(), p["name_vi"])
    for p in chunks[2]:
        add("UPPER CASE", p["name_vi"].upper(), p["name_vi"])
    for p in chunks[3]:
        words = strip_marks(p["name_vi"]).lower().split()
        rng.shuffle(words)
        add("words shuffled", " ".join(words), p["name_vi"])
    for p in chunks[4]:
        add("misspelt", misspell(p["name_vi"], rng), p["name_vi"])
    for p in chunks[5]:
        add("English name", p["name_en"], p["name_vi"])
    codes = rng.sample(published, per_kind)
    for i, p in enumerate(codes):
        if i % 2:
            add("code", p["code"][:-2])  # a prefix, as while typing
        else:
            add("code", p["code"], p["name_vi"])
    fields = list(Field.objects.values_list("name_vi", "name_en"))
    for i in range(per_kind):
        vi, en = fields[i % len(fields)]
        add("field name", strip_marks(vi).lower() if i % 3 else (en or vi))
    documents = list(ProcedureDocument.objects.values_list("name_vi", flat=True).distinct()[:500])
    for name in rng.sample(documents, per_kind):
        add("document name", strip_marks(name).lower())
    prefixes = ["dang", "cap", "dang ky k", "cap giay", "ho", "chung thuc", "xac nhan", "giay"]
    for i in range(per_kind):
        add("short prefix (broad)", prefixes[i % len(prefixes)])
    if Unit.objects.filter(code=BENCH_UNIT_CODE).exists():
        for p in rng.sample(published, per_kind):
            add("scoped to a unit", strip_marks(p["name_vi"]).lower(), None, unit=True)
    return queries


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def run(args: argparse.Namespace) -> int:
    database_url = os.environ.get("SEARCH_BENCH_DATABASE_URL", SCRATCH_DB)
    if not database_url.startswith("postgres"):
        print("search bench: needs PostgreSQL (SEARCH_BENCH_DATABASE_URL)", file=sys.stderr)
        return 2
    if database_url == SCRATCH_DB:
        recreate_scratch_database(database_url)
    setup_django(database_url, os.environ.get("SEARCH_BENCH_REDIS_URL"))

    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection

    from portal.models import Unit
    from procedures.management.commands.seed_bench_catalogue import BENCH_UNIT_CODE
    from procedures.models import Procedure, Status
    from procedures.search import search_procedures

    call_command("migrate", verbosity=0, interactive=False)
    started = time.perf_counter()
    call_command("seed_bench_catalogue", count=args.count, stdout=io.StringIO())
    seed_s = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE procedures_procedure")
    cache.clear()
    total = Procedure.objects.count()
    published = Procedure.objects.filter(status=Status.PUBLISHED).count()
    unit = Unit.objects.filter(code=BENCH_UNIT_CODE).first()

    rng = random.Random(args.seed)
    queries = build_queries(rng, args.per_kind)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    if args.priority:
        # On a machine shared with other work: run this process and its PostgreSQL backend
        # ahead of the rest (needs root), so that the figures show the search, not the queue.
        for pid in (os.getpid(), backend):
            subprocess.run(["renice", "-n", "-10", "-p", str(pid)], capture_output=True)
    backend_schedstat = Path(f"/proc/{backend}/schedstat")

    def cpu_ns() -> int:
        """CPU time used so far by this thread and by its PostgreSQL backend (Linux): the
        work a search costs, whatever else the machine is busy with."""
        backend_ns = int(backend_schedstat.read_text().split()[0])
        return time.thread_time_ns() + backend_ns

    def measure(query: dict) -> tuple[float, float, float, list]:
        c0, t0 = cpu_ns(), time.perf_counter()
        qs = search_procedures(query["q"], unit=unit if query["unit"] else None)
        rows = list(qs.values_list("name_vi", flat=True)[:PAGE_SIZE])
        t1, c1 = time.perf_counter(), cpu_ns()
        qs.count()
        t2 = time.perf_counter()
        return (t1 - t0) * 1000, (t2 - t1) * 1000, (c1 - c0) / 1e6, rows

    for query in queries:  # warm-up: caches, buffers, the vocabulary
        query["top"] = measure(query)[3]
    page_ms: list[float] = []
    count_ms: list[float] = []
    page_cpu_ms: list[float] = []
    by_kind: dict[str, list[float]] = {}
    cpu_by_kind: dict[str, list[float]] = {}
    load_before = os.getloadavg()[0]
    for _ in range(args.rounds):
        order = queries[:]
        rng.shuffle(order)
        for query in order:
            page, count, cpu_page, _rows = measure(query)
            page_ms.append(page)
            count_ms.append(count)
            page_cpu_ms.append(cpu_page)
            by_kind.setdefault(query["kind"], []).append(page)
            cpu_by_kind.setdefault(query["kind"], []).append(cpu_page)
    load_after = os.getloadavg()[0]
    both_ms = [p + c for p, c in zip(page_ms, count_ms, strict=True)]

    targeted = [q for q in queries if q["target"]]
    top1 = sum(1 for q in targeted if q["top"][:1] == [q["target"]])
    top10 = sum(1 for q in targeted if q["target"] in q["top"][:10])
    cpu = next(
        (line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if "model name" in line),
        platform.processor(),
    )
    pg_version = connection.cursor().connection.info.server_version
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
        ).stdout.strip()
    except OSError:
        commit = "?"
    result = {
        "command": "python bench/search_bench.py " + " ".join(sys.argv[1:]),
        "machine": f"{os.cpu_count()} CPU, {cpu}",
        "load_average": f"{load_before:.2f} before, {load_after:.2f} after the timed rounds",
        "postgresql": pg_version,
        "commit": commit,
        "cache": "redis" if os.environ.get("REDIS_URL") else "local memory",
        "priority": "raised (renice -10)" if args.priority else "normal",
        "procedures": total,
        "published": published,
        "seed_seconds": round(seed_s, 1),
        "queries": len(queries),
        "rounds": args.rounds,
        "first_page_ms": _summary(page_ms),
        "count_ms": _summary(count_ms),
        "page_and_count_ms": _summary(both_ms),
        "first_page_cpu_ms": _summary(page_cpu_ms),
        "first_page_p95_by_kind_ms": {
            kind: round(percentile(values, 95), 1) for kind, values in by_kind.items()
        },
        "first_page_cpu_p95_by_kind_ms": {
            kind: round(percentile(values, 95), 1) for kind, values in cpu_by_kind.items()
        },
        "quality": {
            "queries naming one procedure": len(targeted),
            "its name first": top1,
            "its name in the top 10": top10,
        },
    }
    print(f"== search benchmark, {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}")
    print(f"   machine: {result['machine']}; PostgreSQL {pg_version}; commit {commit}")
    print(f"   load average: {result['load_average']}")
    print(
        f"   catalogue: {total} procedures ({published} published), seeded in {seed_s:.1f} s;"
        f" cache: {result['cache']}"
    )
    print(
        f"   {len(queries)} queries x {args.rounds} rounds (after one warm-up round);"
        f" priority {result['priority']}"
    )
    for label, key in [
        ("first page (20 rows)", "first_page_ms"),
        ("count", "count_ms"),
        ("page + count", "page_and_count_ms"),
        ("first page, CPU time", "first_page_cpu_ms"),
    ]:
        s = result[key]
        print(
            f"   {label:22} p50 {s['p50']:6.1f} ms   p95 {s['p95']:6.1f} ms"
            f"   p99 {s['p99']:6.1f} ms   max {s['max']:6.1f} ms"
        )
    print("   first page p95 by kind:        wall    CPU")
    for kind, value in result["first_page_p95_by_kind_ms"].items():
        cpu_value = result["first_page_cpu_p95_by_kind_ms"][kind]
        print(f"     {kind:26} {value:6.1f} {cpu_value:6.1f} ms")
    print(
        f"   quality: of {len(targeted)} queries naming one procedure, {top1} show its name"
        f" first, {top10} in the top 10"
    )
    if args.explain:
        explain(
            ["dang ky ket hon", "dang ki ket hon", "ho tich", "dang", "1.000894"],
            search_procedures,
            connection,
        )
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    p95 = result["first_page_ms"]["p95"]
    verdict = "meets" if p95 < TARGET_P95_MS else "MISSES"
    print(f"== first page p95 {p95:.1f} ms {verdict} the target (< {TARGET_P95_MS:.0f} ms)")
    if p95 >= TARGET_P95_MS:
        cpu_p95 = result["first_page_cpu_ms"]["p95"]
        print(
            f"   (CPU time p95 {cpu_p95:.1f} ms: the rest of the wall-clock time is waiting for"
            " a CPU when the machine is busy; see the load average)"
        )
    return 0 if p95 < TARGET_P95_MS else 1


def _summary(values: list[float]) -> dict:
    return {
        "p50": round(statistics.median(values), 1),
        "p95": round(percentile(values, 95), 1),
        "p99": round(percentile(values, 99), 1),
        "max": round(max(values), 1),
    }


def explain(queries: list[str], search, connection) -> None:
    for text in queries:
        sql, params = search(text)[:PAGE_SIZE].query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, COSTS OFF) " + sql, params)
            plan = [row[0] for row in cursor.fetchall()]
        print(f"-- EXPLAIN ANALYZE: {text!r}")
        for line in plan:
            if any(k in line for k in ("Scan", "Index Cond", "Execution", "Sort Method", "Rows")):
                print("   " + line[:160])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=5000, help="procedures to generate")
    parser.add_argument("--per-kind", type=int, default=18, help="queries of each kind")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--explain", action="store_true")
    parser.add_argument(
        "--priority",
        action="store_true",
        help="renice this process and its PostgreSQL backend to -10 (root; shared machines)",
    )
    parser.add_argument("--json", default=str(ROOT / "bench" / "results" / "search.json"))
    return run(parser.parse_args())


if __name__ == "__main__":
    sys.exit(main())

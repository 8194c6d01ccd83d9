"""Dossier benchmark (issue 4 section 7): worklists and the tracking lookup at 1,000,000 dossiers.

Seeds a PostgreSQL database with `manage.py seed_bench` (once: the seed is kept and reused
while it holds the number of dossiers asked for), then sends, through Django's whole HTTP
stack in this process (test Client: middleware, session auth, DRF, serializers, JSON), about
200 requests of each kind, all kinds shuffled together after one warm-up round:

- the staff API worklist page `GET /api/v1/dossiers/?list=<name>` (20 rows and the count) of
  every list of a desk officer, a specialist and a leader of the busiest commune;
- searches in it: `?q=<phone>`, `?q=<code>`, `?q=<ID number>`, `?q=<name>`;
- the desk workspace page `/desk/?list=<name>` of each role (the page, its badges and the
  counts of every list of the role), when the workspace is installed: as it comes (the
  counts are kept 10 s per user), and "counted" (the user's kept counts dropped first, so
  that the page counts every list again);
- the citizen's tracking lookup `POST /api/v1/track/` with a valid code and phone / ID
  number of a random dossier of the province.

Users and values are drawn at random among the commune's staff and dossiers. The clock is
set (time-machine, ticking) to the moment the data was seeded "as of", a working-day
morning, so that "today" lists hold what they would on a working day. Per kind it prints
p50/p95/p99/max in ms, the number of SQL queries of one request, the list's size, and with
--explain the EXPLAIN (ANALYZE, BUFFERS) of its dossier queries (plans written to
bench/results/dossiers-explain.txt). Exit status 1 when a kind with a target (worklists,
phone and code search, tracking) has p95 at or over 100 ms.

    python bench/dossier_bench.py                        (make bench-dossiers)
    python bench/dossier_bench.py --dossiers 1000000 --explain
    python bench/dossier_bench.py --dossiers 100000 --requests 100
    python bench/dossier_bench.py --priority       (renice -10 itself and its backend: root)

Knobs: DOSSIER_BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/motcua_scale
for 1,000,000 dossiers, motcua_scale_<N> for other sizes, so each seed is kept for the next
run; the default one is dropped and rebuilt when it must be seeded again, any other must be
empty then), DOSSIER_BENCH_REDIS_URL (default redis://127.0.0.1:6379/13, flushed),
--reseed. What was seeded, when and as of which moment: bench/results/dossiers-seed-<db>.json.
The figures go to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVER = "postgres://postgres@127.0.0.1:5432"
SCRATCH_REDIS = "redis://127.0.0.1:6379/13"
RESULTS = ROOT / "bench" / "results"
TARGET_P95_MS = 100.0


def database_exists(url: str) -> bool:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()


def create_database(url: str, drop: bool) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if drop:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def setup_django(database_url: str, redis_url: str) -> None:
    os.environ.update(
        {
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "DJANGO_SETTINGS_MODULE": "portal.settings",
            "DEBUG": "0",
            "HTTPS": "0",
            "CELERY_TASK_ALWAYS_EAGER": "1",
            "STATIC_MANIFEST": "0",  # no collectstatic needed: pages, not files, are measured
        }
    )
    os.environ.pop("CELERY_BROKER_URL", None)
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def seed_moment(now: dt.datetime) -> dt.datetime:
    """10:30 on the last working day that has reached 10:30: a desk in full swing."""
    from workcalendar.clock import TZ, WorkCalendar

    calendar = WorkCalendar.for_unit(None)
    local = now.astimezone(TZ)
    day = local.date() if local.time() >= dt.time(10, 30) else local.date() - dt.timedelta(1)
    while not calendar.is_working_day(day):
        day -= dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(10, 30), tzinfo=TZ)


def scratch_database(dossiers: int) -> str:
    """motcua_scale for the million, motcua_scale_<N> for other sizes: each seed is kept."""
    return f"{SERVER}/motcua_scale" + ("" if dossiers == 1_000_000 else f"_{dossiers}")


def seed_info_path(database_url: str) -> Path:
    return RESULTS / f"dossiers-seed-{database_url.rsplit('/', 1)[1]}.json"


def ensure_seed(args, database_url: str) -> dict:
    """The seed to measure: reused when it holds --dossiers dossiers made by seed_bench
    (as bench/results/dossiers-seed.json says), made again otherwise."""
    from django.core.management import call_command
    from django.db import connection, connections

    from dossiers.models import Dossier

    path = seed_info_path(database_url)
    info = json.loads(path.read_text()) if path.exists() else {}
    call_command("migrate", verbosity=0, interactive=False)
    count = Dossier.objects.count()
    if (
        not args.reseed
        and count == args.dossiers
        and info.get("database") == database_url.rsplit("/", 1)[1]
        and info.get("dossiers") == count
    ):
        print(f"== reusing the seed of {info['seeded']}: {count:,} dossiers as of {info['now']}")
        return info
    if count and database_url != scratch_database(args.dossiers):
        print(f"dossier bench: {database_url} holds {count} dossiers; use an empty database")
        sys.exit(2)
    if count:
        connections.close_all()
        create_database(database_url, drop=True)
        call_command("migrate", verbosity=0, interactive=False)
    now = seed_moment(dt.datetime.now(dt.UTC))
    print(f"== seeding {args.dossiers:,} dossiers as of {now.isoformat()} (seed_bench) ...")
    out = io.StringIO()
    started = time.perf_counter()
    call_command(
        "seed_bench", dossiers=args.dossiers, units=args.units, now=now.isoformat(), stdout=out
    )
    seconds = time.perf_counter() - started
    print("   " + out.getvalue().replace("\n", "\n   ").rstrip())
    info = {
        "database": connection.settings_dict["NAME"],
        "dossiers": Dossier.objects.count(),
        "units": args.units,
        "now": now.isoformat(),
        "seeded": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "seed_seconds": round(seconds, 1),
        "seed_output": out.getvalue().splitlines(),
        "load_average_after": round(os.getloadavg()[0], 2),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(info, indent=2, ensure_ascii=False) + "\n")
    return info


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def summary(values: list[float]) -> dict:
    return {
        "p50": round(statistics.median(values), 1),
        "p95": round(percentile(values, 95), 1),
        "p99": round(percentile(values, 99), 1),
        "max": round(max(values), 1),
    }


class Kind:
    """One kind of request: how to make one (with random users and values) and whether it
    is held to the 100 ms target."""

    def __init__(self, name: str, make, target: bool = True):
        self.name, self.make, self.target = name, make, target
        self.ms: list[float] = []
        self.cpu_ms: list[float] = []
        self.queries = 0
        self.rows: int | None = None
        self.plans: list[dict] = []


def build_kinds(rng: random.Random, clients: dict, samples: dict, desk_html: bool) -> list[Kind]:
    from dossiers.selectors import Worklist

    kinds: list[Kind] = []

    def api(role: str, query: str):
        def make():
            return clients[role][rng.randrange(len(clients[role]))], "get", query, None

        return make

    for role in ("desk", "specialist", "leader"):
        user = clients[role][0].bench_user
        for name in (*Worklist(user).names(), "all"):
            kinds.append(
                Kind(f"api {role} ?list={name}", api(role, f"/api/v1/dossiers/?list={name}"))
            )

    def uncached(role: str, query: str):
        """The desk page as if the user's list counts were not kept (dossiers.selectors
        .cached_counts): dropped before the request, so that it counts every list again."""

        def make():
            from django.core.cache import cache

            from dossiers.selectors import COUNTS_KEY

            client = clients[role][rng.randrange(len(clients[role]))]
            cache.delete(COUNTS_KEY.format(user=client.bench_user.pk))
            return client, "get", query, None

        return make

    def search(field: str):
        def make():
            value = rng.choice(samples[field])
            return clients["desk"][0], "get", f"/api/v1/dossiers/?list=all&q={value}", None

        return make

    kinds.append(Kind("api search ?q=<phone>", search("phone")))
    kinds.append(Kind("api search ?q=<code>", search("code")))
    kinds.append(Kind("api search ?q=<ID number>", search("id_number")))
    kinds.append(Kind("api search ?q=<name>", search("name"), target=False))
    if desk_html:
        for role in ("desk", "specialist", "leader"):
            user = clients[role][0].bench_user
            first = Worklist(user).names()[0]
            kinds.append(
                Kind(f"html /desk/ {role} ?list={first}", api(role, f"/desk/?list={first}"))
            )
        for role in ("desk", "specialist", "leader"):
            user = clients[role][0].bench_user
            first = Worklist(user).names()[0]
            kinds.append(
                Kind(
                    f"html /desk/ {role} ?list={first}, counted",
                    uncached(role, f"/desk/?list={first}"),
                )
            )
        # The whole history in the HTML workspace (counted up to 1,000, like the API).
        kinds.append(Kind("html /desk/ desk ?list=all", api("desk", "/desk/?list=all"), False))

    anonymous = clients["anonymous"]

    def track():
        code, phone, id_number = rng.choice(samples["track"])
        r = rng.random()
        if phone and r < 0.5:
            body = {"code": code, "phone": f"{phone[:4]} {phone[4:7]} {phone[7:]}"}
        elif phone and r < 0.75:
            body = {"code": code, "phone": phone}
        else:
            body = {"code": code, "id_number": id_number}
        return anonymous, "post", "/api/v1/track/", body

    kinds.append(Kind("POST /api/v1/track/", track))

    def citizen(page: str):
        def make():
            client = rng.choice(clients["citizen"])
            path = "/account/dossiers/" + (f"{rng.choice(client.codes)}/" if page else "")
            return client, "get", path, None

        return make

    if clients.get("citizen"):
        kinds.append(Kind("html /account/dossiers/ (citizen)", citizen("")))
        kinds.append(Kind("html /account/dossiers/<code>/ (citizen)", citizen("one")))
    return kinds


def citizen_clients(rng: random.Random, count: int = 20) -> list:
    """Citizen accounts (issue 6) of applicants who came back most often, with their phone
    and ID number verified, so that "My dossiers" matches their desk dossiers by phone and
    by ID number across the province (kept in the bench database, made again each run)."""
    from django.db.models import Count
    from django.test import Client
    from django.utils import timezone

    from dossiers.models import Dossier
    from portal.models import User

    returning = list(
        Dossier.objects.exclude(applicant_phone="")
        .values("applicant_phone", "applicant_id_number")
        .annotate(n=Count("id"))
        .filter(n__gte=2)
        .order_by("-n", "applicant_phone")[: count * 5]
    )
    by_phone = {row["applicant_phone"]: row for row in reversed(returning)}  # one per phone
    returning = sorted(by_phone.values(), key=lambda row: (-row["n"], row["applicant_phone"]))
    clients = []
    now = timezone.now()
    for row in rng.sample(returning, min(count, len(returning))):
        user, _ = User.objects.update_or_create(
            username=f"bench-citizen-{row['applicant_phone']}",
            defaults={
                "is_citizen": True,
                "phone": row["applicant_phone"],
                "phone_verified_at": now,
                "id_number": row["applicant_id_number"],
                "id_verified_at": now,
            },
        )
        client = Client()
        client.force_login(user)
        client.bench_user = user
        client.codes = list(
            Dossier.objects.filter(applicant_phone=row["applicant_phone"]).values_list(
                "code", flat=True
            )
        )
        clients.append(client)
    return clients


def send(request) -> tuple[float, float, object]:
    """One request: wall time and this process's CPU time (Django's share, without the
    database's), in ms, and the response."""
    client, method, path, body = request
    started, cpu = time.perf_counter(), time.process_time()
    if method == "get":
        response = client.get(path)
    else:
        response = client.post(path, data=json.dumps(body), content_type="application/json")
    ms = (time.perf_counter() - started) * 1000
    cpu_ms = (time.process_time() - cpu) * 1000
    if response.status_code != 200:
        raise SystemExit(f"dossier bench: {method.upper()} {path} -> {response.status_code}")
    return ms, cpu_ms, response


INDEX = re.compile(
    r"(?:Index Only Scan|Index Scan|Bitmap Index Scan)(?: Backward)? (?:using|on) (\w+)"
)


def explain(kind: Kind, request, out) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of the request's queries on the dossier table."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        send(request)
    out.write(f"\n\n######## {kind.name}\n")
    for query in captured.captured_queries:
        sql = query["sql"]
        if '"dossiers_dossier"' not in sql or not sql.lstrip().upper().startswith("SELECT"):
            continue
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            plan = [row[0] for row in cursor.fetchall()]
        out.write(f"\n-- {sql}\n" + "\n".join(plan) + "\n")
        text = "\n".join(plan)
        executed = re.search(r"Execution Time: ([\d.]+) ms", text)
        buffers = re.search(r"Buffers: shared hit=(\d+)(?: read=(\d+))?", text)
        kind.plans.append(
            {
                "query": "count" if "COUNT(" in sql.upper() else "rows",
                "indexes": sorted(set(INDEX.findall(text))),
                "seq_scan_on_dossiers": "Seq Scan on dossiers_dossier" in text,
                "ms": float(executed.group(1)) if executed else None,
                "shared_hit": int(buffers.group(1)) if buffers else None,
                "shared_read": int(buffers.group(2) or 0) if buffers else None,
            }
        )


def table_sizes() -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, n_live_tup, pg_total_relation_size(relid), pg_indexes_size(relid) "
            "FROM pg_stat_user_tables WHERE relname LIKE 'dossiers\\_%%' "
            "ORDER BY pg_total_relation_size(relid) DESC"
        )
        return {
            name: {"rows": rows, "total_mb": round(total / 2**20), "indexes_mb": round(idx / 2**20)}
            for name, rows, total, idx in cursor.fetchall()
        }


def machine() -> str:
    cpu = next(
        (line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if "model name" in line),
        platform.processor(),
    )
    ram = next(
        (int(line.split()[1]) // 2**20 for line in open("/proc/meminfo") if "MemTotal" in line), 0
    )
    return f"{os.cpu_count()} CPU, {cpu}, {ram} GiB RAM"


def run(args: argparse.Namespace) -> int:
    database_url = os.environ.get("DOSSIER_BENCH_DATABASE_URL") or scratch_database(args.dossiers)
    redis_url = os.environ.get("DOSSIER_BENCH_REDIS_URL", SCRATCH_REDIS)
    if not database_url.startswith("postgres"):
        print("dossier bench: needs PostgreSQL (DOSSIER_BENCH_DATABASE_URL)", file=sys.stderr)
        return 2
    if not database_exists(database_url):
        create_database(database_url, drop=False)
    setup_django(database_url, redis_url)

    import time_machine
    from django.core.cache import cache
    from django.db import connection
    from django.db.models import Q, Sum
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import NoReverseMatch, reverse

    from dossiers.models import OPEN_STATUSES, Dossier, DossierCounter
    from portal.models import Role, User

    info = ensure_seed(args, database_url)
    as_of = dt.datetime.fromisoformat(info["now"])
    if redis_url == SCRATCH_REDIS:
        cache.clear()
    rng = random.Random(args.seed)

    # The busiest commune, its staff, and values to look up.
    unit_id = (
        DossierCounter.objects.values("unit")
        .annotate(n=Sum("last"))
        .order_by("-n")
        .values_list("unit", flat=True)[0]
    )
    staff = {
        "desk": list(User.objects.filter(unit_id=unit_id, role=Role.DESK_OFFICER)),
        "specialist": list(User.objects.filter(unit_id=unit_id, role=Role.SPECIALIST)),
        "leader": list(User.objects.filter(unit_id=unit_id, role=Role.LEADER)),
    }
    clients: dict[str, list] = {}
    for role, users in staff.items():
        clients[role] = []
        for user in users:
            client = Client()
            client.force_login(user)
            client.bench_user = user
            clients[role].append(client)
    clients["anonymous"] = Client()
    clients["citizen"] = citizen_clients(rng)
    mine = Dossier.objects.filter(Q(receiving_unit_id=unit_id) | Q(competent_unit_id=unit_id))
    ids = list(mine.values_list("pk", flat=True))
    picked = list(
        Dossier.objects.filter(pk__in=rng.sample(ids, min(len(ids), 2000))).values_list(
            "code", "applicant_phone", "applicant_id_number", "applicant_name"
        )
    )
    low = Dossier.objects.order_by("pk").values_list("pk", flat=True)[0]
    high = Dossier.objects.order_by("-pk").values_list("pk", flat=True)[0]
    anywhere = list(
        Dossier.objects.filter(pk__in=[rng.randint(low, high) for _ in range(3000)]).values_list(
            "code", "applicant_phone", "applicant_id_number"
        )
    )
    samples = {
        "phone": [p for _c, p, _i, _n in picked if p],
        "code": [c for c, _p, _i, _n in picked],
        "id_number": [i for _c, _p, i, _n in picked],
        "name": [" ".join(n.split()[-2:]) for _c, _p, _i, n in picked],
        "track": anywhere,
    }
    try:
        reverse("desk:home")
        desk_html = True
    except NoReverseMatch:
        desk_html = False
    kinds = build_kinds(rng, clients, samples, desk_html)
    unit = staff["desk"][0].unit
    open_count = mine.filter(status__in=OPEN_STATUSES).count()
    print(f"== busiest commune {unit.code} {unit.name}: {len(ids):,} dossiers, {open_count:,} open")
    print(f"   clock set to {as_of.isoformat()} (the seed's moment), ticking")

    if args.priority:
        # On a machine shared with other work: this process and its PostgreSQL backend go
        # ahead of the rest (needs root), so that the figures show the code, not the queue.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backend = cursor.fetchone()[0]
        for pid in (os.getpid(), backend):
            subprocess.run(["renice", "-n", "-10", "-p", str(pid)], capture_output=True)
    explain_out = io.StringIO()
    load_before = os.getloadavg()[0]
    with time_machine.travel(as_of, tick=True):
        for kind in kinds:  # warm-up, query counts, list sizes
            for _ in range(args.warmup):
                send(kind.make())
            with CaptureQueriesContext(connection) as captured:
                _ms, _cpu, response = send(kind.make())
            kind.queries = len(captured.captured_queries)
            if response.get("Content-Type", "").startswith("application/json"):
                kind.rows = response.json().get("count")
        order = [kind for kind in kinds for _ in range(args.requests)]
        rng.shuffle(order)
        started = time.perf_counter()
        for kind in order:
            ms, cpu_ms, _response = send(kind.make())
            kind.ms.append(ms)
            kind.cpu_ms.append(cpu_ms)
        elapsed = time.perf_counter() - started
        if args.explain:
            for kind in kinds:
                explain(kind, kind.make(), explain_out)
    load_after = os.getloadavg()[0]

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg_version = cursor.fetchone()[0]
        cursor.execute("SHOW shared_buffers")
        shared_buffers = cursor.fetchone()[0]
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
        ).stdout.strip()
    except OSError:
        commit = "?"
    result = {
        "command": "python bench/dossier_bench.py " + " ".join(sys.argv[1:]),
        "machine": machine(),
        "load_average": [round(load_before, 2), round(load_after, 2)],
        "priority": "raised (renice -10)" if args.priority else "normal",
        "postgresql": f"{pg_version}, shared_buffers {shared_buffers}",
        "commit": commit,
        "seed": {k: v for k, v in info.items() if k != "seed_output"},
        "seed_output": info.get("seed_output", []),
        "tables": table_sizes(),
        "busiest_commune": {"code": unit.code, "dossiers": len(ids), "open": open_count},
        "requests_per_kind": args.requests,
        "seconds": round(elapsed, 1),
        "kinds": {
            kind.name: {
                **summary(kind.ms),
                "cpu_p50": round(statistics.median(kind.cpu_ms), 1),
                "queries": kind.queries,
                "count": kind.rows,
                "target": kind.target,
                **({"plans": kind.plans} if kind.plans else {}),
            }
            for kind in kinds
        },
    }
    print(f"== dossier benchmark, {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}")
    print(
        f"   machine: {result['machine']}; load average {load_before:.2f} -> {load_after:.2f};"
        f" priority {result['priority']}"
    )
    print(f"   PostgreSQL {result['postgresql']}; commit {commit}")
    print(
        f"   {info['dossiers']:,} dossiers as of {info['now']} (seeded in "
        f"{info.get('seed_seconds', '?')} s); {args.requests} requests per kind, shuffled"
    )
    print(
        f"   {'kind':44} {'p50':>7} {'p95':>7} {'p99':>7} {'max':>7} {'cpu50':>6}  queries  count"
    )
    missed = []
    for kind in kinds:
        s = result["kinds"][kind.name]
        flag = ""
        if kind.target and s["p95"] >= TARGET_P95_MS:
            flag = "  MISSES"
            missed.append(kind.name)
        elif not kind.target:
            flag = "  (no target)"
        count = "" if kind.rows is None else f"{kind.rows:,}"
        print(
            f"   {kind.name:44} {s['p50']:7.1f} {s['p95']:7.1f} {s['p99']:7.1f} {s['max']:7.1f}"
            f" {s['cpu_p50']:6.1f}  {kind.queries:7}  {count:>6}{flag}"
        )
        for plan in kind.plans:
            print(
                f"      {plan['query']:5} {plan['ms'] or 0:7.2f} ms in PostgreSQL, "
                f"hit {plan['shared_hit']} read {plan['shared_read']}, "
                f"{', '.join(plan['indexes']) or 'no index'}"
                + ("  SEQ SCAN" if plan["seq_scan_on_dossiers"] else "")
            )
    if args.explain:
        (RESULTS / "dossiers-explain.txt").write_text(explain_out.getvalue())
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    if missed:
        print(f"== p95 at or over {TARGET_P95_MS:.0f} ms: " + "; ".join(missed))
        return 1
    print(f"== every targeted p95 is under {TARGET_P95_MS:.0f} ms")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dossiers", type=int, default=1_000_000)
    parser.add_argument("--units", type=int, default=100)
    parser.add_argument("--requests", type=int, default=200, help="per kind")
    parser.add_argument("--warmup", type=int, default=10, help="per kind")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--reseed", action="store_true", help="seed again even if it matches")
    parser.add_argument("--explain", action="store_true")
    parser.add_argument(
        "--priority",
        action="store_true",
        help="renice this process and its PostgreSQL backend to -10 (root; shared machines)",
    )
    parser.add_argument("--json", default=str(RESULTS / "dossiers.json"))
    return run(parser.parse_args())


if __name__ == "__main__":
    sys.exit(main())

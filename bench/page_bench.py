"""Side-by-side wrk runs: the procedure page against a bare Django view on the same server.

Called by bench/run.sh once gunicorn is up. Rounds alternate the URLs (the order rotates
each round) so that the machine's noise hits every URL alike; the verdict compares medians
over the rounds. Exit status: 0 when the page meets both targets, 1 when it misses one,
2 when a URL does not answer 200 (then the figures mean nothing).

    python bench/page_bench.py --base http://127.0.0.1:8765 --rounds 3 --duration 15
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
BARE = "/bench/bare"
PAGES = ["/p/1.001193", "/p/1.001193?unit=000.00.23.H56"]
MIN_THROUGHPUT_RATIO = 0.8  # page requests/s >= 0.8 x bare requests/s
MAX_P99_RATIO = 1.25  # page p99 <= 1.25 x bare p99


@dataclass
class Run:
    path: str
    round: int
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    bytes_per_request: float
    cpu_us: float | None = None  # gunicorn workers' CPU time per request


def server_cpu_seconds(master_pid: int | None) -> float | None:
    """CPU time (user + system) used so far by the children of gunicorn's master. Unlike
    req/s it hardly moves when other programs compete for the CPU: a second opinion on a
    noisy machine."""
    if not master_pid:
        return None
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended meanwhile
        if int(fields[1]) == master_pid:  # fields[1] is the parent pid
            total += int(fields[11]) + int(fields[12])  # utime + stime, in clock ticks
    return total / os.sysconf("SC_CLK_TCK")


def check_answers(base: str, paths: list[str]) -> list[str]:
    problems = []
    for path in paths:
        try:
            with urllib.request.urlopen(base + path, timeout=10) as response:
                size = len(response.read())
                print(f"  {path}: {response.status}, {size} bytes")
        except urllib.error.HTTPError as exc:
            problems.append(f"{path} answers {exc.code}, not 200")
        except OSError as exc:
            problems.append(f"{path}: {exc}")
    return problems


def wrk(
    base: str, path: str, seconds: int, connections: int, threads: int, rnd: int, pid: int | None
) -> Run:
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "--latency",
        "-s",
        str(HERE / "report.lua"),
        base + path,
    ]
    cpu_before = server_cpu_seconds(pid)
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    cpu_after = server_cpu_seconds(pid)
    line = next(x for x in output.splitlines() if x.startswith("BENCH_JSON "))
    data = json.loads(line.removeprefix("BENCH_JSON "))
    requests = max(data["requests"], 1)
    errors = sum(data[k] for k in ("connect_errors", "read_errors", "write_errors"))
    errors += data["status_errors"] + data["timeouts"]
    return Run(
        path=path,
        round=rnd,
        rps=data["requests"] / (data["duration_us"] / 1e6),
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        errors=errors,
        bytes_per_request=data["bytes"] / requests,
        cpu_us=None if cpu_before is None else (cpu_after - cpu_before) / requests * 1e6,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="http://127.0.0.1:8765")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=15, help="seconds per wrk run")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of wrk per URL first")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--json", type=Path, help="also write every run here")
    parser.add_argument("--server-pid", type=int, help="gunicorn master: report worker CPU")
    parser.add_argument(
        "--page", action="append", dest="pages", help=f"URL path to measure (default {PAGES})"
    )
    args = parser.parse_args()
    pages = args.pages or PAGES
    paths = [BARE, *pages]
    print("Answers:")
    problems = check_answers(args.base, paths)
    if problems:
        for problem in problems:
            print(f"  ! {problem}", file=sys.stderr)
        print("The URLs under test do not answer 200: not benchmarking.", file=sys.stderr)
        return 2

    print(f"Load average before: {Path('/proc/loadavg').read_text().split()[:3]}")
    print(f"Warm-up: {args.warmup}s per URL")
    for path in paths:
        wrk(args.base, path, args.warmup, args.connections, args.threads, 0, args.server_pid)

    runs: list[Run] = []
    for rnd in range(1, args.rounds + 1):
        shift = (rnd - 1) % len(paths)
        for path in paths[shift:] + paths[:shift]:
            run = wrk(
                args.base, path, args.duration, args.connections, args.threads, rnd, args.server_pid
            )
            runs.append(run)
            print(
                f"  round {rnd}  {path:<34} {run.rps:8.0f} req/s  p50 {run.p50_ms:6.2f} ms"
                f"  p99 {run.p99_ms:6.2f} ms  errors {run.errors}"
                + (f"  worker CPU {run.cpu_us:5.0f} us/req" if run.cpu_us is not None else ""),
                flush=True,
            )

    def median(path: str, attr: str) -> float:
        return statistics.median(getattr(r, attr) for r in runs if r.path == path)

    def paired_ratio(path: str, attr: str) -> float:
        """Median over rounds of page ÷ bare measured in the same round, minutes apart at
        most: slow drifts of the machine's load cancel out."""
        ratios = []
        for rnd in range(1, args.rounds + 1):
            in_round = {r.path: r for r in runs if r.round == rnd}
            ratios.append(getattr(in_round[path], attr) / getattr(in_round[BARE], attr))
        return statistics.median(ratios)

    print()
    print(
        f"{args.rounds} rounds x {args.duration}s, wrk {args.threads} threads "
        f"{args.connections} connections. Figures: medians over rounds; ratios: median of "
        "the same-round ratios."
    )
    print(
        f"| URL | req/s | p50 ms | p99 ms | bytes/resp | req/s ÷ bare (≥ {MIN_THROUGHPUT_RATIO}) "
        f"| p99 ÷ bare (≤ {MAX_P99_RATIO}) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    failed = []
    for path in paths:
        rps, p50, p99 = median(path, "rps"), median(path, "p50_ms"), median(path, "p99_ms")
        size = median(path, "bytes_per_request")
        if path == BARE:
            print(f"| `{path}` | {rps:.0f} | {p50:.2f} | {p99:.2f} | {size:.0f} | 1 | 1 |")
            continue
        rps_ratio, p99_ratio = paired_ratio(path, "rps"), paired_ratio(path, "p99_ms")
        ok_rps, ok_p99 = rps_ratio >= MIN_THROUGHPUT_RATIO, p99_ratio <= MAX_P99_RATIO
        print(
            f"| `{path}` | {rps:.0f} | {p50:.2f} | {p99:.2f} | {size:.0f} "
            f"| {rps_ratio:.2f} {'ok' if ok_rps else 'MISS'} "
            f"| {p99_ratio:.2f} {'ok' if ok_p99 else 'MISS'} |"
        )
        if not ok_rps:
            failed.append(f"{path}: throughput {rps_ratio:.2f} x bare < {MIN_THROUGHPUT_RATIO}")
        if not ok_p99:
            failed.append(f"{path}: p99 {p99_ratio:.2f} x bare > {MAX_P99_RATIO}")

    if args.server_pid:
        print("\nWorker CPU per request (median over rounds; ratio: median same-round ratio):")
        for path in paths:
            cpu = median(path, "cpu_us")
            ratio = "" if path == BARE else f", {paired_ratio(path, 'cpu_us'):.2f} x bare"
            print(f"  {path:<34} {cpu:6.0f} us{ratio}")

    print("\nPer round (page ÷ bare, same round):")
    for rnd in range(1, args.rounds + 1):
        in_round = {r.path: r for r in runs if r.round == rnd}
        cells = [
            f"{path} {in_round[path].rps / in_round[BARE].rps:.2f}x req/s, "
            f"{in_round[path].p99_ms / in_round[BARE].p99_ms:.2f}x p99"
            for path in pages
        ]
        print(f"  round {rnd}: " + "; ".join(cells))
    print(f"Load average at the end: {Path('/proc/loadavg').read_text().split()[:3]}")

    errors = sum(r.errors for r in runs)
    if errors:
        failed.append(f"{errors} socket/HTTP errors during the runs")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps([r.__dict__ for r in runs], indent=2))
    if failed:
        print("\nMISSED: " + "; ".join(failed), file=sys.stderr)
        return 1
    print("\nBoth targets met.")
    return 0


if __name__ == "__main__":
    sys.exit(main())

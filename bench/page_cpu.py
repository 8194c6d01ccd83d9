"""CPU time per request of the procedure page and of the bare view, in one process.

No HTTP server and no load generator: requests go straight into Django's WSGI handler and
the process's own CPU time is measured (best of several repeats). Other programs on the
machine barely move this figure, so it shows what the page costs even when wrk's numbers
are drowned in noise. Run by bench/run.sh after the wrk rounds, with the same database,
Redis and settings (DJANGO_SETTINGS_MODULE=bench.settings).
"""

from __future__ import annotations

import argparse
import sys
import time
from io import BytesIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from page_bench import BARE, PAGES  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--number", type=int, default=1000, help="requests per repeat")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.handlers.wsgi import WSGIHandler

    handler = WSGIHandler()

    def request(url: str) -> str:
        path, _, query = url.partition("?")
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SCRIPT_NAME": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80",
            "HTTP_HOST": "127.0.0.1",
            "wsgi.input": BytesIO(b""),
            "wsgi.url_scheme": "http",
        }
        status = []
        response = handler(environ, lambda s, headers: status.append(s))
        b"".join(response)
        response.close()
        return status[0]

    def cpu_us(url: str) -> float:
        best = float("inf")
        for _ in range(args.repeat):
            start = time.process_time()
            for _ in range(args.number):
                request(url)
            best = min(best, (time.process_time() - start) / args.number * 1e6)
        return best

    urls = [BARE, *PAGES]
    for url in urls:
        status = request(url)  # warm: the page is rendered and cached here if needed
        if not status.startswith("200"):
            print(f"page_cpu: {url} answers {status}", file=sys.stderr)
            return 2
    figures = {url: cpu_us(url) for url in urls}
    print(f"\nIn-process CPU per request (best of {args.repeat} x {args.number}, no HTTP):")
    for url in urls:
        extra = "" if url == BARE else f"  {figures[url] / figures[BARE]:.2f} x bare"
        print(f"  {url:<34} {figures[url]:6.0f} us{extra}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

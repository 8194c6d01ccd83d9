"""Test and benchmark helpers: a fake SMS gateway on 127.0.0.1 and real worker processes.

Used by tests/notifications (HTTP backends, the kill-the-worker integration test) and by
bench/notify_bench.py. Nothing here runs in production.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self):
        return json.loads(self.body or b"null")


@dataclass
class Reply:
    status: int = 200
    body: bytes | str | dict = b""
    delay: float = 0.0  # seconds to wait before answering (a slow gateway)
    content_type: str = "application/json"


Responder = Callable[[Request], Reply]


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):  # a killed client: expected
            super().handle_error(request, client_address)


@dataclass
class FakeGateway:
    """An SMS gateway that records every request and, like real providers, treats a
    repeated idempotency key as the same message: the first request with a key is a
    delivery, later ones get the first answer back and count as duplicates."""

    key_header: str = "Idempotency-Key"
    delay: float = 0.0
    respond: Responder | None = None  # scripted answers; default: accept and dedupe
    on_delivery: Callable[[int], None] | None = None  # called with the delivery count
    requests: list[Request] = field(default_factory=list)
    delivered: dict[str, str] = field(default_factory=dict)  # key -> provider id
    attempts: Counter = field(default_factory=Counter)  # key -> requests seen
    first_at: float | None = None  # time.monotonic() of the first and last delivery
    last_at: float | None = None

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/sms"

    @property
    def duplicates(self) -> int:
        return sum(count - 1 for count in self.attempts.values() if count > 1)

    def start(self) -> FakeGateway:
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # answer at once, not after a delayed ACK

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length") or 0)
                request = Request(
                    "POST", self.path, dict(self.headers.items()), self.rfile.read(length)
                )
                reply = gateway.handle(request)
                if reply.delay:
                    time.sleep(reply.delay)
                body = reply.body
                if isinstance(body, dict):
                    body = json.dumps(body).encode()
                elif isinstance(body, str):
                    body = body.encode()
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", reply.content_type)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout) or died (killed worker)

            def log_message(self, *args) -> None:
                pass

        self._server = _QuietServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def handle(self, request: Request) -> Reply:
        with self._lock:
            self.requests.append(request)
        if self.respond is not None:
            return self.respond(request)
        key = request.headers.get(self.key_header, "")
        with self._lock:
            self.attempts[key] += 1
            first = key not in self.delivered
            if first:
                self.delivered[key] = f"gw-{len(self.delivered) + 1}"
                self.last_at = time.monotonic()
                self.first_at = self.first_at or self.last_at
            provider_id, count = self.delivered[key], len(self.delivered)
        if first and self.on_delivery is not None:
            self.on_delivery(count)
        return Reply(200, {"id": provider_id, "status": "accepted"}, delay=self.delay)


# --- Worker processes ----------------------------------------------------------------------


def database_url(settings_dict: dict) -> str:
    """DATABASE_URL of a connection's database (the test database once it is set up)."""
    engine = settings_dict["ENGINE"]
    if engine.endswith("sqlite3"):
        name = str(settings_dict["NAME"])
        if name == ":memory:" or "mode=memory" in name:
            raise RuntimeError("a worker process cannot share an in-memory SQLite database")
        return f"sqlite:///{name}?timeout=30&transaction_mode=IMMEDIATE"
    if engine.endswith("postgresql"):
        user = quote(settings_dict.get("USER") or "", safe="")
        password = quote(settings_dict.get("PASSWORD") or "", safe="")
        auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
        host = settings_dict.get("HOST") or "127.0.0.1"
        port = settings_dict.get("PORT") or "5432"
        return f"postgres://{auth}{host}:{port}/{quote(settings_dict['NAME'], safe='')}"
    raise RuntimeError(f"no DATABASE_URL for {engine}")


def redis_db_url(url: str, db: int) -> str:
    """The same Redis server, another database number."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{db}", "", ""))


def worker_env(**variables: str) -> dict[str, str]:
    """The environment of a worker: ours minus every setting the worker must get only from
    `variables` (database, broker, notification settings)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_", "REDIS_", "CELERY_", "NOTIFY_", "PYTEST_"))
    }
    env.update({"DJANGO_SETTINGS_MODULE": "portal.settings", "LOG_LEVEL": "WARNING"})
    env.update(variables)
    return env


def start_worker(
    env: dict[str, str],
    *,
    concurrency: int = 4,
    pool: str = "prefork",
    beat: bool = False,
    name: str = "notify",
    log_path: Path | None = None,
) -> subprocess.Popen:
    """`celery -A portal worker` in its own process group (so that a SIGKILL takes the
    whole worker, pool children and embedded beat, as a machine crash would)."""
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "portal",
        "worker",
        "--loglevel=WARNING",
        f"--concurrency={concurrency}",
        f"--pool={pool}",
        f"--hostname={name}-{os.getpid()}-{time.monotonic_ns()}@%h",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]
    if beat:
        schedule = Path(tempfile.gettempdir()) / f"notify-beat-{os.getpid()}-{name}"
        command += ["--beat", f"--schedule={schedule}"]
    log = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115
    try:
        return subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    finally:
        if log_path:
            log.close()


def kill_worker(process: subprocess.Popen) -> None:
    """SIGKILL the worker's whole process group: no warm shutdown, nothing acknowledged."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(timeout=30)


def stop_worker(process: subprocess.Popen, timeout: float = 30) -> None:
    """Warm shutdown (SIGTERM), then SIGKILL if it does not finish in time."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pass
        except ProcessLookupError:
            return
    kill_worker(process)


@contextmanager
def celery_broker(url: str):
    """Publish this process's tasks to `url` instead of running them in-process."""
    from portal.celery import app

    conf = app.conf
    saved = (conf.broker_url, conf.task_always_eager, app.amqp._producer_pool)
    conf.broker_url = url
    conf.task_always_eager = False
    app.amqp._producer_pool = None  # pools are per broker URL: take the new one
    try:
        yield app
    finally:
        conf.broker_url, conf.task_always_eager, app.amqp._producer_pool = saved


def wait_until(condition: Callable[[], bool], *, timeout: float, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()

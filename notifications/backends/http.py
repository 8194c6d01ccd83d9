"""What the HTTP backends (SMS gateway, Zalo ZNS) share: one client per process, and the
classification of an HTTP answer.

    2xx with a JSON body        accepted (the backend reads the provider's id and codes)
    2xx with anything else      temporary: a proxy's error page or a half-written answer is
                                not proof of acceptance; the retry carries the same
                                idempotency key, so a provider that did accept answers
                                with the first result instead of sending twice
    408, 425, 429               temporary (timeout, too early, rate limit)
    other 4xx                   permanent: this request will never be accepted as it is
    5xx, timeouts, connection   temporary
"""

from __future__ import annotations

import os
import threading

import httpx
from django.conf import settings

from . import PermanentFailure, TemporaryFailure

_clients: dict[int, httpx.Client] = {}
_lock = threading.Lock()
RETRYABLE_4XX = frozenset({408, 425, 429})


def client() -> httpx.Client:
    """One pooled client per process (a client must not cross a fork: prefork workers)."""
    pid = os.getpid()
    with _lock:
        existing = _clients.get(pid)
        if existing is None:
            existing = _clients[pid] = httpx.Client(
                headers={"User-Agent": "motcua-notifications/1"}, follow_redirects=False
            )
        return existing


def post_json(url: str, payload, *, headers: dict[str, str], auth=None) -> httpx.Response:
    timeout = httpx.Timeout(settings.NOTIFY_HTTP_TIMEOUT)
    try:
        return client().post(url, json=payload, headers=headers, auth=auth, timeout=timeout)
    except httpx.TimeoutException as exc:
        raise TemporaryFailure(f"timeout after {settings.NOTIFY_HTTP_TIMEOUT}s: {exc!r}") from exc
    except httpx.HTTPError as exc:  # connection refused, reset, DNS, protocol errors
        raise TemporaryFailure(f"{type(exc).__name__}: {exc}") from exc


def json_body(response: httpx.Response) -> dict:
    """The JSON object of an answer, after classifying its status code."""
    status = response.status_code
    excerpt = response.text[:300] if response.content else ""
    if 200 <= status < 300:
        try:
            data = response.json()
        except ValueError as exc:
            raise TemporaryFailure(
                f"HTTP {status} with a body that is not JSON: {excerpt!r}"
            ) from exc
        if not isinstance(data, dict):
            raise TemporaryFailure(f"HTTP {status} with unexpected JSON: {excerpt!r}")
        return data
    if status in RETRYABLE_4XX or status >= 500:
        raise TemporaryFailure(f"HTTP {status}: {excerpt!r}")
    if 400 <= status < 500:
        raise PermanentFailure(f"HTTP {status}: {excerpt!r}")
    raise TemporaryFailure(f"HTTP {status} (unexpected): {excerpt!r}")


def dig(data, path: str):
    """data["a"]["b"] for path "a.b"; None when any part is missing."""
    for part in path.split(".") if path else ():
        if not isinstance(data, dict) or part not in data:
            return None
        data = data[part]
    return data

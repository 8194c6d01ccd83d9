"""Fixtures of the notification tests.

- Tasks run in-process (eager) unless a test says otherwise, whatever REDIS_URL says: CI
  sets REDIS_URL for the integration tests, and a unit test must leave nothing in Redis.
- Every channel goes to the memory backend: tests read `notifications.backends.memory.outbox`.
- On SQLite, when these tests are part of the run, the test database is a file (in /dev/shm
  where there is one) instead of the in-memory default: worker processes (integration test)
  and threads (claim race) need connections of their own to the same database, which an
  in-memory database cannot give. Writers wait for each other (timeout) and take the write
  lock when a transaction starts (IMMEDIATE), as several processes on one SQLite file must.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from notifications.backends import memory


def _file_database_path() -> Path:
    folder = Path("/dev/shm")
    if not (folder.is_dir() and os.access(folder, os.W_OK)):
        folder = Path(tempfile.gettempdir())
    return folder / f"motcua-test-{os.getpid()}.sqlite3"


def pytest_collection_modifyitems(config, items):
    database = django_settings.DATABASES["default"]
    if not database["ENGINE"].endswith("sqlite3"):
        return
    test = database.setdefault("TEST", {})
    if test.get("NAME") in (None, "", ":memory:"):
        test["NAME"] = str(_file_database_path())
        database.setdefault("OPTIONS", {}).update({"timeout": 30, "transaction_mode": "IMMEDIATE"})


@pytest.fixture(autouse=True)
def _memory_backends(settings):
    settings.NOTIFY_EMAIL_BACKEND = "memory"
    settings.NOTIFY_SMS_BACKEND = "memory"
    settings.NOTIFY_ZALO_BACKEND = "memory"
    memory.outbox.clear()
    yield
    memory.outbox.clear()


@pytest.fixture(autouse=True)
def _eager_tasks():
    from portal.celery import app

    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = saved


@pytest.fixture
def received_context() -> dict:
    """What the dossiers app passes for dossier_received."""
    import datetime

    code = "000.00.23.H56-261123-0007"
    return {
        "code": code,
        "procedure": "Đăng ký kết hôn",
        "applicant_name": "Trần Văn Bình",
        "unit": "Xã Đạ Huoai",
        "tracking_url": f"https://dichvucong.lamdong.gov.vn/track?code={code}",
        "received_at": datetime.date(2026, 11, 23),
        "due_date": datetime.date(2026, 11, 26),
    }

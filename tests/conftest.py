"""Shared fixtures: a province with a commune, and one named user per role."""

import os
import tempfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import caches

from portal.models import Role, UnitKind

from .factories import ProcedureFactory, UnitFactory, UserFactory


def _sqlite_test_file() -> str:
    folder = Path("/dev/shm")
    if not (folder.is_dir() and os.access(folder, os.W_OK)):
        folder = Path(tempfile.gettempdir())
    return str(folder / f"motcua-test-{os.getpid()}.sqlite3")


# On SQLite the test database is a file, not the in-memory default: tests of concurrent
# officers (threads) and of real worker processes need connections of their own to it.
_database = settings.DATABASES["default"]
if _database["ENGINE"].endswith("sqlite3"):
    _database.setdefault("TEST", {})["NAME"] = _sqlite_test_file()

# Hashing test passwords with PBKDF2 costs ~0.3 s per user; the suite makes hundreds.
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pytest_sessionfinish(session, exitstatus):
    """In CI (FAIL_ON_SKIP=1) a skipped test is a failure: everything must really run."""
    if not os.environ.get("FAIL_ON_SKIP"):
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped and session.exitstatus == 0:
        reporter.write_line(f"FAIL_ON_SKIP: {len(skipped)} test(s) skipped", red=True)
        session.exitstatus = 1


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    """Tests render templates without running collectstatic first."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _vietnamese_first():
    """Each test starts in the default language, whatever a previous request activated."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _tasks_in_process_and_messages_in_memory(settings):
    """Unit tests run tasks eagerly and keep sent messages in memory, whatever REDIS_URL
    says; the integration tests start real workers themselves."""
    from notifications.backends import memory
    from portal.celery import app

    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    settings.NOTIFY_EMAIL_BACKEND = settings.NOTIFY_SMS_BACKEND = "memory"
    settings.NOTIFY_ZALO_BACKEND = "memory"
    memory.outbox.clear()
    yield
    memory.outbox.clear()
    app.conf.task_always_eager = saved


@pytest.fixture(autouse=True)
def _clean_cache():
    for each in caches.all():  # the shared cache and the per-process "local" one
        each.clear()
    yield
    for each in caches.all():
        each.clear()


@pytest.fixture
def province(db):
    return UnitFactory(
        code="000.00.00.H56",
        name_vi="Tỉnh Lâm Đồng",
        name_en="Lam Dong Province",
        kind=UnitKind.PROVINCE,
        parent=None,
    )


@pytest.fixture
def commune(province):
    return UnitFactory(
        code="000.00.23.H56",
        name_vi="Xã Đạ Huoai",
        name_en="Da Huoai Commune",
        kind=UnitKind.COMMUNE,
        parent=province,
        address_vi="Thôn 1, xã Đạ Huoai",
        phone="0263 3874 123",
    )


@pytest.fixture
def other_commune(province):
    return UnitFactory(
        code="000.00.24.H56",
        name_vi="Phường Bảo Lộc",
        name_en="Bao Loc Ward",
        kind=UnitKind.WARD,
        parent=province,
    )


def _user(username, role, unit):
    return UserFactory(username=username, role=role, unit=unit)


@pytest.fixture
def desk_officer(commune):
    return _user("desk_officer", Role.DESK_OFFICER, commune)


@pytest.fixture
def specialist(commune):
    return _user("specialist", Role.SPECIALIST, commune)


@pytest.fixture
def leader(commune):
    return _user("leader", Role.LEADER, commune)


@pytest.fixture
def commune_admin(commune):
    return _user("commune_admin", Role.COMMUNE_ADMIN, commune)


@pytest.fixture
def province_admin(province):
    return _user("province_admin", Role.PROVINCE_ADMIN, province)


@pytest.fixture
def citizen(db):
    """A citizen account with a verified phone number and an ID number not yet verified."""
    from .factories import CitizenFactory

    return CitizenFactory(username="citizen", phone="0912345678", id_number="001090012345")


@pytest.fixture
def procedure(db):
    return ProcedureFactory(
        code="1.000894",
        name_vi="Đăng ký kết hôn",
        name_en="Marriage registration",
        documents=["Tờ khai đăng ký kết hôn", "Giấy xác nhận tình trạng hôn nhân"],
    )

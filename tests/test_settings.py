"""Settings are read from the environment once, at import: test them in a fresh interpreter.

Each test starts `python` with an explicit environment. The developer's own `.env` (which
settings.py reads) is switched off in the child so that these tests see only what they set.
"""

import json
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent

# Run in the child before Django loads anything: ignore a local .env file.
_NO_DOTENV = "import environ; environ.Env.read_env = classmethod(lambda *a, **k: None)\n"

_DUMP_SETTINGS = """
import json
import django
from django.conf import settings
django.setup()
from portal.celery import app
db = settings.DATABASES["default"]
print(json.dumps({
    "DEBUG": settings.DEBUG,
    "ENGINE": db["ENGINE"],
    "DB_NAME": str(db["NAME"]),
    "DB_HOST": db.get("HOST", ""),
    "CACHE": settings.CACHES["default"]["BACKEND"],
    "CACHE_LOCATION": settings.CACHES["default"].get("LOCATION", ""),
    "EAGER": settings.CELERY_TASK_ALWAYS_EAGER,
    "APP_EAGER": app.conf.task_always_eager,
    "BROKER": settings.CELERY_BROKER_URL,
    "EMAIL_BACKEND": settings.EMAIL_BACKEND,
    "ALLOWED_HOSTS": settings.ALLOWED_HOSTS,
    "SITE_URL": settings.SITE_URL,
    "HTTPS": settings.HTTPS,
    "SECURE_SSL_REDIRECT": settings.SECURE_SSL_REDIRECT,
    "SESSION_COOKIE_SECURE": settings.SESSION_COOKIE_SECURE,
    "SECURE_HSTS_SECONDS": settings.SECURE_HSTS_SECONDS,
}))
"""

_CHECK_DEPLOY = """
from django.core.management import execute_from_command_line
execute_from_command_line(["manage.py", "check", "--deploy", "--fail-level", "WARNING"])
"""

PRODUCTION = {
    "DEBUG": "0",
    "ALLOWED_HOSTS": "portal.example.vn",
    "HTTPS": "1",
    "SITE_URL": "https://portal.example.vn",
}


def _run(code: str, **variables: str) -> subprocess.CompletedProcess:
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "PYTHONDONTWRITEBYTECODE": "1",
        **variables,
    }
    return subprocess.run(
        [sys.executable, "-c", _NO_DOTENV + code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _settings(**variables: str) -> dict:
    result = _run(_DUMP_SETTINGS, **variables)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_defaults_without_any_variable():
    s = _settings()
    assert s["DEBUG"] is False
    assert s["ENGINE"] == "django.db.backends.sqlite3"
    assert s["DB_NAME"] == str(ROOT / "db.sqlite3")
    assert s["CACHE"] == "django.core.cache.backends.locmem.LocMemCache"
    assert s["EAGER"] is True and s["APP_EAGER"] is True
    assert s["BROKER"] == ""
    assert s["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"
    assert s["SITE_URL"] == "http://127.0.0.1:8000"
    assert s["HTTPS"] is False and s["SECURE_SSL_REDIRECT"] is False
    assert s["SECURE_HSTS_SECONDS"] == 0


@pytest.mark.parametrize(("value", "expected"), [("1", True), ("true", True), ("0", False)])
def test_debug_only_when_asked(value, expected):
    assert _settings(DEBUG=value)["DEBUG"] is expected


def test_database_url_switches_to_postgresql():
    s = _settings(DATABASE_URL="postgres://motcua:secret@db.internal:5432/motcua")
    assert s["ENGINE"] == "django.db.backends.postgresql"
    assert s["DB_NAME"] == "motcua"
    assert s["DB_HOST"] == "db.internal"


def test_redis_url_gives_real_cache_and_broker():
    s = _settings(REDIS_URL="redis://127.0.0.1:6379/6")
    assert s["CACHE"] == "django_redis.cache.RedisCache"
    assert s["CACHE_LOCATION"] == "redis://127.0.0.1:6379/6"
    assert s["BROKER"] == "redis://127.0.0.1:6379/6"
    assert s["EAGER"] is False and s["APP_EAGER"] is False


def test_lists_and_site_url_are_parsed():
    s = _settings(ALLOWED_HOSTS="a.example.vn,b.example.vn", SITE_URL="https://a.example.vn/")
    assert s["ALLOWED_HOSTS"] == ["a.example.vn", "b.example.vn"]
    assert s["SITE_URL"] == "https://a.example.vn"  # no trailing slash: links are joined to it


def test_https_turns_on_the_hardening():
    s = _settings(**PRODUCTION)
    assert s["HTTPS"] is True
    assert s["SECURE_SSL_REDIRECT"] is True
    assert s["SESSION_COOKIE_SECURE"] is True
    assert s["SECURE_HSTS_SECONDS"] >= 31536000


def test_check_deploy_is_clean_with_production_variables():
    result = _run(_CHECK_DEPLOY, SECRET_KEY=secrets.token_urlsafe(64), **PRODUCTION)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNING" not in output and "ERROR" not in output, output
    assert "no issues" in output


def test_check_deploy_rejects_the_development_defaults():
    result = _run(_CHECK_DEPLOY)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "security.W009" in output  # the built-in development SECRET_KEY
    assert "security.W008" in output  # no HTTPS redirect


# Documentation and deployment must name every variable the settings read.
_READ = re.compile(r"""\benv(?:\.\w+)?\(\s*["']([A-Z][A-Z0-9_]*)["']""")


def _variables_read_by_settings() -> set[str]:
    names = set(_READ.findall((ROOT / "portal" / "settings.py").read_text(encoding="utf-8")))
    assert {"DEBUG", "SECRET_KEY", "DATABASE_URL", "REDIS_URL"} <= names
    return names


def test_env_example_lists_every_variable():
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    listed = set(re.findall(r"^#?\s?([A-Z][A-Z0-9_]*)=", text, flags=re.MULTILINE))
    missing = _variables_read_by_settings() - listed
    assert not missing, f".env.example lacks {sorted(missing)}"


def test_readme_documents_every_variable():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\|\s*`([A-Z][A-Z0-9_]*)`", text, flags=re.MULTILINE))
    missing = _variables_read_by_settings() - documented
    assert not missing, f"README.md configuration table lacks {sorted(missing)}"


def test_compose_stack_is_complete_and_uses_real_variables():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert {"web", "worker", "beat", "postgres", "redis"} <= set(services)
    for name in ("web", "worker", "postgres", "redis"):
        assert services[name]["healthcheck"]["test"], name
    for name in ("web", "worker", "beat"):
        depends = services[name]["depends_on"]
        assert depends["redis"]["condition"] == "service_healthy"
        assert depends["migrate"]["condition"] == "service_completed_successfully"
        environment = services[name]["environment"]
        assert environment["DEBUG"] == "0"
        unknown = set(environment) - _variables_read_by_settings()
        assert not unknown, f"{name} sets variables settings.py never reads: {unknown}"
    assert "gunicorn" in services["web"]["command"]

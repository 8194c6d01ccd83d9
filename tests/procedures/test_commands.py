"""The catalogue commands: import_catalogue, export_catalogue and seed_demo."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from portal.models import Role, Unit, User
from procedures.management.commands.seed_demo import DEMO_PASSWORD
from procedures.models import Field, Procedure, UnitProcedure

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SMALL = FIXTURES / "catalogue-small.json"
INVALID = FIXTURES / "catalogue-invalid.json"

pytestmark = pytest.mark.django_db


def run(*args, **options) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def run_failing(*args, **options) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError) as caught:
        call_command(*args, stdout=out, stderr=err, **options)
    return str(caught.value), err.getvalue()


# --------------------------------------------------------------------------- import


def test_import_prints_a_summary():
    out, err = run("import_catalogue", str(SMALL))

    assert "3 procedures: 3 created, 0 updated, 0 unchanged" in out
    assert "fields: 2 created" in out
    assert err == ""
    assert Procedure.objects.count() == 3

    out, _ = run("import_catalogue", str(SMALL))
    assert "3 procedures: 0 created, 0 updated, 3 unchanged" in out


def test_import_records_the_user_in_the_history(province_admin):
    run("import_catalogue", str(SMALL), "--user", province_admin.username)

    assert Procedure.objects.get(code="1.000894").history.get().history_user == province_admin


def test_import_with_an_unknown_user_fails_before_reading():
    message, _ = run_failing("import_catalogue", str(SMALL), "--user", "nobody")
    assert "unknown user nobody" in message
    assert Procedure.objects.count() == 0


def test_import_with_problems_lists_each_on_stderr_and_changes_nothing():
    run("import_catalogue", str(SMALL))
    name = Procedure.objects.get(code="1.000894").name_vi

    message, err = run_failing("import_catalogue", str(INVALID))

    lines = err.splitlines()
    assert len(lines) == 8
    assert any(
        line.startswith("1.001193 documents[1].required: must be true or false") for line in lines
    )
    assert any(line.startswith("1.000656 level: must be") for line in lines)
    assert any(line.startswith("1.000656 fees[0].amount_vnd: must be 0 or more") for line in lines)
    assert "8 problems found; nothing was imported" in message
    assert Procedure.objects.count() == 3 and Field.objects.count() == 2
    assert not Procedure.objects.filter(code="1.001193").exists()
    assert Procedure.objects.get(code="1.000894").name_vi == name


def test_import_of_invalid_json_names_line_and_column(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text('{\n  "format": "tthc-catalogue/1",\n  "procedures": [}\n}\n')

    message, err = run_failing("import_catalogue", str(broken))

    assert err.strip() == "invalid JSON at line 3 column 18: Expecting value"
    assert "1 problem found" in message


def test_import_of_a_missing_file(tmp_path):
    message, _ = run_failing("import_catalogue", str(tmp_path / "nope.json"))
    assert message.startswith(f"cannot read {tmp_path / 'nope.json'}")


# --------------------------------------------------------------------------- export


def test_export_to_stdout_with_a_pinned_time():
    run("import_catalogue", str(SMALL))

    out, _ = run("export_catalogue", "--exported-at", "2026-11-01T08:00:00+07:00")

    assert out == SMALL.read_text(encoding="utf-8")


def test_export_to_a_file_then_import_into_an_empty_database(tmp_path):
    run("import_catalogue", str(SMALL))
    first, second = tmp_path / "a.json", tmp_path / "b.json"

    out, _ = run("export_catalogue", "-o", str(first), "--exported-at", "2026-11-01T08:00+07:00")
    assert f"Exported 3 procedures and 2 fields to {first}" in out
    Procedure.objects.update(replaced_by=None)
    Procedure.objects.all().delete()
    Field.objects.all().delete()
    run("import_catalogue", str(first))
    run("export_catalogue", "-o", str(second), "--exported-at", "2026-11-01T08:00+07:00")

    assert second.read_bytes() == first.read_bytes()
    assert json.loads(first.read_text(encoding="utf-8"))["format"] == "tthc-catalogue/1"


def test_export_with_a_bad_time():
    message, _ = run_failing("export_catalogue", "--exported-at", "tomorrow")
    assert "--exported-at" in message


# --------------------------------------------------------------------------- seed_demo


@pytest.fixture
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _state() -> dict:
    return {
        "units": sorted(Unit.objects.values_list("code", "parent__code", "kind")),
        "users": sorted(User.objects.values_list("username", "role", "unit__code", "is_staff")),
        "offerings": UnitProcedure.objects.count(),
        "procedures": Procedure.objects.count(),
        "procedure history": Procedure.history.count(),
        "offering history": UnitProcedure.history.count(),
    }


def test_seed_demo_creates_the_demo_and_is_idempotent(fast_passwords):
    out, _ = run("seed_demo")
    first = _state()

    out_again, _ = run("seed_demo")

    assert _state() == first
    assert "0 created, 0 updated, 25 unchanged" in out_again
    assert "local demonstration only" in out

    province = Unit.objects.get(code="000.00.00.H56")
    assert (province.name_vi, province.name_en, province.parent) == (
        "Tỉnh Lâm Đồng",
        "Lam Dong Province",
        None,
    )
    communes = list(province.children.order_by("code"))
    assert [c.code for c in communes] == ["000.00.23.H56", "000.00.24.H56", "000.00.25.H56"]
    assert all(c.address_vi and c.phone and c.opening_hours_en for c in communes)
    saturday = [c for c in communes if c.saturday_service]
    assert len(saturday) == 1 and "Sáng thứ Bảy: 7:30–11:30" in saturday[0].opening_hours_vi

    commune_roles = {Role.COMMUNE_ADMIN, Role.DESK_OFFICER, Role.SPECIALIST, Role.LEADER}
    for commune in communes:
        staff = User.objects.filter(unit=commune)
        assert {u.role for u in staff} == commune_roles and staff.count() == 4
    province_admin = User.objects.get(role=Role.PROVINCE_ADMIN)
    assert province_admin.unit == province
    staff_users = User.objects.filter(is_citizen=False)
    assert staff_users.count() == 13 and not staff_users.filter(is_staff=False).exists()
    desk = User.objects.get(username="dahuoai.desk")
    assert desk.role == Role.DESK_OFFICER and desk.check_password(DEMO_PASSWORD)
    for user in staff_users:
        assert user.username in out  # the printed table
    # One citizen account to try online submission: verified phone, never staff.
    citizen = User.objects.get(is_citizen=True)
    assert citizen.phone_verified_at and citizen.check_password(DEMO_PASSWORD)
    assert not (citizen.is_staff or citizen.role or citizen.unit_id)
    assert f"phone {citizen.phone}" in out

    published = Procedure.objects.published().filter(level="commune")
    assert published.count() == 24
    assert first["offerings"] == 3 * 24
    offering = UnitProcedure.objects.get(unit__code="000.00.23.H56", procedure__code="1.000894")
    assert offering.counter_vi == "Quầy số 1" and "0263" in offering.contact
    assert not UnitProcedure.objects.filter(procedure__status="archived").exists()

    most_used = list(Procedure.objects.published().order_by("-popularity")[:3])
    assert [p.code for p in most_used] == ["1.000894", "1.001193", "2.000815"]


def test_seed_demo_keeps_a_changed_password_and_local_edits(fast_passwords):
    run("seed_demo")
    desk = User.objects.get(username="dilinh.desk")
    desk.set_password("a better secret 42")
    desk.save()
    offering = UnitProcedure.objects.get(unit__code="000.00.25.H56", procedure__code="1.001193")
    offering.counter_vi = "Quầy số 5"
    offering.save()

    run("seed_demo")

    desk.refresh_from_db()
    assert desk.check_password("a better secret 42")
    offering.refresh_from_db()
    assert offering.counter_vi == "Quầy số 5"


def test_seed_demo_refuses_production_settings(settings, fast_passwords):
    settings.HTTPS = True

    message, _ = run_failing("seed_demo")

    assert "--force" in message
    assert not User.objects.exists()

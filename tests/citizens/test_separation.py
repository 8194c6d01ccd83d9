"""Staff and citizen accounts stay apart on every login, and every login locks an account
after repeated wrong passwords (django-axes)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from axes.models import AccessAttempt
from django.utils import timezone

from citizens.access import is_citizen
from portal import access
from tests.factories import CitizenFactory

from .conftest import last_code

pytestmark = pytest.mark.django_db

CITIZEN_PASSWORD = "correct horse battery staple"  # CitizenFactory's


def page(response) -> str:
    return response.content.decode()


@pytest.fixture
def staff_password(desk_officer):
    desk_officer.set_password("Staff-password-2026")
    desk_officer.email = "officer@example.vn"
    desk_officer.phone = "0909000111"
    desk_officer.save()
    return "Staff-password-2026"


# --- Separation ----------------------------------------------------------------------------


def test_the_desk_login_refuses_a_citizen_account(client, citizen):
    response = client.post(
        "/desk/login/", {"username": citizen.username, "password": CITIZEN_PASSWORD}
    )
    assert response.status_code == 200
    assert "Đây là tài khoản công dân" in page(response)
    assert "_auth_user_id" not in client.session


def test_the_desk_login_does_not_take_a_citizens_phone(client, citizen):
    response = client.post("/desk/login/", {"username": "0912345678", "password": CITIZEN_PASSWORD})
    assert response.status_code == 200 and "_auth_user_id" not in client.session


def test_the_admin_login_refuses_a_citizen_account(client, citizen):
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": citizen.username, "password": CITIZEN_PASSWORD, "next": "/admin/"},
    )
    assert response.status_code == 200 and "_auth_user_id" not in client.session


def test_a_signed_in_citizen_gets_nothing_from_the_staff_side(client, citizen):
    client.force_login(citizen)
    assert client.get("/admin/").status_code == 302  # to the admin login
    desk = client.get("/desk/")
    assert desk.status_code in (302, 403)
    assert client.get("/api/v1/dossiers/").status_code == 403


def test_the_citizen_login_refuses_a_staff_account_and_points_to_the_desk(
    client, desk_officer, staff_password
):
    for login in ("desk_officer", "officer@example.vn", "0909000111"):
        response = client.post("/account/login/", {"login": login, "password": staff_password})
        assert response.status_code == 400
        assert "Đây là tài khoản cán bộ" in page(response)
        assert 'href="/desk/login/"' in page(response)
        assert "_auth_user_id" not in client.session


def test_citizen_pages_refuse_staff_with_403(client, desk_officer):
    client.force_login(desk_officer)
    response = client.get("/account/dossiers/")
    assert response.status_code == 403 and "tài khoản cán bộ" in page(response)
    assert client.get("/account/profile/").status_code == 403


def test_citizen_pages_send_visitors_to_the_citizen_login(client, db):
    response = client.get("/account/dossiers/?page=2")
    assert response.status_code == 302
    assert response.url == "/account/login/?next=/account/dossiers/%3Fpage%3D2"


def test_a_citizen_is_never_a_staff_member_whatever_it_holds(db, commune):
    odd = CitizenFactory(role="desk_officer", unit=commune, is_superuser=True)
    assert not access.is_staff_member(odd)
    assert not access.can_use_admin(odd)
    assert not access.visible_units(odd).exists()
    assert not is_citizen(odd)  # and not a citizen either: it holds staff rights


# --- Lockout -------------------------------------------------------------------------------


def _fail(client, url, data, times):
    for _ in range(times):
        client.post(url, data)


def test_the_citizen_login_locks_the_account_after_five_failures(client, citizen):
    _fail(client, "/account/login/", {"login": "0912345678", "password": "wrong"}, 4)
    response = client.post("/account/login/", {"login": "0912345678", "password": "wrong"})
    assert response.status_code == 429 and "tạm bị khoá" in page(response)
    # Even the right password is refused now, whatever way the phone is written ...
    response = client.post(
        "/account/login/", {"login": "+84 912 345 678", "password": CITIZEN_PASSWORD}
    )
    assert response.status_code == 429 and "_auth_user_id" not in client.session
    # ... until the lock has passed.
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=16)):
        response = client.post(
            "/account/login/", {"login": "0912345678", "password": CITIZEN_PASSWORD}
        )
    assert response.status_code == 302


def test_failures_by_phone_and_by_e_mail_count_for_one_account(client, citizen):
    citizen.email, citizen.email_verified_at = "an@example.vn", timezone.now()
    citizen.save()
    _fail(client, "/account/login/", {"login": "0912345678", "password": "wrong"}, 3)
    _fail(client, "/account/login/", {"login": "an@example.vn", "password": "wrong"}, 2)
    response = client.post(
        "/account/login/", {"login": "an@example.vn", "password": CITIZEN_PASSWORD}
    )
    assert response.status_code == 429


def test_a_password_reset_ends_the_lockout(client, citizen):
    _fail(client, "/account/login/", {"login": "0912345678", "password": "wrong"}, 5)
    assert AccessAttempt.objects.exists()
    client.post("/account/password/", {"login": "0912345678"})
    new = "Mot-mat-khau-moi-2026"
    response = client.post(
        "/account/password/reset/", {"code": last_code(), "password1": new, "password2": new}
    )
    assert response.status_code == 302
    response = client.post("/account/login/", {"login": "0912345678", "password": new})
    assert response.status_code == 302


def test_the_desk_login_locks_a_staff_account(client, desk_officer, staff_password):
    _fail(client, "/desk/login/", {"username": "desk_officer", "password": "wrong"}, 5)
    response = client.post("/desk/login/", {"username": "desk_officer", "password": staff_password})
    assert response.status_code == 429 and "_auth_user_id" not in client.session


def test_the_admin_login_locks_a_staff_account(client, commune_admin):
    commune_admin.set_password("Admin-password-2026")
    commune_admin.save()
    data = {"username": commune_admin.username, "password": "wrong", "next": "/admin/"}
    _fail(client, "/admin/login/", data, 5)
    response = client.post("/admin/login/", {**data, "password": "Admin-password-2026"})
    assert response.status_code == 429 and "_auth_user_id" not in client.session


def test_a_successful_sign_in_clears_earlier_failures(client, citizen):
    _fail(client, "/account/login/", {"login": "0912345678", "password": "wrong"}, 4)
    assert (
        client.post(
            "/account/login/", {"login": "0912345678", "password": CITIZEN_PASSWORD}
        ).status_code
        == 302
    )
    client.post("/account/logout/")
    _fail(client, "/account/login/", {"login": "0912345678", "password": "wrong"}, 4)
    response = client.post("/account/login/", {"login": "0912345678", "password": CITIZEN_PASSWORD})
    assert response.status_code == 302


def test_many_failed_sign_ins_from_one_address_are_throttled(client, db, settings):
    settings.ACCOUNT_RATE_LIMIT = "3/10m"
    for n in range(3):
        client.post("/account/login/", {"login": f"091200000{n}", "password": "wrong"})
    response = client.post("/account/login/", {"login": "0912000009", "password": "wrong"})
    assert response.status_code == 429 and "quá nhiều yêu cầu" in page(response)


def test_the_test_client_login_still_works(client, desk_officer):
    """authenticate() without a request (tests, shell) is not a visitor's sign-in."""
    desk_officer.set_password("Staff-password-2026")
    desk_officer.save()
    assert client.login(username="desk_officer", password="Staff-password-2026")

"""Sign-up, one-time codes, sign-in, password reset and profile, through the pages."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from citizens.models import OneTimeCode, Purpose
from notifications.models import Channel, Notification, TemplateKey
from portal.models import User
from tests.factories import CitizenFactory

from .conftest import PASSWORD, last_code, signup_data

pytestmark = pytest.mark.django_db


def page(response) -> str:
    return response.content.decode()


# --- Sign-up -------------------------------------------------------------------------------


def test_sign_up_creates_a_citizen_account_and_sends_a_code_by_sms(client):
    response = client.post("/account/signup/", signup_data(id_number="079 123 456 789"))
    assert response.status_code == 302 and response.url == "/account/verify/"
    user = User.objects.get(phone="0987654321")
    assert user.is_citizen and not user.is_staff and not user.is_superuser
    assert user.unit_id is None and user.role == ""
    assert user.username.startswith("citizen-")
    assert user.first_name == "Trần Thị Bình"
    assert user.id_number == "079123456789" and user.id_verified_at is None
    assert user.phone_verified_at is None and user.check_password(PASSWORD)
    message = Notification.objects.get()
    assert message.channel == Channel.SMS and message.recipient == "84987654321"
    assert message.template_key == TemplateKey.ACCOUNT_CODE
    code_row = OneTimeCode.objects.get()
    code = last_code()
    assert code not in code_row.code_hash and len(code_row.code_hash) == 64  # hashed
    assert "0987***321" in page(client.get("/account/verify/"))


def test_sign_up_with_e_mail_only_sends_the_code_by_e_mail(client):
    response = client.post("/account/signup/", signup_data(phone="", email="Binh@Example.VN"))
    assert response.status_code == 302
    message = Notification.objects.get()
    assert message.channel == Channel.EMAIL and message.recipient == "binh@example.vn"
    assert User.objects.get(is_citizen=True).email == "binh@example.vn"


@pytest.mark.parametrize(
    ("overrides", "field_error"),
    [
        ({"phone": "", "email": ""}, "ít nhất một"),
        ({"phone": "0281234567"}, "di động Việt Nam"),
        ({"email": "not-an-address", "phone": ""}, "không hợp lệ"),
        ({"id_number": "12345"}, "12 chữ số"),
        ({"password1": "12345678", "password2": "12345678"}, "quá phổ biến"),
        ({"password1": "binh", "password2": "binh"}, "quá ngắn"),
        ({"password2": "something else"}, "không giống nhau"),
        ({"full_name": "  "}, "Nhập họ và tên"),
    ],
)
def test_sign_up_refuses_bad_input_with_a_clear_message(client, overrides, field_error):
    response = client.post("/account/signup/", signup_data(**overrides))
    assert response.status_code == 400
    assert field_error in page(response)
    assert not User.objects.filter(is_citizen=True).exists()
    assert not Notification.objects.exists()


def test_sign_up_refuses_a_phone_verified_by_another_account(client, citizen):
    response = client.post("/account/signup/", signup_data(phone="+84 912 345 678"))
    assert response.status_code == 400
    assert "đã được dùng cho một tài khoản khác" in page(response)
    assert User.objects.filter(is_citizen=True).count() == 1


# --- Codes ---------------------------------------------------------------------------------


def test_the_right_code_verifies_the_phone_and_signs_in(signed_up):
    response = signed_up.post("/account/verify/", {"code": last_code()})
    assert response.status_code == 302 and response.url == "/account/dossiers/"
    user = User.objects.get(phone="0987654321")
    assert user.phone_verified_at is not None
    assert signed_up.get("/account/dossiers/").status_code == 200


def test_a_wrong_code_is_refused_and_counted(signed_up):
    code = last_code()
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    response = signed_up.post("/account/verify/", {"code": wrong})
    assert response.status_code == 400 and "Mã không đúng. Còn 4 lần thử." in page(response)
    assert OneTimeCode.objects.get().attempts == 1
    assert User.objects.get(phone="0987654321").phone_verified_at is None


def test_after_too_many_wrong_codes_even_the_right_one_is_refused(signed_up):
    code = last_code()
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(5):
        signed_up.post("/account/verify/", {"code": wrong})
    response = signed_up.post("/account/verify/", {"code": code})
    assert response.status_code == 400 and "quá nhiều lần" in page(response)
    assert User.objects.get(phone="0987654321").phone_verified_at is None


def test_an_expired_code_is_refused(signed_up):
    code = last_code()
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=11)):
        response = signed_up.post("/account/verify/", {"code": code})
    assert response.status_code == 400 and "Mã đã hết hạn" in page(response)
    assert User.objects.get(phone="0987654321").phone_verified_at is None


def test_a_used_code_cannot_be_used_again(signed_up):
    code = last_code()
    assert signed_up.post("/account/verify/", {"code": code}).status_code == 302
    # The citizen then changes their phone and types the code they already used.
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=61)):
        response = signed_up.post(
            "/account/profile/contact/", {"phone-kind": "phone", "phone-phone": "0911111111"}
        )
        assert response.status_code == 302
        response = signed_up.post("/account/verify/", {"code": code})
    if code != last_code():
        assert response.status_code == 400 and "Mã không đúng" in page(response)
    assert User.objects.get(is_citizen=True).phone == "0987654321"


def test_a_used_code_is_refused_by_the_service(db):
    from citizens import services

    user = CitizenFactory(phone="0977000111", phone_verified_at=None)
    now = timezone.now()
    services.send_code(
        user, purpose=Purpose.VERIFY_CONTACT, kind="phone", contact="0977000111", now=now
    )
    code = last_code()
    services.verify_contact(user, code, kind="phone", contact="0977000111", now=now)
    with pytest.raises(services.AccountError, match="không còn dùng được"):
        services.verify_contact(user, code, kind="phone", contact="0977000111", now=now)


def test_a_code_sent_to_another_contact_is_refused(db):
    from citizens import services

    user = CitizenFactory(phone="0977000111", phone_verified_at=None)
    services.send_code(user, purpose=Purpose.VERIFY_CONTACT, kind="phone", contact="0977000111")
    with pytest.raises(services.AccountError, match="không được gửi đến"):
        services.verify_contact(user, last_code(), kind="phone", contact="0966000222")
    user.refresh_from_db()
    assert user.phone_verified_at is None


def test_another_accounts_code_does_not_work(client, db):
    client.post("/account/signup/", signup_data())
    other = CitizenFactory(phone="0977000111", phone_verified_at=None)
    from citizens import services

    services.send_code(other, purpose=Purpose.VERIFY_CONTACT, kind="phone", contact="0977000111")
    response = client.post("/account/verify/", {"code": last_code("84977000111")})
    assert response.status_code == 400 and "Mã không đúng" in page(response)


def test_a_new_code_replaces_the_old_one_and_resending_is_throttled(signed_up):
    first = last_code()
    response = signed_up.post("/account/verify/resend/")
    assert response.status_code == 429 and "Vui lòng chờ" in page(response)
    assert Notification.objects.count() == 1
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=61)):
        assert signed_up.post("/account/verify/resend/").status_code == 302
        second = last_code()
        if first != second:
            response = signed_up.post("/account/verify/", {"code": first})
            assert response.status_code == 400
        response = signed_up.post("/account/verify/", {"code": second})
        assert response.status_code == 302
    assert Notification.objects.count() == 2


def test_codes_per_hour_are_capped(db):
    from citizens import services

    user = CitizenFactory(phone="0977000111", phone_verified_at=None)
    start = timezone.now()
    for n in range(services.MAX_CODES_PER_HOUR):
        services.send_code(
            user,
            purpose=Purpose.VERIFY_CONTACT,
            kind="phone",
            contact="0977000111",
            now=start + dt.timedelta(minutes=2 * n),
        )
    with pytest.raises(services.TooSoon, match="quá nhiều mã"):
        services.send_code(
            user,
            purpose=Purpose.VERIFY_CONTACT,
            kind="phone",
            contact="0977000111",
            now=start + dt.timedelta(minutes=20),
        )


def test_verifying_a_phone_another_account_verified_meanwhile_is_refused(signed_up):
    code = last_code()
    CitizenFactory(phone="0987654321")  # verified it first
    response = signed_up.post("/account/verify/", {"code": code})
    assert response.status_code == 400
    assert "đã được dùng cho một tài khoản khác" in page(response)
    pending = User.objects.get(phone="0987654321", phone_verified_at__isnull=True)
    assert pending.phone_verified_at is None


def test_the_unique_constraint_race_is_a_clear_refusal(db, monkeypatch):
    """Two accounts verify one phone at the same moment: the database refuses the second,
    and the citizen sees why (no 500)."""
    from citizens import services

    user = CitizenFactory(phone="0977000111", phone_verified_at=None)
    services.send_code(user, purpose=Purpose.VERIFY_CONTACT, kind="phone", contact="0977000111")
    CitizenFactory(phone="0977000111")
    monkeypatch.setattr(services, "verified_owner", lambda kind, value: None)  # the race
    with pytest.raises(services.AccountError, match="tài khoản khác"):
        services.verify_contact(user, last_code(), kind="phone", contact="0977000111")


# --- Sign-in -------------------------------------------------------------------------------


def test_sign_in_is_refused_until_a_contact_is_verified(client, signed_up):
    client.logout()
    response = client.post(
        "/account/login/", {"login": "0987654321", "password": PASSWORD}, follow=False
    )
    assert response.status_code == 403
    assert "chưa được xác nhận" in page(response)
    assert "_auth_user_id" not in client.session
    # ... and offers a new code.
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=61)):
        assert client.post("/account/verify/resend/").status_code == 302
        response = client.post("/account/verify/", {"code": last_code()})
    assert response.status_code == 302
    assert client.session["_auth_user_id"]


@pytest.mark.parametrize("login", ["0912345678", "0912 345 678", "+84912345678", "84912345678"])
def test_sign_in_with_the_phone_in_any_spelling(client, citizen, login):
    response = client.post(
        "/account/login/", {"login": login, "password": "correct horse battery staple"}
    )
    assert response.status_code == 302 and response.url == "/account/dossiers/"
    assert client.session["_auth_user_id"] == str(citizen.pk)


def test_sign_in_with_e_mail_and_back_to_next(client, citizen):
    citizen.email, citizen.email_verified_at = "an@example.vn", timezone.now()
    citizen.save()
    response = client.post(
        "/account/login/",
        {
            "login": "AN@example.vn",
            "password": "correct horse battery staple",
            "next": "/account/profile/",
        },
    )
    assert response.status_code == 302 and response.url == "/account/profile/"


def test_sign_in_never_redirects_off_site(client, citizen):
    response = client.post(
        "/account/login/",
        {
            "login": "0912345678",
            "password": "correct horse battery staple",
            "next": "https://evil.example/",
        },
    )
    assert response.url == "/account/dossiers/"


def test_a_wrong_password_is_refused(client, citizen):
    response = client.post("/account/login/", {"login": "0912345678", "password": "nope"})
    assert response.status_code == 400 and "không đúng" in page(response)
    assert "_auth_user_id" not in client.session


def test_signing_out(client, citizen):
    client.force_login(citizen)
    assert client.post("/account/logout/").status_code == 302
    assert client.get("/account/dossiers/").status_code == 302


# --- Password reset ------------------------------------------------------------------------


def test_password_reset_by_code(client, citizen):
    response = client.post("/account/password/", {"login": "0912 345 678"})
    assert response.status_code == 302 and response.url == "/account/password/reset/"
    message = Notification.objects.get()
    assert message.template_key == TemplateKey.PASSWORD_RESET_CODE
    new = "Mot-mat-khau-moi-2026"
    response = client.post(
        "/account/password/reset/", {"code": last_code(), "password1": new, "password2": new}
    )
    assert response.status_code == 302
    citizen.refresh_from_db()
    assert citizen.check_password(new)
    response = client.post("/account/login/", {"login": "0912345678", "password": new})
    assert response.status_code == 302


def test_password_reset_for_an_unknown_contact_looks_the_same_and_sends_nothing(client, db):
    response = client.post("/account/password/", {"login": "0900000001"})
    assert response.status_code == 302 and response.url == "/account/password/reset/"
    assert not Notification.objects.exists()
    response = client.post(
        "/account/password/reset/",
        {"code": "123456", "password1": "Mot-mat-khau-moi", "password2": "Mot-mat-khau-moi"},
    )
    assert response.status_code == 400 and "Mã không đúng" in page(response)


def test_password_reset_with_a_weak_password_keeps_the_code(client, citizen):
    client.post("/account/password/", {"login": "0912345678"})
    code = last_code()
    response = client.post(
        "/account/password/reset/", {"code": code, "password1": "123", "password2": "123"}
    )
    assert response.status_code == 400 and "quá ngắn" in page(response)
    new = "Mot-mat-khau-moi-2026"
    response = client.post(
        "/account/password/reset/", {"code": code, "password1": new, "password2": new}
    )
    assert response.status_code == 302


def test_password_reset_with_an_expired_code(client, citizen):
    client.post("/account/password/", {"login": "0912345678"})
    new = "Mot-mat-khau-moi-2026"
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=11)):
        response = client.post(
            "/account/password/reset/", {"code": last_code(), "password1": new, "password2": new}
        )
    assert response.status_code == 400 and "hết hạn" in page(response)
    citizen.refresh_from_db()
    assert not citizen.check_password(new)


# --- Profile -------------------------------------------------------------------------------


def test_profile_changes_name_address_and_id_number(client, citizen):
    citizen.id_verified_at = timezone.now()
    citizen.save()
    client.force_login(citizen)
    response = client.get("/account/profile/")
    assert response.status_code == 200 and 'value="Nguyễn Văn An"' in page(response)
    response = client.post(
        "/account/profile/",
        {"full_name": "Nguyễn  Văn   An", "address": "Thôn 3", "id_number": "001090012345"},
    )
    assert response.status_code == 302
    citizen.refresh_from_db()
    assert citizen.first_name == "Nguyễn Văn An" and citizen.address == "Thôn 3"
    assert citizen.id_verified_at is not None  # same number: still verified
    client.post(
        "/account/profile/",
        {"full_name": "Nguyễn Văn An", "address": "Thôn 3", "id_number": "001090099999"},
    )
    citizen.refresh_from_db()
    assert citizen.id_number == "001090099999" and citizen.id_verified_at is None


def test_changing_the_phone_takes_effect_only_with_the_code(client, citizen):
    client.force_login(citizen)
    response = client.post(
        "/account/profile/contact/", {"phone-kind": "phone", "phone-phone": "0933 222 111"}
    )
    assert response.status_code == 302 and response.url == "/account/verify/"
    citizen.refresh_from_db()
    assert citizen.phone == "0912345678" and citizen.phone_verified_at is not None
    assert Notification.objects.get().recipient == "84933222111"
    response = client.post("/account/verify/", {"code": last_code()})
    assert response.status_code == 302 and response.url == "/account/profile/?verified=1"
    citizen.refresh_from_db()
    assert citizen.phone == "0933222111" and citizen.phone_verified_at is not None


def test_changing_the_e_mail_to_one_another_account_verified_is_refused(client, citizen):
    CitizenFactory(email="taken@example.vn", email_verified_at=timezone.now())
    client.force_login(citizen)
    response = client.post(
        "/account/profile/contact/", {"email-kind": "email", "email-email": "taken@example.vn"}
    )
    assert response.status_code == 400
    assert "đã được dùng cho một tài khoản khác" in page(response)
    assert not Notification.objects.exists()


def test_old_codes_are_purged(db):
    from citizens import services, tasks

    user = CitizenFactory(phone="0977000111", phone_verified_at=None)
    start = timezone.now() - dt.timedelta(days=2)
    services.send_code(
        user, purpose=Purpose.VERIFY_CONTACT, kind="phone", contact="0977000111", now=start
    )
    services.send_code(user, purpose=Purpose.VERIFY_CONTACT, kind="phone", contact="0977000111")
    assert tasks.purge_codes.delay().get() == 1
    assert OneTimeCode.objects.count() == 1

"""Every state change of a citizen account: sign-up, one-time codes, contacts, password.

A contact (phone number or e-mail address) counts only once the citizen entered the code
sent to it. Codes are 6 digits, stored as a keyed hash (HMAC with the SECRET_KEY), valid
CODE_MINUTES, refused after MAX_ATTEMPTS wrong tries, replaced by a newer code of the same
purpose, and sent at most once per RESEND_SECONDS and MAX_CODES_PER_HOUR times an hour per
account. The message goes through the notification outbox in the same transaction.
See docs/adr/0007-citizen-accounts.md.
"""

from __future__ import annotations

import datetime as dt
import hmac
import re
import secrets
from dataclasses import dataclass

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from dossiers import tracking
from notifications import services as outbox
from notifications.models import Channel, TemplateKey
from notifications.services import InvalidRecipient, normalize_phone
from portal.models import User

from .models import ContactKind, OneTimeCode, Purpose

CODE_MINUTES = 10
MAX_ATTEMPTS = 5
RESEND_SECONDS = 60
MAX_CODES_PER_HOUR = 5
_ID_NUMBER = re.compile(r"^\d{12}$")
_TEMPLATES = {
    Purpose.VERIFY_CONTACT: TemplateKey.ACCOUNT_CODE,
    Purpose.RESET_PASSWORD: TemplateKey.PASSWORD_RESET_CODE,
}
_CHANNELS = {ContactKind.PHONE: Channel.SMS, ContactKind.EMAIL: Channel.EMAIL}


def password_problems(exc: ValidationError) -> str:
    """What AUTH_PASSWORD_VALIDATORS found, in the citizen's language (Django's own texts
    have no Vietnamese translation)."""
    texts = {
        "password_too_short": _("Mật khẩu quá ngắn: cần ít nhất 8 ký tự."),
        "password_too_similar": _("Mật khẩu quá giống họ tên, số điện thoại hoặc thư điện tử."),
        "password_too_common": _("Mật khẩu này quá phổ biến, dễ bị đoán."),
        "password_entirely_numeric": _("Mật khẩu không được chỉ gồm chữ số."),
    }
    return " ".join(texts.get(error.code, " ".join(error.messages)) for error in exc.error_list)


class AccountError(Exception):
    """A refused request, with the form field it is about ("" for the whole form)."""

    status_code = 400

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.message = message
        self.field = field


class TooSoon(AccountError):
    status_code = 429


# --- Contacts ------------------------------------------------------------------------------


def normalise_phone(raw: str) -> str:
    """A Vietnamese mobile number written as dossiers store it (0xxxxxxxxx)."""
    try:
        number = normalize_phone(raw)
    except InvalidRecipient:
        number = ""
    if not (number.startswith("84") and len(number) == 11):
        raise AccountError(_("Nhập số điện thoại di động Việt Nam, ví dụ 0912 345 678."), "phone")
    return "0" + number[2:]


def normalise_email(raw: str) -> str:
    email = (raw or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise AccountError(_("Địa chỉ thư điện tử không hợp lệ."), "email") from None
    return email


def normalise_id_number(raw: str) -> str:
    number = tracking.normalise_id_number(raw)
    if number and not _ID_NUMBER.match(number):
        raise AccountError(_("Số định danh cá nhân (CCCD) gồm đúng 12 chữ số."), "id_number")
    return number


def parse_login(raw: str) -> tuple[str, str]:
    """(kind, normalised value) of what a citizen typed to sign in: an e-mail address if
    it has an @, else a phone number. Raises AccountError when it is neither."""
    raw = (raw or "").strip()
    if "@" in raw:
        return ContactKind.EMAIL, normalise_email(raw)
    return ContactKind.PHONE, normalise_phone(raw)


def _field(kind: str) -> str:
    return "phone" if kind == ContactKind.PHONE else "email"


def _verified_field(kind: str) -> str:
    return f"{_field(kind)}_verified_at"


def citizen_accounts(kind: str, value: str):
    """Citizen accounts with this contact, the one that verified it first."""
    field = _field(kind)
    return User.objects.filter(is_citizen=True, **{field: value}).order_by(
        F(_verified_field(kind)).asc(nulls_last=True), "pk"
    )


def verified_owner(kind: str, value: str) -> User | None:
    """The citizen account that verified this contact, if any (at most one: a unique
    constraint)."""
    return (
        User.objects.filter(is_citizen=True, **{_field(kind): value})
        .exclude(**{f"{_verified_field(kind)}__isnull": True})
        .first()
    )


def _taken_message(kind: str) -> str:
    if kind == ContactKind.PHONE:
        return _(
            "Số điện thoại này đã được dùng cho một tài khoản khác. Hãy đăng nhập, "
            "hoặc dùng chức năng quên mật khẩu."
        )
    return _(
        "Địa chỉ thư điện tử này đã được dùng cho một tài khoản khác. Hãy đăng nhập, "
        "hoặc dùng chức năng quên mật khẩu."
    )


def has_verified_contact(user: User) -> bool:
    return bool(user.phone_verified_at or user.email_verified_at)


def primary_contact(user: User) -> tuple[str, str] | None:
    """Where a code for this account goes: the phone number, else the e-mail address."""
    if user.phone:
        return ContactKind.PHONE, user.phone
    if user.email:
        return ContactKind.EMAIL, user.email
    return None


def mask(kind: str, value: str) -> str:
    """A contact as shown on the page that asks for its code (0912***678, ng***@mail.vn)."""
    if kind == ContactKind.PHONE:
        return value[:4] + "***" + value[-3:] if len(value) > 7 else value
    local, _at, domain = value.partition("@")
    return f"{local[:2]}***@{domain}"


# --- One-time codes ------------------------------------------------------------------------


def _hash(user: User, purpose: str, contact: str, code: str) -> str:
    message = f"{user.pk}:{purpose}:{contact}:{code}"
    return salted_hmac("citizens.one-time-code", message, algorithm="sha256").hexdigest()


@dataclass(frozen=True)
class SentCode:
    kind: str
    contact: str
    expires_at: dt.datetime


def send_code(
    user: User,
    *,
    purpose: str,
    kind: str,
    contact: str,
    language: str = "vi",
    now: dt.datetime | None = None,
) -> SentCode:
    """Send a new code to `contact` (normalised), replacing the account's earlier codes of
    this purpose. Refused (TooSoon) within RESEND_SECONDS of the last one, or past
    MAX_CODES_PER_HOUR in an hour."""
    now = now or timezone.now()
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()  # one sender at a time
        recent = list(
            OneTimeCode.objects.filter(
                user=user, created_at__gt=now - dt.timedelta(hours=1)
            ).values_list("created_at", flat=True)
        )
        last = max(recent, default=None)
        if last is not None and (now - last).total_seconds() < RESEND_SECONDS:
            wait = RESEND_SECONDS - int((now - last).total_seconds())
            raise TooSoon(
                _("Mã vừa được gửi. Vui lòng chờ %(seconds)s giây rồi yêu cầu gửi lại.")
                % {"seconds": wait}
            )
        if len(recent) >= MAX_CODES_PER_HOUR:
            raise TooSoon(_("Đã gửi quá nhiều mã trong một giờ. Vui lòng thử lại sau ít phút."))
        OneTimeCode.objects.filter(
            user=user, purpose=purpose, used_at__isnull=True, replaced_at__isnull=True
        ).update(replaced_at=now)
        code = f"{secrets.randbelow(10**6):06d}"
        row = OneTimeCode.objects.create(
            user=user,
            purpose=purpose,
            kind=kind,
            contact=contact,
            code_hash=_hash(user, purpose, contact, code),
            created_at=now,
            expires_at=now + dt.timedelta(minutes=CODE_MINUTES),
        )
        outbox.enqueue(
            recipient=contact,
            channel=_CHANNELS[kind],
            template_key=_TEMPLATES[purpose],
            language=language,
            context={"code": code, "minutes": CODE_MINUTES},
            subject_ref=f"account:{user.pk}",
            dedup_key=f"one-time-code:{row.pk}",
        )
    return SentCode(kind, contact, row.expires_at)


def _check_code(
    user: User, purpose: str, code: str, contact: str, now: dt.datetime
) -> tuple[OneTimeCode | None, str]:
    """Within the caller's transaction: the account's live code of this purpose, locked,
    and "" if `code` is it (the row is then marked used), else why not (a wrong guess is
    counted and saved)."""
    row = (
        OneTimeCode.objects.select_for_update()
        .filter(user=user, purpose=purpose, used_at__isnull=True, replaced_at__isnull=True)
        .order_by("-created_at")
        .first()
    )
    code = re.sub(r"\s", "", code or "")
    if row is None:
        return None, _("Mã này không còn dùng được (đã dùng hoặc đã có mã mới). Hãy gửi mã mới.")
    if row.contact != contact:
        return None, _("Mã này không được gửi đến địa chỉ đang xác nhận. Hãy gửi mã mới.")
    if now >= row.expires_at:
        return None, _("Mã đã hết hạn. Hãy gửi mã mới.")
    if row.attempts >= MAX_ATTEMPTS:
        return None, _("Đã nhập sai quá nhiều lần. Hãy gửi mã mới.")
    expected = row.code_hash.encode()
    if not hmac.compare_digest(_hash(user, purpose, contact, code).encode(), expected):
        row.attempts += 1
        row.save(update_fields=["attempts"])
        left = MAX_ATTEMPTS - row.attempts
        if left <= 0:
            return None, _("Mã không đúng. Đã nhập sai quá nhiều lần. Hãy gửi mã mới.")
        return None, _("Mã không đúng. Còn %(left)s lần thử.") % {"left": left}
    row.used_at = now
    row.save(update_fields=["used_at"])
    return row, ""


# --- Sign-up and contacts ------------------------------------------------------------------


def new_username() -> str:
    """A username the citizen never sees: they sign in with their phone or e-mail."""
    return f"citizen-{secrets.token_hex(8)}"


def sign_up(
    *,
    full_name: str,
    phone: str,
    email: str,
    id_number: str,
    password: str,
    language: str = "vi",
    now: dt.datetime | None = None,
) -> tuple[User, SentCode]:
    """Create a citizen account (not usable until a contact is verified) and send a code
    to its phone number, or to its e-mail address when it has no phone number. Contacts are
    normalised already (the form does it with the functions above)."""
    full_name = " ".join((full_name or "").split())
    if not full_name:
        raise AccountError(_("Nhập họ và tên."), "full_name")
    if not (phone or email):
        raise AccountError(_("Nhập số điện thoại hoặc địa chỉ thư điện tử (ít nhất một)."))
    for kind, value in ((ContactKind.PHONE, phone), (ContactKind.EMAIL, email)):
        if value and verified_owner(kind, value):
            raise AccountError(_taken_message(kind), _field(kind))
    user = User(
        username=new_username(),
        first_name=full_name[:150],
        phone=phone,
        email=email,
        id_number=id_number,
        is_citizen=True,
        is_staff=False,
    )
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise AccountError(password_problems(exc), "password1") from None
    user.set_password(password)
    now = now or timezone.now()
    with transaction.atomic():
        user.save()
        kind, contact = primary_contact(user)
        sent = send_code(
            user,
            purpose=Purpose.VERIFY_CONTACT,
            kind=kind,
            contact=contact,
            language=language,
            now=now,
        )
    return user, sent


def verify_contact(
    user: User, code: str, *, kind: str, contact: str, now: dt.datetime | None = None
) -> User:
    """Enter the code sent to `contact`: the account takes that contact as verified (for a
    change of contact, it replaces the old one). Refused if another account verified it
    first."""
    now = now or timezone.now()
    field, verified = _field(kind), _verified_field(kind)
    try:
        with transaction.atomic():
            row, error = _check_code(user, Purpose.VERIFY_CONTACT, code, contact, now)
            if row is not None:
                locked = User.objects.select_for_update().get(pk=user.pk)
                owner = verified_owner(kind, contact)
                if owner is not None and owner.pk != locked.pk:
                    raise AccountError(_taken_message(kind), "code")
                setattr(locked, field, contact)
                setattr(locked, verified, now)
                with transaction.atomic():  # a concurrent verification of the same contact
                    locked.save(update_fields=[field, verified])
                user.refresh_from_db()
    except IntegrityError:
        raise AccountError(_taken_message(kind), "code") from None
    if error:
        raise AccountError(error, "code")
    return user


def start_contact_change(
    user: User, *, kind: str, contact: str, language: str = "vi", now: dt.datetime | None = None
) -> SentCode:
    """A citizen gives a new phone number or e-mail address: a code goes there; the account
    keeps the old one until the code is entered (verify_contact)."""
    if contact == getattr(user, _field(kind)) and getattr(user, _verified_field(kind)):
        raise AccountError(
            _("Đây đã là thông tin liên hệ đã xác nhận của tài khoản."), _field(kind)
        )
    owner = verified_owner(kind, contact)
    if owner is not None and owner.pk != user.pk:
        raise AccountError(_taken_message(kind), _field(kind))
    return send_code(
        user,
        purpose=Purpose.VERIFY_CONTACT,
        kind=kind,
        contact=contact,
        language=language,
        now=now,
    )


def update_profile(
    user: User, *, full_name: str, address: str, id_number: str, now: dt.datetime | None = None
) -> User:
    """Name, address and ID number. A new ID number is no longer the one a desk officer
    checked: its verification is cleared. A citizen's full name is kept whole in
    first_name, so get_full_name() gives it in Vietnamese order."""
    full_name = " ".join((full_name or "").split())
    if not full_name:
        raise AccountError(_("Nhập họ và tên."), "full_name")
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        fields = ["first_name", "last_name", "address", "id_number"]
        if id_number != locked.id_number:
            locked.id_verified_at = None
            fields.append("id_verified_at")
        locked.first_name, locked.last_name = full_name[:150], ""
        locked.address = (address or "").strip()[:500]
        locked.id_number = id_number
        locked.save(update_fields=fields)
    user.refresh_from_db()
    return user


# --- Password reset ------------------------------------------------------------------------


def request_password_reset(
    kind: str, contact: str, *, language: str = "vi", now: dt.datetime | None = None
) -> None:
    """Send a reset code to the account that verified this contact. Says nothing about
    whether there is one: the page reads the same either way, also when no code is sent
    because one went out a moment ago (a "too soon" answer only an existing account could
    get would tell that it exists; the code sent before still works)."""
    owner = verified_owner(kind, contact)
    if owner is None or not owner.is_active:
        return
    try:
        send_code(
            owner,
            purpose=Purpose.RESET_PASSWORD,
            kind=kind,
            contact=contact,
            language=language,
            now=now,
        )
    except TooSoon:
        return


def reset_password(
    kind: str, contact: str, code: str, password: str, *, now: dt.datetime | None = None
) -> User:
    """Set a new password with the code sent to a verified contact. Ends the lockout of the
    account (a citizen locked out by someone guessing their password gets back in)."""
    now = now or timezone.now()
    # One answer for every refused code, with or without an account behind the contact:
    # "N tries left" or "expired" would tell that the contact belongs to an account.
    refused = _("Mã không đúng hoặc đã hết hạn. Kiểm tra lại mã, hoặc gửi mã mới.")
    owner = verified_owner(kind, contact)
    if owner is None or not owner.is_active:
        raise AccountError(refused, "code")
    with transaction.atomic():
        row, error = _check_code(owner, Purpose.RESET_PASSWORD, code, contact, now)
        if row is not None:
            try:
                validate_password(password, owner)
            except ValidationError as exc:
                # Rolled back: the code stays usable for a better password.
                raise AccountError(password_problems(exc), "password1") from None
            owner.set_password(password)
            owner.save(update_fields=["password"])
    if error:
        raise AccountError(refused, "code")
    from axes.utils import reset as reset_lockout

    reset_lockout(username=owner.get_username())
    return owner


# --- Housekeeping --------------------------------------------------------------------------


def purge_codes(now: dt.datetime | None = None) -> int:
    """Delete one-time codes that expired more than a day ago (kept that long for the
    hourly send limit and for support questions). Returns how many went."""
    now = now or timezone.now()
    deleted, _rows = OneTimeCode.objects.filter(expires_at__lt=now - dt.timedelta(days=1)).delete()
    return deleted

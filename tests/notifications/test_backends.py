"""Backends against a local HTTP server: success, temporary and permanent errors, timeouts
and garbage, and what exactly was sent."""

import base64
import json
import smtplib
import socket

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend

from notifications import services
from notifications.backends import PermanentFailure, TemporaryFailure, get_backend
from notifications.backends.email import EmailBackend
from notifications.backends.file import FileBackend
from notifications.backends.sms_http import SmsHttpBackend
from notifications.backends.zalo_zns import ZaloZnsBackend
from notifications.models import Notification, NotificationStatus
from notifications.testing import FakeGateway, Reply

S = NotificationStatus


@pytest.fixture
def gateway():
    server = FakeGateway().start()
    yield server
    server.stop()


@pytest.fixture
def sms_settings(settings, gateway):
    settings.NOTIFY_SMS_BACKEND = "sms_http"
    settings.NOTIFY_SMS_URL = gateway.url
    settings.NOTIFY_SMS_BRANDNAME = "UBND-XA"
    settings.NOTIFY_SMS_TOKEN = ""
    settings.NOTIFY_SMS_USERNAME = ""
    settings.NOTIFY_SMS_PASSWORD = ""
    settings.NOTIFY_SMS_ID_FIELD = "id"
    settings.NOTIFY_HTTP_TIMEOUT = 0.5
    return settings


@pytest.fixture
def sms(db, received_context, monkeypatch):
    monkeypatch.setattr(services, "_schedule", lambda ids: None)  # tests call send() directly
    return services.enqueue(
        recipient="0912345678",
        channel="sms",
        template_key="dossier_received",
        language="vi",
        context=received_context,
        subject_ref="dossier:000.00.23.H56-261123-0007",
    )


# --- SMS gateway ---------------------------------------------------------------------------


def test_sms_success_sends_the_configured_payload_and_idempotency_key(sms_settings, gateway, sms):
    sms_settings.NOTIFY_SMS_TOKEN = "s3cret"
    provider_id = SmsHttpBackend().send(sms)
    assert provider_id == "gw-1"
    [request] = gateway.requests
    assert request.path == "/sms"
    assert request.headers["Idempotency-Key"] == str(sms.pk)
    assert request.headers["Authorization"] == "Bearer s3cret"
    assert request.headers["Content-Type"] == "application/json"
    assert request.json == {
        "phone": "84912345678",
        "message": sms.body,
        "brandname": "UBND-XA",
        "request_id": str(sms.pk),
    }
    assert sms.body.isascii()


def test_sms_payload_shape_credentials_and_id_path_come_from_settings(sms_settings, gateway, sms):
    sms_settings.NOTIFY_SMS_PAYLOAD = json.dumps(
        {
            "auth": {"user": "$username", "pass": "$password"},
            "messages": [{"to": "$phone_local", "text": "$message", "from": "$brandname"}],
            "ref": "$id",
            "kind": "cskh",
        }
    )
    sms_settings.NOTIFY_SMS_USERNAME = "motcua"
    sms_settings.NOTIFY_SMS_PASSWORD = 'p"w{d}'
    sms_settings.NOTIFY_SMS_IDEMPOTENCY_HEADER = "X-Request-Id"
    sms_settings.NOTIFY_SMS_ID_FIELD = "data.messageId"
    gateway.respond = lambda request: Reply(200, {"code": 0, "data": {"messageId": 991}})
    assert SmsHttpBackend().send(sms) == "991"
    [request] = gateway.requests
    assert request.headers["X-Request-Id"] == str(sms.pk)
    expected = base64.b64encode(b'motcua:p"w{d}').decode()
    assert request.headers["Authorization"] == f"Basic {expected}"
    assert request.json == {
        "auth": {"user": "motcua", "pass": 'p"w{d}'},
        "messages": [{"to": "0912345678", "text": sms.body, "from": "UBND-XA"}],
        "ref": str(sms.pk),
        "kind": "cskh",
    }


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        (Reply(500, b"Internal Server Error", content_type="text/plain"), TemporaryFailure),
        (Reply(502, b"<html>Bad gateway</html>", content_type="text/html"), TemporaryFailure),
        (Reply(503, {"error": "maintenance"}), TemporaryFailure),
        (Reply(429, {"error": "rate limited"}), TemporaryFailure),
        (Reply(408, b""), TemporaryFailure),
        (Reply(400, {"error": "invalid phone number"}), PermanentFailure),
        (Reply(401, {"error": "bad credentials"}), PermanentFailure),
        (Reply(404, b"not found", content_type="text/plain"), PermanentFailure),
        (Reply(422, {"error": "message too long"}), PermanentFailure),
        # 2xx that is not a JSON object: not proof of acceptance, try again (same key).
        (
            Reply(200, b"\x00\xff\xfe garbage \x81", content_type="application/json"),
            TemporaryFailure,
        ),
        (
            Reply(200, b"<html>Welcome to the proxy</html>", content_type="text/html"),
            TemporaryFailure,
        ),
        (Reply(200, b'["ok"]'), TemporaryFailure),
        (Reply(200, b'{"id": '), TemporaryFailure),  # cut short
    ],
)
def test_sms_answers_are_classified(sms_settings, gateway, sms, reply, error):
    gateway.respond = lambda request: reply
    with pytest.raises(error):
        SmsHttpBackend().send(sms)
    assert len(gateway.requests) == 1


def test_sms_accepted_without_an_id_is_sent(sms_settings, gateway, sms):
    gateway.respond = lambda request: Reply(202, {"status": "queued"})
    assert SmsHttpBackend().send(sms) == ""


def test_sms_timeout_is_temporary(sms_settings, gateway, sms):
    sms_settings.NOTIFY_HTTP_TIMEOUT = 0.2
    gateway.respond = lambda request: Reply(200, {"id": "late"}, delay=1.0)
    with pytest.raises(TemporaryFailure, match="timeout"):
        SmsHttpBackend().send(sms)


def test_sms_connection_refused_is_temporary(sms_settings, sms):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sms_settings.NOTIFY_SMS_URL = f"http://127.0.0.1:{port}/sms"
    with pytest.raises(TemporaryFailure):
        SmsHttpBackend().send(sms)


def test_sms_without_a_gateway_configured_is_temporary(sms_settings, sms):
    sms_settings.NOTIFY_SMS_URL = ""
    with pytest.raises(TemporaryFailure, match="NOTIFY_SMS_URL"):
        SmsHttpBackend().send(sms)


def test_delivery_through_the_gateway_end_to_end(sms_settings, gateway, sms):
    """A refused number fails for good; a 503 is retried; the retry carries the same key."""
    answers = [Reply(503, b"busy", content_type="text/plain"), Reply(200, {"id": "gw-9"})]
    gateway.respond = lambda request: answers.pop(0)
    assert services.deliver(sms.pk).result == "retry"
    Notification.objects.update(next_attempt_at=sms.created_at)
    assert services.deliver(sms.pk).result == "sent"
    keys = [r.headers["Idempotency-Key"] for r in gateway.requests]
    assert keys == [str(sms.pk), str(sms.pk)]
    row = Notification.objects.get()
    assert row.status == S.SENT and row.provider_message_id == "gw-9" and row.attempts == 2


def test_gateway_refusal_shows_as_a_failed_message(sms_settings, gateway, sms):
    gateway.respond = lambda request: Reply(400, {"error": "so dien thoai khong hop le"})
    assert services.deliver(sms.pk).result == "failed"
    row = Notification.objects.get()
    assert row.status == S.FAILED and row.permanent_failure
    assert "HTTP 400" in row.last_error and "khong hop le" in row.last_error


# --- Zalo ZNS ------------------------------------------------------------------------------


@pytest.fixture
def zalo(db, settings, gateway, received_context, monkeypatch):
    settings.NOTIFY_ZALO_BACKEND = "zalo_zns"
    settings.NOTIFY_ZALO_URL = gateway.url.replace("/sms", "/message/template")
    settings.NOTIFY_ZALO_ACCESS_TOKEN = "zalo-token"
    settings.NOTIFY_ZALO_TEMPLATE_IDS = {"dossier_received": "245001"}
    settings.NOTIFY_HTTP_TIMEOUT = 0.5
    monkeypatch.setattr(services, "_schedule", lambda ids: None)
    return services.enqueue(
        recipient="+84 912 345 678",
        channel="zalo",
        template_key="dossier_received",
        language="vi",
        context=received_context,
    )


def test_zalo_success(gateway, zalo):
    gateway.respond = lambda request: Reply(
        200, {"error": 0, "message": "Success", "data": {"msg_id": "zns-42"}}
    )
    assert ZaloZnsBackend().send(zalo) == "zns-42"
    [request] = gateway.requests
    assert request.path == "/message/template"
    assert request.headers["access_token"] == "zalo-token"
    body = request.json
    assert body["phone"] == "84912345678"
    assert body["template_id"] == "245001"
    assert body["tracking_id"] == str(zalo.pk)
    assert body["template_data"]["code"] == "000.00.23.H56-261123-0007"
    assert body["template_data"]["due_date"] == "26/11/2026"


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        (Reply(200, {"error": -108, "message": "Phone number invalid"}), PermanentFailure),
        (Reply(200, {"error": -118, "message": "Zalo account not existed"}), PermanentFailure),
        (Reply(200, {"error": -124, "message": "Access token invalid"}), TemporaryFailure),
        (Reply(200, {"error": -115, "message": "Out of quota"}), TemporaryFailure),
        (Reply(200, {"message": "no error field"}), TemporaryFailure),
        (Reply(200, b"garbage", content_type="text/plain"), TemporaryFailure),
        (Reply(500, b"oops", content_type="text/plain"), TemporaryFailure),
        (Reply(429, {"error": -32}), TemporaryFailure),
        (Reply(400, {"error": -100}), PermanentFailure),
    ],
)
def test_zalo_answers_are_classified(gateway, zalo, reply, error):
    gateway.respond = lambda request: reply
    with pytest.raises(error):
        ZaloZnsBackend().send(zalo)


def test_zalo_timeout_is_temporary(settings, gateway, zalo):
    settings.NOTIFY_HTTP_TIMEOUT = 0.2
    gateway.respond = lambda request: Reply(200, {"error": 0}, delay=1.0)
    with pytest.raises(TemporaryFailure):
        ZaloZnsBackend().send(zalo)


def test_zalo_message_without_an_approved_template_waits_for_the_configuration(
    settings, gateway, zalo
):
    settings.NOTIFY_ZALO_TEMPLATE_IDS = {}
    with pytest.raises(TemporaryFailure, match="dossier_received"):
        ZaloZnsBackend().send(zalo)
    assert gateway.requests == []


# --- E-mail --------------------------------------------------------------------------------


@pytest.fixture
def email(db, settings, received_context, monkeypatch):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.DEFAULT_FROM_EMAIL = "Một cửa <noreply@lamdong.gov.vn>"
    monkeypatch.setattr(services, "_schedule", lambda ids: None)
    return services.enqueue(
        recipient="binh@example.vn",
        channel="email",
        template_key="dossier_received",
        language="en",
        context=received_context,
    )


def test_email_message_id_is_derived_from_the_notification(email):
    msgid = EmailBackend().send(email)
    assert msgid == f"<{email.pk}@lamdong.gov.vn>"
    [message] = mail.outbox
    assert message.to == ["binh@example.vn"]
    assert message.subject == "Dossier 000.00.23.H56-261123-0007 received"
    assert message.extra_headers["Message-ID"] == msgid
    assert message.message()["Message-ID"] == msgid
    # Sent again after a crash: the same Message-ID.
    EmailBackend().send(email)
    assert mail.outbox[1].message()["Message-ID"] == msgid


class FailingEmailBackend(BaseEmailBackend):
    error: Exception = OSError("down")

    def send_messages(self, messages):
        raise FailingEmailBackend.error


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (
            smtplib.SMTPRecipientsRefused({"binh@example.vn": (550, b"No such user")}),
            PermanentFailure,
        ),
        (
            smtplib.SMTPRecipientsRefused({"binh@example.vn": (450, b"Mailbox busy")}),
            TemporaryFailure,
        ),
        (smtplib.SMTPSenderRefused(553, b"sender refused", "noreply@x"), PermanentFailure),
        (smtplib.SMTPDataError(451, b"try later"), TemporaryFailure),
        (smtplib.SMTPServerDisconnected("gone"), TemporaryFailure),
        (smtplib.SMTPAuthenticationError(535, b"bad auth"), TemporaryFailure),
        (TimeoutError("timed out"), TemporaryFailure),
        (ConnectionRefusedError(111, "refused"), TemporaryFailure),
    ],
)
def test_email_errors_are_classified(settings, email, error, expected):
    settings.EMAIL_BACKEND = "tests.notifications.test_backends.FailingEmailBackend"
    FailingEmailBackend.error = error
    with pytest.raises(expected):
        EmailBackend().send(email)


# --- Development backends ------------------------------------------------------------------


def test_file_backend_appends_one_json_line_per_message(settings, tmp_path, email):
    settings.NOTIFY_FILE_PATH = str(tmp_path / "out" / "notifications.jsonl")
    FileBackend().send(email)
    FileBackend().send(email)
    lines = (tmp_path / "out" / "notifications.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    assert [r["id"] for r in records] == [str(email.pk)] * 2
    assert records[0]["recipient"] == "binh@example.vn"
    assert "track?code=000.00.23.H56-261123-0007" in records[0]["body"]


def test_file_backend_that_cannot_write_is_temporary(settings, tmp_path, email):
    (tmp_path / "blocker").write_text("a file, not a folder")
    settings.NOTIFY_FILE_PATH = str(tmp_path / "blocker" / "notifications.jsonl")
    with pytest.raises(TemporaryFailure):
        FileBackend().send(email)


def test_console_backend_prints_the_message(settings, capsys, email):
    settings.NOTIFY_EMAIL_BACKEND = "console"
    provider_id = get_backend("email").send(email)
    out = capsys.readouterr().out
    assert provider_id == f"console-{email.pk}"
    assert "EMAIL to binh@example.vn" in out and "Subject: Dossier" in out


def test_backends_are_chosen_per_channel_by_alias_or_path(settings):
    settings.NOTIFY_SMS_BACKEND = "file"
    settings.NOTIFY_ZALO_BACKEND = "notifications.backends.console.ConsoleBackend"
    assert isinstance(get_backend("sms"), FileBackend)
    assert type(get_backend("zalo")).__name__ == "ConsoleBackend"

"""The outbox: one row per message to send, and the templates the messages are made from.

This app is a delivery service. It knows recipients, channels, templates and attempts, not
dossiers: the cause of a message is a string (`subject_ref`, e.g. "dossier:<code>").
See docs/adr/0005-notifications-outbox.md.
"""

from __future__ import annotations

import secrets
import time
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


def uuid7() -> uuid.UUID:
    """A time-ordered UUID (RFC 9562 version 7): random enough to be a provider's
    idempotency key that never repeats across databases, ordered enough to keep the
    primary key index compact."""
    millis = time.time_ns() // 1_000_000
    rand_a = secrets.randbits(12)
    rand_b = secrets.randbits(62)
    value = (millis & ((1 << 48) - 1)) << 80 | 0x7 << 76 | rand_a << 64 | 0b10 << 62 | rand_b
    return uuid.UUID(int=value)


class Channel(models.TextChoices):
    EMAIL = "email", _("Thư điện tử")
    SMS = "sms", _("Tin nhắn SMS")
    ZALO = "zalo", _("Zalo (ZNS)")


class TemplateKey(models.TextChoices):
    """What a message is about. The placeholders each key may use are declared in
    notifications/rendering.py."""

    DOSSIER_RECEIVED = "dossier_received", _("Đã tiếp nhận hồ sơ")
    SUPPLEMENT_REQUESTED = "supplement_requested", _("Yêu cầu bổ sung hồ sơ")
    REFUSED = "refused", _("Từ chối hồ sơ")
    EXTENDED = "extended", _("Xin lỗi và hẹn lại ngày trả kết quả")
    RESULT_READY = "result_ready", _("Đã có kết quả")
    RETURNED = "returned", _("Đã trả kết quả")
    RATE_INVITATION = "rate_invitation", _("Mời đánh giá mức độ hài lòng")
    FEEDBACK_RECEIVED = "feedback_received", _("Đã nhận phản ánh, kiến nghị")
    FEEDBACK_ANSWERED = "feedback_answered", _("Trả lời phản ánh, kiến nghị")
    STAFF_DIGEST = "staff_digest", _("Tổng hợp hằng ngày cho cán bộ")
    OVERDUE_ESCALATION = "overdue_escalation", _("Báo lãnh đạo hồ sơ quá hạn")
    LATE_REMINDER = "late_reminder", _("Nhắc hồ sơ sắp quá hạn")
    ACCOUNT_CODE = "account_code", _("Mã xác nhận tài khoản công dân")
    PASSWORD_RESET_CODE = "password_reset_code", _("Mã đặt lại mật khẩu")
    ONLINE_SUBMITTED = "online_submitted", _("Đã nhận hồ sơ nộp trực tuyến, chờ kiểm tra")
    ONLINE_RECEIVED = "online_received", _("Đã tiếp nhận hồ sơ trực tuyến, gửi giấy tiếp nhận")


class NotificationStatus(models.TextChoices):
    PENDING = "pending", _("Chờ gửi")
    SENDING = "sending", _("Đang gửi")
    SENT = "sent", _("Đã gửi")
    FAILED = "failed", _("Gửi không được")
    CANCELLED = "cancelled", _("Đã huỷ")


S = NotificationStatus

# The life of a message, in one table: (status, action) -> new status. Every status change
# is a conditional UPDATE whose WHERE clause is built from this table (services._move), so
# two workers can never both move the same row out of the same status.
TRANSITIONS: dict[tuple[str, str], str] = {
    (S.PENDING, "claim"): S.SENDING,  # a worker takes the row before calling the provider
    (S.SENDING, "succeed"): S.SENT,  # the provider accepted it
    (S.SENDING, "retry_later"): S.PENDING,  # temporary failure, attempts left
    (S.SENDING, "fail"): S.FAILED,  # permanent failure, or no attempts left
    (S.SENDING, "expire"): S.PENDING,  # lease expired (worker died): the sweeper takes it back
    (S.SENDING, "expire_exhausted"): S.FAILED,  # ... with no attempts left
    (S.PENDING, "cancel"): S.CANCELLED,  # the cause no longer holds (caller's decision)
    (S.FAILED, "retry_now"): S.PENDING,  # staff asked for a new round of attempts
    (S.SENT, "bounce"): S.FAILED,  # the provider reported later that it was not delivered
}


def sources(action: str) -> list[str]:
    """Statuses from which `action` is allowed."""
    return [status for (status, act) in TRANSITIONS if act == action]


def target(action: str) -> str:
    (new,) = {new for (_status, act), new in TRANSITIONS.items() if act == action}
    return new


class Notification(models.Model):
    """A message to send (outbox row), written in the same transaction as its cause."""

    # The id is also the provider's idempotency key (SMS header, ZNS tracking_id, e-mail
    # Message-ID): a UUID, so that no two installations or restored backups ever reuse one.
    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    channel = models.CharField(_("kênh"), max_length=8, choices=Channel.choices)
    recipient = models.CharField(
        _("người nhận"),
        max_length=254,
        help_text=_("Địa chỉ thư điện tử, hoặc số điện thoại dạng 84xxxxxxxxx."),
    )
    template_key = models.CharField(_("mẫu"), max_length=40, choices=TemplateKey.choices)
    language = models.CharField(_("ngôn ngữ"), max_length=8, choices=settings.LANGUAGES)
    subject = models.CharField(_("tiêu đề"), max_length=255, blank=True)
    body = models.TextField(_("nội dung"))
    # Structured data for channels whose provider renders a template of its own (ZNS).
    payload = models.JSONField(_("dữ liệu mẫu"), default=dict, blank=True)
    subject_ref = models.CharField(
        _("đối tượng"),
        max_length=100,
        blank=True,
        help_text=_('Việc gây ra thông báo, ví dụ "dossier:000.00.23.H56-261123-0001".'),
    )
    dedup_key = models.CharField(
        _("khoá chống trùng"),
        max_length=200,
        unique=True,
        null=True,
        blank=True,
        help_text=_("Một sự kiện, một kênh: một thông báo, dù được yêu cầu bao nhiêu lần."),
    )
    status = models.CharField(_("trạng thái"), max_length=12, choices=S.choices, default=S.PENDING)
    attempts = models.PositiveSmallIntegerField(_("số lần gửi"), default=0)
    max_attempts = models.PositiveSmallIntegerField(_("số lần gửi tối đa"), default=10)
    next_attempt_at = models.DateTimeField(_("gửi lại từ"), default=timezone.now)
    claimed_at = models.DateTimeField(_("bắt đầu gửi lúc"), null=True, blank=True)
    claim_token = models.UUIDField(_("mã lượt gửi"), null=True, blank=True)
    last_error = models.TextField(_("lỗi gần nhất"), blank=True)
    permanent_failure = models.BooleanField(_("lỗi vĩnh viễn"), default=False)
    sent_at = models.DateTimeField(_("gửi lúc"), null=True, blank=True)
    failed_at = models.DateTimeField(_("thất bại lúc"), null=True, blank=True)
    provider_message_id = models.CharField(_("mã tin của nhà cung cấp"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("thông báo")
        verbose_name_plural = _("thông báo")
        ordering = ["-created_at"]
        indexes = [
            # Admin list (newest first, filtered by status) and the failed count.
            models.Index(fields=["-created_at"], name="notif_created"),
            models.Index(fields=["status", "-created_at"], name="notif_status_created"),
            # The messages of one dossier; failed ones by subject (flags, leader's count).
            models.Index(fields=["subject_ref", "-created_at"], name="notif_subject"),
            models.Index(
                fields=["subject_ref"], condition=Q(status="failed"), name="notif_failed_subject"
            ),
            # The sweeper: overdue pending rows and expired leases, both small partial indexes.
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="notif_pending_due",
            ),
            models.Index(
                fields=["claimed_at"], condition=Q(status="sending"), name="notif_sending_since"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.recipient} ({self.template_key})"


class AttemptOutcome(models.TextChoices):
    SENT = "sent", _("Đã gửi")
    TEMPORARY = "temporary", _("Lỗi tạm thời")
    PERMANENT = "permanent", _("Lỗi vĩnh viễn")
    EXPIRED = "expired", _("Quá hạn giữ lượt (tiến trình gửi dừng giữa chừng)")


class DeliveryAttempt(models.Model):
    """One try at the provider: the audit behind `Notification.attempts`."""

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="delivery_attempts"
    )
    number = models.PositiveSmallIntegerField(_("lần"))
    claim_token = models.UUIDField(_("mã lượt gửi"))
    started_at = models.DateTimeField(_("bắt đầu"))
    finished_at = models.DateTimeField(_("kết thúc"))
    outcome = models.CharField(_("kết quả"), max_length=12, choices=AttemptOutcome.choices)
    error = models.TextField(_("lỗi"), blank=True)
    provider_message_id = models.CharField(_("mã tin của nhà cung cấp"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("lượt gửi")
        verbose_name_plural = _("lượt gửi")
        ordering = ["notification", "number"]
        constraints = [
            models.UniqueConstraint(fields=["claim_token"], name="notif_attempt_claim_unique")
        ]

    def __str__(self) -> str:
        return f"#{self.number} {self.get_outcome_display()}"


class MessageTemplate(models.Model):
    """A province's wording of one message for one channel and language.

    A missing row falls back to the built-in default (notifications/defaults.py), so
    deleting a template restores the default wording.
    """

    key = models.CharField(_("mẫu"), max_length=40, choices=TemplateKey.choices)
    channel = models.CharField(_("kênh"), max_length=8, choices=Channel.choices)
    language = models.CharField(_("ngôn ngữ"), max_length=8, choices=settings.LANGUAGES)
    subject = models.CharField(
        _("tiêu đề"), max_length=255, blank=True, help_text=_("Chỉ dùng cho thư điện tử.")
    )
    body = models.TextField(_("nội dung"))
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("mẫu thông báo")
        verbose_name_plural = _("mẫu thông báo")
        ordering = ["key", "channel", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["key", "channel", "language"], name="notif_template_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_key_display()} · {self.get_channel_display()} · {self.language}"

    def clean(self) -> None:
        from .rendering import validate_template

        validate_template(
            self.key, self.channel, subject=self.subject, body=self.body, language=self.language
        )

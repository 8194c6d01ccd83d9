"""One-time codes that prove a citizen holds a phone number or an e-mail address."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Purpose(models.TextChoices):
    VERIFY_CONTACT = "verify", _("Xác nhận số điện thoại / thư điện tử")
    RESET_PASSWORD = "reset", _("Đặt lại mật khẩu")


class ContactKind(models.TextChoices):
    PHONE = "phone", _("Số điện thoại")
    EMAIL = "email", _("Thư điện tử")


class OneTimeCode(models.Model):
    """A 6-digit code sent to one contact for one purpose. Only a keyed hash is stored;
    it is refused once used, expired, replaced by a newer code or tried too often."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="one_time_codes"
    )
    purpose = models.CharField(max_length=8, choices=Purpose.choices)
    kind = models.CharField(max_length=8, choices=ContactKind.choices)
    # The normalised phone number or e-mail address the code was sent to (for a change of
    # contact: the new one, which the account takes only once the code is entered).
    contact = models.CharField(max_length=254)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)
    # Set when a newer code for the same account and purpose was sent.
    replaced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("mã xác nhận")
        verbose_name_plural = _("mã xác nhận")
        indexes = [
            models.Index(fields=["user", "purpose", "-created_at"], name="otc_user_purpose"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.purpose} {self.kind}"

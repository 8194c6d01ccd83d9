"""The citizen's document store ("paper once"): every paper a citizen handed in that an
officer accepted as a scan, and every result the portal issued, kept under the citizen's
personal ID number so that the next dossier asking for the same kind reuses it.

The store knows dossiers only by their code (a string): dossiers use the store, never the
reverse.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.storage import private_storage
from procedures.models import DocumentType


class Source(models.TextChoices):
    SCAN = "scan", _("Bản số hoá do cán bộ tiếp nhận")
    RESULT = "result", _("Kết quả giải quyết do cơ quan cấp")


def stored_path(instance: StoredDocument, filename: str) -> str:
    return f"store/{instance.id_number}/{secrets.token_hex(8)}{instance.extension}"


class StoredDocumentQuerySet(models.QuerySet):
    def valid_on(self, day) -> StoredDocumentQuerySet:
        """Not withdrawn and not expired on `day`."""
        return self.filter(revoked_at__isnull=True).filter(
            models.Q(valid_until__isnull=True) | models.Q(valid_until__gte=day)
        )


class StoredDocument(models.Model):
    id_number = models.CharField(_("số định danh cá nhân"), max_length=32)
    doc_type = models.ForeignKey(
        DocumentType, verbose_name=_("loại giấy tờ"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("tên giấy tờ"), max_length=500)
    issuer = models.CharField(_("cơ quan cấp"), max_length=255, blank=True)
    issued_on = models.DateField(_("ngày cấp"), null=True, blank=True)
    valid_until = models.DateField(_("có giá trị đến"), null=True, blank=True)
    source = models.CharField(_("nguồn"), max_length=16, choices=Source.choices)
    # The dossier it came from, by code.
    source_ref = models.CharField(_("từ hồ sơ"), max_length=64, blank=True)
    file = models.FileField(
        storage=private_storage, upload_to=stored_path, max_length=255, blank=True
    )
    original_name = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=64, blank=True)
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("ngày lưu"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("thu hồi lúc"), null=True, blank=True)

    objects = StoredDocumentQuerySet.as_manager()

    EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}

    class Meta:
        verbose_name = _("giấy tờ trong kho")
        verbose_name_plural = _("giấy tờ trong kho")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["id_number", "doc_type"], name="stored_doc_owner_type"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def extension(self) -> str:
        return self.EXTENSIONS.get(self.content_type, "")

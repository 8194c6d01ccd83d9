"""The procedure catalogue: national procedures and each unit's local offering of them.

Texts meant for people are translated with django-modeltranslation: `name` reads the
active language (vi, falling back from en), `name_vi` / `name_en` are the columns.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from portal.models import Unit


class Field(models.Model):
    """A field of administration (lĩnh vực): civil status, land, ..."""

    code = models.CharField(_("mã lĩnh vực"), max_length=32, unique=True)
    name = models.CharField(_("tên lĩnh vực"), max_length=255)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("lĩnh vực")
        verbose_name_plural = _("lĩnh vực")
        ordering = ["name_vi"]

    def __str__(self) -> str:
        return self.name


class Level(models.TextChoices):
    PROVINCE = "province", _("Cấp tỉnh")
    COMMUNE = "commune", _("Cấp xã")


class Channel(models.TextChoices):
    COUNTER = "counter", _("Trực tiếp tại Bộ phận một cửa")
    ONLINE = "online", _("Trực tuyến")
    POST = "post", _("Qua dịch vụ bưu chính")


class OnlineLevel(models.TextChoices):
    FULL = "full", _("Toàn trình")
    PARTIAL = "partial", _("Một phần")
    NONE = "none", _("Không trực tuyến")


class Status(models.TextChoices):
    DRAFT = "draft", _("Bản nháp")
    PUBLISHED = "published", _("Đã công bố")
    ARCHIVED = "archived", _("Đã bãi bỏ / thay thế")


class ProcedureQuerySet(models.QuerySet):
    def public(self) -> ProcedureQuerySet:
        """Procedures a citizen may see: published and archived (archived say so)."""
        return self.exclude(status=Status.DRAFT)

    def published(self) -> ProcedureQuerySet:
        return self.filter(status=Status.PUBLISHED)


class Procedure(models.Model):
    """An administrative procedure (thủ tục hành chính), keyed for ever by its national code."""

    code = models.CharField(_("mã thủ tục"), max_length=32, unique=True)
    name = models.CharField(_("tên thủ tục"), max_length=500)
    field = models.ForeignKey(
        Field, verbose_name=_("lĩnh vực"), on_delete=models.PROTECT, related_name="procedures"
    )
    level = models.CharField(_("cấp thực hiện"), max_length=16, choices=Level.choices)
    description = models.TextField(_("mô tả"), blank=True)
    channels = models.JSONField(_("cách thức thực hiện"), default=list, blank=True)
    online_level = models.CharField(
        _("mức độ trực tuyến"), max_length=16, choices=OnlineLevel.choices, default=OnlineLevel.NONE
    )
    processing_days = models.PositiveSmallIntegerField(
        _("thời hạn giải quyết (ngày làm việc)"), null=True, blank=True
    )
    same_day = models.BooleanField(_("giải quyết trong ngày"), default=False)
    processing_note = models.TextField(_("ghi chú về thời hạn"), blank=True)
    eligibility = models.TextField(_("đối tượng thực hiện"), blank=True)
    requirements = models.TextField(_("yêu cầu, điều kiện"), blank=True)
    result = models.TextField(_("kết quả thực hiện"), blank=True)
    # The kind of paper the result is, when a later procedure may ask for it (paper once).
    result_type = models.ForeignKey(
        "DocumentType",
        verbose_name=_("loại giấy tờ của kết quả"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("trạng thái"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    replaced_by = models.ForeignKey(
        "self",
        verbose_name=_("được thay thế bởi"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaces",
    )
    # Folded text (no diacritics, lower case) of name, code, field and document names in
    # every language: what search matches against. Kept by services.refresh_search_text().
    search_text = models.TextField(editable=False, default="")
    # How often the procedure is used; orders "most used" on the home page.
    popularity = models.PositiveIntegerField(_("mức độ sử dụng"), default=0)
    # Bumped on every saved change; part of page cache keys and ETags.
    revision = models.PositiveIntegerField(editable=False, default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    objects = ProcedureQuerySet.as_manager()

    class Meta:
        verbose_name = _("thủ tục hành chính")
        verbose_name_plural = _("thủ tục hành chính")
        ordering = ["code"]
        indexes = [models.Index(fields=["status", "-popularity"], name="procedure_status_pop")]

    def __str__(self) -> str:
        return f"{self.code} – {self.name}"


class DocumentType(models.Model):
    """A kind of paper that several procedures ask for (ID card, birth certificate, ...).

    Catalogue documents and issued results point to it, so a paper digitised once can be
    reused by the next dossier that asks for the same kind ("paper once").
    """

    code = models.SlugField(_("mã loại giấy tờ"), max_length=64, unique=True)
    name = models.CharField(_("tên loại giấy tờ"), max_length=255)
    validity_months = models.PositiveSmallIntegerField(
        _("thời hạn sử dụng (tháng)"),
        null=True,
        blank=True,
        help_text=_("Để trống nếu giấy tờ không hết hạn."),
    )

    class Meta:
        verbose_name = _("loại giấy tờ")
        verbose_name_plural = _("loại giấy tờ")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class ProcedurePart(models.Model):
    """Common shape of the ordered lists inside a procedure (steps, fees, documents...)."""

    position = models.PositiveSmallIntegerField(_("thứ tự"), default=0)

    class Meta:
        abstract = True
        ordering = ["position", "id"]


class ProcedureStep(ProcedurePart):
    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="steps")
    text = models.TextField(_("bước thực hiện"))
    history = HistoricalRecords()

    class Meta(ProcedurePart.Meta):
        verbose_name = _("bước thực hiện")
        verbose_name_plural = _("trình tự thực hiện")

    def __str__(self) -> str:
        return self.text[:60]


class ProcedureFee(ProcedurePart):
    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="fees")
    name = models.CharField(_("tên phí, lệ phí"), max_length=500)
    amount_vnd = models.PositiveBigIntegerField(_("mức thu (đồng)"), default=0)
    note = models.TextField(_("ghi chú"), blank=True)
    history = HistoricalRecords()

    class Meta(ProcedurePart.Meta):
        verbose_name = _("phí, lệ phí")
        verbose_name_plural = _("phí, lệ phí")

    def __str__(self) -> str:
        return self.name


class ProcedureDocument(ProcedurePart):
    """A required document (thành phần hồ sơ) of a procedure."""

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="documents")
    name = models.CharField(_("tên giấy tờ"), max_length=500)
    originals = models.PositiveSmallIntegerField(_("số bản chính"), default=1)
    copies = models.PositiveSmallIntegerField(_("số bản sao"), default=0)
    required = models.BooleanField(_("bắt buộc"), default=True)
    form = models.CharField(_("mẫu đơn, tờ khai"), max_length=500, blank=True)
    doc_type = models.ForeignKey(
        DocumentType,
        verbose_name=_("loại giấy tờ"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    history = HistoricalRecords()

    class Meta(ProcedurePart.Meta):
        verbose_name = _("thành phần hồ sơ")
        verbose_name_plural = _("thành phần hồ sơ")

    def __str__(self) -> str:
        return self.name


class LegalDocument(ProcedurePart):
    """One legal basis (căn cứ pháp lý) of a procedure."""

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="legal_basis")
    number = models.CharField(_("số, ký hiệu"), max_length=64)
    title = models.CharField(_("trích yếu"), max_length=500)
    issued = models.DateField(_("ngày ban hành"), null=True, blank=True)
    issuer = models.CharField(_("cơ quan ban hành"), max_length=255, blank=True)
    history = HistoricalRecords()

    class Meta(ProcedurePart.Meta):
        verbose_name = _("căn cứ pháp lý")
        verbose_name_plural = _("căn cứ pháp lý")

    def __str__(self) -> str:
        return self.number


class UnitProcedure(models.Model):
    """A unit's offering of a procedure at its desk, with the desk's local details."""

    unit = models.ForeignKey(
        Unit, verbose_name=_("đơn vị"), on_delete=models.CASCADE, related_name="offerings"
    )
    procedure = models.ForeignKey(
        Procedure, verbose_name=_("thủ tục"), on_delete=models.CASCADE, related_name="offerings"
    )
    counter = models.CharField(_("quầy tiếp nhận"), max_length=255, blank=True)
    contact = models.CharField(_("người liên hệ, điện thoại"), max_length=255, blank=True)
    hours = models.CharField(_("thời gian tiếp nhận"), max_length=255, blank=True)
    local_notes = models.TextField(_("ghi chú của đơn vị"), blank=True)
    is_active = models.BooleanField(_("đang tiếp nhận"), default=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("thủ tục tại đơn vị")
        verbose_name_plural = _("thủ tục tại đơn vị")
        ordering = ["unit__code", "procedure__code"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "procedure"], name="unique_unit_procedure")
        ]

    def __str__(self) -> str:
        return f"{self.unit.code} · {self.procedure.code}"


class LocalForm(ProcedurePart):
    """A downloadable form a unit provides for a procedure it offers."""

    offering = models.ForeignKey(UnitProcedure, on_delete=models.CASCADE, related_name="forms")
    title = models.CharField(_("tên biểu mẫu"), max_length=255)
    file = models.FileField(_("tệp"), upload_to="forms/%Y/")
    history = HistoricalRecords()

    class Meta(ProcedurePart.Meta):
        verbose_name = _("biểu mẫu của đơn vị")
        verbose_name_plural = _("biểu mẫu của đơn vị")

    def __str__(self) -> str:
        return self.title

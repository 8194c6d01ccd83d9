"""Dossiers (hồ sơ): a citizen's submission followed from reception to the return of the result."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from docstore.models import StoredDocument
from portal.models import Unit
from portal.storage import PrivateStorage, private_storage  # noqa: F401 (migrations)
from procedures.models import Procedure, ProcedureDocument


class DossierStatus(models.TextChoices):
    SUBMITTED_ONLINE = "submitted_online", _("Nộp trực tuyến, chờ kiểm tra")
    INCOMPLETE = "incomplete", _("Yêu cầu bổ sung khi tiếp nhận")
    RECEIVED = "received", _("Đã tiếp nhận")
    REFUSED = "refused", _("Từ chối tiếp nhận")
    TRANSFERRED = "transferred", _("Đã chuyển cơ quan giải quyết")
    IN_PROCESSING = "in_processing", _("Đang giải quyết")
    SUPPLEMENT_REQUESTED = "supplement_requested", _("Chờ bổ sung (tạm dừng)")
    AWAITING_APPROVAL = "awaiting_approval", _("Chờ lãnh đạo phê duyệt")
    APPROVED = "approved", _("Đã phê duyệt")
    DENIED = "denied", _("Không giải quyết")
    RESULT_READY = "result_ready", _("Có kết quả, chờ trả")
    RETURNED = "returned", _("Đã trả kết quả")
    WITHDRAWN = "withdrawn", _("Đã rút hồ sơ")


OPEN_STATUSES = (
    DossierStatus.RECEIVED,
    DossierStatus.TRANSFERRED,
    DossierStatus.IN_PROCESSING,
    DossierStatus.SUPPLEMENT_REQUESTED,
    DossierStatus.AWAITING_APPROVAL,
    DossierStatus.APPROVED,
    DossierStatus.DENIED,
    DossierStatus.RESULT_READY,
)
# Statuses in which the legal clock runs towards the due date.
CLOCK_RUNNING = (
    DossierStatus.RECEIVED,
    DossierStatus.TRANSFERRED,
    DossierStatus.IN_PROCESSING,
    DossierStatus.AWAITING_APPROVAL,
    DossierStatus.APPROVED,
    DossierStatus.DENIED,
)


class NotifyChannel(models.TextChoices):
    SMS = "sms", _("Tin nhắn SMS")
    EMAIL = "email", _("Thư điện tử")


class DossierChannel(models.TextChoices):
    COUNTER = "counter", _("Trực tiếp tại quầy")
    POST = "post", _("Qua bưu chính")
    MOBILE_TEAM = "mobile_team", _("Tổ công tác lưu động")
    ONLINE = "online", _("Trực tuyến")


class ResultDelivery(models.TextChoices):
    COUNTER = "counter", _("Nhận tại Bộ phận một cửa")
    POST = "post", _("Qua bưu chính")
    ONLINE = "online", _("Nhận trực tuyến")


class DossierQuerySet(models.QuerySet):
    def open(self) -> DossierQuerySet:
        return self.filter(status__in=OPEN_STATUSES)


class Dossier(models.Model):
    code = models.CharField(_("mã hồ sơ"), max_length=64, unique=True)
    procedure = models.ForeignKey(
        Procedure, verbose_name=_("thủ tục"), on_delete=models.PROTECT, related_name="+"
    )
    # Applicant (người nộp): a person, or an organisation represented by a person.
    applicant_name = models.CharField(_("họ và tên"), max_length=255)
    applicant_id_number = models.CharField(_("số định danh cá nhân / CCCD"), max_length=32)
    applicant_phone = models.CharField(_("số điện thoại"), max_length=32, blank=True)
    applicant_email = models.EmailField(_("thư điện tử"), blank=True)
    applicant_address = models.CharField(_("địa chỉ"), max_length=500, blank=True)
    organisation_name = models.CharField(_("tên tổ chức (nếu có)"), max_length=255, blank=True)
    language = models.CharField(
        _("ngôn ngữ liên hệ"), max_length=8, choices=settings.LANGUAGES, default="vi"
    )
    # How the citizen chose to be told of changes (a subset of NotifyChannel); empty: none.
    notify_channels = models.JSONField(_("nhận thông báo qua"), default=list, blank=True)

    receiving_unit = models.ForeignKey(
        Unit, verbose_name=_("đơn vị tiếp nhận"), on_delete=models.PROTECT, related_name="+"
    )
    competent_unit = models.ForeignKey(
        Unit, verbose_name=_("đơn vị giải quyết"), on_delete=models.PROTECT, related_name="+"
    )
    channel = models.CharField(
        _("kênh nộp"), max_length=16, choices=DossierChannel.choices, default=DossierChannel.COUNTER
    )
    result_delivery = models.CharField(
        _("hình thức nhận kết quả"),
        max_length=16,
        choices=ResultDelivery.choices,
        default=ResultDelivery.COUNTER,
    )
    status = models.CharField(
        _("trạng thái"), max_length=32, choices=DossierStatus.choices, db_index=False
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người đang xử lý"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người tiếp nhận"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The citizen account that submitted it online (empty for dossiers received at a desk).
    citizen = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("tài khoản công dân"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="online_dossiers",
    )

    created_at = models.DateTimeField(_("ngày tạo"), auto_now_add=True)
    received_at = models.DateTimeField(_("thời điểm tiếp nhận"), null=True, blank=True)
    counts_from = models.DateField(_("tính thời hạn từ ngày"), null=True, blank=True)
    due_date = models.DateField(_("hạn trả kết quả"), null=True, blank=True)
    original_due_date = models.DateField(_("hạn ban đầu"), null=True, blank=True)
    paused_on = models.DateField(_("tạm dừng từ ngày"), null=True, blank=True)
    paused_working_days = models.PositiveSmallIntegerField(_("số ngày tạm dừng"), default=0)
    finished_at = models.DateTimeField(_("thời điểm có kết quả"), null=True, blank=True)
    returned_at = models.DateTimeField(_("thời điểm trả kết quả"), null=True, blank=True)

    result = models.TextField(_("kết quả giải quyết"), blank=True)
    reason = models.TextField(_("lý do (từ chối / không giải quyết)"), blank=True)
    supplement_note = models.TextField(_("nội dung cần bổ sung"), blank=True)
    returned_to = models.CharField(_("người nhận kết quả"), max_length=255, blank=True)
    return_method = models.CharField(
        _("cách trả kết quả"), max_length=16, choices=ResultDelivery.choices, blank=True
    )

    # Optimistic concurrency: every action bumps it; a form posted with an older version is
    # refused with "changed by someone else, reload".
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    objects = DossierQuerySet.as_manager()

    class Meta:
        verbose_name = _("hồ sơ")
        verbose_name_plural = _("hồ sơ")
        ordering = ["-created_at"]
        indexes = [
            # Worklists: a unit's open dossiers by status and due date.
            models.Index(
                fields=["competent_unit", "status", "due_date"], name="dossier_comp_st_due"
            ),
            models.Index(
                fields=["receiving_unit", "status", "due_date"], name="dossier_recv_st_due"
            ),
            # "Assigned to me, by due date".
            models.Index(fields=["handler", "status", "due_date"], name="dossier_handler_due"),
            # Lists across statuses: due today / soon / overdue.
            models.Index(fields=["status", "due_date"], name="dossier_status_due"),
            models.Index(fields=["applicant_phone"], name="dossier_phone"),
            models.Index(fields=["applicant_id_number"], name="dossier_idno"),
            # "My dossiers" of a citizen account also matches the verified e-mail.
            models.Index(fields=["applicant_email"], name="dossier_email"),
            # "Received today" at a desk; the newest first (the "all" list, the admin), the
            # only order that stays cheap across a unit's whole history. ADR 0006.
            models.Index(fields=["receiving_unit", "created_at"], name="dossier_recv_created"),
            models.Index(fields=["created_at"], name="dossier_created"),
        ]

    def __str__(self) -> str:
        return self.code


class DossierCounter(models.Model):
    """Running number per unit per day for dossier codes; the row is locked while used."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "day"], name="unique_counter_day")]

    def __str__(self) -> str:
        return f"{self.unit_id}/{self.day}: {self.last}"


class DossierDocument(models.Model):
    """One paper handed in, checked against the catalogue's list of required documents."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="documents")
    catalogue_document = models.ForeignKey(
        ProcedureDocument, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    position = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(_("tên giấy tờ"), max_length=500)
    required = models.BooleanField(_("bắt buộc"), default=True)
    originals = models.PositiveSmallIntegerField(_("số bản chính"), default=0)
    copies = models.PositiveSmallIntegerField(_("số bản sao"), default=0)
    provided = models.BooleanField(_("đã nộp"), default=False)
    # Paper once: the stored document reused instead of a new paper, and the consent to it
    # (given by the citizen online, or recorded by the officer at the desk).
    reused_from = models.ForeignKey(
        StoredDocument,
        verbose_name=_("dùng lại giấy tờ đã lưu"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reuse_consent_at = models.DateTimeField(_("đồng ý dùng lại lúc"), null=True, blank=True)
    reuse_consent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("giấy tờ trong hồ sơ")
        verbose_name_plural = _("giấy tờ trong hồ sơ")

    def __str__(self) -> str:
        return self.name


def scan_path(instance: DossierScan, filename: str) -> str:
    return f"scans/{instance.document.dossier_id}/{secrets.token_hex(8)}{instance.extension}"


class DossierScan(models.Model):
    """A scanned file of a document, stored outside the web root."""

    document = models.ForeignKey(DossierDocument, on_delete=models.CASCADE, related_name="scans")
    file = models.FileField(storage=private_storage, upload_to=scan_path, max_length=255)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}

    def __str__(self) -> str:
        return self.original_name

    @property
    def extension(self) -> str:
        return self.EXTENSIONS.get(self.content_type, "")


class DossierEvent(models.Model):
    """The audit history: who did what, when, from which status to which."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=32)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField()
    from_status = models.CharField(max_length=32, blank=True)
    to_status = models.CharField(max_length=32)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["dossier", "at"], name="dossier_event_at")]

    def __str__(self) -> str:
        return f"{self.action} {self.from_status}→{self.to_status}"


class StepKind(models.TextChoices):
    RECEPTION = "reception", _("Tiếp nhận")
    PROCESSING = "processing", _("Thẩm định, xử lý")
    APPROVAL = "approval", _("Phê duyệt")
    RETURN = "return", _("Trả kết quả")


class DossierStep(models.Model):
    """A step of the processing control slip (form 05): who held the dossier, from when to
    when, and its share of the time limit."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="steps")
    kind = models.CharField(max_length=16, choices=StepKind.choices)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField()
    due = models.DateField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["started_at", "id"]
        # Only open steps are ever looked up (late ones, the one to close): partial indexes,
        # a few hundred kB where all 3 million steps of a million dossiers take 180 MB.
        indexes = [
            # "My step is over its share" (a specialist's worklist).
            models.Index(
                fields=["handler", "due"],
                condition=models.Q(finished_at__isnull=True),
                name="dossier_step_open_due",
            ),
            # Steps still open, per dossier: "a step over its share" in the worklists.
            models.Index(
                fields=["dossier", "due"],
                condition=models.Q(finished_at__isnull=True),
                name="dossier_step_late",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} ({self.started_at:%d/%m/%Y})"


class PaperKind(models.TextChoices):
    RECEIPT = "01", _("Giấy tiếp nhận hồ sơ và hẹn trả kết quả")
    SUPPLEMENT = "02", _("Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ")
    REFUSAL = "03", _("Phiếu từ chối tiếp nhận giải quyết hồ sơ")
    APOLOGY = "04", _("Phiếu xin lỗi và hẹn lại ngày trả kết quả")
    CONTROL = "05", _("Phiếu kiểm soát quá trình giải quyết hồ sơ")


class Paper(models.Model):
    """An official paper the system issued. Its QR leads to /v/<token>, which confirms it."""

    kind = models.CharField(max_length=2, choices=PaperKind.choices)
    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="papers")
    token = models.CharField(max_length=43, unique=True)
    issued_at = models.DateTimeField()
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    # What the paper said when issued, so a reprint is the same paper (marked as a copy).
    content = models.JSONField(default=dict)
    prints = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["issued_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.dossier_id}"

    @staticmethod
    def new_token() -> str:
        return secrets.token_urlsafe(24)


class OnlineDraft(models.Model):
    """An online submission a citizen is still filling in: saved as they go, finished later.
    Submitting it creates the dossier (status "submitted online, awaiting check") and
    deletes the draft."""

    citizen = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="online_drafts"
    )
    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="+")
    receiving_unit = models.ForeignKey(
        Unit,
        verbose_name=_("nơi tiếp nhận"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Applicant fields as entered (name, id_number, phone, email, address, organisation).
    applicant = models.JSONField(default=dict, blank=True)
    result_delivery = models.CharField(
        _("hình thức nhận kết quả"), max_length=16, choices=ResultDelivery.choices, blank=True
    )
    notify_channels = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]
        indexes = [models.Index(fields=["citizen", "-updated_at"], name="draft_citizen_updated")]

    def __str__(self) -> str:
        return f"{self.procedure_id} ({self.citizen_id})"


def draft_path(instance: DraftFile, filename: str) -> str:
    return f"drafts/{instance.draft_id}/{secrets.token_hex(8)}{instance.extension}"


class DraftFile(models.Model):
    """One paper of a draft: an uploaded file, or a stored document chosen for reuse."""

    draft = models.ForeignKey(OnlineDraft, on_delete=models.CASCADE, related_name="files")
    catalogue_document = models.ForeignKey(
        ProcedureDocument, on_delete=models.CASCADE, related_name="+"
    )
    file = models.FileField(
        storage=private_storage, upload_to=draft_path, max_length=255, blank=True
    )
    original_name = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=64, blank=True)
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    reused_from = models.ForeignKey(
        StoredDocument, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    EXTENSIONS = DossierScan.EXTENSIONS

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.original_name or str(self.reused_from_id)

    @property
    def extension(self) -> str:
        return self.EXTENSIONS.get(self.content_type, "")

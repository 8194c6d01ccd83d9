"""Satisfaction ratings of returned dossiers, and public feedback (phản ánh, kiến nghị).

A rating answers a few questions in the spirit of the national satisfaction indicators
(Decision 766/QĐ-TTg) on the five-level scale; there is one per dossier (the database says
so). A feedback is a citizen's report or suggestion about a procedure or a dossier, with a
reference number, the unit it concerns, a reply deadline in working days, and the reply.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dossiers.models import Dossier
from portal.models import Unit
from procedures.models import Procedure


class Level(models.IntegerChoices):
    """The five-level scale; the value is the score (5 is best)."""

    VERY_SATISFIED = 5, _("Rất hài lòng")
    SATISFIED = 4, _("Hài lòng")
    NEUTRAL = 3, _("Bình thường")
    DISSATISFIED = 2, _("Không hài lòng")
    VERY_DISSATISFIED = 1, _("Rất không hài lòng")


# An answer at or above this level counts as "satisfied" (hài lòng or rất hài lòng).
SATISFIED_FROM = Level.SATISFIED

# The questions, in the order asked: field name -> the question as the citizen reads it.
QUESTIONS: dict[str, str] = {
    "overall": _("Nhìn chung, ông/bà hài lòng thế nào về việc giải quyết hồ sơ này?"),
    "timeliness": _("Thời gian giải quyết, trả kết quả (có đúng hẹn không)?"),
    "attitude": _("Thái độ, tinh thần phục vụ của cán bộ?"),
    "clarity": _("Thông tin, hướng dẫn về thủ tục có rõ ràng, dễ hiểu?"),
}


class RatingChannel(models.TextChoices):
    WEB = "web", _("Đường dẫn trong tin nhắn / trang tra cứu")
    COUNTER = "counter", _("Máy tính bảng tại quầy")
    ACCOUNT = "account", _("Tài khoản công dân")


def _score(verbose_name) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(verbose_name, choices=Level.choices)


class Rating(models.Model):
    """The citizen's rating of one returned dossier (one at most)."""

    dossier = models.OneToOneField(
        Dossier, verbose_name=_("hồ sơ"), on_delete=models.CASCADE, related_name="rating"
    )
    # Copied from the dossier when rated, for the statistics per unit.
    receiving_unit = models.ForeignKey(
        Unit, verbose_name=_("đơn vị tiếp nhận"), on_delete=models.PROTECT, related_name="+"
    )
    competent_unit = models.ForeignKey(
        Unit, verbose_name=_("đơn vị giải quyết"), on_delete=models.PROTECT, related_name="+"
    )
    channel = models.CharField(_("kênh đánh giá"), max_length=16, choices=RatingChannel.choices)
    overall = _score(_("mức độ hài lòng chung"))
    timeliness = _score(_("thời gian giải quyết"))
    attitude = _score(_("thái độ phục vụ"))
    clarity = _score(_("thông tin, hướng dẫn"))
    comment = models.TextField(_("ý kiến khác"), blank=True)
    # The officer who handed over the counter tablet, or the citizen's account.
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("thời điểm đánh giá"))

    class Meta:
        verbose_name = _("đánh giá mức độ hài lòng")
        verbose_name_plural = _("đánh giá mức độ hài lòng")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["competent_unit", "created_at"], name="rating_unit_created"),
            models.Index(fields=["created_at"], name="rating_created"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    overall__gte=1,
                    overall__lte=5,
                    timeliness__gte=1,
                    timeliness__lte=5,
                    attitude__gte=1,
                    attitude__lte=5,
                    clarity__gte=1,
                    clarity__lte=5,
                ),
                name="rating_scores_1_to_5",
            )
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id}: {self.overall}"


class FeedbackStatus(models.TextChoices):
    NEW = "new", _("Chờ trả lời")
    ANSWERED = "answered", _("Đã trả lời")


class FeedbackAction(models.TextChoices):
    SUBMIT = "submit", _("Gửi phản ánh, kiến nghị")
    REPLY = "reply", _("Trả lời")


NEW_ROW = ""  # "no feedback yet": the action that creates one

# The life of a feedback in one table: (status, action) -> new status.
FEEDBACK_TRANSITIONS: dict[tuple[str, str], str] = {
    (NEW_ROW, FeedbackAction.SUBMIT): FeedbackStatus.NEW,
    (FeedbackStatus.NEW, FeedbackAction.REPLY): FeedbackStatus.ANSWERED,
}


class Feedback(models.Model):
    """A citizen's report or suggestion (phản ánh, kiến nghị) and the unit's reply."""

    reference = models.CharField(_("số phản ánh"), max_length=20, unique=True)
    unit = models.ForeignKey(
        Unit, verbose_name=_("đơn vị được phản ánh"), on_delete=models.PROTECT, related_name="+"
    )
    procedure = models.ForeignKey(
        Procedure,
        verbose_name=_("thủ tục"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    dossier = models.ForeignKey(
        Dossier,
        verbose_name=_("hồ sơ"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    citizen = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("tài khoản công dân"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    name = models.CharField(_("họ và tên"), max_length=255)
    phone = models.CharField(_("số điện thoại"), max_length=32, blank=True)
    email = models.EmailField(_("thư điện tử"), blank=True)
    language = models.CharField(
        _("ngôn ngữ liên hệ"), max_length=8, choices=settings.LANGUAGES, default="vi"
    )
    subject = models.CharField(_("tiêu đề"), max_length=255)
    content = models.TextField(_("nội dung"))

    status = models.CharField(
        _("trạng thái"), max_length=16, choices=FeedbackStatus.choices, default=FeedbackStatus.NEW
    )
    created_at = models.DateTimeField(_("thời điểm nhận"))
    due_date = models.DateField(_("hạn trả lời"))
    reply = models.TextField(_("nội dung trả lời"), blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người trả lời"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    replied_at = models.DateTimeField(_("thời điểm trả lời"), null=True, blank=True)
    answered_late = models.BooleanField(_("trả lời quá hạn"), default=False)

    class Meta:
        verbose_name = _("phản ánh, kiến nghị")
        verbose_name_plural = _("phản ánh, kiến nghị")
        ordering = ["-created_at"]
        indexes = [
            # The inbox: a unit's feedback by status and due date; the indicators by month.
            models.Index(fields=["unit", "status", "due_date"], name="feedback_unit_st_due"),
            models.Index(fields=["unit", "created_at"], name="feedback_unit_created"),
            models.Index(fields=["citizen", "created_at"], name="feedback_citizen"),
        ]

    def __str__(self) -> str:
        return self.reference


class FeedbackEvent(models.Model):
    """The history of a feedback: who did what, when, from which status to which."""

    feedback = models.ForeignKey(Feedback, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=16, choices=FeedbackAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField()
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.action} {self.from_status}→{self.to_status}"


class FeedbackCounter(models.Model):
    """Running number per day for feedback references; the row is locked while used."""

    day = models.DateField(unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.day}: {self.last}"

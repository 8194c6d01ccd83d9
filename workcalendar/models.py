"""A province's own calendar: the days off and working days it decides on top of the national
holidays (which come from the `holidays` package, see clock.py)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.models import Unit


class CalendarDay(models.Model):
    """One day of a province calendar that differs from the national one: an extra day off
    (e.g. a local holiday) or a working day (e.g. a compensatory working Saturday)."""

    class Kind(models.TextChoices):
        DAY_OFF = "day_off", _("Ngày nghỉ")
        WORKING_DAY = "working_day", _("Ngày làm việc")

    province = models.ForeignKey(
        Unit,
        verbose_name=_("tỉnh"),
        on_delete=models.CASCADE,
        related_name="calendar_days",
        limit_choices_to={"parent__isnull": True},
    )
    date = models.DateField(_("ngày"))
    kind = models.CharField(_("loại ngày"), max_length=16, choices=Kind.choices)
    reason = models.CharField(
        _("lý do"),
        max_length=255,
        help_text=_("Ví dụ: nghỉ bù theo Quyết định số …/QĐ-UBND. Hiện trong cách tính hạn."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người tạo"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("thời điểm tạo"), auto_now_add=True)

    class Meta:
        verbose_name = _("ngày trong lịch của tỉnh")
        verbose_name_plural = _("lịch làm việc của tỉnh")
        ordering = ["province", "-date"]
        constraints = [
            models.UniqueConstraint(fields=["province", "date"], name="unique_province_day")
        ]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} – {self.get_kind_display()}"

    def clean(self) -> None:
        """A day that changes nothing is a mistake worth telling: a working day that is
        already one, a day off that is already a holiday or a Sunday. A day off on a Saturday
        is kept: it closes the desks that serve on Saturdays."""
        from .clock import FIRST_DATE, LAST_DATE, WorkCalendar

        errors = {}
        if self.province_id and self.province.parent_id is not None:
            errors["province"] = _("Chỉ chọn được đơn vị cấp tỉnh.")
        if self.date and not FIRST_DATE <= self.date <= LAST_DATE:
            errors["date"] = _("Ngày phải trong khoảng năm %(first)s–%(last)s.") % {
                "first": FIRST_DATE.year,
                "last": LAST_DATE.year,
            }
        elif self.date and self.kind:
            national = WorkCalendar()
            reason = national.day_off_reason(self.date)
            if self.kind == self.Kind.WORKING_DAY and reason is None:
                errors["kind"] = _("Ngày %(date)s đã là ngày làm việc.") % {
                    "date": f"{self.date:%d/%m/%Y}"
                }
            elif self.kind == self.Kind.DAY_OFF and (
                self.date.weekday() == 6 or (reason and reason[0] == "holiday")
            ):
                errors["kind"] = _("Ngày %(date)s đã là ngày nghỉ.") % {
                    "date": f"{self.date:%d/%m/%Y}"
                }
        if errors:
            raise ValidationError(errors)

"""The province calendar in the staff admin: kept by the province's admins, nobody else."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from portal import access
from portal.admin import AccessAdminMixin, LocalTabbedTranslationAdmin

from .clock import format_day
from .models import CalendarDay


@admin.register(CalendarDay)
class CalendarDayAdmin(AccessAdminMixin, LocalTabbedTranslationAdmin):
    list_display = ("date", "weekday", "kind", "reason", "province", "created_by", "created_at")
    list_filter = ("kind", ("province", admin.RelatedOnlyFieldListFilter))
    search_fields = ("reason_vi", "reason_en")
    date_hierarchy = "date"
    list_select_related = ("province", "created_by")
    fields = ("province", "date", "kind", "reason", "created_by", "created_at")
    readonly_fields = ("created_by", "created_at")

    @admin.display(description=_("thứ"))
    def weekday(self, obj: CalendarDay) -> str:
        return format_day(obj.date).vi.rsplit(" ", 1)[0]

    def get_queryset(self, request: HttpRequest):
        provinces = access.calendar_provinces(request.user)
        return super().get_queryset(request).filter(province__in=provinces)

    def _keeps(self, request: HttpRequest, obj: CalendarDay | None) -> bool:
        provinces = access.calendar_provinces(request.user)
        if not access.can_use_admin(request.user) or not provinces.exists():
            return False
        return obj is None or provinces.filter(pk=obj.province_id).exists()

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return self._keeps(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._keeps(request, None)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return self._keeps(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return self._keeps(request, obj)

    def get_form(self, request: HttpRequest, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if "province" in form.base_fields:
            field = form.base_fields["province"]
            field.queryset = access.calendar_provinces(request.user)
            field.empty_label = None if field.queryset.count() == 1 else field.empty_label
        return form

    def save_model(self, request: HttpRequest, obj: CalendarDay, form, change: bool) -> None:
        # The form only offers the user's provinces; the model's clean() checks the rest.
        if obj.created_by_id is None:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

"""Read-only admin of ratings and feedback, scoped like the desk (portal.access). Replies
are given at /desk/feedback/ through the service; nothing is edited here."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from portal import access
from portal.admin import AccessAdminMixin

from .models import Feedback, FeedbackEvent, Rating


class ReadOnlyScoped(AccessAdminMixin, admin.ModelAdmin):
    unit_field = "unit"

    def get_queryset(self, request: HttpRequest):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(**{f"{self.unit_field}__in": access.visible_units(request.user)})

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return access.can_use_admin(request.user)


class FeedbackEventInline(admin.TabularInline):
    model = FeedbackEvent
    extra = 0
    can_delete = False
    fields = ("at", "action", "actor", "from_status", "to_status")
    readonly_fields = fields

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return access.can_use_admin(request.user)

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Feedback)
class FeedbackAdmin(ReadOnlyScoped):
    list_display = ("reference", "subject", "unit", "status", "due_date", "answered_late")
    list_filter = ("status", "answered_late", "unit")
    search_fields = ("reference", "name", "subject", "phone", "email")
    date_hierarchy = "created_at"
    inlines = [FeedbackEventInline]
    list_select_related = ("unit",)


@admin.register(Rating)
class RatingAdmin(ReadOnlyScoped):
    unit_field = "competent_unit"
    list_display = ("dossier", "competent_unit", "channel", "overall", "created_at")
    list_filter = ("channel", "overall", "competent_unit")
    search_fields = ("dossier__code",)
    date_hierarchy = "created_at"
    list_select_related = ("dossier", "competent_unit")

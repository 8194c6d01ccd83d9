"""The store in the staff admin: province admins look a paper up by ID number and withdraw
one that should not be offered for reuse (wrong owner, wrong type, forged). Nothing is
edited or deleted by hand: dossiers that reused a paper keep pointing at it."""

from __future__ import annotations

from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _, ngettext

from portal import access
from portal.admin import AccessAdminMixin

from . import services
from .models import StoredDocument


@admin.register(StoredDocument)
class StoredDocumentAdmin(AccessAdminMixin, admin.ModelAdmin):
    list_display = (
        "name",
        "id_number",
        "doc_type",
        "source",
        "source_ref",
        "valid_until",
        "revoked_at",
    )
    list_filter = ("source", "doc_type")
    list_select_related = ("doc_type",)
    # Exact ID number or dossier code: no browsing by partial personal data.
    search_fields = ("=id_number", "=source_ref")
    search_help_text = _("Tìm theo đúng số định danh cá nhân hoặc mã hồ sơ.")
    exclude = ("file",)
    actions = ["revoke_selected"]
    list_per_page = 50

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return access.can_use_admin(request.user) and access.is_province_admin(request.user)

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        return [f.name for f in self.model._meta.fields if f.name != "file"]

    def get_queryset(self, request: HttpRequest):
        queryset = super().get_queryset(request)
        # The list stays empty until an exact ID number or code is searched for.
        if request.resolver_match and request.resolver_match.url_name.endswith("changelist"):
            if not request.GET.get("q"):
                return queryset.none()
        return queryset

    def get_actions(self, request: HttpRequest):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.action(description=_("Thu hồi: không cho dùng lại các giấy tờ đã chọn"))
    def revoke_selected(self, request: HttpRequest, queryset) -> None:
        if not self.has_view_permission(request):
            return
        now = timezone.now()
        count = sum(services.revoke(item, now=now) for item in queryset)
        self.message_user(
            request,
            ngettext("Đã thu hồi %(n)d giấy tờ.", "Đã thu hồi %(n)d giấy tờ.", count)
            % {"n": count},
            messages.SUCCESS,
        )

"""The staff admin: units and staff accounts, scoped per unit through portal.access.

Roles, not Django's permission rows, decide what a staff member may do here: every admin
class answers has_*_permission by asking portal/access.py, so a province admin or commune
admin works without any permission being assigned, and a user without a role sees nothing.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin

from . import access
from .models import Unit, UnitKind, User

admin.site.site_header = _("Quản trị Một cửa")
admin.site.site_title = _("Quản trị Một cửa")
admin.site.index_title = _("Danh mục và đơn vị")

# Roles replace groups and permission rows (see the module docstring).
admin.site.unregister(Group)


class LocalTabbedTranslationAdmin(TranslationAdmin):
    """modeltranslation's TabbedTranslationAdmin, with jQuery UI served from static/ instead
    of the CDN its default media point to: the portal loads nothing from outside."""

    class Media:
        js = (
            "admin/js/jquery.init.js",
            "modeltranslation/js/force_jquery.js",
            "vendor/jquery-ui/jquery-ui.min.js",
            "modeltranslation/js/tabbed_translation_fields.js",
        )
        css = {"all": ("modeltranslation/css/tabbed_translation_fields.css",)}


class AccessAdminMixin:
    """Permissions from portal.access. The defaults refuse everything; subclasses open what
    the role allows. An object outside the user's scope is a 404, never a redirect that
    tells it exists."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest, *args) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def get_object(self, request: HttpRequest, object_id: str, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:  # not there, or not in this user's scope (get_queryset)
            raise Http404(_("Không tìm thấy đối tượng."))
        return obj


def _pdf_response(pdf: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@admin.register(Unit)
class UnitAdmin(AccessAdminMixin, LocalTabbedTranslationAdmin):
    list_display = ("code", "name", "kind", "parent", "phone", "saturday_service", "is_active")
    list_filter = ("kind", "saturday_service", "is_active")
    search_fields = ("code", "name_vi", "name_en")
    list_select_related = ("parent",)
    fieldsets = (
        (None, {"fields": ("code", "name", "kind", "parent", "is_active")}),
        (
            _("Liên hệ và giờ làm việc"),
            {"fields": ("address", "phone", "email", "opening_hours", "saturday_service")},
        ),
    )
    structure_fields = ("code", "name", "kind", "parent", "is_active")
    actions = ["print_booklet"]

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).filter(pk__in=access.visible_units(request.user))

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        user = request.user
        if not access.can_use_admin(user):
            return False
        return obj is None or access.visible_units(user).filter(pk=obj.pk).exists()

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        user = request.user
        if not access.can_use_admin(user):
            return False
        if obj is None:
            return access.editable_units(user).exists()
        return access.can_edit_unit(user, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return access.can_use_admin(request.user) and access.can_edit_unit_structure(request.user)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        # Units are deactivated, not deleted: dossiers and history refer to them.
        return access.can_use_admin(request.user) and request.user.is_superuser

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        if obj is not None and not access.can_edit_unit_structure(request.user, obj):
            return self.replace_orig_field(self.structure_fields)  # name -> name_vi, name_en
        return ()

    def get_form(self, request: HttpRequest, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if not request.user.is_superuser and "parent" in form.base_fields:
            # A province admin adds and moves communes inside their own province only.
            field = form.base_fields["parent"]
            field.queryset = access.visible_units(request.user).filter(parent__isnull=True)
            field.required = True
            field.empty_label = None
        if not request.user.is_superuser and "kind" in form.base_fields:
            form.base_fields["kind"].choices = [
                c for c in UnitKind.choices if c[0] != UnitKind.PROVINCE
            ]
        return form

    def save_model(self, request: HttpRequest, obj: Unit, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        from procedures import services  # the catalogue app builds on portal, not the reverse

        services.unit_changed(obj)  # the desk's details are on its procedures' pages

    @admin.action(description=_("In áp phích QR (tập của đơn vị)"))
    def print_booklet(self, request: HttpRequest, queryset):
        from procedures import posters  # the catalogue app builds on portal, not the reverse

        units = list(queryset[:2])
        if len(units) != 1:
            self.message_user(
                request, _("Chọn đúng một đơn vị để in tập áp phích."), messages.ERROR
            )
            return None
        unit = units[0]
        if not posters.booklet_procedures(unit):
            self.message_user(
                request,
                _("Đơn vị %(unit)s chưa có thủ tục nào đang tiếp nhận.") % {"unit": unit},
                messages.WARNING,
            )
            return None
        return _pdf_response(posters.unit_booklet_pdf(unit), f"ap-phich-{unit.code}.pdf")


@admin.register(User)
class StaffAdmin(AccessAdminMixin, UserAdmin):
    """Staff accounts. A province admin manages the staff of their province's units and may
    only place them in those units; superuser rights, groups and permission rows stay with
    superusers."""

    list_display = ("username", "last_name", "first_name", "unit", "role", "is_staff", "is_active")
    list_filter = ("role", "is_staff", "is_active", ("unit", admin.RelatedOnlyFieldListFilter))
    search_fields = ("username", "first_name", "last_name", "email", "phone")
    list_select_related = ("unit",)
    ordering = ("unit__code", "username")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Thông tin cá nhân"), {"fields": ("last_name", "first_name", "email", "phone")}),
        (_("Đơn vị và vai trò"), {"fields": ("unit", "role", "is_staff", "is_active")}),
        (_("Thời gian"), {"fields": ("last_login", "date_joined")}),
    )
    superuser_fieldsets = (
        (_("Quyền hệ thống"), {"fields": ("is_superuser", "groups", "user_permissions")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "usable_password", "password1", "password2"),
            },
        ),
        (
            _("Đơn vị và vai trò"),
            {"fields": ("last_name", "first_name", "unit", "role", "is_staff")},
        ),
    )

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).filter(pk__in=access.manageable_staff(request.user))

    def _manages_staff(self, request: HttpRequest) -> bool:
        return access.can_use_admin(request.user) and access.can_manage_staff(request.user)

    def _in_scope(self, request: HttpRequest, obj) -> bool:
        return obj is None or access.manageable_staff(request.user).filter(pk=obj.pk).exists()

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return self._manages_staff(request) and self._in_scope(request, obj)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return self._manages_staff(request) and self._in_scope(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._manages_staff(request)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        # Accounts are deactivated: dossier history names the officers who handled them.
        return self._manages_staff(request) and request.user.is_superuser

    def get_fieldsets(self, request: HttpRequest, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and request.user.is_superuser:
            fieldsets = (*fieldsets, *self.superuser_fieldsets)
        return fieldsets

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        return ("last_login", "date_joined") if obj is not None else ()

    def get_changeform_initial_data(self, request: HttpRequest) -> dict:
        return {"is_staff": True, **super().get_changeform_initial_data(request)}

    def get_form(self, request: HttpRequest, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if "unit" in form.base_fields and not request.user.is_superuser:
            field = form.base_fields["unit"]
            field.queryset = access.visible_units(request.user)
            field.required = True
        return form

    def save_model(self, request: HttpRequest, obj, form, change: bool) -> None:
        # The form offers only units in scope; refuse anything else even so.
        if (
            not request.user.is_superuser
            and not access.visible_units(request.user).filter(pk=obj.unit_id).exists()
        ):
            raise PermissionDenied
        super().save_model(request, obj, form, change)

"""The staff admin of the catalogue.

Province admins keep the province catalogue (procedures and their parts); every staff
member may read it. Commune admins keep their unit's offering (UnitProcedure and its local
forms) and nothing else. Who may do what is decided in portal/access.py; status changes go
through the services (publish, archive with successor, restore), never through the form.

The change form is saved inside the transaction Django's admin opens around it (the
procedure, then its inlines, then procedure_changed in save_related): a citizen's page
never shows half of an edit.
"""

from __future__ import annotations

from itertools import chain

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.forms import Textarea
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _, gettext_lazy
from modeltranslation.admin import TranslationStackedInline, TranslationTabularInline
from simple_history.admin import SimpleHistoryAdmin

from portal import access
from portal.admin import AccessAdminMixin, LocalTabbedTranslationAdmin
from portal.text import fold

from . import selectors, services
from .forms import ArchiveForm, CatalogueImportForm, LocalFormAdminForm, ProcedureAdminForm
from .models import (
    Channel,
    DocumentType,
    Field,
    LegalDocument,
    LocalForm,
    Procedure,
    ProcedureDocument,
    ProcedureFee,
    ProcedureStep,
    Status,
    UnitProcedure,
)

SHORT_TEXT = {models.TextField: {"widget": Textarea(attrs={"rows": 2, "cols": 60})}}


def _editor(request: HttpRequest) -> bool:
    return access.can_use_admin(request.user) and access.can_edit_catalogue(request.user)


def _reader(request: HttpRequest) -> bool:
    return access.can_view_catalogue_admin(request.user)


class CatalogueAccessMixin(AccessAdminMixin):
    """Every staff member reads the catalogue; province admins change it."""

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return _reader(request)

    def has_add_permission(self, request: HttpRequest, *args) -> bool:
        return _editor(request)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return _editor(request)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return _editor(request)


class HistoryAdmin(SimpleHistoryAdmin):
    """simple-history's views, read-only and in Vietnamese. Reverting is off: it would
    restore one row without its parts and without procedure_changed."""

    object_history_list_template = "admin/history_list.html"

    def history_view_title(self, request: HttpRequest, obj) -> str:
        return _("Lịch sử thay đổi: %s") % obj

    def history_form_view_title(self, request: HttpRequest, obj) -> str:
        return _("Phiên bản cũ: %s") % obj

    def revert_disabled(self, request: HttpRequest, obj=None) -> bool:
        return True

    def history_form_view(self, request: HttpRequest, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied
        self.get_object(request, unquote(object_id))  # 404 outside the user's scope
        return super().history_form_view(request, object_id, version_id, extra_context)


# --- Fields -------------------------------------------------------------------------------


@admin.register(Field)
class FieldAdmin(CatalogueAccessMixin, HistoryAdmin, LocalTabbedTranslationAdmin):
    list_display = ("code", "name")
    search_fields = ("code", "name_vi", "name_en")
    fields = ("code", "name")

    def save_model(self, request: HttpRequest, obj: Field, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        services.field_changed(obj)  # the field's name is searched and shown on pages

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return _editor(request) and (obj is None or not obj.procedures.exists())


# --- Document types (paper once) ---------------------------------------------------------


@admin.register(DocumentType)
class DocumentTypeAdmin(CatalogueAccessMixin, LocalTabbedTranslationAdmin):
    """Kinds of paper several procedures ask for: a paper of a type already in a citizen's
    store (and still valid) is reused instead of being handed in again."""

    list_display = ("code", "name", "validity_months")
    search_fields = ("code", "name_vi", "name_en")
    fields = ("code", "name", "validity_months")

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        # The code is in catalogue files and in citizens' stores: it does not change.
        return ("code",) if obj is not None else ()


# --- Procedures ---------------------------------------------------------------------------


class PartInline(CatalogueAccessMixin):
    extra = 0
    formfield_overrides = SHORT_TEXT


class StepInline(PartInline, TranslationTabularInline):
    model = ProcedureStep
    fields = ("position", "text")


class DocumentInline(PartInline, TranslationTabularInline):
    model = ProcedureDocument
    fields = ("position", "name", "originals", "copies", "required", "form", "doc_type")


class FeeInline(PartInline, TranslationTabularInline):
    model = ProcedureFee
    fields = ("position", "name", "amount_vnd", "note")


class LegalDocumentInline(PartInline, TranslationStackedInline):
    model = LegalDocument
    fields = (("position", "number", "issued"), "title", "issuer")


@admin.register(Procedure)
class ProcedureAdmin(CatalogueAccessMixin, HistoryAdmin, LocalTabbedTranslationAdmin):
    form = ProcedureAdminForm
    inlines = [StepInline, DocumentInline, FeeInline, LegalDocumentInline]
    list_display = ("code", "name", "field", "status_label", "updated_on")
    list_display_links = ("code", "name")
    list_filter = ("status", "level", "field", "online_level")
    list_select_related = ("field",)
    search_fields = ("code", "name_vi", "name_en")
    search_help_text = gettext_lazy("Tìm theo mã hoặc tên thủ tục, có dấu hay không dấu.")
    list_per_page = 50
    save_on_top = True
    formfield_overrides = SHORT_TEXT
    object_history_template = "admin/procedures/procedure/object_history.html"
    fieldsets = (
        (None, {"fields": ("code", "name", "field", "level", "status", "replaced_by")}),
        (
            gettext_lazy("Cách thức và thời hạn"),
            {
                "fields": (
                    "channels",
                    "online_level",
                    ("processing_days", "same_day"),
                    "processing_note",
                )
            },
        ),
        (
            gettext_lazy("Đối tượng, điều kiện, kết quả"),
            {"fields": ("description", "eligibility", "requirements", "result", "result_type")},
        ),
        (gettext_lazy("Ghi chú thay đổi"), {"fields": ("change_reason", "popularity")}),
    )
    actions = ["publish_selected", "restore_selected"]

    # Status and successor change only through the workflow services; the code is the
    # procedure's key for ever (it is in every printed QR code).
    def get_readonly_fields(self, request: HttpRequest, obj=None):
        readonly = ["status", "replaced_by"]
        if obj is not None:
            readonly.insert(0, "code")
        if not _editor(request):
            readonly.append("channels_text")
        return readonly

    def get_fieldsets(self, request: HttpRequest, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if _editor(request):
            return fieldsets
        # Readers get the page read-only: channels in words, no change-note field.
        shown = []
        for name, options in fieldsets:
            fields = [
                "channels_text" if field == "channels" else field
                for field in options["fields"]
                if field != "change_reason"
            ]
            shown.append((name, {**options, "fields": fields}))
        return shown

    @admin.display(description=gettext_lazy("Cách thức thực hiện"))
    def channels_text(self, obj: Procedure) -> str:
        return "; ".join(str(Channel(c).label) for c in obj.channels if c in Channel.values)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        # Only drafts: a published or archived procedure has QR codes out in the world.
        return _editor(request) and (obj is None or obj.status == Status.DRAFT)

    def get_actions(self, request: HttpRequest):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # would delete published procedures too
        if not _editor(request):
            actions.pop("publish_selected", None)
            actions.pop("restore_selected", None)
        return actions

    @admin.display(description=gettext_lazy("trạng thái"), ordering="status")
    def status_label(self, obj: Procedure) -> str:
        colours = {Status.DRAFT: "#8a6d00", Status.PUBLISHED: "#1b6e2d", Status.ARCHIVED: "#666"}
        return format_html(
            '<strong style="color:{}">{}</strong>',
            colours.get(obj.status, "#000"),
            obj.get_status_display(),
        )

    @admin.display(description=gettext_lazy("cập nhật"), ordering="updated_at")
    def updated_on(self, obj: Procedure) -> str:
        return f"{timezone.localtime(obj.updated_at):%d/%m/%Y}"

    def get_search_results(self, request: HttpRequest, queryset, search_term: str):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        words = fold(search_term).split()
        if words:
            folded = queryset
            for word in words:
                folded = folded.filter(search_text__contains=word)
            results = results | folded
        if request.GET.get("model_name") == "unitprocedure":
            # Autocomplete on the offering form: a unit offers published procedures only.
            results = results.filter(status=Status.PUBLISHED)
        return results, may_have_duplicates

    def save_model(self, request: HttpRequest, obj: Procedure, form, change: bool) -> None:
        reason = form.cleaned_data.get("change_reason")
        if reason:
            obj._change_reason = reason
        super().save_model(request, obj, form, change)  # records request.user in history

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        # Inside the admin's transaction, after the inlines: search text, revision, cache.
        services.procedure_changed(form.instance)

    def history_view(self, request: HttpRequest, object_id: str, extra_context=None):
        extra_context = {**(extra_context or {}), "part_history": _part_history(object_id)}
        return super().history_view(request, object_id, extra_context)

    # --- Extra pages ----------------------------------------------------------------------

    def get_urls(self):
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        wrap = self.admin_site.admin_view
        return [
            path("import/", wrap(self.import_view), name=f"{prefix}_import"),
            path("export/", wrap(self.export_view), name=f"{prefix}_export"),
            path("<path:object_id>/preview/", wrap(self.preview_view), name=f"{prefix}_preview"),
            path("<path:object_id>/poster/", wrap(self.poster_view), name=f"{prefix}_poster"),
            path("<path:object_id>/publish/", wrap(self.publish_view), name=f"{prefix}_publish"),
            path("<path:object_id>/archive/", wrap(self.archive_view), name=f"{prefix}_archive"),
            path("<path:object_id>/restore/", wrap(self.restore_view), name=f"{prefix}_restore"),
            *super().get_urls(),
        ]

    def _url(self, name: str, *args) -> str:
        return reverse(f"admin:procedures_procedure_{name}", args=args)

    def change_view(self, request: HttpRequest, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        workflow = []
        if _editor(request):
            labels = {
                services.PUBLISH: _("Công bố"),
                services.ARCHIVE: _("Bãi bỏ / thay thế…"),
                services.RESTORE: _("Khôi phục"),
            }
            for action in (services.PUBLISH, services.ARCHIVE, services.RESTORE):
                if (obj.status, action) in services.TRANSITIONS:
                    workflow.append(
                        {
                            "label": labels[action],
                            "url": self._url(action, obj.pk),
                            "post": action != services.ARCHIVE,
                        }
                    )
        extra_context = {
            **(extra_context or {}),
            "workflow_actions": workflow,
            "preview_url": self._url("preview", obj.pk),
            "poster_url": self._url("poster", obj.pk) if obj.status != Status.DRAFT else None,
            "public_url": reverse("procedures:detail", args=[obj.code])
            if obj.status != Status.DRAFT
            else None,
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def changelist_view(self, request: HttpRequest, extra_context=None):
        extra_context = {**(extra_context or {}), "catalogue_editor": _editor(request)}
        return super().changelist_view(request, extra_context)

    def _run(self, request: HttpRequest, obj: Procedure, service, done: str, **kwargs) -> bool:
        """Call a workflow service; its refusal becomes an admin message, not an error page."""
        try:
            service(obj, user=request.user, **kwargs)
        except (services.WorkflowError, PermissionDenied) as exc:
            self.message_user(request, f"{obj.code}: {exc}", messages.ERROR)
            return False
        self.message_user(request, done % {"code": obj.code}, messages.SUCCESS)
        return True

    def publish_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return self._workflow_post(
            request, object_id, services.publish_procedure, _("Đã công bố thủ tục %(code)s.")
        )

    def restore_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return self._workflow_post(
            request, object_id, services.restore_procedure, _("Đã khôi phục thủ tục %(code)s.")
        )

    def _workflow_post(self, request, object_id, service, done) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        obj = self.get_object(request, unquote(object_id))
        if not _editor(request):
            raise PermissionDenied
        self._run(request, obj, service, done)
        return HttpResponseRedirect(self._url("change", obj.pk))

    def archive_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        obj = self.get_object(request, unquote(object_id))
        if not _editor(request):
            raise PermissionDenied
        form = ArchiveForm(request.POST or None, procedure=obj)
        if request.method == "POST" and form.is_valid():
            successor = form.cleaned_data["successor"]
            if self._run(
                request,
                obj,
                services.archive_procedure,
                _("Đã bãi bỏ thủ tục %(code)s."),
                successor=successor,
            ):
                return HttpResponseRedirect(self._url("change", obj.pk))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": obj,
            "form": form,
            "title": _("Bãi bỏ / thay thế thủ tục %(code)s") % {"code": obj.code},
            "allowed": (obj.status, services.ARCHIVE) in services.TRANSITIONS,
        }
        return render(request, "admin/procedures/procedure/archive.html", context)

    def preview_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The public page of the procedure as a citizen would see it, drafts included,
        for staff only (the public view serves published and archived ones)."""
        obj = self.get_object(request, unquote(object_id))
        if not self.has_view_permission(request, obj):
            raise PermissionDenied
        procedure = (
            Procedure.objects.select_related("field", "replaced_by")
            .prefetch_related("steps", "fees", "documents", "legal_basis")
            .get(pk=obj.pk)
        )
        unit = access.visible_units(request.user).filter(code=request.GET.get("unit") or "").first()
        return render_preview(request, procedure, unit)

    def poster_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        from . import posters

        obj = self.get_object(request, unquote(object_id))
        if not self.has_view_permission(request, obj):
            raise PermissionDenied
        if obj.status == Status.DRAFT:
            self.message_user(
                request,
                _("Thủ tục chưa công bố: mã QR trên áp phích sẽ chưa mở được."),
                messages.ERROR,
            )
            return HttpResponseRedirect(self._url("change", obj.pk))
        unit = access.visible_units(request.user).filter(code=request.GET.get("unit") or "").first()
        pdf = posters.procedure_poster_pdf(obj, unit=unit)
        return _attachment(pdf, "application/pdf", posters.poster_filename(obj, unit))

    def import_view(self, request: HttpRequest) -> HttpResponse:
        """Upload a catalogue file (tthc-catalogue/1). All or nothing: on any problem
        nothing changes and every problem is listed."""
        from . import catalogue

        if not _editor(request):
            raise PermissionDenied
        problems: list[str] = []
        form = CatalogueImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                with transaction.atomic():
                    result = catalogue.import_catalogue(
                        form.cleaned_data["file"], user=request.user
                    )
            except catalogue.CatalogueError as exc:
                problems = [str(problem) for problem in exc.problems] or [str(exc)]
            else:
                self.message_user(
                    request,
                    _(
                        "Đã nhập danh mục: %(created)d thủ tục mới, %(updated)d thủ tục cập nhật, "
                        "%(unchanged)d thủ tục không đổi."
                    )
                    % {
                        "created": len(result.created),
                        "updated": len(result.updated),
                        "unchanged": len(getattr(result, "unchanged", [])),
                    },
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(self._url("changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "form": form,
            "problems": problems,
            "title": _("Nhập danh mục thủ tục"),
        }
        return render(request, "admin/procedures/procedure/import.html", context)

    def export_view(self, request: HttpRequest) -> HttpResponse:
        from . import catalogue

        if not _editor(request):
            raise PermissionDenied
        body = catalogue.dumps(catalogue.export_catalogue())
        filename = f"danh-muc-tthc-{timezone.localdate():%Y%m%d}.json"
        return _attachment(body, "application/json; charset=utf-8", filename)

    # --- Actions --------------------------------------------------------------------------

    @admin.action(description=gettext_lazy("Công bố các thủ tục đã chọn"))
    def publish_selected(self, request: HttpRequest, queryset) -> None:
        for obj in queryset:
            self._run(request, obj, services.publish_procedure, _("Đã công bố thủ tục %(code)s."))

    @admin.action(description=gettext_lazy("Khôi phục các thủ tục đã chọn"))
    def restore_selected(self, request: HttpRequest, queryset) -> None:
        for obj in queryset:
            self._run(request, obj, services.restore_procedure, _("Đã khôi phục thủ tục %(code)s."))


PART_MODELS = (
    (ProcedureStep, gettext_lazy("Bước thực hiện")),
    (ProcedureDocument, gettext_lazy("Thành phần hồ sơ")),
    (ProcedureFee, gettext_lazy("Phí, lệ phí")),
    (LegalDocument, gettext_lazy("Căn cứ pháp lý")),
)
PART_HISTORY_LIMIT = 200


def _part_history(object_id: str) -> list[dict]:
    """Changes to a procedure's steps, documents, fees and legal basis (each has its own
    history table), newest first, for the procedure's history page."""
    try:
        procedure_id = int(object_id)
    except (TypeError, ValueError):
        return []
    rows = chain.from_iterable(
        (
            {"record": record, "part": label}
            for record in model.history.filter(procedure_id=procedure_id)
            .select_related("history_user")
            .order_by("-history_date")[:PART_HISTORY_LIMIT]
        )
        for model, label in PART_MODELS
    )
    ordered = sorted(rows, key=lambda row: row["record"].history_date, reverse=True)
    return ordered[:PART_HISTORY_LIMIT]


def render_preview(request: HttpRequest, procedure: Procedure, unit) -> HttpResponse:
    """Render the public page template for any procedure (drafts too), marked as preview."""
    offering = selectors.unit_offering(unit, procedure) if unit is not None else None
    path = reverse("procedures:detail", args=[procedure.code])
    if unit is not None:
        path += f"?unit={unit.code}"
    # The same context the public view gives the template (procedures.views).
    context = {
        "procedure": procedure,
        "archived": procedure.status == Status.ARCHIVED,
        "channels": [Channel(c).label for c in procedure.channels if c in Channel.values],
        "unit": unit,
        "offering": offering,
        "page_path": path,
        "page_url": settings.SITE_URL + path,
        "preview": True,
    }
    html = render_to_string("procedures/detail.html", context, request=request)
    banner = render_to_string(
        "admin/procedures/procedure/preview_banner.html", {"procedure": procedure}, request=request
    )
    # The banner goes right after <body>, so the page below it is exactly the public one.
    head, sep, rest = html.partition("<body")
    if sep:
        tag_end = rest.index(">") + 1
        html = head + sep + rest[:tag_end] + banner + rest[tag_end:]
    else:
        html = banner + html
    response = HttpResponse(html)  # admin_view marks it never_cache
    response["X-Robots-Tag"] = "noindex"
    return response


def _attachment(body: bytes | str, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- A unit's offering ---------------------------------------------------------------------


class LocalFormInline(TranslationTabularInline):
    model = LocalForm
    form = LocalFormAdminForm
    extra = 0
    fields = ("position", "title", "file")

    # `obj` is the offering the forms belong to.
    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return access.can_use_admin(request.user)

    def _can_edit(self, request: HttpRequest, obj) -> bool:
        if not access.can_use_admin(request.user):
            return False
        if obj is None:
            return access.editable_units(request.user).exists()
        return access.can_edit_unit(request.user, obj.unit)

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return self._can_edit(request, obj)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return self._can_edit(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return self._can_edit(request, obj)


@admin.register(UnitProcedure)
class UnitProcedureAdmin(AccessAdminMixin, HistoryAdmin, LocalTabbedTranslationAdmin):
    """Which procedures a unit's desk receives, and the desk's local details."""

    inlines = [LocalFormInline]
    list_display = ("procedure", "unit", "counter", "hours", "is_active")
    list_filter = ("is_active", ("unit", admin.RelatedOnlyFieldListFilter))
    search_fields = ("procedure__code", "procedure__name_vi", "procedure__name_en", "unit__code")
    list_select_related = ("unit", "procedure")
    autocomplete_fields = ("procedure",)
    fields = ("unit", "procedure", "counter", "contact", "hours", "local_notes", "is_active")
    formfield_overrides = {models.TextField: {"widget": Textarea(attrs={"rows": 3, "cols": 60})}}
    actions = ["print_poster", "print_booklet"]

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).filter(unit__in=access.visible_units(request.user))

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        user = request.user
        if not access.can_use_admin(user):
            return False
        return obj is None or access.visible_units(user).filter(pk=obj.unit_id).exists()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return access.can_use_admin(request.user) and access.editable_units(request.user).exists()

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        user = request.user
        if not access.can_use_admin(user):
            return False
        if obj is None:
            return access.editable_units(user).exists()
        return access.can_edit_unit(user, obj.unit)

    has_delete_permission = has_change_permission

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        # An offering belongs to its unit and procedure; to move it, add another.
        return ("unit", "procedure") if obj is not None else ()

    def get_changeform_initial_data(self, request: HttpRequest) -> dict:
        initial = super().get_changeform_initial_data(request)
        units = list(access.editable_units(request.user)[:2])
        if len(units) == 1:
            initial.setdefault("unit", units[0].pk)
        return initial

    def get_form(self, request: HttpRequest, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if "unit" in form.base_fields:
            field = form.base_fields["unit"]
            field.queryset = access.editable_units(request.user)
            if field.queryset.count() == 1:
                field.empty_label = None
        if "procedure" in form.base_fields:
            form.base_fields["procedure"].queryset = Procedure.objects.published()
        return form

    def save_model(self, request: HttpRequest, obj: UnitProcedure, form, change: bool) -> None:
        # The form offers only the user's units; refuse anything else even so.
        if not access.can_edit_unit(request.user, obj.unit):
            raise PermissionDenied
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        services.offering_changed(form.instance)

    def delete_model(self, request: HttpRequest, obj: UnitProcedure) -> None:
        super().delete_model(request, obj)
        services.offering_changed(obj)

    def delete_queryset(self, request: HttpRequest, queryset) -> None:
        offerings = list(queryset.select_related("procedure"))
        for offering in offerings:
            if not access.can_edit_unit(request.user, offering.unit):
                raise PermissionDenied
        super().delete_queryset(request, queryset)
        for offering in offerings:
            services.offering_changed(offering)

    def history_view(self, request: HttpRequest, object_id: str, extra_context=None):
        self.get_object(request, unquote(object_id))  # 404 outside the user's units
        return super().history_view(request, object_id, extra_context)

    def change_view(self, request: HttpRequest, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        poster = reverse("admin:procedures_procedure_poster", args=[obj.procedure_id])
        extra_context = {
            **(extra_context or {}),
            "poster_url": f"{poster}?unit={obj.unit.code}",
            "preview_url": reverse("admin:procedures_procedure_preview", args=[obj.procedure_id])
            + f"?unit={obj.unit.code}",
        }
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.action(description=gettext_lazy("In áp phích QR của thủ tục đã chọn"))
    def print_poster(self, request: HttpRequest, queryset):
        from . import posters

        offerings = list(queryset.select_related("unit", "procedure")[:2])
        if len(offerings) != 1:
            self.message_user(request, _("Chọn đúng một thủ tục để in áp phích."), messages.ERROR)
            return None
        offering = offerings[0]
        if offering.procedure.status == Status.DRAFT:
            self.message_user(request, _("Thủ tục chưa công bố."), messages.ERROR)
            return None
        pdf = posters.procedure_poster_pdf(offering.procedure, unit=offering.unit)
        return _attachment(
            pdf, "application/pdf", posters.poster_filename(offering.procedure, offering.unit)
        )

    @admin.action(description=gettext_lazy("In tập áp phích QR của đơn vị"))
    def print_booklet(self, request: HttpRequest, queryset):
        from . import posters

        units = {offering.unit for offering in queryset.select_related("unit")}
        if len(units) != 1:
            self.message_user(
                request,
                _("Chọn các thủ tục của đúng một đơn vị để in tập áp phích."),
                messages.ERROR,
            )
            return None
        (unit,) = units
        if not posters.booklet_procedures(unit):
            self.message_user(
                request,
                _("Đơn vị chưa có thủ tục đã công bố nào đang tiếp nhận."),
                messages.WARNING,
            )
            return None
        return _attachment(
            posters.unit_booklet_pdf(unit), "application/pdf", f"ap-phich-{unit.code}.pdf"
        )

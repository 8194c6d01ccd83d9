"""Staff admin of notifications: the messages sent and failed, and the message templates.

Province admins only (portal.access). Messages are read-only: their status changes through
the services (the "retry now" action), never through a form. Templates are checked when
saved (declared placeholders only, one SMS long) and can be previewed with sample values
before they are saved.
"""

from __future__ import annotations

import json
import re

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _, gettext_lazy, ngettext
from simple_history.admin import SimpleHistoryAdmin

from portal import access
from portal.admin import AccessAdminMixin

from . import rendering, services
from .models import (
    Channel,
    DeliveryAttempt,
    MessageTemplate,
    Notification,
    TemplateKey,
)


def _allowed(request: HttpRequest) -> bool:
    return access.can_use_admin(request.user) and access.is_province_admin(request.user)


class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    fields = ("number", "outcome", "started_at", "finished_at", "error", "provider_message_id")
    readonly_fields = fields
    ordering = ("number", "started_at")

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return _allowed(request)

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(AccessAdminMixin, admin.ModelAdmin):
    list_display = (
        "created_at",
        "channel",
        "recipient",
        "template_key",
        "status",
        "attempts",
        "subject_ref",
        "sent_at",
        "short_error",
    )
    list_filter = (
        "status",
        "channel",
        ("created_at", admin.DateFieldListFilter),
        "permanent_failure",
        "template_key",
    )
    search_fields = ("recipient", "subject_ref", "dedup_key", "provider_message_id")
    date_hierarchy = "created_at"
    list_per_page = 50
    show_full_result_count = False  # the outbox grows: no COUNT(*) of the whole table
    actions = ["retry_now"]
    inlines = [DeliveryAttemptInline]
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "id",
                    "status",
                    "channel",
                    "recipient",
                    "template_key",
                    "language",
                    "subject_ref",
                    "dedup_key",
                )
            },
        ),
        (gettext_lazy("Nội dung"), {"fields": ("subject", "shown_body", "shown_payload")}),
        (
            gettext_lazy("Gửi"),
            {
                "fields": (
                    "attempts",
                    "max_attempts",
                    "next_attempt_at",
                    "claimed_at",
                    "sent_at",
                    "failed_at",
                    "permanent_failure",
                    "last_error",
                    "provider_message_id",
                    "created_at",
                )
            },
        ),
    )

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        return [f for fieldset in self.fieldsets for f in fieldset[1]["fields"]]

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return _allowed(request)

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return _allowed(request)

    # One-time codes are shown only to their recipient: an admin who could read them here
    # could ask for a citizen's password reset and take over the account.
    SECRET_TEMPLATES = frozenset({TemplateKey.ACCOUNT_CODE, TemplateKey.PASSWORD_RESET_CODE})

    def _shown(self, obj: Notification, text: str) -> str:
        if obj.template_key in self.SECRET_TEMPLATES:
            return re.sub(r"\d{6}", "******", text)
        return text

    @admin.display(description=Notification._meta.get_field("body").verbose_name)
    def shown_body(self, obj: Notification) -> str:
        return self._shown(obj, obj.body)

    @admin.display(description=Notification._meta.get_field("payload").verbose_name)
    def shown_payload(self, obj: Notification) -> str:
        return self._shown(obj, json.dumps(obj.payload or {}, ensure_ascii=False, default=str))

    @admin.display(description=gettext_lazy("Lỗi gần nhất"))
    def short_error(self, obj: Notification) -> str:
        return (obj.last_error or "")[:80]

    @admin.action(
        description=gettext_lazy("Gửi lại ngay các thông báo thất bại đã chọn"),
        permissions=["retry"],
    )
    def retry_now(self, request: HttpRequest, queryset) -> None:
        retried = skipped = 0
        for notification in queryset:
            if services.retry_now(notification, user=request.user):
                retried += 1
            else:
                skipped += 1
        if retried:
            self.message_user(
                request,
                ngettext(
                    "Đã xếp %(n)d thông báo vào hàng gửi lại.",
                    "Đã xếp %(n)d thông báo vào hàng gửi lại.",
                    retried,
                )
                % {"n": retried},
                messages.SUCCESS,
            )
        if skipped:
            self.message_user(
                request,
                _("%(n)d thông báo không ở trạng thái thất bại nên không gửi lại.")
                % {"n": skipped},
                messages.WARNING,
            )


@admin.register(MessageTemplate)
class MessageTemplateAdmin(AccessAdminMixin, SimpleHistoryAdmin):
    list_display = ("key", "channel", "language", "subject", "updated_at")
    list_filter = ("key", "channel", "language")
    search_fields = ("subject", "body")
    fields = ("key", "channel", "language", "placeholders_help", "subject", "body", "preview")
    readonly_fields = ("placeholders_help", "preview")

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return _allowed(request)

    def has_add_permission(self, request: HttpRequest, *args) -> bool:
        return _allowed(request)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return _allowed(request)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        # Deleting a template brings back the built-in wording.
        return _allowed(request)

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}_preview"
        return [
            path("preview/", self.admin_site.admin_view(self.preview_view), name=name),
            *super().get_urls(),
        ]

    def render_change_form(self, request, context, *args, **kwargs):
        context["preview_url"] = reverse("admin:notifications_messagetemplate_preview")
        return super().render_change_form(request, context, *args, **kwargs)

    @admin.display(description=gettext_lazy("Biến dùng được"))
    def placeholders_help(self, obj: MessageTemplate | None):
        keys = [obj.key] if obj and obj.key else list(TemplateKey.values)
        blocks = []
        for key in keys:
            rows = format_html_join(
                "",
                "<li><code>{{{{ {} }}}}</code> {}{}</li>",
                (
                    (
                        name,
                        spec.description,
                        f" ({', '.join(f'{name}.{f}' for f in spec.fields)})"
                        if spec.fields
                        else "",
                    )
                    for name, spec in rendering.placeholders(key).items()
                ),
            )
            blocks.append(
                format_html("<p><strong>{}</strong></p><ul>{}</ul>", TemplateKey(key).label, rows)
            )
        return format_html_join("", "{}", ((block,) for block in blocks))

    @admin.display(description=gettext_lazy("Xem trước (dữ liệu mẫu)"))
    def preview(self, obj: MessageTemplate | None):
        if obj is None or obj.pk is None:
            return _("Bấm “Xem trước” để xem thông báo với dữ liệu mẫu trước khi lưu.")
        result = _preview(obj.key, obj.channel, obj.language, obj.subject, obj.body)
        return format_html(
            "{}<pre style='white-space:pre-wrap'>{}</pre>{}",
            format_html("<p><strong>{}</strong></p>", result["subject"])
            if result["subject"]
            else "",
            result["body"],
            result["note"],
        )

    def preview_view(self, request: HttpRequest) -> HttpResponse:
        """The template as submitted in the form (not saved), rendered with sample values."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        data = request.POST if request.method == "POST" else request.GET
        key = data.get("key", "")
        channel = data.get("channel", "")
        language = data.get("language", "vi")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Xem trước thông báo"),
            "errors": [],
            "result": None,
        }
        if key not in TemplateKey.values or channel not in Channel.values:
            context["errors"] = [_("Hãy chọn mẫu và kênh.")]
        else:
            subject, body = data.get("subject", ""), data.get("body", "")
            try:
                rendering.validate_template(
                    key, channel, subject=subject, body=body, language=language
                )
            except ValidationError as exc:
                context["errors"] = [m for ms in exc.message_dict.values() for m in ms]
            context["result"] = _preview(key, channel, language, subject, body)
        return TemplateResponse(
            request, "admin/notifications/messagetemplate/preview.html", context
        )


def _preview(key: str, channel: str, language: str, subject: str, body: str) -> dict:
    if rendering.check_source(key, subject) or rendering.check_source(key, body):
        return {"subject": "", "body": "", "note": ""}
    rendered = rendering.render_source(
        key, channel, language, subject, body, rendering.sample_context(key)
    )
    note = ""
    if channel == Channel.SMS:
        note = format_html(
            "<p>{}</p>",
            _("%(length)d ký tự, %(segments)d tin SMS (không dấu).")
            % {
                "length": rendering.gsm_length(rendered.body),
                "segments": rendering.sms_segments(rendered.body),
            },
        )
    return {"subject": rendered.subject, "body": rendered.body, "note": note}

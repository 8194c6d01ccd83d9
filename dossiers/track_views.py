"""`/track`: a citizen follows their dossier with its code and the phone number or ID number
given at reception. A plain form (no JavaScript); the receipt's QR code opens it with the
code filled in (`/track?code=...`)."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _, gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from . import tracking


class TrackForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Mã hồ sơ"),
        max_length=tracking.CODE_MAX_LENGTH,
        help_text=gettext_lazy("In trên giấy tiếp nhận hồ sơ, ví dụ 000.00.23.H56-261128-0012"),
        error_messages={"required": gettext_lazy("Nhập mã hồ sơ.")},
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )
    factor = forms.CharField(
        label=gettext_lazy("Số điện thoại hoặc số định danh (CCCD)"),
        max_length=tracking.FACTOR_MAX_LENGTH,
        help_text=gettext_lazy("Số đã khai khi nộp hồ sơ"),
        error_messages={"required": gettext_lazy("Nhập số điện thoại hoặc số định danh.")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}),
    )

    def clean_code(self) -> str:
        return tracking.normalise_code(self.cleaned_data["code"])


def _page(request: HttpRequest, context: dict, status: int = 200) -> HttpResponse:
    code = context.get("code") or ""
    # The language links lead back to the form with the code, never to the POST.
    context["page_path"] = reverse("tracking:track") + (
        "?" + urlencode({"code": code}) if code else ""
    )
    response = render(request, "dossiers/track.html", context, status=status)
    return response


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def track(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        code = tracking.normalise_code(request.GET.get("code", ""))
        form = TrackForm(initial={"code": code})
        if code:  # from the receipt's QR code: only the second factor is left to type
            form.fields["factor"].widget.attrs["autofocus"] = True
        return _page(request, {"form": form, "code": code})

    limit = tracking.check_limit(request)
    if limit.limited:
        form = TrackForm(initial={"code": tracking.normalise_code(request.POST.get("code", ""))})
        minutes = max(1, (limit.retry_after + 59) // 60)
        response = _page(
            request,
            {
                "form": form,
                "too_many": _(
                    "Ông/bà đã tra cứu sai quá nhiều lần. Vui lòng thử lại sau %(minutes)s phút."
                )
                % {"minutes": minutes},
            },
            status=429,
        )
        response["Retry-After"] = str(limit.retry_after)
        return response

    form = TrackForm(request.POST)
    if not form.is_valid():
        return _page(request, {"form": form}, status=400)
    code = form.cleaned_data["code"]
    factor = form.cleaned_data["factor"]
    # One box for both factors: it opens the dossier if it is either of them.
    result = tracking.track(code, phone=factor, id_number=factor)
    if result is None:
        tracking.record_failure(request)
        # The second factor is not written back into the page.
        form = TrackForm(initial={"code": code})
        return _page(request, {"form": form, "code": code, "not_found": True}, status=404)
    return _page(
        request, {"form": TrackForm(initial={"code": code}), "code": code, "result": result}
    )

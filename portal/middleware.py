"""Request middleware of the portal."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import translation


class AdminLanguageMiddleware:
    """The staff admin speaks Vietnamese unless the user picked a language with the
    language links (the cookie). A counter PC with an English browser would otherwise get
    an English admin whose translation tabs open on the English column, and Vietnamese text
    typed there would land in the `_en` fields. Goes after LocaleMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.prefix: str | None = None

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self.prefix is None:
            self.prefix = reverse("admin:index")
        if request.path.startswith(self.prefix) and (
            settings.LANGUAGE_COOKIE_NAME not in request.COOKIES
        ):
            translation.activate(settings.LANGUAGE_CODE)
            request.LANGUAGE_CODE = settings.LANGUAGE_CODE
        return self.get_response(request)

"""Request middleware of the portal."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils import translation


class VietnameseFirstMiddleware:
    """Pages speak Vietnamese unless the visitor picked English with the language links
    (the cookie): the browser's own language is not asked. A citizen whose cheap phone is
    set to English still reads the portal in Vietnamese, as at the counter; and a counter PC
    with an English browser would otherwise get an English admin whose translation tabs open
    on the English column, so Vietnamese typed there would land in the `_en` fields.
    The API keeps Accept-Language (clients ask for what they parse). Goes after
    LocaleMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.api_prefix = "/api/"

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(self.api_prefix) and (
            settings.LANGUAGE_COOKIE_NAME not in request.COOKIES
        ):
            translation.activate(settings.LANGUAGE_CODE)
            request.LANGUAGE_CODE = settings.LANGUAGE_CODE
        return self.get_response(request)


class RejectNulMiddleware:
    """A NUL character in the path or the query string is answered 400 at once: PostgreSQL
    refuses it in a text parameter (DataError), so a lookup by a code typed in the URL
    (/account/dossiers/%00/) would otherwise end in a 500. Form fields already refuse it
    in posted data (ProhibitNullCharactersValidator). The API is left alone: its serializers
    and filters answer such values with their own JSON 400 / 404 (tests/procedures)."""

    api_prefix = "/api/"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(self.api_prefix):
            return self.get_response(request)
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or "%00" in query or "\x00" in query:
            return HttpResponseBadRequest(
                "Bad request: NUL character in the address.", content_type="text/plain"
            )
        return self.get_response(request)

"""The portal's URLs plus `/bench/bare`, the yardstick the procedure page is measured against."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from portal.urls import (
    handler404,  # noqa: F401
    urlpatterns as portal_urlpatterns,
)


def bare(request: HttpRequest) -> HttpResponse:
    """The cheapest Django view: same middleware and server as the page, no database."""
    return HttpResponse("ok", content_type="text/plain")


# Last, so that it pays the same URL resolution as the page (which comes last too).
urlpatterns = [*portal_urlpatterns, path("bench/bare", bare)]

"""Shared API helpers: one exception handler for every DRF view.

Every error answers JSON: DRF's own errors keep DRF's shapes (`{"detail": "..."}`, or
`{"param": ["..."]}` for validation errors); Django's ValidationError and PermissionDenied
and Http404 are turned into DRF's; a database DataError (a value the database refuses, for
instance a NUL byte or an integer out of range that slipped past validation) is a 400;
anything else is logged like Django logs a 500 and answers `{"detail": ...}` with 500,
unless DEBUG is on, where Django's debug page is more useful.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler

logger = logging.getLogger("django.request")


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, DataError):
        exc = exceptions.ValidationError({"detail": _("Tham số không hợp lệ.")})
    response = drf_exception_handler(exc, context)
    if response is not None or settings.DEBUG:
        return response
    request = context.get("request")
    logger.error(
        "Internal Server Error: %s",
        getattr(request, "path", "?"),
        exc_info=(type(exc), exc, exc.__traceback__),
        extra={"status_code": 500, "request": getattr(request, "_request", request)},
    )
    return Response(
        {"detail": _("Lỗi máy chủ. Vui lòng thử lại sau.")},
        status=status.HTTP_500_INTERNAL_SERVER_ERROR,
    )

"""Shared API helpers."""

from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    """DRF's handler; every error it handles already has a JSON body."""
    return drf_exception_handler(exc, context)

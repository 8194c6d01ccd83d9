"""Responses of pages that belong to one person (an account, a dossier, the desk): never
kept by a shared cache or the browser's back-forward cache."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-store"
    return response


def private_page(
    request: HttpRequest, template: str, context: dict | None = None, status: int = 200
) -> HttpResponse:
    """render(), marked private and not to be stored."""
    return no_store(render(request, template, context or {}, status=status))

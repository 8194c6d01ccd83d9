"""The refusal every service raises (dossiers, feedback): a message for people, the HTTP
status the API or page answers, and the form fields at fault."""

from __future__ import annotations


class ServiceError(Exception):
    """A refused action. `status_code` is what the API (or the page) answers; `errors` maps
    form fields to messages."""

    status_code = 400

    def __init__(self, message: str, errors: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}

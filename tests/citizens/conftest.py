"""Helpers for the citizen account tests: codes are read from the outbox rows, as a phone
or a mailbox would receive them."""

from __future__ import annotations

import re

import pytest

from notifications.models import Notification

PASSWORD = "Mat-khau-rat-kho-2026"


def last_code(recipient_contains: str = "", template_key: str = "") -> str:
    messages = Notification.objects.order_by("-created_at", "-pk")
    if template_key:
        messages = messages.filter(template_key=template_key)
    if recipient_contains:
        messages = messages.filter(recipient__contains=recipient_contains)
    message = messages.first()
    assert message is not None, "no code was sent"
    return re.search(r"\b(\d{6})\b", message.body).group(1)


def signup_data(**overrides) -> dict:
    data = {
        "full_name": "Trần Thị Bình",
        "phone": "0987 654 321",
        "email": "",
        "id_number": "",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    data.update(overrides)
    return data


@pytest.fixture
def signed_up(client, db):
    """A citizen who filled in the sign-up form (code sent, not entered yet)."""
    response = client.post("/account/signup/", signup_data())
    assert response.status_code == 302, response.content.decode()
    return client

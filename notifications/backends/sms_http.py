"""SMS through a brandname gateway's HTTP API (the way Vietnamese SMS gateways work).

Everything provider-specific is a setting:
- NOTIFY_SMS_URL: the endpoint (POST, JSON body).
- NOTIFY_SMS_PAYLOAD: the JSON body, where these string values are replaced:
  "$phone" (84xxxxxxxxx), "$phone_local" (0xxxxxxxxx), "$message", "$brandname", "$id"
  (the notification id, also the idempotency key), "$username", "$password".
- NOTIFY_SMS_USERNAME / NOTIFY_SMS_PASSWORD: HTTP basic auth when a username is set;
  NOTIFY_SMS_TOKEN: "Authorization: Bearer <token>" when set.
- NOTIFY_SMS_IDEMPOTENCY_HEADER: header that carries the notification id.
- NOTIFY_SMS_ID_FIELD: dotted path of the provider's message id in the JSON answer.
Classification of answers: notifications/backends/http.py.
"""

from __future__ import annotations

import json

from django.conf import settings

from . import TemporaryFailure
from .http import dig, json_body, post_json


def local_phone(phone: str) -> str:
    return "0" + phone[2:] if phone.startswith("84") else phone


def build_payload(template: str, values: dict[str, str]):
    """The configured JSON with "$name" string values replaced (never string formatting:
    a message containing quotes or braces cannot break the JSON)."""

    def replace(node):
        if isinstance(node, dict):
            return {key: replace(value) for key, value in node.items()}
        if isinstance(node, list):
            return [replace(value) for value in node]
        if isinstance(node, str) and node.startswith("$") and node[1:] in values:
            return values[node[1:]]
        return node

    return replace(json.loads(template))


class SmsHttpBackend:
    def send(self, notification) -> str:
        url = settings.NOTIFY_SMS_URL
        if not url:
            raise TemporaryFailure("NOTIFY_SMS_URL is not set")
        values = {
            "phone": notification.recipient,
            "phone_local": local_phone(notification.recipient),
            "message": notification.body,
            "brandname": settings.NOTIFY_SMS_BRANDNAME,
            "id": str(notification.id),
            "username": settings.NOTIFY_SMS_USERNAME,
            "password": settings.NOTIFY_SMS_PASSWORD,
        }
        try:
            payload = build_payload(settings.NOTIFY_SMS_PAYLOAD, values)
        except ValueError as exc:
            raise TemporaryFailure(f"NOTIFY_SMS_PAYLOAD is not valid JSON: {exc}") from exc
        headers = {settings.NOTIFY_SMS_IDEMPOTENCY_HEADER: str(notification.id)}
        if settings.NOTIFY_SMS_TOKEN:
            headers["Authorization"] = f"Bearer {settings.NOTIFY_SMS_TOKEN}"
        auth = None
        if settings.NOTIFY_SMS_USERNAME:
            auth = (settings.NOTIFY_SMS_USERNAME, settings.NOTIFY_SMS_PASSWORD)
        response = post_json(url, payload, headers=headers, auth=auth)
        data = json_body(response)
        provider_id = dig(data, settings.NOTIFY_SMS_ID_FIELD)
        if provider_id is None:
            # Accepted (2xx, JSON) but without the id we were told to expect: keep the
            # message as sent rather than risk a second SMS, and record the answer.
            return ""
        return str(provider_id)[:255]

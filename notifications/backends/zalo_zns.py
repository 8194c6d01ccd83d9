"""Zalo Official Account notifications (ZNS) through Zalo's HTTP API.

POST NOTIFY_ZALO_URL with header `access_token` and the JSON body
{"phone": "84...", "template_id": ..., "template_data": {...}, "tracking_id": <id>}.
The ZNS template itself (its text and parameter names) is approved on Zalo's side; its id
per message key comes from NOTIFY_ZALO_TEMPLATE_IDS ("dossier_received=123456,...") and
its parameters are the message's placeholders (rendering.template_data).

The answer is JSON with `error` 0 on success (and data.msg_id). A non-zero `error` is
permanent when it is about the recipient (NOTIFY_ZALO_PERMANENT_ERRORS: invalid phone,
no Zalo account, cannot or does not want to receive ZNS) and temporary otherwise (quota,
token, service trouble: fixable without changing the message). (check) the code list
against Zalo's current documentation before going live.
"""

from __future__ import annotations

from django.conf import settings

from . import PermanentFailure, TemporaryFailure
from .http import dig, json_body, post_json


class ZaloZnsBackend:
    def send(self, notification) -> str:
        template_id = settings.NOTIFY_ZALO_TEMPLATE_IDS.get(notification.template_key)
        if not template_id:
            # Configuration, not the recipient: retried, so that messages go out once an
            # admin sets the id, and never flagged as the citizen's number failing.
            raise TemporaryFailure(f"no ZNS template id for {notification.template_key!r}")
        if not settings.NOTIFY_ZALO_ACCESS_TOKEN:
            raise TemporaryFailure("NOTIFY_ZALO_ACCESS_TOKEN is not set")
        payload = {
            "phone": notification.recipient,
            "template_id": str(template_id),
            "template_data": (notification.payload or {}).get("template_data", {}),
            "tracking_id": str(notification.id),
        }
        headers = {"access_token": settings.NOTIFY_ZALO_ACCESS_TOKEN}
        data = json_body(post_json(settings.NOTIFY_ZALO_URL, payload, headers=headers))
        error = data.get("error")
        try:
            code = int(error)
        except (TypeError, ValueError):
            raise TemporaryFailure(f"answer without an error code: {data!r}"[:300]) from None
        if code != 0:
            message = f"ZNS error {code}: {data.get('message', '')}"[:300]
            if code in settings.NOTIFY_ZALO_PERMANENT_ERRORS:
                raise PermanentFailure(message)
            raise TemporaryFailure(message)
        msg_id = dig(data, "data.msg_id")
        return "" if msg_id is None else str(msg_id)

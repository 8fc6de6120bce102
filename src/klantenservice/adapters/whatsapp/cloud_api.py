"""Sending through the WhatsApp Business Cloud API (Graph API), with httpx.

    POST {base}/{version}/{phone_number_id}/messages
    Authorization: Bearer <access token>
    {"messaging_product": "whatsapp", "recipient_type": "individual", "to": "<wa_id>",
     "type": "text", "text": {"preview_url": false, "body": "..."}}
    or "type": "template", "template": {"name": …, "language": {"code": …},
                                        "components": [{"type": "body", "parameters": [
                                            {"type": "text", "text": …}, …]}]}
    → 200 {"messaging_product": "whatsapp", "contacts": [...], "messages": [{"id": "wamid…"}]}

The base URL is configurable (``KS_WHATSAPP_API_BASE``) so tests talk to a local fake. A 4xx
other than 429 is Meta refusing this message (``SendRefused``: not retried, Meta's error code
recorded); a timeout, 429 or 5xx is ``SendFailed`` and the outbox retries it.
"""

from __future__ import annotations

from typing import Any

import httpx

from klantenservice.services.messaging_ports import SendFailed, SendRefused, TemplateSend

RETRY_LATER = frozenset({429})


class CloudApiSender:
    def __init__(
        self,
        *,
        base_url: str,
        version: str,
        phone_number_id: str,
        access_token: str,
        timeout: float = 10.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._url = f"{base_url.rstrip('/')}/{version}/{phone_number_id}/messages"
        self._client = httpx.Client(
            timeout=timeout,
            transport=transport,
            headers={"Authorization": f"Bearer {access_token}"},
        )

    def close(self) -> None:
        self._client.close()

    def send(self, *, to: str, body: str, template: TemplateSend | None) -> str:
        try:
            response = self._client.post(self._url, json=message_json(to, body, template))
        except httpx.HTTPError as error:
            raise SendFailed(f"whatsapp: {type(error).__name__}") from None
        if response.status_code in RETRY_LATER or response.status_code >= 500:
            raise SendFailed(f"whatsapp: HTTP {response.status_code}")
        if response.status_code >= 400:
            raise SendRefused(f"whatsapp: HTTP {response.status_code}, {_error_code(response)}")
        try:
            wamid = response.json()["messages"][0]["id"]
        except (ValueError, LookupError, TypeError):
            raise SendFailed("whatsapp: answer without messages[0].id") from None
        if not isinstance(wamid, str) or not wamid:
            raise SendFailed("whatsapp: answer without messages[0].id")
        return wamid


def message_json(to: str, body: str, template: TemplateSend | None) -> dict[str, Any]:
    """The request body Meta specifies for a text or a template message."""
    base: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
    }
    if template is None:
        return {**base, "type": "text", "text": {"preview_url": False, "body": body}}
    content: dict[str, Any] = {"name": template.name, "language": {"code": template.language}}
    if template.parameters:
        parameters = [{"type": "text", "text": value} for value in template.parameters]
        content["components"] = [{"type": "body", "parameters": parameters}]
    return {**base, "type": "template", "template": content}


def _error_code(response: httpx.Response) -> str:
    try:
        error = response.json().get("error") or {}
        return f"code {error.get('code')}"
    except (ValueError, AttributeError):
        return "no error code"

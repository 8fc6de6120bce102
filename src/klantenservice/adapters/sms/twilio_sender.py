"""Sending SMS with the ``twilio`` package's REST client, at a configurable base URL.

The client builds ``https://api.twilio.com/2010-04-01/Accounts/{sid}/Messages.json`` itself;
``BaseUrlHttpClient`` (its documented extension point: a custom ``http_client``) replaces the
scheme and host of every request with ``KS_TWILIO_API_BASE``, so tests run the real client
against a local fake of the Messages API. The request stays what Twilio specifies: a
form-encoded POST (``To``, ``From``, ``Body``, ``StatusCallback``) with basic auth
(account SID, auth token), answered by a JSON message resource whose ``sid`` we record.

Errors: a 4xx other than 429 is Twilio refusing this message (``SendRefused``, with Twilio's
error code, e.g. 21610 "unsubscribed recipient"); a 429, 5xx or connection failure is
``SendFailed`` and the outbox retries.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from klantenservice.services.messaging_ports import SendFailed, SendRefused, TemplateSend

STATUS_CALLBACK_PATH = "/webhooks/sms/status"


class BaseUrlHttpClient(TwilioHttpClient):  # type: ignore[misc]  # twilio ships no types
    """Twilio's own HTTP client, sending every request to ``base_url`` instead of Twilio."""

    def __init__(self, base_url: str, *, timeout: float) -> None:
        super().__init__(timeout=timeout)
        target = urlsplit(base_url)
        self._scheme, self._netloc = target.scheme, target.netloc

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        parts = urlsplit(url)
        moved = urlunsplit((self._scheme, self._netloc, parts.path, parts.query, ""))
        return super().request(method, moved, *args, **kwargs)


class TwilioSmsSender:
    def __init__(
        self,
        *,
        account_sid: str,
        auth_token: str,
        from_number: str,
        api_base: str,
        public_base_url: str,
        timeout: float = 10.0,
    ) -> None:
        self._from = from_number
        self._status_callback = public_base_url.rstrip("/") + STATUS_CALLBACK_PATH
        self._client = Client(
            account_sid,
            auth_token,
            http_client=BaseUrlHttpClient(api_base, timeout=timeout),
        )

    def send(self, *, to: str, body: str, template: TemplateSend | None) -> str:
        if template is not None:
            raise SendRefused("sms: templates are a WhatsApp feature")
        try:
            message = self._client.messages.create(
                to=to, from_=self._from, body=body, status_callback=self._status_callback
            )
        except TwilioRestException as error:
            if error.status == 429 or error.status >= 500:
                raise SendFailed(f"sms: HTTP {error.status}") from None
            raise SendRefused(f"sms: HTTP {error.status}, code {error.code}") from None
        except OSError as error:  # requests' errors (connection, timeout) are OSErrors
            raise SendFailed(f"sms: {type(error).__name__}") from None
        sid = getattr(message, "sid", None)
        if not isinstance(sid, str) or not sid:
            raise SendFailed("sms: answer without a sid")
        return sid

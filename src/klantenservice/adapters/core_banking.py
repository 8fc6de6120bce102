"""Core-banking adapters for card blocks (``services/card_blocks.CoreBanking``).

- ``HttpCoreBanking``: ``POST {base}/v1/card-blocks`` with a bearer token and our reference as
  ``Idempotency-Key``; JSON in (reference, reported_at, card_last_four, customer_ref, phone,
  email), ``{"block_id": "..."}`` out. 2xx: blocked; 4xx: refused (no retry); 5xx, 429 and
  connection errors: unavailable (retried). The bank's integration layer speaks this contract;
  tests run it against a local fake server.
- ``DemoCoreBanking``: the demo's stand-in: every block succeeds with a made-up id.
- ``NoCoreBanking``: nothing configured: refused at once, so the on-call supervisor is alerted
  and an agent blocks the card by hand.

Error texts name the status, never the request (it carries personal data).
"""

from __future__ import annotations

import secrets

import httpx

from klantenservice.services.card_blocks import BlockRefused, BlockRequest, BlockUnavailable

PATH = "/v1/card-blocks"


class HttpCoreBanking:
    def __init__(
        self,
        base_url: str,
        *,
        token: str | None,
        timeout: float = 10.0,
        client: httpx.Client | None = None,
    ) -> None:
        self._url = base_url.rstrip("/") + PATH
        self._token = token
        self._client = client or httpx.Client(timeout=timeout, follow_redirects=False)

    def block_card(self, request: BlockRequest) -> str:
        headers = {"Idempotency-Key": request.reference}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        body = {
            "reference": request.reference,
            "reported_at": request.reported_at.isoformat(),
            "card_last_four": request.card_last_four,
            "customer_ref": request.customer_ref,
            "phone": request.phone,
            "email": request.email,
        }
        try:
            response = self._client.post(self._url, json=body, headers=headers)
        except httpx.HTTPError as error:
            raise BlockUnavailable(type(error).__name__) from None
        if response.status_code == 429 or response.status_code >= 500:
            raise BlockUnavailable(f"HTTP {response.status_code}")
        if not response.is_success:
            raise BlockRefused(f"HTTP {response.status_code}")
        try:
            block_id = response.json()["block_id"]
        except (ValueError, KeyError, TypeError):
            raise BlockUnavailable("answer without a block_id") from None
        if not isinstance(block_id, str) or not block_id:
            raise BlockUnavailable("answer without a block_id")
        return block_id

    def close(self) -> None:
        self._client.close()


class NoCoreBanking:
    """No core system configured: every block is refused at once, so the alert goes out."""

    def block_card(self, request: BlockRequest) -> str:
        raise BlockRefused("no core-banking system is configured (KS_CORE_BANKING)")


class DemoCoreBanking:
    """Blocks everything at once (the demo bank has no core system)."""

    def block_card(self, request: BlockRequest) -> str:
        return f"DEMO-{secrets.token_hex(4).upper()}"

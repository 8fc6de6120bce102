"""The HTTP core-banking adapter for card blocks, against a local fake of the bank's API."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest
from tests.services.fake_http import serving

from klantenservice.adapters.core_banking import (
    PATH,
    DemoCoreBanking,
    HttpCoreBanking,
    NoCoreBanking,
)
from klantenservice.services.card_blocks import BlockRefused, BlockRequest, BlockUnavailable

REQUEST = BlockRequest(
    reference="SOS-7K3F-9QXW",
    reported_at=datetime(2026, 11, 22, 1, 13, tzinfo=UTC),
    card_last_four="4321",
    customer_ref=None,
    phone="+31612345678",
    email=None,
)


@dataclass
class FakeCore:
    """The bank's card-block API: answers ``status`` with ``reply``, keeps what it got."""

    status: int = 201
    reply: dict[str, Any] = field(default_factory=lambda: {"block_id": "BLK-1"})
    url: str = ""
    received: list[tuple[str, dict[str, str], dict[str, Any]]] = field(default_factory=list)

    def answer(self, handler: BaseHTTPRequestHandler) -> tuple[int, dict[str, Any]]:
        body = json.loads(handler.rfile.read(int(handler.headers["Content-Length"])))
        self.received.append((handler.path, dict(handler.headers.items()), body))
        return self.status, self.reply


def test_a_block_is_posted_with_our_reference_as_idempotency_key() -> None:
    with serving(FakeCore()) as fake:
        core = HttpCoreBanking(fake.url, token="secret-token")
        assert core.block_card(REQUEST) == "BLK-1"
    ((path, headers, body),) = fake.received
    assert path == PATH
    assert headers["Idempotency-Key"] == "SOS-7K3F-9QXW"
    assert headers["Authorization"] == "Bearer secret-token"
    assert body["card_last_four"] == "4321" and body["phone"] == "+31612345678"
    assert body["reported_at"] == "2026-11-22T01:13:00+00:00"


@pytest.mark.parametrize(
    ("status", "answer", "error"),
    [
        (404, {"error": "no such card"}, BlockRefused),
        (422, {}, BlockRefused),
        (503, {}, BlockUnavailable),
        (429, {}, BlockUnavailable),
        (200, {"nothing": "here"}, BlockUnavailable),
    ],
)
def test_refusals_and_outages_are_told_apart(
    status: int, answer: dict[str, Any], error: type[Exception]
) -> None:
    expected = str(status) if status != 200 else "block_id"
    with (
        serving(FakeCore(status=status, reply=answer)) as fake,
        pytest.raises(error, match=expected),
    ):
        HttpCoreBanking(fake.url, token=None).block_card(REQUEST)


def test_an_unreachable_core_is_unavailable_not_refused() -> None:
    with pytest.raises(BlockUnavailable):
        HttpCoreBanking("http://127.0.0.1:9", token=None, timeout=2).block_card(REQUEST)


def test_the_demo_blocks_and_none_refuses() -> None:
    assert DemoCoreBanking().block_card(REQUEST).startswith("DEMO-")
    with pytest.raises(BlockRefused, match="KS_CORE_BANKING"):
        NoCoreBanking().block_card(REQUEST)

"""Handing a webhook's messages to the intake: all checked first, then stored together.

Every message of the webhook is built and checked (``check_inbound``) before any is submitted,
so a bad one refuses the whole webhook (4xx) with nothing stored; then all are submitted to the
group-commit writer at once and awaited, so the webhook answers 2xx only after every message
is durably stored. A duplicate (the provider's retry) answers its first result.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from klantenservice.services.inbound import InboundMessage, IntakeRequest, IntakeResult
from klantenservice.services.inbound_message import check_inbound
from klantenservice.services.ports import Actor
from klantenservice.web.deps import AppContext


async def store_all(
    context: AppContext, actor: Actor, inbound: Sequence[InboundMessage]
) -> list[IntakeResult]:
    for message in inbound:
        check_inbound(message)
    outcomes = await asyncio.gather(
        *(context.intake_writer.submit(IntakeRequest(m, actor=actor)) for m in inbound),
        return_exceptions=True,
    )
    results: list[IntakeResult] = []
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome
        results.append(outcome)
    return results

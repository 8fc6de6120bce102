"""The NOTIFY payload: live events of one transaction as a JSON array, in chunks < 8000 bytes.

PostgreSQL refuses a NOTIFY payload of 8000 bytes or more (and the whole transaction with
it), so ``encode`` packs events into as few arrays as fit under ``MAX_PAYLOAD_BYTES``. A live
event is ids and short tokens (``services.live.live_event``), ~60-150 bytes, so one chunk holds
about fifty: a transaction that writes more sends several notifications, in order.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence

from klantenservice.services.live import LiveEvent

CHANNEL = "ks_live"
MAX_PAYLOAD_BYTES = 7000  # PostgreSQL's limit is 8000; leave room for the channel name etc.

log = logging.getLogger(__name__)


def encode(events: Sequence[LiveEvent]) -> list[str]:
    chunks: list[str] = []
    current: list[str] = []
    size = 2  # "[" and "]"
    for event in events:
        item = json.dumps(event, separators=(",", ":"), ensure_ascii=True)
        if len(item) + 2 > MAX_PAYLOAD_BYTES:  # cannot happen with live_event's filter
            log.warning("live event %s id %s too large, not sent", event["topic"], event["id"])
            continue
        if current and size + len(item) + 1 > MAX_PAYLOAD_BYTES:
            chunks.append("[" + ",".join(current) + "]")
            current, size = [], 2
        current.append(item)
        size += len(item) + 1
    if current:
        chunks.append("[" + ",".join(current) + "]")
    return chunks


def decode(payload: str) -> list[LiveEvent]:
    """The events of one notification; a malformed one is logged and yields nothing."""
    try:
        data = json.loads(payload)
    except ValueError:
        log.warning("live: ignored a %s notification that is not JSON", CHANNEL)
        return []
    if not isinstance(data, list):
        log.warning("live: ignored a %s notification that is not a list", CHANNEL)
        return []
    return [item for item in data if isinstance(item, dict) and "topic" in item]

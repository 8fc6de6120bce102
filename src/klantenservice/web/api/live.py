"""Live updates for the desk: ``GET /api/v1/live``, Server-Sent Events of committed changes.

Signed-in staff only (session cookie or bearer token; ``services.live.open_live_feed`` decides,
before the stream starts, so a refusal is an ordinary 401/403 JSON answer). The wire format,
documented for clients in ``docs/subsystems/live.md``::

    retry: 3000                                  first message: reconnect after 3 s
    event: live.ready                            the stream is open and subscribed
    id: 9f3a01c2.41                              (no id when resuming from Last-Event-ID)
    data: {"topic":"live.ready"}

    event: case.assigned                         one committed change: topic, outbox id, ids
    id: 9f3a01c2.42
    data: {"topic":"case.assigned","id":812,"case_id":41,"agent_id":3}

    event: live.resync                           events may be lost: reload what you show
    id: 9f3a01c2.43
    data: {"topic":"live.resync","reason":"too slow"}

    : keepalive                                  every 15 s without events

Why SSE, not a WebSocket: the desk only listens (its actions are ordinary htmx requests), SSE
reconnects by itself and sends ``Last-Event-ID``, passes proxies as plain HTTP, and htmx's sse
extension swaps on ``event:`` names.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query
from fastapi.sse import EventSourceResponse, ServerSentEvent

from klantenservice.services import live
from klantenservice.services.live import LiveSubscription
from klantenservice.web.deps import Context, CurrentActor

router = APIRouter(tags=["live"])

HEARTBEAT_SECONDS = 15.0
RETRY_MILLISECONDS = 3000
READY = "live.ready"

TopicQuery = Annotated[
    list[str],
    Query(
        alias="topic",
        description="only these topics (shell-style: `case.*`); repeat or comma-separate",
    ),
]
LastEventIdHeader = Annotated[
    str | None,
    Header(alias="Last-Event-ID", max_length=100, description="sent by EventSource on reconnect"),
]
LastEventIdQuery = Annotated[
    str | None,
    Query(max_length=100, description="the same, for a client that cannot set the header"),
]


async def open_subscription(
    actor: CurrentActor,
    context: Context,
    topics: TopicQuery = [],  # noqa: B006 - FastAPI copies defaults per request
    last_event_id_header: LastEventIdHeader = None,
    last_event_id: LastEventIdQuery = None,
) -> AsyncIterator[tuple[LiveSubscription, bool]]:
    """Subscribe before the response starts, so a refusal is a plain error answer."""
    patterns = [part.strip() for topic in topics for part in topic.split(",") if part.strip()]
    cursor = last_event_id_header or last_event_id
    subscription = live.open_live_feed(
        context.live, actor=actor, topics=patterns, last_cursor=cursor
    )
    try:
        yield subscription, cursor is not None
    finally:
        subscription.close()


Subscription = Annotated[tuple[LiveSubscription, bool], Depends(open_subscription)]


@router.get("/live", response_class=EventSourceResponse)
async def live_events(subscription: Subscription) -> AsyncIterator[ServerSentEvent]:
    """Committed changes as they happen: ids only; read the objects through the API."""
    feed, resuming = subscription
    yield ServerSentEvent(
        event=READY,
        id=None if resuming else feed.start_cursor,
        data={"topic": READY},
        retry=RETRY_MILLISECONDS,
    )
    try:
        while True:
            try:
                message = await feed.receive(HEARTBEAT_SECONDS)
            except StopAsyncIteration:  # the bus stopped: the server is shutting down
                return
            if message is None:
                yield ServerSentEvent(comment="keepalive")
            else:
                yield ServerSentEvent(event=message.topic, id=message.cursor, data=message.event)
    finally:
        feed.close()

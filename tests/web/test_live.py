"""GET /api/v1/live: committed changes as Server-Sent Events, on SQLite and PostgreSQL.

SQLite runs the in-process bus, PostgreSQL the LISTEN/NOTIFY bus (in this one process here;
two processes: ``test_live_two_processes.py``). The stream is read by a thread
(``tests/web/sse.py``) so that every wait has a timeout.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient
from tests.web.sse import SseReader
from tests.web.support import API, Headers, World

from klantenservice.web.api import live as live_api


@contextmanager
def live_stream(
    client: TestClient, headers: Headers, **params: str | list[str]
) -> Iterator[SseReader]:
    with client.stream("GET", f"{API}/live", headers=headers, params=params) as response:
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        reader = SseReader(response)
        yield reader
    reader.join()


def test_staff_see_a_new_inbound_message_live_with_its_ids_and_nothing_personal(
    world: World,
) -> None:
    with live_stream(world.client, world.anna.headers) as stream:
        ready = stream.next_event()
        assert ready.event == "live.ready"
        assert ready.retry == live_api.RETRY_MILLISECONDS
        assert ready.id is not None

        result = world.intake(external_id="mail-live-1")

        # One transaction, three outbox events: routed, stored, opened (in the service's order).
        events = {e.event: e for e in (stream.next_event() for _ in range(3))}
        assert set(events) == {"message.received", "case.created", "case.assigned"}
        received = events["message.received"]
        assert received.data == {
            "topic": "message.received",
            "id": received.data["id"],
            "message_id": result["message_id"],
            "case_id": result["case_id"],
            "channel": "email",
        }
        assert isinstance(received.data["id"], int)  # the outbox row id
        assert events["case.created"].data["case_id"] == result["case_id"]
        assert events["case.assigned"].data["agent_id"] == world.anna.agent_id
        assert len({e.id for e in events.values()}) == 3


def test_an_assignment_made_through_the_api_reaches_a_supervisor_live(world: World) -> None:
    case_id = world.intake(external_id="mail-live-2")["case_id"]
    with live_stream(world.client, world.admin, topic="case.*") as stream:
        stream.next_event()  # live.ready
        response = world.post(
            f"/cases/{case_id}/assign", world.admin, {"agent_id": world.bob.agent_id}
        )
        assert response.status_code == 200, response.text

        # On PostgreSQL the intake's own auto-assignment to Anna is a NOTIFY that may reach the
        # stream after it subscribed: wait for Bob's, not merely the first "case.assigned".
        event = stream.until(
            lambda e: e.event == "case.assigned" and e.data["agent_id"] == world.bob.agent_id
        )
        assert event.data["case_id"] == case_id


def test_a_topic_filter_passes_only_matching_events(world: World) -> None:
    with live_stream(world.client, world.anna.headers, topic="case.created,case.nothing") as s:
        s.next_event()  # live.ready
        result = world.intake(external_id="mail-live-3")
        event = s.next_event()
        assert event.event == "case.created"  # message.received was filtered out
        assert event.data["case_id"] == result["case_id"]


def test_reconnecting_with_the_last_event_id_replays_what_was_missed(world: World) -> None:
    with live_stream(world.client, world.anna.headers) as stream:
        cursor = stream.next_event().id
    assert cursor is not None
    result = world.intake(external_id="mail-live-4")  # committed while disconnected

    resumed = {"Last-Event-ID": cursor, **world.anna.headers}
    with live_stream(world.client, resumed) as stream:
        ready = stream.next_event()
        assert ready.event == "live.ready"
        assert ready.id is None  # resuming: the client keeps its own cursor
        missed = {e.event: e for e in (stream.next_event() for _ in range(3))}
        assert missed["message.received"].data["message_id"] == result["message_id"]


def test_a_last_event_id_the_server_cannot_replay_asks_the_client_to_resync(
    world: World,
) -> None:
    foreign = {"Last-Event-ID": "0badc0de.17", **world.anna.headers}
    with live_stream(world.client, foreign) as stream:
        assert stream.next_event().event == "live.ready"
        resync = stream.next_event()
        assert resync.event == "live.resync"
        assert resync.data == {"topic": "live.resync", "reason": "other server"}
        assert resync.id is not None and resync.id != "0badc0de.17"


def test_an_idle_stream_sends_heartbeat_comments(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(live_api, "HEARTBEAT_SECONDS", 0.05)
    with live_stream(world.client, world.anna.headers) as stream:
        stream.next_event()
        assert stream.until(lambda e: e.comment is not None).comment == "keepalive"


def test_live_updates_are_for_signed_in_staff_only(world: World) -> None:
    anonymous = world.client.get(f"{API}/live")
    assert anonymous.status_code == 401
    integration = world.client.get(f"{API}/live", headers=world.integration)
    assert integration.status_code == 403
    assert "signed-in staff" in integration.json()["message"]


def test_a_malformed_topic_filter_is_refused_before_the_stream_starts(world: World) -> None:
    response = world.client.get(f"{API}/live", headers=world.anna.headers, params={"topic": "x;y"})
    assert response.status_code == 422


def test_a_closed_stream_leaves_no_subscriber_behind(world: World) -> None:
    fanout = world.client.app.state.context.live.fanout
    with live_stream(world.client, world.anna.headers) as stream:
        stream.next_event()
        assert fanout.subscriber_count == 1
    assert fanout.subscriber_count == 0

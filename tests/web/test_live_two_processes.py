"""Two real server processes on one PostgreSQL: a change taken by A reaches B's live stream.

The browser of an agent may be connected to another server process than the one that took a
change (an integration posting a message, a supervisor assigning a case). Nothing is shared
between the two uvicorn processes but the database, so the event can only travel by
PostgreSQL LISTEN/NOTIFY. Each server gets an already-bound socket (``--fd``): no port race.
Waits are on events (uvicorn's startup line, the stream's next event) with timeouts.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from tests.services.world import T0, World, build_world
from tests.support.uvicorn_server import Server, start_server
from tests.web.sse import SseReader

from klantenservice.adapters.credentials import Argon2Credentials
from klantenservice.adapters.security import fast_hasher
from klantenservice.domain.agents import Agent
from klantenservice.domain.vocabulary import Presence, Role
from klantenservice.services import auth
from klantenservice.services.ports import SYSTEM

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

PASSWORD = "correct horse battery staple"
EVENT_SECONDS = 15.0


@dataclass
class Setup:
    world: World
    agent_id: int
    integration_token: str


def prepare(url: str) -> Setup:
    """A migrated database with a queue, a policy, supervisor Sam (available) and a token."""
    world = build_world(url)
    credentials = Argon2Credentials(fast_hasher())
    sam = auth.create_staff_user(
        world.uow(),
        actor=SYSTEM,
        email="sam@bank.nl",
        name="Sam Smit",
        password=PASSWORD,
        roles=frozenset({Role.SUPERVISOR}),
        now=T0,
        credentials=credentials,
        agent=Agent(
            None,
            None,
            "Sam Smit",
            languages=frozenset({"nl", "en"}),
            queue_ids=frozenset({world.queue_id}),
            presence=Presence.AVAILABLE,
        ),
    )
    agent = world.uow(read_only=True)
    with agent:
        profile = agent.agents.by_user(sam.id)
    assert profile is not None and profile.id is not None
    _, token = auth.create_api_token(
        world.uow(),
        actor=SYSTEM,
        name="mail gateway",
        roles=frozenset({Role.INTEGRATION}),
        now=T0,
        credentials=credentials,
    )
    return Setup(world, int(profile.id), token)


@pytest.fixture
def setup(postgres_url_factory: Any) -> Iterator[Setup]:
    url = postgres_url_factory()
    prepared = prepare(url)
    yield prepared
    prepared.world.close()
    postgres_url_factory.release(url)


@pytest.fixture
def servers(setup: Setup) -> Iterator[tuple[Server, Server]]:
    a = start_server("A", setup.world.url)
    try:
        b = start_server("B", setup.world.url)
    except BaseException:
        a.stop()
        raise
    yield a, b
    for server in (a, b):
        server.stop()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def login(client: httpx.Client) -> dict[str, str]:
    response = client.post(
        "/api/v1/auth/login", json={"email": "sam@bank.nl", "password": PASSWORD}
    )
    assert response.status_code == 200, response.text
    client.cookies.clear()
    return bearer(response.json()["token"])


def post_inbound(on_a: httpx.Client, token: str) -> dict[str, Any]:
    inbound = {
        "channel": "email",
        "body": "Mijn pas is geblokkeerd",
        "external_id": "two-processes-1",
        "contact": {"kind": "email", "value": "jan@example.nl"},
        "customer_name": "Jan Jansen",
    }
    taken = on_a.post("/api/v1/messages/inbound", json=inbound, headers=bearer(token))
    assert taken.status_code == 201, taken.text
    result: dict[str, Any] = taken.json()
    return result


def reassign(on_a: httpx.Client, case_id: int, agent_id: int) -> None:
    sam = login(on_a)
    case = f"/api/v1/cases/{case_id}"
    assert on_a.post(f"{case}/unassign", headers=sam).status_code == 200
    assert on_a.post(f"{case}/assign", headers=sam, json={"agent_id": agent_id}).status_code == 200


def seq(cursor: str | None) -> int:
    return int(str(cursor).split(".")[1])


def test_a_change_taken_by_one_server_process_reaches_a_live_stream_on_the_other(
    setup: Setup, servers: tuple[Server, Server]
) -> None:
    a, b = servers
    timeout = httpx.Timeout(10.0, read=60.0)  # read: longer than the 15 s heartbeat
    with (
        httpx.Client(base_url=a.base_url, timeout=timeout) as on_a,
        httpx.Client(base_url=b.base_url, timeout=timeout) as on_b,
        on_b.stream("GET", "/api/v1/live", headers=login(on_b)) as response,
    ):
        assert response.status_code == 200
        stream = SseReader(response)
        try:
            assert stream.next_event(EVENT_SECONDS).event == "live.ready"

            result = post_inbound(on_a, setup.integration_token)  # taken by A
            received = stream.until(lambda e: e.event == "message.received", EVENT_SECONDS)
            assert received.data["message_id"] == result["message_id"]
            assert received.data["case_id"] == result["case_id"]
            assert "Mijn pas" not in str(received.data)

            reassign(on_a, result["case_id"], setup.agent_id)  # a supervisor, through A
            unassigned = stream.until(lambda e: e.event == "case.unassigned", EVENT_SECONDS)
            assigned = stream.until(lambda e: e.event == "case.assigned", EVENT_SECONDS)
            assert unassigned.data["case_id"] == assigned.data["case_id"] == result["case_id"]
            assert assigned.data["agent_id"] == setup.agent_id
            assert seq(assigned.id) > seq(unassigned.id)  # in commit order
        finally:
            stream.stop()  # else B would wait for this open stream when told to stop
    stream.join()

"""The intake writer process: outcomes per item, errors with their class, live events, crashes."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import pytest
from tests.services.world import T0, World, build_world

from klantenservice.adapters.credentials import Argon2Credentials
from klantenservice.adapters.db.tables import messages
from klantenservice.adapters.writer_process import (
    WriterError,
    WriterProcess,
    WriterSpec,
    _portable,
)
from klantenservice.domain.agents import Queue
from klantenservice.domain.customers import ContactPoint
from klantenservice.domain.errors import AuthenticationFailed, NotFound, PermissionDenied
from klantenservice.domain.vocabulary import Channel, Role
from klantenservice.services import auth, directory
from klantenservice.services.inbound import (
    InboundMessage,
    IntakeOptions,
    IntakeRequest,
    IntakeResult,
)
from klantenservice.services.live import LiveEvent
from klantenservice.services.ports import SYSTEM, DuplicateExternalId, Unavailable

CREDENTIALS = Argon2Credentials()


class FixedClock:
    def now(self):  # type: ignore[no-untyped-def]
        return T0


@dataclass
class Published:
    """A parent's live publisher that also notes how many messages were stored by then."""

    world: World
    events: list[LiveEvent] = field(default_factory=list)
    stored_then: list[int] = field(default_factory=list)

    def publish(self, events: Sequence[LiveEvent]) -> None:
        self.stored_then.append(self.world.count(messages))
        self.events.extend(events)


@pytest.fixture
def world(database_url: str) -> Iterator[World]:
    built = build_world(database_url)
    built.add_agent("anna")
    yield built
    built.close()


@pytest.fixture
def live(world: World) -> Published:
    return Published(world)


@pytest.fixture
def writer(world: World, live: Published) -> Iterator[WriterProcess]:
    spec = WriterSpec(
        database_url=world.url,
        sqlite_synchronous="NORMAL",
        options=IntakeOptions(),
        credentials=CREDENTIALS,
        collect_live=world.dialect == "sqlite",
    )
    cache = world.uow.cache
    process = WriterProcess(
        spec, FixedClock(), live=live, config_generation=lambda: cache.generation
    )
    yield process
    process.close()


def message(n: int, **fields: object) -> InboundMessage:
    return InboundMessage(
        channel=Channel.EMAIL,
        body=f"bericht {n}",
        external_id=f"m-{n}",
        contact=ContactPoint.parse("email", f"klant{n}@example.nl"),
        **fields,  # type: ignore[arg-type]
    )


def token(world: World, *roles: Role) -> str:
    _, raw = auth.create_api_token(
        world.uow(),
        actor=SYSTEM,
        name="bank",
        roles=frozenset(roles),
        now=T0,
        credentials=CREDENTIALS,
    )
    return raw


def test_each_item_gets_its_own_outcome_and_errors_keep_their_class_and_message(
    world: World, writer: WriterProcess
) -> None:
    good, agent_only = token(world, Role.INTEGRATION), token(world, Role.AGENT)
    outcomes = writer(
        [
            IntakeRequest(message(1), token=good),
            IntakeRequest(message(2), token="ks_not-a-real-token"),
            IntakeRequest(message(3), token=agent_only),
            IntakeRequest(message(4, case_reference="KS-009999"), token=good),
            IntakeRequest(message(1), token=good),  # the same external id: one message
        ]
    )
    first, unknown, forbidden, missing, again = outcomes
    assert isinstance(first, IntakeResult) and first.case_created
    assert type(unknown) is AuthenticationFailed and "token is not valid" in str(unknown)
    assert type(forbidden) is PermissionDenied
    assert type(missing) is NotFound and "KS-009999" in str(missing)
    assert isinstance(again, IntakeResult) and again.duplicate
    assert again.message_id == first.message_id
    assert world.count(messages) == 1


def test_a_batch_that_fails_as_a_whole_raises_its_exception_in_the_parent(
    writer: WriterProcess,
) -> None:
    with pytest.raises(ValueError, match="needs an actor, or a token"):
        writer([IntakeRequest(message(1))])  # neither actor nor token: a programming error
    assert isinstance(writer([IntakeRequest(message(2), actor=SYSTEM)])[0], IntakeResult)


def test_live_events_are_published_in_the_parent_after_the_child_committed(
    world: World, writer: WriterProcess, live: Published
) -> None:
    [result] = writer([IntakeRequest(message(1), actor=SYSTEM)])
    assert isinstance(result, IntakeResult)
    if world.dialect != "sqlite":  # pg_notify in the child's transaction: nothing to hand over
        assert live.events == []
        return
    assert live.stored_then == [1]  # the message was committed when its events were published
    topics = {event["topic"] for event in live.events}
    assert "message.received" in topics
    assert all(event.get("case_id") in (None, result.case_id) for event in live.events)


def test_a_rolled_back_message_publishes_nothing(
    world: World, writer: WriterProcess, live: Published
) -> None:
    [missing] = writer([IntakeRequest(message(1, case_reference="KS-009999"), actor=SYSTEM)])
    assert isinstance(missing, NotFound)
    assert live.events == []


def test_a_dead_child_fails_its_batch_as_unavailable_and_the_next_batch_starts_a_new_one(
    world: World, writer: WriterProcess
) -> None:
    writer.start()
    pid = writer.pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    with pytest.raises(Unavailable, match="retry"):
        writer([IntakeRequest(message(1), actor=SYSTEM)])
    assert writer.pid is None
    [result] = writer([IntakeRequest(message(1), actor=SYSTEM)])
    assert isinstance(result, IntakeResult) and not result.duplicate
    assert writer.pid not in (None, pid)
    assert world.count(messages) == 1


def test_configuration_changed_in_the_parent_is_seen_by_the_next_batch(
    world: World, writer: WriterProcess
) -> None:
    [first] = writer([IntakeRequest(message(1), actor=SYSTEM)])  # the child caches the queues
    assert isinstance(first, IntakeResult)
    directory.create_queue(world.uow(), actor=SYSTEM, queue=Queue(None, "fraude"), now=T0)
    [second] = writer([IntakeRequest(message(2, queue="fraude"), actor=SYSTEM)])
    assert isinstance(second, IntakeResult), second


def test_an_exception_that_cannot_cross_the_pipe_arrives_as_a_writer_error() -> None:
    crossed = _portable(DuplicateExternalId(Channel.EMAIL, "m-1"))  # takes two arguments
    assert type(crossed) is WriterError
    assert "DuplicateExternalId" in str(crossed)
    kept = _portable(KeyError("x"))
    assert type(kept) is KeyError

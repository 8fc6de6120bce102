"""Receiving a batch of messages in one transaction (group commit): each gets its own outcome."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from tests.services.world import T0, World, build_world

from klantenservice.adapters.credentials import Argon2Credentials
from klantenservice.adapters.db.tables import cases, messages
from klantenservice.domain.audit import verify_chain
from klantenservice.domain.cases import CaseStatus
from klantenservice.domain.customers import ContactPoint
from klantenservice.domain.errors import AuthenticationFailed, NotFound, PermissionDenied
from klantenservice.domain.vocabulary import Channel, Role
from klantenservice.services import auth
from klantenservice.services.cases import change_status
from klantenservice.services.inbound import (
    InboundMessage,
    IntakeOptions,
    IntakeRequest,
    IntakeResult,
    RoutingMemo,
    receive_batch,
)
from klantenservice.services.ports import SYSTEM

CREDENTIALS = Argon2Credentials()


@pytest.fixture
def world(database_url: str) -> Iterator[World]:
    built = build_world(database_url)
    yield built
    built.close()


def message(n: int, *, email: str | None = None, **fields: object) -> InboundMessage:
    return InboundMessage(
        channel=fields.pop("channel", Channel.CHAT),  # type: ignore[arg-type]
        body=f"bericht {n}",
        external_id=f"m-{n}",
        contact=ContactPoint.parse("email", email or f"klant{n}@example.nl"),
        **fields,  # type: ignore[arg-type]
    )


def batch(world: World, *requests: IntakeRequest) -> list[IntakeResult | Exception]:
    return receive_batch(
        world.uow, requests, now=T0, options=IntakeOptions(), credentials=CREDENTIALS
    )


def token(world: World, *roles: Role) -> str:
    _, raw = auth.create_api_token(
        world.uow(),
        actor=SYSTEM,
        name="bank-app",
        roles=frozenset(roles),
        now=T0,
        credentials=CREDENTIALS,
    )
    return raw


def test_a_message_failing_half_way_fails_alone_and_leaves_nothing_behind(world: World) -> None:
    outcomes = batch(
        world,
        IntakeRequest(message(1), actor=SYSTEM),
        IntakeRequest(message(2, case_reference="KS-009999"), actor=SYSTEM),
        IntakeRequest(message(3), actor=SYSTEM),
    )
    assert isinstance(outcomes[0], IntakeResult) and isinstance(outcomes[2], IntakeResult)
    assert isinstance(outcomes[1], NotFound)
    assert world.count(messages) == 2
    assert world.count(messages, messages.c.external_id == "m-2") == 0
    assert world.count(cases) == 2  # message 2's new customer and case rolled back too


def test_tokens_are_checked_in_the_batch_and_a_bad_one_refuses_only_its_message(
    world: World,
) -> None:
    good = token(world, Role.INTEGRATION)
    outcomes = batch(
        world,
        IntakeRequest(message(1), token=good),
        IntakeRequest(message(2), token="ks_not-a-real-token"),
        IntakeRequest(message(3), token=good),
    )
    assert isinstance(outcomes[1], AuthenticationFailed)
    assert [isinstance(o, IntakeResult) for o in outcomes] == [True, False, True]
    assert world.count(messages) == 2


def test_a_token_without_the_intake_permission_is_refused(world: World) -> None:
    quality = token(world, Role.QUALITY)
    (outcome,) = batch(world, IntakeRequest(message(1), token=quality))
    assert isinstance(outcome, PermissionDenied)
    assert world.count(messages) == 0


def test_a_revoked_token_is_refused_by_the_next_batch(world: World) -> None:
    raw = token(world, Role.INTEGRATION)
    (first,) = batch(world, IntakeRequest(message(1), token=raw))
    assert isinstance(first, IntakeResult)
    with world.uow() as uow:
        found = uow.staff.token_roles(CREDENTIALS.digest(raw))
        assert found is not None
        uow.staff.revoke_token(found[0], at=T0)
        uow.commit()
    (second,) = batch(world, IntakeRequest(message(2), token=raw))
    assert isinstance(second, AuthenticationFailed)


def test_the_same_external_id_twice_in_one_batch_is_stored_once(world: World) -> None:
    first, again = batch(
        world, IntakeRequest(message(1), actor=SYSTEM), IntakeRequest(message(1), actor=SYSTEM)
    )
    assert isinstance(first, IntakeResult) and isinstance(again, IntakeResult)
    assert again.duplicate and again.message_id == first.message_id
    assert world.count(messages) == 1


def test_one_batch_extends_the_audit_chain_without_a_gap(world: World) -> None:
    batch(world, *(IntakeRequest(message(n), actor=SYSTEM) for n in range(5)))
    with world.uow(read_only=True) as uow:
        records = list(uow.audit.iterate())
    assert verify_chain(records).ok
    assert [r.action for r in records].count("message.received") == 5
    assert world.outbox_topics().count("message.received") == 5


def test_routing_in_a_batch_never_fills_an_agent_beyond_capacity(world: World) -> None:
    world.add_agent("Anouk", capacity={Channel.CHAT: 2})
    outcomes = batch(world, *(IntakeRequest(message(n), actor=SYSTEM) for n in range(4)))
    results = [o for o in outcomes if isinstance(o, IntakeResult)]
    assigned = [r for r in results if r.assigned_agent_id is not None]
    assert len(results) == 4 and len(assigned) == 2
    waiting = [r for r in results if r.assigned_agent_id is None]
    assert all("at capacity on chat" in r.routing[0] for r in waiting)


def test_a_follow_up_answers_the_promise_due_time_the_first_message_set(world: World) -> None:
    (first,) = batch(world, IntakeRequest(message(1, email="jan@example.nl"), actor=SYSTEM))
    follow_up = receive_batch(
        world.uow,
        [IntakeRequest(message(2, email="jan@example.nl"), actor=SYSTEM)],
        now=T0 + timedelta(minutes=20),
        options=IntakeOptions(),
    )[0]
    assert isinstance(first, IntakeResult) and isinstance(follow_up, IntakeResult)
    assert follow_up.case_id == first.case_id
    assert first.promise_due_at is not None
    assert follow_up.promise_due_at == first.promise_due_at


def test_refusals_carry_over_to_the_next_batch_only_while_the_agents_are_unchanged(
    world: World,
) -> None:
    """``RoutingMemo``: a full desk is not re-explained per batch, a freed slot is seen at once."""
    anouk = world.add_agent("Anouk", capacity={Channel.CHAT: 1})
    memo = RoutingMemo()

    def one(n: int) -> IntakeResult:
        (outcome,) = receive_batch(
            world.uow,
            [IntakeRequest(message(n), actor=SYSTEM)],
            now=T0 + timedelta(minutes=n),
            options=IntakeOptions(),
            memo=memo,
        )
        assert isinstance(outcome, IntakeResult)
        return outcome

    first = one(1)
    assert first.assigned_agent_id == anouk
    refused = one(2)  # found nobody, and the memo keeps why
    assert refused.assigned_agent_id is None
    assert "at capacity on chat" in refused.routing[0]
    assert any(memo.refused.values())

    again = one(3)  # same agents: the memo's refusal, the same explanation
    assert again.assigned_agent_id is None and again.routing == refused.routing

    change_status(
        world.uow(),
        actor=SYSTEM,
        case_id=first.case_id,
        status=CaseStatus.RESOLVED,
        now=T0 + timedelta(minutes=4),
    )
    freed = one(5)  # Anouk's load changed: the snapshots differ, routing runs again
    assert freed.assigned_agent_id == anouk


def test_a_memo_is_not_updated_by_a_batch_that_failed(world: World) -> None:
    world.add_agent("Anouk", capacity={Channel.CHAT: 1})
    memo = RoutingMemo()
    (outcome,) = receive_batch(
        world.uow,
        [IntakeRequest(message(1, case_reference="KS-009999"), actor=SYSTEM)],
        now=T0,
        options=IntakeOptions(),
        memo=memo,
    )
    assert isinstance(outcome, NotFound)
    assert memo.refused == {} and memo.snapshots == {}

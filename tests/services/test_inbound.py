"""Receiving messages: idempotent intake and threading into the right case."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from tests.services.world import T0, World, build_world, wait_until_blocked

from klantenservice.adapters.db.tables import audit_log, cases, customers, messages, outbox
from klantenservice.domain.agents import Queue
from klantenservice.domain.cases import CaseStatus, format_reference
from klantenservice.domain.customers import ContactPoint, Customer
from klantenservice.domain.errors import NotFound, ValidationError
from klantenservice.domain.vocabulary import CaseId, Channel, Priority
from klantenservice.services import cases as case_service
from klantenservice.services import directory
from klantenservice.services import messages as message_service
from klantenservice.services.inbound import IntakeOptions
from klantenservice.services.ports import SYSTEM


@pytest.fixture
def world(database_url: str) -> Iterator[World]:
    built = build_world(database_url)
    yield built
    built.close()


def resolve(world: World, case_id: CaseId, *, at: timedelta) -> None:
    case_service.change_status(
        world.uow(), actor=SYSTEM, case_id=case_id, status=CaseStatus.RESOLVED, now=T0 + at
    )


def close(world: World, case_id: CaseId, *, at: timedelta) -> None:
    resolve(world, case_id, at=at)
    case_service.change_status(
        world.uow(), actor=SYSTEM, case_id=case_id, status=CaseStatus.CLOSED, now=T0 + at
    )


def status_of(world: World, case_id: CaseId) -> str:
    with world.read() as connection:
        row = connection.execute(select(cases.c.status).where(cases.c.id == case_id)).one()
        return str(row.status)


# -- idempotency -------------------------------------------------------------------------------


def test_the_same_provider_message_twice_is_stored_once_and_answered_as_a_duplicate(
    world: World,
) -> None:
    first = world.receive(external_id="<abc@mail.example>")
    again = world.receive(external_id="<abc@mail.example>", at=T0 + timedelta(minutes=5))

    assert not first.duplicate and again.duplicate
    assert (again.message_id, again.case_id, again.customer_id) == (
        first.message_id,
        first.case_id,
        first.customer_id,
    )
    assert world.count(messages) == 1
    assert world.count(cases) == 1
    assert world.count(outbox, outbox.c.topic == "message.received") == 1
    assert world.count(audit_log, audit_log.c.action == "message.received") == 1


def test_the_same_external_id_on_another_channel_is_another_message(world: World) -> None:
    world.receive(external_id="42", channel=Channel.EMAIL)
    other = world.receive(external_id="42", channel=Channel.WHATSAPP)
    assert not other.duplicate
    assert world.count(messages) == 2


def test_messages_without_an_external_id_are_never_taken_for_duplicates(world: World) -> None:
    world.receive("Eerste vraag")
    second = world.receive("Tweede vraag")
    assert not second.duplicate
    assert world.count(messages) == 2


def test_a_refused_message_leaves_no_customer_case_audit_or_outbox_row(world: World) -> None:
    audit_rows = world.count(audit_log)
    with pytest.raises(NotFound):
        world.receive(external_id="m-1", case_reference="KS-000999")
    with pytest.raises(ValidationError):
        world.receive(external_id="m-2", case_reference="ticket 12")
    assert [world.count(t) for t in (customers, cases, messages, outbox)] == [0, 0, 0, 0]
    assert world.count(audit_log) == audit_rows


# -- threading ---------------------------------------------------------------------------------


def test_a_new_message_from_a_customer_with_an_active_case_is_added_to_that_case(
    world: World,
) -> None:
    first = world.receive("Mijn pas is geblokkeerd", external_id="m-1")
    second = world.receive("Nog een vraag", external_id="m-2", at=T0 + timedelta(hours=2))

    assert first.case_created and not second.case_created
    assert second.case_id == first.case_id
    page = message_service.case_messages(
        world.uow(), actor=SYSTEM, case_id=first.case_id, after=0, limit=10, now=T0
    )
    assert [m.body for m in page.items] == ["Mijn pas is geblokkeerd", "Nog een vraag"]


def test_a_reply_quoting_a_case_resolved_within_the_reopen_window_reopens_it(
    world: World,
) -> None:
    first = world.receive(external_id="m-1")
    resolve(world, first.case_id, at=timedelta(hours=1))

    reply = world.receive(
        "Het werkt nog steeds niet",
        external_id="m-2",
        at=T0 + timedelta(days=6),
        case_reference=format_reference(first.case_id),
    )

    assert reply.reopened and reply.case_id == first.case_id
    assert status_of(world, first.case_id) == CaseStatus.OPEN
    assert "case.reopened" in world.audit_actions()


def test_a_reply_quoting_a_case_resolved_longer_ago_than_the_window_opens_a_linked_case(
    world: World,
) -> None:
    first = world.receive(external_id="m-1")
    resolve(world, first.case_id, at=timedelta(hours=1))

    reply = world.receive(
        external_id="m-2",
        at=T0 + timedelta(days=8, hours=2),
        case_reference=format_reference(first.case_id),
    )

    assert reply.case_created and reply.case_id != first.case_id
    assert status_of(world, first.case_id) == CaseStatus.RESOLVED
    with world.read() as connection:
        linked = connection.execute(select(cases.c.linked_to).where(cases.c.id == reply.case_id))
        assert linked.scalar_one() == first.case_id


def test_a_reply_quoting_a_closed_case_opens_a_new_case_linked_to_it(world: World) -> None:
    first = world.receive(external_id="m-1")
    close(world, first.case_id, at=timedelta(hours=1))

    reply = world.receive(
        external_id="m-2",
        at=T0 + timedelta(hours=2),
        case_reference=format_reference(first.case_id),
    )

    assert reply.case_created and not reply.reopened
    assert status_of(world, first.case_id) == CaseStatus.CLOSED
    with world.read() as connection:
        linked = connection.execute(select(cases.c.linked_to).where(cases.c.id == reply.case_id))
        assert linked.scalar_one() == first.case_id


def test_a_chat_soon_after_a_resolved_chat_reopens_it_without_a_reference(world: World) -> None:
    first = world.receive("Hallo", channel=Channel.CHAT, external_id="c-1")
    resolve(world, first.case_id, at=timedelta(minutes=10))
    again = world.receive(
        "Nog iets", channel=Channel.CHAT, external_id="c-2", at=T0 + timedelta(hours=1)
    )
    assert again.reopened and again.case_id == first.case_id


def test_an_email_after_a_resolved_case_without_a_reference_opens_a_new_case(world: World) -> None:
    first = world.receive(external_id="m-1")
    resolve(world, first.case_id, at=timedelta(minutes=10))
    again = world.receive("Andere vraag", external_id="m-2", at=T0 + timedelta(hours=1))
    assert again.case_created and again.case_id != first.case_id


def test_a_reply_quoting_a_merged_case_is_added_to_the_case_it_was_merged_into(
    world: World,
) -> None:
    older = world.receive("Eerste mail", external_id="m-1")
    resolve(world, older.case_id, at=timedelta(minutes=10))
    newer = world.receive("Tweede mail", external_id="m-2", at=T0 + timedelta(hours=1))
    case_service.merge_cases(
        world.uow(),
        actor=SYSTEM,
        target_id=newer.case_id,
        source_id=older.case_id,
        now=T0 + timedelta(hours=2),
    )

    reply = world.receive(
        "Antwoord op de eerste mail",
        external_id="m-3",
        at=T0 + timedelta(hours=3),
        case_reference=format_reference(older.case_id),
    )

    assert reply.case_id == newer.case_id
    assert not reply.case_created
    assert world.count(cases) == 2


def test_a_reference_to_another_customers_case_is_not_found(world: World) -> None:
    theirs = world.receive(email="piet@example.nl", external_id="m-1")
    with pytest.raises(NotFound):
        world.receive(external_id="m-2", case_reference=format_reference(theirs.case_id))


def test_intake_without_auto_assignment_leaves_the_case_waiting(world: World) -> None:
    world.add_agent("Anna")
    result = world.receive(options=IntakeOptions(auto_assign=False))
    assert result.assigned_agent_id is None
    assert result.promise_due_at == T0 + timedelta(hours=4)


# -- PostgreSQL: two first messages of a new customer at once -----------------------------------


def test_a_first_message_racing_another_first_message_of_the_same_new_customer_is_stored(
    postgres_url_factory: Any,
) -> None:
    url = postgres_url_factory()
    world = build_world(url)
    outcome: dict[str, Any] = {}

    def second_delivery() -> None:
        try:
            outcome["result"] = world.receive("Tweede bericht", external_id="m-2")
        except Exception as error:
            outcome["error"] = error

    try:
        with world.uow() as first:  # the first message is being stored, not yet committed
            first.customers.add(
                Customer(
                    None, "Jan", contact_points=(ContactPoint.parse("email", "jan@example.nl"),)
                ),
                at=T0,
            )
            racer = threading.Thread(target=second_delivery)
            racer.start()
            wait_until_blocked(world.engine)
            first.commit()
        racer.join(timeout=10)
        if "error" in outcome:
            raise outcome["error"]
        assert outcome["result"].customer_id == 1
    finally:
        world.close()
        postgres_url_factory.release(url)


def test_an_emergency_without_a_queue_goes_to_the_emergency_queue_on_the_24_7_calendar(
    world: World,
) -> None:
    always = {"weekly_hours": [[["00:00", "24:00"]]] * 7, "timezone": "Europe/Amsterdam"}
    directory.put_calendar(world.uow(), actor=SYSTEM, name="24/7", definition=always, now=T0)
    lane = directory.create_queue(
        world.uow(), actor=SYSTEM, queue=Queue(None, "emergency", calendar="24/7"), now=T0
    )
    urgent = world.receive("Er wordt geld van mijn rekening gehaald!", priority=Priority.EMERGENCY)
    normal = world.receive("Adreswijziging", email="piet@example.nl")
    with world.read() as connection:
        queue_of = dict(connection.execute(select(cases.c.id, cases.c.queue_id)).all())
    assert queue_of[urgent.case_id] == lane.id
    assert queue_of[normal.case_id] == world.queue_id

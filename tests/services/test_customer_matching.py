"""One customer across channels, on both stores: exact matches at intake, proposals when an
agent looks, and the agent's decisions (merge or "not the same person"), audited."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import insert, select
from tests.services.world import T0, World, build_world

from klantenservice.adapters.db.tables import (
    audit_log,
    cases,
    chat_sessions,
    contact_points,
    customer_match_decisions,
    customers,
    outbox,
    portal_sessions,
)
from klantenservice.domain.customer_matching import Signal, Strength
from klantenservice.domain.customers import ContactPoint, VerificationLevel
from klantenservice.domain.errors import Conflict, NotFound, PermissionDenied, ValidationError
from klantenservice.domain.vocabulary import Channel, CustomerId, Role
from klantenservice.services import customers as customer_service
from klantenservice.services import inbound
from klantenservice.services.customer_matching import confirm_match, match_proposals, reject_match
from klantenservice.services.inbound import InboundMessage, IntakeOptions, IntakeResult
from klantenservice.services.ports import SYSTEM, Actor

PHONE = "+31612345678"


@pytest.fixture
def world(database_url: str) -> Iterator[World]:
    built = build_world(database_url)
    built.add_agent("Anna")
    yield built
    built.close()


def receive(
    world: World,
    channel: Channel,
    kind: str,
    raw: str,
    *,
    name: str = "",
    minutes: int = 0,
    **fields: Any,
) -> IntakeResult:
    message = InboundMessage(
        channel=channel,
        body="Mijn pas is geblokkeerd",
        contact=ContactPoint.parse(kind, raw),
        customer_name=name,
        **fields,
    )
    options = IntakeOptions(auto_assign=False)
    at = T0 + timedelta(minutes=minutes)
    return inbound.receive_message(
        world.uow, actor=SYSTEM, inbound=message, now=at, options=options
    )


def agent(world: World, *roles: Role) -> Actor:
    return world.agent_actor("Anna", *roles)


def piet_and_his_whatsapp(world: World) -> tuple[CustomerId, CustomerId]:
    """Piet called and texted from his phone; later a WhatsApp comes from the same number."""
    call = receive(world, Channel.PHONE, "phone", "06 12345678", name="Piet de Boer")
    sms = receive(world, Channel.SMS, "phone", "+31 6 1234 5678", minutes=1)
    assert sms.customer_id == call.customer_id  # exact: same E.164 number, same customer
    whatsapp = receive(world, Channel.WHATSAPP, "whatsapp", "31612345678", name="Piet", minutes=2)
    assert whatsapp.customer_id != call.customer_id  # another channel: not merged silently
    return call.customer_id, whatsapp.customer_id


def snapshot(world: World) -> dict[str, Any]:
    with world.read() as connection:
        return {
            table.name: sorted(tuple(r) for r in connection.execute(select(table)))
            for table in (customers, contact_points, cases, customer_match_decisions, outbox)
        }


def test_e_mail_matches_exactly_whatever_the_case_of_the_address(world: World) -> None:
    first = receive(world, Channel.EMAIL, "email", "Jan.Jansen@Example.NL")
    second = receive(world, Channel.WEB_FORM, "email", "jan.jansen@example.nl", minutes=1)
    assert first.customer_id == second.customer_id


def test_a_whatsapp_contact_is_proposed_the_customer_with_that_phone_number(world: World) -> None:
    piet, whatsapp = piet_and_his_whatsapp(world)
    found = match_proposals(world.uow(), actor=agent(world), customer_id=whatsapp, now=T0)
    [proposal] = found.proposals
    assert proposal.other.id == piet
    assert proposal.strength is Strength.STRONG
    assert proposal.reasons[0].signal is Signal.SAME_NUMBER_OTHER_CHANNEL
    # and vice versa, from the phone customer's side
    back = match_proposals(world.uow(), actor=agent(world), customer_id=piet, now=T0)
    assert [p.other.id for p in back.proposals] == [whatsapp]
    # every customer shown is audited as viewed, with where it was shown
    with world.read() as connection:
        viewed = connection.execute(
            select(audit_log.c.subject_id, audit_log.c.details).where(
                audit_log.c.action == "customer.viewed"
            )
        ).all()
    assert sorted(str(r.subject_id) for r in viewed) == sorted(map(str, [whatsapp, piet] * 2))
    assert {r.details["via"] for r in viewed} == {"api:match-proposals"}


def test_a_plus_address_is_proposed_not_merged(world: World) -> None:
    first = receive(world, Channel.EMAIL, "email", "jan@example.nl", name="Jan Jansen")
    second = receive(world, Channel.EMAIL, "email", "jan+bank@example.nl", name="J. Jansen")
    assert first.customer_id != second.customer_id
    found = match_proposals(world.uow(), actor=agent(world), customer_id=second.customer_id, now=T0)
    [proposal] = found.proposals
    assert [r.signal for r in proposal.reasons] == [Signal.SAME_MAILBOX, Signal.NAMES_FIT]


def test_confirming_merges_the_newer_customer_into_the_older(world: World) -> None:
    piet, whatsapp = piet_and_his_whatsapp(world)
    customer_service.update_customer(
        world.uow(), actor=SYSTEM, customer_id=piet, now=T0, verification=VerificationLevel.STRONG
    )
    customer_service.update_customer(
        world.uow(), actor=SYSTEM, customer_id=whatsapp, now=T0, vulnerable=True
    )
    with world.engine.begin() as connection:  # a chat and a portal session of the new record
        case_id = connection.execute(
            select(cases.c.id).where(cases.c.customer_id == whatsapp)
        ).scalar_one()
        connection.execute(
            insert(chat_sessions).values(
                token_digest="c" * 64, customer_id=whatsapp, case_id=case_id, language="nl",
                created_at=T0, expires_at=T0, start_position=0,
            )
        )  # fmt: skip
        connection.execute(
            insert(portal_sessions).values(
                token_digest="p" * 64, customer_id=whatsapp, verification=2, created_at=T0,
                expires_at=T0,
            )
        )  # fmt: skip

    result = confirm_match(
        world.uow(), actor=agent(world), customer_id=whatsapp, other_id=piet, now=T0
    )

    assert result.survivor.id == piet and result.absorbed_id == whatsapp
    assert result.moved == {
        "contact_points": 1, "cases": 1, "chat_sessions": 1, "portal_sessions": 1,
        "emergency_reports": 0,
    }  # fmt: skip
    survivor = result.survivor
    assert {p.value for p in survivor.contact_points} == {PHONE, "31612345678"}
    assert survivor.vulnerable is True  # vulnerable wins
    assert survivor.verification is VerificationLevel.NONE  # the lower level wins
    absorbed = customer_service.view_customer(
        world.uow(), actor=SYSTEM, customer_id=whatsapp, now=T0
    )
    assert absorbed.merged_into == piet and absorbed.contact_points == ()  # kept, readable
    with world.read() as connection:
        owners = {
            table.name: set(connection.execute(select(table.c.customer_id)).scalars())
            for table in (cases, chat_sessions, portal_sessions)
        }
        decision = connection.execute(select(customer_match_decisions)).one()
        audit = connection.execute(
            select(audit_log.c.action, audit_log.c.subject_id, audit_log.c.details).where(
                audit_log.c.action.in_(["customer.merged", "customer.absorbed"])
            )
        ).all()
    assert owners == {"cases": {piet}, "chat_sessions": {piet}, "portal_sessions": {piet}}
    assert (decision.customer_id, decision.other_id, decision.decision) == (
        piet, whatsapp, "confirmed",
    )  # fmt: skip
    assert decision.signals == ["same_number_other_channel", "names_fit"]
    assert {(a.action, str(a.subject_id)) for a in audit} == {
        ("customer.merged", str(piet)), ("customer.absorbed", str(whatsapp)),
    }  # fmt: skip
    assert all(
        (a.details["survivor_id"], a.details["absorbed_id"]) == (piet, whatsapp) for a in audit
    )
    assert "customer.merged" in world.outbox_topics()


def test_after_a_merge_every_channel_reaches_the_survivor(world: World) -> None:
    piet, whatsapp = piet_and_his_whatsapp(world)
    confirm_match(world.uow(), actor=agent(world), customer_id=piet, other_id=whatsapp, now=T0)
    again = receive(world, Channel.WHATSAPP, "whatsapp", "31612345678", minutes=5)
    assert again.customer_id == piet and not again.case_created  # the active case continues
    by_old_id = receive(world, Channel.CHAT, "phone", PHONE, minutes=6, customer_id=whatsapp)
    assert by_old_id.customer_id == piet  # an integration still using the absorbed id
    assert (
        match_proposals(world.uow(), actor=agent(world), customer_id=piet, now=T0).proposals == ()
    )


def test_the_agent_may_choose_the_survivor(world: World) -> None:
    piet, whatsapp = piet_and_his_whatsapp(world)
    result = confirm_match(
        world.uow(),
        actor=agent(world),
        customer_id=piet,
        other_id=whatsapp,
        now=T0,
        survivor_id=whatsapp,
    )
    assert result.survivor.id == whatsapp and result.absorbed_id == piet
    assert result.survivor.name == "Piet"  # the survivor's own name


def test_a_core_banking_reference_moves_to_the_survivor(world: World) -> None:
    piet, whatsapp = piet_and_his_whatsapp(world)
    with world.engine.begin() as connection:
        connection.execute(
            customers.update().where(customers.c.id == whatsapp).values(external_ref="B-42")
        )
    result = confirm_match(
        world.uow(), actor=agent(world), customer_id=piet, other_id=whatsapp, now=T0
    )
    assert result.survivor.external_ref == "B-42"


@pytest.mark.parametrize(
    ("case", "error"),
    [
        ("itself", ValidationError),
        ("unknown", NotFound),
        ("not proposed", Conflict),
        ("bad survivor", ValidationError),
        ("quality may not", PermissionDenied),
        ("already merged", Conflict),
        ("rejected before", Conflict),
    ],
)
def test_refused_decisions_change_nothing(world: World, case: str, error: type[Exception]) -> None:
    piet, whatsapp = piet_and_his_whatsapp(world)
    stranger = receive(world, Channel.EMAIL, "email", "noor@example.nl", minutes=3).customer_id
    actor, customer_id, other_id, survivor = agent(world), whatsapp, piet, None
    if case == "itself":
        other_id = whatsapp
    elif case == "unknown":
        other_id = CustomerId(9999)
    elif case == "not proposed":
        other_id = stranger
    elif case == "bad survivor":
        survivor = stranger
    elif case == "quality may not":
        actor = agent(world, Role.QUALITY)
    elif case == "already merged":
        confirm_match(world.uow(), actor=actor, customer_id=piet, other_id=whatsapp, now=T0)
    elif case == "rejected before":
        reject_match(world.uow(), actor=actor, customer_id=piet, other_id=whatsapp, now=T0)
    before = snapshot(world)
    with pytest.raises(error) as raised:
        confirm_match(
            world.uow(),
            actor=actor,
            customer_id=customer_id,
            other_id=other_id,
            now=T0,
            survivor_id=survivor,
        )
    assert snapshot(world) == before
    assert str(raised.value)  # a message saying what is wrong


def test_not_the_same_person_is_never_proposed_again_either_way(world: World) -> None:
    piet, whatsapp = piet_and_his_whatsapp(world)
    reject_match(world.uow(), actor=agent(world), customer_id=whatsapp, other_id=piet, now=T0)
    for one in (piet, whatsapp):
        assert (
            match_proposals(world.uow(), actor=agent(world), customer_id=one, now=T0).proposals
            == ()
        )
    assert world.count(customers, customers.c.merged_into.is_not(None)) == 0
    with pytest.raises(Conflict, match="not proposed"):
        reject_match(world.uow(), actor=agent(world), customer_id=piet, other_id=whatsapp, now=T0)
    assert world.audit_actions().count("customer.match_rejected") == 2  # one per customer


def test_a_rejection_of_the_absorbed_record_holds_for_the_survivor(world: World) -> None:
    """Piet's WhatsApp and his wife's SMS share a number: she stays apart after his merge."""
    piet, whatsapp = piet_and_his_whatsapp(world)
    marieke = receive(
        world, Channel.EMAIL, "email", "piet+m@example.nl", name="Marieke", minutes=3
    ).customer_id
    customer_service.update_customer(
        world.uow(),
        actor=SYSTEM,
        customer_id=whatsapp,
        now=T0,
        add_contacts=(ContactPoint.parse("email", "piet@example.nl"),),
    )
    reject_match(world.uow(), actor=agent(world), customer_id=whatsapp, other_id=marieke, now=T0)
    confirm_match(world.uow(), actor=agent(world), customer_id=piet, other_id=whatsapp, now=T0)
    found = match_proposals(world.uow(), actor=agent(world), customer_id=piet, now=T0)
    assert found.proposals == ()  # Marieke's plus-address would match Piet's mailbox
    with pytest.raises(Conflict, match="merged into"):
        match_proposals(world.uow(), actor=agent(world), customer_id=whatsapp, now=T0)
    with pytest.raises(Conflict, match="merged into"):
        customer_service.update_customer(
            world.uow(), actor=SYSTEM, customer_id=whatsapp, now=T0, name="X"
        )

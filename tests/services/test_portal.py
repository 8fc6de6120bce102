"""The portal's use cases: only the customer's own cases, only what they may see, and writes
that go through the intake (threading, reopen rule, idempotency) or change nothing at all."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select
from tests.services.portal_world import OPTIONS, PortalWorld, build_portal_world, later
from tests.services.world import T0

from klantenservice.adapters.db.tables import cases, messages
from klantenservice.domain.cases import CaseStatus
from klantenservice.domain.errors import NotFound, ValidationError
from klantenservice.domain.portal import (
    MAX_BODY_CHARS,
    CustomerStatus,
    Field,
    FormRejected,
    ProblemKind,
)
from klantenservice.domain.vocabulary import CaseId, Channel, Language, Priority, Role
from klantenservice.services import cases as case_service
from klantenservice.services import messages as message_service
from klantenservice.services import portal
from klantenservice.services.ports import SYSTEM

SUBMISSION = "s" * 32


@pytest.fixture
def world(database_url: str) -> Iterator[PortalWorld]:
    built = build_portal_world(database_url)
    built.world.add_agent("anna")
    yield built
    built.close()


def agent_reply(world: PortalWorld, case_id: int, body: str, minutes: float) -> None:
    message_service.reply_to_case(
        world.uows(),
        actor=world.world.agent_actor("anna", Role.AGENT),
        case_id=CaseId(case_id),
        body=body,
        now=later(minutes),
    )


def agent_note(world: PortalWorld, case_id: int, body: str, minutes: float) -> None:
    message_service.add_note(
        world.uows(),
        actor=world.world.agent_actor("anna", Role.AGENT),
        case_id=CaseId(case_id),
        body=body,
        now=later(minutes),
    )


def stored_message(world: PortalWorld, message_id: int | None = None) -> tuple[object, ...]:
    with world.world.read() as connection:
        query = select(
            messages.c.case_id, messages.c.channel, messages.c.external_id, messages.c.body
        ).order_by(messages.c.id.desc())
        return tuple(connection.execute(query).first() or ())


def case_row(world: PortalWorld, case_id: int) -> tuple[object, ...]:
    with world.world.read() as connection:
        row = connection.execute(
            select(cases.c.status, cases.c.channel, cases.c.priority, cases.c.linked_to).where(
                cases.c.id == case_id
            )
        ).one()
        return tuple(row)


# -- reading ------------------------------------------------------------------------------


def test_a_customer_lists_only_their_own_cases_newest_first(world: PortalWorld) -> None:
    first = world.case_of(world.ann, "Pas geblokkeerd")
    world.case_of(world.ben, "Hypotheek")
    second = world.case_of(world.ann, "Dubbele kosten")
    ann = world.signed_in(world.ann)
    listed = portal.my_cases(world.uows(read_only=True), customer=ann)
    assert [(c.case_id, c.subject) for c in listed] == [
        (second, "Dubbele kosten"),
        (first, "Pas geblokkeerd"),
    ]
    assert listed[0].status is CustomerStatus.RECEIVED
    assert listed[0].reference == f"KS-{second:06d}"


def test_last_activity_is_the_last_message_the_customer_can_see(world: PortalWorld) -> None:
    case_id = world.case_of(world.ann)
    agent_reply(world, case_id, "We kijken ernaar.", 10)
    agent_note(world, case_id, "Klant belt vaak; let op toon.", 20)
    ann = world.signed_in(world.ann)
    (listed,) = portal.my_cases(world.uows(read_only=True), customer=ann)
    assert listed.last_activity == later(10)  # the note (staff only) does not count
    assert listed.status is CustomerStatus.IN_PROGRESS


def test_a_case_shows_the_conversation_but_never_an_internal_note(world: PortalWorld) -> None:
    case_id = world.case_of(world.ann)
    agent_note(world, case_id, "Interne notitie: fraudeverdenking", 5)
    agent_reply(world, case_id, "Uw nieuwe pas is onderweg.", 10)
    ann = world.signed_in(world.ann)
    detail = portal.my_case(world.uows, customer=ann, case_id=CaseId(case_id), now=later(11))
    assert [(m.from_customer, m.body) for m in detail.messages] == [
        (True, "Mijn pas doet het niet."),
        (False, "Uw nieuwe pas is onderweg."),
    ]
    assert detail.case.status is CustomerStatus.IN_PROGRESS
    assert not detail.closed
    assert "fraudeverdenking" not in repr(detail)


def test_another_customers_case_is_refused_audited_and_tells_nothing_of_it(
    world: PortalWorld,
) -> None:
    bens = world.case_of(world.ben, "Hypotheekofferte van Ben")
    ann = world.signed_in(world.ann)
    with pytest.raises(portal.CaseNotYours) as refused:
        portal.my_case(world.uows, customer=ann, case_id=CaseId(bens), now=T0)
    assert "Hypotheek" not in refused.value.message and "Ben" not in refused.value.message
    assert world.audit_rows("portal.case_refused") == [
        (f"customer:{world.ann.id}", "case", str(bens))
    ]


def test_an_unknown_case_is_not_found_and_not_audited(world: PortalWorld) -> None:
    ann = world.signed_in(world.ann)
    with pytest.raises(NotFound, match="KS-000999"):
        portal.my_case(world.uows, customer=ann, case_id=CaseId(999), now=T0)
    assert world.audit_rows("portal.case_refused") == []


def test_a_merged_case_shows_as_the_case_it_joined_with_both_conversations(
    world: PortalWorld,
) -> None:
    target = world.case_of(world.ann, "Dubbele kosten")
    source = world.case_of(world.ann, "Kosten twee keer")
    case_service.merge_cases(
        world.uows(), actor=SYSTEM, target_id=CaseId(target), source_id=CaseId(source), now=later(5)
    )
    ann = world.signed_in(world.ann)
    listed = portal.my_cases(world.uows(read_only=True), customer=ann)
    assert [c.case_id for c in listed] == [target]
    detail = portal.my_case(world.uows, customer=ann, case_id=CaseId(source), now=later(6))
    assert detail.case.case_id == target
    assert len(detail.messages) == 2


# -- replying -----------------------------------------------------------------------------


def test_a_reply_is_an_inbound_web_form_message_through_the_intake(world: PortalWorld) -> None:
    case_id = world.case_of(world.ann)
    agent_reply(world, case_id, "Kunt u de laatste vier cijfers sturen?", 10)
    case_service.change_status(
        world.uows(),
        actor=SYSTEM,
        case_id=CaseId(case_id),
        status=CaseStatus.PENDING_CUSTOMER,
        now=later(11),
    )
    ann = world.signed_in(world.ann)
    written = portal.reply(
        world.uows,
        customer=ann,
        case_id=CaseId(case_id),
        body="Het gaat om 1234.",
        submission=SUBMISSION,
        now=later(20),
        options=OPTIONS,
    )
    assert (written.case_id, written.new_case, written.duplicate) == (case_id, False, False)
    assert stored_message(world) == (
        case_id,
        "web_form",
        f"portal:{world.ann.id}:{SUBMISSION}",
        "Het gaat om 1234.",
    )
    assert case_row(world, case_id)[:2] == ("open", "email")  # waiting for her: now open
    assert (f"customer:{world.ann.id}", "message", str(written_message_id(world))) in (
        world.audit_rows("message.received")
    )


def written_message_id(world: PortalWorld) -> int:
    with world.world.read() as connection:
        return int(
            connection.execute(select(messages.c.id).order_by(messages.c.id.desc())).scalar()
        )


def test_sending_the_same_reply_form_twice_stores_one_message(world: PortalWorld) -> None:
    case_id = world.case_of(world.ann)
    ann = world.signed_in(world.ann)
    send = {
        "customer": ann,
        "case_id": CaseId(case_id),
        "body": "Dubbel geklikt",
        "submission": SUBMISSION,
        "options": OPTIONS,
    }
    first = portal.reply(world.uows, now=later(1), **send)  # type: ignore[arg-type]
    before = world.stored()
    again = portal.reply(world.uows, now=later(1.1), **send)  # type: ignore[arg-type]
    assert again.duplicate and again.case_id == first.case_id
    assert world.stored() == before


def test_a_reply_on_another_customers_case_stores_nothing(world: PortalWorld) -> None:
    bens = world.case_of(world.ben)
    ann = world.signed_in(world.ann)
    before = world.stored()
    with pytest.raises(portal.CaseNotYours):
        portal.reply(
            world.uows,
            customer=ann,
            case_id=CaseId(bens),
            body="Ik kijk mee",
            submission=SUBMISSION,
            now=later(1),
            options=OPTIONS,
        )
    after = world.stored()
    assert after["messages"] == before["messages"] and after["cases"] == before["cases"]
    assert after["audit"] == before["audit"] + 1  # only the refusal is recorded


@pytest.mark.parametrize(
    ("body", "submission", "problem"),
    [
        ("x" * (MAX_BODY_CHARS + 1), SUBMISSION, (Field.BODY, ProblemKind.TOO_LONG)),
        ("   \n ", SUBMISSION, (Field.BODY, ProblemKind.MISSING)),
        ("Hallo", "", (Field.SUBMISSION, ProblemKind.MISSING)),
    ],
)
def test_an_oversized_or_empty_reply_is_refused_and_stores_nothing(
    world: PortalWorld, body: str, submission: str, problem: tuple[Field, ProblemKind]
) -> None:
    case_id = world.case_of(world.ann)
    ann = world.signed_in(world.ann)
    before = world.stored()
    with pytest.raises(FormRejected) as rejected:
        portal.reply(
            world.uows,
            customer=ann,
            case_id=CaseId(case_id),
            body=body,
            submission=submission,
            now=later(1),
            options=OPTIONS,
        )
    assert [(p.field, p.kind) for p in rejected.value.problems] == [problem]
    assert world.stored() == before


def test_a_script_in_a_reply_is_stored_as_the_text_it_is(world: PortalWorld) -> None:
    case_id = world.case_of(world.ann)
    ann = world.signed_in(world.ann)
    body = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    portal.reply(
        world.uows,
        customer=ann,
        case_id=CaseId(case_id),
        body=body,
        submission=SUBMISSION,
        now=later(1),
        options=OPTIONS,
    )
    detail = portal.my_case(world.uows, customer=ann, case_id=CaseId(case_id), now=later(2))
    assert detail.messages[-1].body == body


def test_a_reply_on_a_closed_case_opens_a_new_case_linked_to_it(world: PortalWorld) -> None:
    case_id = world.case_of(world.ann)
    for status in (CaseStatus.RESOLVED, CaseStatus.CLOSED):
        case_service.change_status(
            world.uows(), actor=SYSTEM, case_id=CaseId(case_id), status=status, now=later(5)
        )
    ann = world.signed_in(world.ann)
    assert portal.my_case(world.uows, customer=ann, case_id=CaseId(case_id), now=later(6)).closed
    written = portal.reply(
        world.uows,
        customer=ann,
        case_id=CaseId(case_id),
        body="Het probleem is terug.",
        submission=SUBMISSION,
        now=later(10),
        options=OPTIONS,
    )
    assert written.new_case and written.case_id != case_id
    assert case_row(world, written.case_id)[3] == case_id  # linked to the closed one


# -- a new question -----------------------------------------------------------------------


def ask(world: PortalWorld, **changes: object) -> portal.Written:
    fields: dict[str, object] = {
        "category": "payments",
        "subject": "Dubbele\nafschrijving",
        "body": "Ik zie twee keer dezelfde afschrijving.",
        "submission": SUBMISSION,
        "language": Language.EN,
        "now": later(30),
        "options": OPTIONS,
        **changes,
    }
    ann = world.signed_in(world.ann)
    return portal.ask_question(world.uows, customer=ann, **fields)  # type: ignore[arg-type]


def test_a_new_question_opens_a_new_case_even_while_another_is_open(world: PortalWorld) -> None:
    open_case = world.case_of(world.ann)
    written = ask(world)
    assert written.new_case and written.case_id != open_case
    assert written.reference == f"KS-{written.case_id:06d}"
    with world.world.read() as connection:
        row = connection.execute(
            select(cases.c.subject, cases.c.channel, cases.c.category, cases.c.language).where(
                cases.c.id == written.case_id
            )
        ).one()
    assert tuple(row) == ("Dubbele afschrijving", "web_form", "payments", "en")
    assert stored_message(world)[:2] == (written.case_id, Channel.WEB_FORM.value)


def test_a_fraud_report_goes_to_the_emergency_lane(world: PortalWorld) -> None:
    written = ask(world, category="fraud", subject="Geld verdwijnt van mijn rekening")
    assert written.emergency
    assert case_row(world, written.case_id)[2] == int(Priority.EMERGENCY)


def test_sending_the_same_question_form_twice_opens_one_case(world: PortalWorld) -> None:
    first = ask(world)
    before = world.stored()
    again = ask(world)
    assert again.duplicate and not again.new_case and again.case_id == first.case_id
    after = world.stored()  # (signing in again wrote a session and an audit row)
    assert (after["cases"], after["messages"]) == (before["cases"], before["messages"])


def test_a_question_with_problems_lists_them_all_and_stores_nothing(world: PortalWorld) -> None:
    ann = world.signed_in(world.ann)
    before = world.stored()
    with pytest.raises(FormRejected) as rejected:
        portal.ask_question(
            world.uows,
            customer=ann,
            category="lottery",
            subject="",
            body="x" * (MAX_BODY_CHARS + 1),
            submission=SUBMISSION,
            language=Language.NL,
            now=later(1),
            options=OPTIONS,
        )
    assert [p.field for p in rejected.value.problems] == [Field.CATEGORY, Field.SUBJECT, Field.BODY]
    assert world.stored() == before


def test_a_message_cannot_both_open_a_new_case_and_refer_to_one(world: PortalWorld) -> None:
    case_id = world.case_of(world.ann)
    before = world.stored()
    with pytest.raises(ValidationError, match="either opens a new case or refers to one"):
        world.world.receive(
            "Beide", customer_id=world.ann.id, case_reference=f"KS-{case_id:06d}", new_case=True
        )
    assert world.stored() == before

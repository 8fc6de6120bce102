"""The emergency lane's pure rules: ladder, time to human, reports, references, the SOS form."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from klantenservice.domain.cases import CaseStatus
from klantenservice.domain.emergency import (
    DEFAULT_LADDER,
    EscalationStep,
    acknowledgement,
    check_ladder,
    due_steps,
    fresh_text,
    may_end_case,
    time_to_human,
    within_promise,
)
from klantenservice.domain.emergency_reports import (
    BlockStatus,
    CardBlock,
    check_last_four,
    new_reference,
    normalise_reference,
    retained_until,
)
from klantenservice.domain.errors import InvalidTransition, ValidationError
from klantenservice.domain.events import CaseEvent, CaseEventKind
from klantenservice.domain.sos import SosForm, SosKind, SosProblem, SosRejected, check_sos
from klantenservice.domain.vocabulary import Language, Priority

T = datetime(2026, 11, 22, 1, 13, tzinfo=UTC)
M = timedelta(minutes=1)


def event(kind: CaseEventKind, minutes: float) -> CaseEvent:
    return CaseEvent(kind, T + minutes * M)


def test_time_to_human_is_the_first_reply_or_voice_contact() -> None:
    assert time_to_human([event(CaseEventKind.CREATED, 0)]) is None
    history = [
        event(CaseEventKind.CREATED, 0),
        event(CaseEventKind.ASSIGNED, 1),  # being assigned is not contact
        event(CaseEventKind.CONTACTED, 7),
        event(CaseEventKind.AGENT_REPLY, 9),
    ]
    assert time_to_human(history) == 7 * M
    assert time_to_human([event(CaseEventKind.CREATED, 0), event(CaseEventKind.AGENT_REPLY, 3)])
    assert within_promise(10 * M) and not within_promise(10 * M + timedelta(seconds=1))


def test_the_ladder_fires_each_rung_once_and_stops_at_contact() -> None:
    assert due_steps(T, None, (), T + 4 * M) == ()
    assert due_steps(T, None, (), T + 5 * M) == (DEFAULT_LADDER[0],)
    assert due_steps(T, None, (1,), T + 8 * M) == (DEFAULT_LADDER[1],)
    assert due_steps(T, None, (), T + 9 * M) == DEFAULT_LADDER  # late: both, in order
    assert due_steps(T, None, (1, 2), T + 60 * M) == ()
    assert due_steps(T, T + 4 * M, (), T + 9 * M) == ()


@given(
    fired=st.sets(st.sampled_from([1, 2])),
    minutes=st.floats(min_value=0, max_value=120),
    contact=st.one_of(st.none(), st.floats(min_value=0, max_value=120)),
)
def test_no_rung_fires_twice_or_before_it_is_due(
    fired: set[int], minutes: float, contact: float | None
) -> None:
    now = T + minutes * M
    contacted = None if contact is None else T + contact * M
    steps = due_steps(T, contacted, fired, now)
    assert all(step.level not in fired and T + step.after <= now for step in steps)
    assert contacted is None or steps == ()


def test_a_ladder_must_climb() -> None:
    with pytest.raises(ValidationError):
        EscalationStep(level=1, after=11 * M)  # after the promise broke: too late to help
    with pytest.raises(ValidationError):
        check_ladder([EscalationStep(1, 6 * M), EscalationStep(2, 5 * M)])
    with pytest.raises(ValidationError):
        check_ladder([EscalationStep(2, 5 * M)])
    assert check_ladder(DEFAULT_LADDER) == DEFAULT_LADDER


def test_only_people_end_an_emergency() -> None:
    open_ = CaseStatus.OPEN
    for status in (CaseStatus.RESOLVED, CaseStatus.CLOSED):
        assert not may_end_case(Priority.EMERGENCY, open_, status, actor_is_person=False)
        assert may_end_case(Priority.EMERGENCY, open_, status, actor_is_person=True)
        assert may_end_case(Priority.URGENT, open_, status, actor_is_person=False)
    pending = CaseStatus.PENDING_INTERNAL
    assert may_end_case(Priority.EMERGENCY, open_, pending, actor_is_person=False)
    # archiving what a person resolved is housekeeping, not ending the emergency
    resolved, closed = CaseStatus.RESOLVED, CaseStatus.CLOSED
    assert may_end_case(Priority.EMERGENCY, resolved, closed, actor_is_person=False)


def test_quoted_mail_is_not_read_for_alarms() -> None:
    reply = "Dank u, alles is goed.\n\nOp 20 nov 2026 schreef Polderbank <k@p.nl>:\n> gestolen"
    assert fresh_text(reply) == "Dank u, alles is goed.\n\n"
    assert fresh_text("thanks\n> Your stolen card is blocked") == "thanks\n"
    assert fresh_text("mijn pas is gestolen") == "mijn pas is gestolen"


def test_the_acknowledgement_gives_reference_local_time_and_the_ways_to_block() -> None:
    text = acknowledgement(
        Language.NL, reference="SOS-7K3F-9QXW", reported_at=T, zone="Europe/Amsterdam",
        emergency_number="+31 20 555 0100", sos_url="https://bank.example/sos",
    )  # fmt: skip
    assert "SOS-7K3F-9QXW" in text and "22-11-2026 02:13:00" in text
    assert "10 minuten" in text and "https://bank.example/sos" in text
    english = acknowledgement(Language.EN, reference="SOS-1", reported_at=T, zone="UTC")
    assert "01:13:00" in english and "sos" not in english.lower().replace("sos-1", "")


@given(st.binary(min_size=5, max_size=5))
def test_references_are_readable_and_read_back(raw: bytes) -> None:
    reference = new_reference(raw)
    assert normalise_reference(reference) == reference
    assert normalise_reference(reference.lower().replace("-", " ")) == reference
    assert not set(reference[4:]) & set("ILOU")


def test_misread_characters_are_mended_and_garbage_refused() -> None:
    assert normalise_reference("sos-7k3f-9qxo") == "SOS-7K3F-9QX0"
    assert normalise_reference("SOS-12") is None
    assert normalise_reference("KS-000123") is None


def test_only_the_last_four_digits_are_ever_kept() -> None:
    assert check_last_four(" 12 34 ") == "1234"
    assert check_last_four("") is None
    for bad in ("4111111111111111", "123", "12a4"):
        with pytest.raises(ValidationError, match="last 4 digits"):
            check_last_four(bad)


def test_retention_is_18_calendar_months() -> None:
    assert retained_until(T) == datetime(2028, 5, 22, 1, 13, tzinfo=UTC)
    end_of_august = datetime(2026, 8, 31, tzinfo=UTC)
    assert retained_until(end_of_august) == datetime(2028, 2, 29, tzinfo=UTC)  # leap year


def test_a_card_block_settles_once() -> None:
    block = CardBlock(id=1, report_id=1, requested_at=T, card_last_four="1234")
    retried = block.attempted("HTTP 503")
    assert (retried.status, retried.attempts) == (BlockStatus.REQUESTED, 1)
    done = retried.blocked("CORE-1", T + M)
    assert (done.status, done.attempts, done.settled_at) == (BlockStatus.BLOCKED, 2, T + M)
    with pytest.raises(InvalidTransition):
        done.failed("late", T)


def sos(**fields: Any) -> SosForm:
    values: dict[str, Any] = {
        "kind": "card_lost_or_stolen", "phone": "", "email": "", "name": "", "description": "",
        "block_card": False, "card_last_four": "", "submission": "s" * 32, **fields,
    }  # fmt: skip
    return check_sos(**values)


def test_the_sos_form_needs_what_happened_and_a_way_back() -> None:
    with pytest.raises(SosRejected) as rejected:
        sos(kind="", phone="", email="", card_last_four="4111111111111111", submission="x")
    assert rejected.value.problems == {
        "kind": SosProblem.KIND_MISSING,
        "phone": SosProblem.CONTACT_MISSING,
        "card_last_four": SosProblem.CARD_DIGITS,
        "submission": SosProblem.SUBMISSION,
    }
    with pytest.raises(SosRejected) as bad_phone:
        sos(phone="12", email="jan@example.nl")
    assert bad_phone.value.problems == {"phone": SosProblem.PHONE_INVALID}
    form = sos(phone="06 12345678", email="Jan@Example.nl", block_card=True)
    assert form.contact.value == "+31612345678"
    assert form.other_contact is not None and form.other_contact.value == "jan@example.nl"
    assert SosKind.MONEY_LEAVING.emergency.value == "fraud"

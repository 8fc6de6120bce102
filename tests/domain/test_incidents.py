"""Incident rules as plain values: declaring, ending, auto-reply text, the report's figures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from klantenservice.domain.errors import InvalidTransition, ValidationError
from klantenservice.domain.events import CaseEvent, CaseEventKind
from klantenservice.domain.incidents import (
    MAX_MESSAGE_LENGTH,
    CaseFacts,
    EmergencyRoute,
    Incident,
    IncidentKind,
    auto_reply_text,
    build_report,
    declare,
    percentile,
)
from klantenservice.domain.vocabulary import CaseId, Channel, Language, Priority

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
M = timedelta(minutes=1)
ROUTE = EmergencyRoute.on("+31 20 555 0100", "https://hulp.polderbank.nl/")


def incident(**overrides: object) -> Incident:
    fields: dict[str, object] = {
        "kind": "outage",
        "message_nl": "Inloggen in de app lukt nu niet.",
        "message_en": "Logging in to the app does not work right now.",
        "at": T0,
        "by": "user:1",
    }
    fields.update(overrides)
    declared = declare(**fields)  # type: ignore[arg-type]
    return Incident(**{**_as_dict(declared), "id": 7})


def _as_dict(i: Incident) -> dict[str, object]:
    return {name: getattr(i, name) for name in Incident.__dataclass_fields__}


def test_declare_checks_and_normalises_what_the_supervisor_typed() -> None:
    found = incident(
        kind="fraud_wave",
        channels=["chat", " SMS "],
        products=["Creditcard", "ideal", ""],
        queue=" Fraude-Golf ",
        message_nl="  Let op:\n nep-sms'en   in omloop. ",
    )
    assert found.kind is IncidentKind.FRAUD_WAVE
    assert found.channels == {Channel.CHAT, Channel.SMS}
    assert found.products == ("creditcard", "ideal")
    assert found.queue == "fraude-golf"
    assert found.message_nl == "Let op: nep-sms'en in omloop."
    assert found.active and found.tag == "incident-7"


@pytest.mark.parametrize(
    ("overrides", "complaint"),
    [
        ({"kind": "meteor"}, "unknown incident kind 'meteor'"),
        ({"message_nl": "   "}, "the Dutch incident message is empty"),
        ({"message_en": ""}, "the English incident message is empty"),
        ({"message_en": "x" * (MAX_MESSAGE_LENGTH + 1)}, "at most 500"),
        ({"message_nl": "<b>storing</b>"}, "plain text"),
        ({"channels": ["pigeon"]}, "unknown channel 'pigeon'"),
        ({"channels": ["internal_note"]}, "unknown channel 'internal_note'"),
        ({"products": ["credit card"]}, "product 'credit card'"),
        ({"queue": "my queue"}, "queue name 'my queue'"),
    ],
)
def test_declare_refuses_bad_input_saying_what_is_wrong(
    overrides: dict[str, object], complaint: str
) -> None:
    with pytest.raises(ValidationError, match=complaint):
        incident(**overrides)


def test_an_incident_ends_once_and_not_before_it_began() -> None:
    found = incident()
    ended = found.end(at=T0 + 30 * M, by="user:2")
    assert not ended.active and ended.ended_by == "user:2"
    with pytest.raises(InvalidTransition, match="already ended"):
        ended.end(at=T0 + 31 * M, by="user:2")
    with pytest.raises(ValidationError, match="before it was declared"):
        found.end(at=T0 - M, by="user:2")


def test_no_channels_named_means_every_channel() -> None:
    assert incident().affects(Channel.PHONE)
    only_chat = incident(channels=["chat"])
    assert only_chat.affects(Channel.CHAT) and not only_chat.affects(Channel.EMAIL)


def test_auto_reply_is_the_message_then_the_emergency_route_in_the_language() -> None:
    found = incident()
    nl = auto_reply_text(found, Language.NL, ROUTE)
    en = auto_reply_text(found, "en", ROUTE)
    assert nl.startswith("Inloggen in de app lukt nu niet.\n\n")
    assert "Bel dag en nacht +31 20 555 0100" in nl
    assert "https://hulp.polderbank.nl/sos" in nl
    assert en.startswith("Logging in to the app does not work right now.\n\n")
    assert "Call +31 20 555 0100, day and night" in en and en.endswith("/sos.")


def test_percentile_is_a_wait_someone_had() -> None:
    waits = [timedelta(minutes=m) for m in (9, 1, 5, 3, 7)]
    assert percentile(waits, 0.5) == timedelta(minutes=5)
    assert percentile(waits, 0.9) == timedelta(minutes=9)
    assert percentile([M], 0.9) == M


def _facts(
    case_id: int,
    created: datetime,
    *,
    answered_after: timedelta | None,
    priority: Priority = Priority.NORMAL,
    channel: Channel = Channel.CHAT,
    tags: frozenset[str] = frozenset({"incident-7"}),
    breached: tuple[datetime, ...] = (),
) -> CaseFacts:
    history = [CaseEvent(CaseEventKind.CREATED, created)]
    if answered_after is not None:
        history.append(CaseEvent(CaseEventKind.AGENT_REPLY, created + answered_after))
    return CaseFacts(CaseId(case_id), channel, priority, created, tags, tuple(history), breached)


def test_report_counts_contacts_waits_breaches_and_emergencies_in_the_window() -> None:
    found = incident()
    end = T0 + 60 * M
    cases = [
        _facts(1, T0 + M, answered_after=2 * M),
        _facts(2, T0 + 2 * M, answered_after=4 * M, channel=Channel.EMAIL),
        _facts(3, T0 + 3 * M, answered_after=None, breached=(T0 + 50 * M, T0 + 90 * M)),
        _facts(4, T0 + 4 * M, answered_after=8 * M, priority=Priority.EMERGENCY),
        _facts(5, T0 + 5 * M, answered_after=12 * M, priority=Priority.EMERGENCY),
        _facts(6, T0 - 60 * M, answered_after=M, tags=frozenset()),  # older case, wrote again
    ]
    report = build_report(
        found,
        end=end,
        contacts_by_channel={Channel.CHAT: 5, Channel.EMAIL: 2, Channel.SMS: 0},
        cases=cases,
    )
    assert report.contacts_by_channel == {Channel.CHAT: 5, Channel.EMAIL: 2}
    assert report.contacts == 7
    assert report.tagged_cases == 5
    assert report.waits.answered == 4 and report.waits.unanswered == 1
    assert (report.waits.p50, report.waits.p90, report.waits.max) == (4 * M, 12 * M, 12 * M)
    assert report.breaches == 1  # the one after the end does not count
    assert [(e.case_id, e.time_to_human) for e in report.emergencies] == [(4, 8 * M), (5, 12 * M)]
    assert [e.within_target for e in report.emergencies] == [True, False]
    assert report.emergency_share_within_target == 0.5


def test_report_without_answers_or_emergencies_says_none_rather_than_zero() -> None:
    report = build_report(
        incident(), end=T0 + M, contacts_by_channel={}, cases=[_facts(1, T0, answered_after=None)]
    )
    assert report.waits.p50 is None and report.waits.max is None
    assert report.emergency_share_within_target is None
    assert report.contacts == 0

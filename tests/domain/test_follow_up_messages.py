"""A customer's follow-up while their case already waits for a reply moves no promise clock.

The intake skips recomputing the clocks for such messages (``customer_message_moves_clocks``);
these tests hold the domain to the promise that makes the skip safe.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from klantenservice.domain.calendars import BusinessCalendar
from klantenservice.domain.cases import Case, CaseStatus, merge_cases, open_case
from klantenservice.domain.events import CaseEvent
from klantenservice.domain.promise_clocks import customer_message_moves_clocks
from klantenservice.domain.promises import PromisePolicy, evaluate_promises
from klantenservice.domain.vocabulary import AgentId, CaseId, Channel, CustomerId

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday
HOUR = timedelta(hours=1)
CALENDAR = BusinessCalendar.office_hours("office", holidays={date(2026, 4, 6): "Easter Monday"})
POLICY = PromisePolicy(
    "standard",
    calendar="office",
    first_response=4 * HOUR,
    next_response=2 * HOUR,
    resolution=16 * HOUR,
)
AGENT = AgentId(7)


def new_case(at: datetime = T0) -> tuple[Case, list[CaseEvent]]:
    draft, events = open_case(
        customer_id=CustomerId(1), subject="pas geblokkeerd", channel=Channel.CHAT, at=at
    )
    return Case(**{**{n: getattr(draft, n) for n in Case.__slots__}, "id": CaseId(1)}), events


def due_times(history: list[CaseEvent], now: datetime) -> list[tuple[str, object, object]]:
    clocks = evaluate_promises(sorted(history, key=lambda e: e.at), POLICY, CALENDAR, now)
    return [(c.kind.value, c.state, c.due_at) for c in clocks]


def test_the_first_customer_message_marks_the_case_as_awaiting_a_reply() -> None:
    case, _ = new_case()
    written, _ = case.record_customer_message(at=T0, message_id=1)
    assert written.awaiting_reply_since == T0


def test_a_follow_up_keeps_the_time_of_the_oldest_unanswered_message() -> None:
    case, _ = new_case()
    case, _ = case.record_customer_message(at=T0, message_id=1)
    case, events = case.record_customer_message(at=T0 + HOUR, message_id=2)
    assert case.awaiting_reply_since == T0
    assert not customer_message_moves_clocks(T0, events)


def test_an_agent_reply_ends_the_wait_so_the_next_message_moves_the_clocks() -> None:
    case, _ = new_case()
    case, _ = case.record_customer_message(at=T0, message_id=1)
    case, _ = case.record_agent_reply(at=T0 + HOUR, message_id=2, agent_id=AGENT)
    assert case.awaiting_reply_since is None
    before = case.awaiting_reply_since
    case, events = case.record_customer_message(at=T0 + 2 * HOUR, message_id=3)
    assert customer_message_moves_clocks(before, events)


def test_a_message_that_resumes_a_pending_case_moves_the_clocks() -> None:
    case, _ = new_case()
    case, _ = case.record_customer_message(at=T0, message_id=1)
    case, _ = case.change_status(CaseStatus.PENDING_CUSTOMER, at=T0 + HOUR)
    before = case.awaiting_reply_since
    case, events = case.record_customer_message(at=T0 + 2 * HOUR, message_id=2)
    assert before is not None
    assert customer_message_moves_clocks(before, events)


def test_a_merged_case_forgets_its_wait_so_its_clocks_are_recomputed() -> None:
    target, _ = new_case()
    target, _ = target.record_customer_message(at=T0, message_id=1)
    source = Case(**{**{n: getattr(target, n) for n in Case.__slots__}, "id": CaseId(2)})
    (merged, _), _ = merge_cases(target, source, at=T0 + HOUR)
    assert merged.awaiting_reply_since is None


# Steps of a case's life after it was opened: (what happens, hours later)
STEPS = st.lists(
    st.tuples(
        st.sampled_from(["customer", "customer", "reply", "pending", "resolve", "reopen"]),
        st.integers(min_value=0, max_value=30),
    ),
    min_size=1,
    max_size=14,
)


@settings(max_examples=150, deadline=None)
@given(steps=STEPS, read_after=st.integers(min_value=0, max_value=200))
def test_a_message_said_not_to_move_the_clocks_changes_no_due_time_and_no_state(
    steps: list[tuple[str, int]], read_after: int
) -> None:
    case, history = new_case()
    at = T0
    for message_id, (action, hours) in enumerate(steps, start=1):
        at += timedelta(hours=hours)
        if action == "customer" and case.status not in (CaseStatus.RESOLVED, CaseStatus.CLOSED):
            awaiting = case.awaiting_reply_since
            case, events = case.record_customer_message(at=at, message_id=message_id)
            if not customer_message_moves_clocks(awaiting, events):
                now = at + timedelta(hours=read_after)
                assert due_times(history, now) == due_times([*history, *events], now)
            history.extend(events)
        elif action == "reply" and case.status is not CaseStatus.CLOSED:
            case, events = case.record_agent_reply(at=at, message_id=message_id, agent_id=AGENT)
            history.extend(events)
        elif action == "pending" and case.status in (CaseStatus.NEW, CaseStatus.OPEN):
            case, events = case.change_status(CaseStatus.PENDING_CUSTOMER, at=at)
            history.extend(events)
        elif action == "resolve" and case.status in (CaseStatus.OPEN, CaseStatus.PENDING_CUSTOMER):
            case, events = case.change_status(CaseStatus.RESOLVED, at=at)
            history.extend(events)
        elif action == "reopen" and case.status is CaseStatus.RESOLVED:
            case, events = case.reopen(at=at)
            history.extend(events)

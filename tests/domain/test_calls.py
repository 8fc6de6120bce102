"""A call's life as a record (idempotent, monotonic transitions) and the period's figures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from klantenservice.domain.calls import (
    CallRecord,
    CallStatus,
    ChoiceBy,
    PathStep,
    call_stats,
)
from klantenservice.domain.errors import ValidationError
from klantenservice.domain.vocabulary import Language, Priority

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
S = timedelta(seconds=1)


def call(sid: str = "CA1") -> CallRecord:
    return CallRecord(sid, "+31612345678", "+31201234567", Language.NL, T0)


def test_a_call_answered_and_ended() -> None:
    record = call().queued("general", Priority.NORMAL, T0 + 20 * S)
    record = record.answered(T0 + 80 * S).ended(T0 + 380 * S)
    assert record.status is CallStatus.ENDED
    assert record.wait == 60 * S and record.handle == 300 * S


def test_transitions_are_idempotent_and_never_go_back() -> None:
    queued = call().queued("general", Priority.NORMAL, T0 + S)
    assert queued.queued("other", Priority.LOW, T0 + 9 * S) == queued  # a retry
    abandoned = queued.ended(T0 + 30 * S)
    assert abandoned.status is CallStatus.ABANDONED
    assert abandoned.answered(T0 + 40 * S) == abandoned  # a late webhook
    assert abandoned.ended(T0 + 50 * S) == abandoned
    callback = queued.callback_requested(T0 + 10 * S)
    assert callback.status is CallStatus.CALLBACK and callback.wait == 9 * S
    assert callback.ended(T0 + 20 * S) == callback  # leaving the queue is not abandoning
    assert call().ended(T0 + 5 * S).status is CallStatus.ENDED  # hung up in the menu


def test_ivr_steps_are_stored_once_in_order() -> None:
    first = PathStep("main", "2", ChoiceBy.DTMF)
    record, chosen = call().chose(0, first)
    assert chosen == first and record.ivr_path == (first,)
    again, chosen = record.chose(0, PathStep("main", "0", ChoiceBy.SPEECH))
    assert again == record and chosen == first  # the retry answers what was chosen first
    with pytest.raises(ValidationError, match="step 3"):
        record.chose(3, first)
    with pytest.raises(ValidationError, match="left the menu"):
        record.queued("general", Priority.NORMAL, T0).chose(1, first)


def test_stats_of_a_period() -> None:
    answered = call("a").queued("g", Priority.NORMAL, T0).answered(T0 + 30 * S).ended(T0 + 130 * S)
    slow = call("b").queued("g", Priority.NORMAL, T0).answered(T0 + 90 * S).ended(T0 + 390 * S)
    abandoned = call("c").queued("g", Priority.NORMAL, T0).ended(T0 + 40 * S)
    callback = call("d").queued("g", Priority.NORMAL, T0).callback_requested(T0 + 20 * S)
    in_ivr = call("e").ended(T0 + 10 * S)
    waiting = call("f").queued("g", Priority.NORMAL, T0)
    stats = call_stats([answered, slow, abandoned, callback, in_ivr, waiting])
    assert (stats.calls, stats.in_progress, stats.ended_in_ivr) == (6, 1, 1)
    assert (stats.queued, stats.answered, stats.abandoned, stats.callbacks) == (5, 2, 1, 1)
    assert stats.abandonment_rate == pytest.approx(1 / 4)  # the waiting call is not counted
    assert stats.average_wait == 60 * S and stats.longest_wait == 90 * S
    assert stats.average_abandoned_wait == 40 * S
    assert stats.average_handle == 200 * S


def test_stats_of_nothing() -> None:
    stats = call_stats([])
    assert stats.calls == 0
    assert stats.abandonment_rate is None and stats.average_wait is None


@given(st.lists(st.sampled_from(["answer", "abandon", "callback", "ivr"]), max_size=30))
def test_counts_add_up(outcomes: list[str]) -> None:
    records = []
    for index, outcome in enumerate(outcomes):
        record = call(str(index))
        if outcome != "ivr":
            record = record.queued("g", Priority.NORMAL, T0 + S)
        if outcome == "answer":
            record = record.answered(T0 + 2 * S)
        if outcome == "callback":
            record = record.callback_requested(T0 + 2 * S)
        records.append(record.ended(T0 + 3 * S))
    stats = call_stats(records)
    assert stats.answered + stats.abandoned + stats.callbacks == stats.queued
    assert stats.queued + stats.ended_in_ivr == stats.calls
    if stats.queued:
        assert stats.abandonment_rate == pytest.approx(stats.abandoned / stats.queued)

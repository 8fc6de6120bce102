"""Chat rules: message size, client ids, the rate limit and the expected wait."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from klantenservice.domain.chat import (
    MAX_CHAT_MESSAGE_CHARS,
    RATE_BURST,
    AnsweredChat,
    RateLimiter,
    StartLimits,
    check_chat_body,
    client_id_of,
    expected_wait,
    external_id,
    wait_minutes,
)
from klantenservice.domain.errors import ValidationError

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def test_a_chat_message_of_the_maximum_length_passes_and_one_more_character_is_refused() -> None:
    assert check_chat_body("x" * MAX_CHAT_MESSAGE_CHARS)
    with pytest.raises(ValidationError, match="at most 2000"):
        check_chat_body("x" * (MAX_CHAT_MESSAGE_CHARS + 1))
    with pytest.raises(ValidationError, match="empty"):
        check_chat_body("  \n ")


def test_the_external_id_is_scoped_by_chat_and_gives_the_client_id_back_only_to_its_chat() -> None:
    stored = external_id(7, "abcdef0123")
    assert stored == "chat-7-abcdef0123"
    assert client_id_of(7, stored) == "abcdef0123"
    assert client_id_of(17, stored) is None
    assert client_id_of(7, None) is None


@pytest.mark.parametrize("bad", ["short", "with space 123", "x" * 65, "<script>x</script>"])
def test_a_client_id_that_is_not_8_to_64_safe_characters_is_refused(bad: str) -> None:
    with pytest.raises(ValidationError, match="client_id"):
        external_id(1, bad)


def test_the_rate_limit_allows_a_burst_then_refuses_until_tokens_flow_back() -> None:
    limiter = RateLimiter()
    assert all(limiter.allow(T0) for _ in range(RATE_BURST))
    assert not limiter.allow(T0)
    assert not limiter.allow(T0 + timedelta(milliseconds=100))  # 0.2 of a token back
    assert limiter.allow(T0 + timedelta(milliseconds=600))  # 1.2 tokens back
    assert not limiter.allow(T0 + timedelta(milliseconds=600))


def test_a_refused_message_takes_no_token() -> None:
    limiter = RateLimiter(burst=1, per_second=1.0)
    assert limiter.allow(T0)
    for _ in range(5):
        assert not limiter.allow(T0 + timedelta(milliseconds=500))
    assert limiter.allow(T0 + timedelta(seconds=1))


def answered(waited_seconds: int, position: int) -> AnsweredChat:
    return AnsweredChat(T0, T0 + timedelta(seconds=waited_seconds), position)


def test_without_enough_recent_chats_the_wait_is_the_position_times_the_configured_estimate() -> (
    None
):
    recent = [answered(60, 1), answered(600, 1)]  # two: too few to trust
    assert expected_wait(3, recent, timedelta(minutes=2)) == timedelta(minutes=6)


def test_the_wait_per_place_is_the_median_of_recent_chats_so_one_outlier_does_not_count() -> None:
    recent = [answered(90, 1), answered(180, 2), answered(300, 3), answered(36_000, 1)]
    # seconds per place: 90, 90, 100, 36000 -> median 95
    assert expected_wait(4, recent, timedelta(minutes=2)) == timedelta(seconds=380)


def test_nobody_ahead_means_no_wait_and_minutes_are_rounded_up() -> None:
    assert expected_wait(0, [], timedelta(minutes=2)) == timedelta(0)
    assert wait_minutes(timedelta(seconds=59)) == 0
    assert wait_minutes(timedelta(seconds=60)) == 1
    assert wait_minutes(timedelta(seconds=61)) == 2


def test_chat_starts_are_limited_per_address_and_come_back_with_time() -> None:
    limits = StartLimits(burst=2, per_hour=60.0)  # then one a minute
    t0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    assert [limits.allow("10.0.0.1", t0) for _ in range(3)] == [True, True, False]
    assert limits.allow("10.0.0.2", t0)  # another address has its own bucket
    assert not limits.allow("10.0.0.1", t0 + timedelta(seconds=30))
    assert limits.allow("10.0.0.1", t0 + timedelta(seconds=61))


def test_the_start_limits_forget_the_least_recently_seen_address_beyond_their_size() -> None:
    limits = StartLimits(burst=1, per_hour=1.0, max_addresses=2)
    t0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    assert limits.allow("a", t0) and limits.allow("b", t0)
    assert not limits.allow("a", t0)  # "a" is now the most recently seen
    assert limits.allow("c", t0)  # "b" is forgotten to make room
    assert limits.allow("b", t0)  # ... and starts afresh; "a" goes
    assert limits.allow("a", t0)

"""Service promises: which policy a case gets (the most specific match wins)."""

from __future__ import annotations

from datetime import timedelta

from klantenservice.domain.promises import PromisePolicy, select_policy
from klantenservice.domain.vocabulary import Channel, Priority

HOUR = timedelta(hours=1)


GENERAL = PromisePolicy("general", calendar="nl-office", resolution=40 * HOUR)
CHAT = PromisePolicy("chat", calendar="nl-office", channel=Channel.CHAT)
URGENT = PromisePolicy("urgent", calendar="nl-office", priority=Priority.URGENT)
PRIVATE = PromisePolicy("private", calendar="nl-office", segment="private_banking")
PRIVATE_CHAT = PromisePolicy(
    "private-chat", calendar="nl-office", channel=Channel.CHAT, segment="private_banking"
)
ALL = [GENERAL, CHAT, URGENT, PRIVATE, PRIVATE_CHAT]


def test_the_most_specific_matching_policy_wins() -> None:
    chosen = select_policy(
        ALL, channel=Channel.CHAT, priority=Priority.NORMAL, segment="private_banking"
    )
    assert chosen is PRIVATE_CHAT


def test_a_policy_without_keys_catches_what_nothing_else_matches() -> None:
    chosen = select_policy(ALL, channel=Channel.EMAIL, priority=Priority.LOW, segment=None)
    assert chosen is GENERAL


def test_on_a_tie_a_priority_beats_a_segment_and_a_segment_beats_a_channel() -> None:
    chat, private = Channel.CHAT, "private_banking"
    urgent = select_policy(ALL[:4], channel=chat, priority=Priority.URGENT, segment=private)
    by_segment = select_policy(
        [GENERAL, CHAT, PRIVATE], channel=chat, priority=Priority.LOW, segment=private
    )
    assert (urgent, by_segment) == (URGENT, PRIVATE)


def test_a_full_tie_goes_to_the_alphabetically_first_name_whatever_the_order() -> None:
    a = PromisePolicy("a-chat", calendar="nl-office", channel=Channel.CHAT)
    b = PromisePolicy("b-chat", calendar="nl-office", channel=Channel.CHAT)
    for order in ([a, b], [b, a]):
        chosen = select_policy(order, channel=Channel.CHAT, priority=Priority.LOW, segment=None)
        assert chosen is a


def test_no_matching_policy_gives_none() -> None:
    assert select_policy([CHAT], channel=Channel.EMAIL, priority=Priority.LOW, segment=None) is None


def test_a_policy_for_a_segment_does_not_match_a_case_without_segment() -> None:
    chosen = select_policy([PRIVATE], channel=Channel.CHAT, priority=Priority.LOW, segment=None)
    assert chosen is None

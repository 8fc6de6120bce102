"""SMS rules: the opt-out and opt-in keywords a phone number's owner may text us.

Carriers and Twilio treat a text that is only ``STOP`` (or one of its synonyms) as the number's
owner withdrawing consent: from then on no SMS may be sent to that number until it texts
``START`` or ``UNSTOP``. The keyword must be the whole message (spaces and case ignored), so
"stop my card" is a question for an agent, not an opt-out.
"""

from __future__ import annotations

from dataclasses import dataclass

from klantenservice.domain.errors import InvalidTransition

OPT_OUT_KEYWORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"})
OPT_IN_KEYWORDS = frozenset({"START", "UNSTOP"})

# Twilio's MessageStatus values of an outbound message.
STATUSES = frozenset(
    {
        "accepted",
        "scheduled",
        "canceled",
        "queued",
        "sending",
        "sent",
        "failed",
        "delivered",
        "undelivered",
        "read",
    }
)


@dataclass(frozen=True, slots=True)
class ConsentChange:
    keyword: str
    opted_out: bool


def consent_change(body: str) -> ConsentChange | None:
    """The consent change a text asks for, or None for an ordinary message."""
    word = body.strip().upper()
    if word in OPT_OUT_KEYWORDS:
        return ConsentChange(word, opted_out=True)
    if word in OPT_IN_KEYWORDS:
        return ConsentChange(word, opted_out=False)
    return None


def check_may_send(opted_out: bool) -> None:
    if opted_out:
        raise InvalidTransition(
            "this phone number has opted out of SMS (it texted STOP); no SMS may be sent to it "
            "until it texts START"
        )

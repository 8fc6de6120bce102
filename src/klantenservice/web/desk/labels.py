"""Display names of the domain's values (statuses, channels, ...), as gettext msgids.

``N_`` only marks a string for extraction (``pybabel extract -k N_``); templates translate the
msgid when they render it: ``{{ _(labels.status[case.status]) }}``. Keeping the names here, not
in the templates, gives one place per value and lets a test check that every value has one.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from klantenservice.domain.cases import CaseStatus
from klantenservice.domain.promises import ClockState, PromiseKind
from klantenservice.domain.vocabulary import (
    AuthorKind,
    Channel,
    Direction,
    Language,
    Presence,
    Priority,
)


def N_(message: str) -> str:  # the conventional name of the gettext no-op marker
    return message


STATUS: Mapping[CaseStatus, str] = MappingProxyType(
    {
        CaseStatus.NEW: N_("New"),
        CaseStatus.OPEN: N_("Open"),
        CaseStatus.PENDING_CUSTOMER: N_("Waiting for customer"),
        CaseStatus.PENDING_INTERNAL: N_("Waiting internally"),
        CaseStatus.RESOLVED: N_("Resolved"),
        CaseStatus.CLOSED: N_("Closed"),
    }
)
CHANNEL: Mapping[Channel, str] = MappingProxyType(
    {
        Channel.CHAT: N_("Chat"),
        Channel.EMAIL: N_("E-mail"),
        Channel.PHONE: N_("Phone"),
        Channel.WHATSAPP: N_("WhatsApp"),
        Channel.SMS: N_("SMS"),
        Channel.WEB_FORM: N_("Web form"),
        Channel.IN_PERSON: N_("In person"),
        Channel.INTERNAL_NOTE: N_("Internal note"),
    }
)
PRIORITY: Mapping[Priority, str] = MappingProxyType(
    {
        Priority.LOW: N_("Low"),
        Priority.NORMAL: N_("Normal"),
        Priority.HIGH: N_("High"),
        Priority.URGENT: N_("Urgent"),
        Priority.EMERGENCY: N_("Emergency"),
    }
)
LANGUAGE: Mapping[Language, str] = MappingProxyType(
    {Language.NL: N_("Dutch"), Language.EN: N_("English")}
)
PRESENCE: Mapping[Presence, str] = MappingProxyType(
    {
        Presence.AVAILABLE: N_("Available"),
        Presence.AWAY: N_("Away"),
        Presence.OFFLINE: N_("Offline"),
    }
)
CLOCK_STATE: Mapping[ClockState, str] = MappingProxyType(
    {
        ClockState.NOT_STARTED: N_("Not started"),
        ClockState.RUNNING: N_("On time"),
        ClockState.WARNING: N_("At risk"),
        ClockState.PAUSED: N_("Paused"),
        ClockState.MET: N_("Met"),
        ClockState.BREACHED: N_("Breached"),
    }
)
PROMISE_KIND: Mapping[PromiseKind, str] = MappingProxyType(
    {
        PromiseKind.FIRST_RESPONSE: N_("First response"),
        PromiseKind.NEXT_RESPONSE: N_("Next response"),
        PromiseKind.RESOLUTION: N_("Resolution"),
    }
)
DIRECTION: Mapping[Direction, str] = MappingProxyType(
    {
        Direction.INBOUND: N_("Received"),
        Direction.OUTBOUND: N_("Sent"),
        Direction.INTERNAL: N_("Internal"),
    }
)
AUTHOR: Mapping[AuthorKind, str] = MappingProxyType(
    {
        AuthorKind.CUSTOMER: N_("Customer"),
        AuthorKind.AGENT: N_("Agent"),
        AuthorKind.BOT: N_("Bot"),
        AuthorKind.SYSTEM: N_("System"),
    }
)

ALL: Mapping[str, Mapping[Any, str]] = MappingProxyType(
    {
        "status": STATUS,
        "channel": CHANNEL,
        "priority": PRIORITY,
        "language": LANGUAGE,
        "presence": PRESENCE,
        "clock_state": CLOCK_STATE,
        "promise_kind": PROMISE_KIND,
        "direction": DIRECTION,
        "author": AUTHOR,
    }
)
"""Exposed to the templates as ``labels``: ``labels.status[case.status]``."""

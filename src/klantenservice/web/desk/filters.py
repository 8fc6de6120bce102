"""The inbox's filters: query parameters in, ``CaseFilters`` for ``services/desk.py`` out.

Parameters (all optional; an empty value means "any", so a form's "any" option is ``""``):

    queue     a queue id, or ``all``; absent: the agent's first queue (all if they have none)
    status    new | open | pending_customer | pending_internal | resolved | closed
    channel   chat | email | phone | whatsapp | sms | web_form | in_person
    priority  low | normal | high | urgent | emergency
    language  nl | en
    promise   at_risk (the warning share of a promise has passed) | breached
    assignee  me | unassigned
    after     keyset position: the last case id of the previous page

An unknown value is a ``ValidationError`` naming the parameter and what it accepts (422); the
filters are plain links, so every filtered inbox has a URL that can be bookmarked or shared.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from enum import Enum
from typing import TypeVar
from urllib.parse import urlencode

from klantenservice.domain.cases import CaseStatus
from klantenservice.domain.errors import ValidationError
from klantenservice.domain.promises import ClockState
from klantenservice.domain.vocabulary import AgentId, Channel, Language, Priority, QueueId
from klantenservice.services.desk import DeskProfile
from klantenservice.services.queries import CaseFilters
from klantenservice.web.desk import labels
from klantenservice.web.desk.labels import N_

ALL_QUEUES = "all"
PROMISE_FILTERS: Mapping[str, ClockState] = {
    "at_risk": ClockState.WARNING,
    "breached": ClockState.BREACHED,
}
ASSIGNEE_FILTERS = ("me", "unassigned")
INBOX_CHANNELS = tuple(c for c in Channel if c is not Channel.INTERNAL_NOTE)
MAX_AFTER = 2**63 - 1

E = TypeVar("E", bound=Enum)


@dataclass(frozen=True, slots=True)
class InboxQuery:
    """The inbox's filters as the person chose them (strings, as in the URL)."""

    queue: str = ""
    status: str = ""
    channel: str = ""
    priority: str = ""
    language: str = ""
    promise: str = ""
    assignee: str = ""
    after: int = 0

    def url(self, *, after: int | None = None) -> str:
        """``/desk/?...`` with these filters and ``after`` (default: the first page)."""
        params = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "after"}
        params = {name: value for name, value in params.items() if value}
        if after:
            params["after"] = str(after)
        return "/desk/" + (f"?{urlencode(params)}" if params else "")


def _choice(name: str, value: str, allowed: tuple[str, ...]) -> str:
    if value and value not in allowed:
        raise ValidationError(f"{name}: {value!r} is not one of: {', '.join(allowed)}")
    return value


def parse_inbox_query(params: Mapping[str, str], profile: DeskProfile) -> InboxQuery:
    """Validate the query parameters; fill in the default queue."""
    get = {name: params.get(name, "").strip() for name in (f.name for f in fields(InboxQuery))}
    queue_ids = tuple(str(q.id) for q in profile.queues)
    queue = get["queue"] if "queue" in params else _default_queue(profile)
    return InboxQuery(
        queue=_choice("queue", queue, (ALL_QUEUES, *queue_ids)),
        status=_choice("status", get["status"], tuple(s.value for s in CaseStatus)),
        channel=_choice("channel", get["channel"], tuple(c.value for c in INBOX_CHANNELS)),
        priority=_choice("priority", get["priority"], tuple(p.label for p in Priority)),
        language=_choice("language", get["language"], tuple(lang.value for lang in Language)),
        promise=_choice("promise", get["promise"], tuple(PROMISE_FILTERS)),
        assignee=_choice("assignee", get["assignee"], ASSIGNEE_FILTERS),
        after=_after(get["after"]),
    )


def _default_queue(profile: DeskProfile) -> str:
    own = profile.own_queues
    return str(own[0].id) if own else ALL_QUEUES


def _after(raw: str) -> int:
    if not raw:
        return 0
    if not raw.isdigit() or int(raw) > MAX_AFTER:
        raise ValidationError(f"after: {raw!r} is not a case id (a whole number, 0 or more)")
    return int(raw)


def _enum(kind: type[E], value: str) -> E | None:
    return kind(value) if value else None


def case_filters(query: InboxQuery, agent_id: AgentId | None) -> CaseFilters:
    """The service's filters for a validated query; ``assignee=me`` needs an agent profile."""
    if query.assignee == "me" and agent_id is None:
        raise ValidationError("assignee: 'me' needs an agent profile; this account has none")
    promise = PROMISE_FILTERS.get(query.promise)
    return CaseFilters(
        status=_enum(CaseStatus, query.status),
        channel=_enum(Channel, query.channel),
        queue_id=None if query.queue in ("", ALL_QUEUES) else QueueId(int(query.queue)),
        assignee_id=agent_id if query.assignee == "me" else None,
        language=_enum(Language, query.language),
        priority=Priority.parse(query.priority) if query.priority else None,
        unassigned=query.assignee == "unassigned",
        promise_state=None if promise is None else promise.value,
    )


Options = dict[str, list[tuple[str, str]]]


def filter_options(gettext: Callable[[str], str], profile: DeskProfile) -> Options:
    """The choices of each filter as ``(value, label in the page's language)``."""
    return {
        "queue": [
            (ALL_QUEUES, gettext(N_("All queues"))),
            *((str(q.id), q.name) for q in profile.queues),
        ],
        "status": [(s.value, gettext(labels.STATUS[s])) for s in CaseStatus],
        "channel": [(c.value, gettext(labels.CHANNEL[c])) for c in INBOX_CHANNELS],
        "priority": [(p.label, gettext(labels.PRIORITY[p])) for p in Priority],
        "language": [(lang.value, gettext(labels.LANGUAGE[lang])) for lang in Language],
        "promise": [
            ("at_risk", gettext(N_("At risk"))),
            ("breached", gettext(N_("Breached"))),
        ],
        "assignee": [("me", gettext(N_("Me"))), ("unassigned", gettext(N_("Nobody")))],
    }

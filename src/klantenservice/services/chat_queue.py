"""Where a waiting chat stands: its place in the queue and the expected wait.

The place is counted in routing's own serving order (``domain/routing.py``: higher priority
first, then longer waiting, then lower case id) among the unassigned waiting cases of the
chat's queue, on every channel: a phone call ahead of the chat is ahead of it. The expected
wait comes from ``domain.chat.expected_wait``: the seconds one place in this queue took for
recently answered chats, or the configured estimate (``KS_CHAT_SECONDS_PER_PLACE``) when
fewer than three chats were answered in the last ``RECENT_WINDOW``.

Read-only, and no customer record is shown to staff here: nothing is audited.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from klantenservice.domain.cases import Case, CaseStatus
from klantenservice.domain.chat import AnsweredChat, expected_wait, wait_minutes
from klantenservice.domain.vocabulary import QueueId
from klantenservice.services.chat_ports import ChatSession
from klantenservice.services.ports import UnitOfWork

RECENT_WINDOW = timedelta(hours=24)
RECENT_SAMPLES = 20
WAITING_STATUSES = frozenset({CaseStatus.NEW, CaseStatus.OPEN, CaseStatus.PENDING_INTERNAL})


class ChatState(StrEnum):
    WAITING = "waiting"  # in the queue, nobody assigned
    WITH_AGENT = "with_agent"  # an agent has the case
    ENDED = "ended"  # resolved or closed: a new message reopens it or opens a new case


@dataclass(frozen=True, slots=True)
class QueueStatus:
    state: ChatState
    position: int = 0  # 1 = next in line; 0 when not waiting
    wait: timedelta = timedelta(0)

    @property
    def wait_minutes(self) -> int:
        return wait_minutes(self.wait)


def queue_statuses(
    uow: UnitOfWork, chats: Sequence[ChatSession], *, now: datetime, per_place: timedelta
) -> dict[int, QueueStatus]:
    """The status of each chat (by chat id), in one read-only transaction.

    Recent answer times are read once per queue, so refreshing every open chat of a server
    costs one small query per chat plus one per queue.
    """
    recent: dict[QueueId, Sequence[AnsweredChat]] = {}
    statuses: dict[int, QueueStatus] = {}
    with uow:
        for chat in chats:
            case = uow.cases.get(chat.case_id)
            if case is None:
                statuses[chat.id] = QueueStatus(ChatState.ENDED)
                continue
            statuses[chat.id] = _status(uow, case, now, per_place, recent)
    return statuses


def _status(
    uow: UnitOfWork,
    case: Case,
    now: datetime,
    per_place: timedelta,
    recent: dict[QueueId, Sequence[AnsweredChat]],
) -> QueueStatus:
    if case.status in (CaseStatus.RESOLVED, CaseStatus.CLOSED):
        return QueueStatus(ChatState.ENDED)
    if case.assignee_id is not None or case.status not in WAITING_STATUSES:
        return QueueStatus(ChatState.WITH_AGENT)
    position = uow.chats.waiting_ahead(case) + 1
    answered: Sequence[AnsweredChat] = ()
    if case.queue_id is not None:
        if case.queue_id not in recent:
            recent[case.queue_id] = uow.chats.recent_answered(
                case.queue_id, since=now - RECENT_WINDOW, limit=RECENT_SAMPLES
            )
        answered = recent[case.queue_id]
    return QueueStatus(ChatState.WAITING, position, expected_wait(position, answered, per_place))

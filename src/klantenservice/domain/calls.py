"""Phone calls: the life of one call as a record, and the figures a supervisor asks for.

    started (IVR) ──► queued ──► answered ──► ended
         │              ├──► abandoned      (hung up while waiting)
         │              └──► call-back      (asked to be called back; left the queue)
         └──► ended in the IVR               (hung up, or never reached a queue)

Twilio tells us about a call in several webhooks, each possibly delivered twice or late (a
status callback may beat the queue's result). Every transition here is therefore idempotent
and monotonic: a repeat changes nothing, a late event cannot move a call backwards, and each
timestamp is the first one reported. The IVR path records which option was taken at each step
(digit and whether it was pressed or spoken), never what the caller said: speech may contain
anything, and the path is kept for statistics.

Figures (``call_stats``), for the calls that started in a period:
- wait: queued → answered, for answered calls; also queued → hang-up for abandoned ones;
- handle: answered → ended;
- abandonment: abandoned / calls that reached a queue and left it (answered, abandoned or
  call-back; still waiting does not count yet). A call-back request is not abandonment.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from klantenservice.domain.errors import ValidationError
from klantenservice.domain.vocabulary import CaseId, Language, MessageId, Priority


class CallStatus(StrEnum):
    IVR = "ivr"
    QUEUED = "queued"
    ANSWERED = "answered"
    CALLBACK = "callback"
    ABANDONED = "abandoned"
    ENDED = "ended"


FINAL = frozenset({CallStatus.CALLBACK, CallStatus.ABANDONED, CallStatus.ENDED})


class ChoiceBy(StrEnum):
    DTMF = "dtmf"
    SPEECH = "speech"
    FALLBACK = "fallback"  # no usable answer after the retries: sent to a person
    NUMBER = "number"  # the caller dialled the emergency number: the lane without a menu


@dataclass(frozen=True, slots=True)
class PathStep:
    menu: str
    digit: str  # the option taken
    by: ChoiceBy


@dataclass(frozen=True, slots=True)
class CallRecord:
    call_sid: str
    from_number: str  # E.164 when it could be read, else what Twilio sent ("anonymous")
    to_number: str
    language: Language
    started_at: datetime
    status: CallStatus = CallStatus.IVR
    ivr_path: tuple[PathStep, ...] = ()
    queue: str | None = None
    priority: Priority | None = None
    case_id: CaseId | None = None
    message_id: MessageId | None = None
    queued_at: datetime | None = None
    answered_at: datetime | None = None
    callback_at: datetime | None = None
    ended_at: datetime | None = None

    def chose(self, step: int, choice: PathStep) -> tuple[CallRecord, PathStep]:
        """Record the choice of IVR ``step``; a repeated step answers the stored choice."""
        if step < len(self.ivr_path):
            return self, self.ivr_path[step]
        if step > len(self.ivr_path):
            raise ValidationError(f"IVR step {step} of a call at step {len(self.ivr_path)}")
        if self.status is not CallStatus.IVR:
            raise ValidationError("this call has left the menu")
        return replace(self, ivr_path=(*self.ivr_path, choice)), choice

    def queued(self, queue: str, priority: Priority, at: datetime) -> CallRecord:
        if self.status is not CallStatus.IVR:
            return self
        return replace(self, status=CallStatus.QUEUED, queue=queue, priority=priority, queued_at=at)

    def linked(self, case_id: CaseId, message_id: MessageId) -> CallRecord:
        return replace(self, case_id=case_id, message_id=message_id)

    def answered(self, at: datetime) -> CallRecord:
        if self.status in (CallStatus.IVR, CallStatus.QUEUED):
            return replace(self, status=CallStatus.ANSWERED, answered_at=at)
        return self

    def callback_requested(self, at: datetime) -> CallRecord:
        if self.status is not CallStatus.QUEUED:
            return self
        return replace(self, status=CallStatus.CALLBACK, callback_at=at, ended_at=at)

    def ended(self, at: datetime) -> CallRecord:
        """The call is over: abandoned if it was still waiting; later reports change nothing."""
        if self.status in FINAL:
            return self
        status = CallStatus.ABANDONED if self.status is CallStatus.QUEUED else CallStatus.ENDED
        return replace(self, status=status, ended_at=at)

    @property
    def wait(self) -> timedelta | None:
        """Time in the queue: until answered, or until the caller gave up or asked a call-back."""
        if self.queued_at is None:
            return None
        until = self.answered_at or self.callback_at or self.ended_at
        return until - self.queued_at if until is not None else None

    @property
    def handle(self) -> timedelta | None:
        if self.answered_at is None or self.ended_at is None:
            return None
        return self.ended_at - self.answered_at


@dataclass(frozen=True, slots=True)
class CallStats:
    calls: int
    in_progress: int
    ended_in_ivr: int
    queued: int  # reached a queue
    answered: int
    abandoned: int
    callbacks: int
    abandonment_rate: float | None  # abandoned / queued; None without queued calls
    average_wait: timedelta | None  # answered calls
    longest_wait: timedelta | None  # answered calls
    average_abandoned_wait: timedelta | None
    average_handle: timedelta | None


def _average(spans: list[timedelta]) -> timedelta | None:
    return sum(spans, timedelta()) / len(spans) if spans else None


def call_stats(records: Iterable[CallRecord]) -> CallStats:
    calls = list(records)
    status = [c.status for c in calls]
    queued = [c for c in calls if c.queued_at is not None]
    answered = [c for c in queued if c.answered_at is not None]
    abandoned = [c for c in calls if c.status is CallStatus.ABANDONED]
    waits = [w for w in (c.wait for c in answered) if w is not None]
    finished_in_queue = [c for c in queued if c.status in FINAL]
    return CallStats(
        calls=len(calls),
        in_progress=sum(1 for s in status if s not in FINAL),
        ended_in_ivr=sum(1 for c in calls if c.status is CallStatus.ENDED and c.queued_at is None),
        queued=len(queued),
        answered=len(answered),
        abandoned=len(abandoned),
        callbacks=status.count(CallStatus.CALLBACK),
        abandonment_rate=len(abandoned) / len(finished_in_queue) if finished_in_queue else None,
        average_wait=_average(waits),
        longest_wait=max(waits, default=None),
        average_abandoned_wait=_average([w for w in (c.wait for c in abandoned) if w]),
        average_handle=_average([h for h in (c.handle for c in answered) if h is not None]),
    )

"""Sentences of the case page, in the page's language: activities, promise reasons, durations.

The services describe a case in facts (an event's kind and ids, a clock's state and
instants); this module turns them into the sentences an agent reads, with gettext msgids
(``N_``) so both catalogues carry them. The domain's own explanation of a clock
(``PromiseClock.explanation``) is English, for logs and the API: the page shows it under
"How this was calculated", marked ``lang="en"``, below the translated summary made here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from babel.dates import format_datetime
from babel.numbers import format_percent

from klantenservice.domain.cases import CaseStatus
from klantenservice.domain.events import CaseEventKind
from klantenservice.domain.promises import ClockState, PromiseKind
from klantenservice.domain.vocabulary import Channel, Priority
from klantenservice.services.case_timeline import TimelineActivity
from klantenservice.services.case_view import ClockView
from klantenservice.services.promises import PromiseStatus
from klantenservice.web.desk import labels
from klantenservice.web.desk.labels import N_
from klantenservice.web.desk.pages import Pages

ACTIVITY: Mapping[CaseEventKind, str] = {
    CaseEventKind.CREATED: N_("Case opened via %(after)s"),
    CaseEventKind.ASSIGNED: N_("Assigned to %(agent)s"),
    CaseEventKind.UNASSIGNED: N_("No longer assigned to %(agent)s"),
    CaseEventKind.STATUS_CHANGED: N_("Status changed from %(before)s to %(after)s"),
    CaseEventKind.PRIORITY_CHANGED: N_("Priority changed from %(before)s to %(after)s"),
    CaseEventKind.QUEUE_CHANGED: N_("Moved from queue %(before)s to %(after)s"),
    CaseEventKind.CATEGORY_CHANGED: N_("Category changed from %(before)s to %(after)s"),
    CaseEventKind.TAGGED: N_("Tags added: %(tags)s"),
    CaseEventKind.UNTAGGED: N_("Tags removed: %(tags)s"),
    CaseEventKind.REOPENED: N_("Reopened"),
    CaseEventKind.LINKED: N_("Linked to %(case)s"),
    CaseEventKind.MERGED_INTO: N_("Merged into %(case)s"),
    CaseEventKind.MERGED_FROM: N_("%(case)s was merged into this case"),
}
FOLLOW_UP = N_("Case opened via %(after)s, following up %(case)s")

BREACHED_BECAUSE: Mapping[PromiseKind, str] = {
    PromiseKind.FIRST_RESPONSE: N_(
        "Breached at %(at)s: no agent reply within %(target)s of working time after the case "
        "was opened."
    ),
    PromiseKind.NEXT_RESPONSE: N_(
        "Breached at %(at)s: no agent reply within %(target)s of working time after the "
        "customer's message of %(started)s."
    ),
    PromiseKind.RESOLUTION: N_(
        "Breached at %(at)s: the case was not resolved within %(target)s of working time "
        "after it was opened."
    ),
}
COUNTING = N_("%(elapsed)s of %(target)s working time used on calendar “%(calendar)s”.")
NOT_COUNTING = N_("Not counting now: outside opening hours. The clock resumes at %(at)s.")
AT_RISK = N_("At risk since %(at)s: %(share)s of the target is used.")
PAUSED = N_(
    "Paused since %(at)s: the case is waiting for the customer. The clock resumes when the "
    "customer answers or the status changes."
)
MET = N_("Kept: met at %(at)s.")
NOT_STARTED_NEXT = N_("Starts when the customer writes again after an agent's reply.")
NOT_STARTED = N_("Not started.")
HOURS = N_("%(hours)d h %(minutes)02d min")
MINUTES = N_("%(minutes)d min")
NONE = "—"


@dataclass(frozen=True, slots=True)
class CaseTexts:
    """Exposed to the case templates as ``texts``."""

    pages: Pages

    def _(self, message: str, **values: object) -> str:
        text = self.pages.gettext(message)
        return text % values if values else text

    def when(self, at: datetime | None) -> str:
        if at is None:
            return NONE
        templates = self.pages.templates
        return format_datetime(at, "short", tzinfo=templates.zone, locale=self.pages.locale)

    def duration(self, span: timedelta) -> str:
        minutes = max(int(span.total_seconds()) // 60, 0)
        hours, minutes = divmod(minutes, 60)
        if hours:
            return self._(HOURS, hours=hours, minutes=minutes)
        return self._(MINUTES, minutes=minutes)

    def activity(self, item: TimelineActivity) -> str:
        """One event as a sentence, e.g. "Status changed from New to Open"."""
        message = ACTIVITY.get(item.kind)
        if message is None:
            return item.kind.value
        if item.kind is CaseEventKind.CREATED and item.related_case:
            message = FOLLOW_UP
        return self._(
            message,
            agent=item.agent or NONE,
            before=self._value(item.kind, item.before),
            after=self._value(item.kind, item.after),
            tags=", ".join(item.tags),
            case=item.related_case or NONE,
        )

    def _value(self, kind: CaseEventKind, value: str | None) -> str:
        """Translate a status, priority or channel value; names and categories stay."""
        if value is None:
            return NONE
        try:
            if kind is CaseEventKind.STATUS_CHANGED:
                return self._(labels.STATUS[CaseStatus(value)])
            if kind is CaseEventKind.PRIORITY_CHANGED:
                return self._(labels.PRIORITY[Priority.parse(value)])
            if kind is CaseEventKind.CREATED:
                return self._(labels.CHANNEL[Channel(value)])
        except (ValueError, KeyError):
            return value  # an old or unknown value: show it as stored
        return value

    def clock_reasons(self, view: ClockView, promise: PromiseStatus) -> list[str]:
        """Why the clock stands where it does: due / used / paused / breached / met."""
        clock = view.clock
        state = clock.state
        if state is ClockState.BREACHED:
            lines = [
                self._(
                    BREACHED_BECAUSE[clock.kind],
                    at=self.when(clock.breached_at),
                    target=self.duration(clock.target),
                    started=self.when(clock.started_at),
                )
            ]
        elif state is ClockState.MET:
            lines = [self._(MET, at=self.when(clock.met_at))]
        elif state is ClockState.PAUSED:
            lines = [self._(PAUSED, at=self.when(clock.paused_since))]
        elif state is ClockState.NOT_STARTED:
            next_reply = clock.kind is PromiseKind.NEXT_RESPONSE
            lines = [self._(NOT_STARTED_NEXT if next_reply else NOT_STARTED)]
        else:
            lines = self._running(view, promise)
        if clock.earlier_breaches:
            translations = self.pages.templates.translations[self.pages.locale]
            text = translations.ngettext(
                "%(num)d earlier response cycle of this case was breached.",
                "%(num)d earlier response cycles of this case were breached.",
                clock.earlier_breaches,
            )
            lines.append(text % {"num": clock.earlier_breaches})
        return lines

    def _running(self, view: ClockView, promise: PromiseStatus) -> list[str]:
        clock = view.clock
        lines = [
            self._(
                COUNTING,
                elapsed=self.duration(clock.elapsed),
                target=self.duration(clock.target),
                calendar=promise.calendar or NONE,
            )
        ]
        if clock.state is ClockState.WARNING and clock.warn_at is not None:
            warn_share = promise.policy.warn_at if promise.policy else 0.8
            share = format_percent(warn_share, locale=self.pages.locale)
            lines.append(self._(AT_RISK, at=self.when(clock.warn_at), share=share))
        if not view.counting_now and view.resumes_at is not None:
            lines.append(self._(NOT_COUNTING, at=self.when(view.resumes_at)))
        return lines

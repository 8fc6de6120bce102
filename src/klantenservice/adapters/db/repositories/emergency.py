"""Emergency reports, card blocks and fired escalation rungs in the store.

Reports are inserted and never updated (``services/emergency_ports.EmergencyRepository``).
The lane query reads reports by ``ix_emergency_reports_reported_at`` and, per report, the first
human-contact event through ``ix_case_events_case_id_id``: the sweep and the metrics cost the
number of emergencies in the window, not the number of cases.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from klantenservice.adapters.db.tables import (
    card_blocks,
    case_events,
    cases,
    emergency_escalations,
    emergency_reports,
)
from klantenservice.domain.cases import CaseStatus
from klantenservice.domain.emergency import HUMAN_CONTACT_KINDS
from klantenservice.domain.emergency_detection import EmergencyKind
from klantenservice.domain.emergency_reports import (
    BlockStatus,
    CardBlock,
    EmergencyReport,
    ReportVia,
)
from klantenservice.domain.vocabulary import CaseId, Channel, CustomerId, Language
from klantenservice.services.emergency_ports import LaneCase

_DONE = (CaseStatus.RESOLVED.value, CaseStatus.CLOSED.value)


def _report(row: Any) -> EmergencyReport:
    return EmergencyReport(
        id=row.id,
        reference=row.reference,
        reported_at=row.reported_at,
        channel=Channel(row.channel),
        via=ReportVia(row.via),
        kind=EmergencyKind(row.kind) if row.kind else None,
        case_id=CaseId(row.case_id),
        customer_id=CustomerId(row.customer_id),
        language=Language(row.language),
        card_last_four=row.card_last_four,
        retain_until=row.retain_until,
    )


def _block(row: Any) -> CardBlock:
    return CardBlock(
        id=row.id,
        report_id=row.report_id,
        requested_at=row.requested_at,
        card_last_four=row.card_last_four,
        status=BlockStatus(row.status),
        attempts=row.attempts,
        last_error=row.last_error,
        core_reference=row.core_reference,
        settled_at=row.settled_at,
    )


class SqlEmergencies:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def add_report(self, report: EmergencyReport) -> EmergencyReport:
        values = {
            "reference": report.reference,
            "reported_at": report.reported_at,
            "channel": report.channel.value,
            "via": report.via.value,
            "kind": report.kind.value if report.kind else None,
            "case_id": report.case_id,
            "customer_id": report.customer_id,
            "language": report.language.value,
            "card_last_four": report.card_last_four,
            "retain_until": report.purge_after,
        }
        new_id = self._c.execute(
            insert(emergency_reports).values(values).returning(emergency_reports.c.id)
        ).scalar_one()
        return replace(report, id=new_id, retain_until=report.purge_after)

    def report(self, report_id: int) -> EmergencyReport | None:
        query = select(emergency_reports).where(emergency_reports.c.id == report_id)
        row = self._c.execute(query).first()
        return _report(row) if row is not None else None

    def report_by_reference(self, reference: str) -> EmergencyReport | None:
        query = select(emergency_reports).where(emergency_reports.c.reference == reference)
        row = self._c.execute(query).first()
        return _report(row) if row is not None else None

    def reports_for_case(self, case_id: CaseId) -> list[EmergencyReport]:
        query = (
            select(emergency_reports)
            .where(emergency_reports.c.case_id == case_id)
            .order_by(emergency_reports.c.id)
        )
        return [_report(row) for row in self._c.execute(query)]

    def add_block(self, block: CardBlock) -> CardBlock:
        new_id = self._c.execute(
            insert(card_blocks).values(_block_values(block)).returning(card_blocks.c.id)
        ).scalar_one()
        return replace(block, id=new_id)

    def block_for_report(self, report_id: int, *, for_update: bool = False) -> CardBlock | None:
        query = select(card_blocks).where(card_blocks.c.report_id == report_id)
        if for_update:
            query = query.with_for_update()
        row = self._c.execute(query).first()
        return _block(row) if row is not None else None

    def save_block(self, block: CardBlock) -> None:
        self._c.execute(
            update(card_blocks).where(card_blocks.c.id == block.id).values(_block_values(block))
        )

    def lane(
        self, *, reported_from: datetime, reported_until: datetime, open_only: bool
    ) -> list[LaneCase]:
        contact = (
            select(func.min(case_events.c.at))
            .where(case_events.c.case_id == emergency_reports.c.case_id)
            .where(case_events.c.kind.in_([kind.value for kind in HUMAN_CONTACT_KINDS]))
            .where(case_events.c.at >= emergency_reports.c.reported_at)
            .scalar_subquery()
        )
        query = (
            select(
                emergency_reports.c.case_id,
                emergency_reports.c.reference,
                emergency_reports.c.reported_at,
                cases.c.status,
                contact.label("contacted_at"),
            )
            .join(cases, cases.c.id == emergency_reports.c.case_id)
            .where(emergency_reports.c.reported_at >= reported_from)
            .where(emergency_reports.c.reported_at < reported_until)
            .order_by(emergency_reports.c.reported_at, emergency_reports.c.id)
        )
        if open_only:
            query = query.where(cases.c.status.not_in(_DONE))
        rows = self._c.execute(query).all()
        fired = self._fired([CaseId(row.case_id) for row in rows])
        seen: set[int] = set()
        found: list[LaneCase] = []
        for row in rows:
            if row.case_id in seen:  # a case with two reports counts once, from the first
                continue
            seen.add(row.case_id)
            found.append(
                LaneCase(
                    case_id=CaseId(row.case_id),
                    reference=row.reference,
                    reported_at=row.reported_at,
                    contacted_at=row.contacted_at,
                    fired_levels=fired.get(row.case_id, frozenset()),
                    closed=row.status in _DONE,
                )
            )
        return found

    def _fired(self, case_ids: list[CaseId]) -> dict[int, frozenset[int]]:
        if not case_ids:
            return {}
        query = select(emergency_escalations.c.case_id, emergency_escalations.c.level).where(
            emergency_escalations.c.case_id.in_(case_ids)
        )
        levels: dict[int, set[int]] = {}
        for case_id, level in self._c.execute(query):
            levels.setdefault(case_id, set()).add(level)
        return {case_id: frozenset(found) for case_id, found in levels.items()}

    def record_escalation(
        self, case_id: CaseId, *, level: int, due_at: datetime, fired_at: datetime
    ) -> bool:
        dialect = postgresql if self._c.dialect.name == "postgresql" else sqlite
        statement = dialect.insert(emergency_escalations).values(
            case_id=case_id, level=level, due_at=due_at, fired_at=fired_at
        )
        result = self._c.execute(
            statement.on_conflict_do_nothing(index_elements=["case_id", "level"])
        )
        return bool(result.rowcount)

    def purge_expired(self, now: datetime) -> int:
        expired = select(emergency_reports.c.id).where(emergency_reports.c.retain_until <= now)
        self._c.execute(delete(card_blocks).where(card_blocks.c.report_id.in_(expired)))
        result = self._c.execute(
            delete(emergency_reports).where(emergency_reports.c.retain_until <= now)
        )
        return int(result.rowcount)


def _block_values(block: CardBlock) -> dict[str, Any]:
    return {
        "report_id": block.report_id,
        "requested_at": block.requested_at,
        "card_last_four": block.card_last_four,
        "status": block.status.value,
        "attempts": block.attempts,
        "last_error": block.last_error,
        "core_reference": block.core_reference,
        "settled_at": block.settled_at,
    }

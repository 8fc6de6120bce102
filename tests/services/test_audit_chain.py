"""The audit chain in the store: every use case extends it, and tampering is found at its seq."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Executable, delete, select, update
from tests.services.world import T0, World, build_world

from klantenservice.adapters.db.repositories.cases import SqlCases
from klantenservice.adapters.db.tables import audit_head, audit_log
from klantenservice.domain.audit import (
    HASH_MISMATCH,
    LINK_BROKEN,
    AuditAnchor,
    ChainVerdict,
    verify_chain,
)
from klantenservice.domain.cases import CaseStatus
from klantenservice.domain.errors import PermissionDenied
from klantenservice.domain.vocabulary import CaseId, Channel, Role
from klantenservice.services import cases as case_service
from klantenservice.services.audit import query_audit, verify_audit_chain
from klantenservice.services.ports import SYSTEM, Actor


@pytest.fixture
def world(database_url: str) -> Iterator[World]:
    built = build_world(database_url)
    built.add_agent("Anna")
    for i in range(3):
        case_id = built.receive(
            f"Vraag {i}", channel=Channel.CHAT, email=f"klant{i}@example.nl", external_id=f"c{i}"
        ).case_id
        case_service.change_status(
            built.uow(),
            actor=SYSTEM,
            case_id=case_id,
            status=CaseStatus.RESOLVED,
            now=T0 + timedelta(minutes=i),
        )
    yield built
    built.close()


def verify(world: World) -> ChainVerdict:
    return verify_audit_chain(world.uow(read_only=True), actor=SYSTEM)


def tamper(world: World, statement: Executable) -> None:
    with world.engine.begin() as connection:
        connection.execute(statement)


def test_a_day_of_work_leaves_a_gapless_intact_chain_ending_at_the_head(world: World) -> None:
    verdict = verify(world)
    with world.read() as connection:
        seqs = connection.execute(select(audit_log.c.seq).order_by(audit_log.c.seq)).scalars()
        head = connection.execute(select(audit_head.c.seq, audit_head.c.hash)).one()
    assert verdict.ok, verdict.summary()
    assert list(seqs) == list(range(1, verdict.count + 1))
    assert (verdict.head_seq, verdict.head_hash) == (head.seq, head.hash)
    assert verdict.count > 10


def test_an_edited_record_is_reported_at_exactly_its_seq(world: World) -> None:
    total = verify(world).count
    target = total - 3
    tamper(
        world,
        update(audit_log).where(audit_log.c.seq == target).values(details={"to": "closed"}),
    )

    verdict = verify(world)

    assert not verdict.ok
    assert (verdict.seq, verdict.reason) == (target, HASH_MISMATCH)
    assert verdict.count == target - 1
    assert f"BROKEN at seq {target}" in verdict.summary()


def test_a_changed_actor_is_found_as_well_as_a_changed_detail(world: World) -> None:
    tamper(world, update(audit_log).where(audit_log.c.seq == 2).values(actor="user:1"))
    verdict = verify(world)
    assert (verdict.ok, verdict.seq) == (False, 2)


def test_a_deleted_record_is_reported_at_the_record_after_it(world: World) -> None:
    tamper(world, delete(audit_log).where(audit_log.c.seq == 5))
    verdict = verify(world)
    assert (verdict.ok, verdict.seq, verdict.reason) == (False, 6, LINK_BROKEN)


def test_records_cut_off_the_end_are_found_against_an_anchor_taken_before(world: World) -> None:
    before = verify(world)
    anchor = AuditAnchor(before.head_seq, before.head_hash)
    tamper(world, delete(audit_log).where(audit_log.c.seq > before.head_seq - 2))

    with world.uow(read_only=True) as uow:
        verdict = verify_chain(uow.audit.iterate(), anchor=anchor)

    assert not verdict.ok
    assert verdict.seq == before.head_seq - 1


def test_a_rolled_back_use_case_leaves_no_hole_in_the_chain(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = verify(world).count
    case_id = world.receive("Nieuw", email="nieuw@example.nl", external_id="x").case_id
    after_intake = verify(world).count

    def fail(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("boom")

    with monkeypatch.context() as patch:
        patch.setattr(SqlCases, "set_promise_projection", fail)
        with pytest.raises(RuntimeError):
            case_service.change_status(
                world.uow(), actor=SYSTEM, case_id=case_id, status=CaseStatus.RESOLVED, now=T0
            )
    case_service.change_status(
        world.uow(), actor=SYSTEM, case_id=case_id, status=CaseStatus.RESOLVED, now=T0
    )

    verdict = verify(world)
    assert verdict.ok
    assert after_intake > before
    assert verdict.count == after_intake + 1


def test_viewing_a_case_is_audited_as_a_view_of_the_customers_record(world: World) -> None:
    reader = Actor(kind="user", id=9, roles=frozenset({Role.QUALITY}))
    case_service.view_case(world.uow(), actor=reader, case_id=CaseId(1), now=T0)
    page = query_audit(
        world.uow(read_only=True), actor=SYSTEM, after=0, limit=100, action="customer.viewed"
    )
    assert [(r.actor, r.details) for r in page.items] == [("user:9", {"via": "case:1"})]


def test_only_compliance_and_administrators_may_verify_the_chain(world: World) -> None:
    agent = Actor(kind="user", id=3, roles=frozenset({Role.AGENT}))
    with pytest.raises(PermissionDenied):
        verify_audit_chain(world.uow(read_only=True), actor=agent)
    compliance = Actor(kind="user", id=4, roles=frozenset({Role.COMPLIANCE}))
    assert verify_audit_chain(world.uow(read_only=True), actor=compliance).ok

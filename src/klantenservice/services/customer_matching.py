"""One customer across channels: proposals when an agent looks, and the agent's decisions.

Exact matches happen at intake (a normalised contact point finds its owner). Uncertain ones
are computed here only when someone looks (the case page's customer panel, the API), never
per inbound message, so the intake pays nothing for them; only the agent's decisions are
stored:

- ``match_proposals``: the customers that may be this one, with reasons (audited: every
  customer shown is recorded as viewed).
- ``confirm_match``: the two are one person. The newer record (or the one the agent names) is
  merged into the other in one transaction: contact points, cases, chats and portal sessions
  move, the absorbed record stays readable with ``merged_into``, the values are combined the
  protective way (``domain/customer_matching.merged_record``), the decision is stored, both
  ids are audited and the ``customer.merged`` event is written to the outbox.
- ``reject_match``: not the same person; the pair is never proposed again (both directions).

A decision is only accepted on a pair that is proposed now: recomputed inside the decision's
transaction, so an API client cannot merge two arbitrary customers, and a pair a colleague
just decided on is a 409.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from klantenservice.domain.customer_matching import (
    MAX_CANDIDATES,
    Decision,
    Proposal,
    choose_survivor,
    match_key,
    merged_record,
    ordered_pair,
    propose,
)
from klantenservice.domain.customers import Customer
from klantenservice.domain.errors import Conflict, ValidationError
from klantenservice.domain.events import DomainEvent
from klantenservice.domain.permissions import Permission, has_permission
from klantenservice.domain.vocabulary import CustomerId
from klantenservice.services import access
from klantenservice.services.ports import Actor, ConcurrentChange, UnitOfWork


@dataclass(frozen=True, slots=True)
class MatchProposals:
    customer: Customer
    proposals: tuple[Proposal, ...]
    may_decide: bool  # the actor may confirm or reject (a page offers only what is accepted)


@dataclass(frozen=True, slots=True)
class MergeResult:
    survivor: Customer  # as stored after the merge
    absorbed_id: CustomerId
    moved: dict[str, int]  # table -> rows moved to the survivor


def match_proposals(
    uow: UnitOfWork, *, actor: Actor, customer_id: CustomerId, now: datetime, via: str = "api"
) -> MatchProposals:
    """Who may be the same person as ``customer_id``; every customer shown is audited."""
    with uow:
        subject = _active(uow, actor, customer_id)
        proposals = _proposals(uow, subject)
        for shown in (subject.id, *(p.other.id for p in proposals)):
            assert shown is not None
            access.record_customer_view(uow, actor, shown, at=now, via=f"{via}:match-proposals")
        uow.commit()
        may_decide = has_permission(actor.roles, Permission.CUSTOMER_WRITE)
        return MatchProposals(subject, tuple(proposals), may_decide)


def confirm_match(
    uow: UnitOfWork,
    *,
    actor: Actor,
    customer_id: CustomerId,
    other_id: CustomerId,
    now: datetime,
    survivor_id: CustomerId | None = None,
) -> MergeResult:
    """The agent says the two are one person: merge them (the older survives by default)."""
    access.check(actor, Permission.CUSTOMER_WRITE)
    _two(customer_id, other_id)
    if survivor_id is not None and survivor_id not in (customer_id, other_id):
        raise ValidationError(
            f"survivor_id must be {customer_id} or {other_id}, the two customers being merged"
        )
    with uow:
        uow.matches.lock([customer_id, other_id])
        subject, proposal = _proposed(uow, actor, customer_id, other_id)
        other = proposal.other
        if survivor_id is None:
            survivor, absorbed = choose_survivor(subject, other)
        else:
            survivor, absorbed = (subject, other) if survivor_id == subject.id else (other, subject)
        assert survivor.id is not None and absorbed.id is not None
        combined = merged_record(survivor, absorbed)
        counts = uow.matches.merge(
            absorbed=absorbed.id,
            survivor=survivor.id,
            at=now,
            move_external_ref=combined.external_ref != survivor.external_ref,
        )
        uow.customers.update(combined, at=now)
        _decide(uow, actor, proposal, subject, Decision.CONFIRMED, now)
        details = {
            "survivor_id": survivor.id,
            "absorbed_id": absorbed.id,
            "signals": list(proposal.signals),
            "moved": counts.moved,
        }
        for subject_id, action in (
            (survivor.id, "customer.merged"),
            (absorbed.id, "customer.absorbed"),
        ):
            uow.audit.record(
                actor=actor,
                action=action,
                subject_type="customer",
                subject_id=subject_id,
                at=now,
                details=details,
            )
        uow.outbox.add(
            DomainEvent(
                "customer.merged", {"survivor_id": survivor.id, "absorbed_id": absorbed.id}, now
            )
        )
        stored = uow.customers.get(survivor.id)
        assert stored is not None
        uow.commit()
        return MergeResult(stored, absorbed.id, counts.moved)


def reject_match(
    uow: UnitOfWork, *, actor: Actor, customer_id: CustomerId, other_id: CustomerId, now: datetime
) -> None:
    """The agent says the two are different people: never propose the pair again."""
    access.check(actor, Permission.CUSTOMER_WRITE)
    _two(customer_id, other_id)
    with uow:
        subject, proposal = _proposed(uow, actor, customer_id, other_id)
        _decide(uow, actor, proposal, subject, Decision.REJECTED, now)
        assert proposal.other.id is not None
        for one, another in ((customer_id, other_id), (other_id, customer_id)):
            uow.audit.record(
                actor=actor,
                action="customer.match_rejected",
                subject_type="customer",
                subject_id=one,
                at=now,
                details={"other_id": another, "signals": list(proposal.signals)},
            )
        uow.commit()


def _two(customer_id: CustomerId, other_id: CustomerId) -> None:
    if customer_id == other_id:
        raise ValidationError(f"customer {customer_id} cannot be matched with itself")


def _active(uow: UnitOfWork, actor: Actor, customer_id: CustomerId) -> Customer:
    customer = access.get_customer_for(uow, actor, customer_id)
    if customer.merged_into is not None:
        raise Conflict(
            f"customer {customer_id} was merged into customer {customer.merged_into}; "
            "look at that customer instead"
        )
    return customer


def _proposals(uow: UnitOfWork, subject: Customer) -> list[Proposal]:
    assert subject.id is not None
    keys = [match_key(point) for point in subject.contact_points]
    candidates = uow.matches.candidates(keys, exclude=subject.id, limit=MAX_CANDIDATES)
    if not candidates:
        return []
    return propose(subject, candidates, rejected=uow.matches.rejected_with(subject.id))


def _proposed(
    uow: UnitOfWork, actor: Actor, customer_id: CustomerId, other_id: CustomerId
) -> tuple[Customer, Proposal]:
    """Both customers exist and are not merged, and ``other_id`` is proposed for ``customer_id``."""
    subject = _active(uow, actor, customer_id)
    _active(uow, actor, other_id)
    proposal = next((p for p in _proposals(uow, subject) if p.other.id == other_id), None)
    if proposal is None:
        raise Conflict(
            f"customer {other_id} is not proposed as a match for customer {customer_id} (no "
            "shared number or mailbox, or an agent already decided on this pair); nothing "
            "was changed"
        )
    return subject, proposal


def _decide(
    uow: UnitOfWork,
    actor: Actor,
    proposal: Proposal,
    subject: Customer,
    decision: Decision,
    now: datetime,
) -> None:
    assert subject.id is not None and proposal.other.id is not None
    try:
        uow.matches.record(
            ordered_pair(subject.id, proposal.other.id),
            decision,
            signals=proposal.signals,
            decided_by=actor.label,
            at=now,
        )
    except ConcurrentChange:
        raise Conflict(
            "a colleague decided on these two customers at the same moment; reload"
        ) from None

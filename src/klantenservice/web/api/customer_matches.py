"""Proposals that two customers are one person, and the agent's decision on them.

    GET  /api/v1/customers/{id}/match-proposals                       who may be this customer
    POST /api/v1/customers/{id}/match-proposals/{other_id}/confirm    the same person: merge
    POST /api/v1/customers/{id}/match-proposals/{other_id}/reject     not the same person

Thin: parse, call one service (``services/customer_matching.py``), render. Errors: unknown
customer 404; a customer already merged, a pair not proposed (or decided already) 409; a
customer matched with itself or a ``survivor_id`` that is neither 422; no permission 403.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Path, status
from pydantic import BaseModel, Field

from klantenservice.domain.customer_matching import Proposal
from klantenservice.domain.vocabulary import CustomerId
from klantenservice.services import customer_matching
from klantenservice.web.deps import CurrentActor, Now, Uow
from klantenservice.web.schemas.common import ResponseModel
from klantenservice.web.schemas.customers import CustomerOut

router = APIRouter(prefix="/customers", tags=["customers"])

MAX_ID = 2**63 - 1
CustomerIdPath = Annotated[int, Path(ge=1, le=MAX_ID)]


class ReasonOut(ResponseModel):
    signal: str  # same_number_other_channel | same_mailbox | names_fit | names_differ
    sentence: str  # English; the desk shows its own translation


class ProposalOut(ResponseModel):
    customer: CustomerOut
    strength: str  # strong | possible
    reasons: list[ReasonOut]

    @classmethod
    def of(cls, proposal: Proposal) -> ProposalOut:
        return cls(
            customer=CustomerOut.of(proposal.other),
            strength=proposal.strength.value,
            reasons=[
                ReasonOut(signal=r.signal.value, sentence=r.sentence) for r in proposal.reasons
            ],
        )


class ProposalsOut(ResponseModel):
    customer_id: int
    proposals: list[ProposalOut]


class ConfirmIn(BaseModel):
    """Optional: which of the two survives (default: the older record)."""

    survivor_id: int | None = Field(default=None, ge=1, le=MAX_ID)


class MergeOut(ResponseModel):
    survivor: CustomerOut
    absorbed_id: int
    moved: dict[str, int]


@router.get("/{customer_id}/match-proposals")
def proposals(customer_id: CustomerIdPath, actor: CurrentActor, uow: Uow, now: Now) -> ProposalsOut:
    """Customers that may be this one, strongest first, with reasons; every one shown is
    recorded as viewed. Computed now, not stored."""
    found = customer_matching.match_proposals(
        uow(), actor=actor, customer_id=CustomerId(customer_id), now=now
    )
    return ProposalsOut(
        customer_id=customer_id, proposals=[ProposalOut.of(p) for p in found.proposals]
    )


@router.post("/{customer_id}/match-proposals/{other_id}/confirm")
def confirm(
    customer_id: CustomerIdPath,
    other_id: CustomerIdPath,
    actor: CurrentActor,
    uow: Uow,
    now: Now,
    body: Annotated[ConfirmIn | None, Body()] = None,
) -> MergeOut:
    """The two are one person: the newer record (or the other than ``survivor_id``) is merged."""
    result = customer_matching.confirm_match(
        uow(),
        actor=actor,
        customer_id=CustomerId(customer_id),
        other_id=CustomerId(other_id),
        now=now,
        survivor_id=None
        if body is None or body.survivor_id is None
        else CustomerId(body.survivor_id),
    )
    return MergeOut(
        survivor=CustomerOut.of(result.survivor), absorbed_id=result.absorbed_id, moved=result.moved
    )


@router.post(
    "/{customer_id}/match-proposals/{other_id}/reject", status_code=status.HTTP_204_NO_CONTENT
)
def reject(
    customer_id: CustomerIdPath, other_id: CustomerIdPath, actor: CurrentActor, uow: Uow, now: Now
) -> None:
    """Not the same person: the pair is never proposed again, in either direction."""
    customer_matching.reject_match(
        uow(),
        actor=actor,
        customer_id=CustomerId(customer_id),
        other_id=CustomerId(other_id),
        now=now,
    )

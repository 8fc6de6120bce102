"""Receiving inbound messages: the hot path of every channel, one transaction per batch.

    channel adapter / API ──► receive_batch ──► per message (inbound_message.receive_one):
                                                 stored, threaded into a case, routed,
                                                 promise clock started, audited, outbox event
                                               ──► one commit for the whole batch

A *batch* is whatever arrived while the previous one was being written (group commit, see
``adapters/group_commit.py``): one transaction, one lock of the audit chain's head, one outbox
insert, instead of one of each per message. Each message still gets its own outcome:

- a message refused before it writes anything (bad body, unknown token, missing permission)
  gets its error and the others go on in the same transaction;
- a message that fails half-way (an unknown case reference, a bug) rolls the transaction back;
  the batch is run again without it, so its partial writes never commit and nobody else's
  message is lost;
- a conflict with a concurrent transaction (the same external id or new customer stored by
  another process, a deadlock) runs the batch again; the retry finds what the other stored.

Idempotent on ``(channel, external_id)``: the same provider message twice stores one message
and answers the first result with ``duplicate=True`` (also within one batch).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from klantenservice.domain.errors import DomainError
from klantenservice.domain.permissions import Permission
from klantenservice.services import access
from klantenservice.services.auth import actor_for_token
from klantenservice.services.inbound_message import (
    InboundMessage,
    IntakeOptions,
    IntakeResult,
    check_inbound,
    receive_one,
)
from klantenservice.services.intake_routing import BatchState, RoutingMemo
from klantenservice.services.ports import (
    Actor,
    ConcurrentChange,
    Credentials,
    DuplicateExternalId,
    UnitOfWork,
    UnitOfWorkFactory,
)

__all__ = [
    "InboundMessage",
    "IntakeOptions",
    "IntakeRequest",
    "IntakeResult",
    "RoutingMemo",
    "receive_batch",
    "receive_message",
]

INTAKE_ATTEMPTS = 3  # conflicts with concurrent transactions before a message gives up
Outcome = IntakeResult | Exception


@dataclass(frozen=True, slots=True)
class IntakeRequest:
    """One message to receive, from an authenticated ``actor`` or with a ``token`` to check."""

    inbound: InboundMessage
    actor: Actor | None = None
    token: str | None = None


class _MessageFailed(Exception):
    def __init__(self, index: int, error: Exception) -> None:
        super().__init__(index)
        self.index, self.error = index, error


def receive_message(
    uow_factory: UnitOfWorkFactory,
    *,
    actor: Actor,
    inbound: InboundMessage,
    now: datetime,
    options: IntakeOptions,
) -> IntakeResult:
    """One message in its own transaction; raises what ``receive_batch`` would answer."""
    (outcome,) = receive_batch(
        uow_factory, [IntakeRequest(inbound, actor=actor)], now=now, options=options
    )
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


def receive_batch(
    uow_factory: UnitOfWorkFactory,
    requests: Sequence[IntakeRequest],
    *,
    now: datetime,
    options: IntakeOptions,
    credentials: Credentials | None = None,
    memo: RoutingMemo | None = None,
) -> list[Outcome]:
    """Receive every request in one transaction; one outcome (result or error) per request.

    ``memo`` carries routing refusals from one batch to the next (``RoutingMemo``); only the
    one writer of a ``GroupCommitter`` passes it.
    """
    outcomes: dict[int, Outcome] = {}
    todo = list(range(len(requests)))
    conflicts = 0
    while todo:
        try:
            state = BatchState(now=now, options=options, memo=memo)
            outcomes.update(_attempt(uow_factory, requests, todo, state, credentials))
            if memo is not None:
                memo.adopt(state)  # committed: its snapshots and refusals are the current ones
            break
        except _MessageFailed as failed:
            outcomes[failed.index] = failed.error
            todo.remove(failed.index)
        except (ConcurrentChange, DuplicateExternalId) as conflict:
            conflicts += 1
            if conflicts < INTAKE_ATTEMPTS:
                continue
            if len(todo) == 1:
                outcomes[todo[0]] = conflict
                break
            for index in todo:  # a persistent conflict: let it fail only its own message
                (outcomes[index],) = receive_batch(
                    uow_factory,
                    [requests[index]],
                    now=now,
                    options=options,
                    credentials=credentials,
                )
            break
    return [outcomes[index] for index in range(len(requests))]


def _attempt(
    uow_factory: UnitOfWorkFactory,
    requests: Sequence[IntakeRequest],
    todo: Sequence[int],
    state: BatchState,
    credentials: Credentials | None,
) -> dict[int, Outcome]:
    now = state.now
    actors: dict[str, Actor | DomainError] = {}
    results: dict[int, Outcome] = {}
    with uow_factory() as uow:
        for index in todo:
            request = requests[index]
            try:
                actor = _actor(uow, request, actors, now, credentials)
                access.check(actor, Permission.MESSAGE_INTAKE)
                check_inbound(request.inbound)
            except DomainError as refused:  # refused before writing anything
                results[index] = refused
                continue
            try:
                results[index] = receive_one(uow, actor, request.inbound, state)
            except (ConcurrentChange, DuplicateExternalId):
                raise
            except Exception as error:  # a bug too: it fails this message only
                raise _MessageFailed(index, error) from error
        uow.outbox.add_all(state.outbox)
        uow.commit()
    return results


def _actor(
    uow: UnitOfWork,
    request: IntakeRequest,
    known: dict[str, Actor | DomainError],
    now: datetime,
    credentials: Credentials | None,
) -> Actor:
    """The request's actor; a token is looked up once per batch, in its transaction."""
    if request.actor is not None:
        return request.actor
    if request.token is None or credentials is None:
        raise ValueError("an IntakeRequest needs an actor, or a token and credentials")
    found = known.get(request.token)
    if found is None:
        try:
            found = actor_for_token(uow, token=request.token, now=now, credentials=credentials)
        except DomainError as error:
            found = error
        known[request.token] = found
    if isinstance(found, DomainError):
        raise found
    return found

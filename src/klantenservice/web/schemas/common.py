"""Shared shapes: the error body, pages, and the base classes of requests and responses."""

from __future__ import annotations

from typing import Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict

from klantenservice.domain.vocabulary import Priority

T = TypeVar("T")

PriorityName = Literal["low", "normal", "high", "urgent", "emergency"]


def priority_of(name: PriorityName) -> Priority:
    return Priority[name.upper()]


class RequestModel(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


class ResponseModel(BaseModel):
    pass


class ErrorOut(ResponseModel):
    """Every error: a stable code for programs and a message for people."""

    error: str
    message: str


class PageOut(ResponseModel, Generic[T]):
    """A page in id order; pass ``next_after`` as ``after`` for the next one (null: the end)."""

    items: list[T]
    next_after: int | None

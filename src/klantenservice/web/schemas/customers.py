"""Customers and their contact points."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, cast

from pydantic import Field

from klantenservice.domain.customers import ContactKind, ContactPoint, Customer, VerificationLevel
from klantenservice.domain.vocabulary import Language
from klantenservice.web.schemas.common import RequestModel, ResponseModel

VerificationName = Literal["none", "contact", "authenticated", "strong"]


def verification_of(name: VerificationName) -> VerificationLevel:
    return VerificationLevel[name.upper()]


class ContactIn(RequestModel):
    """A contact point as typed; it is normalised (E.164, lower-case e-mail) when parsed."""

    kind: ContactKind
    value: str = Field(min_length=1, max_length=320)

    def parse(self) -> ContactPoint:
        return ContactPoint.parse(self.kind, self.value)


class ContactOut(ResponseModel):
    kind: ContactKind
    value: str


class CustomerIn(RequestModel):
    name: str = Field(default="", max_length=200)
    language: Language = Language.NL
    segment: str = Field(default="retail", min_length=1, max_length=40)
    vulnerable: bool = False
    verification: VerificationName = "none"
    contacts: list[ContactIn] = Field(default_factory=list, max_length=20)
    external_ref: str | None = Field(default=None, max_length=100)

    def to_domain(self) -> Customer:
        return Customer(
            id=None,
            name=self.name,
            language=self.language,
            segment=self.segment,
            vulnerable=self.vulnerable,
            verification=verification_of(self.verification),
            contact_points=tuple(c.parse() for c in self.contacts),
            external_ref=self.external_ref,
        )


class CustomerPatch(RequestModel):
    """Fields to change; absent or null fields stay as they are. Contacts are only added."""

    name: str | None = Field(default=None, max_length=200)
    language: Language | None = None
    segment: str | None = Field(default=None, min_length=1, max_length=40)
    vulnerable: bool | None = None
    verification: VerificationName | None = None
    add_contacts: list[ContactIn] = Field(default_factory=list, max_length=20)


class CustomerOut(ResponseModel):
    id: int
    name: str
    language: Language
    segment: str
    vulnerable: bool
    verification: VerificationName
    contact_points: list[ContactOut]
    created_at: datetime | None
    external_ref: str | None
    tags: list[str]
    merged_into: int | None = None  # an agent confirmed this record is that customer

    @classmethod
    def of(cls, customer: Customer) -> CustomerOut:
        assert customer.id is not None
        return cls(
            id=customer.id,
            name=customer.name,
            language=customer.language,
            segment=customer.segment,
            vulnerable=customer.vulnerable,
            verification=cast(VerificationName, customer.verification.name.lower()),
            contact_points=[
                ContactOut(kind=c.kind, value=c.value) for c in customer.contact_points
            ],
            created_at=customer.created_at,
            external_ref=customer.external_ref,
            tags=sorted(customer.tags),
            merged_into=customer.merged_into,
        )

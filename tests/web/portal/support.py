"""A customer in the portal, driven over HTTP: sign in through the demo bank, read pages.

``Portal.sign_in`` walks the real path a browser takes: the sign-in page (sets the sign-in
cookie, links to the bank with the nonce), the demo bank's page and form (mints the signed
assertion), and ``/portal/sso`` (sets the session cookie).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import timedelta

import httpx
from fastapi.testclient import TestClient
from tests.web.support import World

from klantenservice.domain.customers import Customer
from klantenservice.domain.vocabulary import AgentId, CaseId, Channel, CustomerId, Role, UserId
from klantenservice.services import messages as message_service
from klantenservice.services.inbound import InboundMessage, IntakeOptions, receive_message
from klantenservice.services.ports import SYSTEM, Actor
from klantenservice.web.deps import AppContext

SECRET = "portal web tests secret"
ANN = "REL-0000001"
BEN = "REL-0000002"
_FIELD = r'name="{}" value="([^"]*)"'


def field(page: str, name: str) -> str:
    found = re.search(_FIELD.format(name), page)
    assert found is not None, f"no {name} field on the page"
    return html.unescape(found.group(1))


def add_customers(context: AppContext) -> tuple[Customer, Customer]:
    now = context.clock.now()
    with context.uow_factory() as uow:
        ann = uow.customers.add(Customer(None, "Ann de Wit", external_ref=ANN), at=now)
        ben = uow.customers.add(Customer(None, "Ben Bakker", external_ref=BEN), at=now)
        uow.commit()
    return ann, ben


@dataclass
class Portal:
    client: TestClient
    context: AppContext
    world: World
    ann: Customer
    ben: Customer

    # -- signing in -------------------------------------------------------------------------
    def bank_link(self, next_path: str = "/portal/") -> str:
        page = self.client.get("/portal/sign-in", params={"next": next_path})
        assert page.status_code == 200, page.text
        found = re.search(r'href="(/portal/demo-sign-in\?[^"]+)"', page.text)
        assert found is not None, "no link to the bank on the sign-in page"
        return html.unescape(found.group(1))

    def assertion_url(self, reference: str = ANN, level: str = "authenticated") -> str:
        """Through the demo bank: the /portal/sso address with the signed assertion."""
        bank = self.client.get(self.bank_link())
        assert bank.status_code == 200, bank.text
        form = {
            "csrf_token": field(bank.text, "csrf_token"),
            "nonce": field(bank.text, "nonce"),
            "subject": reference,
            "level": level,
        }
        minted = self.client.post("/portal/demo-sign-in", data=form)
        assert minted.status_code == 303, minted.text
        return str(minted.headers["location"])

    def sign_in(self, reference: str = ANN, level: str = "authenticated") -> httpx.Response:
        response: httpx.Response = self.client.get(self.assertion_url(reference, level))
        return response

    def signed_in(self, reference: str = ANN) -> str:
        """Sign in and return the session's CSRF token (from the case list)."""
        response = self.sign_in(reference)
        assert response.status_code == 303, response.text
        listed = self.client.get("/portal/")
        assert listed.status_code == 200, listed.text
        return field(listed.text, "csrf_token")

    # -- the bank's side: cases, agent replies and notes ------------------------------------
    def case_of(
        self, customer: Customer, subject: str, body: str = "Mijn pas doet het niet."
    ) -> int:
        assert customer.id is not None
        inbound = InboundMessage(
            channel=Channel.EMAIL,
            body=body,
            customer_id=CustomerId(customer.id),
            subject=subject,
            new_case=True,
        )
        result = receive_message(
            self.context.uow_factory,
            actor=SYSTEM,
            inbound=inbound,
            now=self.context.clock.now(),
            options=IntakeOptions(auto_assign=False),
        )
        return int(result.case_id)

    def anna(self) -> Actor:
        staff = self.world.anna
        assert staff.agent_id is not None
        return Actor(
            kind="user",
            id=UserId(staff.user_id),
            roles=frozenset({Role.AGENT}),
            agent_id=AgentId(staff.agent_id),
            name="Anna",
        )

    def agent_reply(self, case_id: int, body: str) -> None:
        message_service.reply_to_case(
            self.context.uow_factory(),
            actor=self.anna(),
            case_id=CaseId(case_id),
            body=body,
            now=self.context.clock.now(),
        )

    def agent_note(self, case_id: int, body: str) -> None:
        message_service.add_note(
            self.context.uow_factory(),
            actor=self.anna(),
            case_id=CaseId(case_id),
            body=body,
            now=self.context.clock.now(),
        )

    def later(self, minutes: float) -> None:
        self.world.clock.current += timedelta(minutes=minutes)

"""The emergency lane end to end, with a controlled clock: the SOS form at 02:13 on a Sunday.

A customer locked out of the app reports through the SOS form (no sign-in) that money is
leaving the account. The reference and the time of receipt come back at once; the case goes
ahead of everything else for every fraud agent; when nobody responds, the worker alerts the
on-call supervisor at 5 minutes and the next level at 8, by e-mail (a real SMTP server), SMS
(a local fake of Twilio's API) and a signed webhook, each step in the audit trail.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.services.fake_http import serving
from tests.services.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, running_fake_twilio
from tests.support.smtp_inbox import running_inbox
from tests.web.conftest import ADMIN_EMAIL
from tests.web.support import (
    API,
    PASSWORD,
    FakeClock,
    Headers,
    Staff,
    bearer,
    create_staff,
    login,
)

from klantenservice.cli_worker import emergency_handlers
from klantenservice.demo.standard import seed_standard_configuration
from klantenservice.settings import EscalationContact, Settings
from klantenservice.web.deps import AppContext
from klantenservice.workers.emergency_alerts import EscalationSweeper
from klantenservice.workers.outbox_dispatcher import OutboxDispatcher

SUNDAY_0213 = datetime(2026, 11, 22, 1, 13, 0, tzinfo=UTC)  # 02:13 in Amsterdam (CET)
REFERENCE = re.compile(r"SOS-[0-9A-Z]{4}-[0-9A-Z]{4}")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(SUNDAY_0213 - timedelta(hours=1))


@dataclass
class Lane:
    client: TestClient
    clock: FakeClock
    context: AppContext
    admin: Headers
    supervisor: Headers
    agents: dict[str, Staff] = field(default_factory=dict)


@pytest.fixture
def lane(client: TestClient, clock: FakeClock, context: AppContext) -> Lane:
    seed_standard_configuration(
        context.uow_factory, now=clock.now(), timezone="Europe/Amsterdam", holiday_country="NL"
    )
    with context.uow_factory() as uow:
        queues = {queue.name: queue.id for queue in uow.directory.queues()}
    admin = login(client, ADMIN_EMAIL)
    supervisor = create_staff(client, admin, "sara@bank.nl", "Sara", ["supervisor"]).headers
    lane = Lane(client, clock, context, admin, supervisor)
    for name in ("femke", "daan"):  # the night's fraud team, not at their desks at 02:13
        lane.agents[name] = create_staff(
            client, admin, f"{name}@bank.nl", name.title(), ["agent"],
            languages=["nl", "en"], queue_ids=[queues["general"], queues["emergency"]],
            skills=["fraud"], capacity={"web_form": 1, "email": 3}, presence="away",
        )  # fmt: skip
    token = client.post(f"{API}/admin/tokens", headers=admin, json={"name": "mail gateway"})
    gateway = bearer(token.json()["token"])
    for number in range(2):  # older work that waits too
        sent = client.post(
            f"{API}/messages/inbound", headers=gateway,
            json={"channel": "web_form", "body": f"Vraag over mijn spaarrente {number}",
                  "contact": {"kind": "email", "value": f"klant{number}@example.nl"}},
        )  # fmt: skip
        assert sent.status_code == 201, sent.text
    clock.current = SUNDAY_0213
    return lane


def report_through_the_form(lane: Lane) -> tuple[str, int, str]:
    """Fill in the SOS form as a browser would; the reference, case id and confirmation path."""
    client = lane.client
    short = client.get("/sos", follow_redirects=False)
    assert short.status_code == 307 and short.headers["location"] == "/portal/sos"
    form = client.get("/portal/sos", headers={"Accept-Language": "nl"})
    assert form.status_code == 200 and "Geen inlog nodig" in form.text
    submission = re.search(r'name="submission" value="([^"]+)"', form.text)
    assert submission is not None
    answer = client.post(
        "/portal/sos",
        data={
            "kind": "money_leaving", "phone": "06 12345678", "name": "Henk de Boer",
            "description": "Ik kan niet inloggen en zie geld van mijn rekening verdwijnen",
            "block_card": "1", "card_last_four": "4321", "submission": submission.group(1),
        },
        headers={"Accept-Language": "nl"},
        follow_redirects=False,
    )  # fmt: skip
    assert answer.status_code == 303, answer.text
    location = answer.headers["location"]
    reference = REFERENCE.search(location)
    assert reference is not None
    with lane.context.uow_factory() as uow:
        report = uow.emergencies.report_by_reference(reference.group(0))
    assert report is not None
    return reference.group(0), report.case_id, location


def test_the_sos_form_gives_a_reference_and_the_time_at_once(lane: Lane) -> None:
    reference, case_id, location = report_through_the_form(lane)
    receipt = lane.client.get(location, headers={"Accept-Language": "nl"})
    assert receipt.status_code == 200
    assert reference in receipt.text and "02:13:00" in receipt.text  # Amsterdam time, seconds
    assert "binnen 10 minuten" in receipt.text
    case = lane.client.get(f"{API}/cases/{case_id}", headers=lane.admin).json()
    assert (case["priority"], case["channel"], case["category"]) == (
        "emergency",
        "web_form",
        "fraud",
    )
    assert case["assignee_id"] is None  # nobody at a desk: the report waits, recorded
    proof = lane.client.get(f"{API}/emergency/reports/{reference}", headers=lane.supervisor)
    assert proof.status_code == 200, proof.text
    assert proof.json()["reported_at"].startswith("2026-11-22T01:13:00")
    assert (proof.json()["via"], proof.json()["card_block"]) == ("sos_form", "requested")
    assert proof.json()["retain_until"] >= "2028-05-22"


@pytest.mark.parametrize("agent", ["femke", "daan"])
def test_the_report_tops_every_fraud_agents_queue(lane: Lane, agent: str) -> None:
    _reference, case_id, _location = report_through_the_form(lane)
    staff = lane.agents[agent]
    present = lane.client.post(
        f"{API}/agents/{staff.agent_id}/presence", headers=staff.headers,
        json={"presence": "available"},
    )  # fmt: skip
    assert present.status_code == 200, present.text
    taken = lane.client.post(f"{API}/cases/next", headers=staff.headers)
    assert taken.status_code == 200, taken.text
    assert taken.json()["case"]["id"] == case_id  # ahead of the two older questions
    assert "priority emergency" in " ".join(taken.json()["reasons"])


@dataclass
class Receiver:
    """The on-call system's webhook endpoint."""

    url: str = ""
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)

    def answer(self, handler: BaseHTTPRequestHandler) -> tuple[int, dict[str, Any]]:
        body = handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
        self.received.append((dict(handler.headers.items()), body))
        return 200, {}


def test_nobody_responds_and_the_alerts_fire_at_5_and_8_minutes(lane: Lane) -> None:
    with (
        running_inbox() as (inbox, port),
        running_fake_twilio() as twilio,
        serving(Receiver()) as receiver,
    ):
        settings = Settings(
            database_url=lane.context.settings.database_url, environment="test",
            smtp_host="127.0.0.1", smtp_port=port, smtp_security="none",
            mail_from="klantenservice@polderbank.example",
            twilio_account_sid=ACCOUNT_SID, twilio_auth_token=AUTH_TOKEN,
            twilio_from_number=FROM_NUMBER, twilio_api_base=twilio.url,
            public_base_url="https://service.polderbank.example", core_banking="demo",
            emergency_escalation=[
                EscalationContact(level=1, email="oncall@polderbank.example", sms="+31611111111"),
                EscalationContact(level=2, email="head@polderbank.example",
                                  webhook=receiver.url + "/page", webhook_secret="s3cret"),
            ],
        )  # fmt: skip
        factory = lane.context.uow_factory
        handlers = emergency_handlers(settings, factory, lane.clock)
        dispatcher = OutboxDispatcher(factory, handlers, lane.clock)
        sweeper = EscalationSweeper(factory, lane.clock)
        reference, case_id, _ = report_through_the_form(lane)

        def minute(at: float) -> None:
            lane.clock.current = SUNDAY_0213 + timedelta(minutes=at)
            sweeper.run_once()
            while dispatcher.run_once():
                pass

        minute(4.9)
        assert inbox.mails == [] and twilio.requests == []
        block = lane.client.get(f"{API}/emergency/reports/{reference}", headers=lane.supervisor)
        assert block.json()["card_block"] == "blocked"  # the demo core system, no agent needed
        minute(5)
        assert [envelope.rcpt_tos for envelope, _ in inbox.mails] == [["oncall@polderbank.example"]]
        mail = inbox.mails[0][1]
        assert reference in str(mail["Subject"]) and "level 1" in str(mail["Subject"])
        text = mail.get_content()
        assert f"/desk/cases/{case_id}" in text and "22-11-2026 02:13:00" in text
        assert "Henk" not in text and "0612345678" not in text  # nothing personal in alerts
        assert [r["To"] for r in twilio.requests] == ["+31611111111"]
        assert receiver.received == []
        minute(7)
        assert len(inbox.mails) == 1
        minute(8)
        assert [envelope.rcpt_tos for envelope, _ in inbox.mails][1] == ["head@polderbank.example"]
        headers, body = receiver.received[0]
        expected = hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
        assert headers["X-Klantenservice-Signature"] == f"sha256={expected}"
        assert json.loads(body)["payload"]["level"] == 2
        minute(20)
        assert len(inbox.mails) == 2 and len(twilio.requests) == 1 and len(receiver.received) == 1
    with lane.context.uow_factory() as uow:
        rows = uow.audit.iterate()
        steps = [r.details for r in rows if r.action == "emergency.escalated"]
    assert [(s["level"], s["due_at"], s["fired_at"]) for s in steps] == [
        (1, "2026-11-22T01:18:00+00:00", "2026-11-22T01:18:00+00:00"),
        (2, "2026-11-22T01:21:00+00:00", "2026-11-22T01:21:00+00:00"),
    ]
    metrics = lane.client.get(
        f"{API}/emergency/metrics", headers=lane.supervisor,
        params={"since": "2026-11-22T00:00:00Z", "until": "2026-11-22T02:00:00Z"},
    )  # fmt: skip
    assert metrics.status_code == 200, metrics.text
    entry = metrics.json()["entries"][0]
    assert (entry["reference"], entry["within_promise"], entry["escalated_levels"]) == (
        reference,
        False,
        [1, 2],
    )
    assert metrics.json()["share_within"] == 0.0


def test_a_form_with_problems_stores_nothing_and_says_what_is_wrong(lane: Lane) -> None:
    answer = lane.client.post(
        "/portal/sos",
        data={"kind": "", "phone": "12", "card_last_four": "4111111111111111",
              "submission": "x" * 32},
        headers={"Accept-Language": "en"},
    )  # fmt: skip
    assert answer.status_code == 422
    assert "Choose what happened." in answer.text
    assert "not a phone number we can call" in answer.text
    assert "only the last 4 digits" in answer.text
    assert "4111111111111111" not in answer.text  # the number typed is not echoed back
    with lane.context.uow_factory() as uow:
        assert (
            uow.emergencies.lane(
                reported_from=SUNDAY_0213 - timedelta(days=1),
                reported_until=SUNDAY_0213 + timedelta(days=1),
                open_only=False,
            )
            == []
        )


def test_a_confirmation_link_needs_its_key(lane: Lane) -> None:
    reference, _case_id, location = report_through_the_form(lane)
    assert lane.client.get(location).status_code == 200
    forged = lane.client.get(f"/portal/sos/r/{reference}?k={'0' * 32}")
    assert forged.status_code == 404 and "Ontvangen op" not in forged.text  # nothing told


def test_sending_the_form_twice_is_one_report(lane: Lane) -> None:
    form = lane.client.get("/portal/sos").text
    submission = re.search(r'name="submission" value="([^"]+)"', form)
    assert submission is not None
    data = {"kind": "card_lost_or_stolen", "email": "henk@example.nl",
            "submission": submission.group(1)}  # fmt: skip
    first = lane.client.post("/portal/sos", data=data, follow_redirects=False)
    second = lane.client.post("/portal/sos", data=data, follow_redirects=False)
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]


def test_the_app_reports_through_the_api_without_signing_in(lane: Lane) -> None:
    body = {"kind": "account_taken_over", "phone": "+31612345678",
            "submission": "app-submission-0001", "language": "en"}  # fmt: skip
    answer = lane.client.post(f"{API}/sos", json=body)
    assert answer.status_code == 201, answer.text
    assert REFERENCE.fullmatch(answer.json()["reference"])
    assert answer.json()["reported_at"].startswith("2026-11-22T01:13:00")
    bad = lane.client.post(f"{API}/sos", json={**body, "phone": "", "submission": "x" * 20})
    assert bad.status_code == 422 and "phone: contact_missing" in bad.text


def test_a_card_block_nobody_can_send_alerts_the_on_call_supervisor(lane: Lane) -> None:
    with running_inbox() as (inbox, port):
        settings = Settings(
            database_url=lane.context.settings.database_url, environment="test",
            smtp_host="127.0.0.1", smtp_port=port, smtp_security="none", core_banking="none",
            emergency_escalation=[EscalationContact(level=1, email="oncall@polderbank.example")],
        )  # fmt: skip
        handlers = emergency_handlers(settings, lane.context.uow_factory, lane.clock)
        dispatcher = OutboxDispatcher(lane.context.uow_factory, handlers, lane.clock)
        reference, _case_id, _ = report_through_the_form(lane)
        while dispatcher.run_once():
            pass
    (_envelope, mail), *more = inbox.mails
    assert more == [] and "Card block failed" in str(mail["Subject"])
    assert reference in mail.get_content() and "by hand" in mail.get_content()
    proof = lane.client.get(f"{API}/emergency/reports/{reference}", headers=lane.supervisor)
    assert proof.json()["card_block"] == "failed"


def test_a_flood_from_one_address_is_refused_with_the_phone_number(lane: Lane) -> None:
    answers = []
    for number in range(6):
        data = {"kind": "phishing", "email": f"x{number}@example.nl",
                "submission": f"flood-submission-{number:04d}"}  # fmt: skip
        answers.append(lane.client.post("/portal/sos", data=data, follow_redirects=False))
    assert [a.status_code for a in answers] == [303] * 5 + [429]
    assert "+31 20 555 0100" in answers[-1].text


def test_the_supervisor_board_shows_time_to_human_live(lane: Lane) -> None:
    reference, case_id, _ = report_through_the_form(lane)
    lane.clock.current = SUNDAY_0213 + timedelta(minutes=6)
    EscalationSweeper(lane.context.uow_factory, lane.clock).run_once()
    client = TestClient(lane.client.app, base_url="https://testserver")  # Secure cookies
    login_page = client.get("/desk/login")
    token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', login_page.text)
    assert token is not None
    signed = client.post(
        "/desk/login",
        data={"csrf_token": token.group(1), "email": "sara@bank.nl", "password": PASSWORD},
        headers={"Accept-Language": "en"},
        follow_redirects=False,
    )
    assert signed.status_code == 303, signed.text
    board = client.get("/desk/supervisor", headers={"Accept-Language": "en"})
    assert board.status_code == 200, board.text
    lane_part = board.text[board.text.index('id="lane-title"') :]
    assert "1 emergency" in lane_part and "no outcome yet" in lane_part
    assert reference in lane_part and f"/desk/cases/{case_id}" in lane_part
    assert "6 min" in lane_part and "level 1" in lane_part

"""POST /messages/inbound: intake creates, threads, routes, starts clocks; idempotently."""

from __future__ import annotations

import os
import signal
from concurrent.futures import ThreadPoolExecutor

import pytest
from tests.web.support import API, START, World

from klantenservice.adapters.writer_process import WriterProcess
from klantenservice.web.api import intake
from klantenservice.web.deps import AppContext
from klantenservice.web.schemas.messages import IntakeOut


@pytest.fixture(params=["thread", "process"])
def intake_writer(request: pytest.FixtureRequest) -> str:
    """Every test here runs with the writer thread and with the writer process."""
    return str(request.param)


def test_intake_creates_the_customer_the_case_the_assignment_and_the_promise(
    world: World,
) -> None:
    result = world.intake(external_id="mail-1")
    assert result["case_created"] is True
    assert result["duplicate"] is False
    assert result["reopened"] is False
    assert result["case_reference"] == f"KS-{result['case_id']:06d}"
    assert result["assigned_agent_id"] == world.anna.agent_id  # Bob is offline
    assert any("the only eligible agent" in reason for reason in result["routing"])
    assert result["promise_due_at"] == "2026-11-23T13:00:00Z"  # 4 working hours later

    customer = world.get(f"/customers/{result['customer_id']}", world.admin).json()
    assert customer["name"] == "Jan Jansen"
    assert customer["contact_points"] == [{"kind": "email", "value": "jan@example.nl"}]
    case = world.case(result["case_id"])
    assert case["status"] == "open"
    assert case["assignee_id"] == world.anna.agent_id
    assert case["queue_id"] == world.queue_id
    first = next(c for c in case["promises"]["clocks"] if c["kind"] == "first_response")
    assert first["state"] == "running"
    assert first["target_seconds"] == 4 * 3600
    [message] = world.messages(result["case_id"])
    assert message["body"] == "Mijn pas is geblokkeerd"
    assert message["external_id"] == "mail-1"


def test_intake_is_idempotent_on_the_external_id(world: World) -> None:
    first = world.intake(external_id="mail-7")
    again = world.intake(expected=200, external_id="mail-7", body="anything else")
    assert again["duplicate"] is True
    for key in ("message_id", "case_id", "customer_id", "case_reference"):
        assert again[key] == first[key]
    assert len(world.messages(first["case_id"])) == 1
    assert world.count_cases() == 1


def test_intake_is_idempotent_on_the_idempotency_key_header(world: World) -> None:
    key = {"Idempotency-Key": "4f0c2a7e-retry"}
    body = {
        "channel": "chat",
        "body": "Hallo?",
        "contact": {"kind": "phone", "value": "06 12345678"},
    }
    first = world.post("/messages/inbound", world.integration, body, extra_headers=key)
    again = world.post("/messages/inbound", world.integration, body, extra_headers=key)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["duplicate"] is True
    assert again.json()["message_id"] == first.json()["message_id"]
    assert again.json()["case_id"] == first.json()["case_id"]
    [message] = world.messages(first.json()["case_id"])
    assert message["external_id"] == "4f0c2a7e-retry"


def test_a_second_message_from_the_same_customer_joins_the_active_case(world: World) -> None:
    first = world.intake(external_id="a")
    world.clock.advance(minutes=3)
    second = world.intake(external_id="b", contact={"kind": "email", "value": "jan@example.nl"})
    assert second["case_created"] is False
    assert second["case_id"] == first["case_id"]
    assert second["customer_id"] == first["customer_id"]
    assert len(world.messages(first["case_id"])) == 2


def test_an_agent_reply_stops_the_first_response_clock(world: World) -> None:
    case_id = world.intake(external_id="q1")["case_id"]
    world.clock.advance(minutes=30)
    reply = world.post(f"/cases/{case_id}/replies", world.anna.headers, {"body": "Wij helpen u."})
    assert reply.status_code == 201
    assert reply.json()["direction"] == "outbound"
    assert reply.json()["author_agent_id"] == world.anna.agent_id
    clocks = world.get(f"/cases/{case_id}/promises", world.anna.headers).json()
    assert clocks["policy"] == "standard"
    first = next(c for c in clocks["clocks"] if c["kind"] == "first_response")
    assert first["state"] == "met"
    assert first["met_at"] == "2026-11-23T09:30:00Z"
    assert first["elapsed_seconds"] == 1800
    assert first["remaining_seconds"] == 4 * 3600 - 1800
    assert first["explanation"][-1].startswith("met at 2026-11-23 10:30")
    resolution = next(c for c in clocks["clocks"] if c["kind"] == "resolution")
    assert resolution["state"] == "running"


def test_a_message_quoting_the_reference_of_a_resolved_case_reopens_it(world: World) -> None:
    first = world.intake(external_id="r1")
    case_id = first["case_id"]
    resolved = world.patch(f"/cases/{case_id}", world.anna.headers, {"status": "resolved"})
    assert resolved.json()["status"] == "resolved"
    world.clock.advance(hours=3)  # within the 7-day reopen window (and the 12-hour sessions)
    again = world.intake(
        external_id="r2", case_reference=first["case_reference"], body="Het werkt nog steeds niet"
    )
    assert again["reopened"] is True
    assert again["case_id"] == case_id
    assert again["case_created"] is False
    assert world.case(case_id)["status"] == "open"


def test_a_message_quoting_a_closed_case_opens_a_new_linked_case(world: World) -> None:
    first = world.intake(external_id="c1")
    case_id = first["case_id"]
    for status in ("resolved", "closed"):
        world.patch(f"/cases/{case_id}", world.anna.headers, {"status": status})
    again = world.intake(external_id="c2", case_reference=first["case_reference"])
    assert again["case_created"] is True
    assert again["case_id"] != case_id
    assert world.case(again["case_id"])["linked_to"] == case_id
    assert world.case(case_id)["status"] == "closed"


def test_an_invalid_email_or_phone_is_refused_with_422_and_stores_nothing(
    world: World,
) -> None:
    for contact, words in (
        ({"kind": "email", "value": "jan@@example"}, "invalid e-mail address"),
        ({"kind": "phone", "value": "12"}, "invalid phone number"),
        ({"kind": "whatsapp", "value": "hello"}, "invalid WhatsApp id"),
    ):
        response = world.post(
            "/messages/inbound",
            world.integration,
            {"channel": "email", "body": "Hoi", "contact": contact, "external_id": "x"},
        )
        assert response.status_code == 422, response.text
        assert response.json()["error"] == "invalid"
        assert words in response.json()["message"]
    assert world.count_cases() == 0
    assert world.get("/customers", world.admin).json()["items"] == []


def test_a_message_body_over_one_megabyte_is_refused_with_422_and_stores_nothing(
    world: World,
) -> None:
    response = world.post(
        "/messages/inbound",
        world.integration,
        {
            "channel": "email",
            "body": "a" * 1_000_001,
            "contact": {"kind": "email", "value": "jan@example.nl"},
        },
    )
    assert response.status_code == 422
    assert "limit is 1000000 bytes (1 MB)" in response.json()["message"]
    assert world.count_cases() == 0


def test_intake_without_customer_or_contact_is_refused_with_a_clear_message(
    world: World,
) -> None:
    response = world.post("/messages/inbound", world.integration, {"channel": "sms", "body": "Hoi"})
    assert response.status_code == 422
    assert response.json()["message"] == (
        "an inbound message needs a customer_id or a contact point"
    )


def test_intake_refuses_internal_notes_unknown_queues_and_bad_references(world: World) -> None:
    cases = (
        ({"channel": "internal_note"}, 422),
        ({"queue": "nowhere"}, 404),
        ({"case_reference": "12345"}, 422),
        ({"case_reference": "KS-999999"}, 404),
    )
    for extra, status in cases:
        response = world.post(
            "/messages/inbound",
            world.integration,
            {
                "channel": "email",
                "body": "Hoi",
                "contact": {"kind": "email", "value": "jan@example.nl"},
                **extra,
            },
        )
        assert response.status_code == status, (extra, response.text)
    assert world.count_cases() == 0


def test_intake_keeps_the_providers_timestamp_and_refuses_a_naive_one(world: World) -> None:
    sent = world.intake(external_id="t1", sent_at="2026-11-23T08:59:00+00:00")
    [message] = world.messages(sent["case_id"])
    assert message["sent_at"] == "2026-11-23T08:59:00Z"
    assert message["created_at"] == START.isoformat().replace("+00:00", "Z")
    naive = world.post(
        "/messages/inbound",
        world.integration,
        {
            "channel": "email",
            "body": "Hoi",
            "contact": {"kind": "email", "value": "jan@example.nl"},
            "sent_at": "2026-11-23T08:59:00",
        },
    )
    assert naive.status_code == 422
    assert "body.sent_at" in naive.json()["message"]


def test_staff_without_the_intake_permission_cannot_post_inbound_messages(
    world: World,
) -> None:
    response = world.client.post(
        f"{API}/messages/inbound",
        headers=world.anna.headers,
        json={"channel": "email", "body": "Hoi", "contact": {"kind": "email", "value": "a@b.nl"}},
    )
    assert response.status_code == 403
    assert response.json()["message"] == (
        "role agent may not post inbound messages (needs message_intake)"
    )
    assert world.count_cases() == 0


def test_an_idempotency_key_over_255_characters_is_refused_and_nothing_is_stored(
    world: World,
) -> None:
    body = {"channel": "chat", "body": "Hallo?", "contact": {"kind": "email", "value": "a@b.nl"}}
    response = world.post(
        "/messages/inbound", world.integration, body, extra_headers={"Idempotency-Key": "k" * 256}
    )
    assert response.status_code == 422
    assert "Idempotency-Key must be 1 to 255 characters" in response.json()["message"]
    assert world.count_cases() == 0


def test_concurrent_intakes_are_each_answered_with_their_own_result(world: World) -> None:
    def send(n: int) -> dict[str, object]:
        body = {
            "channel": "email",
            "body": f"bericht {n}",
            "external_id": f"c-{n}",
            "contact": {"kind": "email", "value": f"klant{n % 3}@example.nl"},
        }
        response = world.post("/messages/inbound", world.integration, body)
        assert response.status_code == 201, response.text
        return dict(response.json())

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(send, range(24)))
    assert len({r["message_id"] for r in results}) == 24
    assert len({r["customer_id"] for r in results}) == 3
    for r in results:
        [stored] = [m for m in world.messages(int(str(r["case_id"]))) if m["id"] == r["message_id"]]
        assert stored["external_id"].startswith("c-")


def test_the_fast_path_answers_exactly_what_the_documented_route_answers(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``IntakeFastPath`` serves the endpoint; the FastAPI route documents it (api/intake.py)."""
    fast = world.intake(external_id="mail-fast", body="via the fast path")
    monkeypatch.setattr(intake, "PATH", "/nowhere")  # the middleware now passes it on
    documented = world.intake(external_id="mail-routed", body="via the documented route")
    assert fast.keys() == documented.keys() == IntakeOut.model_fields.keys()
    assert IntakeOut.model_validate(fast).model_dump(mode="json") == fast
    assert IntakeOut.model_validate(documented).model_dump(mode="json") == documented
    assert documented["case_id"] == fast["case_id"]  # the same customer's active case
    assert documented["promise_due_at"] == fast["promise_due_at"]
    assert documented["message_id"] == fast["message_id"] + 1


def test_other_methods_on_the_intake_path_reach_fastapi(world: World) -> None:
    answer = world.client.get(f"{API}/messages/inbound", headers=world.integration)
    assert answer.status_code == 405
    assert answer.json()["error"] == "method_not_allowed"


@pytest.mark.parametrize("intake_writer", ["process"])
def test_a_dead_writer_process_answers_503_and_the_next_request_starts_a_new_one(
    world: World, context: AppContext
) -> None:
    world.intake(external_id="before")
    handler = context.intake_writer._handler
    assert isinstance(handler, WriterProcess)
    pid = handler.pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    body = {"channel": "email", "body": "Hallo", "contact": {"kind": "email", "value": "a@b.nl"}}
    refused = world.post("/messages/inbound", world.integration, body)
    assert refused.status_code == 503
    assert refused.headers["Retry-After"] == "1"
    assert refused.json()["error"] == "unavailable"
    again = world.post("/messages/inbound", world.integration, body)
    assert again.status_code == 201, again.text
    assert handler.pid not in (None, pid)


def test_an_emergency_is_recognised_with_either_writer(world: World) -> None:
    """The process writer recognises in the web process, the thread writer in the batch."""
    answer = world.intake(
        body="Er is geld van mijn rekening gehaald, ik ken die afschrijving niet!"
    )
    case = world.case(answer["case_id"])
    assert (case["priority"], case["category"]) == ("emergency", "fraud")
    sent = [m for m in world.messages(answer["case_id"]) if m["direction"] == "outbound"]
    assert len(sent) == 1 and "SOS-" in sent[0]["body"]  # the acknowledgement, at once

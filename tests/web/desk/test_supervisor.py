"""The supervisor view over HTTP: who may see it, its figures, presence, reassign, bad input."""

from __future__ import annotations

from typing import Any

import pytest
from tests.web.desk.support import Desk, hidden_token
from tests.web.support import World, create_staff

SUPERVISOR = "sanne@bank.nl"


@pytest.fixture
def supervised(desk: Desk) -> Desk:
    """Sanne supervises; Anna is away so three new cases wait (Jan's an hour longer)."""
    world = desk.world
    create_staff(world.client, world.admin, SUPERVISOR, "Sanne Smit", ["supervisor"])
    path = f"/agents/{world.anna.agent_id}/presence"
    assert world.post(path, world.admin, {"presence": "away"}).status_code == 200
    world.intake(subject="Pas geblokkeerd")
    world.clock.advance(hours=1, minutes=5)
    for n, channel in enumerate(("web_form", "phone")):
        world.intake(
            channel=channel,
            contact={"kind": "email", "value": f"klant{n}@example.nl"},
            customer_name=f"Klant {n}",
        )
    return desk


def reassigned(world: World) -> list[dict[str, Any]]:
    audit = world.get("/audit", world.compliance, action="case.reassigned", limit=200)
    return [r["details"] for r in audit.json()["items"]]


def test_an_agent_gets_a_403_page_and_no_link_to_the_supervisor_view(supervised: Desk) -> None:
    supervised.signed_in()
    inbox = supervised.client.get("/desk/")
    assert 'href="/desk/supervisor"' not in inbox.text
    page = supervised.client.get("/desk/supervisor")
    assert page.status_code == 403
    assert "Dit mag je niet doen" in page.text
    assert "may not watch queues and agents (the supervisor view)" in page.text


def test_a_supervisor_sees_waiting_cases_the_longest_wait_and_agents(supervised: Desk) -> None:
    supervised.signed_in(SUPERVISOR)
    inbox = supervised.client.get("/desk/")
    assert 'href="/desk/supervisor">Supervisie</a>' in inbox.text
    page = supervised.client.get("/desk/supervisor")
    assert page.status_code == 200, page.text
    general = page.text.split(f'id="queue-{supervised.world.queue_id}"')[1].split("</tr>")[0]
    assert '<td class="number">3</td>' in general  # three waiting
    assert "1 u 05 min" in general  # Jan's wait
    anna = page.text.split(f'id="agent-{supervised.world.anna.agent_id}"')[1].split("</tr>")[0]
    assert "Anna de Vries" in anna
    assert 'value="away" id=' in anna
    assert 'aria-pressed="true">Afwezig' in anna
    assert "KS-000001" in page.text  # the longest waiting case needs attention
    assert "Jan Jansen" not in page.text  # the board shows no customer's name
    english = supervised.client.get("/desk/supervisor", headers={"Accept-Language": "en"})
    assert "1 h 05 min" in english.text


def test_the_board_fragment_is_what_the_live_refresh_asks_for(supervised: Desk) -> None:
    supervised.signed_in(SUPERVISOR)
    headers = {"HX-Request": "true", "HX-Target": "supervisor-board"}
    fragment = supervised.client.get("/desk/supervisor", headers=headers)
    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    assert fragment.text.lstrip().startswith('<div id="supervisor-board"')
    assert 'hx-trigger="ks-live from:body, every 30s"' in fragment.text
    assert "/api/v1/live?topic=case.%2A%2Cmessage.received" in fragment.text


def test_a_supervisor_sets_an_agents_presence(supervised: Desk) -> None:
    token = supervised.signed_in(SUPERVISOR)
    bob = supervised.world.bob.agent_id
    plain = supervised.client.post(
        "/desk/supervisor/presence",
        data={"agent_id": bob, "presence": "available", "csrf_token": token},
    )
    assert plain.status_code == 303
    assert plain.headers["location"] == "/desk/supervisor?notice=presence"
    assert supervised.presence_of(bob) == "available"
    htmx = supervised.client.post(
        "/desk/supervisor/presence",
        data={"agent_id": bob, "presence": "offline"},
        headers={"HX-Request": "true", "HX-Target": "supervisor-board", "X-CSRF-Token": token},
    )
    assert htmx.status_code == 200
    assert f'id="presence-{bob}-offline"' in htmx.text
    assert supervised.presence_of(bob) == "offline"


def test_an_agent_cannot_set_presence_from_the_supervisor_view(supervised: Desk) -> None:
    token = supervised.signed_in()
    bob = supervised.world.bob.agent_id
    response = supervised.client.post(
        "/desk/supervisor/presence",
        data={"agent_id": bob, "presence": "available", "csrf_token": token},
    )
    assert response.status_code == 403
    assert supervised.presence_of(bob) == "offline"


def test_reassigning_moves_the_case_and_records_the_reason(supervised: Desk) -> None:
    world = supervised.world
    token = supervised.signed_in(SUPERVISOR)
    form = supervised.client.get("/desk/supervisor?case=KS-000002")
    assert 'name="case" required maxlength="20" value="KS-000002"' in form.text
    response = supervised.client.post(
        "/desk/supervisor/reassign",
        data={
            "case": "KS-000002",
            "to": f"agent:{world.anna.agent_id}",
            "reason": "Anna spreekt de klant morgen",
            "csrf_token": token,
        },
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/desk/supervisor?notice=reassigned&ref=KS-000002"
    assert world.case(2)["assignee_id"] == world.anna.agent_id
    notice = supervised.client.get(response.headers["location"])
    assert "Zaak KS-000002 is opnieuw toegewezen." in notice.text
    (details,) = reassigned(world)
    assert details["reason"] == "Anna spreekt de klant morgen"
    assert details["agent_id"] == world.anna.agent_id


def test_reassign_without_or_with_a_forged_csrf_token_is_refused(supervised: Desk) -> None:
    world = supervised.world
    supervised.signed_in(SUPERVISOR)
    data = {"case": "1", "to": f"agent:{world.anna.agent_id}", "reason": "test"}
    for extra in ({}, {"csrf_token": "f" * 64}):
        response = supervised.client.post("/desk/supervisor/reassign", data={**data, **extra})
        assert response.status_code == 403
        assert "er is niets gewijzigd" in response.text
    assert world.case(1)["assignee_id"] is None
    assert reassigned(world) == []


@pytest.mark.parametrize(
    ("fields", "status", "message"),
    [
        ({"case": "KS-999999"}, 404, "no case with id 999999"),
        ({"case": "abc"}, 422, "case: &#39;abc&#39; is not a case reference"),
        ({"case": "0"}, 422, "is not a case reference"),
        ({"to": "agent:99999"}, 404, "no agent with id 99999"),
        ({"to": "queue:99999"}, 404, "no queue with id 99999"),
        ({"to": "team:1"}, 422, "to: &#39;team:1&#39; is not an agent or a queue"),
        ({"to": "agent:x"}, 422, "is not an agent or a queue"),
        ({"reason": "   "}, 422, "reason: say why the case is reassigned"),
        ({"reason": "x" * 1001}, 422, "reason"),
    ],
)
def test_bad_reassign_input_is_a_clear_error_and_changes_nothing(
    supervised: Desk, fields: dict[str, str], status: int, message: str
) -> None:
    world = supervised.world
    token = supervised.signed_in(SUPERVISOR)
    data = {
        "case": "KS-000001",
        "to": f"agent:{world.anna.agent_id}",
        "reason": "Graag door Anna",
        "csrf_token": token,
        **fields,
    }
    response = supervised.client.post("/desk/supervisor/reassign", data=data)
    assert response.status_code == status, response.text
    assert message in response.text
    assert world.case(1)["assignee_id"] is None
    assert reassigned(world) == []


def test_an_agent_may_not_reassign(supervised: Desk) -> None:
    world = supervised.world
    token = supervised.signed_in()
    data = {"case": "1", "to": f"agent:{world.bob.agent_id}", "reason": "x", "csrf_token": token}
    response = supervised.client.post("/desk/supervisor/reassign", data=data)
    assert response.status_code == 403
    assert "assign cases to someone else" in response.text
    assert world.case(1)["assignee_id"] is None


def test_the_notice_never_echoes_what_the_address_says(supervised: Desk) -> None:
    supervised.signed_in(SUPERVISOR)
    page = supervised.client.get("/desk/supervisor?notice=reassigned&ref=<script>x</script>")
    assert page.status_code == 200
    assert "<script>x" not in page.text
    assert "opnieuw toegewezen" not in page.text
    assert hidden_token(page.text)

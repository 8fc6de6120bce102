"""Role checks over HTTP: 403 with a message naming the role, and nothing changes."""

from __future__ import annotations

from tests.web.support import World


def audit_count(world: World) -> int:
    count: int = world.get("/audit/verify", world.admin).json()["count"]
    return count


def test_an_agent_cannot_read_or_verify_the_audit_trail(world: World) -> None:
    response = world.get("/audit", world.anna.headers)
    assert response.status_code == 403
    assert response.json() == {
        "error": "forbidden",
        "message": "role agent may not read the audit trail (needs audit_read)",
    }
    assert world.get("/audit/verify", world.anna.headers).status_code == 403


def test_an_integration_token_cannot_read_the_audit_trail_or_manage_staff(world: World) -> None:
    before = audit_count(world)
    assert world.get("/audit", world.integration).status_code == 403
    refused = world.post(
        "/admin/users",
        world.integration,
        {"email": "x@bank.nl", "name": "X", "password": "long enough password", "roles": ["admin"]},
    )
    assert refused.status_code == 403
    assert world.post("/admin/tokens", world.integration, {"name": "more"}).status_code == 403
    assert audit_count(world) == before


def test_an_integration_token_reads_what_it_delivered_but_cannot_reply(world: World) -> None:
    case_id = world.intake(external_id="i1")["case_id"]
    assert world.get(f"/cases/{case_id}/promises", world.integration).status_code == 200
    reply = world.post(f"/cases/{case_id}/replies", world.integration, {"body": "Hallo"})
    assert reply.status_code == 403
    assert len(world.messages(case_id)) == 1


def test_compliance_reads_the_audit_trail_but_changes_no_case(world: World) -> None:
    case_id = world.intake(external_id="c1")["case_id"]
    assert world.get("/audit", world.compliance).status_code == 200
    refused = world.patch(f"/cases/{case_id}", world.compliance, {"priority": "high"})
    assert refused.status_code == 403
    assert "needs case_write" in refused.json()["message"]
    assert world.case(case_id)["priority"] == "normal"


def test_agents_set_only_their_own_presence(world: World) -> None:
    refused = world.post(
        f"/agents/{world.bob.agent_id}/presence", world.anna.headers, {"presence": "available"}
    )
    assert refused.status_code == 403
    roster = {a["id"]: a for a in world.get("/agents", world.anna.headers).json()}
    assert roster[world.bob.agent_id]["presence"] == "offline"
    assert roster[world.anna.agent_id]["languages"] == ["en", "nl"]


def test_only_administrators_configure_queues_and_policies(world: World) -> None:
    for path, body in (
        ("/admin/queues", {"name": "fraude"}),
        ("/admin/teams", {"name": "Team Noord"}),
        ("/admin/skills", {"name": "fraud", "kind": "certification"}),
    ):
        assert world.post(path, world.anna.headers, body).status_code == 403
    put = world.client.put("/api/v1/admin/calendars/weekend", headers=world.anna.headers, json={})
    assert put.status_code == 403

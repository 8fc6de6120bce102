"""Administration endpoints and the audit trail's verification."""

from __future__ import annotations

from tests.web.support import PASSWORD, World, bearer


def test_a_new_api_token_is_shown_once_and_works_for_intake(world: World) -> None:
    created = world.post("/admin/tokens", world.admin, {"name": "whatsapp gateway"})
    assert created.status_code == 201
    token = created.json()["token"]
    assert token.startswith("ks_")
    me = world.get("/auth/me", bearer(token)).json()
    assert (me["kind"], me["id"], me["name"]) == ("token", created.json()["id"], "whatsapp gateway")


def test_a_staff_account_with_an_agent_profile_can_sign_in_and_work(world: World) -> None:
    created = world.post(
        "/admin/users",
        world.admin,
        {
            "email": "Dirk@Bank.nl",
            "name": "Dirk Dekker",
            "password": PASSWORD,
            "roles": ["agent", "credit"],
            "agent": {"languages": ["nl"], "queue_ids": [world.queue_id], "capacity": {"chat": 2}},
        },
    )
    assert created.status_code == 201, created.text
    user = created.json()
    assert user["email"] == "dirk@bank.nl"
    assert user["roles"] == ["agent", "credit"]
    assert user["agent_id"] is not None
    roster = {a["id"]: a for a in world.get("/agents", world.admin).json()}
    assert roster[user["agent_id"]]["capacity"] == {"chat": 2}
    assert roster[user["agent_id"]]["name"] == "Dirk Dekker"
    duplicate = world.post(
        "/admin/users",
        world.admin,
        {"email": "dirk@bank.nl", "name": "Dirk", "password": PASSWORD, "roles": ["agent"]},
    )
    assert duplicate.status_code == 409


def test_a_weak_password_or_an_integration_role_is_refused_for_staff(world: World) -> None:
    weak = world.post(
        "/admin/users",
        world.admin,
        {"email": "e@bank.nl", "name": "Eva", "password": "kort", "roles": ["agent"]},
    )
    assert weak.status_code == 422
    assert "use at least 12" in weak.json()["message"]
    robot = world.post(
        "/admin/users",
        world.admin,
        {"email": "r@bank.nl", "name": "Robot", "password": PASSWORD, "roles": ["integration"]},
    )
    assert robot.status_code == 422


def test_calendars_queues_policies_teams_and_skills_are_configured(world: World) -> None:
    put = world.client.put(
        "/api/v1/admin/calendars/weekend",
        headers=world.admin,
        json={"weekly_hours": [[]] * 5 + [[["10:00", "16:00"]]] * 2, "holiday_country": None},
    )
    assert put.status_code == 200, put.text
    assert put.json()["name"] == "weekend"
    team = world.post("/admin/teams", world.admin, {"name": "Team Noord"}).json()
    queue = world.post(
        "/admin/queues",
        world.admin,
        {"name": "weekend", "calendar": "weekend", "team_id": team["id"]},
    )
    assert queue.status_code == 201
    assert queue.json()["calendar"] == "weekend"
    policy = world.post(
        "/admin/promise-policies",
        world.admin,
        {
            "name": "chat-urgent",
            "calendar": "weekend",
            "channel": "chat",
            "priority": "urgent",
            "first_response_seconds": 300,
        },
    )
    assert policy.status_code == 201, policy.text
    assert policy.json()["priority"] == "urgent"
    skill = world.post("/admin/skills", world.admin, {"name": "Fraud", "kind": "certification"})
    assert skill.json() == {"name": "fraud", "kind": "certification"}
    again = world.post("/admin/queues", world.admin, {"name": "weekend", "calendar": "weekend"})
    assert again.status_code == 409


def test_bad_configuration_is_refused_with_a_message(world: World) -> None:
    six_days = world.client.put(
        "/api/v1/admin/calendars/short", headers=world.admin, json={"weekly_hours": [[]] * 6}
    )
    assert six_days.status_code == 422
    assert "body.weekly_hours" in six_days.json()["message"]
    no_calendar = world.post("/admin/queues", world.admin, {"name": "q", "calendar": "missing"})
    assert no_calendar.status_code == 404
    assert "create it first" in no_calendar.json()["message"]
    negative = world.post(
        "/admin/promise-policies",
        world.admin,
        {"name": "p", "calendar": "office", "first_response_seconds": -5},
    )
    assert negative.status_code == 422


def test_the_audit_trail_verifies_and_filters_by_actor_and_action(world: World) -> None:
    world.intake(external_id="a1")
    verdict = world.get("/audit/verify", world.compliance).json()
    assert verdict["ok"] is True
    assert verdict["reason"] is None
    assert verdict["summary"].startswith("audit trail intact")
    everything = world.get("/audit", world.compliance, limit=200).json()["items"]
    assert len(everything) == verdict["count"]
    assert [r["seq"] for r in everything] == list(range(1, verdict["count"] + 1))
    received = world.get("/audit", world.compliance, action="message.received").json()["items"]
    assert len(received) == 1
    assert received[0]["actor"].startswith("token:")
    page = world.get("/audit", world.compliance, limit=3).json()
    assert page["next_after"] == 3

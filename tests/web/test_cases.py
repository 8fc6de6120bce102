"""Cases over HTTP: list and page, open, view, change, assign, next, merge, history."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from tests.web.support import World

from klantenservice.web.deps import AppContext


def jan(world: World, n: int = 0, ext: str | None = None, **extra: object) -> dict[str, Any]:
    """An inbound e-mail from customer ``n`` (message id ``ext``, default ``m<n>``)."""
    contact = {"kind": "email", "value": f"klant{n}@example.nl"}
    return world.intake(external_id=ext or f"m{n}", contact=contact, **extra)


def test_the_case_list_pages_by_id_with_next_after(world: World) -> None:
    created = [jan(world, n)["case_id"] for n in range(5)]
    seen: list[int] = []
    after = 0
    pages = 0
    while True:
        page = world.get("/cases", world.admin, after=after, limit=2).json()
        seen += [c["id"] for c in page["items"]]
        pages += 1
        if page["next_after"] is None:
            break
        after = page["next_after"]
    assert seen == sorted(created)
    assert pages == 3


def test_the_case_list_filters_combine(world: World) -> None:
    world.post(f"/agents/{world.anna.agent_id}/presence", world.anna.headers, {"presence": "away"})
    waiting = jan(world, 1, priority="urgent")["case_id"]
    jan(world, 2, channel="chat")
    urgent = world.get("/cases", world.admin, unassigned="true", priority="urgent").json()
    assert [c["id"] for c in urgent["items"]] == [waiting]
    chats = world.get("/cases", world.admin, channel="chat", status="new").json()
    assert len(chats["items"]) == 1
    assert chats["items"][0]["channel"] == "chat"
    bad = world.get("/cases", world.admin, status="sleeping")
    assert bad.status_code == 422
    assert "query.status" in bad.json()["message"]


def test_listing_cases_costs_the_same_queries_for_a_short_and_a_long_page(
    world: World, context: AppContext
) -> None:
    for n in range(12):
        jan(world, n)
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(context.engine, "before_cursor_execute", count)
    try:
        world.get("/cases", world.admin, limit=2)
        short = len(statements)
        statements.clear()
        world.get("/cases", world.admin, limit=12)
        assert len(statements) == short
    finally:
        event.remove(context.engine, "before_cursor_execute", count)


def test_an_unknown_case_is_404_everywhere_and_nothing_is_written(world: World) -> None:
    records = world.get("/audit/verify", world.admin).json()["count"]
    for method, path, body in (
        ("GET", "/cases/999999", None),
        ("GET", "/cases/999999/messages", None),
        ("GET", "/cases/999999/promises", None),
        ("GET", "/cases/999999/history", None),
        ("PATCH", "/cases/999999", {"priority": "high"}),
        ("POST", "/cases/999999/replies", {"body": "Hallo"}),
        ("POST", "/cases/999999/assign", {"agent_id": world.anna.agent_id}),
    ):
        response = world.client.request(
            method, f"/api/v1{path}", headers=world.anna.headers, json=body
        )
        assert response.status_code == 404, (method, path, response.text)
        assert response.json() == {"error": "not_found", "message": "no case with id 999999"}
    assert world.get("/audit/verify", world.admin).json()["count"] == records
    assert world.count_cases() == 0


def test_staff_open_a_case_for_a_known_customer_and_may_take_it(world: World) -> None:
    customer_id = jan(world)["customer_id"]
    response = world.post(
        "/cases",
        world.anna.headers,
        {
            "customer_id": customer_id,
            "subject": "Belde over hypotheekofferte",
            "channel": "phone",
            "priority": "high",
            "tags": ["Hypotheek"],
            "assign_to_me": True,
        },
    )
    assert response.status_code == 201, response.text
    case = response.json()
    assert case["status"] == "open"
    assert case["assignee_id"] == world.anna.agent_id
    assert case["tags"] == ["hypotheek"]
    assert case["priority"] == "high"
    assert case["reference"] == f"KS-{case['id']:06d}"
    kinds = [
        e["kind"] for e in world.get(f"/cases/{case['id']}/history", world.anna.headers).json()
    ]
    assert kinds[:2] == ["created", "tagged"]
    assert "assigned" in kinds
    unknown = world.post(
        "/cases", world.anna.headers, {"customer_id": 424242, "subject": "x", "channel": "phone"}
    )
    assert unknown.status_code == 404


def test_patch_changes_attributes_priority_and_status_each_audited(world: World) -> None:
    case_id = jan(world)["case_id"]
    response = world.patch(
        f"/cases/{case_id}",
        world.anna.headers,
        {
            "priority": "urgent",
            "add_tags": ["Fraude"],
            "category": "cards",
            "status": "pending_customer",
        },
    )
    assert response.status_code == 200, response.text
    case = response.json()
    assert (case["priority"], case["tags"], case["category"]) == ("urgent", ["fraude"], "cards")
    assert case["status"] == "pending_customer"
    actions = [
        r["action"]
        for r in world.get(
            "/audit", world.admin, subject_type="case", subject_id=str(case_id)
        ).json()["items"]
    ]
    assert {"case.edited", "case.priority_changed", "case.status_changed"} <= set(actions)
    empty = world.patch(f"/cases/{case_id}", world.anna.headers, {})
    assert empty.status_code == 422


def test_a_closed_case_cannot_be_reopened_and_stays_as_it_was(world: World) -> None:
    case_id = jan(world)["case_id"]
    for status in ("resolved", "closed"):
        assert (
            world.patch(f"/cases/{case_id}", world.anna.headers, {"status": status}).status_code
            == 200
        )
    before = world.case(case_id)
    refused = world.patch(f"/cases/{case_id}", world.anna.headers, {"status": "open"})
    assert refused.status_code == 409
    assert refused.json()["error"] == "invalid_transition"
    assert "a closed case is final" in refused.json()["message"]
    refused = world.patch(
        f"/cases/{case_id}", world.anna.headers, {"priority": "high", "status": "open"}
    )
    assert refused.status_code == 409
    after = world.case(case_id)
    for field in ("status", "priority", "closed_at", "tags", "assignee_id"):
        assert after[field] == before[field]
    history = world.get(f"/cases/{case_id}/history", world.admin).json()
    assert history[-1]["data"] == {"from": "resolved", "to": "closed"}


def test_supervisors_assign_to_anyone_and_agents_only_to_themselves(world: World) -> None:
    case_id = jan(world)["case_id"]  # routed to Anna
    refused = world.post(
        f"/cases/{case_id}/assign", world.anna.headers, {"agent_id": world.bob.agent_id}
    )
    assert refused.status_code == 403
    assert world.case(case_id)["assignee_id"] == world.anna.agent_id
    moved = world.post(f"/cases/{case_id}/assign", world.admin, {"agent_id": world.bob.agent_id})
    assert moved.status_code == 200
    assert moved.json()["assignee_id"] == world.bob.agent_id
    back = world.post(f"/cases/{case_id}/unassign", world.admin)
    assert back.json()["assignee_id"] is None
    assert back.json()["waiting_since"] is not None


def test_next_case_gives_the_agent_the_waiting_case_then_204(world: World) -> None:
    presence = f"/agents/{world.anna.agent_id}/presence"
    world.post(presence, world.anna.headers, {"presence": "away"})
    case_id = jan(world)["case_id"]
    assert world.case(case_id)["assignee_id"] is None
    assert world.post(presence, world.anna.headers, {"presence": "available"}).status_code == 200
    taken = world.post("/cases/next", world.anna.headers)
    assert taken.status_code == 200, taken.text
    assert taken.json()["case"]["id"] == case_id
    assert taken.json()["case"]["assignee_id"] == world.anna.agent_id
    assert taken.json()["reasons"]
    nothing = world.post("/cases/next", world.anna.headers)
    assert nothing.status_code == 204
    assert nothing.content == b""


def test_merging_keeps_both_histories_visible_in_the_target_messages(world: World) -> None:
    first = jan(world, 1, body="Eerste bericht")
    opened = world.post(
        "/cases",
        world.anna.headers,
        {"customer_id": first["customer_id"], "subject": "Tweede zaak", "channel": "email"},
    ).json()
    second = jan(world, 1, ext="m1b", body="Tweede bericht", case_reference=opened["reference"])
    assert second["case_id"] == opened["id"]
    world.post(f"/cases/{opened['id']}/notes", world.anna.headers, {"body": "Intern: zelfde vraag"})

    merged = world.post(
        f"/cases/{first['case_id']}/merge", world.admin, {"source_id": opened["id"]}
    )
    assert merged.status_code == 200, merged.text
    bodies = [m["body"] for m in world.messages(first["case_id"])]
    assert bodies == ["Eerste bericht", "Tweede bericht", "Intern: zelfde vraag"]
    target = world.case(first["case_id"])
    assert target["merged_from"] == [opened["id"]]
    source = world.case(opened["id"])
    assert (source["status"], source["merged_into"]) == ("closed", first["case_id"])
    assert [m["body"] for m in world.messages(opened["id"])] == [
        "Tweede bericht",
        "Intern: zelfde vraag",
    ]


def test_agents_may_not_merge_and_a_refused_merge_changes_nothing(world: World) -> None:
    first = jan(world, 1)
    opened = world.post(
        "/cases",
        world.anna.headers,
        {"customer_id": first["customer_id"], "subject": "x", "channel": "email"},
    ).json()
    refused = world.post(
        f"/cases/{first['case_id']}/merge", world.anna.headers, {"source_id": opened["id"]}
    )
    assert refused.status_code == 403
    assert world.case(opened["id"])["merged_into"] is None
    itself = world.post(f"/cases/{opened['id']}/merge", world.admin, {"source_id": opened["id"]})
    assert itself.status_code == 409


def test_the_case_view_explains_its_promise_clocks_and_is_audited(world: World) -> None:
    result = jan(world)
    world.clock.advance(hours=1)
    view = world.get(f"/cases/{result['case_id']}", world.compliance).json()
    clocks = {c["kind"]: c for c in view["promises"]["clocks"]}
    assert set(clocks) == {"first_response", "next_response", "resolution"}
    first = clocks["first_response"]
    assert (first["elapsed_seconds"], first["remaining_seconds"]) == (3600, 3 * 3600)
    assert first["due_at"] == "2026-11-23T13:00:00Z"
    assert first["warn_at"] is not None
    assert any("calendar 'office'" in line for line in first["explanation"])
    assert clocks["next_response"]["state"] == "not_started"
    audit = world.get("/audit", world.admin, action="customer.viewed").json()["items"]
    assert audit[-1]["details"] == {"via": f"case:{result['case_id']}"}

"""The reply-template admin API: CRUD for administrators, audited, refused for everyone else."""

from __future__ import annotations

from tests.web.support import World


def test_an_administrator_creates_lists_changes_and_deletes_a_template(world: World) -> None:
    body = "Beste $customer_first_name,\n\nUw zaak ${case_reference} is in behandeling."
    created = world.post(
        "/admin/reply-templates", world.admin, {"name": "Status", "language": "nl", "body": body}
    )
    assert created.status_code == 201, created.text
    template = created.json()
    assert (template["name"], template["language"], template["body"]) == ("Status", "nl", body)
    world.post("/admin/reply-templates", world.admin, {"name": "B", "language": "en", "body": "Hi"})

    assert [t["name"] for t in world.get("/admin/reply-templates", world.admin).json()] == [
        "B",
        "Status",
    ]
    dutch = world.get("/admin/reply-templates", world.admin, language="nl").json()
    assert [t["name"] for t in dutch] == ["Status"]

    path = f"/api/v1/admin/reply-templates/{template['id']}"
    changed = world.client.patch(path, headers=world.admin, json={"body": "Dag $agent_name"})
    assert changed.status_code == 200, changed.text
    assert (changed.json()["name"], changed.json()["body"]) == ("Status", "Dag $agent_name")
    assert world.client.get(path, headers=world.admin).json()["body"] == "Dag $agent_name"

    assert world.client.delete(path, headers=world.admin).status_code == 204
    assert world.client.get(path, headers=world.admin).status_code == 404
    assert world.client.delete(path, headers=world.admin).status_code == 404

    audit = world.get("/audit", world.compliance, subject_type="reply_template", limit=50)
    actions = [r["action"] for r in audit.json()["items"]]
    assert actions.count("reply_template.created") == 2
    assert "reply_template.updated" in actions and "reply_template.deleted" in actions
    assert all("body" not in r["details"] for r in audit.json()["items"])


def test_unknown_variables_and_stray_dollars_are_refused_with_what_is_allowed(
    world: World,
) -> None:
    for body, text in (
        ("Dag $klantnaam", "unknown variable(s) $klantnaam"),
        ("Kosten: $5", "write '$$' for a dollar sign"),
        ("Dag ${customer_name", "starts no variable"),
    ):
        refused = world.post(
            "/admin/reply-templates", world.admin, {"name": "X", "language": "nl", "body": body}
        )
        assert refused.status_code == 422, refused.text
        assert text in refused.json()["message"]
        assert "$customer_first_name" in refused.json()["message"]
    assert world.get("/admin/reply-templates", world.admin).json() == []


def test_a_name_is_unique_within_its_language(world: World) -> None:
    def create(name: str, language: str) -> int:
        response = world.post(
            "/admin/reply-templates", world.admin, {"name": name, "language": language, "body": "x"}
        )
        return response.status_code

    assert create("Welkom", "nl") == 201
    assert create("Welkom", "en") == 201  # the same name in the other language
    assert create("Welkom", "nl") == 409
    second = world.post(
        "/admin/reply-templates", world.admin, {"name": "Anders", "language": "nl", "body": "y"}
    ).json()
    clash = world.client.patch(
        f"/api/v1/admin/reply-templates/{second['id']}",
        headers=world.admin,
        json={"name": "Welkom"},
    )
    assert clash.status_code == 409
    assert "exists already" in clash.json()["message"]


def test_agents_and_integrations_may_not_manage_templates(world: World) -> None:
    for headers in (world.anna.headers, world.integration, world.compliance):
        listed = world.get("/admin/reply-templates", headers)
        assert listed.status_code == 403
        made = world.post(
            "/admin/reply-templates", headers, {"name": "X", "language": "nl", "body": "x"}
        )
        assert made.status_code == 403
        assert "needs template_manage" in made.json()["message"]
    assert world.get("/admin/reply-templates", world.admin).json() == []


def test_the_template_api_and_its_variables_are_documented(world: World) -> None:
    schema = world.client.get("/openapi.json").json()
    paths = schema["paths"]
    assert set(paths["/api/v1/admin/reply-templates"]) == {"get", "post"}
    assert set(paths["/api/v1/admin/reply-templates/{template_id}"]) == {"get", "patch", "delete"}
    variables = world.get("/admin/reply-templates/variables", world.admin).json()
    assert {v["name"] for v in variables} >= {"customer_first_name", "case_reference", "agent_name"}

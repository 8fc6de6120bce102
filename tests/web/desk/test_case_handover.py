"""Transfer and merge from the case page: one transaction each, confirmed merges, refusals."""

from __future__ import annotations

from tests.web.desk.support import Desk, hidden_token
from tests.web.desk.test_case_actions import bodies, htmx_post
from tests.web.support import create_staff


def test_an_agent_transfers_a_case_to_a_queue_with_a_note(desk: Desk) -> None:
    world = desk.world
    other = world.post("/admin/queues", world.admin, {"name": "beleggen"}).json()
    case_id = int(world.intake()["case_id"])
    desk.signed_in()
    page = desk.client.get(f"/desk/cases/{case_id}").text
    assert 'id="transfer-agent"' not in page  # handing to a colleague is a supervisor's call
    response = htmx_post(
        desk,
        f"/desk/cases/{case_id}/transfer",
        hidden_token(page),
        queue_id=str(other["id"]),
        note="Vraag over beleggen <b>dringend</b>",
    )
    assert response.status_code == 200, response.text
    assert "De zaak is overgedragen." in response.text
    case = world.case(case_id)
    assert (case["queue_id"], case["assignee_id"]) == (other["id"], None)
    assert ("internal", "Vraag over beleggen <b>dringend</b>") in bodies(desk, case_id)
    assert "&lt;b&gt;dringend&lt;/b&gt;" in response.text
    assert "Verplaatst van wachtrij general naar beleggen" in response.text
    audit = world.get("/audit", world.compliance, subject_type="case", subject_id=str(case_id))
    actions = [r["action"] for r in audit.json()["items"]]
    assert "case.transferred" in actions and "note.added" in actions


def test_a_supervisor_transfers_a_case_to_an_agent(desk: Desk) -> None:
    world = desk.world
    create_staff(desk.client, world.admin, "sam@bank.nl", "Sam Smit", ["supervisor"])
    desk.client.cookies.clear()
    case_id = int(world.intake()["case_id"])  # Anna's
    desk.signed_in("sam@bank.nl")
    token = hidden_token(desk.client.get(f"/desk/cases/{case_id}").text)
    response = htmx_post(
        desk,
        f"/desk/cases/{case_id}/transfer",
        token,
        queue_id=str(world.queue_id),
        agent_id=str(world.bob.agent_id),
    )
    assert response.status_code == 200, response.text
    assert world.case(case_id)["assignee_id"] == world.bob.agent_id


def test_a_transfer_that_changes_nothing_or_names_no_queue_is_refused(desk: Desk) -> None:
    world = desk.world
    case_id = int(world.intake()["case_id"])
    desk.signed_in()
    token = hidden_token(desk.client.get(f"/desk/cases/{case_id}").text)
    before = (world.case(case_id), bodies(desk, case_id))
    for data, status, text in (
        ({"queue_id": "999", "note": "x"}, 404, "no queue with id 999"),
        ({"queue_id": "abc"}, 422, "queue_id"),
        ({"agent_id": str(world.bob.agent_id)}, 403, "assign cases to someone else"),
        ({"queue_id": str(world.queue_id), "note": "n" * 10_001}, 422, "10001 tekens"),
    ):
        refused = htmx_post(desk, f"/desk/cases/{case_id}/transfer", token, **data)
        assert refused.status_code == status, (data, refused.text)
        assert text in refused.text
    assert (world.case(case_id), bodies(desk, case_id)) == before


def test_a_merge_is_checked_confirmed_and_then_shows_both_histories(desk: Desk) -> None:
    world = desk.world
    create_staff(desk.client, world.admin, "sam@bank.nl", "Sam Smit", ["supervisor"])
    desk.client.cookies.clear()
    first = int(world.intake(body="Eerste mail", subject="Pas")["case_id"])
    customer_id = world.case(first)["customer_id"]
    opened = world.post(  # the same customer calls: a second case, opened by hand
        "/cases", world.admin, {"customer_id": customer_id, "subject": "Pas 2", "channel": "phone"}
    )
    assert opened.status_code == 201, opened.text
    second = int(opened.json()["id"])
    desk.signed_in("sam@bank.nl")
    token = hidden_token(desk.client.get(f"/desk/cases/{first}").text)
    check = htmx_post(desk, f"/desk/cases/{first}/merge/check", token, reference=f"ks-{second}")
    assert check.status_code == 200, check.text
    assert f"KS-{second:06d}" in check.text and "samenvoegen met deze zaak?" in check.text
    assert world.case(second)["status"] != "closed"  # the check changes nothing
    merged = htmx_post(desk, f"/desk/cases/{first}/merge", token, source_id=str(second))
    assert merged.status_code == 200, merged.text
    assert "De zaken zijn samengevoegd." in merged.text
    assert world.case(second)["status"] == "closed"
    page = desk.client.get(f"/desk/cases/{first}").text
    assert f"KS-{second:06d} is met deze zaak samengevoegd" in page
    assert "Samengevoegd met deze zaak" in page


def test_a_merge_check_refuses_bad_references_and_other_customers(desk: Desk) -> None:
    world = desk.world
    create_staff(desk.client, world.admin, "sam@bank.nl", "Sam Smit", ["supervisor"])
    desk.client.cookies.clear()
    mine = int(world.intake()["case_id"])
    theirs = int(
        world.intake(contact={"kind": "email", "value": "piet@example.nl"}, customer_name="Piet")[
            "case_id"
        ]
    )
    desk.signed_in("sam@bank.nl")
    token = hidden_token(desk.client.get(f"/desk/cases/{mine}").text)
    for reference, status, text in (
        ("hallo", 422, "is not a case reference"),
        ("KS-999999", 404, "no case with id 999999"),
        (str(mine), 409, "cannot be merged into itself"),
        (str(theirs), 409, "belong to different customers"),
    ):
        refused = htmx_post(desk, f"/desk/cases/{mine}/merge/check", token, reference=reference)
        assert refused.status_code == status, (reference, refused.text)
        assert text in refused.text
    forged = htmx_post(desk, f"/desk/cases/{mine}/merge", "0" * 64, source_id=str(theirs))
    assert forged.status_code == 403
    assert world.case(theirs)["status"] != "closed"


def test_an_agent_may_not_merge(desk: Desk) -> None:
    world = desk.world
    case_id = int(world.intake()["case_id"])
    desk.signed_in()
    page = desk.client.get(f"/desk/cases/{case_id}").text
    assert 'id="merge-reference"' not in page
    refused = htmx_post(
        desk, f"/desk/cases/{case_id}/merge/check", hidden_token(page), reference="1"
    )
    assert refused.status_code == 403
    assert "merge cases" in refused.text

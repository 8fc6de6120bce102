"""The incidents API: declare, list, end, report; clear 4xx answers that change nothing; the
banner in the widget and the portal; the desk's incident pages."""

from __future__ import annotations

from typing import Any

from tests.web.support import World, create_staff

NL = "Storing: betalen met iDEAL lukt nu niet."
EN = "Outage: iDEAL payments do not work right now."


def declare(world: World, expected: int = 201, **fields: Any) -> dict[str, Any]:
    body = {"kind": "outage", "message_nl": NL, "message_en": EN, **fields}
    response = world.post("/incidents", world.admin, body)
    assert response.status_code == expected, response.text
    result: dict[str, Any] = response.json()
    return result


def test_declare_list_end_and_report(world: World) -> None:
    found = declare(world, channels=["email", "chat"], products=["ideal"], offer_callbacks=True)
    assert found["active"] and found["queue"] == f"incident-{found['id']}"
    assert found["channels"] == ["chat", "email"] and found["products"] == ["ideal"]
    listed = world.get("/incidents", world.admin, active="true").json()["items"]
    assert [i["id"] for i in listed] == [found["id"]]

    result = world.intake(body="Ik kan niet betalen")
    case = world.case(result["case_id"])
    assert f"incident-{found['id']}" in case["tags"]
    authors = [(m["direction"], m["author_kind"]) for m in world.messages(result["case_id"])]
    assert authors == [("inbound", "customer"), ("outbound", "system")]

    world.clock.advance(minutes=20)
    ended = world.post(f"/incidents/{found['id']}/end", world.admin)
    assert ended.status_code == 200 and ended.json()["active"] is False
    assert world.get("/incidents", world.admin, active="true").json()["items"] == []

    report = world.get(f"/incidents/{found['id']}/report", world.admin).json()
    assert report["contacts"] == 1 and report["contacts_by_channel"] == {"email": 1}
    assert report["tagged_cases"] == 1
    assert report["waits"] == {
        "answered": 0, "unanswered": 1, "p50_seconds": None, "p90_seconds": None,
        "max_seconds": None,
    }  # fmt: skip
    assert report["promise_breaches"] == 0 and report["emergencies"] == []


def test_bad_input_is_a_clear_4xx_and_stores_nothing(world: World) -> None:
    bad_channel = declare(world, 422, channels=["fax"])
    assert "unknown channel 'fax'" in bad_channel["message"]
    empty = declare(world, 422, message_en="  ")
    assert "English incident message is empty" in empty["message"]
    assert world.get("/incidents", world.admin).json()["items"] == []

    found = declare(world)
    assert world.post(f"/incidents/{found['id']}/end", world.admin).status_code == 200
    twice = world.post(f"/incidents/{found['id']}/end", world.admin)
    assert twice.status_code == 409 and "already ended" in twice.json()["message"]
    unknown = world.post("/incidents/9999/end", world.admin)
    assert unknown.status_code == 404 and "no incident 9999" in unknown.json()["message"]
    assert world.get("/incidents/9999/report", world.admin).status_code == 404


def test_only_supervisors_and_admins_declare(world: World) -> None:
    body = {"kind": "outage", "message_nl": NL, "message_en": EN}
    assert world.post("/incidents", world.anna.headers, body).status_code == 403
    sara = create_staff(world.client, world.admin, "sara@bank.nl", "Sara", ["supervisor"])
    assert world.post("/incidents", sara.headers, body).status_code == 201


def test_the_widget_and_portal_show_the_banner_only_while_it_lasts(world: World) -> None:
    assert 'class="incident-banner"' not in world.client.get("/chat/?lang=nl").text
    found = declare(world)
    widget = world.client.get("/chat/?lang=en").text
    assert 'class="incident-banner"' in widget and EN in widget and NL not in widget
    portal = world.client.get("/portal/sign-in", headers={"Accept-Language": "nl"}).text
    assert 'role="status"' in portal and NL in portal
    missing = world.client.get("/portal/no-such-page")  # an error page: no banner, no 500
    assert missing.status_code == 404
    world.post(f"/incidents/{found['id']}/end", world.admin)
    assert 'class="incident-banner"' not in world.client.get("/chat/?lang=nl").text

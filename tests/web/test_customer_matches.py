"""Customer-match proposals over HTTP (bearer tokens): list, confirm, reject, and the 4xx
answers that say what is wrong and change nothing."""

from __future__ import annotations

from typing import Any

from tests.web.support import World


def whatsapp_and_phone(world: World) -> tuple[int, int]:
    """Piet texts from his phone; then a WhatsApp comes from the same number."""
    sms = world.intake(
        channel="sms",
        contact={"kind": "phone", "value": "06 12345678"},
        customer_name="Piet de Boer",
    )
    whatsapp = world.intake(
        channel="whatsapp",
        contact={"kind": "whatsapp", "value": "31612345678"},
        customer_name="Piet",
    )
    return int(sms["customer_id"]), int(whatsapp["customer_id"])


def proposals_of(world: World, customer_id: int) -> Any:
    response = world.get(f"/customers/{customer_id}/match-proposals", world.anna.headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_a_proposal_lists_the_other_customer_with_sentences(world: World) -> None:
    piet, whatsapp = whatsapp_and_phone(world)
    found = proposals_of(world, whatsapp)
    [proposal] = found["proposals"]
    assert proposal["customer"]["id"] == piet
    assert proposal["strength"] == "strong"
    assert [r["signal"] for r in proposal["reasons"]] == ["same_number_other_channel", "names_fit"]
    assert "same number on another channel" in proposal["reasons"][0]["sentence"]


def test_confirm_merges_and_the_case_moves_to_the_survivor(world: World) -> None:
    piet, whatsapp = whatsapp_and_phone(world)
    response = world.post(
        f"/customers/{whatsapp}/match-proposals/{piet}/confirm", world.anna.headers
    )
    assert response.status_code == 200, response.text
    merged = response.json()
    assert merged["survivor"]["id"] == piet and merged["absorbed_id"] == whatsapp
    assert {c["kind"] for c in merged["survivor"]["contact_points"]} == {"phone", "whatsapp"}
    absorbed = world.get(f"/customers/{whatsapp}", world.anna.headers).json()
    assert absorbed["merged_into"] == piet
    cases = world.get("/cases", world.admin, limit=200).json()["items"]
    assert {c["customer_id"] for c in cases} == {piet}


def test_confirm_with_a_chosen_survivor(world: World) -> None:
    piet, whatsapp = whatsapp_and_phone(world)
    response = world.post(
        f"/customers/{piet}/match-proposals/{whatsapp}/confirm",
        world.anna.headers,
        {"survivor_id": whatsapp},
    )
    assert response.status_code == 200, response.text
    assert response.json()["survivor"]["id"] == whatsapp


def test_reject_is_remembered_both_ways(world: World) -> None:
    piet, whatsapp = whatsapp_and_phone(world)
    response = world.post(
        f"/customers/{piet}/match-proposals/{whatsapp}/reject", world.anna.headers
    )
    assert response.status_code == 204, response.text
    assert proposals_of(world, piet)["proposals"] == []
    assert proposals_of(world, whatsapp)["proposals"] == []


def test_refusals_say_what_is_wrong_and_change_nothing(world: World) -> None:
    piet, whatsapp = whatsapp_and_phone(world)
    stranger = int(world.intake()["customer_id"])  # Jan, by e-mail
    anna = world.anna.headers
    attempts = [
        (f"/customers/9999/match-proposals/{piet}/confirm", anna, None, 404, "no customer"),
        (f"/customers/{piet}/match-proposals/{piet}/confirm", anna, None, 422, "itself"),
        (f"/customers/{piet}/match-proposals/{stranger}/reject", anna, None, 409, "not proposed"),
        (
            f"/customers/{piet}/match-proposals/{whatsapp}/confirm",
            anna,
            {"survivor_id": stranger},
            422,
            "survivor_id",
        ),
        (f"/customers/{piet}/match-proposals/{whatsapp}/confirm", world.compliance, None, 403, ""),
        (f"/customers/{piet}/match-proposals/{whatsapp}/reject", world.integration, None, 403, ""),
        (f"/customers/0/match-proposals/{piet}/reject", anna, None, 422, "customer_id"),
    ]
    for path, headers, body, code, says in attempts:
        response = world.post(path, headers, body)
        assert response.status_code == code, (path, response.text)
        assert says in response.json()["message"], response.text
    assert proposals_of(world, piet)["proposals"][0]["customer"]["id"] == whatsapp  # unchanged
    world.post(f"/customers/{whatsapp}/match-proposals/{piet}/confirm", anna)
    again = world.post(f"/customers/{whatsapp}/match-proposals/{piet}/confirm", anna)
    assert again.status_code == 409 and "merged into" in again.json()["message"]
    listed = world.get(f"/customers/{whatsapp}/match-proposals", anna)
    assert listed.status_code == 409 and f"customer {piet}" in listed.json()["message"]

"""Customers over HTTP: register, validate contact points, view (audited), update, search."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from tests.web.support import World

from klantenservice.web.deps import AppContext


def register(world: World, **body: Any) -> Any:
    payload = {"name": "Jan Jansen", "contacts": [{"kind": "email", "value": "Jan@Example.nl"}]}
    return world.post("/customers", world.anna.headers, {**payload, **body})


def audit_rows(world: World, **filters: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = world.get("/audit", world.admin, limit=200, **filters).json()[
        "items"
    ]
    return items


def test_registering_a_customer_normalises_the_contact_points(world: World) -> None:
    response = register(
        world,
        contacts=[
            {"kind": "email", "value": "Jan@Example.nl"},
            {"kind": "phone", "value": "06 12345678"},
        ],
        verification="contact",
    )
    assert response.status_code == 201, response.text
    customer = response.json()
    assert customer["contact_points"] == [
        {"kind": "email", "value": "jan@example.nl"},
        {"kind": "phone", "value": "+31612345678"},
    ]
    assert customer["verification"] == "contact"
    assert customer["language"] == "nl"


def test_invalid_contact_points_are_refused_with_422_and_nothing_is_stored(world: World) -> None:
    for contact in ({"kind": "email", "value": "not-an-address"}, {"kind": "phone", "value": "0"}):
        response = register(world, contacts=[contact])
        assert response.status_code == 422
        assert response.json()["message"].startswith("invalid ")
    assert world.get("/customers", world.anna.headers).json()["items"] == []


def test_a_contact_point_of_another_customer_is_a_conflict(world: World) -> None:
    assert register(world).status_code == 201
    again = register(
        world, name="Iemand Anders", contacts=[{"kind": "email", "value": "jan@example.NL"}]
    )
    assert again.status_code == 409
    assert again.json()["error"] == "conflict"
    assert len(world.get("/customers", world.anna.headers).json()["items"]) == 1


def test_viewing_a_customer_writes_a_customer_viewed_audit_row(world: World) -> None:
    customer_id = register(world).json()["id"]
    before = audit_rows(world, action="customer.viewed", subject_id=str(customer_id))
    response = world.get(f"/customers/{customer_id}", world.anna.headers)
    assert response.status_code == 200
    after = audit_rows(world, action="customer.viewed", subject_id=str(customer_id))
    assert len(after) == len(before) + 1
    row = after[-1]
    assert row["actor"] == f"user:{world.anna.user_id}"
    assert row["subject_type"] == "customer"
    assert row["details"] == {"via": "customer"}
    assert row["at"] == "2026-11-23T09:00:00Z"


def test_a_customer_update_changes_only_the_given_fields(world: World) -> None:
    customer_id = register(world, segment="private").json()["id"]
    response = world.patch(
        f"/customers/{customer_id}",
        world.anna.headers,
        {"vulnerable": True, "add_contacts": [{"kind": "whatsapp", "value": "+31 6 12345678"}]},
    )
    assert response.status_code == 200, response.text
    customer = response.json()
    assert customer["vulnerable"] is True
    assert customer["segment"] == "private"
    assert customer["name"] == "Jan Jansen"
    assert {"kind": "whatsapp", "value": "31612345678"} in customer["contact_points"]
    bad = world.patch(f"/customers/{customer_id}", world.anna.headers, {"language": "fr"})
    assert bad.status_code == 422
    assert world.get(f"/customers/{customer_id}", world.anna.headers).json()["language"] == "nl"


def test_customers_are_searched_by_name_or_contact_and_paged(world: World) -> None:
    for n in range(3):
        contact = {"kind": "email", "value": f"klant{n}@example.nl"}
        assert register(world, name=f"Klant {n}", contacts=[contact]).status_code == 201
    found = world.get("/customers", world.anna.headers, search="klant1@").json()
    assert [c["name"] for c in found["items"]] == ["Klant 1"]
    first = world.get("/customers", world.anna.headers, limit=2).json()
    assert len(first["items"]) == 2
    rest = world.get("/customers", world.anna.headers, limit=2, after=first["next_after"]).json()
    assert [c["name"] for c in rest["items"]] == ["Klant 2"]
    assert rest["next_after"] is None


def test_an_unknown_customer_is_404(world: World) -> None:
    response = world.get("/customers/987654", world.anna.headers)
    assert response.status_code == 404
    assert response.json()["message"] == "no customer with id 987654"


def test_listing_customers_costs_the_same_queries_for_a_short_and_a_long_page(
    world: World, context: AppContext
) -> None:
    for n in range(12):
        contacts = [
            {"kind": "email", "value": f"klant{n}@example.nl"},
            {"kind": "phone", "value": f"+316123456{n:02d}"},
        ]
        assert register(world, name=f"Klant {n}", contacts=contacts).status_code == 201
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(context.engine, "before_cursor_execute", count)
    try:
        short = world.get("/customers", world.anna.headers, limit=2).json()
        short_count = len(statements)
        statements.clear()
        long = world.get("/customers", world.anna.headers, limit=12).json()
        assert len(statements) == short_count
    finally:
        event.remove(context.engine, "before_cursor_execute", count)
    assert len(short["items"]) == 2
    assert len(long["items"]) == 12
    assert all(len(c["contact_points"]) == 2 for c in long["items"])

"""The world a web test starts from, built through the API itself.

A fresh database per test (``database_url``), an administrator bootstrapped by the service
(as ``klantenservice init`` would), then through HTTP: the office calendar, the ``general``
queue, a promise policy (first response 4h, next response 8h, resolution 72h of working
time), two agents (Anna available, Bob offline), a compliance officer and an integration
token. The clock is fixed at Monday 23 November 2026 10:00 in Amsterdam, inside office hours.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi.testclient import TestClient

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # Monday 10:00 Europe/Amsterdam
PASSWORD = "correct horse battery staple"
API = "/api/v1"


class FakeClock:
    """A clock that stands still until a test moves it."""

    def __init__(self, at: datetime = START) -> None:
        self.current = at

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> datetime:
        self.current += timedelta(**delta)
        return self.current


Headers = dict[str, str]


def bearer(token: str) -> Headers:
    return {"Authorization": f"Bearer {token}"}


@dataclass
class Staff:
    user_id: int
    agent_id: int | None
    headers: Headers


@dataclass
class World:
    client: TestClient
    clock: FakeClock
    admin: Headers
    anna: Staff
    bob: Staff
    compliance: Headers
    integration: Headers
    queue_id: int

    # -- shortcuts for what most tests do --------------------------------------------------
    def get(self, path: str, headers: Headers, **params: Any) -> httpx.Response:
        return self.client.get(API + path, headers=headers, params=params)

    def post(self, path: str, headers: Headers, body: Any = None, **kw: Any) -> httpx.Response:
        extra = kw.pop("extra_headers", {})
        return self.client.post(API + path, headers={**headers, **extra}, json=body, **kw)

    def patch(self, path: str, headers: Headers, body: Any) -> httpx.Response:
        return self.client.patch(API + path, headers=headers, json=body)

    def intake(self, expected: int | None = 201, **body: Any) -> dict[str, Any]:
        """Post an inbound e-mail from Jan (defaults) and return the JSON answer."""
        payload = {
            "channel": "email",
            "body": "Mijn pas is geblokkeerd",
            "contact": {"kind": "email", "value": "Jan@Example.nl"},
            "customer_name": "Jan Jansen",
            **body,
        }
        response = self.post("/messages/inbound", self.integration, payload)
        if expected is not None:
            assert response.status_code == expected, response.text
        result: dict[str, Any] = response.json()
        return result

    def case(self, case_id: int) -> dict[str, Any]:
        response = self.get(f"/cases/{case_id}", self.admin)
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    def messages(self, case_id: int) -> list[dict[str, Any]]:
        response = self.get(f"/cases/{case_id}/messages", self.admin, limit=200)
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return items

    def count_cases(self) -> int:
        response = self.get("/cases", self.admin, limit=200)
        assert response.status_code == 200, response.text
        return len(response.json()["items"])


def login(client: TestClient, email: str, password: str = PASSWORD) -> Headers:
    response = client.post(f"{API}/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    client.cookies.clear()  # tests authenticate explicitly, never by a leftover cookie
    return bearer(response.json()["token"])


def create_staff(
    client: TestClient, admin: Headers, email: str, name: str, roles: list[str], **agent: Any
) -> Staff:
    body: dict[str, Any] = {"email": email, "name": name, "password": PASSWORD, "roles": roles}
    if agent:
        body["agent"] = agent
    response = client.post(f"{API}/admin/users", headers=admin, json=body)
    assert response.status_code == 201, response.text
    created = response.json()
    return Staff(created["id"], created["agent_id"], login(client, email))


def build_world(client: TestClient, clock: FakeClock, admin_email: str) -> World:
    admin = login(client, admin_email)

    def ok(response: httpx.Response) -> dict[str, Any]:
        assert response.status_code in (200, 201), response.text
        result: dict[str, Any] = response.json()
        return result

    ok(client.put(f"{API}/admin/calendars/office", headers=admin, json={}))
    queue = ok(client.post(f"{API}/admin/queues", headers=admin, json={"name": "general"}))
    policy = {
        "name": "standard",
        "calendar": "office",
        "first_response_seconds": 4 * 3600,
        "next_response_seconds": 8 * 3600,
        "resolution_seconds": 72 * 3600,
    }
    ok(client.post(f"{API}/admin/promise-policies", headers=admin, json=policy))
    anna = create_staff(
        client,
        admin,
        "anna@bank.nl",
        "Anna de Vries",
        ["agent"],
        languages=["nl", "en"],
        queue_ids=[queue["id"]],
        presence="available",
    )
    bob = create_staff(
        client, admin, "bob@bank.nl", "Bob Bakker", ["agent"], queue_ids=[queue["id"]]
    )
    compliance = create_staff(client, admin, "chris@bank.nl", "Chris Claes", ["compliance"])
    token = ok(client.post(f"{API}/admin/tokens", headers=admin, json={"name": "mail gateway"}))
    return World(
        client=client,
        clock=clock,
        admin=admin,
        anna=anna,
        bob=bob,
        compliance=compliance.headers,
        integration=bearer(token["token"]),
        queue_id=queue["id"],
    )

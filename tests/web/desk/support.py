"""A person at the desk, driven over HTTP: log in through the form, read tokens from pages."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi.testclient import TestClient
from tests.web.support import API, PASSWORD, World

HIDDEN_TOKEN = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


def hidden_token(html: str) -> str:
    found = HIDDEN_TOKEN.search(html)
    assert found is not None, "no csrf_token field on the page"
    return found.group(1)


@dataclass
class Desk:
    client: TestClient
    world: World

    def login_form(self) -> str:
        """Open the login page (sets the ks_login nonce); the form's token."""
        page = self.client.get("/desk/login")
        assert page.status_code == 200, page.text
        return hidden_token(page.text)

    def login(
        self, email: str = "anna@bank.nl", password: str = PASSWORD, **form: str
    ) -> httpx.Response:
        token = self.login_form()
        data = {"csrf_token": token, "email": email, "password": password, **form}
        response: httpx.Response = self.client.post("/desk/login", data=data)
        return response

    def signed_in(self, email: str = "anna@bank.nl") -> str:
        """Log in and return the session's CSRF token (as the inbox page carries it)."""
        response = self.login(email)
        assert response.status_code == 303, response.text
        inbox = self.client.get("/desk/")
        assert inbox.status_code == 200, inbox.text
        return hidden_token(inbox.text)

    def presence_of(self, agent_id: int | None) -> str:
        roster = self.world.get("/agents", self.world.admin)
        assert roster.status_code == 200, roster.text
        found: list[dict[str, Any]] = [a for a in roster.json() if a["id"] == agent_id]
        return str(found[0]["presence"])

    def api_presence(self, agent_id: int | None, presence: str, **headers: str) -> httpx.Response:
        response: httpx.Response = self.client.post(
            f"{API}/agents/{agent_id}/presence", json={"presence": presence}, headers=headers
        )
        return response

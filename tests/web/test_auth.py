"""Signing in: sessions, cookies, wrong passwords, the second factor, signing out."""

from __future__ import annotations

from tests.web.support import API, PASSWORD, World, bearer

from klantenservice.adapters.security import totp_code


def login(world: World, email: str, password: str = PASSWORD, code: str | None = None):
    body = {"email": email, "password": password, "totp_code": code}
    return world.client.post(f"{API}/auth/login", json=body)


def test_login_returns_a_session_token_and_sets_an_httponly_cookie(world: World) -> None:
    response = login(world, "Anna@Bank.nl")
    assert response.status_code == 200
    body = response.json()
    assert body["user"] == {
        "kind": "user",
        "id": world.anna.user_id,
        "name": "Anna de Vries",
        "roles": ["agent"],
        "agent_id": world.anna.agent_id,
    }
    assert body["expires_at"] == "2026-11-23T21:00:00Z"  # 12 hours from the fixed clock
    cookie = response.headers["set-cookie"]
    assert "ks_session=" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    me = world.client.get(f"{API}/auth/me")  # by the cookie alone
    assert me.status_code == 200
    assert me.json()["id"] == world.anna.user_id
    world.client.cookies.clear()
    me = world.get("/auth/me", bearer(body["token"]))  # by the bearer token alone
    assert me.json()["agent_id"] == world.anna.agent_id


def test_a_wrong_password_is_refused_with_401_and_does_not_say_whether_the_user_exists(
    world: World,
) -> None:
    wrong = login(world, "anna@bank.nl", "not the right password")
    unknown = login(world, "nobody@bank.nl")
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == "Bearer"
        assert response.json() == {
            "error": "unauthenticated",
            "message": "e-mail, password or second-factor code is wrong",
        }
    assert "set-cookie" not in wrong.headers


def test_once_a_second_factor_is_enabled_login_requires_a_valid_code(world: World) -> None:
    setup = world.post("/auth/totp/setup", world.anna.headers)
    assert setup.status_code == 200
    secret = setup.json()["secret"]
    assert setup.json()["uri"].startswith("otpauth://totp/")
    code = totp_code(secret, at=world.clock.now())
    enabled = world.post("/auth/totp/enable", world.anna.headers, {"secret": secret, "code": code})
    assert enabled.status_code == 204

    assert login(world, "anna@bank.nl").status_code == 401
    assert login(world, "anna@bank.nl", code="000000").status_code == 401
    world.clock.advance(minutes=5)
    fresh = totp_code(secret, at=world.clock.now())
    assert login(world, "anna@bank.nl", code=fresh).status_code == 200


def test_enabling_a_second_factor_with_a_wrong_code_is_refused_and_changes_nothing(
    world: World,
) -> None:
    secret = world.post("/auth/totp/setup", world.anna.headers).json()["secret"]
    refused = world.post(
        "/auth/totp/enable", world.anna.headers, {"secret": secret, "code": "123456"}
    )
    assert refused.status_code == 422
    assert login(world, "anna@bank.nl").status_code == 200  # still no code needed


def test_logout_ends_the_session(world: World) -> None:
    token = login(world, "bob@bank.nl").json()["token"]
    world.client.cookies.clear()
    assert world.post("/auth/logout", bearer(token)).status_code == 204
    after = world.get("/auth/me", bearer(token))
    assert after.status_code == 401


def test_an_api_token_identifies_the_integration_and_cannot_log_out(world: World) -> None:
    me = world.get("/auth/me", world.integration)
    assert me.json()["kind"] == "token"
    assert me.json()["roles"] == ["integration"]
    assert world.post("/auth/logout", world.integration).status_code == 422

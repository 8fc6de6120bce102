"""Signing in to the desk: the form, the cookie, the second factor, expiry, signing out."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from tests.web.desk.support import Desk
from tests.web.support import API, PASSWORD

from klantenservice.adapters.security import totp_code


def test_the_login_form_sets_an_httponly_lax_secure_session_cookie_and_returns_to_next(
    desk: Desk,
) -> None:
    response = desk.login(next="/desk/cases/7")
    assert response.status_code == 303
    assert response.headers["location"] == "/desk/cases/7"
    session_cookie = next(
        c for c in response.headers.get_list("set-cookie") if c.startswith("ks_session=")
    )
    assert "HttpOnly" in session_cookie
    assert "SameSite=lax" in session_cookie
    assert "Secure" in session_cookie  # KS_ENVIRONMENT=test is not a developer's machine
    inbox = desk.client.get("/desk/")
    assert inbox.status_code == 200
    assert "Anna de Vries" in inbox.text


def test_a_wrong_password_shows_the_form_again_with_one_message_and_no_session(
    desk: Desk,
) -> None:
    wrong = desk.login(password="not the right password")
    unknown = desk.login(email="nobody@bank.nl")
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert "Het e-mailadres, het wachtwoord of de code klopt niet." in response.text
        assert "ks_session=" not in response.headers.get("set-cookie", "")
    assert 'value="anna@bank.nl"' in wrong.text  # the e-mail is kept, the password is not


def test_an_empty_form_says_which_fields_to_fill_in(desk: Desk) -> None:
    response = desk.login(email="", password="")
    assert response.status_code == 422
    assert "Vul je e-mailadres en wachtwoord in." in response.text


def test_with_a_second_factor_the_desk_login_needs_the_current_code(desk: Desk) -> None:
    world = desk.world
    secret = world.post("/auth/totp/setup", world.anna.headers).json()["secret"]
    code = totp_code(secret, at=world.clock.now())
    enable = {"secret": secret, "code": code}
    assert world.post("/auth/totp/enable", world.anna.headers, enable).status_code == 204
    world.clock.advance(seconds=30)

    without = desk.login()
    assert without.status_code == 401
    wrong = desk.login(totp_code="000000")
    assert wrong.status_code == 401
    right = desk.login(totp_code=totp_code(secret, at=world.clock.now()))
    assert right.status_code == 303
    assert desk.client.get("/desk/").status_code == 200


def test_a_login_post_without_the_forms_nonce_is_refused_and_signs_nobody_in(desk: Desk) -> None:
    forged = desk.client.post(
        "/desk/login",
        data={"csrf_token": "0" * 64, "email": "anna@bank.nl", "password": PASSWORD},
    )
    assert forged.status_code == 403
    assert "Het inlogformulier was verlopen" in forged.text
    desk.login_form()  # a real nonce in the cookie jar, but a token of another form
    mismatched = desk.client.post(
        "/desk/login",
        data={"csrf_token": "0" * 64, "email": "anna@bank.nl", "password": PASSWORD},
    )
    assert mismatched.status_code == 403
    for response in (forged, mismatched):
        assert "ks_session=" not in response.headers.get("set-cookie", "")
    audit = desk.world.get("/audit", desk.world.compliance, action="staff.logged_in", limit=200)
    assert audit.status_code == 200, audit.text
    logins = [r for r in audit.json()["items"] if r["subject_id"] == str(desk.world.anna.user_id)]
    assert len(logins) == 1  # the world's own API login only


def test_without_a_session_a_desk_page_redirects_to_login_and_back(desk: Desk) -> None:
    response = desk.client.get("/desk/?status=open")
    assert response.status_code == 303
    location = urlsplit(response.headers["location"])
    assert location.path == "/desk/login"
    assert parse_qs(location.query)["next"] == ["/desk/?status=open"]


def test_an_htmx_request_without_a_session_is_sent_to_login_with_hx_redirect(desk: Desk) -> None:
    response = desk.client.get("/desk/", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response.headers["HX-Redirect"].startswith("/desk/login?next=")


def test_an_expired_session_redirects_to_login_with_a_notice(desk: Desk) -> None:
    desk.signed_in()
    desk.world.clock.advance(hours=13)  # sessions last 12 hours
    response = desk.client.get("/desk/")
    assert response.status_code == 303
    assert "expired=1" in response.headers["location"]
    login_page = desk.client.get(response.headers["location"])
    assert "Je sessie is verlopen. Log opnieuw in." in login_page.text


def test_next_only_returns_to_desk_pages_never_to_another_site(desk: Desk) -> None:
    for target in ("https://evil.example/", "//evil.example/desk", "/api/v1/audit", "/\\evil"):
        response = desk.login(next=target)
        assert response.status_code == 303
        assert response.headers["location"] == "/desk/"
        desk.client.cookies.clear()


def test_signing_out_ends_the_session_on_the_server(desk: Desk) -> None:
    token = desk.signed_in()
    session = desk.client.cookies.get("ks_session")
    response = desk.client.post("/desk/logout", data={"csrf_token": token})
    assert response.status_code == 303
    assert response.headers["location"] == "/desk/login?signed_out=1"
    me = desk.client.get(f"{API}/auth/me", headers={"Authorization": f"Bearer {session}"})
    assert me.status_code == 401


def test_the_api_token_of_an_integration_does_not_open_the_desk(desk: Desk) -> None:
    token = desk.world.integration["Authorization"].removeprefix("Bearer ")
    desk.client.cookies.set("ks_session", token, domain="testserver")
    response = desk.client.get("/desk/")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/desk/login")

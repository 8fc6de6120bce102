"""Signing in to the portal over HTTP: through the bank, with cookies a browser keeps safe."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from tests.web.portal.support import ANN, BEN, SECRET, Portal, field
from tests.web.support import FakeClock

from klantenservice.adapters.credentials import Argon2Credentials
from klantenservice.adapters.security import fast_hasher
from klantenservice.domain.portal_sign_in import nonce_for
from klantenservice.settings import Settings
from klantenservice.web.app import create_app
from klantenservice.web.portal.session import SIGN_IN_COOKIE, SignInState


def test_a_customer_signs_in_through_the_bank_and_lands_on_their_cases(portal: Portal) -> None:
    portal.case_of(portal.ann, "Pas geblokkeerd")
    done = portal.sign_in(ANN)
    assert done.status_code == 303
    assert done.headers["location"] == "/portal/"
    assert done.headers["referrer-policy"] == "no-referrer"  # the assertion stays here
    cookie = done.headers["set-cookie"]
    assert "ks_portal=" in cookie
    for attribute in ("HttpOnly", "Secure", "SameSite=lax", "Path=/portal", "Max-Age=1800"):
        assert attribute.lower() in cookie.lower()
    page = portal.client.get("/portal/")
    assert page.status_code == 200
    assert "Pas geblokkeerd" in page.text
    assert "Ann de Wit" in page.text


def test_the_bank_gets_an_hmac_of_the_browser_nonce_not_the_nonce_itself(portal: Portal) -> None:
    link = portal.bank_link()
    state = SignInState.read(portal.client.cookies.get(SIGN_IN_COOKIE))
    assert state is not None
    sent = parse_qs(urlsplit(link).query)
    assert sent["nonce"] == [nonce_for(state.nonce, SECRET)]
    assert state.nonce not in link
    assert sent["lang"] == ["nl"]
    assert portal.bank_link() == link  # a second tab keeps the sign-in under way


def test_the_customer_returns_to_the_page_they_were_going_to(portal: Portal) -> None:
    case_id = portal.case_of(portal.ann, "Pas geblokkeerd")
    away = portal.client.get(f"/portal/cases/{case_id}")
    assert away.status_code == 303
    assert away.headers["location"] == f"/portal/sign-in?next=%2Fportal%2Fcases%2F{case_id}"
    portal.client.get(away.headers["location"])
    bank = portal.client.get(portal.bank_link(f"/portal/cases/{case_id}"))
    form = {name: field(bank.text, name) for name in ("csrf_token", "nonce")}
    minted = portal.client.post("/portal/demo-sign-in", data={**form, "subject": ANN})
    done = portal.client.get(minted.headers["location"])
    assert done.headers["location"] == f"/portal/cases/{case_id}"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example", "/desk/"])
def test_the_return_address_is_always_a_portal_page(portal: Portal, target: str) -> None:
    portal.bank_link(target)
    state = SignInState.read(portal.client.cookies.get(SIGN_IN_COOKIE))
    assert state is not None and state.next_path == "/portal/"


def test_a_replayed_sign_in_address_signs_nobody_in(portal: Portal) -> None:
    address = portal.assertion_url(ANN)
    browser_state = portal.client.cookies.get(SIGN_IN_COOKIE)
    assert portal.client.get(address).status_code == 303
    portal.client.cookies.clear()
    # even with this browser's own sign-in cookie back, the assertion counts only once
    portal.client.cookies.set(SIGN_IN_COOKIE, browser_state or "", path="/portal")
    again = portal.client.get(address)
    assert again.status_code == 401
    assert "Inloggen is niet gelukt" in again.text
    assert "used before" in again.text  # the technical detail, for the helpdesk
    assert "ks_portal=" not in again.headers.get("set-cookie", "")
    assert portal.client.get("/portal/").status_code == 303


def test_an_assertion_from_another_browser_signs_nobody_in(portal: Portal, app: FastAPI) -> None:
    address = portal.assertion_url(ANN)
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as other:
        other.get("/portal/sign-in")  # the victim's browser, with its own sign-in cookie
        refused = other.get(address)
        assert refused.status_code == 401
        assert "another sign-in request" in refused.text
        assert other.get("/portal/").status_code == 303  # still signed out


def test_an_identity_the_bank_verified_too_weakly_is_told_how_to_sign_in(portal: Portal) -> None:
    refused = portal.sign_in(ANN, level="contact")
    assert refused.status_code == 403
    assert "gecontroleerde identiteit" in refused.text
    assert portal.client.get("/portal/").status_code == 303


def test_a_bank_customer_unknown_to_customer_service_is_told_to_call(portal: Portal) -> None:
    refused = portal.sign_in("REL-9999999")
    assert refused.status_code == 403
    assert "konden je gegevens" in refused.text


def test_an_expired_assertion_is_refused(portal: Portal, clock: FakeClock) -> None:
    address = portal.assertion_url(ANN)  # valid for two minutes
    clock.advance(minutes=3)
    refused = portal.client.get(address)
    assert refused.status_code == 401
    assert "expired" in refused.text


def test_a_tampered_assertion_is_refused(portal: Portal) -> None:
    address = portal.assertion_url(ANN)
    tampered = address[:-3] + ("AAA" if not address.endswith("AAA") else "BBB")
    assert portal.client.get(tampered).status_code == 401
    assert portal.client.get("/portal/sso").status_code == 401  # no assertion at all


def test_pages_without_a_session_send_the_customer_to_sign_in(portal: Portal) -> None:
    for path in ("/portal/", "/portal/new", "/portal/cases/1"):
        response = portal.client.get(path)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/portal/sign-in?next=")
    htmx = portal.client.get("/portal/", headers={"HX-Request": "true"})
    assert htmx.status_code == 200
    assert htmx.headers["hx-redirect"].startswith("/portal/sign-in")


def test_an_expired_session_returns_to_sign_in_with_a_notice(
    portal: Portal, clock: FakeClock
) -> None:
    portal.signed_in(ANN)
    clock.advance(minutes=30)
    away = portal.client.get("/portal/")
    assert away.status_code == 303
    assert "expired=1" in away.headers["location"]
    assert 'ks_portal=""' in away.headers["set-cookie"] or "Max-Age=0" in away.headers["set-cookie"]
    page = portal.client.get(away.headers["location"])
    assert "Je sessie is verlopen" in page.text


def test_signing_out_ends_the_session_and_needs_the_csrf_token(portal: Portal) -> None:
    token = portal.signed_in(ANN)
    refused = portal.client.post("/portal/sign-out")
    assert refused.status_code == 403
    assert portal.client.get("/portal/").status_code == 200  # still signed in
    out = portal.client.post("/portal/sign-out", data={"csrf_token": token})
    assert out.status_code == 303
    assert out.headers["location"] == "/portal/sign-in?signed_out=1"
    assert portal.client.get("/portal/").status_code == 303


def test_a_staff_session_cookie_opens_no_portal_page(portal: Portal) -> None:
    login = portal.client.post(
        "/api/v1/auth/login",
        json={"email": "anna@bank.nl", "password": "correct horse battery staple"},
    )
    assert login.status_code == 200, login.text
    assert portal.client.get("/portal/").status_code == 303


def test_the_demo_bank_form_needs_this_browsers_sign_in_cookie(portal: Portal) -> None:
    bank = portal.client.get(portal.bank_link())
    form = {name: field(bank.text, name) for name in ("nonce",)}
    forged = portal.client.post(
        "/portal/demo-sign-in", data={**form, "subject": BEN, "csrf_token": "0" * 64}
    )
    assert forged.status_code == 403
    portal.client.cookies.clear()
    assert portal.client.get("/portal/demo-sign-in?nonce=x").status_code == 303


def test_without_the_demo_setting_there_is_no_demo_bank_and_sign_in_is_not_set_up(
    database_url: str, clock: FakeClock
) -> None:
    settings = Settings(database_url=database_url, environment="test", secret_key=SECRET)
    app = create_app(settings, clock=clock, credentials=Argon2Credentials(fast_hasher()))
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        assert client.get("/portal/demo-sign-in").status_code == 404
        page = client.get("/portal/sign-in")
        assert page.status_code == 503
        assert "kan nu niet" in page.text


def test_the_demo_bank_is_refused_in_production() -> None:
    with pytest.raises(ValueError, match="never in production"):
        Settings(environment="production", secret_key="s" * 40, portal_demo_sign_in=True)


def test_a_configured_bank_login_address_gets_the_nonce_and_language(
    database_url: str, clock: FakeClock
) -> None:
    settings = Settings(
        database_url=database_url,
        environment="test",
        secret_key=SECRET,
        portal_sso_login_url="https://online.bank.example/login/customer-service",
        portal_sso_keys={"bank-2026": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"},
    )
    app = create_app(settings, clock=clock, credentials=Argon2Credentials(fast_hasher()))
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        page = client.get("/portal/sign-in", headers={"Accept-Language": "en"})
        assert page.status_code == 200
        assert "https://online.bank.example/login/customer-service?nonce=" in page.text
        assert "lang=en" in page.text
        assert "Sign in with online banking" in page.text

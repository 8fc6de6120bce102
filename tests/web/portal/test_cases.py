"""The signed-in customer's pages over HTTP: their cases, one case, replying, a new question."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import event, func, select
from tests.web.portal.support import ANN, BEN, Portal, field

from klantenservice.adapters.db.tables import audit_log, cases, messages
from klantenservice.domain.portal import MAX_BODY_CHARS


def count(portal: Portal, table: Any) -> int:
    with portal.context.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def stored(portal: Portal) -> tuple[int, int, int]:
    return count(portal, cases), count(portal, messages), count(portal, audit_log)


def test_the_list_shows_only_the_customers_own_cases_with_status_and_activity(
    portal: Portal,
) -> None:
    portal.case_of(portal.ann, "Pas geblokkeerd")
    portal.case_of(portal.ben, "Hypotheekofferte van Ben")
    portal.signed_in(ANN)
    page = portal.client.get("/portal/")
    assert page.status_code == 200
    assert "Pas geblokkeerd" in page.text
    assert "Ben" not in page.text
    assert "Ontvangen" in page.text  # the status, in the customer's words
    assert '<time datetime="2026-11-23T09:00:00+00:00">23-11-2026, 10:00</time>' in page.text
    assert page.headers["cache-control"] == "no-store"
    assert "default-src 'self'" in page.headers["content-security-policy"]


def test_the_list_costs_the_same_queries_for_two_cases_as_for_twelve(portal: Portal) -> None:
    statements: list[str] = []

    def counted(*args: Any) -> None:
        statements.append(str(args[2]))

    portal.case_of(portal.ann, "Eerste vraag")
    portal.case_of(portal.ann, "Tweede vraag")
    portal.signed_in(ANN)
    event.listen(portal.context.engine, "before_cursor_execute", counted)
    try:
        assert portal.client.get("/portal/").status_code == 200
        few = len(statements)
        for number in range(10):
            portal.case_of(portal.ann, f"Vraag {number}")
        statements.clear()
        page = portal.client.get("/portal/")
        assert page.text.count('href="/portal/cases/') == 12
        assert len(statements) == few, statements
    finally:
        event.remove(portal.context.engine, "before_cursor_execute", counted)


def test_a_case_shows_the_conversation_as_text_and_never_a_note(portal: Portal) -> None:
    case_id = portal.case_of(portal.ann, "Pas geblokkeerd", body="<script>alert('x')</script>")
    portal.agent_note(case_id, "Let op: mogelijk fraude")
    portal.agent_reply(case_id, "Uw nieuwe pas is onderweg.")
    portal.signed_in(ANN)
    page = portal.client.get(f"/portal/cases/{case_id}")
    assert page.status_code == 200
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page.text
    assert "<script>alert" not in page.text
    assert "Uw nieuwe pas is onderweg." in page.text
    assert "mogelijk fraude" not in page.text
    assert "Anna" not in page.text  # no staff names: the bank answers
    assert f"KS-{case_id:06d}" in page.text


def test_another_customers_case_is_403_and_shows_nothing_of_it(portal: Portal) -> None:
    bens = portal.case_of(portal.ben, "Hypotheekofferte van Ben", body="Mijn offerte loopt af")
    portal.signed_in(ANN)
    page = portal.client.get(f"/portal/cases/{bens}")
    assert page.status_code == 403
    assert "Deze zaak is niet van jou" in page.text
    for secret in ("Hypotheek", "offerte", "Ben", f"KS-{bens:06d}"):
        assert secret not in page.text
    unknown = portal.client.get("/portal/cases/999999")
    assert unknown.status_code == 404
    assert portal.client.get("/portal/cases/abc").status_code == 422


def reply_form(portal: Portal, case_id: int) -> dict[str, str]:
    page = portal.client.get(f"/portal/cases/{case_id}")
    return {name: field(page.text, name) for name in ("csrf_token", "submission")}


def test_a_reply_is_stored_once_and_the_customer_returns_to_the_case(portal: Portal) -> None:
    case_id = portal.case_of(portal.ann, "Pas geblokkeerd")
    portal.signed_in(ANN)
    form = {**reply_form(portal, case_id), "body": "Ik heb de pas al doorgeknipt."}
    sent = portal.client.post(f"/portal/cases/{case_id}/messages", data=form)
    assert sent.status_code == 303
    assert sent.headers["location"] == f"/portal/cases/{case_id}?sent=reply"
    before = stored(portal)
    again = portal.client.post(f"/portal/cases/{case_id}/messages", data=form)  # double click
    assert again.status_code == 303
    assert stored(portal) == before
    page = portal.client.get(sent.headers["location"])
    assert page.text.count("Ik heb de pas al doorgeknipt.") == 1
    assert "Je bericht is verstuurd." in page.text
    assert 'role="status"' in page.text


def test_an_htmx_reply_swaps_the_conversation_and_announces_it(portal: Portal) -> None:
    case_id = portal.case_of(portal.ann, "Pas geblokkeerd")
    token = portal.signed_in(ANN)
    form = reply_form(portal, case_id)
    sent = portal.client.post(
        f"/portal/cases/{case_id}/messages",
        data={"submission": form["submission"], "body": "Via htmx"},
        headers={"HX-Request": "true", "X-CSRF-Token": token},
    )
    assert sent.status_code == 200
    assert sent.text.startswith("{#") is False and '<section id="conversation"' in sent.text
    assert "<html" not in sent.text
    assert "Via htmx" in sent.text
    assert 'hx-swap-oob="true"' in sent.text and "Je bericht is verstuurd." in sent.text
    assert field(sent.text, "submission") != form["submission"]  # a new form, a new id


def test_a_reply_without_or_with_a_forged_csrf_token_changes_nothing(portal: Portal) -> None:
    case_id = portal.case_of(portal.ann, "Pas geblokkeerd")
    portal.signed_in(ANN)
    form = reply_form(portal, case_id)
    before = stored(portal)
    for token in (None, "f" * 64):
        data = {"submission": form["submission"], "body": "Aanval"}
        if token:
            data["csrf_token"] = token
        refused = portal.client.post(f"/portal/cases/{case_id}/messages", data=data)
        assert refused.status_code == 403
        assert "er is niets gewijzigd" in refused.text.lower()
    assert stored(portal) == before


def test_a_reply_on_another_customers_case_is_403_and_stores_nothing(portal: Portal) -> None:
    bens = portal.case_of(portal.ben, "Hypotheek")
    ann_case = portal.case_of(portal.ann, "Pas")
    portal.signed_in(ANN)
    form = {**reply_form(portal, ann_case), "body": "Meelezen"}
    messages_before = count(portal, messages)
    refused = portal.client.post(f"/portal/cases/{bens}/messages", data=form)
    assert refused.status_code == 403
    assert count(portal, messages) == messages_before


def test_an_oversized_reply_is_refused_with_the_text_kept_and_nothing_stored(
    portal: Portal,
) -> None:
    case_id = portal.case_of(portal.ann, "Pas geblokkeerd")
    portal.signed_in(ANN)
    form = {**reply_form(portal, case_id), "body": "x" * (MAX_BODY_CHARS + 1)}
    before = stored(portal)
    refused = portal.client.post(f"/portal/cases/{case_id}/messages", data=form)
    assert refused.status_code == 422
    assert "10.001 tekens lang; het mag hoogstens 10.000" in refused.text
    assert 'aria-invalid="true"' in refused.text
    assert "x" * (MAX_BODY_CHARS + 1) in refused.text
    assert field(refused.text, "submission") == form["submission"]  # fixing it stays one send
    assert stored(portal) == before


def question_form(portal: Portal) -> dict[str, str]:
    page = portal.client.get("/portal/new")
    assert page.status_code == 200
    return {name: field(page.text, name) for name in ("csrf_token", "submission")}


def test_the_web_form_opens_a_case_and_confirms_its_reference(portal: Portal) -> None:
    portal.case_of(portal.ann, "Een open zaak")  # a new question is not threaded into it
    portal.signed_in(ANN)
    form = {
        **question_form(portal),
        "category": "payments",
        "subject": "Dubbele afschrijving",
        "body": "Ik zie twee keer dezelfde afschrijving van 12,50.",
    }
    sent = portal.client.post("/portal/new", data=form)
    assert sent.status_code == 303
    new_id = int(re.findall(r"/portal/cases/(\d+)\?sent=new$", sent.headers["location"])[0])
    page = portal.client.get(sent.headers["location"])
    assert "We hebben je vraag ontvangen." in page.text
    assert f"Je kenmerk is KS-{new_id:06d}, ontvangen op 23-11-2026, 10:00." in page.text
    assert "Dubbele afschrijving" in page.text
    again = portal.client.post("/portal/new", data=form)
    assert again.headers["location"] == sent.headers["location"]  # one case for two clicks
    assert count(portal, cases) == 2


def test_a_fraud_report_is_confirmed_as_going_to_the_emergency_team(portal: Portal) -> None:
    portal.signed_in(ANN)
    form = {
        **question_form(portal),
        "category": "fraud",
        "subject": "Geld verdwijnt",
        "body": "Er gaat geld van mijn rekening af dat ik niet herken.",
    }
    sent = portal.client.post("/portal/new", data=form)
    assert sent.headers["location"].endswith("?sent=new-fraud")
    page = portal.client.get(sent.headers["location"])
    assert "We hebben je melding ontvangen." in page.text
    assert "noodteam" in page.text


def test_a_question_with_problems_comes_back_with_each_problem_at_its_field(
    portal: Portal,
) -> None:
    portal.signed_in(ANN)
    before = stored(portal)
    form = {**question_form(portal), "category": "", "subject": "", "body": "Alleen tekst"}
    refused = portal.client.post("/portal/new", data=form)
    assert refused.status_code == 422
    assert '<p class="field-error" id="category-error">Kies waar je vraag over gaat.</p>' in (
        refused.text
    )
    assert '<p class="field-error" id="subject-error">Vul een onderwerp in.</p>' in refused.text
    assert "Alleen tekst" in refused.text
    assert 'href="#category"' in refused.text
    assert stored(portal) == before


def test_the_portal_speaks_english_when_asked_and_switches_back(portal: Portal) -> None:
    portal.case_of(portal.ann, "Card blocked")
    portal.signed_in(ANN)
    english = portal.client.get("/portal/", headers={"Accept-Language": "en-GB"})
    assert '<html lang="en">' in english.text
    assert "My cases" in english.text and "Received" in english.text
    switch = portal.client.get("/portal/language", params={"to": "nl", "next": "/portal/"})
    assert switch.status_code == 303 and switch.headers["location"] == "/portal/"
    dutch = portal.client.get("/portal/", headers={"Accept-Language": "en-GB"})
    assert "Mijn zaken" in dutch.text
    away = portal.client.get("/portal/language", params={"to": "en", "next": "https://x.example"})
    assert away.headers["location"] == "/portal/"
    assert portal.client.get("/portal/language", params={"to": "fr"}).status_code == 422


def test_ben_signed_in_sees_his_own_case_and_not_anns(portal: Portal) -> None:
    anns = portal.case_of(portal.ann, "Van Ann")
    bens = portal.case_of(portal.ben, "Van Ben")
    portal.signed_in(BEN)
    assert portal.client.get(f"/portal/cases/{bens}").status_code == 200
    assert portal.client.get(f"/portal/cases/{anns}").status_code == 403

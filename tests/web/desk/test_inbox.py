"""The inbox: the agent's queue, filters, htmx fragments, keyset pages, "Next case", presence."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import pytest
from tests.web.desk.support import Desk, hidden_token
from tests.web.support import World

from klantenservice.adapters.db.unit_of_work import SqlUnitOfWorkFactory
from klantenservice.web.deps import AppContext
from klantenservice.web.desk import inbox as inbox_routes
from klantenservice.workers.promise_sweeper import PromiseSweeper


@dataclass
class Cases:
    jan: int
    emma: int
    piet: int


def set_presence(world: World, presence: str) -> None:
    path = f"/agents/{world.anna.agent_id}/presence"
    assert world.post(path, world.admin, {"presence": presence}).status_code == 200


def open_cases(world: World) -> Cases:
    """Three waiting cases (Anna is away, so intake routes none of them).

    Jan's e-mail arrives an hour before the others, so his first-response promise (4 working
    hours) is the first to reach its warning share (80 %).
    """
    set_presence(world, "away")
    jan = world.intake(subject="Pas geblokkeerd", language="nl")
    world.clock.advance(hours=1)
    emma = world.intake(
        channel="web_form",
        subject="Card declined abroad",
        body="My card was declined in Spain.",
        contact={"kind": "email", "value": "emma@example.co.uk"},
        customer_name="Emma Clarke",
        language="en",
        priority="high",
    )
    piet = world.intake(
        channel="phone",
        subject="Offerte verloopt vandaag",
        body="Mijn hypotheekofferte verloopt vandaag, bel me snel.",
        contact={"kind": "phone", "value": "+31612345678"},
        customer_name="Piet de Boer",
        language="nl",
        priority="urgent",
    )
    return Cases(jan["case_id"], emma["case_id"], piet["case_id"])


def references(html: str) -> set[str]:
    return {ref for ref in ("KS-000001", "KS-000002", "KS-000003") if ref in html}


def test_the_inbox_shows_each_case_with_customer_channel_priority_status_and_promise(
    desk: Desk,
) -> None:
    open_cases(desk.world)
    desk.signed_in()
    page = desk.client.get("/desk/")
    assert page.status_code == 200
    assert references(page.text) == {"KS-000001", "KS-000002", "KS-000003"}
    for text in ("Jan Jansen", "Emma Clarke", "Piet de Boer", "Pas geblokkeerd", "E-mail"):
        assert text in page.text
    for text in ("Webformulier", "Telefoon", "Urgent", "Hoog", "Nieuw", "Niemand", "Op tijd"):
        assert text in page.text
    # Jan's first response is due at 14:00 Amsterdam (13:00 UTC), three hours from now
    assert '<time datetime="2026-11-23T13:00:00+00:00">23-11-2026, 14:00</time>' in page.text
    assert "(over 3 uur)" in page.text
    assert page.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("channel=phone", {"KS-000003"}),
        ("priority=high", {"KS-000002"}),
        ("language=en", {"KS-000002"}),
        ("language=nl&priority=normal", {"KS-000001"}),
        ("status=new", {"KS-000001", "KS-000002", "KS-000003"}),
        ("status=closed", set()),
        ("assignee=unassigned", {"KS-000001", "KS-000002", "KS-000003"}),
        ("assignee=me", set()),
        ("queue=all", {"KS-000001", "KS-000002", "KS-000003"}),
    ],
)
def test_the_inbox_filters_by_query_parameters(desk: Desk, query: str, expected: set[str]) -> None:
    open_cases(desk.world)
    desk.signed_in()
    page = desk.client.get(f"/desk/?{query}")
    assert page.status_code == 200, page.text
    assert references(page.text) == expected


def test_the_promise_at_risk_filter_shows_cases_past_their_warning_share(
    desk: Desk, context: AppContext
) -> None:
    open_cases(desk.world)
    desk.world.clock.advance(hours=2, minutes=30)  # Jan: 3.5 of 4 hours; the others 2.5
    factory = cast(SqlUnitOfWorkFactory, context.uow_factory)
    assert PromiseSweeper(factory, desk.world.clock).run_once().warnings == 1
    desk.signed_in()
    at_risk = desk.client.get("/desk/?promise=at_risk")
    assert references(at_risk.text) == {"KS-000001"}
    assert "In gevaar" in at_risk.text
    assert references(desk.client.get("/desk/?promise=breached").text) == set()


def test_htmx_gets_only_the_results_fragment(desk: Desk) -> None:
    open_cases(desk.world)
    desk.signed_in()
    headers = {"HX-Request": "true", "HX-Target": "inbox-results"}
    fragment = desk.client.get("/desk/?channel=phone", headers=headers)
    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    assert "<table" in fragment.text
    assert "1 zaak getoond" in fragment.text
    assert references(fragment.text) == {"KS-000003"}
    restore = desk.client.get(
        "/desk/?channel=phone", headers={**headers, "HX-History-Restore-Request": "true"}
    )
    assert "<html" in restore.text  # a history restore needs the whole page


def test_the_inbox_pages_by_keyset_with_a_link_to_the_next_page(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    open_cases(desk.world)
    monkeypatch.setattr(inbox_routes, "PAGE_SIZE", 2)
    desk.signed_in()
    first = desk.client.get("/desk/?queue=all")
    assert references(first.text) == {"KS-000001", "KS-000002"}
    assert 'href="/desk/?queue=all&amp;after=2"' in first.text
    second = desk.client.get("/desk/?queue=all&after=2")
    assert references(second.text) == {"KS-000003"}
    assert 'href="/desk/?queue=all"' in second.text  # back to the first page
    assert "after=3" not in second.text


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("status=bogus", "status: &#39;bogus&#39; is not one of: new, open"),
        ("channel=fax", "channel: &#39;fax&#39; is not one of"),
        ("promise=soon", "promise: &#39;soon&#39; is not one of: at_risk, breached"),
        ("queue=999", "queue: &#39;999&#39; is not one of: all"),
        ("after=-1", "after: &#39;-1&#39; is not a case id"),
    ],
)
def test_a_bad_filter_value_is_a_422_that_names_the_parameter(
    desk: Desk, query: str, message: str
) -> None:
    desk.signed_in()
    page = desk.client.get(f"/desk/?{query}")
    assert page.status_code == 422
    assert "Iets in het verzoek is niet geldig" in page.text
    assert message in page.text


def test_showing_the_inbox_records_which_customers_were_seen(desk: Desk) -> None:
    world = desk.world
    open_cases(world)
    desk.signed_in()

    def seen_in_inbox() -> list[str]:
        audit = world.get("/audit", world.compliance, action="customer.viewed", limit=200)
        records = audit.json()["items"]
        return [r["subject_id"] for r in records if r["details"].get("via") == "desk:inbox"]

    before = seen_in_inbox()
    desk.client.get("/desk/?channel=phone")
    piet = world.case(3)["customer_id"]
    assert seen_in_inbox() == [*before, str(piet)]  # one row shown: one customer seen


def test_next_case_takes_the_most_urgent_waiting_case_and_opens_it(desk: Desk) -> None:
    cases = open_cases(desk.world)
    token = desk.signed_in()
    refused = desk.client.post("/desk/next", data={"csrf_token": token})
    assert refused.headers["location"] == "/desk/?notice=not-available"  # Anna is away
    assert "Zet je status op Beschikbaar" in desk.client.get(refused.headers["location"]).text

    desk.client.post("/desk/presence", data={"presence": "available", "csrf_token": token})
    taken = desk.client.post("/desk/next", data={"csrf_token": token})
    assert taken.status_code == 303
    assert taken.headers["location"] == f"/desk/cases/{cases.piet}"
    assert desk.world.case(cases.piet)["assignee_id"] == desk.world.anna.agent_id
    page = desk.client.get(taken.headers["location"])
    assert "Offerte verloopt vandaag" in page.text
    assert "Mijn hypotheekofferte verloopt vandaag, bel me snel." in page.text
    assert "Anna de Vries" in page.text


def test_next_case_with_nothing_waiting_says_so(desk: Desk) -> None:
    token = desk.signed_in()
    response = desk.client.post("/desk/next", data={"csrf_token": token})
    assert response.headers["location"] == "/desk/?notice=no-case"
    assert "Er wacht nu geen zaak op jou." in desk.client.get(response.headers["location"]).text


def test_presence_buttons_swap_the_control_with_the_new_state_pressed(desk: Desk) -> None:
    token = desk.signed_in()
    response = desk.client.post(
        "/desk/presence",
        data={"presence": "away"},
        headers={"HX-Request": "true", "X-CSRF-Token": token},
    )
    assert response.status_code == 200
    assert 'value="away" class="presence-away"\n            aria-pressed="true"' in response.text
    assert "Je status is nu: Afwezig" in response.text
    assert hidden_token(response.text) == token


def test_an_unknown_presence_is_a_422(desk: Desk) -> None:
    token = desk.signed_in()
    response = desk.client.post("/desk/presence", data={"presence": "asleep", "csrf_token": token})
    assert response.status_code == 422
    assert "presence" in response.text


def test_staff_without_an_agent_profile_see_all_queues_but_cannot_take_cases(desk: Desk) -> None:
    open_cases(desk.world)
    token = desk.signed_in("beheer@bank.nl")
    inbox = desk.client.get("/desk/")
    assert references(inbox.text) == {"KS-000001", "KS-000002", "KS-000003"}
    assert 'id="presence"' not in inbox.text  # no presence without an agent profile
    refused = desk.client.post("/desk/next", data={"csrf_token": token})
    assert refused.status_code == 403
    assert "Dit mag je niet doen" in refused.text
    assert "no agent profile" in refused.text
    mine = desk.client.get("/desk/?assignee=me")
    assert mine.status_code == 422

"""The case page costs the same statements however long the timeline or the customer's history."""

from __future__ import annotations

from sqlalchemy import event
from tests.web.desk.support import Desk

from klantenservice.web.deps import AppContext


def statements_for(desk: Desk, context: AppContext, path: str) -> list[str]:
    seen: list[str] = []

    def count(*args: object) -> None:
        seen.append(str(args[2]))

    event.listen(context.engine, "before_cursor_execute", count)
    try:
        page = desk.client.get(path)
        assert page.status_code == 200, page.text
    finally:
        event.remove(context.engine, "before_cursor_execute", count)
    return seen


def test_the_case_page_reads_twenty_messages_and_other_cases_in_as_many_statements_as_one(
    desk: Desk, context: AppContext
) -> None:
    world = desk.world
    case_id = int(world.intake(body="bericht 0")["case_id"])
    desk.signed_in()
    path = f"/desk/cases/{case_id}?scope=customer"
    short = statements_for(desk, context, path)
    for n in range(1, 20):
        world.clock.advance(minutes=1)
        world.intake(body=f"bericht {n}")
    for subject in ("Lening", "Hypotheek"):  # more cases of the same customer
        opened = world.post(
            "/cases",
            world.admin,
            {
                "customer_id": world.case(case_id)["customer_id"],
                "subject": subject,
                "channel": "phone",
            },
        )
        assert opened.status_code == 201, opened.text
    long = statements_for(desk, context, path)
    assert "bericht 19" in desk.client.get(path).text
    assert len(long) == len(short), "\n".join(long)

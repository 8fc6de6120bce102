"""The inbox page costs the same statements for 2 rows as for 12 (no query per row)."""

from __future__ import annotations

from sqlalchemy import event
from tests.web.desk.support import Desk

from klantenservice.web.deps import AppContext


def add_cases(desk: Desk, first: int, count: int) -> None:
    for n in range(first, first + count):
        desk.world.intake(
            contact={"kind": "email", "value": f"klant{n}@example.nl"},
            customer_name=f"Klant {n}",
            subject=f"Vraag {n}",
        )


def statements_for_inbox(desk: Desk, context: AppContext) -> list[str]:
    seen: list[str] = []

    def count(*args: object) -> None:
        seen.append(str(args[2]))

    event.listen(context.engine, "before_cursor_execute", count)
    try:
        page = desk.client.get("/desk/?queue=all")
        assert page.status_code == 200, page.text
    finally:
        event.remove(context.engine, "before_cursor_execute", count)
    return seen


def test_the_inbox_reads_a_page_of_twelve_in_as_many_statements_as_a_page_of_two(
    desk: Desk, context: AppContext
) -> None:
    add_cases(desk, 0, 2)
    desk.signed_in()
    short = statements_for_inbox(desk, context)
    add_cases(desk, 2, 10)
    long = statements_for_inbox(desk, context)
    assert "Klant 11" in desk.client.get("/desk/?queue=all").text
    # the audit rows of 12 customers are one multi-row insert, like those of 2
    assert len(long) == len(short), "\n".join(long)

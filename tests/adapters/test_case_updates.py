"""A case read in a transaction is written back with only the columns that changed.

Every column of ``cases`` in the SET list makes SQLite maintain each index over it; the intake
updates the case of every message, so a full-row UPDATE touched all eight indexes where a
follow-up changes one or two columns. Read from SQLite's own trace of the statements it ran.
"""

from __future__ import annotations

import re
import shutil
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event
from tests.services.world import T0, build_world

from klantenservice.domain.customers import ContactPoint
from klantenservice.domain.vocabulary import Channel
from klantenservice.services import inbound
from klantenservice.services.inbound import InboundMessage, IntakeOptions
from klantenservice.services.ports import SYSTEM


def test_a_follow_up_message_sets_only_the_case_columns_it_changed(
    tmp_path: Path, sqlite_template: Path
) -> None:
    source = tmp_path / "k.db"
    shutil.copyfile(sqlite_template, source)
    world = build_world(f"sqlite:///{source}")
    statements: list[str] = []
    world.engine.dispose()  # new connections from here on are traced

    @event.listens_for(world.engine, "connect")
    def trace(connection: Any, _record: Any) -> None:
        connection.set_trace_callback(statements.append)

    contact = ContactPoint.parse("email", "jan@example.nl")
    try:
        for number, at in enumerate((T0, T0 + timedelta(minutes=5))):
            message = InboundMessage(
                channel=Channel.EMAIL,
                body=f"bericht {number}",
                external_id=f"m-{number}",
                contact=contact,
            )
            first = inbound.receive_message(
                world.uow, actor=SYSTEM, inbound=message, now=at, options=IntakeOptions()
            )
            if number == 0:
                statements.clear()  # the follow-up's statements only
    finally:
        world.close()
    updates = [s for s in statements if re.match(r"\s*UPDATE cases SET", s)]
    assert updates, statements
    columns = set(re.findall(r"(\w+)=", updates[0].split(" WHERE ")[0]))
    assert "updated_at" in columns
    assert not columns & {"customer_id", "subject", "channel", "language", "tags", "queue_id"}
    assert first.case_id is not None

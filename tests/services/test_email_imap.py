"""IMAP polling against a real Dovecot: UID state, flags untouched, exactly once, gaps, backfill."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import delete, select, update
from tests.services.imap_support import Imap, numbered, running_dovecot
from tests.services.world import World, build_world
from tests.support.dovecot import Dovecot

from klantenservice.adapters.db.tables import cases, email_imap_state, email_raw, messages


@pytest.fixture
def dovecot() -> Iterator[Dovecot]:
    yield from running_dovecot()


@pytest.fixture
def world(database_url: str) -> Iterator[World]:
    built = build_world(database_url)
    yield built
    built.close()


@pytest.fixture
def imap(world: World, dovecot: Dovecot, tmp_path: Path) -> Imap:
    return Imap(world, dovecot, tmp_path / "mail")


def raw_rows(world: World) -> list[object]:
    with world.read() as connection:
        return list(connection.execute(select(email_raw).order_by(email_raw.c.id)))


def test_polling_imports_each_mail_once_and_leaves_the_flags_alone(
    imap: Imap, world: World
) -> None:
    imap.append(numbered(1), numbered(2), numbered(3), numbered(4))
    imap.append(numbered(5), flags=("\\Seen", "\\Flagged"))
    before = imap.flags()

    report = imap.poll()
    imported = imap.run_importer()

    assert (report.stored, report.last_uid, report.failed) == (5, 5, ())
    assert imported.imported == 5
    assert world.count(messages) == 5
    assert imap.flags() == before  # no \Seen added, none removed
    assert before["1"] == ()
    assert before["5"] == ("\\Flagged", "\\Seen")
    rows = raw_rows(world)
    assert [(r.source, r.mailbox, r.imap_uid) for r in rows] == [  # type: ignore[attr-defined]
        ("imap", "support/INBOX", uid) for uid in range(1, 6)
    ]
    assert imap.wakes >= 2  # batches of 3: the importer is woken per stored batch

    again = imap.poll()
    assert (again.stored, again.already, again.last_uid) == (0, 0, 5)
    assert imap.run_importer().handled == 0
    assert world.count(messages) == 5


def test_a_restart_continues_from_the_stored_uid_and_a_crash_before_the_state_moved_is_harmless(
    imap: Imap, world: World
) -> None:
    imap.append(numbered(1), numbered(2))
    imap.poll()
    imap.append(numbered(3))

    restarted = Imap(world, imap.server, imap.root)  # a new process: only the database is kept
    report = restarted.poll()
    assert (report.stored, report.last_uid) == (1, 3)

    # a crash after the rows were committed and before the UID state advanced:
    with world.engine.begin() as connection:
        connection.execute(update(email_imap_state).values(last_uid=1))
    report = restarted.poll()
    assert (report.stored, report.already, report.last_uid) == (0, 2, 3)
    restarted.run_importer()
    assert len(raw_rows(world)) == 3
    assert world.count(messages) == 3


def test_the_same_mail_in_two_mailboxes_is_one_message_on_one_case(
    imap: Imap, world: World
) -> None:
    mail = numbered(1, to="support@polderbank.example", cc="hypotheek@polderbank.example")
    imap.append(mail, user="support")
    imap.append(mail, user="hypotheek")

    assert imap.poll(user="support").stored == 1
    assert imap.poll(user="hypotheek").stored == 1
    report = imap.run_importer()

    assert (report.imported, report.duplicates) == (1, 1)
    assert world.count(messages) == 1 and world.count(cases) == 1
    assert {r.state for r in raw_rows(world)} == {"imported"}  # type: ignore[attr-defined]


def test_a_broken_mail_a_huge_one_and_one_the_server_will_not_deliver_block_nothing(
    imap: Imap, world: World, dovecot: Dovecot
) -> None:
    imap.max_message_bytes = 4000
    imap.append(numbered(1))
    imap.append(b"Subject: no sender\r\nMessage-ID: <broken@x>\r\n\r\nwho am I?\r\n")
    imap.append(numbered(3, text="groot " * 2000))
    imap.append(numbered(4), numbered(5))
    unreadable = _message_file(dovecot, "support", "<imap4@example.nl>")
    unreadable.chmod(0)
    try:
        report = imap.poll()
    finally:
        unreadable.chmod(0o600)
    imported = imap.run_importer()

    assert (report.stored, report.too_large, report.failed, report.last_uid) == (3, 1, (4,), 5)
    assert (imported.imported, imported.quarantined) == (2, 1)  # 1 and 5; the sender-less one
    states = {r.imap_uid: (r.state, r.reason) for r in raw_rows(world)}  # type: ignore[attr-defined]
    assert states[1][0] == states[5][0] == "imported"
    assert states[2][0] == "quarantined"
    assert states[3] == ("quarantined", states[3][1])
    assert "larger than the limit" in str(states[3][1])
    assert 4 not in states

    gap = imap.reconcile()
    assert gap.missing == (4,)
    repaired = imap.reconcile(repair=True)
    assert (repaired.repaired, repaired.failed) == (1, ())
    imap.run_importer()
    assert imap.reconcile().missing == ()
    assert world.count(messages) == 3


def test_a_changed_uidvalidity_starts_over_and_the_message_ids_keep_it_one_message_each(
    imap: Imap, world: World
) -> None:
    with imap.client() as box:
        box.folder.create("Klanten")
    imap.append(numbered(1), numbered(2), folder="Klanten")
    first = imap.poll(folder="Klanten")
    imap.run_importer()
    with imap.client() as box:  # what a server migration or a folder rebuild does
        box.folder.delete("Klanten")
        box.folder.create("Klanten")
    imap.append(numbered(1), numbered(2), numbered(3), folder="Klanten")

    report = imap.poll(folder="Klanten")
    imported = imap.run_importer()

    assert report.uidvalidity_changed and report.uidvalidity != first.uidvalidity
    assert (report.stored, report.last_uid) == (3, 3)
    assert (imported.imported, imported.duplicates) == (1, 2)
    assert world.count(messages) == 3
    with world.read() as connection:
        state = connection.execute(select(email_imap_state)).one()
    assert (state.uidvalidity, state.last_uid) == (report.uidvalidity, 3)


def test_reconcile_finds_a_lost_row_and_repair_stores_it_again(imap: Imap, world: World) -> None:
    imap.append(numbered(1), numbered(2), numbered(3))
    imap.poll()
    imap.run_importer()
    with world.engine.begin() as connection:  # a row lost (e.g. a restore from an old backup)
        connection.execute(delete(email_raw).where(email_raw.c.imap_uid == 2))
    imap.append(numbered(4))  # above the last UID: the next poll's, not a gap

    found = imap.reconcile()
    assert (found.missing, found.on_server, found.stored, found.last_uid) == ((2,), 4, 2, 3)

    repaired = imap.reconcile(repair=True)
    assert repaired.repaired == 1
    assert imap.run_importer().duplicates == 1  # the message itself was never lost
    assert imap.reconcile().missing == ()
    assert world.count(messages) == 3


def test_backfill_stores_a_date_range_once(imap: Imap, world: World) -> None:
    imap.append(numbered(1), at=datetime(2026, 1, 15, 12, tzinfo=UTC))
    imap.append(numbered(2), numbered(3), at=datetime(2026, 2, 10, 12, tzinfo=UTC))
    imap.append(numbered(4), at=datetime(2026, 3, 2, 12, tzinfo=UTC))
    since, until = datetime(2026, 2, 1, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC)

    report = imap.backfill(since, until)
    assert (report.found, report.stored, report.already) == (2, 2, 0)
    assert imap.run_importer().imported == 2
    assert {r.imap_uid for r in raw_rows(world)} == {2, 3}  # type: ignore[attr-defined]

    again = imap.backfill(since, until)
    assert (again.found, again.stored, again.already) == (2, 0, 2)
    assert world.count(messages) == 2

    later = imap.poll()  # polling skips what the backfill stored
    assert (later.stored, later.already) == (2, 2)
    with pytest.raises(ValueError, match="must be after"):
        imap.backfill(until, since)


def _message_file(server: Dovecot, user: str, message_id: str) -> Path:
    for path in server.maildir(user).rglob("*"):
        if path.is_file() and message_id.encode() in path.read_bytes():
            return path
    raise AssertionError(f"no maildir file holds {message_id}")

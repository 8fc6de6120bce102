"""The demo bank: volumes, logins, the audit chain, and the PRODUCT.md scenarios.

A small demo (a tenth of the customers and cases; the teams, agents and scenarios are always
complete) is built once through ``klantenservice demo --no-serve``; one slow test builds the
full default volume through ``build_demo_database`` at a fixed moment.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from klantenservice import cli
from klantenservice.adapters.credentials import Argon2Credentials
from klantenservice.adapters.db.engine import make_engine
from klantenservice.adapters.db.unit_of_work import SqlUnitOfWorkFactory
from klantenservice.adapters.security import fast_hasher
from klantenservice.demo import DemoResult, build_demo_database
from klantenservice.demo.people import ADMIN, AGENT_PASSWORD, AGENTS, SUPERVISOR
from klantenservice.domain.promises import ClockState, PromiseKind
from klantenservice.domain.vocabulary import CaseId, Channel
from klantenservice.services import auth, cases, promises
from klantenservice.services.ports import SYSTEM, UnitOfWorkFactory

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2026, 11, 23, 10, 30, tzinfo=UTC)
CUSTOMER_CHANNELS = {c.value for c in Channel} - {Channel.INTERNAL_NOTE.value}
SCENARIO_EMAILS = {
    "first-trade": "sarah.dewit@example.nl",
    "double-charge": "pieter.jansen@example.nl",
    "kifid-complaint": "ingrid.bakker@example.nl",
    "gdpr-access": "oliver.bennett@example.co.uk",
    "fraud-sunday-0213": "henk.visser@example.nl",
}


class Db:
    """Read-only SQL on a demo file, plus units of work for the services."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.engine = make_engine(f"sqlite:///{path}")
        self.uow: UnitOfWorkFactory = cast(UnitOfWorkFactory, SqlUnitOfWorkFactory(self.engine))

    def __enter__(self) -> Db:
        return self

    def __exit__(self, *exc: object) -> None:
        self.engine.dispose()

    def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        with sqlite3.connect(f"file:{self.path}?mode=ro", uri=True) as connection:
            found = connection.execute(sql, params).fetchall()
        connection.close()
        return found

    def one(self, sql: str, *params: Any) -> Any:
        (value,) = self.rows(sql, *params)[0]
        return value

    def cases_of(self, email: str) -> list[tuple[Any, ...]]:
        return self.rows(
            "SELECT c.id, c.channel, c.status, c.priority, c.category, c.tags, c.created_at "
            "FROM cases c JOIN contact_points p ON p.customer_id = c.customer_id "
            "WHERE p.kind = 'email' AND p.value = ? ORDER BY c.id",
            email,
        )

    def messages_of(self, case_id: int) -> list[tuple[str, str, str, str]]:
        return cast(
            list[tuple[str, str, str, str]],
            self.rows(
                "SELECT channel, direction, body, created_at FROM messages WHERE case_id = ? "
                "ORDER BY created_at, id",
                case_id,
            ),
        )


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Db, str]]:
    path = tmp_path_factory.mktemp("demo") / "var" / "demo.db"
    result = CliRunner().invoke(
        cli.app, ["demo", "--no-serve", "--database", str(path), "--scale", "0.1"]
    )
    assert result.exit_code == 0, result.output
    with Db(path) as db:
        yield db, result.stdout


# --- the small demo, built by the command -------------------------------------------------


def test_the_demo_command_builds_teams_agents_customers_and_cases(small: tuple[Db, str]) -> None:
    db, output = small

    assert db.one("SELECT count(*) FROM teams") == 2
    assert db.one("SELECT count(*) FROM agents") == 10
    assert db.one("SELECT count(*) FROM customers") == 20
    assert db.one("SELECT count(*) FROM cases") >= 100
    assert {r[0] for r in db.rows("SELECT language FROM cases")} == {"nl", "en"}
    assert "audit trail intact" in output
    assert f"KS_DATABASE_URL=sqlite:///{db.path}" in output


def test_the_printed_logins_and_token_work(small: tuple[Db, str]) -> None:
    db, output = small
    credentials = Argon2Credentials()
    for email, password in (
        (ADMIN.email, ADMIN.password),
        (SUPERVISOR.email, SUPERVISOR.password),
        (AGENTS[0].email, AGENT_PASSWORD),
    ):
        assert email in output
        assert password in output
        _, actor = auth.login(
            db.uow(),
            email=email,
            password=password,
            totp_code=None,
            now=NOW,
            credentials=credentials,
            session_hours=1,
        )
        assert actor.kind == "user"
    token = next(line for line in output.splitlines() if line.startswith("ks_"))
    actor = auth.authenticate(db.uow(), token=token, now=NOW, credentials=credentials)
    assert actor.kind == "token"


def test_the_demo_audit_chain_verifies(small: tuple[Db, str]) -> None:
    db, _ = small
    result = CliRunner().invoke(
        cli.app, ["audit", "verify"], env={"KS_DATABASE_URL": f"sqlite:///{db.path}"}
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("audit trail intact")


def test_sarahs_first_trade_is_solved_in_one_chat(small: tuple[Db, str]) -> None:
    db, _ = small
    ((case_id, channel, status, _, category, tags, _),) = db.cases_of(
        SCENARIO_EMAILS["first-trade"]
    )
    messages = db.messages_of(case_id)

    assert (channel, category, status in ("resolved", "closed")) == ("chat", "investments", True)
    assert "first-trade" in tags
    assert {m[0] for m in messages} == {"chat"}  # one contact, one channel
    assert "geverifieerd" in messages[1][2]
    assert "limietorder" in messages[3][2]


def test_the_double_charged_fees_mail_and_the_later_call_share_one_case(
    small: tuple[Db, str],
) -> None:
    db, _ = small
    ((case_id, channel, *_),) = db.cases_of(SCENARIO_EMAILS["double-charge"])
    inbound = [m for m in db.messages_of(case_id) if m[1] == "inbound"]

    assert channel == "email"
    assert [m[0] for m in inbound] == ["email", "phone"]
    assert utc(inbound[1][3]) - utc(inbound[0][3]) >= timedelta(days=2)
    answers = [m for m in db.messages_of(case_id) if m[1] == "outbound"]
    assert answers[-1][0] == "phone"
    assert "e-mail van maandag" in answers[-1][2]


def test_the_kifid_chat_is_a_complaint_and_the_final_answer_names_kifid(
    small: tuple[Db, str],
) -> None:
    db, _ = small
    *earlier, (case_id, channel, _, priority, category, tags, _) = db.cases_of(
        SCENARIO_EMAILS["kifid-complaint"]
    )
    messages = db.messages_of(case_id)

    assert len(earlier) == 2  # "this is the third time I ask"
    assert (channel, category, priority) == ("chat", "complaint", 3)
    assert {"complaint", "kifid"} <= set(json.loads(tags))
    assert "derde keer" in messages[0][2] and "Kifid" in messages[0][2]
    final = [m for m in messages if m[1] == "outbound"][-1]
    assert final[0] == "email" and "Kifid" in final[2]


def test_the_gdpr_access_request_arrives_by_mail(small: tuple[Db, str]) -> None:
    db, _ = small
    ((case_id, channel, _, _, category, tags, _),) = db.cases_of(SCENARIO_EMAILS["gdpr-access"])
    messages = db.messages_of(case_id)

    assert (channel, category) == ("email", "privacy")
    assert "gdpr-access" in tags
    assert "I want to see all data you hold on me" in messages[0][2]
    assert f"KS-{case_id:06d}" in messages[1][2]  # the acknowledgement quotes the reference


def test_the_sunday_night_fraud_report_gets_a_human_within_ten_minutes(
    small: tuple[Db, str],
) -> None:
    db, _ = small
    ((case_id, channel, _, priority, category, _, created),) = db.cases_of(
        SCENARIO_EMAILS["fraud-sunday-0213"]
    )
    local = utc(created).astimezone(AMSTERDAM)
    replies = [m for m in db.messages_of(case_id) if m[1] == "outbound"]

    assert (channel, priority, category) == ("web_form", 5, "fraud")
    assert (local.weekday(), local.hour, local.minute) == (6, 2, 13)
    assert utc(replies[0][3]) - utc(created) < timedelta(minutes=10)
    view = cases.view_case(db.uow(), actor=SYSTEM, case_id=CaseId(case_id), now=NOW)
    first = next(c for c in view.promises.clocks if c.kind is PromiseKind.FIRST_RESPONSE)
    assert (view.promises.calendar, first.state) == ("24/7", ClockState.MET)


def test_rebuilding_replaces_an_earlier_demo(tmp_path: Path) -> None:
    path = tmp_path / "demo.db"
    runner = CliRunner()
    for _ in range(2):
        result = runner.invoke(
            cli.app, ["demo", "--no-serve", "--database", str(path), "--scale", "0.02"]
        )
        assert result.exit_code == 0, result.output
    with Db(path) as db:
        assert db.one("SELECT count(*) FROM customers") == 5  # the scenario customers


def test_the_same_seed_and_moment_give_the_same_demo(tmp_path: Path) -> None:
    dumps = []
    for name in ("a.db", "b.db"):
        build_demo_database(tmp_path / name, now=NOW, seed=7, scale=0.05, hasher=fast_hasher())
        with Db(tmp_path / name) as db:
            dumps.append(
                db.rows(
                    "SELECT case_id, channel, direction, body, created_at FROM messages ORDER BY id"
                )
            )
    assert dumps[0] == dumps[1]
    assert len(dumps[0]) > 100


# --- the full default volume ------------------------------------------------------------------


@pytest.mark.slow
def test_the_full_demo_has_the_promised_volume_and_variety(tmp_path: Path) -> None:
    result = build_demo_database(tmp_path / "demo.db", now=NOW, hasher=fast_hasher())
    with Db(tmp_path / "demo.db") as db:
        _check_full_demo(result, db)


def _check_full_demo(result: DemoResult, db: Db) -> None:
    assert result.audit_ok, result.audit
    counts = result.counts
    assert (counts["teams"], counts["agents"], counts["customers"]) == (2, 10, 200)
    assert counts["cases"] >= 1000
    assert set(result.channels) == CUSTOMER_CHANNELS
    assert set(result.message_channels) == CUSTOMER_CHANNELS | {"internal_note"}
    assert set(result.languages) == {"nl", "en"}
    assert set(result.statuses) == {
        "new",
        "open",
        "pending_customer",
        "pending_internal",
        "resolved",
        "closed",
    }
    kinds = dict(db.rows("SELECT kind, count(*) FROM case_events GROUP BY kind"))
    assert kinds["reopened"] >= 10 and kinds["merged_into"] >= 3
    assert db.one("SELECT count(*) FROM cases WHERE linked_to IS NOT NULL") >= 3
    assert db.one("SELECT count(*) FROM cases WHERE priority = 5") >= 3
    assert {r[0] for r in db.rows("SELECT segment FROM customers")} == {
        "retail",
        "private",
        "business",
    }
    assert db.one("SELECT count(*) FROM customers WHERE vulnerable") >= 3
    created = sorted(utc(r[0]) for r in db.rows("SELECT created_at FROM cases"))
    assert NOW - timedelta(days=62) < created[0] and created[-1] < NOW
    assert set(result.scenarios) == set(SCENARIO_EMAILS)
    states = _first_response_states(db)
    assert 0 < states[ClockState.BREACHED] < states[ClockState.MET] / 3  # most promises kept


def _first_response_states(db: Db) -> Counter[ClockState]:
    """First-response clocks of the demo's first 300 cases, as they stand at NOW."""
    states: Counter[ClockState] = Counter()
    with db.uow(read_only=True) as uow:
        for case_id in range(1, 301):
            case = uow.cases.get(CaseId(case_id))
            assert case is not None
            status = promises.evaluate(uow, case, NOW)
            states.update(c.state for c in status.clocks if c.kind is PromiseKind.FIRST_RESPONSE)
    return states

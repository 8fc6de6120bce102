"""The ``klantenservice`` command: install, serve, demo, audit, tokens and staff accounts.

    klantenservice init [--admin-email E] [--admin-name N] [--no-admin]
    klantenservice serve [--host H] [--port P] [--workers N]
    klantenservice demo [--port P] [--database PATH] [--no-serve] [--seed N]
    klantenservice audit verify [--anchor SEQ:HASH]
    klantenservice audit show [--subject TYPE:ID] [--action A] [--actor A] [--limit N]
    klantenservice token create NAME [--role integration]
    klantenservice user create EMAIL --name N --role agent [--role ...] [--language nl ...]
    klantenservice ivr lint [FILE] [--offline]

Commands act as the system actor: whoever runs them already holds the database. Settings come
from ``KS_`` environment variables (``settings.py``); errors are one line on stderr
(``cli_support.py``). Docs: docs/subsystems/cli.md.
"""

from __future__ import annotations

import importlib.util
import os
from collections import deque
from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from rich.console import Console
from rich.table import Table

import klantenservice.cli_mail_imap  # noqa: F401  (registers mail poll, reconcile, backfill)
from klantenservice.adapters.credentials import Argon2Credentials
from klantenservice.adapters.db.schema import upgrade_to_head
from klantenservice.cli_mail import mail_app, run_mail_server
from klantenservice.cli_support import (
    USAGE_EXIT,
    ErrorReportingGroup,
    check_database,
    fail,
    interactive,
    is_demo_database,
    load_settings,
    mask,
    obtain_password,
    open_store,
    parse_anchor,
    prepare_sqlite_directory,
    use_database,
    utc_now,
)
from klantenservice.cli_voice import ivr_app
from klantenservice.cli_worker import run_worker
from klantenservice.demo.data import (
    DEFAULT_SEED,
    SCENARIOS,
    DemoResult,
    build_demo_database,
)
from klantenservice.demo.data import (
    TOKEN_NAME as DEMO_TOKEN,
)
from klantenservice.demo.people import ADMIN as DEMO_ADMIN
from klantenservice.demo.standard import GENERAL_QUEUE, seed_standard_configuration
from klantenservice.domain.agents import Agent
from klantenservice.domain.audit import AuditRecord, verify_chain
from klantenservice.domain.customers import normalise_email
from klantenservice.domain.vocabulary import QueueId, Role
from klantenservice.services import audit, auth
from klantenservice.services.ports import SYSTEM, UnitOfWorkFactory
from klantenservice.settings import get_settings

APP_FACTORY = "klantenservice.web.app:create_app"
DEMO_HOST = "127.0.0.1"

app = typer.Typer(
    name="klantenservice",
    help="Klantenservice: customer service for financial institutions.",
    cls=ErrorReportingGroup,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)
audit_app = typer.Typer(help="Verify and read the hash-chained audit trail.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens for integrations.", no_args_is_help=True)
user_app = typer.Typer(help="Staff accounts.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")
app.add_typer(token_app, name="token")
app.add_typer(user_app, name="user")
app.add_typer(ivr_app, name="ivr")
app.command("worker")(run_worker)
app.command("mail-server")(run_mail_server)
app.add_typer(mail_app, name="mail")
out = Console(highlight=False, markup=False, soft_wrap=True)


def main() -> None:
    """Console-script entry point (``klantenservice``, ``python -m klantenservice``)."""
    app()


# --- init and serve -----------------------------------------------------------------------


@app.command()
def init(
    admin_email: Annotated[
        str | None, typer.Option(help="E-mail of the first administrator.")
    ] = None,
    admin_name: Annotated[str, typer.Option(help="Name of the first administrator.")] = (
        "Administrator"
    ),
    no_admin: Annotated[bool, typer.Option("--no-admin", help="Create no account.")] = False,
) -> None:
    """Create or upgrade the database, seed the standard configuration, add the first admin.

    Safe to run again: migrations run to the newest schema, only missing configuration is
    added, and no second administrator is made. The password comes from KS_ADMIN_PASSWORD,
    is asked for (interactive), or is generated and printed once.
    """
    settings = load_settings()
    url = settings.database_url
    use_database(url)
    prepare_sqlite_directory(url)
    upgrade_to_head(url)
    out.print(f"database {mask(url)} is at the newest schema")
    with open_store(settings) as factory:
        created = seed_standard_configuration(
            factory,
            now=utc_now(),
            timezone=settings.timezone,
            holiday_country=settings.holiday_country,
            holiday_subdivision=settings.holiday_subdivision,
        )
        summary = f"added {len(created)} items" if created else "already complete"
        out.print(f"standard configuration: {summary}")
        if not no_admin:
            _first_admin(factory, admin_email, admin_name)


def _first_admin(factory: UnitOfWorkFactory, email: str | None, name: str) -> None:
    with factory(read_only=True) as uow:
        admins = [u.email for u in uow.staff.users() if Role.ADMIN in u.roles and u.active]
    if admins:
        out.print(f"administrator already present ({admins[0]}); add more with `user create`")
        return
    if email is None:
        if not interactive():
            fail("pass --admin-email for the first administrator (or --no-admin)", USAGE_EXIT)
        email = str(typer.prompt("E-mail address of the first administrator"))
    _create_user(
        factory,
        normalise_email(email),
        name,
        frozenset({Role.ADMIN}),
        None,
        env_var="KS_ADMIN_PASSWORD",
    )


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Processes; >1 needs PostgreSQL.")] = 1,
) -> None:
    """Serve the web application and API (uvicorn with uvloop and httptools)."""
    settings = load_settings()
    if settings.is_sqlite and workers > 1:
        fail(
            "SQLite allows one writing process: serve with --workers 1, or set "
            "KS_DATABASE_URL to PostgreSQL to run several workers",
            USAGE_EXIT,
        )
    check_database(settings)  # refuse early: a missing or outdated database
    _run_server(host, port, workers)


def _run_server(host: str, port: int, workers: int) -> None:
    if importlib.util.find_spec("klantenservice.web.app") is None:
        fail("this installation has no web application (klantenservice.web.app)")
    get_settings.cache_clear()  # the app reads the environment as it is now
    uvicorn.run(
        APP_FACTORY,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        loop="uvloop",
        http="httptools",
        # live streams (SSE) never end by themselves: do not wait for them on shutdown forever
        timeout_graceful_shutdown=5,
    )


# --- demo ---------------------------------------------------------------------------------


@app.command()
def demo(
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    database: Annotated[Path, typer.Option(help="SQLite file, recreated.")] = Path("var/demo.db"),
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Build only.")] = False,
    seed: Annotated[int, typer.Option(help="Same seed, same data.")] = DEFAULT_SEED,
    scale: Annotated[float, typer.Option(hidden=True, min=0.01, max=1.0)] = 1.0,
) -> None:
    """Build a demo bank (two months of cases, 200 customers, 10 agents) and serve it."""
    if not no_serve:
        load_settings()  # the other KS_ settings must be valid for the app to start
    if not is_demo_database(database, admin_email=DEMO_ADMIN.email, token_name=DEMO_TOKEN):
        fail(f"{database} exists and is not a demo database; choose another --database")
    out.print(f"building the demo database {database} ...")
    result = build_demo_database(database, now=utc_now(), seed=seed, scale=scale)
    _print_demo(result, port, serving=not no_serve)
    if not no_serve:
        os.environ["KS_DATABASE_URL"] = result.url
        os.environ.setdefault("KS_PORTAL_DEMO_SIGN_IN", "true")  # the portal's stand-in bank
        os.environ.setdefault("KS_EMERGENCY_RESERVED_AGENTS", "1")  # one fraud agent kept free
        os.environ.setdefault("KS_CORE_BANKING", "demo")  # card blocks: the demo's stand-in
        _run_server(DEMO_HOST, port, 1)


def _print_demo(result: DemoResult, port: int, *, serving: bool) -> None:
    counts = result.counts
    out.print(
        f"built in {result.seconds:.1f} s: {counts['customers']} customers, "
        f"{counts['cases']} cases, {counts['messages']} messages, {counts['agents']} agents "
        f"in {counts['teams']} teams"
    )
    out.print("cases per channel: " + ", ".join(f"{k} {v}" for k, v in result.channels.items()))
    out.print(result.audit)
    logins = Table("role", "e-mail", "password", title="Demo logins")
    for login in result.logins:
        logins.add_row(", ".join(sorted(login.roles)), login.email, login.password)
    out.print(logins)
    out.print("(every agent, e.g. daan@bank.example, has the agent password)")
    scenarios = Table("case", "scenario (PRODUCT.md)", title="Scenarios")
    for name, reference in result.scenarios.items():
        scenarios.add_row(reference, SCENARIOS[name])
    out.print(scenarios)
    out.print("integration API token (Authorization: Bearer ...):")
    typer.echo(result.api_token)
    if serving:
        base = f"http://{DEMO_HOST}:{port}"
        out.print(f"agent desk: {base}/desk/  (supervisor view: {base}/desk/supervisor)")
        out.print(f"chat widget on the demo bank's page: {base}/demo/bank")
        out.print(
            f"customer portal: {base}/portal/  (sign in through the demo "
            "bank: pick a customer and how the bank verified them)"
        )
        out.print(f"API docs: {base}/docs  (Ctrl+C stops the server)")
    else:
        out.print(
            f"serve it: KS_DATABASE_URL={result.url} KS_PORTAL_DEMO_SIGN_IN=true "
            f"klantenservice serve --port {port}  (customer portal: /portal/)"
        )


# --- audit ----------------------------------------------------------------------------------


@audit_app.command("verify")
def audit_verify(
    anchor: Annotated[
        str | None, typer.Option(help="SEQ:HASH of a head printed earlier and kept elsewhere.")
    ] = None,
) -> None:
    """Check the hash chain; exit 0 when intact, 1 at the first broken record.

    With --anchor, also report a trail rewritten or cut short after that head was printed.
    """
    expected = parse_anchor(anchor) if anchor is not None else None
    with open_store(load_settings()) as factory:
        if expected is None:
            verdict = audit.verify_audit_chain(factory(read_only=True), actor=SYSTEM)
        else:  # the service takes no anchor yet: the same walk, with the anchor
            with factory(read_only=True) as uow:
                verdict = verify_chain(uow.audit.iterate(), anchor=expected)
    typer.echo(verdict.summary())
    raise typer.Exit(0 if verdict.ok else 1)


@audit_app.command("show")
def audit_show(
    subject: Annotated[
        str | None, typer.Option(help="TYPE:ID, e.g. customer:12 or case:7.")
    ] = None,
    action: Annotated[str | None, typer.Option(help="e.g. customer.viewed")] = None,
    actor: Annotated[str | None, typer.Option(help="e.g. user:3, token:1, system")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 20,
) -> None:
    """The newest audit records (oldest first, times in UTC), filtered by subject, action or
    actor: seq, time, actor, action, subject, details."""
    subject_type = subject_id = None
    if subject is not None:
        subject_type, _, subject_id = subject.partition(":")
        if not subject_type or not subject_id:
            fail("--subject takes TYPE:ID, e.g. customer:12", USAGE_EXIT)
    newest: deque[AuditRecord] = deque(maxlen=limit)
    after: int | None = 0
    with open_store(load_settings()) as factory:
        while after is not None:
            page = audit.query_audit(
                factory(read_only=True),
                actor=SYSTEM,
                after=after,
                limit=1000,
                subject_type=subject_type,
                subject_id=subject_id,
                actor_label=actor,
                action=action,
            )
            newest.extend(page.items)
            after = page.next_after
    for record in newest:
        details = " ".join(f"{k}={v}" for k, v in record.details.items())
        subject_label = f"{record.subject_type}:{record.subject_id}"
        typer.echo(
            f"{record.seq:>7}  {record.at:%Y-%m-%d %H:%M:%S}  {record.actor:<9} "
            f"{record.action:<26} {subject_label:<24} {details}".rstrip()
        )


# --- tokens and users ------------------------------------------------------------------------


@token_app.command("create")
def token_create(
    name: Annotated[str, typer.Argument(help="What the token is for, e.g. 'mail gateway'.")],
    role: Annotated[list[Role] | None, typer.Option(help="Repeatable.")] = None,
) -> None:
    """Create an API token; it is printed once and stored only as a digest."""
    roles = frozenset(role or [Role.INTEGRATION])
    with open_store(load_settings()) as factory:
        token_id, token = auth.create_api_token(
            factory(),
            actor=SYSTEM,
            name=name,
            roles=roles,
            now=utc_now(),
            credentials=Argon2Credentials(),
        )
    out.print(f"token {token_id} '{name}' ({', '.join(sorted(roles))}); shown once, store it now:")
    typer.echo(token)


@user_app.command("create")
def user_create(
    email: Annotated[str, typer.Argument(help="Login e-mail address.")],
    name: Annotated[str, typer.Option(help="Full name.")],
    role: Annotated[list[Role], typer.Option(help="Repeatable, e.g. --role agent.")],
    language: Annotated[list[str] | None, typer.Option(help="Agents: nl, en (repeat).")] = None,
    skill: Annotated[list[str] | None, typer.Option(help="Agents: e.g. cards (repeat).")] = None,
    queue: Annotated[list[str] | None, typer.Option(help="Agents: queue names.")] = None,
) -> None:
    """Create a staff account (with an agent profile for --role agent).

    The password comes from KS_USER_PASSWORD, is asked for, or is generated and printed once.
    """
    address = normalise_email(email)
    with open_store(load_settings()) as factory:
        agent = None
        if Role.AGENT in role:
            agent = _agent_profile(factory, name, language or ["nl"], skill or [], queue)
        _create_user(factory, address, name, frozenset(role), agent, env_var="KS_USER_PASSWORD")


def _agent_profile(
    factory: UnitOfWorkFactory,
    name: str,
    languages: list[str],
    skills: list[str],
    queues: list[str] | None,
) -> Agent:
    with factory(read_only=True) as uow:
        known = uow.directory.skills()
        by_name = {q.name: q.id for q in uow.directory.queues() if q.id is not None}
    unknown = sorted(set(languages + skills) - set(known)) if known else []
    if unknown:
        fail(f"unknown skills {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    wanted = queues if queues is not None else [q for q in (GENERAL_QUEUE,) if q in by_name]
    missing = [q for q in wanted if q not in by_name]
    if missing:
        fail(f"no queue named {', '.join(missing)}; queues: {', '.join(sorted(by_name))}")
    queue_ids = frozenset(QueueId(by_name[q]) for q in wanted)
    return Agent(
        None,
        None,
        name,
        languages=frozenset(languages),
        skills=frozenset(skills),
        queue_ids=queue_ids,
    )


def _create_user(
    factory: UnitOfWorkFactory,
    email: str,
    name: str,
    roles: frozenset[Role],
    agent: Agent | None,
    *,
    env_var: str,
) -> None:
    password, generated = obtain_password(env_var, account=email)
    user = auth.create_staff_user(
        factory(),
        actor=SYSTEM,
        email=email,
        name=name,
        password=password,
        roles=roles,
        now=utc_now(),
        credentials=Argon2Credentials(),
        agent=agent,
    )
    profile = " with an agent profile" if agent is not None else ""
    out.print(f"created {', '.join(sorted(user.roles))} account {user.email}{profile}")
    if generated:
        out.print("generated password (shown once; change it after the first login):")
        typer.echo(password)

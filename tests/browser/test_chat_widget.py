"""The chat widget in a real browser: a customer on the demo bank's page chats with an agent
on the desk (two browser contexts), the widget passes axe, and a cut connection loses and
doubles nothing.

The customer's context has its own storage (the chat's token lives in the iframe's
sessionStorage); the agent works in a second context, signed in to the desk, and answers
with the case page's reply form (test a) or the API (test b, where the test must reply at
an exact moment). The socket is cut with Playwright's WebSocket routing: the test closes
both ends and refuses reconnections until the agent has answered.
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest
from axe_playwright_python.base import AXE_SCRIPT  # type: ignore[import-untyped]
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Frame,
    FrameLocator,
    Page,
    WebSocketRoute,
    expect,
)
from tests.browser.conftest import _listening_socket, _wait_until_up
from tests.browser.seed import seed, system_now
from tests.browser.support import AXE_TAGS, SERIOUS, Server, assert_accessible, screenshot, sign_in

AGENT = "daan@bank.example"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server of its own (same seed, same settings as ``conftest.server``): the chats these
    tests start are cases in the queue, which must not change what the desk tests count."""
    workdir = tmp_path_factory.mktemp("chat-server")
    database_url = f"sqlite:///{workdir / 'chat.db'}"
    seeded = seed(database_url, system_now())
    sock = _listening_socket()
    env = {
        **os.environ,
        "KS_DATABASE_URL": database_url,
        "KS_ENVIRONMENT": "test",
        "KS_SECRET_KEY": secrets.token_urlsafe(32),
        "KS_AUTO_ASSIGN": "false",
        "KS_CHAT_START_BURST": "100",  # every test's customer starts from 127.0.0.1
    }
    log = workdir / "server.log"
    command = [
        sys.executable, "-m", "uvicorn", "klantenservice.web.app:create_app", "--factory",
        "--fd", str(sock.fileno()), "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, env=env, stdout=output, stderr=subprocess.STDOUT, pass_fds=[sock.fileno()]
        )
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    sock.close()
    try:
        _wait_until_up(url, log)
        yield Server(url, seeded, log)
    finally:
        process.terminate()
        process.wait(timeout=10)


REFERENCE = re.compile(r"KS-(\d+)")


def new_context(browser: Browser, server: Server, locale: str = "nl-NL") -> BrowserContext:
    context = browser.new_context(
        base_url=server.url,
        locale=locale,
        timezone_id="Europe/Amsterdam",
        viewport={"width": 1280, "height": 860},
    )
    context.set_default_timeout(10_000)
    return context


@pytest.fixture
def customer(browser: Browser, server: Server) -> Iterator[Page]:
    context = new_context(browser, server)
    yield context.new_page()
    context.close()


@pytest.fixture
def agent(browser: Browser, server: Server) -> Iterator[Page]:
    context = new_context(browser, server)
    yield context.new_page()
    context.close()


def widget(page: Page) -> FrameLocator:
    return page.frame_locator("iframe[data-klantenservice-chat]")


def widget_frame(page: Page) -> Frame:
    frame = page.frame(url=re.compile(r"/chat/"))
    assert frame is not None
    return frame


def assert_frame_accessible(frame: Frame) -> None:
    """``support.assert_accessible`` for the widget's own document inside its iframe."""
    frame.evaluate(AXE_SCRIPT)
    options = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
    results = frame.evaluate("options => axe.run(document, options)", options)
    serious = [v for v in results["violations"] if v.get("impact") in SERIOUS]
    assert serious == [], [(v["id"], v["help"], v["nodes"][0]["target"]) for v in serious]


def start_chat(page: Page, name: str) -> int:
    """Open the demo bank, open the widget, start a chat; the case id from the reference."""
    page.goto("/demo/bank")
    chat = widget(page)
    chat.get_by_role("button", name="Chat met ons").click()
    chat.get_by_label("Je naam (niet verplicht)").fill(name)
    chat.get_by_role("button", name="Chat starten").click()
    reference = chat.locator("#ks-reference")
    expect(reference).to_contain_text("KS-")
    found = REFERENCE.search(reference.inner_text())
    assert found is not None
    return int(found.group(1))


def write(page: Page, text: str) -> None:
    box = widget(page).get_by_label("Je bericht")
    box.fill(text)
    box.press("Enter")


def log_texts(page: Page) -> list[str]:
    return widget(page).locator("#ks-log li .text").all_inner_texts()


def test_a_customer_and_an_agent_chat_both_ways_through_widget_and_desk(
    customer: Page, agent: Page, server: Server
) -> None:
    customer.goto("/demo/bank")
    assert_accessible(customer)  # the bank's page with the widget's launcher in it
    case_id = start_chat(customer, "Sarah")
    chat = widget(customer)
    write(customer, "Hallo, mijn eerste order geeft een foutmelding.")
    expect(chat.locator("#ks-log li.from-customer")).to_have_count(1)
    expect(chat.get_by_role("status").first).to_contain_text("in de wachtrij")

    sign_in(agent, server, AGENT)
    agent.goto(f"/desk/cases/{case_id}")
    expect(agent.get_by_text("Hallo, mijn eerste order geeft een foutmelding.")).to_be_visible()
    agent.get_by_label(re.compile(r"^(Antwoord|Reply)$")).fill("Dag Sarah, ik kijk met je mee.")
    agent.get_by_role("button", name=re.compile(r"Verstuur antwoord|Send reply")).click()

    reply = chat.locator("#ks-log li.from-agent")
    expect(reply).to_have_count(1)
    expect(reply).to_contain_text("Dag Sarah, ik kijk met je mee.")
    expect(reply.locator(".who")).to_have_text("Medewerker")

    write(customer, "<script>alert('x')</script> Dank je!")
    expect(chat.locator("#ks-log li.from-customer")).to_have_count(2)
    expect(chat.locator("#ks-log li.from-customer").nth(1)).to_contain_text("<script>")
    agent.reload()
    expect(agent.get_by_text("<script>alert('x')</script> Dank je!")).to_be_visible()

    assert log_texts(customer) == [
        "Hallo, mijn eerste order geeft een foutmelding.",
        "Dag Sarah, ik kijk met je mee.",
        "<script>alert('x')</script> Dank je!",
    ]
    assert_frame_accessible(widget_frame(customer))
    screenshot(customer, "widget")


def test_the_widget_works_by_keyboard_and_speaks_english_when_asked(
    customer: Page, server: Server
) -> None:
    customer.goto("/demo/bank?lang=en")
    chat = widget(customer)
    launcher = chat.get_by_role("button", name="Chat with us")
    launcher.focus()
    customer.keyboard.press("Enter")
    expect(chat.get_by_label("Your name (optional)")).to_be_focused()
    assert_frame_accessible(widget_frame(customer))  # the open panel, start form
    customer.keyboard.press("Escape")
    expect(launcher).to_be_focused()
    expect(launcher).to_have_attribute("aria-expanded", "false")
    customer.keyboard.press("Enter")
    chat.get_by_role("link", name="Nederlands").click()
    expect(
        widget(customer).get_by_role("heading", name="Chat met de klantenservice")
    ).to_be_visible()


def test_an_oversized_message_shows_an_error_in_the_widget_and_is_not_kept(
    customer: Page, server: Server
) -> None:
    start_chat(customer, "")
    write(customer, "x" * 2001)
    chat = widget(customer)
    expect(chat.get_by_role("alert")).to_have_text("Je bericht is te lang: maximaal 2000 tekens.")
    expect(chat.locator("#ks-log li")).to_have_count(0)
    expect(chat.get_by_label("Je bericht")).to_have_value("x" * 2001)  # given back to edit


def api_reply(server: Server, token: str, case_id: int, body: str) -> None:
    response = httpx.post(
        f"{server.url}/api/v1/cases/{case_id}/replies",
        headers={"Authorization": f"Bearer {token}"},
        json={"body": body},
    )
    assert response.status_code == 201, response.text


def agent_token(server: Server) -> str:
    response = httpx.post(
        f"{server.url}/api/v1/auth/login", json={"email": AGENT, "password": server.password}
    )
    assert response.status_code == 200, response.text
    token: str = response.json()["token"]
    return token


def test_a_cut_connection_loses_nothing_and_shows_every_message_once_in_order(
    customer: Page, server: Server
) -> None:
    sockets: list[tuple[WebSocketRoute, WebSocketRoute]] = []
    cut = {"now": False}

    def route(ws: WebSocketRoute) -> None:
        if cut["now"]:
            ws.close(code=4000, reason="cut by the test")
            return
        sockets.append((ws, ws.connect_to_server()))

    customer.context.route_web_socket(re.compile(r"/chat/socket$"), route)
    token = agent_token(server)
    case_id = start_chat(customer, "Piet")
    chat = widget(customer)
    write(customer, "Eerste vraag")
    expect(chat.locator("#ks-log li[data-id]")).to_have_count(1)
    api_reply(server, token, case_id, "Antwoord een")
    expect(chat.locator("#ks-log li.from-agent")).to_have_count(1)

    cut["now"] = True
    for page_side, server_side in sockets:
        page_side.close(code=4000, reason="cut")
        server_side.close(code=4000, reason="cut")
    expect(chat.locator("#ks-connection")).to_contain_text("verbroken")
    api_reply(server, token, case_id, "Antwoord twee")  # while the customer is cut off
    write(customer, "Tweede vraag, tijdens de storing")  # waits, unconfirmed
    api_reply(server, token, case_id, "Antwoord drie")
    cut["now"] = False

    expect(chat.locator("#ks-log li[data-id]")).to_have_count(5)
    # the customer's message was stored when the socket came back: after both replies
    assert log_texts(customer) == [
        "Eerste vraag",
        "Antwoord een",
        "Antwoord twee",
        "Antwoord drie",
        "Tweede vraag, tijdens de storing",
    ]
    ids = [int(i) for i in chat.locator("#ks-log li").evaluate_all(
        "items => items.map(item => item.getAttribute('data-id'))"
    )]  # fmt: skip
    assert ids == sorted(ids) and len(set(ids)) == 5
    assert len(sockets) >= 2  # it did reconnect

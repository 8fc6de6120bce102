"""Chat use cases: start, token, idempotent messages, replay without notes, a person, queue."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select
from tests.services.world import T0, World, build_world

from klantenservice.adapters.credentials import Argon2Credentials
from klantenservice.adapters.db.tables import cases, chat_sessions, chat_transcripts, customers
from klantenservice.adapters.db.tables import messages as messages_table
from klantenservice.adapters.security import fast_hasher
from klantenservice.domain.cases import CaseStatus
from klantenservice.domain.errors import AuthenticationFailed, ValidationError
from klantenservice.domain.routing import RoutingPolicy
from klantenservice.domain.vocabulary import CaseId, Channel, Language, Priority, Role
from klantenservice.services import cases as case_service
from klantenservice.services import chat
from klantenservice.services import messages as message_service
from klantenservice.services.chat_queue import ChatState, queue_statuses
from klantenservice.services.chat_transcript import (
    mark_sent,
    request_transcript,
    transcript_to_send,
)
from klantenservice.services.inbound import IntakeOptions, IntakeResult, receive_batch

CREDENTIALS = Argon2Credentials(fast_hasher())
LIFETIME = timedelta(hours=12)
PER_PLACE = timedelta(minutes=2)
NO_ROUTING = IntakeOptions(auto_assign=False)


@pytest.fixture
def world(database_url: str) -> Iterator[World]:
    built = build_world(database_url)
    yield built
    built.close()


def start(world: World, **fields: object) -> chat.StartedChat:
    return chat.start_chat(
        world.uow(),
        start=chat.ChatStart(**fields),  # type: ignore[arg-type]
        now=T0,
        credentials=CREDENTIALS,
        lifetime=LIFETIME,
        queue_name="general",
    )


def say(
    world: World,
    started: chat.StartedChat,
    body: str,
    client_id: str = "client-0001",
    options: IntakeOptions = NO_ROUTING,
) -> IntakeResult:
    request = chat.chat_inbound(started.chat, client_id=client_id, body=body)
    (outcome,) = receive_batch(world.uow, [request], now=T0, options=options)
    assert isinstance(outcome, IntakeResult), outcome
    return outcome


def test_starting_an_anonymous_chat_creates_a_customer_a_chat_case_and_a_hashed_token(
    world: World,
) -> None:
    started = start(world)
    with world.read() as connection:
        row = connection.execute(select(chat_sessions)).one()
        case = connection.execute(select(cases).where(cases.c.id == row.case_id)).one()
        customer = connection.execute(select(customers)).one()
    assert row.token_digest == CREDENTIALS.digest(started.token) != started.token
    assert (case.channel, case.status, case.queue_id) == ("chat", "new", world.queue_id)
    assert customer.name == "" and row.customer_id == customer.id
    assert started.reference == f"KS-{row.case_id:06d}"
    assert row.start_position == 1
    assert world.audit_actions()[-3:] == ["customer.created", "case.created", "chat.started"]
    assert world.outbox_topics()[-1] == "case.created"


def test_a_chat_with_a_known_e_mail_address_is_matched_and_marked_unverified(
    world: World,
) -> None:
    known = world.receive(email="jan@example.nl")
    started = start(world, name="Jan", email="JAN@example.nl", language=Language.EN)
    assert started.chat.customer_id == known.customer_id
    assert world.count(customers) == 1
    with world.read() as connection:
        case = connection.execute(select(cases).where(cases.c.id == started.chat.case_id)).one()
    assert case.tags == [chat.UNVERIFIED_TAG]
    assert case.language == "en"


def test_a_bad_e_mail_address_or_a_long_name_starts_nothing(world: World) -> None:
    with pytest.raises(ValidationError, match="e-mail"):
        start(world, email="not an address")
    with pytest.raises(ValidationError, match="name"):
        start(world, name="x" * 101)
    assert world.count(chat_sessions) == 0
    assert world.count(customers) == 0


def test_the_token_opens_its_chat_and_a_forged_or_expired_token_is_refused(
    world: World,
) -> None:
    started = start(world)
    found = chat.authenticate_chat(
        world.uow(), token=started.token, now=T0, credentials=CREDENTIALS
    )
    assert found == started.chat
    with pytest.raises(AuthenticationFailed, match="unknown"):
        chat.authenticate_chat(
            world.uow(), token=started.token + "x", now=T0, credentials=CREDENTIALS
        )
    with pytest.raises(AuthenticationFailed, match="expired"):
        chat.authenticate_chat(
            world.uow(), token=started.token, now=T0 + LIFETIME, credentials=CREDENTIALS
        )


def test_a_message_sent_twice_with_the_same_client_id_is_stored_once(world: World) -> None:
    started = start(world)
    first = say(world, started, "Mijn pas doet het niet", client_id="resend-0001")
    again = say(world, started, "Mijn pas doet het niet", client_id="resend-0001")
    assert (first.duplicate, again.duplicate) == (False, True)
    assert again.message_id == first.message_id
    assert first.case_id == started.chat.case_id
    assert world.count(messages_table) == 1


def test_a_matched_customers_chat_message_stays_in_the_chat_case_not_their_other_case(
    world: World,
) -> None:
    email_case = world.receive(email="jan@example.nl")
    started = start(world, email="jan@example.nl")
    result = say(world, started, "Over mijn e-mail van gisteren")
    assert result.case_id == started.chat.case_id != email_case.case_id


def test_an_oversized_message_is_refused_before_anything_is_stored(world: World) -> None:
    started = start(world)
    with pytest.raises(ValidationError, match="at most 2000"):
        chat.chat_inbound(started.chat, client_id="toolong-01", body="x" * 2001)
    assert world.count(messages_table) == 0


def test_the_customer_sees_replies_and_own_messages_after_an_id_but_never_notes(
    world: World,
) -> None:
    started = start(world)
    case_id = started.chat.case_id
    world.add_agent("anna")
    anna = world.agent_actor("anna")
    mine = say(world, started, "<script>alert(1)</script>", client_id="client-aaaa")
    message_service.add_note(
        world.uow(), actor=anna, case_id=case_id, body="Klant lijkt geïrriteerd", now=T0
    )
    reply = message_service.reply_to_case(
        world.uow(), actor=anna, case_id=case_id, body="Waarmee kan ik helpen?", now=T0
    )
    lines = chat.visible_messages(world.uow(), chat=started.chat, after=0)
    assert [(line.author, line.body, line.client_id) for line in lines] == [
        ("customer", "<script>alert(1)</script>", "client-aaaa"),
        ("agent", "Waarmee kan ik helpen?", None),
    ]
    after_mine = chat.visible_messages(world.uow(), chat=started.chat, after=mine.message_id)
    assert [line.id for line in after_mine] == [reply.id]


def test_asking_for_a_person_tags_the_case_audits_it_and_routes_it_to_an_available_agent(
    world: World,
) -> None:
    started = start(world)
    say(world, started, "Ik wil een mens spreken")
    world.add_agent("anna")
    asked = chat.request_human(
        world.uow(), chat=started.chat, now=T0, policy=RoutingPolicy(), auto_assign=True
    )
    assert asked is True
    with world.read() as connection:
        case = connection.execute(select(cases).where(cases.c.id == started.chat.case_id)).one()
        row = connection.execute(select(chat_sessions)).one()
    assert chat.HUMAN_REQUESTED_TAG in case.tags
    assert case.assignee_id == world.agents["anna"]
    assert row.human_requested_at == T0
    assert "chat.human_requested" in world.audit_actions()
    assert "chat.human_requested" in world.outbox_topics()
    again = chat.request_human(
        world.uow(), chat=started.chat, now=T0, policy=RoutingPolicy(), auto_assign=True
    )
    assert again is False


def test_the_queue_position_follows_routing_order_and_the_wait_uses_the_estimate(
    world: World,
) -> None:
    older = world.receive(email="a@example.nl", at=T0 - timedelta(minutes=5), options=NO_ROUTING)
    urgent = world.receive(
        email="b@example.nl", at=T0 + timedelta(minutes=5), priority=Priority.URGENT,
        options=NO_ROUTING,
    )  # fmt: skip
    started = start(world)
    world.receive(email="c@example.nl", at=T0 + timedelta(minutes=1), options=NO_ROUTING)
    (status,) = queue_statuses(world.uow(), [started.chat], now=T0, per_place=PER_PLACE).values()
    assert (status.state, status.position) == (ChatState.WAITING, 3)  # after older and urgent
    assert status.wait == 3 * PER_PLACE
    assert {older.case_id, urgent.case_id}.isdisjoint({started.chat.case_id})
    world.add_agent("anna")
    case_service.assign_case(
        world.uow(), actor=world.agent_actor("anna", Role.SUPERVISOR),
        case_id=started.chat.case_id, agent_id=world.agents["anna"], now=T0,
    )  # fmt: skip
    (status,) = queue_statuses(world.uow(), [started.chat], now=T0, per_place=PER_PLACE).values()
    assert status.state is ChatState.WITH_AGENT


def test_the_wait_estimate_learns_from_recently_answered_chats(world: World) -> None:
    world.add_agent("anna")
    anna = world.agent_actor("anna")
    for minutes in (1, 2, 3):  # three chats answered 1, 2 and 3 minutes after starting
        answered = start(world)
        message_service.reply_to_case(
            world.uow(), actor=anna, case_id=answered.chat.case_id, body="Hallo",
            now=T0 + timedelta(minutes=minutes),
        )  # fmt: skip
        case_service.change_status(
            world.uow(), actor=anna, case_id=answered.chat.case_id, status=CaseStatus.RESOLVED,
            now=T0 + timedelta(minutes=minutes),
        )  # fmt: skip
    waiting = start(world)
    (status,) = queue_statuses(world.uow(), [waiting.chat], now=T0, per_place=PER_PLACE).values()
    assert status.position == 1
    assert status.wait == timedelta(minutes=2)  # the median, not the configured estimate


def test_a_message_on_a_closed_chat_case_opens_a_linked_case_and_the_chat_follows(
    world: World,
) -> None:
    started = start(world)
    world.add_agent("anna")
    anna = world.agent_actor("anna")
    for status in (CaseStatus.RESOLVED, CaseStatus.CLOSED):
        case_service.change_status(
            world.uow(), actor=anna, case_id=started.chat.case_id, status=status, now=T0
        )
    result = say(world, started, "Nog een vraag")
    assert result.case_id != started.chat.case_id
    chat.follow_case(world.uow(), chat=started.chat, case_id=CaseId(result.case_id), now=T0)
    moved = chat.current_chat(world.uow(), started.chat.id)
    assert moved.case_id == result.case_id
    assert [line.body for line in chat.visible_messages(world.uow(), chat=moved, after=0)] == [
        "Nog een vraag"
    ]


def test_a_transcript_request_holds_only_what_the_customer_saw_and_is_sent_once(
    world: World,
) -> None:
    started = start(world)
    world.add_agent("anna")
    anna = world.agent_actor("anna")
    say(world, started, "Kunt u mij helpen?")
    message_service.add_note(
        world.uow(), actor=anna, case_id=started.chat.case_id, body="GEHEIM", now=T0
    )
    message_service.reply_to_case(
        world.uow(), actor=anna, case_id=started.chat.case_id, body="Zeker.", now=T0
    )
    transcript_id = request_transcript(
        world.uow(), chat=started.chat, email="Jan@Example.nl", language=Language.NL, now=T0
    )
    assert world.outbox_topics()[-1] == "chat.transcript_requested"
    transcript = transcript_to_send(world.uow(), transcript_id)
    assert transcript is not None
    assert transcript.email == "jan@example.nl"
    assert [line.body for line in transcript.lines] == ["Kunt u mij helpen?", "Zeker."]
    mark_sent(world.uow(), transcript_id=transcript_id, now=T0)
    assert transcript_to_send(world.uow(), transcript_id) is None
    with pytest.raises(ValidationError):
        request_transcript(
            world.uow(), chat=started.chat, email="nope", language=Language.NL, now=T0
        )
    assert world.count(chat_transcripts) == 1


def test_the_chat_channel_is_the_case_channel(world: World) -> None:
    started = start(world)
    say(world, started, "Hallo")
    with world.read() as connection:
        channels = connection.execute(select(messages_table.c.channel)).scalars().all()
    assert channels == [Channel.CHAT.value]

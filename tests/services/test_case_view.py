"""The case page read: timeline across merged and earlier cases, clocks explained, templates
filled in, what the actor may do, and one audit row per read."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from tests.services.world import T0, World, build_world

from klantenservice.domain.cases import CaseStatus
from klantenservice.domain.errors import (
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from klantenservice.domain.events import CaseEventKind
from klantenservice.domain.promises import ClockState, PromiseKind
from klantenservice.domain.vocabulary import CaseId, Channel, Language, Role
from klantenservice.services import (
    case_intake,
    case_merge,
    case_timeline,
    case_view,
    reply_templates,
)
from klantenservice.services import cases as case_service
from klantenservice.services import messages as message_service
from klantenservice.services.case_timeline import TimelineActivity, TimelineMessage, TimelineScope
from klantenservice.services.ports import SYSTEM

MINUTE = timedelta(minutes=1)


@pytest.fixture
def world(database_url: str) -> Iterator[World]:
    built = build_world(database_url)
    built.add_agent("Anna")
    built.add_agent("Bob")
    yield built
    built.close()


def bodies(page: case_view.CasePage) -> list[str]:
    return [i.message.body for i in page.timeline.items if isinstance(i, TimelineMessage)]


def open_by_hand(world: World, like: CaseId, at: datetime) -> CaseId:
    """Another active case of the same customer, opened by hand (a phone call)."""
    with world.uow(read_only=True) as uow:
        found = uow.cases.get(like)
    assert found is not None
    new = case_intake.NewCase(
        customer_id=found.customer_id, subject="Telefoon", channel=Channel.PHONE
    )
    return case_intake.open_case_for_customer(world.uow(), actor=SYSTEM, new=new, now=at).id


def test_the_timeline_interleaves_messages_and_events_oldest_first(world: World) -> None:
    case_id = world.receive("Mijn pas").case_id
    anna = world.agent_actor("Anna")
    message_service.reply_to_case(
        world.uow(), actor=anna, case_id=case_id, body="Wij kijken", now=T0 + 5 * MINUTE
    )
    message_service.add_note(
        world.uow(), actor=anna, case_id=case_id, body="Intern", now=T0 + 6 * MINUTE
    )
    page = case_view.case_page(world.uow(), actor=anna, case_id=case_id, now=T0 + 60 * MINUTE)
    kinds = [
        i.kind.value if isinstance(i, TimelineActivity) else i.message.direction.value
        for i in page.timeline.items
    ]
    assert kinds == ["created", "assigned", "status_changed", "inbound", "outbound", "internal"]
    reply = page.timeline.items[4]
    assert isinstance(reply, TimelineMessage)
    assert (reply.author, reply.other_case) == ("Anna", None)
    assigned = page.timeline.items[1]
    assert isinstance(assigned, TimelineActivity) and assigned.agent == "Anna"
    assert page.timeline.earlier_before is None


def test_merged_and_earlier_cases_show_with_their_references(world: World) -> None:
    anna = world.agent_actor("Anna")
    earlier = world.receive("Eerste").case_id
    for status in (CaseStatus.RESOLVED, CaseStatus.CLOSED):
        case_service.change_status(world.uow(), actor=anna, case_id=earlier, status=status, now=T0)
    current = world.receive(  # quoting a closed case: a new case, linked to it
        "Tweede", at=T0 + MINUTE, case_reference=f"KS-{earlier:06d}"
    ).case_id
    extra = open_by_hand(world, current, T0 + 2 * MINUTE)
    message_service.add_note(
        world.uow(), actor=anna, case_id=extra, body="Belde over hetzelfde", now=T0 + 3 * MINUTE
    )
    supervisor = world.agent_actor("Bob", Role.SUPERVISOR)
    case_service.merge_cases(
        world.uow(), actor=supervisor, target_id=current, source_id=extra, now=T0 + 4 * MINUTE
    )

    page = case_view.case_page(world.uow(), actor=anna, case_id=current, now=T0 + 5 * MINUTE)
    assert bodies(page) == ["Tweede", "Belde over hetzelfde"]
    note = next(i for i in page.timeline.items if isinstance(i, TimelineMessage) and i.other_case)
    assert note.other_case == f"KS-{extra:06d}"
    activities = [i for i in page.timeline.items if isinstance(i, TimelineActivity)]
    assert any(
        i.kind is CaseEventKind.MERGED_FROM and i.related_case == f"KS-{extra:06d}"
        for i in activities
    )
    assert any(i.kind is CaseEventKind.MERGED_INTO and i.other_case for i in activities)
    created = next(i for i in activities if i.kind is CaseEventKind.CREATED and not i.other_case)
    assert created.related_case == f"KS-{earlier:06d}"  # opened as a follow-up
    relations = {link.case.id: link.relation for link in page.related}
    assert relations == {extra: "merged", earlier: "follows_up"}
    assert [link.case.id for link in page.merged_from] == [extra]

    whole = case_view.case_page(
        world.uow(), actor=anna, case_id=current, now=T0, scope=TimelineScope.CUSTOMER
    )
    assert bodies(whole) == ["Eerste", "Tweede", "Belde over hetzelfde"]
    first = whole.timeline.items[0]
    assert isinstance(first, TimelineMessage) and first.other_case == f"KS-{earlier:06d}"


def test_a_long_timeline_is_read_backwards_in_pages(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(case_timeline, "TIMELINE_MESSAGES", 2)
    case_id = world.receive("een").case_id
    for n, body in enumerate(("twee", "drie"), start=1):
        world.receive(body, at=T0 + n * MINUTE)
    anna = world.agent_actor("Anna")
    newest = case_view.case_page(world.uow(), actor=anna, case_id=case_id, now=T0)
    assert bodies(newest) == ["twee", "drie"]
    assert newest.timeline.earlier_before is not None
    older = case_view.case_page(
        world.uow(), actor=anna, case_id=case_id, now=T0, before=newest.timeline.earlier_before
    )
    assert bodies(older) == ["een"]
    assert older.timeline.earlier_before is None
    assert all(isinstance(i, TimelineMessage) for i in older.timeline.items)


def test_the_page_says_what_the_actor_may_do(world: World) -> None:
    case_id = world.receive().case_id  # Anna's
    anna, bob = world.agent_actor("Anna"), world.agent_actor("Bob")
    own = case_view.case_page(world.uow(), actor=anna, case_id=case_id, now=T0).abilities
    assert (own.reply, own.note, own.write, own.assign_others, own.merge, own.take) == (
        True, True, True, False, False, False,
    )  # fmt: skip
    other = case_view.case_page(world.uow(), actor=bob, case_id=case_id, now=T0).abilities
    assert (other.reply, other.write, other.held_by) == (False, False, "Anna")
    boss = world.agent_actor("Bob", Role.SUPERVISOR)
    supervised = case_view.case_page(world.uow(), actor=boss, case_id=case_id, now=T0)
    assert supervised.abilities.assign_others and supervised.abilities.merge
    assert {a.name for a in supervised.agents} == {"Anna", "Bob"}
    for status in (CaseStatus.RESOLVED, CaseStatus.CLOSED):
        case_service.change_status(world.uow(), actor=anna, case_id=case_id, status=status, now=T0)
    closed = case_view.case_page(world.uow(), actor=anna, case_id=case_id, now=T0)
    assert not (closed.abilities.reply or closed.abilities.note or closed.abilities.write)
    assert closed.statuses == (CaseStatus.CLOSED,)


def test_clocks_say_when_they_are_paused_and_when_they_count_again(world: World) -> None:
    case_id = world.receive().case_id
    anna = world.agent_actor("Anna")
    case_service.change_status(
        world.uow(), actor=anna, case_id=case_id, status=CaseStatus.PENDING_CUSTOMER, now=T0
    )
    paused = case_view.case_page(world.uow(), actor=anna, case_id=case_id, now=T0 + MINUTE)
    first = next(v for v in paused.clocks if v.clock.kind is PromiseKind.FIRST_RESPONSE)
    assert (first.clock.state, first.clock.paused_since) == (ClockState.PAUSED, T0)

    case_service.change_status(
        world.uow(), actor=anna, case_id=case_id, status=CaseStatus.OPEN, now=T0
    )
    evening = datetime(2026, 11, 23, 20, 30, tzinfo=UTC)  # 21:30 in Amsterdam: closed
    night = case_view.case_page(world.uow(), actor=anna, case_id=case_id, now=evening)
    running = next(v for v in night.clocks if v.clock.kind is PromiseKind.RESOLUTION)
    assert running.clock.state is ClockState.RUNNING
    assert not running.counting_now
    assert running.resumes_at == datetime(2026, 11, 24, 7, 0, tzinfo=UTC)  # Tue 08:00


def test_templates_of_the_customers_language_are_filled_in_for_the_case(world: World) -> None:
    for name, language, body in (
        ("Ontvangst", Language.NL, "Beste $customer_first_name, $case_reference. $agent_name"),
        ("Receipt", Language.EN, "Dear $customer_first_name"),
    ):
        reply_templates.create_template(
            world.uow(), actor=SYSTEM, name=name, language=language, body=body, now=T0
        )
    case_id = world.receive().case_id
    page = case_view.case_page(
        world.uow(), actor=world.agent_actor("Anna"), case_id=case_id, now=T0
    )
    assert page.template_language is Language.NL
    assert [(t.name, t.text) for t in page.templates] == [
        ("Ontvangst", f"Beste Jan, KS-{case_id:06d}. Anna")
    ]
    reader = case_view.case_page(
        world.uow(), actor=world.agent_actor("Bob"), case_id=case_id, now=T0
    )
    assert reader.templates == ()  # Bob cannot reply here, so no templates


def test_each_read_is_one_audited_view_of_the_customer(world: World) -> None:
    case_id = world.receive().case_id
    before = world.audit_actions().count("customer.viewed")
    case_view.case_page(world.uow(), actor=world.agent_actor("Anna"), case_id=case_id, now=T0)
    case_view.case_page(
        world.uow(), actor=world.agent_actor("Anna"), case_id=case_id, now=T0, via="live"
    )
    assert world.audit_actions().count("customer.viewed") == before + 2
    with pytest.raises(NotFound):
        case_view.case_page(
            world.uow(), actor=world.agent_actor("Anna"), case_id=CaseId(999), now=T0
        )


def test_a_merge_preview_checks_the_rules_and_changes_nothing(world: World) -> None:
    anna = world.agent_actor("Anna")
    supervisor = world.agent_actor("Bob", Role.SUPERVISOR)
    target = world.receive().case_id
    source = open_by_hand(world, target, T0 + MINUTE)
    stranger = world.receive(email="piet@example.nl").case_id
    before = world.audit_actions()
    found = case_merge.merge_preview(
        world.uow(), actor=supervisor, target_id=target, source=f" #{source} ", now=T0
    )
    assert [c.id for c in found] == [target, source]
    assert world.audit_actions() == [*before, "customer.viewed"]
    with pytest.raises(InvalidTransition, match="different customers"):
        case_merge.merge_preview(
            world.uow(), actor=supervisor, target_id=target, source=str(stranger), now=T0
        )
    with pytest.raises(ValidationError, match="not a case reference"):
        case_merge.merge_preview(
            world.uow(), actor=supervisor, target_id=target, source="KS-12a", now=T0
        )
    with pytest.raises(PermissionDenied, match="merge cases"):
        case_merge.merge_preview(world.uow(), actor=anna, target_id=target, source="1", now=T0)
    assert case_merge.parse_case_reference("ks-000042") == 42

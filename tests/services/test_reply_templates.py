"""Reply templates in the store: audited changes, unique names per language, also in a race."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.services.world import T0, World, build_world

from klantenservice.adapters.db.repositories.reply_templates import SqlReplyTemplates
from klantenservice.adapters.db.tables import reply_templates as table
from klantenservice.domain.errors import Conflict, NotFound, PermissionDenied
from klantenservice.domain.reply_templates import ReplyTemplateId
from klantenservice.domain.vocabulary import Language
from klantenservice.services import reply_templates
from klantenservice.services.ports import SYSTEM
from klantenservice.services.reply_templates import TemplateChange


@pytest.fixture
def world(database_url: str) -> Iterator[World]:
    built = build_world(database_url)
    built.add_agent("Anna")
    yield built
    built.close()


def create(world: World, name: str = "Welkom", language: Language = Language.NL) -> ReplyTemplateId:
    made = reply_templates.create_template(
        world.uow(), actor=SYSTEM, name=name, language=language, body="Dag $customer_name", now=T0
    )
    assert made.id is not None
    return made.id


def test_changes_are_stored_and_audited(world: World) -> None:
    template_id = create(world)
    changed = reply_templates.update_template(
        world.uow(),
        actor=SYSTEM,
        template_id=template_id,
        change=TemplateChange(language=Language.EN, body="Hello $customer_first_name"),
        now=T0,
    )
    assert (changed.name, changed.language, changed.body) == (
        "Welkom",
        Language.EN,
        "Hello $customer_first_name",
    )
    listed = reply_templates.list_templates(world.uow(), actor=SYSTEM, language=Language.EN)
    assert [t.id for t in listed] == [template_id]
    reply_templates.delete_template(world.uow(), actor=SYSTEM, template_id=template_id, now=T0)
    assert world.count(table) == 0
    assert world.audit_actions()[-3:] == [
        "reply_template.created",
        "reply_template.updated",
        "reply_template.deleted",
    ]
    with pytest.raises(NotFound):
        reply_templates.get_template(world.uow(), actor=SYSTEM, template_id=template_id)


def test_a_name_taken_in_a_race_is_a_conflict_and_stores_nothing(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    create(world)
    audit = world.audit_actions()
    # Another transaction committed the same name after this one looked: the unique
    # constraint decides, and the service reports it as a conflict.
    monkeypatch.setattr(SqlReplyTemplates, "by_name", lambda *_args: None)
    with pytest.raises(Conflict, match="exists already"):
        create(world)
    assert world.count(table) == 1
    assert world.audit_actions() == audit


def test_only_administrators_manage_templates(world: World) -> None:
    anna = world.agent_actor("Anna")
    with pytest.raises(PermissionDenied, match="needs template_manage"):
        reply_templates.create_template(
            world.uow(), actor=anna, name="X", language=Language.NL, body="x", now=T0
        )
    with pytest.raises(PermissionDenied):
        reply_templates.list_templates(world.uow(), actor=anna)
    assert world.count(table) == 0

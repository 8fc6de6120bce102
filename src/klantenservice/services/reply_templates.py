"""Managing reply templates (admin) and filling them in for a case (the desk).

Managing needs ``template_manage`` (administrators); every change is audited with the
template's name and language, never its text. Agents do not call this module's management
functions: the case page (``services/case_view.py``) offers them the templates of the
customer's language, already filled in by ``filled_for``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from klantenservice.domain.errors import Conflict, NotFound
from klantenservice.domain.permissions import Permission
from klantenservice.domain.reply_templates import (
    ReplyTemplate,
    ReplyTemplateId,
    TemplateValues,
    check_body,
    check_name,
    fill,
)
from klantenservice.domain.vocabulary import Language
from klantenservice.services import access
from klantenservice.services.ports import Actor, ConcurrentChange, UnitOfWork


@dataclass(frozen=True, slots=True)
class FilledTemplate:
    """A template as the case page offers it: its name and its text for this case."""

    id: ReplyTemplateId
    name: str
    text: str


@dataclass(frozen=True, slots=True)
class TemplateChange:
    """What an update changes; None leaves a field alone."""

    name: str | None = None
    language: Language | None = None
    body: str | None = None


def check_may_manage(actor: Actor) -> None:
    access.check(actor, Permission.TEMPLATE_MANAGE)


def list_templates(
    uow: UnitOfWork, *, actor: Actor, language: Language | None = None
) -> list[ReplyTemplate]:
    access.check(actor, Permission.TEMPLATE_MANAGE)
    with uow:
        return uow.reply_templates.list(language=language)


def get_template(uow: UnitOfWork, *, actor: Actor, template_id: ReplyTemplateId) -> ReplyTemplate:
    access.check(actor, Permission.TEMPLATE_MANAGE)
    with uow:
        return _get(uow, template_id)


def create_template(
    uow: UnitOfWork, *, actor: Actor, name: str, language: Language, body: str, now: datetime
) -> ReplyTemplate:
    access.check(actor, Permission.TEMPLATE_MANAGE)
    template = ReplyTemplate(None, check_name(name), language, check_body(body))
    with uow:
        _require_free_name(uow, template)
        try:
            stored = uow.reply_templates.add(template, at=now)
        except ConcurrentChange:
            raise _taken(template) from None
        _audit(uow, actor, "reply_template.created", stored, now)
        uow.commit()
        return stored


def update_template(
    uow: UnitOfWork,
    *,
    actor: Actor,
    template_id: ReplyTemplateId,
    change: TemplateChange,
    now: datetime,
) -> ReplyTemplate:
    access.check(actor, Permission.TEMPLATE_MANAGE)
    with uow:
        current = _get(uow, template_id)
        updated = replace(
            current,
            name=current.name if change.name is None else check_name(change.name),
            language=change.language or current.language,
            body=current.body if change.body is None else check_body(change.body),
        )
        if (updated.name, updated.language) != (current.name, current.language):
            _require_free_name(uow, updated)
        try:
            stored = uow.reply_templates.update(updated, at=now)
        except ConcurrentChange:
            raise _taken(updated) from None
        _audit(uow, actor, "reply_template.updated", stored, now)
        uow.commit()
        return stored


def delete_template(
    uow: UnitOfWork, *, actor: Actor, template_id: ReplyTemplateId, now: datetime
) -> None:
    access.check(actor, Permission.TEMPLATE_MANAGE)
    with uow:
        current = _get(uow, template_id)
        uow.reply_templates.delete(template_id)
        _audit(uow, actor, "reply_template.deleted", current, now)
        uow.commit()


def filled_for(
    uow: UnitOfWork, language: Language, values: TemplateValues
) -> tuple[FilledTemplate, ...]:
    """The templates of ``language`` filled in with ``values``, inside the caller's read."""
    return tuple(
        FilledTemplate(t.id, t.name, fill(t, values))
        for t in uow.reply_templates.list(language=language)
        if t.id is not None
    )


def _get(uow: UnitOfWork, template_id: ReplyTemplateId) -> ReplyTemplate:
    found = uow.reply_templates.get(template_id)
    if found is None:
        raise NotFound(f"no reply template with id {template_id}")
    return found


def _require_free_name(uow: UnitOfWork, template: ReplyTemplate) -> None:
    if uow.reply_templates.by_name(template.name, template.language) is not None:
        raise _taken(template)


def _taken(template: ReplyTemplate) -> Conflict:
    return Conflict(
        f"a {template.language.value} reply template named {template.name!r} exists already; "
        "choose another name or change that template"
    )


def _audit(
    uow: UnitOfWork, actor: Actor, action: str, template: ReplyTemplate, at: datetime
) -> None:
    uow.audit.record(
        actor=actor,
        action=action,
        subject_type="reply_template",
        subject_id=template.id,
        at=at,
        details={"name": template.name, "language": template.language.value},
    )

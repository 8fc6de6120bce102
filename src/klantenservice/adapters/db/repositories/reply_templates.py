"""Reply templates in the store (``domain/reply_templates.py``); a handful of rows per bank."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from klantenservice.adapters.db.tables import reply_templates
from klantenservice.domain.reply_templates import ReplyTemplate, ReplyTemplateId
from klantenservice.domain.vocabulary import Language
from klantenservice.services.ports import ConcurrentChange


def _template(row: Row[Any]) -> ReplyTemplate:
    return ReplyTemplate(
        id=ReplyTemplateId(row.id),
        name=row.name,
        language=Language(row.language),
        body=row.body,
        updated_at=row.updated_at,
    )


class SqlReplyTemplates:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def list(self, *, language: Language | None = None) -> list[ReplyTemplate]:
        query = select(reply_templates).order_by(reply_templates.c.name, reply_templates.c.id)
        if language is not None:
            query = query.where(reply_templates.c.language == language.value)
        return [_template(r) for r in self._c.execute(query)]

    def get(self, template_id: ReplyTemplateId) -> ReplyTemplate | None:
        row = self._c.execute(
            select(reply_templates).where(reply_templates.c.id == template_id)
        ).first()
        return None if row is None else _template(row)

    def by_name(self, name: str, language: Language) -> ReplyTemplate | None:
        row = self._c.execute(
            select(reply_templates).where(
                reply_templates.c.name == name, reply_templates.c.language == language.value
            )
        ).first()
        return None if row is None else _template(row)

    def add(self, template: ReplyTemplate, *, at: datetime) -> ReplyTemplate:
        values = {
            "name": template.name,
            "language": template.language.value,
            "body": template.body,
            "created_at": at,
            "updated_at": at,
        }
        try:
            result = self._c.execute(insert(reply_templates).values(values))
        except IntegrityError as error:  # the same name and language, committed meanwhile
            raise ConcurrentChange(str(error.orig)) from error
        key = result.inserted_primary_key
        assert key is not None
        new_id = ReplyTemplateId(int(key[0]))
        return replace(template, id=new_id, updated_at=at)

    def update(self, template: ReplyTemplate, *, at: datetime) -> ReplyTemplate:
        assert template.id is not None
        try:
            self._c.execute(
                update(reply_templates)
                .where(reply_templates.c.id == template.id)
                .values(
                    name=template.name,
                    language=template.language.value,
                    body=template.body,
                    updated_at=at,
                )
            )
        except IntegrityError as error:
            raise ConcurrentChange(str(error.orig)) from error
        return replace(template, updated_at=at)

    def delete(self, template_id: ReplyTemplateId) -> bool:
        result = self._c.execute(delete(reply_templates).where(reply_templates.c.id == template_id))
        return bool(result.rowcount == 1)

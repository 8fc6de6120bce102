"""The IVR menus against the configured contact centre: do their queues exist?

The rules of a usable menu are pure (``domain/ivr.lint_scripts``); whether a queue named in a
menu exists is a fact of the store, read here in one read-only transaction.
"""

from __future__ import annotations

from collections.abc import Mapping

from klantenservice.domain.ivr import IvrScript, lint_scripts
from klantenservice.domain.vocabulary import Language
from klantenservice.services.ports import UnitOfWork


def lint_menus(uow: UnitOfWork, scripts: Mapping[Language, IvrScript]) -> list[str]:
    """Every problem of the menus, queues checked against the store's queues."""
    with uow:
        queues = [queue.name for queue in uow.directory.queues()]
    return lint_scripts(scripts, queues=queues)

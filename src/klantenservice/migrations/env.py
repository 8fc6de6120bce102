"""Alembic environment: migrations are generated from ``adapters/db/tables/``.

``render_as_batch`` lets the same migrations ALTER tables on SQLite.
"""

from __future__ import annotations

from alembic import context

from klantenservice.adapters.db.engine import make_engine
from klantenservice.adapters.db.tables import metadata
from klantenservice.settings import get_settings

config = context.config


def _url() -> str:
    return config.get_main_option("sqlalchemy.url") or get_settings().database_url


def run_migrations_offline() -> None:
    context.configure(
        url=_url(), target_metadata=metadata, render_as_batch=True, literal_binds=True
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = make_engine(_url())
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=True,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()

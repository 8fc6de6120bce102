"""Schema management: Alembic upgrade to head, used by ``klantenservice init`` and the tests."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext

from klantenservice.adapters.db.engine import make_engine

SCRIPT_LOCATION = "klantenservice:migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade_to_head(url: str) -> None:
    """Bring the database at ``url`` to the newest schema (creates it if empty)."""
    command.upgrade(alembic_config(url), "head")


def current_revision(url: str) -> str | None:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()

"""Apply Alembic migrations programmatically, on the application's own async engine."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS_DIR = Path(__file__).with_name("migrations")

log = logging.getLogger(__name__)


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the schema to `revision` (idempotent; concurrent processes take turns on PostgreSQL)."""
    cfg = alembic_config()

    def _run(sync_connection: Connection) -> None:
        cfg.attributes["connection"] = sync_connection
        command.upgrade(cfg, revision)

    async with engine.begin() as connection:
        await connection.run_sync(_run)
    # Alembic's own INFO lines are quieted by the CLI (shown at HARDE_LOG_LEVEL=debug); this is the one that matters.
    if applied := cfg.attributes.get("applied"):
        log.info("database upgraded to %s (applied %s)", applied[-1], ", ".join(applied))


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as connection:
        return await connection.run_sync(lambda c: MigrationContext.configure(c).get_current_revision())


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()

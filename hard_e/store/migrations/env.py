"""Alembic environment. Migrations run on a connection handed in by `hard_e.store.migrate`."""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from hard_e.store.models import Base

# Any fixed number: all Hard-E processes serialize their migrations on it (PostgreSQL).
MIGRATION_LOCK_ID = 7_311_420_001


def run_migrations_online() -> None:
    connection = context.config.attributes["connection"]
    applied = context.config.attributes.setdefault("applied", [])
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        # What actually ran (not what was pending before the lock), so `migrate.upgrade` can say so.
        on_version_apply=lambda *, step, **_: applied.append(step.up_revision_id),
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": MIGRATION_LOCK_ID})
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("Hard-E migrations run online only: use `hard-e db upgrade`.")
run_migrations_online()

"""What a failing store raises: its own typed errors, and what the database drivers raise underneath."""

from __future__ import annotations

from sqlalchemy.exc import SQLAlchemyError

from hard_e.errors import StoreBusy, StoreUnavailable

# The database is down or broken; asyncpg may surface a refused connection as a bare OSError.
STORE_ERRORS: tuple[type[BaseException], ...] = (StoreUnavailable, SQLAlchemyError, OSError)

__all__ = ["STORE_ERRORS", "StoreBusy", "StoreUnavailable"]

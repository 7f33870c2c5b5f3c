"""Limits that hold across processes: turns per minute and model spend per day, per user and per
workspace (HARDE_USER_TURNS_PER_MINUTE, HARDE_TEAM_TURNS_PER_MINUTE, HARDE_USER_SPEND_PER_DAY,
HARDE_TEAM_SPEND_PER_DAY; 0 is no limit). Counters live in the database (`store/usage.py`). Admins
(HARDE_ADMIN_USERS) are exempt from the per-user limits, not from the workspace's. Over a limit the
rep is told plainly when they can ask again."""

from __future__ import annotations

import logging
import math
from datetime import datetime, timedelta

from hard_e.bot.config import Settings
from hard_e.store.errors import STORE_ERRORS
from hard_e.store.models import utcnow
from hard_e.store.usage import Counts, Usage

log = logging.getLogger(__name__)


def _seconds(n: float) -> str:
    n = max(1, math.ceil(n))
    return f"{n} second{'s' if n != 1 else ''}"


def _until_midnight(now: datetime) -> str:
    midnight = datetime(now.year, now.month, now.day, tzinfo=now.tzinfo) + timedelta(days=1)
    minutes = max(1, math.ceil((midnight - now).total_seconds() / 60))
    hours, minutes = divmod(minutes, 60)
    return (f"{hours} h {minutes} min" if hours else f"{minutes} min") + " (midnight UTC)"


def verdict(settings: Settings, counts: Counts, user_id: str, now: datetime) -> str | None:
    """What to tell the rep when this turn is over a limit; None when it may go ahead."""
    next_minute = _seconds(60 - now.timestamp() % 60)
    admin = user_id in settings.admin_users
    if not admin and settings.user_turns_per_minute and counts.user_turns > settings.user_turns_per_minute:
        return (
            f"You've asked {counts.user_turns - 1} questions this minute, and the limit is {settings.user_turns_per_minute} a minute. "
            f"You can ask again in {next_minute}."
        )
    if settings.team_turns_per_minute and counts.team_turns > settings.team_turns_per_minute:
        return (
            f"The team is asking faster than my limit of {settings.team_turns_per_minute} questions a minute. "
            f"Please ask again in {next_minute}."
        )
    if not admin and settings.user_spend_per_day and counts.user_spend >= settings.user_spend_per_day:
        return f"You've reached today's AI usage limit (${settings.user_spend_per_day:,.2f}). You can ask again in {_until_midnight(now)}."
    if settings.team_spend_per_day and counts.team_spend >= settings.team_spend_per_day:
        return (
            f"The team has reached today's AI budget (${settings.team_spend_per_day:,.2f}). I can answer again in {_until_midnight(now)}."
        )
    return None


def limited(settings: Settings) -> bool:
    return bool(
        settings.user_turns_per_minute or settings.team_turns_per_minute or settings.user_spend_per_day or settings.team_spend_per_day
    )


async def over_limit(settings: Settings, usage: Usage, team_id: str, user_id: str | None) -> str | None:
    """Count this turn; the rep's message when it is over a limit. A store that fails lets the turn
    through (the turn itself will say if the store is down)."""
    if not limited(settings) or not user_id:
        return None
    now = utcnow()
    try:
        counts = await usage.count_turn(team_id, user_id, now)
    except STORE_ERRORS as exc:
        log.warning("usage counters unavailable: %s", type(exc).__name__)
        return None
    return verdict(settings, counts, user_id, now)

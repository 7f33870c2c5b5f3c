"""`/hard-e digest on|off`: the morning digest of a rep's jobs that need a follow-up (bot/digest_job.py
sends it at HARDE_DIGEST_HOUR in the rep's time zone)."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck

from hard_e.store.digests import DigestSubscriptions
from hard_e.store.errors import STORE_ERRORS

if TYPE_CHECKING:
    from hard_e.bot.services import Services

log = logging.getLogger(__name__)

DIGEST = re.compile(r"\s*digest(?:\s+(on|off|status))?\s*", re.IGNORECASE)
STORE_DOWN = "My database isn't answering right now, so nothing changed. Please try again in a minute."


def digest_choice(text: str | None) -> str | None:
    """ "on", "off" or "status" for `/hard-e digest [on|off]`; None when the command is something else."""
    match = DIGEST.fullmatch(text or "")
    if match is None:
        return None
    return (match.group(1) or "status").lower()


def _hour(hour: int) -> str:
    return f"{hour % 12 or 12} {'am' if hour < 12 else 'pm'}"


async def set_digest(ack: AsyncAck, command: dict[str, Any], choice: str, services: Services) -> None:
    """Turn the rep's digest on or off (or say whether it is on), answered in the ack: only they see it."""
    team, user = command.get("team_id"), command.get("user_id")
    if not isinstance(team, str) or not isinstance(user, str) or not team or not user:
        await ack(response_type="ephemeral", text="I couldn't tell who asked, so nothing changed.")
        return
    subscriptions = DigestSubscriptions(services.engine)
    hour = _hour(services.settings.digest_hour)
    try:
        if choice == "status":
            on = await subscriptions.enabled(team, user)
        else:
            on = choice == "on"
            await subscriptions.set(team, user, enabled=on)
    except STORE_ERRORS as exc:
        log.warning("digest setting not stored: %s", type(exc).__name__)
        await ack(response_type="ephemeral", text=STORE_DOWN)
        return
    if on:
        text = (
            f":sunrise: Your morning digest is on: every day at {hour} your time I'll DM you the jobs in your "
            "pipeline that are past their stage's service level. Turn it off with `/hard-e digest off`."
        )
    else:
        text = "Your morning digest is off. Turn it on with `/hard-e digest on`."
    await ack(response_type="ephemeral", text=text)

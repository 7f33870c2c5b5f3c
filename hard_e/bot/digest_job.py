"""The morning digest, as a scheduled job (`digests`, every 15 minutes): each rep who turned it on
(`/hard-e digest on`) gets one DM a day, at HARDE_DIGEST_HOUR in their own Slack time zone, listing
their CRM jobs past the service level of their stage (agents/digest.py). A rep is matched to the CRM
by their Slack email, else their full name; CRM access rules apply as to any CRM question."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from hard_e.agents.digest import digest_text, follow_ups
from hard_e.records import CrmUser
from hard_e.store.digests import DigestSubscriptions, Subscriber

if TYPE_CHECKING:
    from hard_e.bot.services import Services

log = logging.getLogger(__name__)

NO_MATCH = (
    "Good morning! I couldn't match your Slack profile to a user in the CRM (by email or full name), so I "
    "have no jobs to list. Ask an admin to check your CRM user, or turn this off with `/hard-e digest off`."
)


def match_rep(users: list[CrmUser], profile: dict[str, Any]) -> CrmUser | None:
    """The CRM user behind a Slack profile: the same email, else the same full name (any case)."""
    email = str(profile.get("email") or "").strip().lower()
    if email and (same := [u for u in users if (u.email or "").strip().lower() == email]):
        return same[0]
    name = " ".join(str(profile.get("real_name") or "").split()).lower()
    same = [u for u in users if name and u.name.lower() == name]
    return same[0] if len(same) == 1 else None


async def send_digests(services: Services, now: datetime | None = None) -> int:
    """Send every digest due now; how many went out."""
    if services.crm is None:
        return 0
    now = now or datetime.now(UTC)
    subscriptions = DigestSubscriptions(services.engine)
    client = services.slack_client()
    sent = 0
    for subscriber in await subscriptions.subscribers():
        try:
            sent += await _send_one(services, client, subscriptions, subscriber, now)
        except SlackApiError as exc:
            log.warning("digest not sent: Slack answered %s", exc.response.get("error"))
        except Exception as exc:  # a CRM or store that failed: this rep's digest is tried again next run
            log.warning("digest not sent: %s", type(exc).__name__)
    if sent:
        log.info("sent %d digest(s)", sent)
    return sent


async def _send_one(services: Services, client: AsyncWebClient, subscriptions: DigestSubscriptions, who: Subscriber, now: datetime) -> int:
    assert services.crm is not None
    user = (await client.users_info(user=who.user_id)).get("user") or {}
    local = now + timedelta(seconds=int(user.get("tz_offset") or 0))
    if local.hour != services.settings.digest_hour or user.get("deleted"):
        return 0
    day: date = local.date()
    if not await subscriptions.claim(who.team_id, who.user_id, day):
        return 0  # sent today already (by this clock or another)
    try:
        if (reason := await services.crm_access.bound(client).refusal(who.user_id)) is not None:
            log.info("digest skipped: the rep may not use the CRM (%s)", reason.split(":")[0][:40])
            return 0
        rep = match_rep(await services.crm.users(), user.get("profile") or {})
        if rep is None:
            text = NO_MATCH
        else:
            text = digest_text(rep.first_name, await follow_ups(services.crm, rep.name, now))
        dm = (await client.conversations_open(users=who.user_id))["channel"]["id"]
        await client.chat_postMessage(channel=dm, text=text)
    except Exception:
        await subscriptions.release(who.team_id, who.user_id, who.last_sent)  # tried again next run
        raise
    return 1

"""CRM questions asked where others can read: the thread gets one short line with a link, the answer
streams into the asker's DM with a link back. Nothing from the CRM is ever posted in the channel —
not the answer, not a placeholder or progress line, not an error."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from hard_e.agents.crm.wording import refused
from hard_e.agents.ports import CrmAccess
from hard_e.agents.turn import DM_THREAD, Turn

log = logging.getLogger(__name__)

SENT_TO_DM = ":lock: I've sent you the details in a DM{link}."
NO_DM = ":lock: That's CRM information, which I only share privately, and I couldn't open a DM with you. Please DM me the question."


def dm_header(turn: Turn, thread_link: str | None) -> str:
    """The DM's first line: what was asked where, and the way back."""
    lines = turn.text.splitlines() or [turn.text]
    where = f"<#{turn.channel_id}>" + (f" (<{thread_link}|back to the thread>)" if thread_link else "")
    return f"_You asked in {where}:_\n" + "\n".join(f"> {line}" for line in lines)


async def move_to_dm(turn: Turn, client: AsyncWebClient, access: CrmAccess) -> Turn | None:
    """The same question as a turn in the asker's DM, once the thread has its pointer; None when the
    asker may not use the CRM or no DM could be opened (the thread is told, without details)."""
    if not turn.user_id:
        return None
    thread_ts = turn.reply_thread_ts or turn.message_ts
    if (reason := await access.refusal(turn.user_id)) is not None:
        await _post(client, turn.channel_id, thread_ts, f":lock: {refused(reason)}")
        return None
    try:
        dm = (await client.conversations_open(users=turn.user_id))["channel"]["id"]
        header = await client.chat_postMessage(channel=dm, text=dm_header(turn, await _permalink(client, turn.channel_id, turn.message_ts)))
        dm_link = await _permalink(client, dm, header["ts"])
    except (SlackApiError, KeyError, TypeError) as exc:
        reason = exc.response.get("error") if isinstance(exc, SlackApiError) else "unexpected response"
        log.warning("could not open a DM for a CRM question: %s", reason)
        await _post(client, turn.channel_id, thread_ts, NO_DM)
        return None
    await _post(client, turn.channel_id, thread_ts, SENT_TO_DM.format(link=f": <{dm_link}|open it>" if dm_link else ""))
    return Turn(
        team_id=turn.team_id,
        channel_id=dm,
        thread_ts=DM_THREAD,
        message_ts=f"moved:{turn.channel_id}:{turn.message_ts}",
        user_id=turn.user_id,
        text=turn.text,
        channel_type="im",
    )


async def _permalink(client: AsyncWebClient, channel: str, ts: str) -> str | None:
    try:
        link = (await client.chat_getPermalink(channel=channel, message_ts=ts)).get("permalink")
    except SlackApiError as exc:
        log.info("no permalink: %s", exc.response.get("error"))
        return None
    return link if isinstance(link, str) else None


async def _post(client: AsyncWebClient, channel: str, thread_ts: str | None, text: str) -> None:
    try:
        await client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=text)
    except SlackApiError as exc:
        log.warning("could not post in the thread: %s", exc.response.get("error"))

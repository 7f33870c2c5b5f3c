"""Mentions, DMs and replies in threads Hard-E is part of."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext

from hard_e.agents.turn import DM_THREAD, Turn
from hard_e.handlers.answering import answer_in_slack
from hard_e.handlers.voice import answer_with_files

if TYPE_CHECKING:
    from hard_e.bot.services import Services

log = logging.getLogger(__name__)

ANSWERED_SUBTYPES = {None, "file_share", "thread_broadcast"}
USER_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
JUST_A_MENTION = "(They mentioned you without a question. Greet them briefly and say what you can help with.)"
JUST_A_FILE = "(They shared a file without a message. You can't open files yet: say so briefly and ask what they need.)"


def register(app: AsyncApp, services: Services) -> None:
    async def handle_mention(event: dict[str, Any], context: AsyncBoltContext) -> None:
        await take_turn(event, context, services, kind="app_mention")

    async def handle_message(event: dict[str, Any], context: AsyncBoltContext) -> None:
        if await _is_for_us(event, context, services):
            await take_turn(event, context, services, kind="message")
        else:
            services.metrics.events.labels(kind="message", outcome="ignored").inc()

    app.event("app_mention")(handle_mention)
    app.event("message")(handle_message)


def event_problem(event: dict[str, Any]) -> str | None:
    """The first field that makes `event` unusable (missing or of the wrong type), or None."""
    for name in ("channel", "ts"):
        if not isinstance(event.get(name), str) or not event[name]:
            return name
    for name in ("user", "thread_ts", "text", "channel_type", "subtype", "bot_id"):
        if event.get(name) is not None and not isinstance(event[name], str):
            return name
    if event.get("files") is not None and not isinstance(event["files"], list):
        return "files"
    return None


async def _is_for_us(event: dict[str, Any], context: AsyncBoltContext, services: Services) -> bool:
    if not _answerable(event, context, services):
        return False
    if event.get("channel_type") == "im":
        return True
    mentioned = set(USER_MENTION.findall(event.get("text") or ""))
    if context.bot_user_id in mentioned:
        return True  # the app_mention twin of this message; the ledger keeps one
    thread_ts = event.get("thread_ts")
    if not thread_ts or mentioned:
        # A thread reply addressed to someone else is not for Hard-E.
        return False
    turn = turn_from_event(event, team_id=context.team_id or event.get("team", ""), bot_user_id=context.bot_user_id)
    return await services.store.exists(turn.conversation_key)


def _answerable(event: dict[str, Any], context: AsyncBoltContext, services: Services) -> bool:
    """Plain messages and file shares from people; never Hard-E itself; other bots only
    when HARDE_ANSWER_BOTS=on; never an event Slack would not send (a field missing or mistyped)."""
    if (problem := event_problem(event)) is not None:
        # The field's name only: values may be message text.
        log.warning("skipped a %s event: its %r field is missing or malformed", event.get("type", "?"), problem)
        return False
    if event.get("user") == context.bot_user_id or (context.bot_id and event.get("bot_id") == context.bot_id):
        return False
    from_a_bot = bool(event.get("bot_id") or event.get("subtype") == "bot_message")
    if from_a_bot and not services.settings.answer_bots:
        return False
    return event.get("subtype") in ANSWERED_SUBTYPES or (from_a_bot and event.get("subtype") == "bot_message")


def turn_from_event(event: dict[str, Any], *, team_id: str, bot_user_id: str | None) -> Turn:
    channel = event["channel"]
    channel_type = event.get("channel_type") or ("im" if channel.startswith("D") else "channel")
    thread_ts = event.get("thread_ts") or (DM_THREAD if channel_type == "im" else event["ts"])
    text = event.get("text") or ""
    if bot_user_id:
        text = re.sub(rf"<@{bot_user_id}(?:\|[^>]*)?>", "", text)
    text = text.strip() or (JUST_A_FILE if event.get("files") else JUST_A_MENTION)
    return Turn(
        team_id=team_id,
        channel_id=channel,
        thread_ts=thread_ts,
        message_ts=event["ts"],
        user_id=event.get("user"),
        text=text,
        channel_type=channel_type,
    )


async def take_turn(event: dict[str, Any], context: AsyncBoltContext, services: Services, *, kind: str) -> None:
    started = time.monotonic()
    current = asyncio.current_task()
    if current is not None:
        services.track(current)  # from the start, so shutdown waits for it and tells its user if cut short
    if not _answerable(event, context, services):
        services.metrics.events.labels(kind=kind, outcome="ignored").inc()
        return
    turn = turn_from_event(event, team_id=context.team_id or event.get("team", ""), bot_user_id=context.bot_user_id)
    files = event.get("files")
    if isinstance(files, list) and files:
        typed = "" if turn.text in (JUST_A_FILE, JUST_A_MENTION) else turn.text
        await answer_with_files(turn, typed, files, context.client, services, kind=kind, started=started)
        return
    await answer_in_slack(turn, context.client, services, kind=kind, started=started)

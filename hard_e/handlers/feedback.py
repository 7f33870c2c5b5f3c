"""👍 / 👎 under a finished answer: one vote per person per answer (a new click replaces theirs), kept
with the turn in the turn log. A 👎 opens a short modal for an optional comment."""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from hard_e.handlers.blocks import BAD, FEEDBACK, GOOD
from hard_e.store.errors import STORE_ERRORS

if TYPE_CHECKING:
    from hard_e.bot.services import Services

log = logging.getLogger(__name__)

COMMENT_MODAL = "answer_feedback_comment"
COMMENT_INPUT, COMMENT_ACTION = "comment", "comment_text"
COMMENT_LIMIT = 2000
THANKS = "Thanks, noted. :thumbsup:"
NOT_FOUND = "I couldn't find that answer in my records, so your vote wasn't saved. Thanks for trying!"
STORE_DOWN = "My database isn't answering right now, so your vote wasn't saved. Please click again in a minute."


def click_of(body: dict[str, Any], action: dict[str, Any]) -> tuple[str, str, str, str, int] | None:
    """(team, channel, message ts, user, vote) of a feedback click; None when the payload lacks one."""
    team = (body.get("team") or {}).get("id") or (body.get("user") or {}).get("team_id")
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
    ts = (body.get("message") or {}).get("ts") or (body.get("container") or {}).get("message_ts")
    user = (body.get("user") or {}).get("id")
    value = action.get("value")
    fields = (team, channel, ts, user)
    if not all(isinstance(x, str) and x for x in fields) or value not in (GOOD, BAD):
        return None
    return str(team), str(channel), str(ts), str(user), 1 if value == GOOD else -1


def comment_modal(turn_id: int) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": COMMENT_MODAL,
        "private_metadata": json.dumps({"turn": turn_id}),
        "title": {"type": "plain_text", "text": "What missed?"},
        "submit": {"type": "plain_text", "text": "Send"},
        "close": {"type": "plain_text", "text": "Skip"},
        "blocks": [
            {
                "type": "input",
                "block_id": COMMENT_INPUT,
                "optional": True,
                "label": {"type": "plain_text", "text": "What was wrong or missing? (optional)"},
                "element": {"type": "plain_text_input", "action_id": COMMENT_ACTION, "multiline": True, "max_length": COMMENT_LIMIT},
            }
        ],
    }


def register(app: AsyncApp, services: Services) -> None:
    async def handle_feedback(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        click = click_of(body, action)
        if click is None or services.turn_log is None:
            log.warning("skipped a feedback click: the payload lacks its team, channel, message, user or value")
            return
        team, channel, ts, user, vote = click
        thread = (body.get("message") or {}).get("thread_ts")
        try:
            turn = await services.turn_log.find_answer(team, channel, ts)
            if turn is not None:
                await services.turn_log.vote(turn.id, user, vote)
        except STORE_ERRORS as exc:
            log.warning("feedback not stored: %s", type(exc).__name__)
            await _tell(client, channel, user, thread, STORE_DOWN)
            return
        if turn is None:
            await _tell(client, channel, user, thread, NOT_FOUND)
            return
        trigger = body.get("trigger_id")
        if vote < 0 and isinstance(trigger, str):
            try:
                await client.views_open(trigger_id=trigger, view=comment_modal(turn.id))
                return
            except SlackApiError as exc:
                log.warning("could not open the feedback modal: %s", exc.response.get("error"))
        await _tell(client, channel, user, thread, THANKS)

    async def handle_comment(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        await ack()
        user = (body.get("user") or {}).get("id")
        try:
            turn_id = int(json.loads(view.get("private_metadata") or "{}")["turn"])
        except (ValueError, KeyError, TypeError):
            log.warning("skipped a feedback comment: its modal lacks the turn")
            return
        value = (((view.get("state") or {}).get("values") or {}).get(COMMENT_INPUT) or {}).get(COMMENT_ACTION) or {}
        comment = value.get("value") if isinstance(value, dict) else None
        if not isinstance(user, str) or services.turn_log is None or not isinstance(comment, str) or not comment.strip():
            return  # nothing to add: the 👎 is stored already
        try:
            await services.turn_log.vote(turn_id, user, -1, comment=comment.strip()[:COMMENT_LIMIT])
        except STORE_ERRORS as exc:
            log.warning("feedback comment not stored: %s", type(exc).__name__)

    app.action(FEEDBACK)(handle_feedback)
    app.view(COMMENT_MODAL)(handle_comment)


async def _tell(client: AsyncWebClient, channel: str, user: str, thread_ts: Any, text: str) -> None:
    try:
        await client.chat_postEphemeral(channel=channel, user=user, thread_ts=thread_ts if isinstance(thread_ts, str) else None, text=text)
    except SlackApiError as exc:
        log.warning("could not answer a feedback click: %s", exc.response.get("error"))

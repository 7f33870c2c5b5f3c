"""Button clicks on a proposed CRM change: Confirm or Cancel, decided by the brain, shown here."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from hard_e.agents.crm.actions import GONE, NOT_YOURS, REFUSED, Decision
from hard_e.errors import StoreUnavailable
from hard_e.handlers.blocks import CANCEL, CONFIRM, build_outcome

if TYPE_CHECKING:
    from hard_e.bot.services import Services

log = logging.getLogger(__name__)

STORE_DOWN = "My database isn't answering right now, so nothing was changed. Please click again in a minute."


def register(app: AsyncApp, services: Services) -> None:
    async def handle_crm_decision(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        where = click_place(body, action)
        if where is None:
            log.warning("skipped a CRM button click: the payload lacks its user, channel, message or action")
            return
        user, channel, message_ts, action_id = where
        confirm = action.get("action_id") == CONFIRM
        if services.crm_actions is None:
            return
        try:
            decision = await services.crm_actions.decide(action_id, user, confirm=confirm, access=services.crm_access.bound(client))
        except StoreUnavailable:
            await _tell(client, channel, user, STORE_DOWN)
            return
        await show(decision, client, channel=channel, message_ts=message_ts, user=user)

    app.action(CONFIRM)(handle_crm_decision)
    app.action(CANCEL)(handle_crm_decision)


def click_place(body: dict[str, Any], action: dict[str, Any]) -> tuple[str, str, str, str] | None:
    """(clicker, channel, message ts, pending action id) from a block_actions payload, or None."""
    user = (body.get("user") or {}).get("id")
    container = body.get("container") or {}
    channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
    message_ts = container.get("message_ts") or (body.get("message") or {}).get("ts")
    value = action.get("value")
    if isinstance(user, str) and isinstance(channel, str) and isinstance(message_ts, str) and isinstance(value, str):
        if user and channel and message_ts and value:
            return user, channel, message_ts, value
    return None


async def show(decision: Decision, client: AsyncWebClient, *, channel: str, message_ts: str, user: str) -> None:
    if decision.outcome == GONE:
        return  # decided already (a second click, a retried payload, another process): nothing more
    if decision.outcome in (NOT_YOURS, REFUSED):
        await _tell(client, channel, user, decision.text)
        return
    text, blocks = build_outcome(decision.outcome, decision.text, decision.summary, link=decision.link, decided_by=decision.requested_by)
    try:
        await client.chat_update(channel=channel, ts=message_ts, text=text, blocks=blocks)
    except SlackApiError as exc:
        log.warning("could not show a CRM decision: %s", exc.response.get("error"))


async def _tell(client: AsyncWebClient, channel: str, user: str, text: str) -> None:
    try:
        await client.chat_postEphemeral(channel=channel, user=user, text=text)
    except SlackApiError as exc:
        log.warning("could not answer a click privately: %s", exc.response.get("error"))

"""`/new-customer`: a form that opens at once, prefilled from what the rep typed, refreshed when the
model has read it; a valid submission goes to the outbox (exactly once) and the rep hears in a DM how
it went. A possible duplicate waits for the rep's word: Create anyway, or keep the existing one."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from hard_e.agents.crm.creation import POSSIBLE_DUPLICATE, CreationOutcome
from hard_e.agents.crm.form import FormValues, empty_form, fill_blanks, form_from_text, form_problems, payload_from_form
from hard_e.agents.crm.wording import refused
from hard_e.errors import StoreUnavailable
from hard_e.handlers.blocks import REVIEW_NEW_CUSTOMER
from hard_e.handlers.views import NEW_CUSTOMER, build_message_modal, build_new_customer_modal, read_new_customer_form

if TYPE_CHECKING:
    from hard_e.bot.services import Services

log = logging.getLogger(__name__)

CREATE_ANYWAY, KEEP_EXISTING = "new_customer_create_anyway", "new_customer_keep_existing"
ACCESS_WAIT = 1.5  # of the 3 s Slack gives a submission's answer
NO_FORM = "I couldn't open the new-customer form just now. Please try `/new-customer` again in a moment."
STORE_DOWN = "My database isn't answering right now, so nothing was saved yet — your entries are still here. Submit again in a minute."
ENDED = "That form was already submitted, so there's nothing more to do here. Check your DM with me for how it went."


def register(app: AsyncApp, services: Services) -> None:
    async def handle_new_customer_command(ack: AsyncAck, command: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        await open_form(client, services, trigger_id=command.get("trigger_id"), text=command.get("text") or "", user=command.get("user_id"))

    async def handle_review_button(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        await open_form(client, services, trigger_id=body.get("trigger_id"), values=review_values(action.get("value")), user=_user(body))

    async def handle_new_customer_submission(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient) -> None:
        await submit_form(ack, body, view, client, services)

    async def handle_duplicate_choice(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        await decide_duplicate(body, action, client, services)

    app.command("/new-customer")(handle_new_customer_command)
    app.action(REVIEW_NEW_CUSTOMER)(handle_review_button)
    app.view(NEW_CUSTOMER)(handle_new_customer_submission)
    app.action(CREATE_ANYWAY)(handle_duplicate_choice)
    app.action(KEEP_EXISTING)(handle_duplicate_choice)


def _user(body: dict[str, Any]) -> str | None:
    user = (body.get("user") or {}).get("id")
    return user if isinstance(user, str) and user else None


def _modal(services: Services, values: FormValues, *, note: str | None = None, metadata: str = "") -> dict[str, Any]:
    from hard_e.agents.intake import LEAD_SOURCES, TRADES

    return build_new_customer_modal(values, trades=TRADES, lead_sources=LEAD_SOURCES, metadata=metadata, note=note)


def review_values(raw: object) -> FormValues:
    """The form values a "Review & create" button carries (JSON), keeping only well-formed fields."""
    try:
        data = json.loads(raw) if isinstance(raw, str) else {}
    except ValueError:
        data = {}
    values = empty_form()
    if isinstance(data, dict):
        for key, default in values.items():
            got = data.get(key)
            if isinstance(default, list) and isinstance(got, list):
                values[key] = [t for t in got if isinstance(t, str)]
            elif isinstance(default, str) and isinstance(got, str):
                values[key] = got
    return values


async def open_form(
    client: AsyncWebClient, services: Services, *, trigger_id: object, text: str = "", values: FormValues | None = None, user: str | None
) -> None:
    """Open the form before any model call (the trigger id lives 3 seconds), then refresh the fields the
    model found that were still empty; what the rep typed meanwhile stays (same block and action ids)."""
    if not isinstance(trigger_id, str) or not trigger_id:
        log.warning("skipped a new-customer form: no trigger_id in the payload")
        return
    if values is None:
        values = form_from_text(text) if text.strip() else empty_form()
    try:
        opened = await client.views_open(trigger_id=trigger_id, view=_modal(services, values))
    except SlackApiError as exc:
        log.warning("could not open the new-customer form: %s", exc.response.get("error"))
        if user:
            await _dm(client, user, NO_FORM)
        return
    if not text.strip() or services.field_model is None:
        return
    refreshed = fill_blanks(values, await services.extract_form(text))
    if refreshed == values:
        return
    view = opened.get("view") or {}
    try:
        await client.views_update(view_id=view.get("id"), hash=view.get("hash"), view=_modal(services, refreshed))
    except SlackApiError as exc:  # hash_conflict: the view changed meanwhile; the rep's version wins
        log.info("new-customer form not refreshed: %s", exc.response.get("error"))


async def submit_form(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient, services: Services) -> None:
    user, team = _user(body), (body.get("team") or {}).get("id") or ""
    values = read_new_customer_form((view.get("state") or {}).get("values") or {})
    if (problems := form_problems(values)) or user is None:
        await ack(response_action="errors", errors=problems or {"first_name": "I couldn't tell who you are; please try again."})
        return
    try:
        reason = await asyncio.wait_for(services.crm_access.bound(client).refusal(user), ACCESS_WAIT)
    except TimeoutError:
        reason = "unverified"
    if reason is not None:
        await ack(response_action="update", view=build_message_modal("New customer", refused(reason)))
        return
    if services.creations is None:
        await ack(response_action="update", view=build_message_modal("New customer", "No CRM is connected to me here."))
        return
    key = f"{NEW_CUSTOMER}:{team}:{view.get('id')}"
    try:
        queued = await services.creations.submit(key, payload_from_form(values), requested_by=user, team_id=team)
    except StoreUnavailable:
        await ack(response_action="errors", errors={"first_name": STORE_DOWN})
        return
    if not queued:  # a double click or a retried payload: the first one is on its way
        await ack(response_action="update", view=build_message_modal("New customer", ENDED))
        return
    await ack()
    if (current := asyncio.current_task()) is not None:
        services.track(current)
    await process_and_tell(services, client, key)


async def process_and_tell(services: Services, client: AsyncWebClient, key: str) -> CreationOutcome | None:
    """Send one queued customer to the CRM now (if due and free) and tell its rep how it went."""
    if services.creations is None:
        return None
    try:
        outcome = await services.creations.process(key)
    except StoreUnavailable:
        log.warning("outbox unavailable; %s waits for the next round", key)
        return None
    if outcome is not None and outcome.tell:
        await tell_rep(client, outcome)
    return outcome


async def tell_rep(client: AsyncWebClient, outcome: CreationOutcome) -> None:
    """The rep's DM: created, waiting, given up — or a possible duplicate with the two choices."""
    blocks: list[dict[str, Any]] = [_section(outcome.text)]
    if outcome.kind == POSSIBLE_DUPLICATE:
        blocks.append(
            {
                "type": "actions",
                "block_id": "new_customer_duplicate",
                "elements": [
                    {
                        "type": "button",
                        "action_id": CREATE_ANYWAY,
                        "text": {"type": "plain_text", "text": "Create anyway"},
                        "value": outcome.key,
                    },
                    {
                        "type": "button",
                        "action_id": KEEP_EXISTING,
                        "text": {"type": "plain_text", "text": "Open existing"},
                        "value": outcome.key,
                    },
                ],
            }
        )
    await _dm(client, outcome.requested_by, outcome.text, blocks)


async def decide_duplicate(body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient, services: Services) -> None:
    user, key = _user(body), action.get("value")
    container = body.get("container") or {}
    channel, ts = container.get("channel_id"), container.get("message_ts")
    if services.creations is None or not isinstance(key, str) or user is None:
        return
    row = await services.creations.outbox.get(key)
    if row is None or row.requested_by != user:
        return
    if action.get("action_id") == KEEP_EXISTING:
        if await services.creations.keep_existing(key):
            await _replace(client, channel, ts, "Kept the existing customer; nothing new was created.")
        return  # else decided already (a double click, a retried payload): the message says how
    outcome = await services.creations.create_anyway(key)
    if outcome is not None:
        await _replace(client, channel, ts, outcome.text)


async def _replace(client: AsyncWebClient, channel: object, ts: object, text: str) -> None:
    if not isinstance(channel, str) or not isinstance(ts, str):
        return
    try:
        await client.chat_update(
            channel=channel, ts=ts, text=text, blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}}]
        )
    except SlackApiError as exc:
        log.warning("could not update a new-customer message: %s", exc.response.get("error"))


async def _dm(client: AsyncWebClient, user: str, text: str, blocks: list[dict[str, Any]] | None = None) -> None:
    try:
        dm = (await client.conversations_open(users=user))["channel"]["id"]
        await client.chat_postMessage(channel=dm, text=text, blocks=blocks)
    except (SlackApiError, KeyError, TypeError) as exc:
        reason = exc.response.get("error") if isinstance(exc, SlackApiError) else "unexpected response"
        log.warning("could not tell a rep about their new customer: %s", reason)


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}}


def _button(action_id: str, text: str, value: str) -> dict[str, Any]:
    return {"type": "button", "action_id": action_id, "text": {"type": "plain_text", "text": text}, "value": value}

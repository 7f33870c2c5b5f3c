"""`/script`: a form that opens at once (customer or job searched in the CRM as the rep types); the script
is drafted in a new thread in the rep's DM (it uses CRM details), streamed like any answer; replies in
the thread revise it; under each version, Revise (a form for what to change) and Approve (the version
becomes a note on the job, after the same Confirm as any CRM write)."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from hard_e.agents.crm.actions import ADD_NOTE
from hard_e.agents.crm.describe import job_ref
from hard_e.agents.crm.wording import refused
from hard_e.agents.scripts import KIND_NAMES, approval_summary, approved_note, customer_options, script_request, script_state
from hard_e.agents.state import WorkflowState
from hard_e.agents.turn import Turn
from hard_e.errors import CrmUnavailable, StoreUnavailable
from hard_e.handlers.answering import answer_turn
from hard_e.handlers.blocks import SCRIPT_APPROVE, SCRIPT_REVISE, build_confirmation, read_script_action_value, script_action_value
from hard_e.handlers.views import (
    CUSTOMER_SEARCH,
    SCRIPT,
    SCRIPT_REVISION,
    VALUE,
    build_message_modal,
    build_revision_modal,
    build_script_modal,
    read_script_form,
)

if TYPE_CHECKING:
    from hard_e.bot.services import Services

log = logging.getLogger(__name__)

FIND_WAIT = 1.0  # of the 3 s a trigger id lives: a quick look for the customer the command named
NO_FORM = "I couldn't open the script form just now. Please try `/script` again in a moment."
PICK_ONE = "Pick the customer or job from the list (type a few letters of the name, email, phone or job number)."
ENDED = "That script was already started — it's in your DM with me."


def register(app: AsyncApp, services: Services) -> None:
    async def handle_script_command(ack: AsyncAck, command: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        await open_script_form(client, services, command)

    async def handle_customer_search(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        user = (body.get("user") or {}).get("id")
        if services.crm is None or await services.crm_access.bound(client).refusal(user) is not None:
            await ack(options=[])
            return
        choices = await customer_options(services.crm, str(body.get("value") or ""))
        await ack(options=[{"text": {"type": "plain_text", "text": text}, "value": value} for value, text in choices])

    async def handle_script_submission(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient) -> None:
        await submit_script_form(ack, body, view, client, services)

    async def handle_revise_button(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        picked = read_script_action_value(action.get("value"))
        trigger = body.get("trigger_id")
        if picked is None or not isinstance(trigger, str):
            return
        try:
            await client.views_open(trigger_id=trigger, view=build_revision_modal(picked[1], metadata=str(action.get("value"))))
        except SlackApiError as exc:
            log.warning("could not open the revision form: %s", exc.response.get("error"))

    async def handle_revision_submission(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient) -> None:
        await submit_revision(ack, body, view, client, services)

    async def handle_approve_button(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        await approve_version(body, action, client, services)

    app.command("/script")(handle_script_command)
    app.options(CUSTOMER_SEARCH)(handle_customer_search)
    app.view(SCRIPT)(handle_script_submission)
    app.action(SCRIPT_REVISE)(handle_revise_button)
    app.view(SCRIPT_REVISION)(handle_revision_submission)
    app.action(SCRIPT_APPROVE)(handle_approve_button)


async def open_script_form(client: AsyncWebClient, services: Services, command: dict[str, Any]) -> None:
    trigger, text = command.get("trigger_id"), str(command.get("text") or "").strip()
    if not isinstance(trigger, str) or not trigger:
        log.warning("skipped a /script form: no trigger_id in the payload")
        return
    initial, note = None, None
    if text and services.crm is not None:
        try:
            choices = await asyncio.wait_for(customer_options(services.crm, text), FIND_WAIT)
        except TimeoutError:
            choices = []
        if len(choices) == 1:
            initial = choices[0]
        elif not choices:
            note = f"I couldn't find “{text[:100]}” in the CRM. A new customer? Create them first with `/new-customer {text[:100]}`."
    try:
        await client.views_open(trigger_id=trigger, view=build_script_modal(customer=initial, note=note))
    except SlackApiError as exc:
        log.warning("could not open the /script form: %s", exc.response.get("error"))
        await _tell(client, command.get("channel_id"), command.get("user_id"), NO_FORM)


async def submit_script_form(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient, services: Services) -> None:
    user, team = (body.get("user") or {}).get("id"), (body.get("team") or {}).get("id") or ""
    form = read_script_form((view.get("state") or {}).get("values") or {})
    if not form["customer"]:
        await ack(response_action="errors", errors={"customer": PICK_ONE})
        return
    if not isinstance(user, str) or not user:
        await ack(response_action="errors", errors={"customer": "I couldn't tell who you are; please try again."})
        return
    if (reason := await services.crm_access.bound(client).refusal(user)) is not None:
        await ack(response_action="update", view=build_message_modal("New script", refused(reason)))
        return
    try:
        first = await services.events.first_time(f"{team}:script:{view.get('id')}")
    except StoreUnavailable:
        await ack(
            response_action="errors", errors={"customer": "My database isn't answering; your choices are kept — submit again in a minute."}
        )
        return
    if not first:
        await ack(response_action="update", view=build_message_modal("New script", ENDED))
        return
    await ack()
    if (current := asyncio.current_task()) is not None:
        services.track(current)
    state = script_state(
        kind=form["kind"],
        customer=form["customer"],
        customer_text=form["customer_text"],
        tone=form["tone"],
        length=form["length"],
        key_points=form["key_points"],
    )
    try:
        dm = (await client.conversations_open(users=user))["channel"]["id"]
        header = await client.chat_postMessage(channel=dm, text=f":memo: *{KIND_NAMES[state.kind].capitalize()}* for {state.customer}")
        thread = header["ts"]
    except (SlackApiError, KeyError, TypeError) as exc:
        log.warning(
            "could not start a script thread: %s", exc.response.get("error") if isinstance(exc, SlackApiError) else "unexpected response"
        )
        return
    turn = Turn(
        team_id=team,
        channel_id=dm,
        thread_ts=thread,
        message_ts=f"script:{view.get('id')}",
        user_id=user,
        text=script_request(state),
        channel_type="im",
    )
    await services.store.ensure(key=turn.conversation_key, team_id=team, channel_id=dm, thread_ts=thread, channel_type="im", user_id=user)
    workflow = WorkflowState(script=state)
    await services.store.save_workflow(turn.conversation_key, active_workflow="scripting", last_agent=None, state=workflow.to_json())
    await answer_turn(turn, client, services, kind="script")


async def submit_revision(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient, services: Services) -> None:
    user = (body.get("user") or {}).get("id")
    picked = read_script_action_value(view.get("private_metadata"))
    instructions = str(
        (((view.get("state") or {}).get("values") or {}).get("instructions") or {}).get(VALUE, {}).get("value") or ""
    ).strip()
    if not instructions:
        await ack(response_action="errors", errors={"instructions": "Say what should change."})
        return
    conversation = await services.store.get(picked[0]) if picked else None
    if picked is None or conversation is None or conversation.user_id != user:
        await ack(
            response_action="update",
            view=build_message_modal("Revise", "That script's conversation is gone; start a new one with `/script`."),
        )
        return
    await ack()
    if (current := asyncio.current_task()) is not None:
        services.track(current)
    turn = Turn(
        team_id=conversation.team_id,
        channel_id=conversation.channel_id,
        thread_ts=conversation.thread_ts,
        message_ts=f"revise:{view.get('id')}",
        user_id=user,
        text=f"Revise version {picked[1]}: {instructions}",
        channel_type="im",
    )
    await answer_turn(turn, client, services, kind="script")


async def approve_version(body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient, services: Services) -> None:
    user = (body.get("user") or {}).get("id")
    picked = read_script_action_value(action.get("value"))
    conversation = await services.store.get(picked[0]) if picked else None
    channel = (body.get("container") or {}).get("channel_id")
    if picked is None or conversation is None or not isinstance(user, str) or services.crm is None or services.crm_actions is None:
        return
    if conversation.user_id != user:
        await _tell(client, channel, user, f"Only <@{conversation.user_id}> can approve this script.")
        return
    state = WorkflowState.from_json(conversation.workflow_state).script
    note = approved_note(state, picked[1])
    if note is None:
        return
    if not state.job_id:
        await _tell(
            client,
            channel,
            user,
            "This script isn't tied to a job, so there's nowhere to save it. Start it with `/script` and pick the job.",
        )
        return
    try:
        job = await services.crm.job(state.job_id)
    except (CrmUnavailable, StoreUnavailable):
        job = None
    label = job_ref(job) if job is not None else f"job {state.job_id}"
    turn = Turn(
        team_id=conversation.team_id,
        channel_id=conversation.channel_id,
        thread_ts=conversation.thread_ts,
        message_ts=f"approve:{script_action_value(*picked)}",
        user_id=user,
        text="",
        channel_type="im",
    )
    summary = approval_summary(label, picked[1])
    proposal = await services.crm_actions.propose(turn, ADD_NOTE, {"job_id": state.job_id, "text": note}, summary)
    text, blocks = build_confirmation(summary, proposal.action_id, user)
    try:
        await client.chat_postMessage(channel=conversation.channel_id, thread_ts=conversation.thread_ts, text=text, blocks=blocks)
    except SlackApiError as exc:
        log.warning("could not post the approval confirmation: %s", exc.response.get("error"))


async def _tell(client: AsyncWebClient, channel: object, user: object, text: str) -> None:
    if not isinstance(channel, str) or not isinstance(user, str):
        return
    try:
        await client.chat_postEphemeral(channel=channel, user=user, text=text)
    except SlackApiError as exc:
        log.warning("could not answer privately: %s", exc.response.get("error"))

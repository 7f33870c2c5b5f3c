"""Job-site photos: a photo posted to Hard-E is described by the vision model (damage, materials, visible
measurements, safety, what to check), and Hard-E offers to add the description as a note to a job — the
rep picks the job, and the note follows the CRM's Confirm rules. EXIF (and so location) never leaves."""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from hard_e.agents.crm.actions import ADD_NOTE
from hard_e.agents.crm.wording import refused
from hard_e.agents.photos import describe_photo, photo_note
from hard_e.agents.turn import Turn
from hard_e.errors import MediaUnavailable, StoreUnavailable
from hard_e.handlers.blocks import build_confirmation
from hard_e.handlers.slack_files import FileRefused, SlackFileError, download_slack_file, is_image
from hard_e.handlers.status_line import post, show
from hard_e.handlers.views import CUSTOMER_SEARCH, build_message_modal
from hard_e.integrations.images import ImageUnreadable

if TYPE_CHECKING:
    from hard_e.bot.services import Services

log = logging.getLogger(__name__)

ADD_PHOTO_NOTE, PHOTO_NOTE_VIEW = "photo_add_note", "photo_note"
MAX_PHOTO_BYTES = 30 * 1024 * 1024
LOOKING = ":camera: _Looking at your photo…_"
UNREADABLE_PHOTO = "I couldn't open that photo. JPEG, PNG, WebP and HEIC work; try sending it again."
NO_VISION = "I can't look at photos here: no language model is connected."
CARRIED = 1800  # characters of description a button can carry (Slack allows 2,000 in a value)


def register(app: AsyncApp, services: Services) -> None:
    async def handle_add_photo_note(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        trigger = body.get("trigger_id")
        container = body.get("container") or {}
        metadata = json.dumps(
            {
                "note": str(action.get("value") or ""),
                "channel": container.get("channel_id"),
                "thread": (body.get("message") or {}).get("thread_ts") or container.get("message_ts"),
            }
        )
        if isinstance(trigger, str):
            try:
                await client.views_open(trigger_id=trigger, view=build_job_picker(metadata))
            except SlackApiError as exc:
                log.warning("could not open the job picker: %s", exc.response.get("error"))

    async def handle_job_picked(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient) -> None:
        await propose_photo_note(ack, body, view, client, services)

    app.action(ADD_PHOTO_NOTE)(handle_add_photo_note)
    app.view(PHOTO_NOTE_VIEW)(handle_job_picked)


def build_job_picker(metadata: str) -> dict[str, Any]:
    """Which job the photo notes go on: the same CRM search as `/script`."""
    search = {
        "type": "external_select",
        "action_id": CUSTOMER_SEARCH,
        "placeholder": {"type": "plain_text", "text": "Type a name, email, phone or job number"},
        "min_query_length": 2,
    }
    return {
        "type": "modal",
        "callback_id": PHOTO_NOTE_VIEW,
        "title": {"type": "plain_text", "text": "Add photo notes"},
        "submit": {"type": "plain_text", "text": "Add"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "private_metadata": metadata[:3000],
        "blocks": [{"type": "input", "block_id": "job", "label": {"type": "plain_text", "text": "Job"}, "element": search}],
    }


async def describe_files(turn: Turn, files: list[dict[str, Any]], client: AsyncWebClient, services: Services) -> list[str]:
    """Each photo's description, posted in the thread with "Add as a job note"; what was said, in order."""
    where = {"channel": turn.channel_id, "thread_ts": turn.reply_thread_ts or turn.message_ts}
    said: list[str] = []
    for file in files:
        status = await post(client, LOOKING, where)
        if services.photo_describer is None:
            await show(client, where, status, NO_VISION)
            continue
        try:
            data = await download_slack_file(
                file,
                token=services.settings.slack_bot_token.get() if services.settings.slack_bot_token else "",
                api_url=services.settings.slack_api_url,
                max_bytes=MAX_PHOTO_BYTES,
                allowed_types=is_image,
            )
            description = await describe_photo(data, describer=services.photo_describer)
        except (FileRefused, ImageUnreadable) as exc:
            log.warning("photo not described: %s", getattr(exc, "reason", type(exc).__name__))
            await show(client, where, status, UNREADABLE_PHOTO)
            continue
        except (MediaUnavailable, SlackFileError) as exc:
            log.warning("photo not described: %s", getattr(exc, "reason", type(exc).__name__))
            await show(client, where, status, "I couldn't look at that photo just now. Please send it again in a minute.")
            continue
        button = {
            "type": "button",
            "action_id": ADD_PHOTO_NOTE,
            "text": {"type": "plain_text", "text": "Add as a job note"},
            "value": description[:CARRIED],
        }
        await show(client, where, status, f":camera: {description}", extra=[{"type": "actions", "elements": [button]}])
        said.append(description)
    return said


async def propose_photo_note(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient, services: Services) -> None:
    user, team = (body.get("user") or {}).get("id"), (body.get("team") or {}).get("id") or ""
    picked = (((view.get("state") or {}).get("values") or {}).get("job") or {}).get(CUSTOMER_SEARCH, {}).get("selected_option") or {}
    job = str(picked.get("value") or "") if isinstance(picked, dict) else ""
    if not job.startswith("job:"):
        await ack(response_action="errors", errors={"job": "Pick a job from the list (not just a customer)."})
        return
    try:
        meta = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        meta = {}
    channel, thread, note = meta.get("channel"), meta.get("thread"), meta.get("note")
    if not (isinstance(user, str) and isinstance(channel, str) and isinstance(thread, str) and isinstance(note, str) and note):
        await ack(
            response_action="update", view=build_message_modal("Add photo notes", "That photo's notes are gone; send the photo again.")
        )
        return
    if (reason := await services.crm_access.bound(client).refusal(user)) is not None:
        await ack(response_action="update", view=build_message_modal("Add photo notes", refused(reason)))
        return
    if services.crm_actions is None:
        await ack(response_action="update", view=build_message_modal("Add photo notes", "No CRM is connected to me here."))
        return
    await ack()
    turn = Turn(
        team_id=team, channel_id=channel, thread_ts=thread, message_ts=f"photo:{view.get('id')}", user_id=user, text="", channel_type="im"
    )
    job_id, label = job.removeprefix("job:"), str((picked.get("text") or {}).get("text") or "")
    summary = f"Add the photo notes to job {job_id} ({label})" if label else f"Add the photo notes to job {job_id}"
    try:
        proposal = await services.crm_actions.propose(turn, ADD_NOTE, {"job_id": job_id, "text": photo_note(note)}, summary)
    except StoreUnavailable:
        return
    text, blocks = build_confirmation(summary, proposal.action_id, user)
    where: dict[str, Any] = {"channel": channel, "thread_ts": thread}
    if not channel.startswith("D"):  # the job is CRM detail: the confirmation goes to the rep's DM
        try:
            where = {"channel": (await client.conversations_open(users=user))["channel"]["id"]}
        except (SlackApiError, KeyError, TypeError):
            log.warning("could not open a DM for a photo note's confirmation")
            return
    await post(client, text, where, blocks=blocks)

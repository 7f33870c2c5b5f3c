"""A job-site photo in Slack: described by the vision model (without its EXIF), then — on the rep's
pick of the job and their Confirm — added to the job as a note, once."""

from __future__ import annotations

import io
import json

import aiohttp
from PIL import Image

from hard_e.store.crm_import import SAMPLE_DIR, import_crm
from tests import slack_events as se

DESCRIPTION = "- Damage: hail bruising on the north slope\n- Materials: architectural shingles\n- Check: soft decking near the chimney"


def photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (2400, 1600), (120, 90, 60)).save(out, format="JPEG")
    return out.getvalue()


async def post(bot, body: str) -> dict:
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{bot.url}/slack/events", data=body, headers=se.sign(body, content_type=se.FORM)) as response:
            text = await response.text()
            return json.loads(text) if text.strip() else {}


async def test_a_photo_is_described_and_its_notes_go_on_the_job_the_rep_picks_after_confirm(bot, fake_slack, fake_openai):
    await import_crm(bot.services.engine, SAMPLE_DIR)
    file = fake_slack.add_file(photo(), name="roof.jpg", mimetype="image/jpeg", filetype="jpg")
    fake_openai.reply(DESCRIPTION)
    await bot.send_event(se.message("", channel="D1", channel_type="im", subtype="file_share", files=[file]))
    await bot.settle()

    [described] = fake_slack.messages(channel="D1")
    assert described.text == f":camera: {DESCRIPTION}"
    [image] = fake_openai.images
    assert image.mime == "image/jpeg"
    [button] = described.blocks[1]["elements"]
    assert button["text"]["text"] == "Add as a job note"

    click = se.block_action(user="U1", action_id=button["action_id"], value=button["value"], channel="D1", message_ts=described.ts)
    click["trigger_id"] = fake_slack.issue_trigger("U1")
    await bot.click(click)
    await bot.settle()
    [picker] = list(fake_slack.views)
    chosen = {"text": {"type": "plain_text", "text": "Grace Okafor — Okafor roof replacement (Contract Signed)"}, "value": "job:4709"}
    payload = se.view_submission(fake_slack.view(picker), values={("job", "customer_search"): chosen}, check=False)
    assert await post(bot, se.interaction_body(payload)) == {}
    await bot.settle()

    before = len(await bot.services.crm.notes("4709", limit=100))
    confirmation = fake_slack.messages(channel="D1")[-1]
    assert "Add the photo notes to job 4709" in confirmation.blocks[0]["text"]["text"]
    confirm = next(e for e in confirmation.blocks[1]["elements"] if e["action_id"] == "crm_confirm")
    yes = se.block_action(user="U1", action_id="crm_confirm", value=confirm["value"], channel="D1", message_ts=confirmation.ts)
    await bot.click(yes)
    await bot.click(yes)
    await bot.settle()
    notes = await bot.services.crm.notes("4709", limit=100)
    assert len(notes) == before + 1 and notes[0].text.startswith("[Visit] Photo notes: - Damage: hail bruising")

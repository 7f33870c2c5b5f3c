"""`/script` over real HTTP against the local CRM: the form, the customer search, the script drafted in a
DM thread, revisions by reply and by the Revise form, and Approve writing the job note once."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest

from hard_e.agents.state import WorkflowState
from hard_e.store.crm_import import SAMPLE_DIR, import_crm
from tests import slack_events as se

DRAFT_1 = "Hi Grace, it's [REP] from Brightwater. [PAUSE] Your roof is on the schedule for next week."
DRAFT_2 = "Hi Grace, [REP] here. Your roof starts next week."


async def post(bot, body: str) -> tuple[int, dict]:
    headers = se.sign(body, content_type=se.FORM)
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{bot.url}/slack/events", data=body, headers=headers) as response:
            text = await response.text()
            return response.status, json.loads(text) if text.strip() else {}


@pytest.fixture
async def crm_bot(bot):
    await import_crm(bot.services.engine, SAMPLE_DIR)
    return bot


async def open_form(bot, fake_slack, text: str = "") -> str:
    await post(bot, se.form_body(se.slash_command("/script", text, trigger_id=fake_slack.issue_trigger("U1"))))
    for _ in range(200):
        if fake_slack.views:
            break
        await asyncio.sleep(0.01)
    [view_id] = list(fake_slack.views)
    return view_id


async def start_script(bot, fake_slack, fake_openai) -> tuple[str, str]:
    """Open the form, pick the Okafor job, submit; the model drafts version 1. Returns (view id, thread ts)."""
    view_id = await open_form(bot, fake_slack, "Okafor")
    fake_openai.reply_tool_call("save_script_draft", {"kind": "call", "draft": DRAFT_1, "customer": "Grace Okafor"})
    fake_openai.reply(DRAFT_1)
    view = fake_slack.view(view_id)
    payload = se.view_submission(view, values={("key_points", "value"): "the start date"})
    status, answer = await post(bot, se.interaction_body(payload))
    assert status == 200 and answer == {}
    await bot.settle()
    header = fake_slack.messages(channel="D1")[0]
    return view_id, header.ts


async def test_the_form_finds_the_job_the_command_named_and_searches_as_the_rep_types(crm_bot, fake_slack, fake_openai):
    view_id = await open_form(crm_bot, fake_slack, "Okafor")
    first = fake_slack.views[view_id].versions[0]
    customer = next(b for b in first["blocks"] if b["block_id"] == "customer")["element"]
    assert customer["type"] == "external_select"
    assert customer["initial_option"] == {
        "text": {"type": "plain_text", "text": "Grace Okafor — Okafor roof replacement (Contract Signed)"},
        "value": "job:4709",
    }
    status, options = await post(crm_bot, se.interaction_body(se.block_suggestion(first, action_id="customer_search", value="Dunn")))
    assert status == 200
    assert sorted(o["value"] for o in options["options"]) == ["job:4723", "job:4724"]
    assert fake_openai.requests == [], "no model involved in the form"


async def test_an_unknown_customer_offers_new_customer(crm_bot, fake_slack):
    view_id = await open_form(crm_bot, fake_slack, "Featherstonehaugh")
    note = fake_slack.views[view_id].versions[0]["blocks"][0]
    assert "`/new-customer Featherstonehaugh`" in note["elements"][0]["text"]


async def test_a_script_is_drafted_in_a_dm_thread_revised_by_reply_and_approved_into_a_note(crm_bot, fake_slack, fake_openai):
    view_id, thread = await start_script(crm_bot, fake_slack, fake_openai)

    request = str(fake_openai.requests[0].body["input"])
    assert "Write a standard call script for Grace Okafor" in request and "job 4709" in request and "the start date" in request
    header, draft, actions = fake_slack.messages(channel="D1")
    assert header.text.startswith(":memo: *Standard call script* for Grace Okafor")
    assert draft.thread_ts == thread and draft.text == DRAFT_1
    assert [e["text"]["text"] for e in actions.blocks[1]["elements"]] == ["Revise", "Approve", "Listen"]
    assert fake_slack.messages(channel="C1") == [], "nothing in a channel"

    # A reply in the thread revises it.
    fake_openai.reply_tool_call("save_script_draft", {"kind": "call", "draft": DRAFT_2})
    fake_openai.reply(DRAFT_2)
    await crm_bot.send_event(se.message("make the opener shorter", channel="D1", channel_type="im", thread_ts=thread))
    await crm_bot.settle()
    conversation = await crm_bot.services.store.get(f"{se.TEAM}:D1:{thread}")
    script = WorkflowState.from_json(conversation.workflow_state).script
    assert (script.revisions, script.versions, script.job_id, script.tone) == (2, [DRAFT_1, DRAFT_2], "4709", "friendly")
    v2_actions = fake_slack.messages(channel="D1")[-1]
    assert v2_actions.blocks[0]["elements"][0]["text"].startswith("Version 2")

    # Approve version 2: a note, proposed; Confirm writes it once.
    approve = next(e for e in v2_actions.blocks[1]["elements"] if e["action_id"] == "script_approve")
    await crm_bot.click(
        se.block_action(user="U1", action_id="script_approve", value=approve["value"], channel="D1", message_ts=v2_actions.ts)
    )
    await crm_bot.settle()
    confirmation = fake_slack.messages(channel="D1")[-1]
    assert "Save version 2 of the script as a note on job 4709 (Okafor roof replacement)" in confirmation.blocks[0]["text"]["text"]
    before = len(await crm_bot.services.crm.notes("4709", limit=100))
    confirm = next(e for e in confirmation.blocks[1]["elements"] if e["action_id"] == "crm_confirm")
    click = se.block_action(user="U1", action_id="crm_confirm", value=confirm["value"], channel="D1", message_ts=confirmation.ts)
    await crm_bot.click(click)
    await crm_bot.click(click)
    await crm_bot.settle()
    notes = await crm_bot.services.crm.notes("4709", limit=100)
    assert len(notes) == before + 1 and notes[0].text.endswith(DRAFT_2) and "version 2" in notes[0].text


async def test_the_revise_button_asks_what_to_change_and_revises(crm_bot, fake_slack, fake_openai):
    _, thread = await start_script(crm_bot, fake_slack, fake_openai)
    actions = fake_slack.messages(channel="D1")[-1]
    revise = next(e for e in actions.blocks[1]["elements"] if e["action_id"] == "script_revise")
    click = se.block_action(user="U1", action_id="script_revise", value=revise["value"], channel="D1", message_ts=actions.ts)
    click["trigger_id"] = fake_slack.issue_trigger("U1")
    await crm_bot.click(click)
    await crm_bot.settle()
    revision_view = [v for v in fake_slack.views.values() if v.current["callback_id"] == "script_revision"][0]
    fake_openai.reply_tool_call("save_script_draft", {"kind": "call", "draft": DRAFT_2})
    fake_openai.reply(DRAFT_2)
    payload = se.view_submission(fake_slack.view(revision_view.id), values={("instructions", "value"): "shorter opener"})
    status, answer = await post(crm_bot, se.interaction_body(payload))
    await crm_bot.settle()
    assert status == 200 and answer == {}
    assert "Revise version 1: shorter opener" in str(fake_openai.requests[-1].body["input"])
    assert [m.text for m in fake_slack.messages(channel="D1") if m.thread_ts == thread][-2] == DRAFT_2


async def test_a_form_without_a_customer_is_refused_inline_and_a_second_submit_says_it_ended(crm_bot, fake_slack, fake_openai):
    view_id = await open_form(crm_bot, fake_slack, "")
    empty = se.view_submission(fake_slack.view(view_id), check=False)
    status, answer = await post(crm_bot, se.interaction_body(empty))
    assert answer["response_action"] == "errors" and "customer" in answer["errors"]
    fake_openai.reply_tool_call("save_script_draft", {"kind": "call", "draft": DRAFT_1})
    fake_openai.reply(DRAFT_1)
    chosen = se.view_submission(
        fake_slack.view(view_id),
        values={("customer", "customer_search"): {"text": {"type": "plain_text", "text": "Grace Okafor"}, "value": "job:4709"}},
        check=False,
    )
    body = se.interaction_body(chosen)
    await post(crm_bot, body)
    _, again = await post(crm_bot, body)
    await crm_bot.settle()
    assert again["response_action"] == "update" and "already started" in json.dumps(again["view"])
    assert len([m for m in fake_slack.messages(channel="D1") if m.text.startswith(":memo:")]) == 1

"""`/new-customer` over real HTTP: the form opens before any model call, is refreshed without clobbering
what the rep typed, checks fields inline, and creates exactly one customer through the outbox — on
the local CRM and on (the fake) Leap, through outages and possible duplicates."""

from __future__ import annotations

import asyncio
import json
import time

import aiohttp
from sqlalchemy import update

from hard_e.bot.outbox_worker import work_outbox
from hard_e.store.models import CrmOutbox, utcnow
from tests import slack_events as se
from tests.crm.conftest import CrmBot, start_crm_bot

SAID = "Emily Stone emily at demo dot com five five five one two three four five six seven"
MODEL_FIELDS = {
    "first_name": "Emily", "last_name": "Stone", "email": "emily@demo.com", "phone": "555-123-4567",
    "street": "2608 Copper Canyon Drive", "city": "Plano", "state": "TX", "zip": "75024",
    "trades": ["roofing"], "lead_source": "door_knock", "notes": "Wants an inspection after the hail.",
}  # fmt: skip
GOOD = {
    "first_name": "Emily", "last_name": "Stone", "email": "emily@demo.com", "phone": "555-123-4567",
    "address": "2608 Copper Canyon Drive, Plano, TX 75024", "trade": ["roofing"], "lead_source": "door_knock", "notes": "",
}  # fmt: skip


async def post(bot, body: str) -> tuple[int, dict]:
    headers = se.sign(body, content_type=se.FORM)
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{bot.url}/slack/events", data=body, headers=headers) as response:
            text = await response.text()
            return response.status, json.loads(text) if text.strip() else {}


async def run_command(bot, fake_slack, text: str = SAID) -> tuple[float, str]:
    """Run `/new-customer text` as Slack would; (seconds until views.open was called, the view id)."""
    trigger = fake_slack.issue_trigger("U1")
    started = time.monotonic()
    status, _ = await post(bot, se.form_body(se.slash_command("/new-customer", text, trigger_id=trigger)))
    assert status == 200
    for _ in range(200):
        if fake_slack.calls_to("views.open"):
            break
        await asyncio.sleep(0.01)
    [opened] = fake_slack.calls_to("views.open")
    [view_id] = list(fake_slack.views)
    return opened.at - started, view_id


def field(view: dict, block_id: str) -> dict:
    return next(b for b in view["blocks"] if b.get("block_id") == block_id)["element"]


async def submit(bot, fake_slack, view_id: str, values: dict, *, user: str = "U1") -> tuple[int, dict]:
    view = fake_slack.view(view_id)
    payload = se.view_submission(view, user=user, values={(k, "value"): v for k, v in values.items() if v not in ("", [])}, check=False)
    return await post(bot, se.interaction_body(payload))


async def test_the_form_opens_at_once_prefilled_then_the_models_fields_fill_the_blanks(bot, fake_slack, fake_openai):
    fake_openai.reply(json.dumps(MODEL_FIELDS), first_token_delay=2.0)
    opened_after, view_id = await run_command(bot, fake_slack)

    assert opened_after < 1.0, "the modal opens well inside Slack's 3-second window, before any model call"
    first = fake_slack.views[view_id].versions[0]
    labels = [b["label"]["text"] for b in first["blocks"] if b["type"] == "input"]
    assert labels == ["First name", "Last name", "Email", "Phone", "Address", "Trade", "Lead source", "Notes"]
    assert field(first, "email")["initial_value"] == "emily@demo.com"
    assert field(first, "phone")["initial_value"] == "555-123-4567"
    assert field(first, "trade")["type"] == "multi_static_select" and field(first, "lead_source")["type"] == "static_select"

    # The rep fixes the first name while the model reads the text.
    fake_slack.set_view_state(view_id, se.state_values(first, {("first_name", "value"): "Emilia"}))
    await bot.settle()

    [update_call] = fake_slack.calls_to("views.update")
    assert update_call.params["hash"] == first["hash"]
    current = fake_slack.view(view_id)
    assert field(current, "address")["initial_value"] == "2608 Copper Canyon Drive, Plano, TX 75024"
    assert field(current, "lead_source")["initial_option"]["value"] == "door_knock"
    assert current["state"]["values"]["first_name"]["value"]["value"] == "Emilia", "what the rep typed stays"


async def test_bad_fields_are_refused_inline_and_nothing_is_queued(bot, fake_slack, fake_openai):
    _, view_id = await run_command(bot, fake_slack, "")
    status, answer = await submit(bot, fake_slack, view_id, {**GOOD, "email": "emily at demo", "phone": "555-12"})
    assert status == 200 and answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"email", "phone"}
    assert "isn't a complete email address" in answer["errors"]["email"]
    _, answer = await submit(bot, fake_slack, view_id, {**GOOD, "email": "", "phone": ""})
    assert answer["errors"] == {"phone": "I need a phone number or an email address (at least one)."}
    _, answer = await submit(bot, fake_slack, view_id, {**GOOD, "first_name": "x" * 101})
    assert "longer than 100 characters" in answer["errors"]["first_name"]
    async with bot.services.engine.connect() as conn:
        assert (await conn.execute(CrmOutbox.__table__.select())).all() == []


async def customers_named_stone(crm: CrmBot) -> int:
    if crm.leap is not None:
        return crm.leap.calls("/api/v3/customers", method="POST")
    return len([c for c in await crm.bot.services.crm.find_customers("Stone") if c.first_name == "Emily"])


async def test_a_double_submit_a_retried_payload_and_two_processes_create_one_customer(
    crm_bot: CrmBot, bot_factory, fake_slack, fake_openai, fake_leap
):
    env = {"LEAP_API_TOKEN": "leap-test", "LEAP_API_URL": fake_leap.api_url} if crm_bot.leap else {}
    other = await bot_factory(**env)
    _, view_id = await run_command(crm_bot.bot, fake_slack, "")
    payload = se.view_submission(fake_slack.view(view_id), values={(k, "value"): v for k, v in GOOD.items() if v}, check=False)
    body = se.interaction_body(payload)
    answers = await asyncio.gather(post(crm_bot.bot, body), post(crm_bot.bot, body), post(other, body))
    await crm_bot.bot.settle()
    await other.settle()

    assert all(status == 200 for status, _ in answers)
    assert await customers_named_stone(crm_bot) == 1
    dm = [m.text for m in fake_slack.messages(channel="D1")]
    assert [t for t in dm if t.startswith("Done")] == [dm[-1]] and "*Emily Stone* is in" in dm[-1]


async def test_a_crm_outage_keeps_the_customer_and_tells_the_rep_when_it_is_done(bot_factory, fake_slack, fake_openai, fake_leap):
    crm = await start_crm_bot("leap", bot_factory, fake_leap)
    fake_leap.down("503")
    _, view_id = await run_command(crm.bot, fake_slack, "")
    status, answer = await submit(crm.bot, fake_slack, view_id, GOOD)
    await crm.bot.settle()
    assert status == 200 and answer == {}, "the modal closes: the customer is safe in the outbox"
    [waiting] = fake_slack.messages(channel="D1")
    assert "Leap is having trouble on its end" in waiting.text and "will keep trying" in waiting.text

    fake_leap.up()
    assert await work_outbox(crm.bot.services, crm.bot.services.slack_client()) == 0, "not due yet: it backs off"
    async with crm.bot.services.engine.begin() as conn:
        await conn.execute(update(CrmOutbox).values(next_attempt_at=utcnow()))
    assert await work_outbox(crm.bot.services, crm.bot.services.slack_client()) == 1
    assert fake_leap.calls("/api/v3/customers", method="POST") == 1
    done = fake_slack.messages(channel="D1")[-1]
    assert done.text.startswith("Done — *Emily Stone* is in Leap as customer ")


async def test_a_customer_the_crm_never_takes_is_given_back_to_the_rep(bot_factory, fake_slack, fake_openai, fake_leap):
    crm = await start_crm_bot("leap", bot_factory, fake_leap, HARDE_OUTBOX_HOURS="0.01")
    fake_leap.down("503")
    _, view_id = await run_command(crm.bot, fake_slack, "")
    await submit(crm.bot, fake_slack, view_id, {**GOOD, "notes": "Gate code 4411"})
    await crm.bot.settle()
    async with crm.bot.services.engine.begin() as conn:  # the hours have passed
        await conn.execute(update(CrmOutbox).values(next_attempt_at=utcnow(), give_up_at=utcnow()))
    await work_outbox(crm.bot.services, crm.bot.services.slack_client())
    gave_up = fake_slack.messages(channel="D1")[-1].text
    assert gave_up.startswith("I couldn't create *Emily Stone* in Leap.")
    for entered in ("Email: emily@demo.com", "Phone: 555-123-4567", "2608 Copper Canyon Drive, Plano, TX 75024", "Gate code 4411"):
        assert entered in gave_up


async def test_a_possible_duplicate_waits_for_the_reps_word(crm_bot: CrmBot, fake_slack, fake_openai):
    # Grace Okafor is in the sample CRM with this email.
    _, view_id = await run_command(crm_bot.bot, fake_slack, "")
    await submit(crm_bot.bot, fake_slack, view_id, {**GOOD, "email": "grace.okafor@example.org"})
    await crm_bot.bot.settle()
    [warning] = fake_slack.messages(channel="D1")
    assert "already has a customer with the same email or phone" in warning.text and "Grace Okafor" in warning.text
    assert await customers_named_stone(crm_bot) == 0, "nothing created before the rep decides"
    buttons = {e["action_id"]: e for e in warning.blocks[1]["elements"]}
    assert {b["text"]["text"] for b in buttons.values()} == {"Create anyway", "Open existing"}

    click = se.block_action(
        user="U1", action_id="new_customer_create_anyway", value=buttons["new_customer_create_anyway"]["value"],
        channel="D1", message_ts=warning.ts,
    )  # fmt: skip
    await crm_bot.bot.click(click)
    await crm_bot.bot.click(click)  # a double click creates nothing more
    await crm_bot.bot.settle()
    assert await customers_named_stone(crm_bot) == 1
    [shown] = [m for m in fake_slack.messages(channel="D1") if m.ts == warning.ts]
    assert shown.text.startswith("Done — *Emily Stone* is in")


async def test_open_existing_creates_nothing(crm_bot: CrmBot, fake_slack, fake_openai):
    _, view_id = await run_command(crm_bot.bot, fake_slack, "")
    await submit(crm_bot.bot, fake_slack, view_id, {**GOOD, "phone": "303-555-0181"})  # Grace Okafor's phone
    await crm_bot.bot.settle()
    [warning] = fake_slack.messages(channel="D1")
    keep = next(e for e in warning.blocks[1]["elements"] if e["action_id"] == "new_customer_keep_existing")
    click = se.block_action(user="U1", action_id=keep["action_id"], value=keep["value"], channel="D1", message_ts=warning.ts)
    await crm_bot.bot.click(click)
    await crm_bot.bot.settle()
    assert await customers_named_stone(crm_bot) == 0
    assert fake_slack.messages(channel="D1")[0].text == "Kept the existing customer; nothing new was created."


async def test_a_guest_cannot_create_customers(bot, fake_slack, fake_openai):
    fake_slack.add_user("U1", restricted=True)
    _, view_id = await run_command(bot, fake_slack, "")
    status, answer = await submit(bot, fake_slack, view_id, GOOD)
    assert status == 200 and answer["response_action"] == "update"
    assert "Guest accounts can't use the CRM" in json.dumps(answer["view"])


async def test_a_customer_gathered_in_conversation_is_reviewed_in_the_same_form(bot, fake_slack, fake_openai):
    said = "new customer emily stone, emily at demo dot com, wants a roof, door knock on copper canyon"
    fake_openai.reply_tool_call(
        "record_customer_details",
        {"first_name": "Emily", "last_name": "Stone", "email": "emily at demo dot com", "trades": ["roof"], "lead_source": "door knock"},
    )
    fake_openai.reply("Got Emily Stone. What's the property address?")
    await bot.send_event(se.message(said, channel="D1", channel_type="im"))
    await bot.settle()
    answer, offer = fake_slack.messages(channel="D1")
    assert answer.text == "Got Emily Stone. What's the property address?"
    [button] = offer.blocks[1]["elements"]
    assert button["text"]["text"] == "Review & create"
    assert "Still needed: property address" in str(fake_openai.requests[1].body["input"])

    click = se.block_action(user="U1", action_id=button["action_id"], value=button["value"], channel="D1", message_ts=offer.ts)
    click["trigger_id"] = fake_slack.issue_trigger("U1")  # Slack mints one per click
    await bot.click(click)
    await bot.settle()
    [view_id] = list(fake_slack.views)
    form = fake_slack.view(view_id)
    assert field(form, "first_name")["initial_value"] == "Emily" and field(form, "last_name")["initial_value"] == "Stone"
    assert field(form, "email")["initial_value"] == "emily@demo.com"
    assert [o["value"] for o in field(form, "trade")["initial_options"]] == ["roofing"]
    assert field(form, "lead_source")["initial_option"]["value"] == "door_knock"
    assert "initial_value" not in field(form, "address"), "nothing invented for what wasn't said"
    assert len(fake_openai.requests) == 2, "the form opens from the gathered details, no new model call"


async def test_nonsense_command_text_opens_an_empty_form_that_stays_empty(bot, fake_slack, fake_openai):
    fake_openai.reply(json.dumps({k: None for k in MODEL_FIELDS} | {"trades": []}))
    _, view_id = await run_command(bot, fake_slack, "asdf ;;; ??? 42")
    await bot.settle()
    first = fake_slack.views[view_id].versions[0]
    inputs = [b for b in first["blocks"] if b["type"] == "input"]
    assert [b["block_id"] for b in inputs if {"initial_value", "initial_option", "initial_options"} & set(b["element"])] == []
    assert fake_slack.calls_to("views.update") == [], "nothing found: the form is left alone"

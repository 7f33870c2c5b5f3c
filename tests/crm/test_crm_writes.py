"""CRM writes happen only on the asking rep's click on Confirm, exactly once, and are audited. Each
runs on the local CRM and on (the fake) Leap, over real HTTP, clicks signed as Slack signs them."""

from __future__ import annotations

import asyncio

from sqlalchemy import select, update

from hard_e.store.models import CrmAudit, CrmPendingAction, utcnow
from tests import slack_events as se
from tests.crm.conftest import CrmBot, start_crm_bot

NOTE = "[Call] Left a voicemail about the start date."
ASK = "add a note to the Okafor job: left a voicemail about the start date"
PROPOSED = "I've drafted that note — confirm it below and I'll add it."
OKAFOR_JOB = 4709


async def propose_note(crm: CrmBot, fake_slack, fake_openai, *, user: str = "U1"):
    """The rep asks in their DM; the turn ends with a confirmation message. Returns that message."""
    fake_openai.reply_tool_call("add_note", {"job": "the Okafor job", "note": NOTE})
    fake_openai.reply(PROPOSED)
    dm = f"D{user[1:]}"
    await crm.bot.send_event(se.message(ASK, channel=dm, channel_type="im", user=user))
    await crm.bot.settle()
    answer, confirmation = fake_slack.messages(channel=dm)
    assert answer.text == PROPOSED
    return confirmation


def button(message, action_id: str) -> dict:
    [actions] = [b for b in message.blocks if b["type"] == "actions"]
    return next(e for e in actions["elements"] if e["action_id"] == action_id)


def click(message, action_id: str = "crm_confirm", *, user: str = "U1") -> dict:
    return se.block_action(
        user=user, action_id=action_id, value=button(message, action_id)["value"], channel=message.channel, message_ts=message.ts
    )


async def notes_of_okafor_job(crm: CrmBot) -> list[str]:
    if crm.leap is not None:
        return [n["note"] for n in crm.leap.notes_for(OKAFOR_JOB)]
    notes = await crm.bot.services.crm.notes(str(OKAFOR_JOB), limit=50)
    return [n.text for n in notes]


async def audit(crm: CrmBot) -> list[tuple[str, str, str, str]]:
    async with crm.bot.services.engine.connect() as conn:
        rows = await conn.execute(select(CrmAudit.slack_user, CrmAudit.action, CrmAudit.target, CrmAudit.result).order_by(CrmAudit.id))
        return [tuple(r) for r in rows]


async def test_a_note_is_proposed_and_written_only_when_the_rep_confirms(crm_bot: CrmBot, fake_slack, fake_openai):
    before = await notes_of_okafor_job(crm_bot)
    confirmation = await propose_note(crm_bot, fake_slack, fake_openai)

    assert "Confirm this CRM change?" in confirmation.blocks[0]["text"]["text"] and NOTE in confirmation.blocks[0]["text"]["text"]
    assert {button(confirmation, a)["text"]["text"] for a in ("crm_confirm", "crm_cancel")} == {"Confirm", "Cancel"}
    assert await notes_of_okafor_job(crm_bot) == before, "proposing writes nothing"

    response = await crm_bot.bot.click(click(confirmation))
    await crm_bot.bot.settle()

    assert response.status == 200
    after = await notes_of_okafor_job(crm_bot)
    assert len(after) == len(before) + 1 and any(NOTE in n for n in after)
    [shown] = [m for m in fake_slack.messages(channel="D1") if m.ts == confirmation.ts]
    assert shown.text.startswith("Done — note added to job") and "Okafor roof replacement" in shown.text
    assert not [b for b in shown.blocks if b["type"] == "actions"], "the buttons are gone"
    assert await audit(crm_bot) == [("U1", "add_note", f"job {OKAFOR_JOB}", "done")]


async def test_another_users_click_and_a_second_click_write_nothing(crm_bot: CrmBot, fake_slack, fake_openai):
    before = await notes_of_okafor_job(crm_bot)
    confirmation = await propose_note(crm_bot, fake_slack, fake_openai)

    await crm_bot.bot.click(click(confirmation, user="U2"))
    await crm_bot.bot.settle()
    [ephemeral] = fake_slack.calls_to("chat.postEphemeral")
    assert ephemeral.params["user"] == "U2" and ephemeral.params["text"] == "Only <@U1> can confirm this."
    assert await notes_of_okafor_job(crm_bot) == before

    await crm_bot.bot.click(click(confirmation))
    await crm_bot.bot.settle()
    await crm_bot.bot.click(click(confirmation))  # a double click, or Slack retrying the payload
    await crm_bot.bot.settle()
    assert len(await notes_of_okafor_job(crm_bot)) == len(before) + 1
    if crm_bot.leap is not None:
        assert crm_bot.leap.calls(f"/api/v3/jobs/{OKAFOR_JOB}/notes", method="POST") == 1
    assert [r[3] for r in await audit(crm_bot)] == ["refused", "done"]


async def test_cancel_writes_nothing_and_says_so(crm_bot: CrmBot, fake_slack, fake_openai):
    before = await notes_of_okafor_job(crm_bot)
    confirmation = await propose_note(crm_bot, fake_slack, fake_openai)
    await crm_bot.bot.click(click(confirmation, "crm_cancel"))
    await crm_bot.bot.settle()
    await crm_bot.bot.click(click(confirmation))  # Confirm after Cancel: too late
    await crm_bot.bot.settle()
    assert await notes_of_okafor_job(crm_bot) == before
    [shown] = [m for m in fake_slack.messages(channel="D1") if m.ts == confirmation.ts]
    assert shown.text == "Cancelled — nothing was changed."


async def test_an_expired_change_says_so_and_writes_nothing(crm_bot: CrmBot, fake_slack, fake_openai):
    before = await notes_of_okafor_job(crm_bot)
    confirmation = await propose_note(crm_bot, fake_slack, fake_openai)
    async with crm_bot.bot.services.engine.begin() as conn:  # a day and a bit later
        await conn.execute(update(CrmPendingAction).values(expires_at=utcnow().replace(year=2000)))
    await crm_bot.bot.click(click(confirmation))
    await crm_bot.bot.settle()
    assert await notes_of_okafor_job(crm_bot) == before
    [shown] = [m for m in fake_slack.messages(channel="D1") if m.ts == confirmation.ts]
    assert "expired" in shown.text and "nothing was changed" in shown.text


async def test_two_processes_receiving_the_click_write_once(bot_factory, database_url, fake_slack, fake_openai, fake_leap):
    # Two Hard-E processes share the database (PostgreSQL in production; SQLite here is one file
    # two engines write to, which is as close as one machine gets).
    first = await start_crm_bot("leap", bot_factory, fake_leap)
    second = await bot_factory(LEAP_API_TOKEN="leap-test", LEAP_API_URL=fake_leap.api_url)
    confirmation = await propose_note(first, fake_slack, fake_openai)
    payload = click(confirmation)
    await asyncio.gather(first.bot.click(payload), second.click(payload), first.bot.click(payload))
    await first.bot.settle()
    await second.settle()
    assert fake_leap.calls(f"/api/v3/jobs/{OKAFOR_JOB}/notes", method="POST") == 1
    assert [r[3] for r in await audit(first)] == ["done"]


async def test_a_stage_move_on_leap_is_declined_plainly_and_on_the_local_crm_waits_for_confirm(crm_bot: CrmBot, fake_slack, fake_openai):
    fake_openai.reply_tool_call("move_stage", {"job": "Okafor", "stage": "Production"})
    fake_openai.reply("Done with that.")
    await crm_bot.bot.send_event(se.message("move the Okafor job to Production", channel="D1", channel_type="im"))
    await crm_bot.bot.settle()
    told = str(fake_openai.requests[1].body["input"])
    if crm_bot.leap is not None:
        assert "Leap offers no way for me to move a job's stage" in told
        assert len(fake_slack.messages(channel="D1")) == 1  # no confirmation to click
        assert crm_bot.leap.calls("/api/v3/", method="POST") == 0
        return
    _, confirmation = fake_slack.messages(channel="D1")
    assert "from *Contract Signed* to *Production*" in confirmation.blocks[0]["text"]["text"]
    await crm_bot.bot.click(click(confirmation))
    await crm_bot.bot.settle()
    job = await crm_bot.bot.services.crm.job(str(OKAFOR_JOB))
    assert job is not None and job.stage == "Production"


async def test_a_guest_cannot_confirm_even_their_own_proposal_once_refused(crm_bot: CrmBot, fake_slack, fake_openai):
    before = await notes_of_okafor_job(crm_bot)
    confirmation = await propose_note(crm_bot, fake_slack, fake_openai)
    fake_slack.add_user("U1", restricted=True)  # the account became a guest since
    crm_bot.bot.services.crm_access = type(crm_bot.bot.services.crm_access)()  # a fresh process: nothing cached
    await crm_bot.bot.click(click(confirmation))
    await crm_bot.bot.settle()
    assert await notes_of_okafor_job(crm_bot) == before
    [ephemeral] = fake_slack.calls_to("chat.postEphemeral")
    assert "Guest accounts can't use the CRM" in ephemeral.params["text"]

"""Bad input a probe found: each case end to end over HTTP, then a normal reply that must still work."""

from __future__ import annotations

import json

from tests import slack_events as se


def raw_body(payload: dict) -> str:
    """Like Slack: non-ASCII and lone surrogates written as \\u escapes."""
    return json.dumps(payload, ensure_ascii=True)


async def test_a_lone_surrogate_does_not_poison_the_thread(bot, fake_slack, fake_openai):
    fake_openai.reply("Sure thing.")
    event = se.mention("price for \ud800 shingles?")
    body = raw_body(se.envelope(event))
    assert "\\ud800" in body
    response = await bot.send_event(event)
    assert response.status == 200
    await bot.settle()
    [reply] = fake_slack.messages(channel="C1", thread_ts=event["ts"])
    assert reply.text == "Sure thing."
    fake_openai.reply("Second answer.")
    await bot.send_event(se.message("and the next one?", thread_ts=event["ts"]))
    await bot.settle()
    texts = [m.text for m in fake_slack.messages(channel="C1", thread_ts=event["ts"])]
    assert texts[-1] == "Second answer."


async def test_a_nul_character_is_dropped_before_it_reaches_the_store(bot, fake_slack, fake_openai):
    # PostgreSQL text cannot hold NUL; one in a message must not fail the turn or the thread.
    fake_openai.reply("Got it.")
    event = se.mention("roof\x00 for the Hendersons?")
    await bot.send_event(event)
    await bot.settle()
    assert fake_slack.messages(channel="C1", thread_ts=event["ts"])[-1].text == "Got it."
    assert "\\u0000" not in str(fake_openai.last_request.body)


async def _thread_with_a_poisoned_item(bot, thread_ts: str) -> None:
    """A thread stored before text was cleaned where it enters (an older version, or a direct write)."""
    from hard_e.agents.history import History

    key = f"{se.TEAM}:C1:{thread_ts}"
    await bot.services.store.ensure(key=key, team_id=se.TEAM, channel_id="C1", thread_ts=thread_ts, channel_type="channel", user_id="U1")
    await History(bot.services.engine).append(
        key, {"role": "user", "content": "quote for \ud800 gutters"}, {"role": "assistant", "content": "About $12 a foot."}
    )


async def test_a_thread_already_holding_a_lone_surrogate_recovers_in_the_direct_flow(bot, fake_slack, fake_openai):
    thread = se.next_ts()
    await _thread_with_a_poisoned_item(bot, thread)
    fake_openai.reply("Still about $12 a foot.")
    await bot.send_event(se.message("and for the back side?", thread_ts=thread))
    await bot.settle()
    assert fake_slack.messages(channel="C1", thread_ts=thread)[-1].text == "Still about $12 a foot."
    assert "\\ufffd" in str(fake_openai.last_request.body) or "\ufffd" in str(fake_openai.last_request.body)


async def test_a_thread_already_holding_a_lone_surrogate_recovers_in_the_agents_flow(bot, fake_slack, fake_openai):
    thread = se.next_ts()
    await _thread_with_a_poisoned_item(bot, thread)
    fake_openai.reply("Opening: thanks for your time, Mrs. Garcia…")
    await bot.send_event(se.message("write me a call script for the Garcia follow-up", thread_ts=thread))
    await bot.settle()
    assert fake_slack.messages(channel="C1", thread_ts=thread)[-1].text.startswith("Opening: thanks for your time")
    assert "gutters" in str(fake_openai.last_request.body)


async def test_a_one_megabyte_mention_reaches_the_model_cut_to_the_limit_and_the_rep_is_told(bot, fake_slack, fake_openai):
    from hard_e.agents.text import MESSAGE_LIMIT

    fake_openai.reply("Here's the gist.")
    text = "START what do you make of this email? " + "blah " * 200_000 + " END please summarise"
    event = se.mention(text)
    await bot.send_event(event)
    await bot.settle()
    body = str(fake_openai.last_request.body)
    assert len(body) < MESSAGE_LIMIT + 20_000  # the message's share plus persona and context
    assert "START what do you make" in body and "END please summarise" in body
    assert "characters of this message were cut here" in body
    final = fake_slack.messages(channel="C1", thread_ts=event["ts"])[-1].text
    assert final.startswith("Here's the gist.")
    assert "Your message was very long (1,000,0" in final and "first and last parts" in final
    # The thread remembers the cut message and the answer, not the note.
    from hard_e.agents.history import History

    stored = await History(bot.services.engine).messages(f"{se.TEAM}:C1:{event['ts']}")
    assert len(stored[0]["content"]) <= MESSAGE_LIMIT + 200
    assert stored[1]["content"] == "Here's the gist."


async def test_malformed_events_are_skipped_with_one_warning_naming_the_field(bot, fake_slack, fake_openai, caplog):
    import logging

    caplog.set_level(logging.INFO)
    no_ts = se.mention("hi there")
    del no_ts["ts"]
    no_channel = se.mention("hi there")
    del no_channel["channel"]
    user_object = se.mention("hi there")
    user_object["user"] = {"id": "U1", "name": "sam"}
    dm_no_ts = se.message("hi", channel="D1", channel_type="im")
    del dm_no_ts["ts"]
    for event in (no_ts, no_channel, user_object, dm_no_ts):
        response = await bot.send_event(event)
        assert response.status == 200
    await bot.settle()
    assert fake_slack.calls_to("chat.postMessage") == []
    assert "Traceback" not in caplog.text and not [r for r in caplog.records if r.exc_info]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING and "skipped" in r.getMessage()]
    assert len(warnings) == 4, warnings
    assert any("ts" in w for w in warnings) and any("channel" in w for w in warnings) and any("user" in w for w in warnings)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    # A normal mention still gets its answer.
    fake_openai.reply("Hello!")
    event = se.mention("hello")
    await bot.send_event(event)
    await bot.settle()
    assert fake_slack.messages(channel="C1", thread_ts=event["ts"])[-1].text == "Hello!"


async def test_bolt_suggestions_and_token_warnings_stay_out_of_the_log(bot, fake_slack, caplog, monkeypatch):
    import logging

    from hard_e.bot.app import build_app

    caplog.set_level(logging.INFO)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-from-the-environment")  # what Bolt reads on its own
    build_app(bot.services)
    response = await bot.send_event({"type": "reaction_added", "user": "U1", "reaction": "thumbsup", "event_ts": se.next_ts()})
    assert response.status == 404  # Bolt's answer for an event no listener takes; Slack only retries it
    await bot.settle()
    assert "will be unused" not in caplog.text
    assert "Suggestion" not in caplog.text and "Unhandled request" not in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


async def test_a_shutdown_mid_answer_ends_it_with_a_note_that_reads_naturally(bot, fake_slack, fake_openai):
    import asyncio

    fake_openai.reply("Step one: knock and wait. " * 40, chunk_size=4, delay=0.05)  # ~13 s of streaming
    event = se.mention("how do I door knock?")
    await bot.send_event(event)
    for _ in range(200):  # until words are on screen
        shown = fake_slack.messages(channel="C1", thread_ts=event["ts"])
        if shown and shown[-1].text.startswith("Step one"):
            break
        await asyncio.sleep(0.02)
    await bot.services.drain(grace=0.1)  # what shutdown does once its grace is over
    final = fake_slack.messages(channel="C1", thread_ts=event["ts"])[-1].text
    assert final.startswith("Step one: knock")  # what was shown when it stopped (a busy machine streams slowly)
    assert final.endswith("\n\n_…I was restarted before I could finish — please ask me again._"), final[-120:]
    assert "lost the thread" not in final and "▍" not in final


async def test_without_a_model_a_mention_gets_one_clear_line_on_what_to_set(fake_slack, tmp_path, database_url):
    from tests.conftest import bot_env, start_bot

    bot = await start_bot(bot_env(fake_slack, None, database_url, tmp_path))
    try:
        event = se.mention("what's our warranty?")
        await bot.send_event(event)
        await bot.settle()
        [reply] = fake_slack.messages(channel="C1", thread_ts=event["ts"])
        assert "\n" not in reply.text and "OPENAI_API_KEY" in reply.text and "OPENAI_BASE_URL" in reply.text
    finally:
        await bot.stop()

"""Streaming under load: the workspace rate budget, long answers, native streaming, live progress.

End to end through Hard-E in HTTP mode against the fake Slack with Slack's Tier-3 limit on
chat.update enforced, or (for progress) the Slack face driven directly with brain events.
"""

from __future__ import annotations

import asyncio
import random

from slack_sdk.web.async_client import AsyncWebClient

from hard_e.agents.events import Final, TextDelta, Thinking, ToolFinished, ToolStarted
from hard_e.bot.config import Settings
from hard_e.bot.formatting import markdown_to_mrkdwn
from hard_e.bot.metrics import Metrics
from hard_e.bot.native_stream import NativeRefusals, NativeStream
from hard_e.bot.rate_budget import RateBudgets
from hard_e.bot.services import Services, slack_budgets
from hard_e.bot.slack_calls import SlackCalls
from hard_e.bot.slack_sink import Where
from hard_e.bot.splitting import split_markdown
from hard_e.bot.streaming import PIECE_LIMIT, EditStream, final_pieces
from tests import slack_events as se
from tests.conftest import BOT_TOKEN

WORDS = ("roof", "siding", "inspection", "warranty", "financing", "homeowner", "estimate", "gutters",
         "appointment", "shingles", "adjuster", "claim", "crew", "referral", "deposit", "timeline")


def prose(chars: int, seed: int) -> str:
    """Plausible answer text: paragraphs of sentences, about `chars` long."""
    rng = random.Random(seed)
    paragraphs, size = [], 0
    while size < chars:
        sentences = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 14))).capitalize() + "."
                     for _ in range(rng.randint(2, 5))]
        paragraph = " ".join(sentences)
        paragraphs.append(paragraph)
        size += len(paragraph) + 2
    return "\n\n".join(paragraphs)


def tier3(fake_slack) -> None:
    """Slack's Tier 3 for chat.update: 50 a minute, with the burst our budget assumes (the bucket
    reading; tests/test_streaming_load.py runs both readings for every method)."""
    fake_slack.rate_model = "bucket"
    fake_slack.set_rate_limit("chat.update", per_minute=50, burst=20)


def thread_texts(fake_slack, channel: str, thread_ts: str) -> list[str]:
    return [m.text for m in fake_slack.messages(channel=channel, thread_ts=thread_ts)]


async def test_ten_concurrent_streams_finish_exactly_with_no_ratelimited_answers(bot, fake_slack, fake_openai):
    tier3(fake_slack)
    answers = [prose(2000, seed) for seed in range(10)]
    for answer in answers:
        fake_openai.reply(answer, chunk_size=12, delay=0.02)  # ~3.5 s each
    events = [se.mention(f"question {i}", channel=f"C{i}") for i in range(10)]
    await asyncio.gather(*(bot.send_event(e) for e in events))
    await bot.settle(timeout=60)

    assert fake_slack.ratelimited_count == 0
    by_question = {r.body["input"][-1]["content"]: i for i, r in enumerate(fake_openai.requests)}
    for i, event in enumerate(events):
        answer = answers[by_question[f"question {i}"]]
        assert thread_texts(fake_slack, f"C{i}", event["ts"]) == [markdown_to_mrkdwn(answer)]
    # Everyone saw text early, not only at the end: the first words, then the whole answer. (At 50
    # edits a minute, ten 3.5 s answers cannot all be edited in between; the benchmark measures how
    # steadily answers grow at load.)
    for i in range(10):
        shown = [c for c in fake_slack.calls if c.ok and c.method in ("chat.postMessage", "chat.update")
                 and c.params.get("channel") == f"C{i}" and c.params.get("text") != "_Thinking…_"]
        assert len(shown) >= 2 and shown[0].at < shown[-1].at - 1.0, f"C{i} changed {len(shown)} times"


async def test_an_edit_that_reaches_slack_late_does_not_lead_to_a_ratelimit(fake_slack):
    # Slack counts an edit when it arrives. A slow edit sent from a full bucket leaves Slack's bucket full
    # (unable to bank refill) while ours refills; the edits that follow it must not spend that refill.
    fake_slack.rate_model = "bucket"
    fake_slack.set_rate_limit("chat.update", per_minute=60, burst=2)
    budgets = RateBudgets({"chat.update": (60.0, 2)})
    client = AsyncWebClient(token=BOT_TOKEN, base_url=fake_slack.url)
    calls = SlackCalls(client, team_id=se.TEAM, budgets=budgets, metrics=Metrics())
    posted = await client.chat_postMessage(channel="C1", text="Thinking…")

    async def edit(text: str) -> None:
        await calls.call("chat.update", stream="s", urgent=True, channel="C1", ts=posted["ts"], text=text)

    fake_slack.delay("chat.update", 1.0)
    slow = asyncio.create_task(edit("one"))
    await asyncio.sleep(0.3)
    fake_slack.delay("chat.update", 0)  # the network recovers while the first edit is still on its way
    await slow
    await asyncio.gather(edit("two"), edit("three"))

    assert fake_slack.ratelimited_count == 0
    assert fake_slack.messages(channel="C1")[0].edits[-1] in ("two", "three")


async def test_a_ten_thousand_character_answer_arrives_as_several_complete_messages(bot, fake_slack, fake_openai):
    tier3(fake_slack)
    answer = prose(10_000, seed=42) + "\n\n```\n" + "\n".join(f"step {i}: knock, smile, listen" for i in range(40)) + "\n```"
    fake_openai.reply(answer, chunk_size=40, delay=0.005)
    event = se.mention("give me everything")
    await bot.send_event(event)
    await bot.settle(timeout=60)

    texts = thread_texts(fake_slack, "C1", event["ts"])
    assert texts == final_pieces(answer)
    assert len(texts) == len(split_markdown(answer, PIECE_LIMIT))
    assert len(texts) >= 3 and all(len(t) <= 4000 for t in texts)
    assert all(t.count("```") % 2 == 0 for t in texts)
    assert fake_slack.ratelimited_count == 0


async def test_a_429_delays_the_next_edit_by_retry_after_and_the_final_is_still_exact(bot, fake_slack, fake_openai):
    answer = prose(900, seed=7)
    fake_openai.reply(answer, chunk_size=10, delay=0.03)  # ~2.7 s
    fake_slack.fail_next("chat.update", status=429)  # Retry-After: 1
    event = se.mention("rate limit me")
    await bot.send_event(event)
    await bot.settle(timeout=30)

    updates = fake_slack.calls_to("chat.update")
    assert updates[0].status == 429
    assert updates[1].at - updates[0].at >= 1.0
    assert thread_texts(fake_slack, "C1", event["ts"]) == [markdown_to_mrkdwn(answer)]


async def test_a_stream_that_stays_ratelimited_still_lands_its_final_text(bot, fake_slack, fake_openai):
    answer = "Short and sweet: book the inspection first."
    fake_openai.reply(answer, chunk_size=5, delay=0.01)
    fake_slack.fail_next("chat.update", status=429, times=2)
    event = se.mention("again")
    await bot.send_event(event)
    await bot.settle(timeout=30)
    assert thread_texts(fake_slack, "C1", event["ts"]) == [answer]


async def test_native_streaming_streams_markdown_to_the_asking_user(bot_factory, fake_slack, fake_openai):
    bot = await bot_factory(HARDE_STREAMING="native")
    answer = "**Lead with the inspection.**\n\n- Walk the roof line\n- Show the photos\n\n" + prose(1500, seed=3)
    fake_openai.reply(answer, chunk_size=9, delay=0.01)
    event = se.mention("native please", user="U77")
    await bot.send_event(event)
    await bot.settle(timeout=30)

    [start] = fake_slack.calls_to("chat.startStream")
    assert start.params["recipient_user_id"] == "U77" and start.params["recipient_team_id"] == se.TEAM
    assert start.params["thread_ts"] == event["ts"]
    [message] = fake_slack.messages(channel="C1", thread_ts=event["ts"])
    assert message.text == answer and message.stopped
    assert len(fake_slack.calls_to("chat.appendStream")) >= 2
    assert fake_slack.calls_to("chat.update") == []


async def test_native_streaming_shows_a_phrase_first_not_a_token(bot_factory, fake_slack, fake_openai):
    bot = await bot_factory(HARDE_STREAMING="native")
    answer = "Start with the homeowner, not the roof. " + prose(300, seed=5)
    fake_openai.reply(answer, chunk_size=3, delay=0.02)
    await bot.send_event(se.mention("native please"))
    await bot.settle(timeout=30)

    first = fake_slack.calls_to("chat.appendStream")[0]
    text = "".join(c.get("text", "") for c in first.params["chunks"] if c.get("type") == "markdown_text")
    assert len(text.split()) >= 4, text  # a few words (or 200 ms' worth), not "Sta"
    assert answer.startswith(text)


async def test_native_streaming_falls_back_to_edits_when_the_workspace_refuses(bot_factory, fake_slack, fake_openai):
    bot = await bot_factory(HARDE_STREAMING="native")
    fake_slack.fail_next("chat.startStream", error="not_allowed")
    fake_openai.reply("Edited in, the old way.")
    fake_openai.reply("And again, without asking twice.")
    first, second = se.mention("one"), se.mention("two")
    await bot.send_event(first)
    await bot.settle()
    await bot.send_event(second)
    await bot.settle()
    assert thread_texts(fake_slack, "C1", first["ts"]) == ["Edited in, the old way."]
    assert thread_texts(fake_slack, "C1", second["ts"]) == ["And again, without asking twice."]
    assert len(fake_slack.calls_to("chat.startStream")) == 1  # the refusal is remembered


async def test_native_streaming_in_a_top_level_dm_edits_instead(bot_factory, fake_slack, fake_openai):
    bot = await bot_factory(HARDE_STREAMING="native")
    fake_openai.reply("DM answer.")
    await bot.send_event(se.message("hi", channel="D9", channel_type="im"))
    await bot.settle()
    assert [m.text for m in fake_slack.messages(channel="D9")] == ["DM answer."]
    assert fake_slack.calls_to("chat.startStream") == []


# -- live progress: the Slack face driven with brain events ---------------------------------


def face(fake_slack, services: Services, *, channel: str = "C1", thread_ts: str | None = "1.0", channel_type="channel"):
    client = AsyncWebClient(token=BOT_TOKEN, base_url=fake_slack.url)
    calls = SlackCalls(client, team_id=se.TEAM, budgets=services.budgets, metrics=services.metrics)
    where = Where(channel=channel, thread_ts=thread_ts, conversation_key=f"{se.TEAM}:{channel}:{thread_ts}",
                  team_id=se.TEAM, user_id="U1", channel_type=channel_type)
    return calls, where


async def test_tool_progress_shows_in_the_placeholder_then_gives_way_to_the_answer(bot, fake_slack):
    calls, where = face(fake_slack, bot.services)
    await bot.services.store.ensure(key=where.conversation_key, team_id=se.TEAM, channel_id="C1", thread_ts="1.0",
                                    channel_type="channel", user_id="U1")
    stream = EditStream(calls, where, store=bot.services.store, edit_interval=0.1)
    await stream.send(Thinking())
    await stream.send(ToolStarted("kb_search", "Searching the knowledge base…"))
    await fake_slack.wait_for_async(lambda: any("Searching the knowledge base" in e for m in fake_slack.messages() for e in m.edits))
    await stream.send(ToolFinished("kb_search"))
    await stream.send(TextDelta("The warranty is 25 years."))
    await stream.send(Final("The warranty is 25 years."))
    [message] = fake_slack.messages(channel="C1")
    assert message.text == "The warranty is 25 years."
    assert "_Searching the knowledge base…_" in message.edits
    assert fake_slack.calls_to("assistant.threads.setStatus") == []  # not an assistant thread


async def test_tool_progress_in_a_dm_thread_uses_the_assistant_status(bot, fake_slack):
    calls, where = face(fake_slack, bot.services, channel="D3", thread_ts="2.0", channel_type="im")
    await bot.services.store.ensure(key=where.conversation_key, team_id=se.TEAM, channel_id="D3", thread_ts="2.0",
                                    channel_type="im", user_id="U1")
    stream = EditStream(calls, where, store=bot.services.store)
    await stream.send(Thinking())
    await stream.send(ToolStarted("leap_lookup", "Looking up the Johnson job in Leap…"))
    await stream.send(ToolFinished("leap_lookup"))
    await stream.send(Final("Johnson job: roof install, stage Scheduled."))
    statuses = [c.params["status"] for c in fake_slack.calls_to("assistant.threads.setStatus")]
    assert statuses == ["Looking up the Johnson job in Leap…", ""]
    [message] = fake_slack.messages(channel="D3")
    assert all("Leap" not in e for e in message.edits[:-1]) and message.text.startswith("Johnson job")


async def test_native_streaming_shows_tools_as_task_updates(bot, fake_slack):
    calls, where = face(fake_slack, bot.services)
    await bot.services.store.ensure(key=where.conversation_key, team_id=se.TEAM, channel_id="C1", thread_ts="1.0",
                                    channel_type="channel", user_id="U1")
    stream = NativeStream(calls, where, store=bot.services.store, refusals=NativeRefusals())
    await stream.send(Thinking())
    await stream.send(ToolStarted("web_search", "Researching storm reports…"))
    await stream.send(ToolFinished("web_search"))
    await stream.send(TextDelta("Hail hit on May 3."))
    await stream.send(Final("Hail hit on May 3."))
    [message] = fake_slack.messages(channel="C1")
    tasks = [c for c in message.chunks if c["type"] == "task_update"]
    assert {"title": "Researching storm reports…", "status": "in_progress"}.items() <= tasks[1].items()
    assert any(t["id"] == tasks[1]["id"] and t["status"] == "complete" for t in tasks[2:])
    assert message.text == "Hail hit on May 3." and message.stopped


def test_budget_settings_are_validated_and_shared():
    settings = Settings.from_env({"HARDE_SLACK_EDITS_PER_MINUTE": "40", "HARDE_SLACK_EDIT_BURST": "10",
                                  "HARDE_SLACK_RATE_SHARE": "0.5"}, dotenv=None)
    budgets = slack_budgets(settings)
    update = budgets.get("T1", "chat.update")
    assert update is budgets.get("T1", "chat.update") and update is not budgets.get("T2", "chat.update")
    assert update.tokens() == 5  # half of the burst
    post = budgets.get("T1", "chat.postMessage", "C1")  # per channel, at Slack's published rate
    assert post is not None and post is not budgets.get("T1", "chat.postMessage", "C2")
    assert budgets.get("T1", "users.list") is None  # a method no answer calls


async def test_native_append_429_catches_up_and_loses_nothing(bot_factory, fake_slack, fake_openai):
    bot = await bot_factory(HARDE_STREAMING="native")
    answer = prose(1200, seed=11)
    fake_openai.reply(answer, chunk_size=10, delay=0.03)  # ~3.6 s, so appends go on after the pause
    fake_slack.fail_next("chat.appendStream", status=429)
    event = se.mention("native under pressure")
    await bot.send_event(event)
    await bot.settle(timeout=30)
    appends = fake_slack.calls_to("chat.appendStream")
    assert appends[0].status == 429 and appends[1].at - appends[0].at >= 1.0
    [message] = fake_slack.messages(channel="C1", thread_ts=event["ts"])
    assert message.text == answer and message.stopped


async def test_native_stream_that_cannot_be_stopped_still_delivers_the_answer(bot_factory, fake_slack, fake_openai):
    bot = await bot_factory(HARDE_STREAMING="native")
    fake_openai.reply("The full answer, delivered anyway.", chunk_size=6)
    fake_slack.fail_next("chat.stopStream", error="internal_error", times=4)
    event = se.mention("stop me if you can")
    await bot.send_event(event)
    await bot.settle(timeout=30)
    texts = thread_texts(fake_slack, "C1", event["ts"])
    assert texts[-1] == "The full answer, delivered anyway."

"""Limits across processes: turns a minute and spend a day, per rep and per workspace, counted in the
database; over a limit the rep is told when to ask again; admins are exempt from the per-rep limits."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

from hard_e.bot.config import Settings
from hard_e.bot.limits import verdict
from hard_e.store.db import create_engine
from hard_e.store.usage import Counts, Usage
from tests import slack_events as se

ANSWER = "Walk the roof line with the homeowner first."


async def within_one_clock_minute(seconds: float = 8) -> None:
    """Turns are counted per clock minute: start where `seconds` more stay inside one."""
    if (left := 60 - time.time() % 60) < seconds:
        await asyncio.sleep(left + 0.1)


def thread_texts(fake_slack, event) -> list[str]:
    return [m.text for m in fake_slack.messages(channel=event["channel"], thread_ts=event["ts"])]


async def test_a_rep_over_the_turns_a_minute_limit_is_told_when_to_ask_again(bot_factory, fake_slack, fake_openai):
    await within_one_clock_minute()
    bot = await bot_factory(HARDE_USER_TURNS_PER_MINUTE="2")
    fake_openai.default_reply = ANSWER
    events = [se.mention(f"question {i}", channel="C1") for i in range(3)]
    for event in events:
        await bot.send_event(event)
        await bot.settle()
    assert [thread_texts(fake_slack, e) for e in events[:2]] == [[ANSWER], [ANSWER]]
    [refusal] = thread_texts(fake_slack, events[2])
    assert "the limit is 2 a minute" in refusal and "You can ask again in" in refusal and "second" in refusal
    assert len(fake_openai.requests) == 2  # the third turn never reached the model
    # Another rep is not held back by the first one's limit.
    other = se.mention("my own question", user="U2")
    await bot.send_event(other)
    await bot.settle()
    assert thread_texts(fake_slack, other) == [ANSWER]


async def test_admins_are_exempt_from_the_per_rep_limit_but_not_the_workspace_one(bot_factory, fake_slack, fake_openai):
    await within_one_clock_minute()
    bot = await bot_factory(HARDE_USER_TURNS_PER_MINUTE="1", HARDE_TEAM_TURNS_PER_MINUTE="3", HARDE_ADMIN_USERS="U1")
    fake_openai.default_reply = ANSWER
    events = [se.mention(f"admin question {i}", user="U1") for i in range(4)]
    for event in events:
        await bot.send_event(event)
        await bot.settle()
    assert [thread_texts(fake_slack, e) for e in events[:3]] == [[ANSWER]] * 3
    [refusal] = thread_texts(fake_slack, events[3])
    assert "The team is asking faster than my limit of 3 questions a minute" in refusal


async def test_the_workspace_limit_holds_across_processes(bot_factory, fake_slack, fake_openai):
    await within_one_clock_minute()
    first, second = await bot_factory(HARDE_TEAM_TURNS_PER_MINUTE="3"), await bot_factory(HARDE_TEAM_TURNS_PER_MINUTE="3")
    fake_openai.default_reply = ANSWER
    events = [se.mention(f"question {i}", user=f"U{i}") for i in range(6)]
    await asyncio.gather(*((first if i % 2 else second).send_event(e) for i, e in enumerate(events)))
    await first.settle()
    await second.settle()
    answered = [e for e in events if thread_texts(fake_slack, e) == [ANSWER]]
    refused = [e for e in events if any("questions a minute" in t for t in thread_texts(fake_slack, e))]
    assert len(answered) == 3 and len(refused) == 3


async def test_spend_over_the_daily_limit_waits_for_tomorrow(bot_factory, fake_slack, fake_openai, database_url):
    bot = await bot_factory(HARDE_USER_SPEND_PER_DAY="0.50", HARDE_ADMIN_USERS="U9")
    fake_openai.default_reply = ANSWER
    await bot.services.usage.add_spend("T1", "U1", 0.30)
    await bot.services.usage.add_spend("T1", "U1", 0.25)
    await bot.services.usage.add_spend("T1", "U9", 5.00)
    mine, admins = se.mention("one more?", user="U1"), se.mention("and mine?", user="U9")
    for event in (mine, admins):
        await bot.send_event(event)
        await bot.settle()
    [refusal] = thread_texts(fake_slack, mine)
    assert "today's AI usage limit ($0.50)" in refusal and "midnight UTC" in refusal
    assert thread_texts(fake_slack, admins) == [ANSWER]


async def test_counting_is_atomic_across_connections(database_url):
    from hard_e.store import migrate

    url = Settings.from_env({"DATABASE_URL": database_url}, dotenv=None).database_url
    engines = [create_engine(url) for _ in range(2)]
    try:
        await migrate.upgrade(engines[0])
        usages = [Usage(e) for e in engines]
        at = datetime(2026, 12, 7, 9, 30, 5, tzinfo=UTC)
        counts = await asyncio.gather(*(usages[i % 2].count_turn("T1", f"U{i % 3}", at) for i in range(30)))
        assert sorted(c.team_turns for c in counts) == list(range(1, 31))
        per_user = {u: sorted(c.user_turns for i, c in enumerate(counts) if i % 3 == u) for u in range(3)}
        assert all(v == list(range(1, 11)) for v in per_user.values())
        # The next minute starts afresh.
        assert (await usages[0].count_turn("T1", "U0", datetime(2026, 12, 7, 9, 31, 0, tzinfo=UTC))).team_turns == 1
    finally:
        for e in engines:
            await e.dispose()


def test_the_message_says_when_to_ask_again():
    settings = Settings(user_turns_per_minute=5, team_spend_per_day=20.0)
    now = datetime(2026, 12, 7, 22, 15, 40, tzinfo=UTC)
    minute = verdict(settings, Counts(user_turns=6, team_turns=6, user_spend=0, team_spend=0), "U1", now)
    assert minute is not None and "You can ask again in 20 seconds." in minute
    budget = verdict(settings, Counts(user_turns=1, team_turns=1, user_spend=0, team_spend=20.0), "U1", now)
    assert budget is not None and "$20.00" in budget and "in 1 h 45 min (midnight UTC)" in budget
    assert verdict(settings, Counts(user_turns=5, team_turns=50, user_spend=9, team_spend=19.99), "U1", now) is None

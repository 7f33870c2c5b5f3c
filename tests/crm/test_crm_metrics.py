"""/metrics counts CRM calls by operation and outcome, and how long turns queued behind their thread."""

from __future__ import annotations

from tests import slack_events as se
from tests.test_commands import post_command


async def test_crm_calls_and_queue_waits_are_on_metrics(crm_bot, fake_slack, fake_openai):
    bot = crm_bot.bot
    status, _ = await post_command(bot, "/hard-e", "crm Okafor")
    assert status == 200
    await bot.settle()
    fake_openai.default_reply = "Noted."
    first = se.message("hi", channel="D9", channel_type="im", user="U1")
    second = se.message("and again", channel="D9", channel_type="im", user="U1")
    await bot.send_event(first)
    await bot.send_event(second)
    await bot.settle()
    _, metrics = await bot.get("/metrics")
    calls = [line for line in metrics.splitlines() if line.startswith("harde_crm_calls_total{")]
    assert any('operation="find_customers"' in line and 'outcome="ok"' in line for line in calls), calls
    count = next(line for line in metrics.splitlines() if line.startswith("harde_turn_queue_seconds_count"))
    assert float(count.split()[-1]) >= 2

"""Every turn goes into the turn log: who, where, route, agents and tools, models, tokens and cost,
latency, outcome — never the message text unless HARDE_LOG_QUESTIONS=on."""

from __future__ import annotations

from pathlib import Path

from tests import slack_events as se
from tests.test_commands import post_command
from tests.test_limits import within_one_clock_minute

KNOWLEDGE = Path(__file__).resolve().parent / "data" / "knowledge"
ANSWER = "Lead with the inspection, not the price: walk the roof line with the homeowner first."


async def test_a_direct_answer_is_logged_with_route_tokens_cost_and_latency(bot, fake_slack, fake_openai):
    fake_openai.reply(ANSWER, chunk_size=8)
    event = se.mention("how do I open a storm-damage appointment?")
    await bot.send_event(event)
    await bot.settle()

    [reply] = fake_slack.messages(channel="C1", thread_ts=event["ts"])
    [turn] = await bot.services.turn_log.turns()
    assert (turn.team_id, turn.user_id, turn.place, turn.conversation_key) == ("T1", "U1", "channel", f"T1:C1:{event['ts']}")
    assert (turn.flow, turn.agent, turn.outcome, turn.answer_ts) == ("direct", None, "answered", reply.ts)
    assert turn.rule and turn.models == ["gpt-4.1"] and turn.agents == [] and turn.tools == []
    # The fake reports usage as the API does; gpt-4.1 is priced at $2 / $8 per million tokens.
    assert turn.input_tokens > 0 and turn.output_tokens > 0
    assert abs(turn.cost_usd - (turn.input_tokens * 2 + turn.output_tokens * 8) / 1e6) < 1e-6
    assert 0 < turn.first_token_ms <= turn.first_visible_ms <= turn.total_ms
    assert turn.question is None  # no message text by default
    _, metrics = await bot.get("/metrics")
    assert 'harde_model_tokens_total{kind="output",model="gpt-4.1"}' in metrics


async def test_the_question_is_kept_only_when_the_admins_opted_in(bot_factory, fake_openai):
    bot = await bot_factory(HARDE_LOG_QUESTIONS="on")
    fake_openai.reply(ANSWER)
    await bot.send_event(se.mention("what do I say when they want to think about it?"))
    await bot.settle()
    [turn] = await bot.services.turn_log.turns()
    assert turn.question == "what do I say when they want to think about it?"


async def test_an_agents_turn_logs_its_agents_tools_and_models(bot_factory, fake_slack, fake_openai):
    bot = await bot_factory(HARDE_KB_DIR=str(KNOWLEDGE), HARDE_MODEL_KNOWLEDGE="kb-model")
    fake_openai.reply_tool_call("search_knowledge", {"query": "warranty transfer"})
    fake_openai.reply("Transfers are covered in the Warranty Policy (warranty_policy.md).")
    await bot.send_event(se.mention("which doc covers warranty transfers? quote it"))
    await bot.settle()
    [turn] = await bot.services.turn_log.turns()
    assert (turn.flow, turn.agent, turn.outcome) == ("agents", "knowledge", "answered")
    assert turn.agents == ["knowledge"] and turn.tools == ["search_knowledge"]
    assert turn.models == ["kb-model"] and turn.input_tokens > 0 and turn.cost_usd == 0  # no price for kb-model


async def test_failures_refusals_slash_commands_and_limits_are_logged_by_kind(bot_factory, fake_slack, fake_openai):
    await within_one_clock_minute()
    bot = await bot_factory(HARDE_USER_TURNS_PER_MINUTE="3")
    fake_openai.fail(500, times=3)  # the client's retries too
    await bot.send_event(se.mention("what's our financing rate?"))
    await bot.settle()
    fake_openai.reply(ANSWER)
    status, _ = await post_command(bot, "/hard-e", "how do I handle price objections?")
    assert status == 200
    await bot.settle()
    await bot.send_event(se.mention("one more"))
    await bot.send_event(se.mention("and another"))
    await bot.settle()
    turns = await bot.services.turn_log.turns()
    assert [(t.place, t.outcome) for t in turns[:2]] == [("channel", "error:model"), ("slash", "answered")]
    # The last two ran at once: one answered, the other over the limit of 3 a minute.
    assert sorted((t.place, t.outcome) for t in turns[2:]) == [("channel", "answered"), ("channel", "limited")]
    limited = next(t for t in turns if t.outcome == "limited")
    assert turns[0].answer_ts is None and limited.models == [] and limited.cost_usd == 0

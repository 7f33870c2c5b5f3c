"""The agents flow with the SDK's ScriptedModel: handoffs, tools and events, on a real knowledge index."""

from __future__ import annotations

from pathlib import Path

import pytest
from agents.testing import ScriptedModel, assistant_message, function_call

from hard_e.agents.agents_flow import BLOCKED, TOO_MANY_STEPS, run_agents
from hard_e.agents.context import TurnContext
from hard_e.agents.events import AgentChanged, TextDelta, ToolFinished, ToolStarted
from hard_e.agents.history import AGENT_HISTORY_CHARS, AGENT_HISTORY_ITEMS, History, agent_input
from hard_e.agents.knowledge import KnowledgeIndex
from hard_e.agents.specialists import build_team
from hard_e.agents.state import WorkflowState
from hard_e.errors import UserFacingError
from hard_e.integrations.document_sources import FolderSource
from tests.brain import Collect, turn

KNOWLEDGE = Path(__file__).parent / "data" / "knowledge"


async def test_triage_hands_off_and_the_specialist_answers_from_the_knowledge_base(engine):
    index = KnowledgeIndex(engine)
    await index.sync([FolderSource(KNOWLEDGE)])
    model = ScriptedModel([
        [function_call("transfer_to_knowledge", {}, call_id="h1")],
        [function_call("search_knowledge", {"query": "workmanship warranty signature"}, call_id="t1")],
        [assistant_message("Signature roofs carry a 25-year workmanship warranty (Warranty Policy).")],
    ])
    team = build_team(lambda name: model)
    context = TurnContext(turn=turn("which doc covers the signature warranty? quote it"), knowledge=index)
    sink = Collect()
    session = History(engine).session("T1:C1:9.0")

    answer = await run_agents(team["triage"], context, session, sink, tracing=False)

    assert answer.last_agent == "knowledge"
    assert answer.text.startswith("Signature roofs carry a 25-year")
    kinds = [type(e) for e in sink.events]
    assert AgentChanged("knowledge") in sink.events
    # While the handoff brings Knowledge in, the user sees what is happening; it clears before the tool runs.
    handoff = sink.events.index(ToolStarted("handoff", "Checking the company docs…"))
    assert sink.events.index(ToolFinished("handoff")) < sink.events.index(ToolStarted("search_knowledge", "Searching the knowledge base…"))
    assert sink.events.index(AgentChanged("knowledge")) < handoff
    assert ToolFinished("search_knowledge") in sink.events
    assert kinds.index(ToolFinished) < kinds.index(TextDelta)
    assert sink.events.count(ToolStarted("handoff", "Checking the company docs…")) == 1
    # The tool really searched: the model's third call saw the passage with its citation.
    tool_output = str(model.calls[2].input)
    assert "Warranty Policy" in tool_output and "25 years" in tool_output
    # History is in the conversation's SDK session for the next turn.
    items = await History(engine).session("T1:C1:9.0").get_items()
    assert (items[0]["role"], items[0]["content"]) == ("user", "which doc covers the signature warranty? quote it")
    assert "Signature roofs carry" in str(items[-1])


async def test_scripting_state_is_mutated_by_its_tool(engine):
    model = ScriptedModel([
        [function_call("save_script_draft", {"kind": "follow_up", "customer": "the Garcias", "draft": "Hi, it's [REP]…"}, call_id="s1")],
        [assistant_message("Here's the follow-up script.")],
    ])
    team = build_team(lambda name: model)
    state = WorkflowState()
    context = TurnContext(turn=turn("write a follow-up script for the Garcias"), state=state)
    await run_agents(team["scripting"], context, History(engine).session("T1:C1:9.0"), Collect(), tracing=False)
    assert (state.script.kind, state.script.customer, state.script.revisions) == ("follow_up", "the Garcias", 1)
    assert WorkflowState.from_json(state.to_json()) == state


async def test_new_client_details_are_normalized_from_spoken_form(engine):
    model = ScriptedModel([
        [function_call("record_customer_details", {"first_name": "Emily", "email": "emily at demo dot com"}, call_id="n1")],
        [assistant_message("Got Emily. What's her last name and phone?")],
    ])
    team = build_team(lambda name: model)
    state = WorkflowState()
    context = TurnContext(turn=turn("new lead emily, emily at demo dot com"), state=state)
    await run_agents(team["new_clients"], context, History(engine).session("T1:C1:9.0"), Collect(), tracing=False)
    assert state.new_client.email == "emily@demo.com"
    assert state.new_client.missing_fields == ["last_name", "address", "trades", "lead_source"]
    assert context.review is not None and context.review["email"] == "emily@demo.com"


async def test_a_run_that_loops_gets_a_friendly_error(engine):
    model = ScriptedModel([[function_call("search_knowledge", {"query": "x"}, call_id=f"c{i}")] for i in range(5)])
    team = build_team(lambda name: model)
    context = TurnContext(turn=turn("loop"))
    with pytest.raises(UserFacingError) as raised:
        await run_agents(team["knowledge"], context, History(engine).session("T1:C1:9.0"), Collect(), tracing=False, max_turns=3)
    assert raised.value.message == TOO_MANY_STEPS


async def test_a_knowledge_request_runs_the_agents_flow_end_to_end(bot_factory, fake_slack, fake_openai, tmp_path):
    from tests import slack_events as se

    bot = await bot_factory(HARDE_KB_DIR=str(KNOWLEDGE), HARDE_MODEL_KNOWLEDGE="kb-model")
    fake_openai.reply("Warranty transfers are covered in the Warranty Policy (warranty_policy.md).")
    event = se.mention("which doc covers warranty transfers? quote it")
    await bot.send_event(event)
    await bot.settle()

    [reply] = fake_slack.messages(channel="C1", thread_ts=event["ts"])
    assert reply.text == "Warranty transfers are covered in the Warranty Policy (warranty_policy.md)."
    request = fake_openai.last_request.body
    assert request["model"] == "kb-model"
    assert any(tool.get("name") == "search_knowledge" for tool in request["tools"])
    conversation = await bot.services.store.get(f"T1:C1:{event['ts']}")
    assert (conversation.last_agent, conversation.active_workflow) == ("knowledge", "knowledge")


async def test_a_multi_turn_script_conversation_hands_off_uses_tools_and_survives_a_restart(bot_factory, fake_slack, fake_openai):
    from tests import slack_events as se

    env = {"HARDE_MODEL_SCRIPTING": "script-model", "HARDE_FAST_MODEL": "triage-model"}
    bot = await bot_factory(**env)
    # Turn 1: the router is unsure, so Triage takes it and hands off to Scripting, which saves a draft.
    fake_openai.reply_tool_call("transfer_to_scripting", {})
    fake_openai.reply_tool_call(
        "save_script_draft", {"kind": "follow_up", "customer": "the Okonkwos", "draft": "Hi, this is Dana from BWC…"}
    )
    fake_openai.reply("Here's a follow-up script for the Okonkwos: Hi, this is Dana from BWC…")
    opening = se.mention("same as last time for the Okonkwos")
    await bot.send_event(opening)
    await bot.settle()
    key = f"T1:C1:{opening['ts']}"
    assert [r.body["model"] for r in fake_openai.requests] == ["triage-model", "script-model", "script-model"]
    await bot.stop()

    # The app restarts; the thread goes on with a plain reply (no mention).
    bot = await bot_factory(**env)
    fake_openai.reset()
    fake_openai.reply_tool_call("save_script_draft", {"kind": "follow_up", "draft": "Hi, Dana from BWC. Quick one…"})
    fake_openai.reply("Shorter: Hi, Dana from BWC. Quick one…")
    await bot.send_event(se.message("make it shorter and mention the warranty", thread_ts=opening["ts"]))
    await bot.settle()

    # Scripting (the thread's active agent) picked it up directly, with the whole first turn in its history
    # and the saved draft in its instructions.
    first = fake_openai.requests[0].body
    assert first["model"] == "script-model"
    history = str(first["input"])
    for earlier in ("same as last time for the Okonkwos", "transfer_to_scripting", "Saved revision 1 of the follow up script",
                    "Here's a follow-up script for the Okonkwos"):
        assert earlier in history
    assert history.index("same as last time") < history.index("make it shorter and mention the warranty")
    assert "Hi, this is Dana from BWC…" in first["instructions"]
    replies = [m.text for m in fake_slack.messages(channel="C1", thread_ts=opening["ts"])]
    assert replies == [
        "Here's a follow-up script for the Okonkwos: Hi, this is Dana from BWC…",
        "Version 1: Revise, Approve or Listen",  # each saved version gets its buttons
        "Shorter: Hi, Dana from BWC. Quick one…",
        "Version 2: Revise, Approve or Listen",
    ]
    conversation = await bot.services.store.get(key)
    state = WorkflowState.from_json(conversation.workflow_state)
    assert (conversation.last_agent, conversation.active_workflow) == ("scripting", "scripting")
    assert (state.script.customer, state.script.revisions, state.script.draft) == (
        "the Okonkwos", 2, "Hi, Dana from BWC. Quick one…"
    )


async def test_a_model_failure_mid_run_ends_with_a_friendly_message_and_the_thread_goes_on(bot_factory, fake_slack, fake_openai):
    from tests import slack_events as se

    bot = await bot_factory(HARDE_KB_DIR=str(KNOWLEDGE))
    fake_openai.reply_tool_call("search_knowledge", {"query": "warranty transfer"}, call_id="call_kb1")
    fake_openai.fail(status=500, message="upstream exploded: secret internals", times=5)
    event = se.mention("which doc covers warranty transfers? quote it")
    await bot.send_event(event)
    await bot.settle()

    [reply] = fake_slack.messages(channel="C1", thread_ts=event["ts"])
    assert reply.text.startswith(":warning:")
    assert "secret internals" not in reply.text and "Traceback" not in reply.text

    fake_openai.reply("Transfers are in the Warranty Policy.")
    await bot.send_event(se.mention("try that again", thread_ts=event["ts"]))
    await bot.settle()
    texts = [m.text for m in fake_slack.messages(channel="C1", thread_ts=event["ts"])]
    assert texts[-1] == "Transfers are in the Warranty Policy."
    print(fake_openai.last_request.body["input"])


async def test_a_tool_call_left_without_its_result_does_not_break_the_thread(bot_factory, fake_slack, fake_openai):
    # A turn cut off while its tool ran (a restart, a timeout) can leave a call with no result in the
    # thread's history; the model API refuses such input, so it must never be sent again.
    from tests import slack_events as se

    bot = await bot_factory(HARDE_KB_DIR=str(KNOWLEDGE))
    fake_openai.reply("Transfers are in the Warranty Policy.")
    event = se.mention("which doc covers warranty transfers? quote it")
    await bot.send_event(event)
    await bot.settle()
    session = History(bot.services.engine).session(f"T1:C1:{event['ts']}")
    await session.add_items([
        {"role": "user", "content": "and who signs the transfer form?"},
        {"type": "function_call", "call_id": "call_cut", "name": "search_knowledge", "arguments": "{\"query\": \"transfer form\"}"},
    ])

    fake_openai.reply("The homeowner and our office manager sign it.")
    await bot.send_event(se.mention("which doc says who signs the transfer form?", thread_ts=event["ts"]))
    await bot.settle()

    request = fake_openai.last_request.body
    assert any(tool.get("name") == "search_knowledge" for tool in request["tools"])  # the agents flow
    sent = request["input"]
    assert not any(item.get("call_id") == "call_cut" for item in sent)
    assert sent[0]["content"] == "which doc covers warranty transfers? quote it"
    assert sent[-1]["content"] == "which doc says who signs the transfer form?"
    assert fake_slack.messages(channel="C1", thread_ts=event["ts"])[-1].text == "The homeowner and our office manager sign it."


def long_thread(exchanges: int) -> list[dict]:
    history = []
    for n in range(exchanges):
        history += [
            {"role": "user", "content": f"question {n}"},
            {"type": "function_call", "call_id": f"c{n}", "name": "search_knowledge", "arguments": "{}"},
            {"type": "function_call_output", "call_id": f"c{n}", "output": "passage " * 50},
            {"role": "assistant", "content": f"answer {n}"},
        ]
    return history


def test_the_agents_window_on_a_long_thread_starts_at_a_user_message_and_keeps_calls_with_results():
    new = [{"role": "user", "content": "latest"}]
    sent = agent_input(long_thread(40), new)

    assert sent[-1] is new[0]
    assert sent[0] == {"role": "user", "content": sent[0]["content"]}
    assert len(sent) - 1 <= AGENT_HISTORY_ITEMS
    assert sent[-2] == {"role": "assistant", "content": "answer 39"}
    calls = [i["call_id"] for i in sent if i.get("type") == "function_call"]
    results = [i["call_id"] for i in sent if i.get("type") == "function_call_output"]
    assert calls == results and calls

    huge = [{"role": "user", "content": "old"}, {"role": "assistant", "content": "x" * AGENT_HISTORY_CHARS},
            {"role": "user", "content": "recent"}, {"role": "assistant", "content": "short"}]
    assert [i["content"] for i in agent_input(huge, new)] == ["recent", "short", "latest"]
    assert agent_input([], new) == new


async def test_a_long_thread_sends_the_model_only_its_recent_exchanges(bot_factory, fake_slack, fake_openai):
    from tests import slack_events as se

    bot = await bot_factory(HARDE_KB_DIR=str(KNOWLEDGE))
    fake_openai.reply("Transfers are in the Warranty Policy.")
    event = se.mention("which doc covers warranty transfers? quote it")
    await bot.send_event(event)
    await bot.settle()
    await History(bot.services.engine).session(f"T1:C1:{event['ts']}").add_items(long_thread(100))

    fake_openai.reply("The transfer form is in the Warranty Policy, section 4.")
    await bot.send_event(se.mention("which doc has the transfer form?", thread_ts=event["ts"]))
    await bot.settle()

    sent = fake_openai.last_request.body["input"]
    assert len(sent) <= AGENT_HISTORY_ITEMS + 1
    assert sent[0] == {"role": "user", "content": sent[0]["content"]}
    assert "question 99" in str(sent) and "question 50" not in str(sent)
    assert sent[-1]["content"] == "which doc has the transfer form?"
    assert fake_slack.messages(channel="C1", thread_ts=event["ts"])[-1].text == "The transfer form is in the Warranty Policy, section 4."


async def test_a_guardrail_that_trips_gets_a_friendly_refusal(engine):
    from agents import GuardrailFunctionOutput, input_guardrail

    @input_guardrail(run_in_parallel=False)  # checked before the model speaks, so nothing leaks
    async def no_ssn(ctx, agent, text):
        return GuardrailFunctionOutput(output_info=None, tripwire_triggered="ssn" in str(text).lower())

    model = ScriptedModel([[assistant_message("Here is the SSN.")]])
    guarded = build_team(lambda name: model)["knowledge"].clone(input_guardrails=[no_ssn])
    sink = Collect()
    context = TurnContext(turn=turn("what's the Hendersons' SSN?"))
    with pytest.raises(UserFacingError) as raised:
        await run_agents(guarded, context, History(engine).session("T1:C1:9.0"), sink, tracing=False)
    assert raised.value.message == BLOCKED
    assert not any(isinstance(e, TextDelta) for e in sink.events)

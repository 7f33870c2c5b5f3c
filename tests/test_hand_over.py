"""The direct flow can hand over: its one streamed call offers the model a `hand_over` tool, and a call
made before any text moves the turn to the agents flow at the named specialist — same placeholder,
one answer, one exchange in the thread's history. End to end over the fake OpenAI and Slack servers."""

from __future__ import annotations

import logging

import pytest
from agents.models.openai_responses import OpenAIResponsesModel

from hard_e.agents.conversation import Conversations
from hard_e.agents.events import TextDelta
from hard_e.agents.history import History
from hard_e.agents.router import route
from hard_e.agents.specialists import build_team
from hard_e.bot.streaming import PLACEHOLDER
from hard_e.integrations.openai_llm import ChatModel, build_client
from hard_e.store.repositories import ConversationStore
from tests import slack_events as se
from tests.brain import Collect, turn

APIS = ["responses", "chat_completions"]
ENV = {"HARDE_MODEL": "direct-model", "HARDE_FAST_MODEL": "triage-model"}
ANSWER = (
    "Lead with the inspection, not the price. Walk the roof line with the homeowner, show them the "
    "lifted shingles on their own phone, and let the photos do the selling."
)


def tool_names(body: dict) -> list[str]:
    """The names of the functions a request offered, on either wire protocol."""
    return [t.get("name") or t.get("function", {}).get("name") for t in body.get("tools") or []]


def hand_over_enum(body: dict) -> list[str]:
    [tool] = body["tools"]
    parameters = tool.get("parameters") or tool["function"]["parameters"]
    return parameters["properties"]["to"]["enum"]


def bot_texts(fake_slack, channel: str, thread_ts: str | None = None) -> list[str]:
    return [m.text for m in fake_slack.messages(channel=channel, thread_ts=thread_ts) if m.user == se.BOT_USER]


@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize(
    ("to", "question", "where", "specialist_tool"),
    [
        # A DM: the CRM shares customer details only privately.
        ("crm", "how do I keep a deal from going cold?", "dm", "find_customers"),
        ("analysis", "which closing lines work best?", "channel", "objections_by_outcome"),
    ],
)
async def test_a_direct_question_handed_over_ends_with_the_specialists_answer(
    bot_factory, fake_slack, fake_openai, api, to, question, where, specialist_tool
):
    assert route(question).flow == "direct"  # the router sends it down the fast path
    bot = await bot_factory(HARDE_OPENAI_API=api, **{f"HARDE_MODEL_{to.upper()}": f"{to}-model"}, **ENV)
    fake_openai.reply_tool_call("hand_over", {"to": to, "why": "needs our own records"})
    fake_openai.reply(ANSWER)
    if where == "dm":
        event, channel, thread, key = se.message(question, channel="D7", channel_type="im"), "D7", None, "T1:D7:dm"
    else:
        event = se.mention(question)
        channel, thread, key = "C1", event["ts"], f"T1:C1:{event['ts']}"
    await bot.send_event(event)
    await bot.settle()

    direct, specialist = fake_openai.requests
    assert direct.body["model"] == "direct-model" and tool_names(direct.body) == ["hand_over"]
    assert {"crm", "analysis", "web_search", "scripting", "new_clients", "knowledge", "triage"} == set(hand_over_enum(direct.body))
    assert specialist.body["model"] == f"{to}-model" and specialist_tool in tool_names(specialist.body)
    assert question in str(specialist.body) and "hand_over" not in str(specialist.body)
    # What the rep sees: one message, the placeholder turned into the specialist's answer.
    [reply] = fake_slack.messages(channel=channel, thread_ts=thread)
    assert (reply.edits[0], reply.text) == (PLACEHOLDER, ANSWER)
    assert len(fake_slack.calls_to("chat.postMessage")) == 1
    # The thread remembers one exchange: the question and the answer, nothing of the direct attempt.
    items = await History(bot.services.engine).session(key).get_items()
    assert len(items) == 2
    assert await History(bot.services.engine).messages(key) == [
        {"role": "user", "content": question},
        {"role": "assistant", "content": ANSWER},
    ]
    assert (await bot.services.store.get(key)).last_agent == to


@pytest.mark.parametrize("api", APIS)
async def test_a_direct_answer_with_the_tool_offered_streams_as_before(bot_factory, fake_slack, fake_openai, api):
    bot = await bot_factory(HARDE_OPENAI_API=api, **ENV)
    fake_openai.reply(ANSWER, chunk_size=6, delay=0.03)  # ~0.9 s of streaming
    event = se.mention("how do I open a storm-damage appointment?")
    await bot.send_event(event)
    await bot.settle()

    [request] = fake_openai.requests  # one call: no hand-over, no second model
    assert tool_names(request.body) == ["hand_over"]
    assert "hand_over" in str(request.body.get("instructions") or request.body["messages"][0])
    [reply] = fake_slack.messages(channel="C1", thread_ts=event["ts"])
    assert reply.edits[0] == PLACEHOLDER and reply.text == ANSWER
    assert all(ANSWER.startswith(p.removesuffix(" ▍")) for p in reply.edits[1:-1])
    # No wait was added before the first text: it shows within 0.5 s of the model's first token.
    [stream] = fake_openai.streams
    assert fake_slack.calls_to("chat.update")[0].at - stream.first_delta_at < 0.5


@pytest.mark.parametrize("api", ["responses", "chat_completions"])
async def test_the_text_stream_is_the_same_with_and_without_the_tool(engine, fake_openai, api):
    client = build_client(api_key="sk-test", base_url=fake_openai.url)
    model = ChatModel(client, api=api, model="direct-model")
    team = build_team(lambda name: OpenAIResponsesModel(model=name, openai_client=client))
    seen = []
    for with_team in (False, True):
        conversations = Conversations(
            store=ConversationStore(engine), history=History(engine), model=model, team=team if with_team else None
        )
        fake_openai.reply("  \n" + ANSWER, chunk_size=5)  # leading whitespace is held, not lost
        sink = Collect()
        text = await conversations.answer(turn(f"how do I open a storm-damage appointment? ({with_team})"), sink)
        seen.append(("".join(e.text for e in sink.events if isinstance(e, TextDelta)), text))
    assert seen[0] == seen[1]
    assert seen[0][1].strip() == ANSWER
    without, with_tool = fake_openai.requests
    assert "tools" not in without.body and tool_names(with_tool.body) == ["hand_over"]


@pytest.mark.parametrize("api", APIS)
async def test_a_hand_over_after_text_is_ignored_and_the_text_stands(bot_factory, fake_slack, fake_openai, api, caplog):
    caplog.set_level(logging.INFO, logger="hard_e")
    bot = await bot_factory(HARDE_OPENAI_API=api, **ENV)
    fake_openai.reply_tool_call("hand_over", {"to": "crm", "why": "to double-check the job"}, text=ANSWER)
    event = se.mention("how do I open a storm-damage appointment?")
    await bot.send_event(event)
    await bot.settle()

    assert len(fake_openai.requests) == 1  # no specialist was called
    assert bot_texts(fake_slack, "C1", event["ts"]) == [ANSWER]
    key = f"T1:C1:{event['ts']}"
    assert [m["content"] for m in await History(bot.services.engine).messages(key)] == [
        "how do I open a storm-damage appointment?",
        ANSWER,
    ]
    assert f"hand-over after text ignored conversation={key} to=crm" in caplog.text


async def test_a_hand_over_to_an_unknown_agent_goes_to_triage(bot_factory, fake_slack, fake_openai, caplog):
    caplog.set_level(logging.INFO, logger="hard_e")
    bot = await bot_factory(HARDE_MODEL_KNOWLEDGE="kb-model", **ENV)
    fake_openai.reply_tool_call("hand_over", {"to": "billing desk", "why": "the Hendersons' invoice"})  # a server that ignored the enum
    fake_openai.reply_tool_call("transfer_to_knowledge", {})
    fake_openai.reply("Invoices are covered in the Billing Guide.")
    event = se.mention("how do I explain an invoice to a homeowner?")
    await bot.send_event(event)
    await bot.settle()

    assert [r.body["model"] for r in fake_openai.requests] == ["direct-model", "triage-model", "kb-model"]
    assert bot_texts(fake_slack, "C1", event["ts"]) == ["Invoices are covered in the Billing Guide."]
    key = f"T1:C1:{event['ts']}"
    assert f"handed over conversation={key} from=direct to=triage (unknown agent)" in caplog.text
    assert "billing desk" not in caplog.text and "Hendersons" not in caplog.text  # the model's words stay out of the logs


async def test_without_the_agents_flow_the_direct_flow_offers_no_hand_over(engine, fake_openai):
    client = build_client(api_key="sk-test", base_url=fake_openai.url)
    conversations = Conversations(
        store=ConversationStore(engine), history=History(engine), model=ChatModel(client, api="responses", model="m")
    )
    fake_openai.reply("Ask what made them call today.")
    sink = Collect()
    assert await conversations.answer(turn("how do I open the appointment?"), sink) == "Ask what made them call today."
    [request] = fake_openai.requests
    assert "tools" not in request.body and "hand_over" not in request.body["instructions"]


async def test_a_guest_handed_over_to_the_crm_is_refused_at_once(bot_factory, fake_slack, fake_openai):
    fake_slack.add_user("UGUEST", restricted=True)
    bot = await bot_factory(**ENV)
    fake_openai.reply_tool_call("hand_over", {"to": "crm", "why": "their jobs"})
    await bot.send_event(se.message("how do I keep a deal from going cold?", channel="D8", channel_type="im", user="UGUEST"))
    await bot.settle()

    assert len(fake_openai.requests) == 1  # refused before any CRM model call
    [reply] = bot_texts(fake_slack, "D8")
    assert reply.startswith(":warning:") and "Guest accounts can't use the CRM" in reply


async def test_a_model_server_that_refuses_tools_still_answers_directly(bot_factory, fake_slack, fake_openai):
    # Some compatible servers answer any request with tools 400 ("… does not support tools"); the
    # direct flow must keep working there, without the hand-over.
    bot = await bot_factory(HARDE_OPENAI_API="chat_completions", **ENV)
    fake_openai.fail(status=400, message="registry.ollama.ai/library/tiny:1b does not support tools")
    fake_openai.reply(ANSWER)
    event = se.mention("how do I open a storm-damage appointment?")
    await bot.send_event(event)
    await bot.settle()

    refused, answered = fake_openai.requests
    assert tool_names(refused.body) == ["hand_over"] and "tools" not in answered.body
    assert bot_texts(fake_slack, "C1", event["ts"]) == [ANSWER]

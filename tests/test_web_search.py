"""Web search: the Perplexity client against a fake Agent API over real HTTP, and the agent's tool."""

from __future__ import annotations

import logging
import socket
import time

import pytest
from agents.testing import ScriptedModel, assistant_message, function_call

from hard_e.agents.agents_flow import run_agents
from hard_e.agents.context import TurnContext
from hard_e.agents.history import History
from hard_e.agents.specialists import build_team
from hard_e.agents.specialists.web_search import NOT_CONFIGURED
from hard_e.bot.config import Settings
from hard_e.bot.services import build_web_search
from hard_e.errors import UserFacingError
from hard_e.integrations import perplexity
from hard_e.integrations.perplexity import Citation, PerplexitySearch, WebAnswer, endpoint
from tests.brain import Collect, turn
from tests.fakes.perplexity_server import FakePerplexity

KEY = "pplx-test-key-0123456789"
QUESTION = "What do asphalt shingles cost per square in Dallas this year?"
COST_GUIDE = ("Roofing cost guide 2026", "https://example.com/roof-costs")
HAIL_REPORT = ("NOAA storm events", "https://www.ncei.noaa.gov/stormevents/")


@pytest.fixture
def fake():
    with FakePerplexity(api_key=KEY) as server:
        yield server


def client_for(fake: FakePerplexity, **options) -> PerplexitySearch:
    options.setdefault("backoff", 0.01)
    return PerplexitySearch(options.pop("api_key", KEY), fake.base_url, **options)


# -- the request and the answer -------------------------------------------------------------------


async def test_search_posts_the_documented_request_with_the_bearer_key(fake):
    await client_for(fake).search(QUESTION)

    [request] = fake.requests
    assert request.path == "/v1/responses"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.headers["content-type"].startswith("application/json")
    assert request.body == {"input": QUESTION, "preset": "pro-search", "stream": False}


async def test_a_model_without_a_preset_turns_the_web_search_tool_on(fake):
    await client_for(fake, preset=None, model="openai/gpt-5.1").search(QUESTION)

    assert fake.last_request.body == {
        "input": QUESTION, "stream": False, "model": "openai/gpt-5.1", "tools": [{"type": "web_search"}]
    }


async def test_the_answer_and_its_search_results_come_back_as_numbered_sources(fake):
    fake.reply("Architectural shingles run $450–$600 per square installed [1]; hail hit in May [2].", [COST_GUIDE, HAIL_REPORT])

    answer = await client_for(fake).search(QUESTION)

    assert answer == WebAnswer(
        text="Architectural shingles run $450–$600 per square installed [1]; hail hit in May [2].",
        citations=[Citation(*COST_GUIDE), Citation(*HAIL_REPORT)],
    )
    assert answer.as_text() == (
        "Architectural shingles run $450–$600 per square installed [1]; hail hit in May [2].\n\n"
        "Sources:\n"
        "[1] Roofing cost guide 2026 — https://example.com/roof-costs\n"
        "[2] NOAA storm events — https://www.ncei.noaa.gov/stormevents/"
    )


async def test_result_ids_that_skip_numbers_are_renumbered_in_the_text_too(fake):
    fake.reply("Costs are up [7], storms were bad [3].", [COST_GUIDE, HAIL_REPORT], ids=[7, 3])

    answer = await client_for(fake).search(QUESTION)

    assert answer.citations == [Citation(*HAIL_REPORT), Citation(*COST_GUIDE)]
    assert answer.text == "Costs are up [2], storms were bad [1]."


async def test_url_citation_annotations_count_as_sources_once(fake):
    fake.reply("Costs are up [1].", [COST_GUIDE], annotations=True)
    answer = await client_for(fake).search(QUESTION)
    assert answer.citations == [Citation(*COST_GUIDE)]

    # Annotations alone (no search_results item) still give the sources.
    fake.raw({
        "id": "resp_1", "object": "response", "created_at": 1, "status": "completed", "model": "m",
        "output": [{
            "type": "message", "id": "msg_1", "status": "completed", "role": "assistant",
            "content": [{"type": "output_text", "text": "Storms were bad.", "annotations": [
                {"type": "url_citation", "url": HAIL_REPORT[1], "title": HAIL_REPORT[0], "start_index": 0, "end_index": 5},
            ]}],
        }],
    })
    answer = await client_for(fake).search(QUESTION)
    assert answer.as_text() == f"Storms were bad.\n\nSources:\n[1] {HAIL_REPORT[0]} — {HAIL_REPORT[1]}"


@pytest.mark.parametrize(
    ("base_url", "expected"),
    [
        (None, "https://api.perplexity.ai/v1/responses"),
        ("https://api.perplexity.ai", "https://api.perplexity.ai/v1/responses"),
        ("https://api.perplexity.ai/", "https://api.perplexity.ai/v1/responses"),
        ("https://proxy.internal/pplx/v1/", "https://proxy.internal/pplx/v1/responses"),
    ],
)
def test_the_base_url_may_be_given_with_or_without_v1(base_url, expected):
    assert endpoint(base_url) == expected


# -- failures ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("script", "message", "attempts"),
    [
        (lambda f: f.fail(403), perplexity.BAD_KEY, 1),
        (lambda f: f.fail(400), perplexity.REJECTED, 1),
        (lambda f: f.fail(429, retry_after="0", times=3), perplexity.RATE_LIMITED, 3),
        (lambda f: f.fail(502, times=3), perplexity.SERVER_TROUBLE, 3),
        (lambda f: f.malformed(), perplexity.UNREADABLE, 1),
        (lambda f: f.raw({"detail": "not a response"}), perplexity.UNREADABLE, 1),
        (lambda f: f.raw({"id": "r", "status": "failed", "output": [], "error": {"message": "x"}}), perplexity.SERVER_TROUBLE, 1),
        (lambda f: f.reply("   "), perplexity.EMPTY, 1),
    ],
    ids=["403", "400", "429-thrice", "502-thrice", "not-json", "wrong-shape", "failed", "empty"],
)
async def test_each_failure_becomes_a_friendly_message(fake, script, message, attempts):
    script(fake)
    with pytest.raises(UserFacingError) as raised:
        await client_for(fake).search(QUESTION)
    assert raised.value.message == message
    assert len(fake.requests) == attempts


async def test_a_wrong_key_is_refused_by_the_server_and_named_for_the_admin(fake):
    with pytest.raises(UserFacingError) as raised:
        await client_for(fake, api_key="pplx-wrong").search(QUESTION)
    assert raised.value.message == perplexity.BAD_KEY
    assert "PERPLEXITY_API_KEY" in raised.value.message and "pplx-wrong" not in raised.value.message
    assert [r.headers["authorization"] for r in fake.requests] == ["Bearer pplx-wrong"]


async def test_a_stalled_server_times_out(fake):
    fake.stall(5.0)
    started = time.monotonic()
    with pytest.raises(UserFacingError) as raised:
        await client_for(fake, timeout=0.3).search(QUESTION)
    assert raised.value.message == perplexity.TIMED_OUT
    assert time.monotonic() - started < 2.0


async def test_a_refused_connection_says_search_is_unreachable():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(UserFacingError) as raised:
        await PerplexitySearch(KEY, f"http://127.0.0.1:{port}").search(QUESTION)
    assert raised.value.message == perplexity.UNREACHABLE


async def test_a_429_is_retried_after_the_servers_retry_after_then_answers(fake):
    fake.fail(429, retry_after="0.3")
    fake.reply("Costs are up [1].", [COST_GUIDE])

    answer = await client_for(fake).search(QUESTION)

    assert answer.citations == [Citation(*COST_GUIDE)]
    first, second = fake.requests
    assert second.at - first.at >= 0.3
    assert second.body == first.body


async def test_a_long_retry_after_is_capped(fake, monkeypatch):
    monkeypatch.setattr(perplexity, "MAX_RETRY_AFTER", 0.1)
    fake.fail(503, retry_after="120")
    started = time.monotonic()
    answer = await client_for(fake).search(QUESTION)
    assert answer.text == fake.default_reply
    assert time.monotonic() - started < 1.0
    assert len(fake.requests) == 2


async def test_logs_never_carry_the_question_the_answer_or_the_key(fake, caplog):
    caplog.set_level(logging.DEBUG)
    fake.fail(500)
    fake.reply("A very specific answer about Dallas [1].", [COST_GUIDE])
    await client_for(fake).search(QUESTION)
    fake.fail(401)
    with pytest.raises(UserFacingError):
        await client_for(fake).search(QUESTION)

    assert "status=500" in caplog.text and "status=401" in caplog.text
    for secret in (QUESTION, "Dallas", KEY, COST_GUIDE[1]):
        assert secret not in caplog.text
    assert KEY not in repr(client_for(fake))


# -- settings ------------------------------------------------------------------------------------------------


async def test_build_web_search_uses_the_key_and_base_url_from_settings(fake):
    settings = Settings.from_env({"PERPLEXITY_API_KEY": KEY, "PERPLEXITY_BASE_URL": fake.base_url}, dotenv=None)
    client = build_web_search(settings)
    await client.search(QUESTION)
    assert fake.last_request.headers["authorization"] == f"Bearer {KEY}"


def test_without_a_key_there_is_no_web_search():
    assert build_web_search(Settings.from_env({}, dotenv=None)) is None


# -- the WebSearch agent's tool -------------------------------------------------------------------------------


async def run_web_search_agent(engine, web_search) -> tuple[str, ScriptedModel]:
    """One turn of the WebSearch agent that calls `search_web` once; returns the tool's output."""
    model = ScriptedModel([
        [function_call("search_web", {"question": QUESTION}, call_id="w1")],
        [assistant_message("Shingles run $450–$600 a square [1].")],
    ])
    team = build_team(lambda name: model)
    context = TurnContext(turn=turn("what are shingles going for in Dallas?"), web_search=web_search)
    await run_agents(team["web_search"], context, History(engine).session("T1:C1:9.0"), Collect(), tracing=False)
    [output] = [
        item["output"] for item in model.calls[1].input
        if isinstance(item, dict) and item.get("type") == "function_call_output" and item.get("call_id") == "w1"
    ]
    return output, model


async def test_the_agent_gets_the_answer_with_its_cited_urls(engine, fake):
    fake.reply("Architectural shingles run $450–$600 per square [1]; hail hit in May [2].", [COST_GUIDE, HAIL_REPORT])

    output, _ = await run_web_search_agent(engine, client_for(fake))

    assert fake.last_request.body["input"] == QUESTION
    assert "$450–$600 per square [1]" in output
    assert f"[1] {COST_GUIDE[0]} — {COST_GUIDE[1]}" in output
    assert f"[2] {HAIL_REPORT[0]} — {HAIL_REPORT[1]}" in output


async def test_without_a_client_the_agent_is_told_web_search_is_not_configured(engine):
    output, _ = await run_web_search_agent(engine, None)
    assert output == NOT_CONFIGURED


async def test_a_search_failure_reaches_the_agent_as_the_friendly_message(engine, fake):
    fake.fail(401)
    output, _ = await run_web_search_agent(engine, client_for(fake))
    assert output == perplexity.BAD_KEY


# -- in a running Hard-E ----------------------------------------------------------------------------------


async def test_a_research_question_in_slack_is_answered_from_perplexity_with_its_sources(
    bot_factory, fake_slack, fake_openai, fake
):
    from tests import slack_events as se

    bot = await bot_factory(PERPLEXITY_API_KEY=KEY, PERPLEXITY_BASE_URL=fake.base_url)
    fake.reply("Two hail reports near Aurora on Tuesday [1].", [HAIL_REPORT])
    fake_openai.reply_tool_call("search_web", {"question": "hail reports Aurora CO this week"})
    fake_openai.reply("Two hail reports near Aurora on Tuesday [1].\n\nSources: [1] NOAA storm events")
    event = se.mention("look up storm reports for Aurora this week")
    await bot.send_event(event)
    await bot.settle()

    assert fake.last_request.body["input"] == "hail reports Aurora CO this week"
    # The model's second call carried Perplexity's answer and its numbered source URL.
    tool_output = str(fake_openai.requests[1].body["input"])
    assert "Two hail reports near Aurora on Tuesday [1]." in tool_output and HAIL_REPORT[1] in tool_output
    [reply] = fake_slack.messages(channel="C1", thread_ts=event["ts"])
    assert reply.text.startswith("Two hail reports near Aurora on Tuesday [1].")


async def test_without_a_key_the_web_search_agent_is_told_search_is_not_configured(bot_factory, fake_slack, fake_openai):
    from tests import slack_events as se

    bot = await bot_factory()
    fake_openai.reply_tool_call("search_web", {"question": "hail reports Aurora CO this week"})
    fake_openai.reply("Web search isn't set up here yet, so I can't look that up.")
    await bot.send_event(se.mention("look up storm reports for Aurora this week"))
    await bot.settle()
    assert NOT_CONFIGURED in str(fake_openai.requests[1].body["input"])

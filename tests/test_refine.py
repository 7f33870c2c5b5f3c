"""The optional Grok voice pass, run against a fake xAI server over real HTTP."""

from __future__ import annotations

import logging
import time

import pytest

from hard_e.agents import prompts
from hard_e.agents.refining import MIN_ANSWER_CHARS, refine_instructions, should_refine
from hard_e.bot.config import Settings
from hard_e.bot.services import build_refiner
from hard_e.integrations.xai import DEFAULT_MODEL, GrokRefiner
from tests.fakes.xai_server import FakeXAI

KEY = "xai-test-key"

SCRIPT = (
    "**Opener**\n"
    "1. Hi Dana, it's Sam from Summit Roofing about the inspection at 14 Elm St.\n"
    "2. Our crew found hail damage on the north slope [1]; the estimate is $12,400.\n"
    "3. Here's the warranty sheet: https://example.com/warranty.pdf [2]\n"
)
REWRITE = (
    "**Opener**\n"
    "1. Dana, hey! Sam here from Summit Roofing, calling about the inspection at 14 Elm St.\n"
    "2. The crew spotted hail damage on the north slope [1], and the estimate comes to $12,400.\n"
    "3. I've got the warranty sheet for you right here: https://example.com/warranty.pdf [2]\n"
)


@pytest.fixture
def fake_xai():
    with FakeXAI(api_key=KEY) as server:
        yield server


@pytest.fixture
async def refiner(fake_xai):
    grok = GrokRefiner(KEY, fake_xai.base_url, instructions=refine_instructions, timeout=5.0)
    yield grok
    await grok.close()


async def test_request_carries_key_model_persona_and_original_text(fake_xai, refiner):
    fake_xai.reply(REWRITE)

    await refiner.refine(SCRIPT, kind="script")

    req = fake_xai.last_request
    assert req.path == "/v1/responses"
    assert req.headers["authorization"] == f"Bearer {KEY}"
    assert req.body["model"] == DEFAULT_MODEL
    assert req.body["store"] is False
    system, user = req.body["input"]
    assert system["role"] == "system"
    assert prompts.load("persona") in system["content"]
    assert prompts.load("refine") in system["content"]
    assert "say out loud" in system["content"]
    assert user == {"role": "user", "content": SCRIPT}


async def test_good_rewrite_is_returned(fake_xai, refiner):
    fake_xai.reply(REWRITE)

    assert await refiner.refine(SCRIPT, kind="script") == REWRITE.strip()


async def test_answer_kind_is_described_as_an_answer(fake_xai, refiner):
    fake_xai.reply(REWRITE)

    await refiner.refine(SCRIPT, kind="answer")

    system = fake_xai.last_request.body["input"][0]["content"]
    assert "answer to a rep's question" in system
    assert "say out loud" not in system


async def test_base_url_given_with_v1_reaches_the_same_endpoint(fake_xai):
    grok = GrokRefiner(KEY, f"{fake_xai.base_url}/v1/", instructions=refine_instructions, timeout=5.0)
    fake_xai.reply(REWRITE)
    try:
        assert await grok.refine(SCRIPT, kind="script") == REWRITE.strip()
    finally:
        await grok.close()
    assert fake_xai.last_request.path == "/v1/responses"


@pytest.mark.parametrize(
    ("script", "kind"),
    [
        (lambda fake: fake.fail(500), "http_500"),
        (lambda fake: fake.fail(401), "http_401"),
        (lambda fake: fake.malformed(), "malformed_response"),
        (lambda fake: fake.wrong_shape(), "malformed_response"),
        (lambda fake: fake.empty(), "empty_output"),
        (lambda fake: fake.reply(REWRITE, status="incomplete"), "status_incomplete"),
    ],
    ids=["500", "401", "malformed", "wrong-shape", "empty", "incomplete"],
)
async def test_failed_call_leaves_the_text_unchanged_and_logs_only_the_kind(fake_xai, refiner, caplog, script, kind):
    script(fake_xai)

    with caplog.at_level(logging.WARNING, logger="hard_e.integrations.xai"):
        assert await refiner.refine(SCRIPT, kind="script") == SCRIPT

    assert len(fake_xai.requests) == 1  # no retries eating the time budget
    logged = caplog.text
    assert kind in logged
    assert KEY not in logged and "Dana" not in logged and "warranty" not in logged


async def test_wrong_key_leaves_the_text_unchanged(fake_xai):
    grok = GrokRefiner("xai-wrong", fake_xai.base_url, instructions=refine_instructions, timeout=5.0)
    try:
        assert await grok.refine(SCRIPT, kind="script") == SCRIPT
    finally:
        await grok.close()
    assert fake_xai.last_request.headers["authorization"] == "Bearer xai-wrong"


async def test_stalled_server_times_out_fast_and_leaves_the_text_unchanged(fake_xai, caplog):
    fake_xai.stall(5)
    grok = GrokRefiner(KEY, fake_xai.base_url, instructions=refine_instructions, timeout=0.5)
    started = time.monotonic()
    try:
        with caplog.at_level(logging.WARNING, logger="hard_e.integrations.xai"):
            assert await grok.refine(SCRIPT, kind="script") == SCRIPT
    finally:
        await grok.close()
    assert time.monotonic() - started < 2.0
    assert "timeout" in caplog.text


async def test_unreachable_server_leaves_the_text_unchanged(caplog):
    with FakeXAI(api_key=KEY) as gone:
        base = gone.base_url  # a port that nothing listens on once the server stops
    grok = GrokRefiner(KEY, base, instructions=refine_instructions, timeout=2.0)
    try:
        with caplog.at_level(logging.WARNING, logger="hard_e.integrations.xai"):
            assert await grok.refine(SCRIPT, kind="script") == SCRIPT
    finally:
        await grok.close()
    assert "connection_error" in caplog.text


@pytest.mark.parametrize(
    ("rewrite", "kind"),
    [
        (REWRITE.replace("https://example.com/warranty.pdf", "the link I sent"), "lost_link"),
        (REWRITE.replace("https://example.com/warranty.pdf", "https://example.com/warranty"), "lost_link"),
        (REWRITE.replace("https://example.com/warranty.pdf", "https://example.com/warranty.pdf.zip"), "lost_link"),
        (REWRITE.replace(" [2]", ""), "lost_citation"),
        (REWRITE.replace("$12,400", "about twelve grand"), "lost_number"),
        ("Call Dana about the roof [1] [2] https://example.com/warranty.pdf 14 12,400 1. 2. 3.", "too_short"),
    ],
    ids=["dropped-url", "shortened-url", "lengthened-url", "dropped-citation", "dropped-price", "too-short"],
)
async def test_rewrite_that_loses_content_is_rejected(fake_xai, refiner, caplog, rewrite, kind):
    fake_xai.reply(rewrite)

    with caplog.at_level(logging.WARNING, logger="hard_e.integrations.xai"):
        assert await refiner.refine(SCRIPT, kind="script") == SCRIPT

    assert kind in caplog.text


async def test_slack_style_link_survives_the_check(fake_xai, refiner):
    original = "Grab the brochure <https://example.com/siding?color=slate|here> before the visit. " * 3
    rewrite = "Before you head out, pull up the brochure <https://example.com/siding?color=slate|here>. " * 3
    fake_xai.reply(rewrite)

    assert await refiner.refine(original, kind="script") == rewrite.strip()


async def test_blank_text_makes_no_call(fake_xai, refiner):
    assert await refiner.refine("  \n", kind="script") == "  \n"
    assert fake_xai.requests == []


def test_scripts_are_always_refined():
    assert should_refine("Hi, it's Sam from Summit Roofing.", kind="script")
    assert not should_refine("   ", kind="script")


def test_answers_are_refined_only_when_long():
    assert MIN_ANSWER_CHARS == 600
    assert not should_refine("a" * (MIN_ANSWER_CHARS - 1), kind="answer")
    assert should_refine("a" * MIN_ANSWER_CHARS, kind="answer")
    assert not should_refine(" " * 700 + "short", kind="answer")


def test_unknown_kind_is_a_programming_error():
    with pytest.raises(ValueError):
        should_refine("text", kind="email")


def test_build_refiner_is_off_without_a_key():
    assert build_refiner(Settings.from_env({}, dotenv=None)) is None
    assert build_refiner(Settings.from_env({"XAI_BASE_URL": "https://api.x.ai"}, dotenv=None)) is None


async def test_build_refiner_uses_the_configured_key_and_base_url(fake_xai):
    settings = Settings.from_env({"XAI_API_KEY": KEY, "XAI_BASE_URL": fake_xai.base_url}, dotenv=None)
    grok = build_refiner(settings)
    assert isinstance(grok, GrokRefiner)
    fake_xai.reply(REWRITE)
    try:
        assert await grok.refine(SCRIPT, kind="script") == REWRITE.strip()
    finally:
        await grok.close()
    assert fake_xai.last_request.headers["authorization"] == f"Bearer {KEY}"


# -- in a running Hard-E ----------------------------------------------------------------------------------

LONG_ANSWER = " ".join(
    ["Walk the roof line with the homeowner and let the photos of the lifted shingles do the selling."] * 8
)
POLISHED = " ".join(["Walk the roof with them and let those lifted-shingle photos sell it for you."] * 8)


async def test_a_long_answer_is_polished_by_grok_before_the_final_edit(bot_factory, fake_slack, fake_openai, fake_xai):
    from tests import slack_events as se

    bot = await bot_factory(XAI_API_KEY=KEY, XAI_BASE_URL=fake_xai.base_url, HARDE_REFINE_MODEL="grok-test")
    fake_openai.reply(LONG_ANSWER)
    fake_xai.reply(POLISHED)
    event = se.mention("how should I open a roofing appointment?")
    await bot.send_event(event)
    await bot.settle()

    [reply] = fake_slack.messages(channel="C1", thread_ts=event["ts"])
    assert reply.text == POLISHED
    sent = fake_xai.last_request
    assert sent.body["model"] == "grok-test" and LONG_ANSWER in str(sent.body["input"])
    # The thread remembers what the rep was shown.
    history = await bot.services.conversations._history.messages(f"T1:C1:{event['ts']}")
    assert history[-1] == {"role": "assistant", "content": POLISHED}


async def test_when_grok_fails_the_unrefined_answer_stands(bot_factory, fake_slack, fake_openai, fake_xai):
    from tests import slack_events as se

    bot = await bot_factory(XAI_API_KEY=KEY, XAI_BASE_URL=fake_xai.base_url)
    fake_openai.reply(LONG_ANSWER)
    fake_xai.fail(500)
    event = se.mention("how should I open a roofing appointment?")
    await bot.send_event(event)
    await bot.settle()
    [reply] = fake_slack.messages(channel="C1", thread_ts=event["ts"])
    assert reply.text == LONG_ANSWER
    assert len(fake_xai.requests) == 1


async def test_short_answers_and_unconfigured_grok_are_left_alone(bot_factory, fake_slack, fake_openai, fake_xai):
    from tests import slack_events as se

    bot = await bot_factory(XAI_API_KEY=KEY, XAI_BASE_URL=fake_xai.base_url)
    fake_openai.reply("Lead with the inspection.")
    event = se.mention("how should I open a roofing appointment?")
    await bot.send_event(event)
    await bot.settle()
    assert fake_slack.messages(channel="C1", thread_ts=event["ts"])[0].text == "Lead with the inspection."
    assert fake_xai.requests == []
    assert bot.services.refiner is not None
    await bot.stop()

    unconfigured = await bot_factory()
    assert unconfigured.services.refiner is None


async def test_a_finished_script_is_polished_as_a_script(bot_factory, fake_slack, fake_openai, fake_xai):
    from tests import slack_events as se

    bot = await bot_factory(XAI_API_KEY=KEY, XAI_BASE_URL=fake_xai.base_url)
    fake_openai.reply_tool_call("save_script_draft", {"kind": "follow_up", "customer": "the Garcias", "draft": "Hi, it's Dana."})
    fake_openai.reply("Hi, it's Dana from BWC, following up on Tuesday's estimate.")
    fake_xai.reply("Hey, Dana from BWC here, following up on Tuesday's estimate.")
    event = se.mention("write a follow-up script for the Garcias")
    await bot.send_event(event)
    await bot.settle()
    reply, buttons = fake_slack.messages(channel="C1", thread_ts=event["ts"])
    assert reply.text == "Hey, Dana from BWC here, following up on Tuesday's estimate."
    assert buttons.text == "Version 1: Revise, Approve or Listen"
    assert "call script a rep will say out loud" in str(fake_xai.last_request.body)
    # The thread remembers the polished script, after the tool call that saved the draft.
    items = await bot.services.conversations._history.session(f"T1:C1:{event['ts']}").get_items()
    assert items[-1] == {"role": "assistant", "content": "Hey, Dana from BWC here, following up on Tuesday's estimate."}
    assert any(item.get("type") == "function_call_output" for item in items)


async def test_with_native_streaming_the_polished_answer_follows_the_streamed_one(bot_factory, fake_slack, fake_openai, fake_xai):
    from tests import slack_events as se

    bot = await bot_factory(XAI_API_KEY=KEY, XAI_BASE_URL=fake_xai.base_url, HARDE_STREAMING="native")
    fake_openai.reply(LONG_ANSWER, chunk_size=40)
    fake_xai.reply(POLISHED)
    event = se.mention("how should I open a roofing appointment?")
    await bot.send_event(event)
    await bot.settle(timeout=30)

    streamed, final = fake_slack.messages(channel="C1", thread_ts=event["ts"])
    assert streamed.stopped and streamed.text.endswith("_(final answer below)_")
    assert final.text == POLISHED

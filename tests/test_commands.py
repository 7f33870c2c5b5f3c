"""Slash commands answer plainly over HTTP, signed as Slack signs them."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import aiohttp
import pytest

from tests import slack_events as se


async def post_command(bot, command: str, text: str = "") -> tuple[int, dict]:
    body = urlencode({
        "command": command, "text": text, "team_id": se.TEAM, "channel_id": "C1", "user_id": "U1",
        "trigger_id": "1.2.3", "response_url": "http://127.0.0.1:9/unused", "token": "t", "api_app_id": "A1",
    })
    headers = {**se.sign(body), "Content-Type": "application/x-www-form-urlencoded"}
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{bot.url}/slack/events", data=body, headers=headers) as response:
            return response.status, json.loads(await response.text() or "{}")


@pytest.mark.parametrize(
    ("command", "expected"),
    [("/hard-e", "Mention *@Hard-E*")],
)
async def test_each_slash_command_gets_an_ephemeral_answer(bot, command, expected):
    status, reply = await post_command(bot, command, "help")
    assert status == 200
    assert reply["response_type"] == "ephemeral" and expected in reply["text"]


@pytest.mark.parametrize("text", ["", "help", "  HELP  "])
async def test_hard_e_with_nothing_or_help_shows_help_and_answers_nothing(bot, fake_slack, fake_openai, text):
    status, reply = await post_command(bot, "/hard-e", text)
    await bot.settle()
    assert status == 200 and reply["response_type"] == "ephemeral" and "/hard-e your question" in reply["text"]
    assert fake_slack.calls_to("conversations.open") == [] and fake_openai.requests == []


async def test_hard_e_question_is_answered_privately_in_the_askers_dm(bot, fake_slack, fake_openai):
    fake_openai.reply("A 30-year architectural shingle runs about $4.50 a square foot.", chunk_size=8)
    status, reply = await post_command(bot, "/hard-e", "what do architectural shingles cost?")
    assert status == 200
    assert reply["response_type"] == "ephemeral" and "our DM" in reply["text"] and "$4.50" not in reply["text"]
    await bot.settle()
    [opened] = fake_slack.calls_to("conversations.open")
    assert opened.params["users"] == "U1"
    dm = fake_slack.messages()
    assert {m.channel for m in dm} == {"D1"}, "nothing lands in the channel the command came from"
    assert "what do architectural shingles cost?" in dm[0].text
    assert dm[-1].text == "A 30-year architectural shingle runs about $4.50 a square foot."
    assert fake_openai.last_request.body["input"][-1]["content"] == "what do architectural shingles cost?"


async def test_a_later_dm_continues_the_conversation_a_hard_e_question_started(bot, fake_slack, fake_openai):
    fake_openai.reply("About $4.50 a square foot.")
    await post_command(bot, "/hard-e", "what do architectural shingles cost?")
    await bot.settle()
    fake_openai.reply("About $6 with tear-off.")
    await bot.send_event(se.message("and with tear-off?", channel="D1", channel_type="im"))
    await bot.settle()
    contents = [m["content"] for m in fake_openai.last_request.body["input"]]
    assert contents == ["what do architectural shingles cost?", "About $4.50 a square foot.", "and with tear-off?"]


async def test_hard_e_question_without_a_dm_says_so_privately(bot, fake_slack, fake_openai):
    fake_slack.fail_next("conversations.open", error="missing_scope")
    status, reply = await post_command(bot, "/hard-e", "what's our warranty?")
    await bot.settle()
    assert status == 200
    [ephemeral] = fake_slack.ephemerals(channel="C1")
    assert ephemeral["user"] == "U1" and "couldn't open a DM" in ephemeral["text"]
    assert fake_slack.messages() == [] and fake_openai.requests == []

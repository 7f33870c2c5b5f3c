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


@pytest.mark.parametrize(("command", "expected"), [("/hard-e", "Mention *@Hard-E*"), ("/script", "Script drafting"), ("/new-customer", "Customer creation")])
async def test_each_slash_command_gets_an_ephemeral_answer(bot, command, expected):
    status, reply = await post_command(bot, command, "help")
    assert status == 200
    assert reply["response_type"] == "ephemeral" and expected in reply["text"]

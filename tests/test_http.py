"""HTTP mode's other routes and what it does with payloads that aren't what Slack sends."""

from __future__ import annotations

import aiohttp

from tests import slack_events as se
from tests.conftest import bot_env, start_bot


async def test_healthz_is_200_when_the_store_answers(bot):
    status, body = await bot.get("/healthz")
    assert status == 200 and "ok" in body


async def test_healthz_is_503_when_the_store_does_not(fake_slack, fake_openai, tmp_path, database_url):
    bot = await start_bot(bot_env(fake_slack, fake_openai, database_url, tmp_path))
    try:
        from hard_e.store.db import create_engine

        await bot.services.engine.dispose()
        # Point the health check at a database that is not there.
        bot.services.engine = create_engine("postgresql+asyncpg://nobody@127.0.0.1:1/none")
        status, _ = await bot.get("/healthz")
        assert status == 503
    finally:
        await bot.stop()


async def test_metrics_count_events_and_turns(bot, fake_openai):
    event = se.mention("count me")
    await bot.send_event(event)
    await bot.send_event(event, retry_num=1)
    await bot.settle()
    status, text = await bot.get("/metrics")
    assert status == 200
    assert 'harde_turns_total{outcome="answered"} 1.0' in text
    assert 'harde_slack_events_total{kind="app_mention",outcome="duplicate"} 1.0' in text
    assert "harde_slack_api_calls_total" in text


async def test_url_verification_challenge_is_answered(bot):
    payload = {"token": "t", "challenge": "abc123", "type": "url_verification"}
    async with aiohttp.ClientSession() as http:
        body = se.body_of(payload)
        async with http.post(f"{bot.url}/slack/events", data=body, headers=se.sign(body)) as response:
            assert response.status == 200
            assert "abc123" in await response.text()


async def test_malformed_but_signed_payloads_get_a_4xx_and_no_slack_call(bot, fake_slack):
    async with aiohttp.ClientSession() as http:
        for body in ("{not json", "", '{"type": "event_callback"}', "payload=%7Bbroken"):
            headers = se.sign(body)
            async with http.post(f"{bot.url}/slack/events", data=body, headers=headers) as response:
                assert response.status < 500
    assert fake_slack.calls_to("chat.postMessage") == []
    status, _ = await bot.get("/healthz")
    assert status == 200


async def test_oversized_body_is_refused(bot):
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{bot.url}/slack/events", data="x" * (2 * 1024 * 1024)) as response:
            assert response.status == 413

"""Socket Mode end to end: the real `hard-e run` loop connects to the fake Slack over a websocket.

Events are pushed down the socket the way Slack delivers them; Hard-E must ack each
envelope and answer in the thread exactly once, however often Slack retries.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from hard_e.bot import runner
from hard_e.bot.config import Settings
from hard_e.bot.services import Services
from hard_e.bot.streaming import PLACEHOLDER
from tests import slack_events as se
from tests.conftest import BOT_TOKEN, free_port

APP_TOKEN = "xapp-test"  # FakeSlack's default app-level token
CONNECT_TIMEOUT = 5.0
STOP_TIMEOUT = 5.0

ANSWER = "Knock, smile, and ask about the last storm. Then walk the roof line with them."


async def wait_until(predicate, timeout: float = 5.0, what: str = "condition") -> None:  # noqa: ASYNC109  polling deadline, fails with AssertionError
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not met within {timeout}s")
        await asyncio.sleep(0.02)


def socket_env(fake_slack, fake_openai, database_url: str, tmp_path, **extra: str) -> dict[str, str]:
    env = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_APP_TOKEN": fake_slack.app_token,
        "SLACK_API_URL": fake_slack.url,
        "OPENAI_API_KEY": "sk-test",
        "OPENAI_BASE_URL": fake_openai.url,
        "DATABASE_URL": database_url,
        "HARDE_DATA_DIR": str(tmp_path / "data"),
        # Socket Mode serves /healthz on HOST:PORT: the loopback, on a port of its own per test.
        "HOST": "127.0.0.1",
        "PORT": str(free_port()),
    }
    env.update(extra)
    return env  # no SLACK_SIGNING_SECRET: Socket Mode does not need one


@dataclass
class SocketBot:
    """`runner.run(settings)` running as a task on the test's loop."""

    task: asyncio.Task
    services: Services

    def duplicates(self, kind: str = "app_mention") -> float:
        value = self.services.metrics.registry.get_sample_value(
            "harde_slack_events_total", {"kind": kind, "outcome": "duplicate"}
        )
        return value or 0.0

    async def settle(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109  polling deadline, fails with AssertionError
        """Wait until no turn is in flight (give listeners a moment to start first)."""
        await asyncio.sleep(0.05)
        await wait_until(
            lambda: self.services.idle, timeout, "turns finished"
        )

    async def stop(self) -> None:
        """Cancel run() (the in-process stand-in for SIGTERM) and wait, bounded, for it to end."""
        if self.task.done():
            return
        self.task.cancel()
        done, _ = await asyncio.wait({self.task}, timeout=STOP_TIMEOUT)
        assert done, f"run() did not finish within {STOP_TIMEOUT}s of being cancelled"


async def start_socket_bot(settings: Settings, monkeypatch) -> tuple[asyncio.Task, list[Services]]:
    built: list[Services] = []
    build = Services.build

    def capture(s: Settings) -> Services:
        services = build(s)
        built.append(services)
        return services

    # Observe (not replace) the Services that run() builds, to wait on its turns and metrics.
    monkeypatch.setattr(Services, "build", staticmethod(capture))
    task = asyncio.create_task(runner.run(settings), name="hard-e-run")
    return task, built


@pytest.fixture
async def socket_bot(fake_slack, fake_openai, database_url, tmp_path, monkeypatch):
    settings = Settings.from_env(socket_env(fake_slack, fake_openai, database_url, tmp_path), dotenv=None)
    assert settings.socket_mode and settings.slack_signing_secret is None
    task, built = await start_socket_bot(settings, monkeypatch)
    bot = None
    try:
        # Bounded: fail fast (with run()'s own error, if any) instead of hanging.
        await wait_until(lambda: fake_slack.socket_connected or task.done(), CONNECT_TIMEOUT, "socket connected")
        if task.done():
            task.result()  # re-raises what stopped run()
            raise AssertionError("run() returned before connecting")
        assert built, "run() did not build its Services"
        bot = SocketBot(task, built[0])
        yield bot
    finally:
        if bot is not None:
            try:
                await bot.settle()
            finally:
                await bot.stop()
        elif not task.done():
            task.cancel()
            await asyncio.wait({task}, timeout=STOP_TIMEOUT)


async def test_mention_over_socket_mode_is_acked_and_answered_in_its_thread(socket_bot, fake_slack, fake_openai):
    fake_openai.reply(ANSWER, chunk_size=8, first_token_delay=1.0, delay=0.02)
    event = se.mention("How do I open a storm-damage appointment?")

    envelope_id = fake_slack.push_event(se.envelope(event))

    # Acked promptly (Slack's limit is 3 s), before the model has even started answering.
    await wait_until(lambda: envelope_id in fake_slack.acks, 3.0, "ack")
    assert fake_slack.ack_for(envelope_id) == {"envelope_id": envelope_id}
    assert not fake_openai.streams or fake_openai.streams[0].first_delta_at is None

    await wait_until(
        lambda: [m.text for m in fake_slack.messages(channel="C1", thread_ts=event["ts"])] == [ANSWER],
        8.0, "final answer",
    )
    [reply] = fake_slack.messages(channel="C1", thread_ts=event["ts"])
    assert reply.edits[0] == PLACEHOLDER
    assert reply.text == ANSWER
    assert reply.thread_ts == event["ts"]
    assert fake_slack.acks == [envelope_id]
    assert len(fake_openai.requests) == 1
    assert "storm-damage appointment" in str(fake_openai.last_request.body)
    assert "<@UHARDE>" not in str(fake_openai.last_request.body)


async def test_retried_envelope_gets_no_second_reply(socket_bot, fake_slack, fake_openai):
    fake_openai.reply(ANSWER, first_token_delay=0.5)
    payload = se.envelope(se.mention("Quick one: what's our roof warranty?"))

    first = fake_slack.push_event(payload)
    await wait_until(lambda: first in fake_slack.acks, 3.0, "first ack")
    # Slack redelivers the same payload in a new envelope while the first turn is in flight...
    retry = fake_slack.push_event(payload, retry_attempt=1, retry_reason="timeout")
    await wait_until(lambda: retry in fake_slack.acks, 3.0, "retry ack")
    await wait_until(lambda: socket_bot.duplicates() >= 1, 3.0, "retry recognised as a duplicate")
    await socket_bot.settle()
    # ...and once more after the answer is out.
    late = fake_slack.push_event(payload, retry_attempt=2, retry_reason="timeout")
    await wait_until(lambda: late in fake_slack.acks, 3.0, "late retry ack")
    await wait_until(lambda: socket_bot.duplicates() >= 2, 3.0, "late retry recognised as a duplicate")
    await socket_bot.settle()

    assert len({first, retry, late}) == 3
    assert sorted(fake_slack.acks) == sorted([first, retry, late])
    assert len(fake_slack.calls_to("chat.postMessage")) == 1
    assert len(fake_openai.requests) == 1
    [reply] = fake_slack.messages(channel="C1", thread_ts=payload["event"]["ts"])
    assert reply.text == ANSWER


async def test_connection_is_opened_with_the_app_token(socket_bot, fake_slack):
    # The fake accepts only the app-level token for apps.connections.open: once to check the
    # token at start-up, once to connect.
    opens = fake_slack.calls_to("apps.connections.open")
    assert len(opens) == 2 and all(o.ok for o in opens), opens
    assert fake_slack.socket_connected == 1 and fake_slack.socket_connects == 1
    assert not [c for c in fake_slack.calls if c.error in ("invalid_auth", "not_authed")]


async def test_cancelling_run_closes_the_socket_and_finishes_promptly(socket_bot, fake_slack):
    started = time.monotonic()
    await socket_bot.stop()
    assert time.monotonic() - started < STOP_TIMEOUT
    assert socket_bot.task.cancelled(), "run() should propagate the cancellation"
    await wait_until(lambda: fake_slack.socket_connected == 0, 2.0, "socket closed")
    assert fake_slack.socket_connects == 1, "a stopped bot must not reconnect"
    with pytest.raises(RuntimeError):
        fake_slack.push_event(se.envelope(se.mention("anyone home?")))


async def test_disconnect_request_reconnects_and_keeps_answering(socket_bot, fake_slack, fake_openai):
    # Slack asks clients to move to a new connection from time to time.
    fake_slack.push_socket_message({"type": "disconnect", "reason": "refresh_requested"})
    await wait_until(
        lambda: fake_slack.socket_connects == 2 and fake_slack.socket_connected == 1, 5.0, "reconnected"
    )
    assert len(fake_slack.calls_to("apps.connections.open")) == 3  # start-up check, first and second connection

    fake_openai.reply("Still here.")
    event = se.mention("still there?")
    envelope_id = fake_slack.push_event(se.envelope(event))
    await wait_until(lambda: envelope_id in fake_slack.acks, 3.0, "ack")
    await socket_bot.settle()
    assert [m.text for m in fake_slack.messages(channel="C1", thread_ts=event["ts"])] == ["Still here."]


async def test_dropped_connection_is_reopened(socket_bot, fake_slack):
    fake_slack.close_sockets()
    await wait_until(
        lambda: fake_slack.socket_connects == 2 and fake_slack.socket_connected == 1, 5.0, "reconnected"
    )


async def test_message_text_never_reaches_the_logs_in_socket_mode(socket_bot, fake_slack, fake_openai, caplog):
    from hard_e.bot.cli import configure_logging

    configure_logging("DEBUG")  # what `hard-e run` does with HARDE_LOG_LEVEL=debug
    caplog.set_level("DEBUG")
    fake_openai.reply("Confidential reply about the Hendersons.")
    envelope_id = fake_slack.push_event(se.envelope(se.mention("Mrs Hendersonsecret called about her claim")))
    await wait_until(lambda: envelope_id in fake_slack.acks, 3.0, "ack")
    await socket_bot.settle()
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "Hendersonsecret" not in logged and "Confidential reply" not in logged
    assert BOT_TOKEN not in logged and APP_TOKEN not in logged and "sk-test" not in logged


# -- the fake itself -------------------------------------------------------------------


async def test_fake_connections_open_requires_the_app_token(fake_slack):
    client = AsyncWebClient(token=BOT_TOKEN, base_url=fake_slack.url)
    with pytest.raises(SlackApiError) as raised:
        await client.apps_connections_open(app_token=BOT_TOKEN)
    assert raised.value.response["error"] == "invalid_auth"
    # And the app token is no good for bot methods.
    with pytest.raises(SlackApiError) as raised:
        await AsyncWebClient(token=APP_TOKEN, base_url=fake_slack.url).auth_test()
    assert raised.value.response["error"] == "invalid_auth"

    url = (await client.apps_connections_open(app_token=APP_TOKEN))["url"]
    assert url.startswith(f"ws://127.0.0.1:{fake_slack.port}/socket-mode?ticket=")

    async with aiohttp.ClientSession() as http:
        with pytest.raises(aiohttp.WSServerHandshakeError) as bad:
            await http.ws_connect(f"{fake_slack.socket_url}?ticket=forged")
        assert bad.value.status == 401
        async with http.ws_connect(url, autoping=False) as ws:
            hello = await ws.receive_json(timeout=2)
            assert hello["type"] == "hello" and hello["num_connections"] == 1
            assert hello["connection_info"] == {"app_id": "A1"}
            await wait_until(lambda: fake_slack.socket_connected == 1, 2.0, "socket counted")
            payload = se.envelope(se.mention("hi"))
            envelope_id = await asyncio.to_thread(fake_slack.push_event, payload, retry_attempt=1, retry_reason="timeout")
            pushed = await ws.receive_json(timeout=2)
            assert pushed == {
                "envelope_id": envelope_id, "payload": payload, "type": "events_api",
                "accepts_response_payload": False, "retry_attempt": 1, "retry_reason": "timeout",
            }
            await ws.send_json({"envelope_id": envelope_id})
            await ws.ping(b"sdk-ping-pong:1")
            pong = await ws.receive(timeout=2)
            assert pong.type == aiohttp.WSMsgType.PONG and pong.data == b"sdk-ping-pong:1"
            assert fake_slack.acks == [envelope_id] and fake_slack.pings == 1
        await wait_until(lambda: fake_slack.socket_connected == 0, 2.0, "socket closed")

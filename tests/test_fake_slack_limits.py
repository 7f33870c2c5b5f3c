"""The fake Slack's rate limits and reactions, driven by the real slack_sdk client over HTTP.

Slack publishes rates ("per API method per app per workspace", chat.postMessage also per channel), not
the counting algorithm, so the fake counts either with a rolling window or a token bucket. Time moves
with `fake_slack.advance()`, so no test waits a minute; real time still passes while calls are made,
so a Retry-After may be a second shorter than the advanced clock alone says.
"""

from __future__ import annotations

import asyncio
import math

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from tests.conftest import BOT_TOKEN
from tests.fakes import FakeSlack
from tests.fakes.slack_server import PUBLISHED_PER_CHANNEL_RATE_LIMITS, PUBLISHED_RATE_LIMITS


def web(fake: FakeSlack) -> AsyncWebClient:
    return AsyncWebClient(token=BOT_TOKEN, base_url=fake.url)


async def outcome(call) -> tuple[int, str | None, int | None]:
    """(HTTP status, error, Retry-After) of one Web API call."""
    try:
        response = await call
    except SlackApiError as err:
        retry = err.response.headers.get("Retry-After")
        return err.response.status_code, err.response["error"], int(retry) if retry is not None else None
    return response.status_code, None, None


async def ratelimited(call) -> int:
    """Assert `call` is answered as Slack answers over a limit; returns its Retry-After."""
    status, error, retry = await outcome(call)
    assert (status, error) == (429, "ratelimited")
    assert retry is not None and retry >= 1
    return retry


async def post(c: AsyncWebClient, channel: str = "C1", text: str = "hi") -> str:
    return (await c.chat_postMessage(channel=channel, text=text))["ts"]


# -- the window model (the default) -------------------------------------------------------------


async def test_window_allows_fifty_chat_updates_a_minute_and_retry_after_counts_down_the_window(fake_slack):
    assert fake_slack.rate_model == "window"
    fake_slack.published_limits()
    c = web(fake_slack)
    ts = await post(c)
    for i in range(50):
        await c.chat_update(channel="C1", ts=ts, text=f"edit {i}")
    assert await ratelimited(c.chat_update(channel="C1", ts=ts, text="one too many")) in (59, 60)
    assert fake_slack.message("C1", ts).text == "edit 49"
    fake_slack.advance(60)  # all fifty have left the window

    await c.chat_update(channel="C1", ts=ts, text="first")
    fake_slack.advance(10)
    for i in range(49):
        await c.chat_update(channel="C1", ts=ts, text=f"later {i}")
    assert await ratelimited(c.chat_update(channel="C1", ts=ts, text="51st")) in (49, 50)
    fake_slack.advance(49)
    assert await ratelimited(c.chat_update(channel="C1", ts=ts, text="still")) == 1
    fake_slack.advance(1)  # "first" has left the window: exactly one more fits
    await c.chat_update(channel="C1", ts=ts, text="fits")
    assert await ratelimited(c.chat_update(channel="C1", ts=ts, text="full again")) in (9, 10)
    assert fake_slack.ratelimited_count == 4  # rejected calls were not counted as accepted ones


async def test_a_burst_of_fifty_fits_the_window_but_not_the_bucket(fake_slack):
    c = web(fake_slack)
    ts = await post(c)

    async def burst(n: int) -> list[int]:
        results = await asyncio.gather(*(outcome(c.chat_update(channel="C1", ts=ts, text=str(i))) for i in range(n)))
        return [status for status, _, _ in results]

    fake_slack.published_limits("window")
    assert await burst(50) == [200] * 50
    assert await ratelimited(c.chat_update(channel="C1", ts=ts, text="51st"))

    fake_slack.published_limits("bucket")  # Tier 3: 50 a minute, a burst of 20
    assert fake_slack.rate_model == "bucket"
    statuses = await burst(50)
    # 20 at once; a busy machine may take long enough over the 50 for a token or two to refill.
    assert 20 <= statuses.count(200) <= 22 and statuses.count(200) + statuses.count(429) == 50
    # The bucket refills at 50/60 a second: the next token is at most 1.2 s away (2 s, rounded up).
    assert await ratelimited(c.chat_update(channel="C1", ts=ts, text="x")) in (1, 2)
    fake_slack.advance(1.2)
    await c.chat_update(channel="C1", ts=ts, text="refilled")


async def test_chat_post_message_is_limited_per_channel_with_a_short_burst(fake_slack):
    fake_slack.published_limits()
    c = web(fake_slack)
    for i in range(3):
        await post(c, "C1", f"quick {i}")
    assert await ratelimited(c.chat_postMessage(channel="C1", text="fourth in the same second")) == 1
    await post(c, "C2", "another channel is unaffected")
    fake_slack.advance(1)
    await post(c, "C1", "a second later")
    assert [m.text for m in fake_slack.messages(channel="C1")] == ["quick 0", "quick 1", "quick 2", "a second later"]


async def test_per_channel_window_also_caps_the_minute(fake_slack):
    fake_slack.set_rate_limit("chat.postMessage", per_minute=6, burst=3, per_channel=True)
    c = web(fake_slack)
    for _ in range(2):
        for _ in range(3):
            await post(c, "C1")
        fake_slack.advance(1)
    retry = await ratelimited(c.chat_postMessage(channel="C1", text="seventh in a minute"))
    assert retry in (57, 58)  # the first post leaves the window 60 s after it was made, 2 s ago
    await post(c, "C2")


async def test_the_workspace_wide_limit_counts_every_channel_and_rejected_calls_do_not_count(fake_slack):
    fake_slack.set_rate_limit("chat.postMessage", per_minute=4, burst=4)
    fake_slack.set_rate_limit("chat.postMessage", per_minute=60, burst=3, per_channel=True)
    c = web(fake_slack)
    for _ in range(3):
        await post(c, "C1")
    await ratelimited(c.chat_postMessage(channel="C1", text="over the channel's burst"))
    await post(c, "C2")  # the rejected post did not use up the workspace's fourth
    assert await ratelimited(c.chat_postMessage(channel="C3", text="over the workspace's minute")) in (59, 60)


async def test_limits_are_per_method_and_can_be_cleared_or_reset(fake_slack):
    fake_slack.set_rate_limit("reactions.add", per_minute=2, burst=2)
    c = web(fake_slack)
    await c.reactions_add(channel="C1", timestamp="1.1", name="a")
    await c.reactions_add(channel="C1", timestamp="1.1", name="b")
    await ratelimited(c.reactions_add(channel="C1", timestamp="1.1", name="c"))
    await c.reactions_remove(channel="C1", timestamp="1.1", name="a")  # another method: unaffected

    fake_slack.reset()  # empties the windows
    await c.reactions_add(channel="C1", timestamp="1.1", name="c")
    await c.reactions_add(channel="C1", timestamp="1.1", name="d")
    await ratelimited(c.reactions_add(channel="C1", timestamp="1.1", name="e"))
    fake_slack.clear_rate_limit("reactions.add")
    await c.reactions_add(channel="C1", timestamp="1.1", name="e")


async def test_bucket_model_keeps_its_behaviour_and_reset_refills_it(fake_slack):
    fake_slack.rate_model = "bucket"
    fake_slack.set_rate_limit("chat.update", per_minute=60, burst=2)
    c = web(fake_slack)
    ts = await post(c)
    await c.chat_update(channel="C1", ts=ts, text="b")
    await c.chat_update(channel="C1", ts=ts, text="c")
    assert await ratelimited(c.chat_update(channel="C1", ts=ts, text="d")) == 1
    fake_slack.reset()
    ts = await post(c)
    await c.chat_update(channel="C1", ts=ts, text="b")
    await c.chat_update(channel="C1", ts=ts, text="c")
    await ratelimited(c.chat_update(channel="C1", ts=ts, text="d"))
    fake_slack.advance(1)
    await c.chat_update(channel="C1", ts=ts, text="e")


async def test_bucket_model_per_channel(fake_slack):
    fake_slack.published_limits("bucket")
    c = web(fake_slack)
    for _ in range(3):
        await post(c, "C1")
    assert await ratelimited(c.chat_postMessage(channel="C1", text="x")) == 1
    await post(c, "C2")


def test_published_table_and_model_validation():
    assert PUBLISHED_RATE_LIMITS["chat.update"] == (50, 20)
    assert PUBLISHED_RATE_LIMITS["reactions.remove"] == (20, 5)
    assert PUBLISHED_RATE_LIMITS["views.open"] == (100, 40)
    assert PUBLISHED_RATE_LIMITS["chat.postMessage"] == (600, 100)
    assert PUBLISHED_PER_CHANNEL_RATE_LIMITS == {"chat.postMessage": (60, 3)}
    fake = FakeSlack()  # configuration works before the server starts
    with pytest.raises(ValueError, match="rate_model"):
        fake.rate_model = "leaky"
    with pytest.raises(ValueError):
        fake.published_limits("sliding")
    with pytest.raises(ValueError):
        fake.advance(-1)


async def test_concurrent_callers_never_exceed_the_window(fake_slack):
    fake_slack.set_rate_limit("users.info", per_minute=30, burst=30)
    c = web(fake_slack)
    results = await asyncio.gather(*(outcome(c.users_info(user=f"U{i}")) for i in range(45)))
    assert sorted(status for status, _, _ in results) == [200] * 30 + [429] * 15
    assert all(math.isclose(retry, 60, abs_tol=1) for status, _, retry in results if status == 429)


# -- reactions ------------------------------------------------------------------------------------


async def test_reactions_add_remove_as_slack_documents(fake_slack):
    c = web(fake_slack)
    ts = await post(c)
    await c.reactions_add(channel="C1", timestamp=ts, name="eyes")
    await c.reactions_add(channel="C1", timestamp=ts, name="hourglass")
    assert fake_slack.reactions("C1", ts) == ["eyes", "hourglass"]
    assert await outcome(c.reactions_add(channel="C1", timestamp=ts, name="eyes")) == (200, "already_reacted", None)
    await c.reactions_remove(channel="C1", timestamp=ts, name="eyes")
    assert await outcome(c.reactions_remove(channel="C1", timestamp=ts, name="eyes")) == (200, "no_reaction", None)
    await c.reactions_remove(channel="C1", timestamp=ts, name="hourglass")
    assert fake_slack.reactions("C1", ts) == []
    # The same name on another message, or in another channel, is another reaction.
    await c.reactions_add(channel="C1", timestamp="1700000000.000001", name="eyes")
    await c.reactions_add(channel="C2", timestamp=ts, name="eyes")
    assert fake_slack.reactions("C1", ts) == []

    assert (await outcome(c.api_call("reactions.add", json={"channel": "C1", "name": "eyes"})))[1] == "no_item_specified"
    await c.chat_delete(channel="C1", ts=ts)
    assert (await outcome(c.reactions_add(channel="C1", timestamp=ts, name="eyes")))[1] == "message_not_found"
    assert (await outcome(c.reactions_remove(channel="C1", timestamp=ts, name="eyes")))[1] == "message_not_found"


async def test_strict_reaction_targets_refuse_a_message_the_fake_never_saw(fake_slack):
    c = web(fake_slack)
    fake_slack.strict_reaction_targets = True
    assert (await outcome(c.reactions_add(channel="C1", timestamp="1.000001", name="eyes")))[1] == "message_not_found"
    fake_slack.add_message("C1", "1.000001", text="a user's question")
    await c.reactions_add(channel="C1", timestamp="1.000001", name="eyes")
    assert fake_slack.reactions("C1", "1.000001") == ["eyes"]
    fake_slack.reset()
    assert fake_slack.reactions("C1", "1.000001") == []

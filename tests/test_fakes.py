"""The fakes, driven by the real slack_sdk and openai clients over HTTP.

OpenAI clients use `_strict_response_validation=True` so every JSON body and SSE
event the fake emits is validated against the installed openai pydantic models.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import openai
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from tests.fakes import FakeOpenAI, FakeSlack

USER_MSGS = [{"role": "user", "content": "hi"}]


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def oai() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


def web(slack: FakeSlack, token: str | None = "xoxb-test") -> AsyncWebClient:
    return AsyncWebClient(token=token, base_url=slack.url)


def client(oai: FakeOpenAI, **kwargs: object) -> openai.AsyncOpenAI:
    kwargs.setdefault("max_retries", 0)
    kwargs.setdefault("api_key", "sk-test")
    return openai.AsyncOpenAI(base_url=oai.url, _strict_response_validation=True, **kwargs)  # type: ignore[arg-type]


# -- Slack ----------------------------------------------------------------------


async def test_slack_post_update_delete_tracks_message_state(slack: FakeSlack) -> None:
    c = web(slack)
    first = await c.chat_postMessage(channel="C1", text="thinking…", thread_ts="1690000000.000001")
    second = await c.chat_postMessage(channel="C1", text="other", blocks=[{"type": "divider"}])
    assert first["ok"] and first["message"]["user"] == "UHARDE"
    assert first["ts"] < second["ts"]  # unique and increasing

    await c.chat_update(channel="C1", ts=first["ts"], text="partial")
    upd = await c.chat_update(channel="C1", ts=first["ts"], text="final answer")
    assert upd["message"]["text"] == "final answer"

    msg = slack.message("C1", first["ts"])
    assert (msg.text, msg.thread_ts, msg.deleted) == ("final answer", "1690000000.000001", False)
    assert msg.edits == ["thinking…", "partial", "final answer"]
    assert slack.message("C1", second["ts"]).blocks == [{"type": "divider"}]
    assert [m.ts for m in slack.messages(channel="C1")] == [first["ts"], second["ts"]]
    assert [m.ts for m in slack.messages(thread_ts="1690000000.000001")] == [first["ts"]]

    await c.chat_delete(channel="C1", ts=second["ts"])
    assert slack.message("C1", second["ts"]).deleted
    assert [m.ts for m in slack.messages()] == [first["ts"]]
    with pytest.raises(SlackApiError) as err:
        await c.chat_update(channel="C1", ts=second["ts"], text="x")
    assert err.value.response["error"] == "message_not_found"

    assert [call.method for call in slack.calls] == ["chat.postMessage"] * 2 + ["chat.update"] * 2 + [
        "chat.delete",
        "chat.update",
    ]
    assert slack.calls_to("chat.delete")[0].params == {"channel": "C1", "ts": second["ts"]}
    slack.reset()
    assert slack.calls == [] and slack.messages() == []


async def test_slack_bad_or_missing_token_is_recorded(slack: FakeSlack) -> None:
    with pytest.raises(SlackApiError) as err:
        await web(slack, "xoxb-wrong").chat_postMessage(channel="C1", text="hi")
    assert err.value.response.status_code == 200
    assert err.value.response["error"] == "invalid_auth"
    with pytest.raises(SlackApiError) as err:
        await web(slack, None).auth_test()
    assert err.value.response["error"] == "not_authed"
    assert [(c.method, c.ok, c.error) for c in slack.calls] == [
        ("chat.postMessage", False, "invalid_auth"),
        ("auth.test", False, "not_authed"),
    ]
    assert slack.messages() == []


async def test_slack_rate_limit_returns_429_with_retry_after(slack: FakeSlack) -> None:
    slack.set_rate_limit("chat.update", per_minute=60, burst=2)
    c = web(slack)
    ts = (await c.chat_postMessage(channel="C1", text="a"))["ts"]
    await c.chat_update(channel="C1", ts=ts, text="b")
    await c.chat_update(channel="C1", ts=ts, text="c")
    with pytest.raises(SlackApiError) as err:
        await c.chat_update(channel="C1", ts=ts, text="d")
    assert err.value.response.status_code == 429
    assert err.value.response.headers["Retry-After"] == "1"
    assert err.value.response["error"] == "ratelimited"
    assert slack.ratelimited_count == 1
    assert slack.calls[-1].error == "ratelimited" and not slack.calls[-1].ok
    assert slack.message("C1", ts).text == "c"
    await c.chat_postMessage(channel="C1", text="other methods are unaffected")


async def test_slack_limits_injected_failures_and_delay(slack: FakeSlack) -> None:
    c = web(slack)

    async def error_of(method: str, **body: object) -> str:
        with pytest.raises(SlackApiError) as err:
            await c.api_call(method, json=body)
        return err.value.response["error"]

    assert await error_of("chat.postMessage", channel="C1", text="x" * 40_001) == "msg_too_long"
    assert await error_of("chat.postMessage", channel="C1") == "no_text"
    assert await error_of("chat.postMessage", text="hi") == "channel_not_found"
    blocks = [{"type": "divider"}] * 51
    assert await error_of("chat.postMessage", channel="C1", text="hi", blocks=blocks) == "invalid_blocks"
    ts = (await c.chat_postMessage(channel="C1", text="x" * 40_000))["ts"]
    assert await error_of("chat.update", channel="C1", ts=ts, text="x" * 4_001) == "msg_too_long"
    assert await error_of("files.nope") == "unknown_method"
    slack.stub("conversations.replies", {"ok": True, "messages": [{"ts": "1.1", "text": "root"}]})
    assert (await c.conversations_replies(channel="C1", ts="1.1"))["messages"][0]["text"] == "root"

    slack.fail_next("chat.postMessage", error="fatal_error", status=500)
    slack.fail_next("chat.postMessage", error="ratelimited", status=429)
    with pytest.raises(SlackApiError) as err:
        await c.chat_postMessage(channel="C1", text="hi")
    assert (err.value.response.status_code, err.value.response["error"]) == (500, "fatal_error")
    with pytest.raises(SlackApiError) as err:
        await c.chat_postMessage(channel="C1", text="hi")
    assert err.value.response.status_code == 429 and err.value.response.headers["Retry-After"] == "1"
    await c.chat_postMessage(channel="C1", text="hi")  # failures consumed

    # Form-encoded bodies (data=) and GET work too; JSON-string blocks are decoded.
    form = await c.api_call("chat.postMessage", data={"channel": "C2", "text": "f", "blocks": '[{"type": "divider"}]'})
    assert slack.message("C2", form["ts"]).blocks == [{"type": "divider"}]
    assert (await c.api_call("auth.test", http_verb="GET"))["user_id"] == "UHARDE"

    slack.delay("reactions.add", 0.2)
    started = time.monotonic()
    await c.reactions_add(channel="C1", name="eyes", timestamp=ts)
    assert time.monotonic() - started >= 0.2


async def test_slack_streaming_and_other_methods(slack: FakeSlack) -> None:
    c = web(slack)
    auth = await c.auth_test()
    assert (auth["user"], auth["user_id"], auth["bot_id"], auth["team_id"]) == ("hard-e", "UHARDE", "BHARDE", "T1")
    user = (await c.users_info(user="U42"))["user"]
    assert user["id"] == "U42" and user["is_bot"] is False and user["tz"] and user["profile"]["display_name"]
    slack.add_user("U7", real_name="Dana Seller", display_name="dana", tz="America/Chicago")
    dana = (await c.users_info(user="U7"))["user"]
    assert (dana["real_name"], dana["profile"]["display_name"]) == ("Dana Seller", "dana")
    assert dana["tz_offset"] in (-21600, -18000)
    assert (await c.conversations_info(channel="D123"))["channel"]["is_im"] is True
    assert (await c.conversations_info(channel="C123"))["channel"]["is_im"] is False
    await c.assistant_threads_setStatus(channel_id="D123", thread_ts="1.1", status="is thinking…")

    await c.reactions_add(channel="C1", name="eyes", timestamp="1.1")
    await c.reactions_add(channel="C1", name="white_check_mark", timestamp="1.1")
    await c.reactions_remove(channel="C1", name="eyes", timestamp="1.1")
    assert slack.reactions("C1", "1.1") == ["white_check_mark"]
    await c.chat_postEphemeral(channel="C1", user="U42", text="only you")
    assert slack.ephemerals("C1")[0]["text"] == "only you"

    # Raw stream methods with markdown_text.
    ts = (await c.chat_startStream(channel="D123", thread_ts="1.1", markdown_text="Hel"))["ts"]
    await c.chat_appendStream(channel="D123", ts=ts, markdown_text="lo")
    await c.chat_stopStream(channel="D123", ts=ts, markdown_text="!")
    msg = slack.message("D123", ts)
    assert (msg.text, msg.edits, msg.stopped, msg.thread_ts) == ("Hello!", ["Hel", "Hello", "Hello!"], True, "1.1")
    with pytest.raises(SlackApiError):
        await c.chat_appendStream(channel="D123", ts=ts, markdown_text="late")

    # slack_sdk's chat_stream() helper sends text as `chunks`.
    streamer = await c.chat_stream(channel="D123", thread_ts="1.2", buffer_size=4)
    for piece in ["Good ", "morn", "ing"]:
        await streamer.append(markdown_text=piece)
    await streamer.stop()
    streamed = slack.messages(thread_ts="1.2")
    assert [m.text for m in streamed] == ["Good morning"] and streamed[0].stopped
    keys = {"1.2", streamed[0].ts}
    stream_calls = [c.method for c in slack.calls if keys & {c.params.get("thread_ts"), c.params.get("ts")}]
    assert stream_calls == ["chat.startStream", "chat.appendStream", "chat.stopStream"]


def test_wait_for(slack: FakeSlack) -> None:
    assert slack.wait_for(lambda: True)
    with pytest.raises(AssertionError):
        slack.wait_for(lambda: False, timeout=0.05)


# -- OpenAI ---------------------------------------------------------------------------


async def test_responses_stream_assembles_text(oai: FakeOpenAI) -> None:
    text = "Q3 pipeline: 12 deals, $1.4M — ünïcode ok."
    oai.reply(text, chunk_size=5)
    async with client(oai) as c:
        stream = await c.responses.create(model="gpt-test", input="status?", stream=True)
        events = [ev async for ev in stream]
    deltas = [ev.delta for ev in events if ev.type == "response.output_text.delta"]
    assert "".join(deltas) == text and len(deltas) == 9
    assert [ev.sequence_number for ev in events] == list(range(len(events)))
    assert events[0].type == "response.created" and events[-1].type == "response.completed"
    assert events[-1].response.output_text == text and events[-1].response.usage is not None

    req = oai.last_request
    assert req is not None and req.path == "/v1/responses" and req.body["input"] == "status?"
    assert req.headers["authorization"] == "Bearer sk-test"
    await oai.wait_for_async(lambda: oai.streams and oai.streams[0].finished_at is not None)
    (rec,) = oai.streams
    assert rec.text == text and rec.first_delta_at is not None and rec.finished_at >= rec.first_delta_at


async def test_responses_stream_helper_and_non_streaming(oai: FakeOpenAI) -> None:
    oai.reply("first")
    async with client(oai) as c:
        async with c.responses.stream(model="gpt-test", input="x") as stream:
            final = await stream.get_final_response()
        assert final.output_text == "first"
        plain = await c.responses.create(model="gpt-test", input="x")  # queue empty: default_reply
    assert plain.output_text == oai.default_reply
    assert len(oai.streams) == 1  # non-streaming replies are not stream records


async def test_chat_completions_stream_assembles_text(oai: FakeOpenAI) -> None:
    text = "Hello Slack, here is the forecast."
    oai.reply(text, chunk_size=3)
    async with client(oai) as c:
        stream = await c.chat.completions.create(
            model="gpt-test", messages=USER_MSGS, stream=True, stream_options={"include_usage": True}
        )
        chunks = [ch async for ch in stream]
        plain = await c.chat.completions.create(model="gpt-test", messages=USER_MSGS)
    assert chunks[0].choices[0].delta.role == "assistant"
    assert "".join(ch.choices[0].delta.content or "" for ch in chunks if ch.choices) == text
    assert [ch.choices[0].finish_reason for ch in chunks if ch.choices][-1] == "stop"
    assert chunks[-1].choices == [] and chunks[-1].usage is not None
    assert plain.choices[0].message.content == oai.default_reply
    assert oai.requests[0].path == "/v1/chat/completions"


async def test_tool_calls_on_both_apis(oai: FakeOpenAI) -> None:
    args = {"account": "Acme Corp", "quarter": "Q3"}
    call_id = oai.reply_tool_call("lookup_account", args)
    oai.reply_tool_call("lookup_account", args, call_id="call_chat")
    oai.reply_tool_call("lookup_account", args, call_id="call_plain")
    async with client(oai) as c:
        stream = await c.responses.create(model="gpt-test", input="x", stream=True)
        events = [ev async for ev in stream]
        arg_deltas = "".join(ev.delta for ev in events if ev.type == "response.function_call_arguments.delta")
        (item,) = events[-1].response.output
        assert (item.type, item.name, item.call_id) == ("function_call", "lookup_account", call_id)
        assert json.loads(item.arguments) == args and json.loads(arg_deltas) == args

        async with c.chat.completions.stream(model="gpt-test", messages=USER_MSGS) as chat_stream:
            completion = await chat_stream.get_final_completion()
        choice = completion.choices[0]
        assert choice.finish_reason == "tool_calls"
        (tc,) = choice.message.tool_calls or []
        assert (tc.id, tc.function.name, json.loads(tc.function.arguments)) == ("call_chat", "lookup_account", args)

        plain = await c.responses.create(model="gpt-test", input="x")
        assert plain.output[0].type == "function_call" and plain.output[0].call_id == "call_plain"


async def test_errors_auth_and_500(oai: FakeOpenAI) -> None:
    oai.fail(500, message="upstream exploded", code="server_error")
    async with client(oai) as c:
        with pytest.raises(openai.InternalServerError) as err:
            await c.responses.create(model="gpt-test", input="x", stream=True)
        assert err.value.status_code == 500 and err.value.message.endswith("upstream exploded")
        assert err.value.code == "server_error"
    async with client(oai, api_key="sk-wrong") as c:
        with pytest.raises(openai.AuthenticationError):
            await c.chat.completions.create(model="gpt-test", messages=USER_MSGS)
    assert oai.pending == 0 and len(oai.requests) == 2


async def test_stall_is_timed_out_by_client(oai: FakeOpenAI) -> None:
    oai.stall(5)
    oai.stall(5)
    async with client(oai, timeout=0.3) as c:
        started = time.monotonic()
        with pytest.raises(openai.APITimeoutError):
            await c.responses.create(model="gpt-test", input="x")
        stream = await c.responses.create(model="gpt-test", input="x", stream=True)  # headers arrive
        with pytest.raises(openai.APITimeoutError):
            async for _ in stream:
                pass
    assert time.monotonic() - started < 2


async def test_fail_midstream_and_timing(oai: FakeOpenAI) -> None:
    oai.fail_midstream("abcdefghijklmnop", after_chunks=2)
    oai.reply("slow and steady", chunk_size=5, first_token_delay=0.2, delay=0.05)
    async with client(oai) as c:
        got = []
        with pytest.raises(openai.APIConnectionError):
            stream = await c.chat.completions.create(model="gpt-test", messages=USER_MSGS, stream=True)
            async for ch in stream:
                got.append(ch.choices[0].delta.content or "")
        assert "".join(got) == "abcdefgh"

        stream = await c.responses.create(model="gpt-test", input="x", stream=True)
        [ev async for ev in stream]
    # The client may read the last event before the server has recorded the stream's end.
    await oai.wait_for_async(lambda: len(oai.streams) == 2 and oai.streams[1].finished_at is not None)
    aborted, slow = oai.streams
    assert aborted.aborted and aborted.text == "abcdefgh"
    assert not slow.aborted and slow.text == "slow and steady"
    assert slow.first_delta_at - oai.requests[1].at >= 0.2
    assert slow.finished_at - slow.first_delta_at >= 0.1  # two inter-delta gaps


async def test_slack_conversations_open_as_published(slack: FakeSlack) -> None:
    from slack_sdk.errors import SlackApiError

    c = web(slack)
    first = await c.conversations_open(users="U42")
    assert first["channel"] == {"id": first["channel"]["id"]} and first["channel"]["id"].startswith("D")
    assert "already_open" not in first.data
    again = await c.conversations_open(users="U42", return_im=True)
    assert again["channel"]["id"] == first["channel"]["id"] and again["channel"]["is_im"] is True
    assert again["already_open"] is True and again["no_op"] is True
    assert (await c.conversations_open(users="U1,U2"))["channel"]["id"].startswith("G")
    for kwargs, error in (({}, "users_list_not_supplied"), ({"users": "nobody"}, "user_not_found"),
                          ({"users": ",".join(f"U{i}" for i in range(9))}, "too_many_users"),
                          ({"channel": "C1"}, "method_not_supported_for_channel_type")):
        with pytest.raises(SlackApiError) as raised:
            await c.api_call("conversations.open", json=kwargs)  # past slack_sdk's own argument check
        assert raised.value.response["error"] == error


async def test_slack_users_info_carries_guest_deleted_and_bot_flags_as_published(slack: FakeSlack) -> None:
    c = web(slack)
    member = (await c.users_info(user="U42"))["user"]
    flags = ("is_restricted", "is_ultra_restricted", "deleted", "is_bot")
    assert [member[f] for f in flags] == [False, False, False, False]
    slack.add_user("UGUEST", restricted=True)
    slack.add_user("USINGLE", ultra_restricted=True)
    slack.add_user("UGONE", deleted=True)
    slack.add_user("UBOT", is_bot=True)
    assert (await c.users_info(user="UGUEST"))["user"]["is_restricted"] is True
    single = (await c.users_info(user="USINGLE"))["user"]
    assert (single["is_ultra_restricted"], single["is_restricted"]) == (True, False)  # each flag as given
    assert (await c.users_info(user="UGONE"))["user"]["deleted"] is True
    assert (await c.users_info(user="UBOT"))["user"]["is_bot"] is True
    assert (await c.users_info(user="UHARDE"))["user"]["is_bot"] is True
    with pytest.raises(SlackApiError) as err:
        await c.api_call("users.info", params={})
    assert err.value.response["error"] == "user_not_found"


async def test_slack_usergroups_users_list_as_published(slack: FakeSlack) -> None:
    c = web(slack)
    slack.add_usergroup("SSALES", ["U1", "U2"])
    slack.add_usergroup("SOLD", ["U3"], disabled=True)
    assert (await c.usergroups_users_list(usergroup="SSALES")).data == {"ok": True, "users": ["U1", "U2"]}
    assert (await c.usergroups_users_list(usergroup="SOLD"))["users"] == []
    assert (await c.usergroups_users_list(usergroup="SOLD", include_disabled=True))["users"] == ["U3"]
    slack.disabled_usergroup_answer = "no_such_subteam"  # the other reading of a disabled group
    for group in ("SNOPE", "SOLD"):
        with pytest.raises(SlackApiError) as err:
            await c.usergroups_users_list(usergroup=group)
        assert err.value.response["error"] == "no_such_subteam"
    assert [call.params.get("usergroup") for call in slack.calls_to("usergroups.users.list")][-2:] == ["SNOPE", "SOLD"]


async def test_slack_get_permalink_as_published(slack: FakeSlack) -> None:
    c = web(slack)
    parent = (await c.chat_postMessage(channel="C1H9RESGL", text="root"))["ts"]
    reply = (await c.chat_postMessage(channel="C1H9RESGL", text="reply", thread_ts=parent))["ts"]
    link = await c.chat_getPermalink(channel="C1H9RESGL", message_ts=parent)
    assert link.data == {
        "ok": True,
        "channel": "C1H9RESGL",
        "permalink": f"https://fake-workspace.slack.com/archives/C1H9RESGL/p{parent.replace('.', '')}",
    }
    threaded = (await c.chat_getPermalink(channel="C1H9RESGL", message_ts=reply))["permalink"]
    assert threaded == (
        f"https://fake-workspace.slack.com/archives/C1H9RESGL/p{reply.replace('.', '')}?thread_ts={parent}&cid=C1H9RESGL"
    )
    slack.add_message("C2", "1700000001.000200")  # a user's message, which the fake never saw posted
    slack.add_message("C2", "1700000002.000300", thread_ts="1700000001.000200")
    assert (await c.chat_getPermalink(channel="C2", message_ts="1700000001.000200"))["permalink"].endswith(
        "/archives/C2/p1700000001000200"
    )
    assert (await c.chat_getPermalink(channel="C2", message_ts="1700000002.000300"))["permalink"].endswith(
        "/archives/C2/p1700000002000300?thread_ts=1700000001.000200&cid=C2"
    )
    assert slack.messages(channel="C2") == []
    await c.chat_delete(channel="C1H9RESGL", ts=reply)
    for body, error in (
        ({"channel": "C1H9RESGL", "message_ts": "1.000001"}, "message_not_found"),
        ({"channel": "C1H9RESGL", "message_ts": reply}, "message_not_found"),  # deleted
        ({"message_ts": parent}, "channel_not_found"),
    ):
        with pytest.raises(SlackApiError) as err:
            await c.api_call("chat.getPermalink", params=body)
        assert err.value.response["error"] == error

"""The fakes, driven by the real slack_sdk and openai clients over HTTP.

OpenAI clients use `_strict_response_validation=True` so every JSON body and SSE
event the fake emits is validated against the installed openai pydantic models.
"""

from __future__ import annotations

import asyncio
import copy
import json
import time
from collections.abc import Iterator
from urllib.parse import parse_qsl

import aiohttp
import openai
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from tests import slack_events as se
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
    slack.rate_model = "bucket"  # the token-bucket reading of Slack's limit
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


# -- Slack modals (views.*), their payloads, and file uploads --------------------------------------


def _option(text: str, value: str) -> dict:
    return {"text": {"type": "plain_text", "text": text}, "value": value}


LEAD, WON, ROOF, GUTTER = _option("Lead", "lead"), _option("Won", "won"), _option("Roof", "roof"), _option("Gutter", "gutter")
MODAL = {
    "type": "modal",
    "callback_id": "new_customer",
    "private_metadata": '{"channel": "C1"}',
    "title": {"type": "plain_text", "text": "New customer"},
    "submit": {"type": "plain_text", "text": "Create"},
    "close": {"type": "plain_text", "text": "Cancel"},
    "blocks": [
        {"type": "section", "text": {"type": "mrkdwn", "text": "Who is the customer?"}},
        {"type": "input", "block_id": "name", "label": {"type": "plain_text", "text": "Name"},
         "element": {"type": "plain_text_input", "action_id": "name_input", "max_length": 80}},
        {"type": "input", "block_id": "stage", "label": {"type": "plain_text", "text": "Stage"},
         "element": {"type": "static_select", "action_id": "stage_select", "options": [LEAD, WON]}},
        {"type": "input", "block_id": "rep", "optional": True, "label": {"type": "plain_text", "text": "Rep"},
         "element": {"type": "external_select", "action_id": "rep_search", "min_query_length": 2}},
        {"type": "input", "block_id": "tags", "optional": True, "label": {"type": "plain_text", "text": "Tags"},
         "element": {"type": "multi_static_select", "action_id": "tag_pick", "options": [ROOF, GUTTER]}},
    ],
}


def modal(edit=None, **fields) -> dict:
    view = copy.deepcopy(MODAL) | fields
    if edit is not None:
        edit(view)
    return view


async def slack_error(c: AsyncWebClient, method: str, **body: object) -> dict:
    """The whole error body of a call expected to fail (past slack_sdk's own argument checks)."""
    with pytest.raises(SlackApiError) as err:
        await c.api_call(method, json=body)
    return err.value.response.data


async def test_slack_views_open_answers_the_whole_view_as_published(slack: FakeSlack) -> None:
    c = web(slack)
    opened = (await c.views_open(trigger_id=slack.issue_trigger("U7"), view=MODAL))["view"]
    assert opened["id"].startswith("V") and opened["root_view_id"] == opened["id"] and opened["previous_view_id"] is None
    assert (opened["type"], opened["callback_id"], opened["private_metadata"], opened["external_id"]) == (
        "modal", "new_customer", '{"channel": "C1"}', "")
    assert (opened["team_id"], opened["app_id"], opened["bot_id"], opened["state"]) == ("T1", "A1", "BHARDE", {"values": {}})
    assert (opened["title"], opened["submit"], opened["close"]) == (MODAL["title"], MODAL["submit"], MODAL["close"])
    assert opened["hash"] and opened["clear_on_close"] is False and opened["notify_on_close"] is False
    assert opened["blocks"][0]["block_id"], "Slack generates a block_id when none is given"
    assert [b["block_id"] for b in opened["blocks"][1:]] == ["name", "stage", "rep", "tags"]
    (only,) = slack.views.values()
    assert (only.id, only.user, only.versions) == (opened["id"], "U7", [opened])
    assert slack.view(opened["id"]) == opened

    slack.empty_state_values_as_list = True  # the other reading: Slack's own example shows `"values": []`
    assert (await c.views_open(trigger_id=slack.issue_trigger(), view=MODAL))["view"]["state"] == {"values": []}


async def test_slack_trigger_ids_are_single_use_and_expire_after_three_seconds(slack: FakeSlack) -> None:
    c = web(slack)
    assert slack.expire_triggers_after == 3.0
    trigger = slack.issue_trigger()
    await c.views_open(trigger_id=trigger, view=MODAL)
    assert (await slack_error(c, "views.open", trigger_id=trigger, view=MODAL))["error"] == "exchanged_trigger_id"

    slack.expire_triggers_after = 0.05
    stale = slack.issue_trigger()
    await asyncio.sleep(0.1)
    assert (await slack_error(c, "views.open", trigger_id=stale, view=MODAL))["error"] == "expired_trigger_id"
    assert (await slack_error(c, "views.open", trigger_id="not a trigger", view=MODAL))["error"] == "invalid_trigger_id"
    never_issued = se.new_trigger_id()
    assert (await slack_error(c, "views.open", trigger_id=never_issued, view=MODAL))["error"] == "invalid_trigger_id"
    slack.unknown_trigger_error = "invalid_arguments"  # the older documented answer
    refused = await slack_error(c, "views.open", trigger_id=never_issued, view=MODAL)
    assert (refused["error"], refused["response_metadata"]["messages"]) == ("invalid_arguments", ["invalid `trigger_id`"])
    assert [call.error for call in slack.calls_to("views.open")][1:] == [
        "exchanged_trigger_id", "expired_trigger_id", "invalid_trigger_id", "invalid_trigger_id", "invalid_arguments"]


def _too_many_blocks(view: dict) -> None:
    view["blocks"] += [{"type": "divider"}] * (101 - len(view["blocks"]))


@pytest.mark.parametrize(
    ("edit", "pointer"),
    [
        (lambda v: v["title"].update(text="x" * 25), "/view/title/text"),
        (lambda v: v["submit"].update(text="x" * 25), "/view/submit/text"),
        (lambda v: v["close"].update(text="x" * 25), "/view/close/text"),
        (lambda v: v["title"].update(type="mrkdwn"), "/view/title"),
        (_too_many_blocks, "/view/blocks"),
        (lambda v: v.update(callback_id="c" * 256), "/view/callback_id"),
        (lambda v: v.update(external_id="e" * 256), "/view/external_id"),
        (lambda v: v.update(private_metadata="m" * 3001), "/view/private_metadata"),
        (lambda v: v.pop("submit"), "/view/submit"),  # "submit is required when an input block is within the blocks"
        (lambda v: v["blocks"][1]["label"].update(text="l" * 2001), "/view/blocks/1/label/text"),
        (lambda v: v["blocks"][1].update(block_id="b" * 256), "/view/blocks/1/block_id"),
        (lambda v: v["blocks"][2].update(block_id="name"), "/view/blocks/2/block_id"),  # block_ids are unique
        (lambda v: v["blocks"][1]["element"].update(max_length=3001), "/view/blocks/1/element/max_length"),
        (lambda v: v["blocks"][2]["element"].update(options=[LEAD] * 101), "/view/blocks/2/element/options"),
        (lambda v: v["blocks"][2]["element"]["options"].append(_option("o" * 76, "x")),
         "/view/blocks/2/element/options/2/text/text"),
        (lambda v: v["blocks"][2]["element"]["options"].append(_option("x", "v" * 151)),
         "/view/blocks/2/element/options/2/value"),
    ],
)
async def test_slack_views_refuse_a_view_past_the_published_limits(slack: FakeSlack, edit, pointer: str) -> None:
    c = web(slack)
    trigger = slack.issue_trigger()
    for method, extra in (("views.open", {"trigger_id": trigger}), ("views.push", {"trigger_id": trigger})):
        refused = await slack_error(c, method, view=modal(edit), **extra)
        assert refused["error"] == "invalid_arguments"
        messages = refused["response_metadata"]["messages"]
        assert any(m.endswith(f"[json-pointer:{pointer}]") for m in messages), messages
        assert all(m.startswith("[ERROR] ") for m in messages)
    opened = (await c.views_open(trigger_id=trigger, view=MODAL))["view"]  # a refused view does not spend the trigger
    refused = await slack_error(c, "views.update", view_id=opened["id"], view=modal(edit))
    assert refused["error"] == "invalid_arguments" and slack.views[opened["id"]].versions == [opened]


async def test_slack_views_accept_a_view_at_the_published_limits(slack: FakeSlack) -> None:
    c = web(slack)
    options = [_option("o" * 75, f"{i:03d}" + "v" * 147) for i in range(100)]

    def at_limits(v: dict) -> None:
        v.update(callback_id="c" * 255, external_id="e" * 255, private_metadata="m" * 3000)
        v["title"]["text"], v["submit"]["text"], v["close"]["text"] = "t" * 24, "s" * 24, "c" * 24
        v["blocks"][1].update(block_id="b" * 255, label={"type": "plain_text", "text": "l" * 2000})
        v["blocks"][1]["element"]["max_length"] = 3000
        v["blocks"][2]["element"]["options"] = options
        v["blocks"] += [{"type": "divider"}] * (100 - len(v["blocks"]))

    opened = (await c.views_open(trigger_id=slack.issue_trigger(), view=modal(at_limits)))["view"]
    assert len(opened["blocks"]) == 100
    slack.option_value_limit = 75  # the older option-object reference
    refused = await slack_error(c, "views.open", trigger_id=slack.issue_trigger(), view=modal(at_limits, external_id="other"))
    assert refused["response_metadata"]["messages"][0].endswith("[json-pointer:/view/blocks/2/element/options/0/value]")


async def test_slack_views_update_needs_the_current_hash_and_keeps_matching_inputs(slack: FakeSlack) -> None:
    c = web(slack)
    opened = (await c.views_open(trigger_id=slack.issue_trigger(), view=modal(external_id="customer-42")))["view"]
    vid = opened["id"]
    slack.set_view_state(vid, se.state_values(opened, {"name_input": "Acme Roofing", "stage_select": "won"}))

    def without_stage(v: dict) -> None:
        del v["blocks"][2]

    step2 = modal(without_stage, external_id="customer-42", title={"type": "plain_text", "text": "Step 2"})
    updated = (await c.views_update(view_id=vid, hash=opened["hash"], view=step2))["view"]
    assert (updated["id"], updated["root_view_id"], updated["title"]["text"]) == (vid, vid, "Step 2")
    assert updated["hash"] != opened["hash"], "every update answers a new hash"
    assert updated["state"]["values"] == {"name": {"name_input": {"type": "plain_text_input", "value": "Acme Roofing"}}}

    stale = await slack_error(c, "views.update", view_id=vid, hash=opened["hash"], view=step2)
    assert stale["error"] == "hash_conflict"
    by_external = (await c.views_update(external_id="customer-42", view=step2))["view"]  # no hash: no check
    assert by_external["id"] == vid and slack.view(vid)["hash"] == by_external["hash"]
    assert [v["hash"] for v in slack.views[vid].versions] == [opened["hash"], updated["hash"], by_external["hash"]]

    assert (await slack_error(c, "views.update", view_id="VNOPE", view=step2))["error"] == "not_found"
    assert (await slack_error(c, "views.update", external_id="nope", view=step2))["error"] == "not_found"
    both = await slack_error(c, "views.update", view_id=vid, external_id="customer-42", view=step2)
    assert both["response_metadata"]["messages"] == ["[ERROR] Cannot provide both `view_id` and `external_id`"]
    twin = await slack_error(c, "views.open", trigger_id=slack.issue_trigger(), view=modal(external_id="customer-42"))
    assert twin["error"] == "duplicate_external_id"


async def test_slack_views_push_onto_the_modal_the_interaction_came_from(slack: FakeSlack) -> None:
    c = web(slack)
    root = (await c.views_open(trigger_id=slack.issue_trigger(), view=MODAL))["view"]
    second = (await c.views_push(trigger_id=slack.issue_trigger(view_id=root["id"]), view=MODAL))["view"]
    assert (second["root_view_id"], second["previous_view_id"]) == (root["id"], root["id"])
    third = (await c.views_push(trigger_id=slack.issue_trigger(view_id=second["id"]), view=MODAL))["view"]
    assert (third["root_view_id"], third["previous_view_id"]) == (root["id"], second["id"])
    full = await slack_error(c, "views.push", trigger_id=slack.issue_trigger(view_id=third["id"]), view=MODAL)
    assert full["error"] == "push_limit_reached", "a modal holds up to 3 views"
    outside = await slack_error(c, "views.push", trigger_id=slack.issue_trigger(), view=MODAL)
    assert outside["error"] == "not_found", "views.push needs a trigger from an interaction in a modal"

    slack.close_view(third["id"])  # the user submitted the visible view
    fourth = (await c.views_push(trigger_id=slack.issue_trigger(view_id=second["id"]), view=MODAL))["view"]
    assert fourth["previous_view_id"] == second["id"]
    with pytest.raises(ValueError):
        slack.close_view(second["id"])  # not the visible one
    slack.close_view(root["id"], clear=True)  # the x button
    assert slack.views == {}
    assert (await slack_error(c, "views.update", view_id=root["id"], view=MODAL))["error"] == "not_found"
    assert slack.view(root["id"])["id"] == root["id"]


async def test_view_submission_carries_what_the_user_entered_in_slacks_shape(slack: FakeSlack) -> None:
    c = web(slack)
    opened = (await c.views_open(trigger_id=slack.issue_trigger("U7"), view=MODAL))["view"]
    vid = opened["id"]
    slack.set_view_state(vid, se.state_values(opened, {"name_input": "Acme Roofing"}))
    payload = se.view_submission(
        slack.view(vid), user="U7", values={"stage_select": "won", "rep_search": "dana", "tag_pick": ["roof", "gutter"]}
    )
    assert payload["view"]["state"]["values"] == {
        "name": {"name_input": {"type": "plain_text_input", "value": "Acme Roofing"}},
        "stage": {"stage_select": {"type": "static_select", "selected_option": WON}},
        "rep": {"rep_search": {"type": "external_select",
                               "selected_option": {"text": {"type": "plain_text", "text": "dana", "emoji": True}, "value": "dana"}}},
        "tags": {"tag_pick": {"type": "multi_static_select", "selected_options": [ROOF, GUTTER]}},
    }
    assert (payload["type"], payload["user"]["id"], payload["team"]["id"], payload["api_app_id"]) == ("view_submission", "U7", "T1", "A1")
    assert payload["trigger_id"] and payload["token"]
    assert (payload["view"]["id"], payload["view"]["hash"], payload["view"]["callback_id"], payload["view"]["private_metadata"]) == (
        vid, opened["hash"], "new_customer", '{"channel": "C1"}')
    assert dict(parse_qsl(se.interaction_body(payload)))["payload"] == json.dumps(payload)

    left_empty = se.view_submission(slack.view(vid), values={"stage_select": "lead"})["view"]["state"]["values"]
    assert left_empty["rep"] == {"rep_search": {"type": "external_select", "selected_option": None}}
    assert left_empty["tags"] == {"tag_pick": {"type": "multi_static_select", "selected_options": []}}
    for values in ({}, {"stage_select": "lead", "name_input": "x" * 81}, {"stage_select": "lost"}):
        with pytest.raises(ValueError):  # a required input empty, past max_length, or an option the menu lacks
            se.view_submission(slack.view(vid), values=values)
    assert se.view_submission(opened, check=False)["view"]["state"]["values"]["name"]["name_input"]["value"] is None
    with pytest.raises(ValueError):
        slack.set_view_state(vid, {"name": {"nope": {"type": "plain_text_input", "value": "x"}}})
    with pytest.raises(ValueError):
        slack.set_view_state(vid, {"name": {"name_input": {"type": "static_select", "selected_option": None}}})


async def test_view_closed_and_block_suggestion_payloads_as_published(slack: FakeSlack) -> None:
    c = web(slack)
    opened = (await c.views_open(trigger_id=slack.issue_trigger(), view=modal(notify_on_close=True)))["view"]
    slack.set_view_state(opened["id"], se.state_values(opened, {"name_input": "Acme"}))
    closed = se.view_closed(slack.view(opened["id"]), user="U7")
    assert (closed["type"], closed["user"]["id"], closed["is_cleared"], closed["view"]["id"]) == ("view_closed", "U7", False, opened["id"])
    assert closed["view"]["state"] == {"values": {}}, "a closed view's state excludes its input blocks"
    assert se.view_closed(opened, is_cleared=True)["is_cleared"] is True

    asked = se.block_suggestion(slack.view(opened["id"]), action_id="rep_search", value="da", user="U7")
    assert (asked["type"], asked["action_id"], asked["block_id"], asked["value"]) == ("block_suggestion", "rep_search", "rep", "da")
    assert asked["container"] == {"type": "view", "view_id": opened["id"]} and asked["view"]["id"] == opened["id"]
    assert (asked["user"]["id"], asked["team"]["id"], asked["api_app_id"]) == ("U7", "T1", "A1")
    with pytest.raises(ValueError):
        se.block_suggestion(opened, action_id="rep_search", value="d")  # under min_query_length
    assert se.block_suggestion(opened, action_id="rep_search", value="", check=False)["value"] == ""
    with pytest.raises(ValueError):
        se.block_suggestion(opened, action_id="stage_select", value="won")  # static menus ask nothing


async def test_slash_command_form_as_slack_posts_it_carries_a_trigger(slack: FakeSlack) -> None:
    fields = se.slash_command("/new-customer", "Acme Roofing", user="U7", channel="C9", trigger_id=slack.issue_trigger("U7"))
    assert dict(parse_qsl(se.form_body(fields))) == fields
    assert {k: fields[k] for k in ("command", "text", "user_id", "channel_id", "team_id", "api_app_id")} == {
        "command": "/new-customer", "text": "Acme Roofing", "user_id": "U7", "channel_id": "C9", "team_id": "T1", "api_app_id": "A1"}
    assert fields["response_url"].startswith("https://hooks.slack.com/commands/") and fields["token"]
    opened = (await web(slack).views_open(trigger_id=fields["trigger_id"], view=MODAL))["view"]
    assert slack.views[opened["id"]].user == "U7"
    assert se.slash_command("/hard-e")["trigger_id"] != se.slash_command("/hard-e")["trigger_id"]


async def test_slack_files_upload_v2_shares_the_file_in_the_thread(slack: FakeSlack) -> None:
    c = web(slack)
    csv = "customer,total\nAcme Roofing,1200\n"
    done = await c.files_upload_v2(
        channel="C1", thread_ts="1700000000.000100", content=csv, filename="quote.csv", title="Quote",
        initial_comment="Here's the quote",
    )
    assert done["file"]["id"].startswith("F") and (done["file"]["title"], done["file"]["name"]) == ("Quote", "quote.csv")
    (shared,) = slack.uploads
    assert (shared.filename, shared.title, shared.channel, shared.thread_ts, shared.initial_comment) == (
        "quote.csv", "Quote", "C1", "1700000000.000100", "Here's the quote")
    assert (shared.content, shared.length, shared.declared_length) == (csv.encode(), len(csv), len(csv))
    assert [call.method for call in slack.calls] == ["files.getUploadURLExternal", "files.completeUploadExternal"]


async def test_slack_upload_url_takes_raw_bytes_or_a_form_and_errors_as_published(slack: FakeSlack) -> None:
    c = web(slack)
    image = await c.files_getUploadURLExternal(filename="roof.png", length=4, alt_txt="A new roof")
    text = await c.files_getUploadURLExternal(filename="notes.txt", length=3)
    assert image["upload_url"].startswith(f"{slack.base_url}/") and image["file_id"] != text["file_id"]
    async with aiohttp.ClientSession() as http:
        form = aiohttp.FormData()
        form.add_field("filename", b"\x89PNG", filename="roof.png")  # curl -F filename="@roof.png"
        async with http.post(image["upload_url"], data=form) as answer:
            assert (answer.status, await answer.text()) == (200, "OK - 4")
        async with http.post(text["upload_url"], data=b"abc") as answer:
            assert answer.status == 200
        async with http.post(f"{slack.base_url}/upload/v1/nope", data=b"x") as answer:
            assert answer.status == 404

    never = await c.files_getUploadURLExternal(filename="never.txt", length=1)
    for files in ([{"id": never["file_id"]}], [{"id": "FNOPE"}]):
        assert (await slack_error(c, "files.completeUploadExternal", files=files))["error"] == "file_not_found"
    done = await c.files_completeUploadExternal(files=[{"id": image["file_id"], "title": "Roof"}, {"id": text["file_id"]}])
    assert [(f["id"], f["title"]) for f in done["files"]] == [(image["file_id"], "Roof"), (text["file_id"], "notes.txt")]
    assert done["files"][0]["alt_txt"] == "A new roof" and done["files"][0]["mimetype"] == "image/png"
    assert [(u.channel, u.content) for u in slack.uploads] == [(None, b"\x89PNG"), (None, b"abc")], "no channel: private"
    again = await slack_error(c, "files.completeUploadExternal", files=[{"id": text["file_id"]}])
    assert again["error"] == "file_not_found", "completeUploadExternal can only be called once"
    async with aiohttp.ClientSession() as http, http.post(text["upload_url"], data=b"late") as answer:
        assert answer.status == 404

    for body, error in (
        ({"filename": "a.txt", "length": 0}, "missing_argument"),
        ({"filename": "a.png", "length": 1, "alt_txt": "a" * 1001}, "alt_txt_too_large"),
        ({"filename": "a.py", "length": 1_048_577, "snippet_type": "python"}, "snippet_too_large"),
    ):
        assert (await slack_error(c, "files.getUploadURLExternal", **body))["error"] == error
    late = await c.files_getUploadURLExternal(filename="x.txt", length=1)
    async with aiohttp.ClientSession() as http, http.post(late["upload_url"], data=b"x"):
        pass
    bad_channel = await slack_error(c, "files.completeUploadExternal", files=[{"id": late["file_id"]}], channel_id="general")
    assert bad_channel["error"] == "invalid_channel"
    slack.reset()
    assert slack.uploads == [] and slack.views == {}

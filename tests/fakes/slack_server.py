"""A fake Slack Web API that slack_sdk's AsyncWebClient can talk to over real HTTP.

It also speaks Socket Mode: `apps.connections.open` (with the app-level token) hands
out a `ws://` URL, the websocket says `hello`, and tests push Events API envelopes
down every open socket with `push_event()` and read the client's acks back.
"""

from __future__ import annotations

import asyncio
import copy
import json
import math
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aiohttp import WSCloseCode, WSMsgType, web

from ._server import FakeServer

# Slack's documented limits (enforced loosely, enough to catch obvious bugs).
POST_TEXT_LIMIT = 40_000
UPDATE_TEXT_LIMIT = 4_000
STREAM_TEXT_LIMIT = 12_000
MAX_BLOCKS = 50

# Form-encoded bodies carry structured fields as JSON strings.
_JSON_FIELDS = ("blocks", "attachments", "metadata", "chunks", "user_auth_blocks", "loading_messages")

_TS_BASE_US = 1_700_000_000 * 1_000_000

# Methods that take the app-level token (xapp-...) instead of the bot token.
_APP_TOKEN_METHODS = frozenset({"apps.connections.open"})
SOCKET_PATH = "/socket-mode"


def _truthy(value: Any) -> bool:
    """Slack's boolean arguments arrive as JSON booleans or as form strings ("true", "1")."""
    return value is True or str(value).lower() in ("true", "1")


def _utc_offset(tz: str) -> int:
    """Current UTC offset of an IANA zone in seconds (0 if unknown)."""
    try:
        offset = datetime.now(ZoneInfo(tz)).utcoffset()
    except (ZoneInfoNotFoundError, ValueError):
        return 0
    return int(offset.total_seconds()) if offset else 0


@dataclass(frozen=True)
class Call:
    """One recorded Web API call."""

    method: str
    params: dict[str, Any]
    ok: bool
    error: str | None
    status: int
    at: float  # time.monotonic() when the request arrived


@dataclass
class Message:
    """A message as the fake currently knows it (accessors return copies)."""

    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]] | None = None
    thread_ts: str | None = None
    user: str = ""
    edits: list[str] = field(default_factory=list)  # text history, initial text first
    deleted: bool = False
    streaming: bool = False  # created by chat.startStream and not yet stopped
    stopped: bool = False  # chat.stopStream was called
    chunks: list[dict[str, Any]] = field(default_factory=list)  # stream chunks received, in order

    def to_api(self, bot_id: str, team_id: str) -> dict[str, Any]:
        out: dict[str, Any] = {
            "type": "message",
            "user": self.user,
            "bot_id": bot_id,
            "team": team_id,
            "text": self.text,
            "ts": self.ts,
        }
        if self.blocks is not None:
            out["blocks"] = copy.deepcopy(self.blocks)
        if self.thread_ts is not None:
            out["thread_ts"] = self.thread_ts
        return out


class _SlackError(Exception):
    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


@dataclass
class _Bucket:
    rate: float  # tokens per second
    burst: int
    tokens: float
    updated: float


Handler = Callable[[dict[str, Any]], dict[str, Any]]


class FakeSlack(FakeServer):
    """Fake Slack Web API. `url` is the `base_url` for AsyncWebClient."""

    def __init__(
        self,
        token: str = "xoxb-test",
        team_id: str = "T1",
        bot_user_id: str = "UHARDE",
        bot_id: str = "BHARDE",
        app_token: str = "xapp-test",
        app_id: str = "A1",
    ) -> None:
        super().__init__()
        self.token = token
        self.app_token = app_token
        self.app_id = app_id
        self.team_id = team_id
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self._calls: list[Call] = []
        self._messages: dict[tuple[str, str], Message] = {}  # insertion order = posting order
        self._ephemerals: list[dict[str, Any]] = []
        self._reactions: dict[tuple[str, str], list[str]] = {}
        self._users: dict[str, dict[str, Any]] = {}
        self._usergroups: dict[str, tuple[list[str], bool]] = {}  # id -> (member ids, disabled)
        self._others: dict[tuple[str, str], Message] = {}  # messages others posted, from add_message()
        # Slack does not say what usergroups.users.list answers for a disabled group asked without
        # include_disabled; "empty" answers `users: []`, "no_such_subteam" answers that error.
        self.disabled_usergroup_answer = "empty"
        self.domain = "fake-workspace"  # <domain>.slack.com, as in permalinks and auth.test's url
        self._stubs: dict[str, dict[str, Any]] = {}
        self._failures: dict[str, list[list[Any]]] = {}  # method -> [[error, status, remaining]]
        self._buckets: dict[str, _Bucket] = {}
        self._delays: dict[str, float] = {}
        self._ts_counter = 0
        self._open_ims: set[str] = set()
        # Socket Mode. `_sockets` is touched on the server loop only (under the lock,
        # so other threads can count it); the records below are read from any thread.
        self._tickets: set[str] = set()
        self._sockets: set[web.WebSocketResponse] = set()
        self._socket_connects = 0
        self._socket_messages: list[dict[str, Any]] = []  # everything clients sent, parsed
        self._pushed: list[dict[str, Any]] = []  # everything push_* sent
        self._pings = 0
        self._handlers: dict[str, Handler] = {
            "apps.connections.open": self._connections_open,
            "auth.test": self._auth_test,
            "users.info": self._users_info,
            "usergroups.users.list": self._usergroup_users,
            "chat.getPermalink": self._get_permalink,
            "conversations.info": self._conversations_info,
            "conversations.open": self._conversations_open,
            "chat.postMessage": self._post_message,
            "chat.update": self._update,
            "chat.delete": self._delete,
            "chat.postEphemeral": self._post_ephemeral,
            "chat.startStream": self._start_stream,
            "chat.appendStream": self._append_stream,
            "chat.stopStream": self._stop_stream,
            "assistant.threads.setStatus": self._set_status,
            "reactions.add": self._reactions_add,
            "reactions.remove": self._reactions_remove,
        }

    @property
    def url(self) -> str:
        """`http://127.0.0.1:PORT/api/`; slack_sdk appends the method name."""
        return f"{self.base_url}/api/"

    # -- configuration ----------------------------------------------------------

    def set_rate_limit(self, method: str, per_minute: float, burst: int) -> None:
        """Token bucket for `method`: `burst` calls at once, refilled at `per_minute`."""
        with self._lock:
            self._buckets[method] = _Bucket(per_minute / 60.0, burst, float(burst), time.monotonic())

    def clear_rate_limit(self, method: str | None = None) -> None:
        with self._lock:
            if method is None:
                self._buckets.clear()
            else:
                self._buckets.pop(method, None)

    def fail_next(self, method: str, error: str = "internal_error", status: int = 200, times: int = 1) -> None:
        """Answer the next `times` calls to `method` with `{"ok": false, "error": error}`."""
        with self._lock:
            self._failures.setdefault(method, []).append([error, status, times])

    def delay(self, method: str, seconds: float) -> None:
        """Add `seconds` of latency to every call of `method` (0 removes it)."""
        with self._lock:
            if seconds > 0:
                self._delays[method] = seconds
            else:
                self._delays.pop(method, None)

    def add_user(
        self,
        user_id: str,
        *,
        name: str | None = None,
        real_name: str | None = None,
        display_name: str | None = None,
        tz: str = "America/New_York",
        email: str | None = None,
        is_bot: bool = False,
        restricted: bool = False,
        ultra_restricted: bool = False,
        deleted: bool = False,
    ) -> None:
        """Customise what users.info returns for `user_id`.

        `restricted` is a (multi-channel) guest, `ultra_restricted` a single-channel guest. Each sets
        only its own flag: Slack's own examples show single-channel guests both with and without
        `is_restricted`, so pass both to model the other reading. `deleted` is a deactivated account
        (users.info still answers for it).
        """
        with self._lock:
            self._users[user_id] = self._make_user(
                user_id, name=name, real_name=real_name, display_name=display_name, tz=tz, email=email, is_bot=is_bot,
                restricted=restricted, ultra_restricted=ultra_restricted, deleted=deleted,
            )

    def add_usergroup(self, group_id: str, user_ids: list[str] | tuple[str, ...], *, disabled: bool = False) -> None:
        """Define a user group (an `S...` id) for usergroups.users.list; redefining replaces it."""
        with self._lock:
            self._usergroups[group_id] = (list(user_ids), disabled)

    def add_message(
        self, channel: str, ts: str, *, text: str = "", thread_ts: str | None = None, user: str = "U1"
    ) -> None:
        """Make a message someone else posted (e.g. the user message an event carried) known to
        chat.getPermalink. It is not listed by `messages()`, which shows what the bot posted."""
        with self._lock:
            self._others[(channel, ts)] = Message(channel=channel, ts=ts, text=text, thread_ts=thread_ts, user=user, edits=[text])

    def stub(self, method: str, response: dict[str, Any]) -> None:
        """Serve a canned response for a method the fake does not implement (or override one)."""
        with self._lock:
            self._stubs[method] = copy.deepcopy(response)

    def reset(self) -> None:
        """Forget recorded calls, message/reaction state, socket traffic and pending failures.

        Standing configuration (rate limits, delays, users, user groups, stubs) and open Socket Mode
        connections are kept; rate-limit buckets are refilled.
        """
        now = time.monotonic()
        with self._lock:
            self._calls.clear()
            self._failures.clear()
            self._messages.clear()
            self._others.clear()
            self._ephemerals.clear()
            self._reactions.clear()
            self._socket_messages.clear()
            self._pushed.clear()
            self._pings = 0
            for bucket in self._buckets.values():
                bucket.tokens, bucket.updated = float(bucket.burst), now

    # -- inspection ---------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        with self._lock:
            return list(self._calls)

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self._calls if c.method == method]

    @property
    def ratelimited_count(self) -> int:
        """Number of calls answered with HTTP 429."""
        with self._lock:
            return sum(1 for c in self._calls if c.status == 429)

    def message(self, channel: str, ts: str) -> Message:
        """Snapshot of a message (including deleted ones); KeyError if never posted."""
        with self._lock:
            return self._snapshot(self._messages[(channel, ts)])

    def messages(self, channel: str | None = None, thread_ts: str | None = None) -> list[Message]:
        """Current (not deleted) messages in posting order, optionally filtered."""
        with self._lock:
            return [
                self._snapshot(m)
                for m in self._messages.values()
                if not m.deleted
                and (channel is None or m.channel == channel)
                and (thread_ts is None or m.thread_ts == thread_ts)
            ]

    def ephemerals(self, channel: str | None = None) -> list[dict[str, Any]]:
        """Params of successful chat.postEphemeral calls (plus `message_ts`)."""
        with self._lock:
            return [copy.deepcopy(e) for e in self._ephemerals if channel is None or e.get("channel") == channel]

    def reactions(self, channel: str, ts: str) -> list[str]:
        """Reaction names currently on (channel, ts), in the order added."""
        with self._lock:
            return list(self._reactions.get((channel, ts), []))

    # -- Socket Mode ------------------------------------------------------------------

    @property
    def socket_url(self) -> str:
        """`ws://127.0.0.1:PORT/socket-mode` (apps.connections.open adds a `?ticket=`)."""
        return f"ws://127.0.0.1:{self.port}{SOCKET_PATH}" if self.port else ""

    @property
    def socket_connected(self) -> int:
        """Number of Socket Mode websockets open right now (truthy when any is)."""
        with self._lock:
            return len(self._sockets)

    @property
    def socket_connects(self) -> int:
        """Websocket connections accepted so far (reconnects count again)."""
        with self._lock:
            return self._socket_connects

    @property
    def socket_messages(self) -> list[dict[str, Any]]:
        """Every JSON message clients sent over Socket Mode, in arrival order."""
        with self._lock:
            return copy.deepcopy(self._socket_messages)

    @property
    def acks(self) -> list[str]:
        """Envelope ids acknowledged by clients, in arrival order (duplicates kept)."""
        with self._lock:
            return [m["envelope_id"] for m in self._socket_messages if "envelope_id" in m]

    def ack_for(self, envelope_id: str) -> dict[str, Any] | None:
        """The first ack sent for `envelope_id` (it may carry a `payload`), or None."""
        with self._lock:
            for m in self._socket_messages:
                if m.get("envelope_id") == envelope_id:
                    return copy.deepcopy(m)
        return None

    @property
    def pushed(self) -> list[dict[str, Any]]:
        """Every message sent down the sockets by push_event()/push_socket_message()."""
        with self._lock:
            return copy.deepcopy(self._pushed)

    @property
    def pings(self) -> int:
        """Websocket PING frames received (each answered with a PONG)."""
        with self._lock:
            return self._pings

    def wait_for_socket(self, timeout: float = 5.0, count: int = 1) -> int:
        """Block until `count` sockets are open (AssertionError after `timeout`).

        Blocks the calling thread: if the Socket Mode client runs on the caller's event
        loop (the usual async test), use `await wait_for_socket_async()` instead.
        """
        self.wait_for(lambda: self.socket_connected >= count, timeout)
        return self.socket_connected

    async def wait_for_socket_async(self, timeout: float = 5.0, count: int = 1) -> int:  # noqa: ASYNC109  polling deadline, fails with AssertionError
        """Async twin of `wait_for_socket` that lets the caller's loop run meanwhile."""
        await self.wait_for_async(lambda: self.socket_connected >= count, timeout)
        return self.socket_connected

    def push_event(
        self,
        event_payload: dict[str, Any],
        *,
        retry_attempt: int = 0,
        retry_reason: str = "",
        envelope_id: str | None = None,
        timeout: float = 5.0,
    ) -> str:
        """Deliver an Events API payload over Socket Mode; returns its envelope_id.

        `event_payload` is what Slack would POST in HTTP mode (an `event_callback`
        envelope, e.g. `tests.slack_events.envelope(...)`). Each delivery gets a fresh
        envelope_id unless one is given. Thread-safe and callable from any thread or
        event loop: the send runs on the fake's own loop and this waits for it.
        Raises RuntimeError if no client is connected.
        """
        envelope_id = envelope_id or str(uuid.uuid4())
        self.push_socket_message(
            {
                "envelope_id": envelope_id,
                "payload": copy.deepcopy(event_payload),
                "type": "events_api",
                "accepts_response_payload": False,
                "retry_attempt": retry_attempt,
                "retry_reason": retry_reason,
            },
            timeout=timeout,
        )
        return envelope_id

    def push_socket_message(self, message: dict[str, Any], *, timeout: float = 5.0) -> int:
        """Send any JSON message (e.g. `{"type": "disconnect", ...}`) to every open socket.

        Returns how many sockets it was sent to; RuntimeError if there were none.
        """
        loop = self._loop
        if loop is None or not self.running:
            raise RuntimeError("FakeSlack is not running")
        if threading.current_thread() is self._thread:
            raise RuntimeError("push_socket_message() must not be called from the fake's own loop")
        data = json.dumps(message)
        future = asyncio.run_coroutine_threadsafe(self._broadcast(data), loop)
        sent = future.result(timeout)
        if not sent:
            raise RuntimeError("no Socket Mode client is connected")
        with self._lock:
            self._pushed.append(copy.deepcopy(message))
        return sent

    def close_sockets(self, code: int = WSCloseCode.GOING_AWAY, timeout: float = 5.0) -> None:
        """Close every open socket from the server side (as Slack does on a refresh)."""
        loop = self._loop
        if loop is None or not self.running:
            return
        asyncio.run_coroutine_threadsafe(self._close_all_sockets(code), loop).result(timeout)

    async def _broadcast(self, data: str) -> int:
        with self._lock:
            sockets = [ws for ws in self._sockets if not ws.closed]
        sent = 0
        for ws in sockets:
            try:
                await ws.send_str(data)
            except (ConnectionError, RuntimeError):
                continue  # closing under us; it will drop out of `_sockets`
            sent += 1
        return sent

    async def _on_shutdown(self, _app: web.Application) -> None:
        await self._close_all_sockets(WSCloseCode.GOING_AWAY)

    async def _close_all_sockets(self, code: int) -> None:
        with self._lock:
            sockets = list(self._sockets)
        for ws in sockets:
            try:
                await asyncio.wait_for(ws.close(code=code, message=b"server shutdown"), timeout=1.0)
            except (TimeoutError, ConnectionError, RuntimeError):
                pass

    def _hello(self) -> dict[str, Any]:
        with self._lock:
            count = len(self._sockets) + 1  # this one is not in `_sockets` yet
        return {
            "type": "hello",
            "num_connections": count,
            "debug_info": {"host": "applink-fake", "build_number": 1, "approximate_connection_time": 18060},
            "connection_info": {"app_id": self.app_id},
        }

    async def _socket(self, request: web.Request) -> web.StreamResponse:
        ticket = request.query.get("ticket", "")
        with self._lock:
            valid = ticket in self._tickets
        if not valid:
            return web.Response(status=401, text="invalid or missing ticket")
        ws = web.WebSocketResponse(autoping=False)  # PINGs are answered (and counted) below
        await ws.prepare(request)
        # Say hello before the socket counts as connected, so nothing is pushed ahead of it.
        await ws.send_str(json.dumps(self._hello()))
        with self._lock:
            self._sockets.add(ws)
            self._socket_connects += 1
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    try:
                        parsed = json.loads(msg.data)
                    except ValueError:
                        parsed = {"_raw": msg.data}
                    if not isinstance(parsed, dict):
                        parsed = {"_raw": msg.data}
                    with self._lock:
                        self._socket_messages.append(parsed)
                elif msg.type == WSMsgType.PING:
                    with self._lock:
                        self._pings += 1
                    await ws.pong(msg.data)
                elif msg.type == WSMsgType.ERROR:
                    break
        finally:
            with self._lock:
                self._sockets.discard(ws)
        return ws

    def _connections_open(self, params: dict[str, Any]) -> dict[str, Any]:
        ticket = uuid.uuid4().hex
        with self._lock:
            self._tickets.add(ticket)
        return {"ok": True, "url": f"{self.socket_url}?ticket={ticket}"}

    @staticmethod
    def _snapshot(m: Message) -> Message:
        return replace(m, blocks=copy.deepcopy(m.blocks), edits=list(m.edits), chunks=copy.deepcopy(m.chunks))

    # -- HTTP plumbing --------------------------------------------------------------

    def _build_app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._handle)
        app.router.add_get(SOCKET_PATH, self._socket)
        # Open websockets would otherwise hold shutdown for the whole handler grace period.
        app.on_shutdown.append(self._on_shutdown)
        return app

    async def _handle(self, request: web.Request) -> web.Response:
        at = time.monotonic()
        method = request.match_info["method"]
        try:
            params = await self._read_params(request)
        except ValueError:
            return self._finish(method, {}, at, 200, {"ok": False, "error": "invalid_json"})

        with self._lock:
            delay = self._delays.get(method, 0.0)
        if delay:
            await self._sleep(delay)

        known = method in self._handlers or method in self._stubs
        if not known or request.method not in ("GET", "POST"):
            # Checked before auth so typos surface as unknown_method even with a bad token.
            return self._finish(method, params, at, 200, {"ok": False, "error": "unknown_method"})

        auth_error = self._check_auth(request, params, method)
        if auth_error is not None:
            return self._finish(method, params, at, 200, {"ok": False, "error": auth_error})

        injected = self._take_failure(method)
        if injected is not None:
            error, status = injected
            headers = {"Retry-After": "1"} if status == 429 else None
            return self._finish(method, params, at, status, {"ok": False, "error": error}, headers)

        retry_after = self._take_token(method)
        if retry_after is not None:
            body = {"ok": False, "error": "ratelimited"}
            return self._finish(method, params, at, 429, body, {"Retry-After": str(retry_after)})

        with self._lock:
            stub = copy.deepcopy(self._stubs.get(method))
        try:
            body = stub if stub is not None else self._handlers[method](params)
        except _SlackError as exc:
            body = {"ok": False, "error": exc.error}
        return self._finish(method, params, at, 200, body)

    async def _read_params(self, request: web.Request) -> dict[str, Any]:
        """Merge query string and body; slack_sdk sends `params=` as query, `data=`/`json=` as body."""
        params: dict[str, Any] = dict(request.query)
        if request.can_read_body:
            if request.content_type == "application/json":
                raw = await request.read()
                if raw:
                    body = json.loads(raw)
                    if not isinstance(body, dict):
                        raise ValueError("JSON body must be an object")
                    params.update(body)
            else:
                form = await request.post()
                for key, value in form.items():
                    # multipart file parts (files.upload) are recorded as their filename
                    params[key] = getattr(value, "filename", value)
        for key in _JSON_FIELDS:
            if isinstance(params.get(key), str):
                try:
                    params[key] = json.loads(params[key])
                except ValueError:
                    pass
        return params

    def _check_auth(self, request: web.Request, params: dict[str, Any], method: str = "") -> str | None:
        header = request.headers.get("Authorization", "")
        token = header[7:].strip() if header.startswith("Bearer ") else None
        if token is None:
            token = params.pop("token", None)  # legacy: token as a form field
        else:
            params.pop("token", None)
        if not token:
            return "not_authed"
        expected = self.app_token if method in _APP_TOKEN_METHODS else self.token
        if token != expected:
            return "invalid_auth"
        return None

    def _take_failure(self, method: str) -> tuple[str, int] | None:
        with self._lock:
            queue = self._failures.get(method)
            if not queue:
                return None
            entry = queue[0]
            entry[2] -= 1
            if entry[2] <= 0:
                queue.pop(0)
            return entry[0], entry[1]

    def _take_token(self, method: str) -> int | None:
        """Consume a rate-limit token; returns Retry-After seconds if the bucket is empty."""
        with self._lock:
            bucket = self._buckets.get(method)
            if bucket is None:
                return None
            now = time.monotonic()
            bucket.tokens = min(float(bucket.burst), bucket.tokens + (now - bucket.updated) * bucket.rate)
            bucket.updated = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return None
            if bucket.rate <= 0:
                return 60
            return max(1, math.ceil((1.0 - bucket.tokens) / bucket.rate))

    def _finish(
        self,
        method: str,
        params: dict[str, Any],
        at: float,
        status: int,
        body: dict[str, Any],
        headers: dict[str, str] | None = None,
    ) -> web.Response:
        ok = bool(body.get("ok")) and status == 200
        call = Call(method, params, ok, None if ok else str(body.get("error")), status, at)
        with self._lock:
            self._calls.append(call)
        return web.json_response(body, status=status, headers=headers)

    # -- method implementations (run on the server loop) ---------------------------

    def _next_ts(self) -> str:
        self._ts_counter += 1
        us = _TS_BASE_US + self._ts_counter * 100
        return f"{us // 1_000_000}.{us % 1_000_000:06d}"

    @staticmethod
    def _require_channel(params: dict[str, Any], key: str = "channel") -> str:
        channel = params.get(key)
        if not channel:
            raise _SlackError("channel_not_found")
        return str(channel)

    @staticmethod
    def _check_blocks(blocks: Any) -> None:
        if blocks is None:
            return
        if not isinstance(blocks, list) or len(blocks) > MAX_BLOCKS:
            raise _SlackError("invalid_blocks")

    def _existing(self, channel: str, ts: Any) -> Message:
        """Must hold the lock."""
        msg = self._messages.get((channel, str(ts)))
        if msg is None or msg.deleted:
            raise _SlackError("message_not_found")
        return msg

    def _api_message(self, msg: Message) -> dict[str, Any]:
        return msg.to_api(self.bot_id, self.team_id)

    def _auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": f"https://{self.domain}.slack.com/",
            "team": "Fake Workspace",
            "user": "hard-e",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _make_user(
        self,
        user_id: str,
        *,
        name: str | None = None,
        real_name: str | None = None,
        display_name: str | None = None,
        tz: str = "America/New_York",
        email: str | None = None,
        is_bot: bool = False,
        restricted: bool = False,
        ultra_restricted: bool = False,
        deleted: bool = False,
    ) -> dict[str, Any]:
        name = name or f"user.{user_id.lower()}"
        real_name = real_name or f"User {user_id}"
        return {
            "id": user_id,
            "team_id": self.team_id,
            "name": name,
            "real_name": real_name,
            "deleted": deleted,
            "tz": tz,
            "tz_label": tz,
            "tz_offset": _utc_offset(tz),
            "is_admin": False,
            "is_owner": False,
            "is_primary_owner": False,
            "is_restricted": restricted,
            "is_ultra_restricted": ultra_restricted,
            "is_bot": is_bot,
            "is_app_user": False,
            "profile": {
                "display_name": display_name if display_name is not None else name,
                "real_name": real_name,
                "email": email or f"{name}@example.com",
                "team": self.team_id,
            },
        }

    def _users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        user_id = params.get("user")
        if not user_id:
            raise _SlackError("user_not_found")
        with self._lock:
            user = copy.deepcopy(self._users.get(user_id))
        if user is None:
            if user_id == self.bot_user_id:
                user = self._make_user(user_id, name="hard-e", real_name="Hard-E", is_bot=True)
            else:
                user = self._make_user(user_id)
        return {"ok": True, "user": user}

    def _usergroup_users(self, params: dict[str, Any]) -> dict[str, Any]:
        """As published: the member ids of `usergroup`; `no_such_subteam` for an unknown id. A disabled
        group's members only with `include_disabled` (otherwise see `disabled_usergroup_answer`)."""
        group_id = params.get("usergroup")
        if not group_id:
            raise _SlackError("invalid_arguments")
        with self._lock:
            group = self._usergroups.get(str(group_id))
            answer = self.disabled_usergroup_answer
        if group is None:
            raise _SlackError("no_such_subteam")
        users, disabled = group
        if disabled and not _truthy(params.get("include_disabled")):
            if answer == "no_such_subteam":
                raise _SlackError("no_such_subteam")
            users = []
        return {"ok": True, "users": list(users)}

    def _get_permalink(self, params: dict[str, Any]) -> dict[str, Any]:
        """As published: `https://<domain>.slack.com/archives/<channel>/p<ts without the dot>`, and for a
        thread reply `?thread_ts=<parent ts>&cid=<channel>` after it. Only messages the fake knows."""
        channel = self._require_channel(params)
        ts = str(params.get("message_ts") or "")
        with self._lock:
            other = self._others.get((channel, ts))
            thread_ts = other.thread_ts if other is not None else self._existing(channel, ts).thread_ts
        permalink = f"https://{self.domain}.slack.com/archives/{channel}/p{ts.replace('.', '')}"
        if thread_ts and thread_ts != ts:
            permalink += f"?thread_ts={thread_ts}&cid={channel}"
        return {"ok": True, "channel": channel, "permalink": permalink}

    def _conversations_info(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._require_channel(params)
        is_im = channel.startswith("D")
        info: dict[str, Any] = {
            "id": channel,
            "created": 1_600_000_000,
            "is_channel": not is_im and not channel.startswith("G"),
            "is_group": channel.startswith("G"),
            "is_im": is_im,
            "is_mpim": False,
            "is_private": is_im or channel.startswith("G"),
            "is_archived": False,
            "is_member": True,
            "context_team_id": self.team_id,
        }
        if is_im:
            info["user"] = "U_DM_PEER"
        else:
            info["name"] = f"channel-{channel.lower()}"
        return {"ok": True, "channel": info}

    def _conversations_open(self, params: dict[str, Any]) -> dict[str, Any]:
        """As published: `users` (comma-separated; one user is a 1:1 DM, 2-8 an MPIM) or an existing
        `channel`; `already_open`/`no_op` when the DM existed; the full channel only with `return_im`."""
        if channel := params.get("channel"):
            if not str(channel).startswith(("D", "G")):
                raise _SlackError("method_not_supported_for_channel_type")
            return {"ok": True, "channel": {"id": str(channel)}}
        raw = params.get("users")
        users = [u.strip() for u in (raw.split(",") if isinstance(raw, str) else raw or []) if str(u).strip()]
        if not users:
            raise _SlackError("users_list_not_supplied")
        if len(users) > 8:
            raise _SlackError("too_many_users")
        if any(not str(u).startswith(("U", "W")) for u in users):
            raise _SlackError("user_not_found")
        channel_id = ("D" if len(users) == 1 else "G") + "".join(str(u)[1:] for u in users)[:10]
        with self._lock:
            already = channel_id in self._open_ims
            self._open_ims.add(channel_id)
        channel: dict[str, Any] = {"id": channel_id}
        if _truthy(params.get("return_im")):
            channel.update({"created": 1_600_000_000, "is_im": len(users) == 1, "is_mpim": len(users) > 1, "is_open": True})
            if len(users) == 1:
                channel["user"] = users[0]
        body: dict[str, Any] = {"ok": True, "channel": channel}
        if already:
            body.update({"no_op": True, "already_open": True})
        return body

    def _post_message(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._require_channel(params)
        text = params.get("text") or params.get("markdown_text") or ""
        blocks = params.get("blocks")
        if not text and not blocks and not params.get("attachments"):
            raise _SlackError("no_text")
        if len(text) > POST_TEXT_LIMIT:
            raise _SlackError("msg_too_long")
        self._check_blocks(blocks)
        thread_ts = params.get("thread_ts") or None
        with self._lock:
            ts = self._next_ts()
            msg = Message(
                channel=channel,
                ts=ts,
                text=text,
                blocks=copy.deepcopy(blocks),
                thread_ts=str(thread_ts) if thread_ts else None,
                user=self.bot_user_id,
                edits=[text],
            )
            self._messages[(channel, ts)] = msg
            api = self._api_message(msg)
        return {"ok": True, "channel": channel, "ts": ts, "message": api}

    def _update(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._require_channel(params)
        text = params.get("text")
        if text is None:
            text = params.get("markdown_text")
        blocks = params.get("blocks")
        if text is not None and len(text) > UPDATE_TEXT_LIMIT:
            raise _SlackError("msg_too_long")
        self._check_blocks(blocks)
        with self._lock:
            msg = self._existing(channel, params.get("ts"))
            if text is not None:
                msg.text = text
            if blocks is not None:
                msg.blocks = copy.deepcopy(blocks)
            msg.edits.append(msg.text)
            return {"ok": True, "channel": channel, "ts": msg.ts, "text": msg.text, "message": self._api_message(msg)}

    def _delete(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._require_channel(params)
        with self._lock:
            msg = self._existing(channel, params.get("ts"))
            msg.deleted = True
        return {"ok": True, "channel": channel, "ts": msg.ts}

    def _post_ephemeral(self, params: dict[str, Any]) -> dict[str, Any]:
        self._require_channel(params)
        if not params.get("user"):
            raise _SlackError("user_not_in_channel")
        text = params.get("text") or params.get("markdown_text") or ""
        if not text and not params.get("blocks") and not params.get("attachments"):
            raise _SlackError("no_text")
        self._check_blocks(params.get("blocks"))
        with self._lock:
            ts = self._next_ts()
            self._ephemerals.append({**copy.deepcopy(params), "message_ts": ts})
        return {"ok": True, "message_ts": ts}

    def _start_stream(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._require_channel(params)
        thread_ts = params.get("thread_ts")
        if not thread_ts:
            raise _SlackError("invalid_arguments")
        text, chunks = self._stream_text(params)
        with self._lock:
            ts = self._next_ts()
            self._messages[(channel, ts)] = Message(
                channel=channel,
                ts=ts,
                text=text,
                thread_ts=str(thread_ts),
                user=self.bot_user_id,
                edits=[text],
                streaming=True,
                chunks=chunks,
            )
        return {"ok": True, "channel": channel, "ts": ts}

    @staticmethod
    def _stream_text(params: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
        """Text added by a stream call: `markdown_text` plus any markdown_text chunks.

        slack_sdk's chat_stream() helper sends its text only as `chunks`.
        """
        chunks = params.get("chunks") or []
        if not isinstance(chunks, list) or not all(isinstance(c, dict) for c in chunks):
            raise _SlackError("invalid_chunks")
        text = (params.get("markdown_text") or "") + "".join(
            str(c.get("text", "")) for c in chunks if c.get("type") == "markdown_text"
        )
        if len(text) > STREAM_TEXT_LIMIT:
            raise _SlackError("msg_too_long")
        return text, copy.deepcopy(chunks)

    def _streaming_message(self, params: dict[str, Any]) -> Message:
        """Must hold the lock."""
        channel = self._require_channel(params)
        msg = self._existing(channel, params.get("ts"))
        if not msg.streaming:
            raise _SlackError("message_not_in_streaming_state")
        return msg

    def _append_stream(self, params: dict[str, Any]) -> dict[str, Any]:
        text, chunks = self._stream_text(params)
        with self._lock:
            msg = self._streaming_message(params)
            msg.text += text
            msg.chunks.extend(chunks)
            msg.edits.append(msg.text)
        return {"ok": True, "channel": msg.channel, "ts": msg.ts}

    def _stop_stream(self, params: dict[str, Any]) -> dict[str, Any]:
        blocks = params.get("blocks")
        self._check_blocks(blocks)
        text, chunks = self._stream_text(params)
        with self._lock:
            msg = self._streaming_message(params)
            msg.chunks.extend(chunks)
            if text:
                msg.text += text
                msg.edits.append(msg.text)
            if blocks is not None:
                msg.blocks = copy.deepcopy(blocks)
            msg.streaming, msg.stopped = False, True
            api = self._api_message(msg)
        return {"ok": True, "channel": msg.channel, "ts": msg.ts, "message": api}

    def _set_status(self, params: dict[str, Any]) -> dict[str, Any]:
        self._require_channel(params, "channel_id")
        if not params.get("thread_ts") or "status" not in params:
            raise _SlackError("invalid_arguments")
        return {"ok": True}

    @staticmethod
    def _reaction_target(params: dict[str, Any]) -> tuple[tuple[str, str], str]:
        channel = FakeSlack._require_channel(params)
        name, ts = params.get("name"), params.get("timestamp")
        if not name or not ts:
            raise _SlackError("invalid_arguments")
        return (channel, str(ts)), str(name)

    def _reactions_add(self, params: dict[str, Any]) -> dict[str, Any]:
        # Lenient: the target may be a user message the fake never saw.
        key, name = self._reaction_target(params)
        with self._lock:
            names = self._reactions.setdefault(key, [])
            if name in names:
                raise _SlackError("already_reacted")
            names.append(name)
        return {"ok": True}

    def _reactions_remove(self, params: dict[str, Any]) -> dict[str, Any]:
        key, name = self._reaction_target(params)
        with self._lock:
            names = self._reactions.get(key, [])
            if name not in names:
                raise _SlackError("no_reaction")
            names.remove(name)
        return {"ok": True}

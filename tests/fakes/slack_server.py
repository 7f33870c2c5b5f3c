"""A fake Slack Web API that slack_sdk's AsyncWebClient can talk to over real HTTP.

It also speaks Socket Mode: `apps.connections.open` (with the app-level token) hands
out a `ws://` URL, the websocket says `hello`, and tests push Events API envelopes
down every open socket with `push_event()` and read the client's acks back.

Modals (views.open/push/update, the trigger ids that open them: `issue_trigger()`) and file uploads
(files.getUploadURLExternal, the upload URL it hands out, files.completeUploadExternal) follow Slack's
published contract; see the sections at the end.

Rate limits (`set_rate_limit`, `published_limits`) follow Slack's published limits, counted per method
per workspace (or per channel) under `rate_model` "window" (rolling minute) or "bucket" (token bucket);
`advance()` moves the rate-limit clock so tests need not wait.
"""

from __future__ import annotations

import asyncio
import copy
import json
import math
import mimetypes
import re
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aiohttp import BodyPartReader, WSCloseCode, WSMsgType, web

from ._server import FakeServer, Req

# Slack's documented limits (enforced loosely, enough to catch obvious bugs).
POST_TEXT_LIMIT = 40_000
UPDATE_TEXT_LIMIT = 4_000
STREAM_TEXT_LIMIT = 12_000
MAX_BLOCKS = 50

# Modal limits, as published: https://docs.slack.dev/reference/views/modal-views and
# https://docs.slack.dev/surfaces/modals ("A modal can hold up to 3 views at a time in a view stack").
VIEW_BUTTON_TEXT_LIMIT = 24  # title, submit, close
VIEW_MAX_BLOCKS = 100
VIEW_ID_FIELD_LIMIT = 255  # callback_id, external_id
PRIVATE_METADATA_LIMIT = 3_000
VIEW_STACK_LIMIT = 3
TRIGGER_TTL = 3.0  # "A trigger_id will expire 3 seconds after it's sent to your app"
# Block Kit limits that matter in modals (input block, plain-text input, select menus, option object).
INPUT_LABEL_LIMIT = 2_000  # label and hint
BLOCK_ID_LIMIT = ACTION_ID_LIMIT = 255
TEXT_INPUT_LENGTH_LIMIT = 3_000  # plain_text_input min_length 0..3000, max_length 1..3000
SELECT_OPTIONS_LIMIT = 100  # options, option_groups, and options per group
OPTION_TEXT_LIMIT = 75  # option text and description, option group label
PLACEHOLDER_LIMIT = 150
# files.getUploadURLExternal: "alt_txt_too_large" past 1000 characters, snippets "limited to 1MB".
ALT_TXT_LIMIT = 1_000
SNIPPET_LIMIT = 1_048_576
UPLOAD_PATH = "/upload/v1"
# Where url_private / url_private_download point (files.slack.com/files-pri/<team>-<file>/... on Slack).
FILES_PATH = "/files-pri"
# What Slack shows a request for url_private without the bot token: its sign-in page, as HTML.
LOGIN_PAGE = "<!DOCTYPE html><html><head><title>Slack</title></head><body><h1>Sign in to Slack</h1></body></html>"

# Form-encoded bodies carry structured fields as JSON strings.
_JSON_FIELDS = ("blocks", "attachments", "metadata", "chunks", "user_auth_blocks", "loading_messages")

_TS_BASE_US = 1_700_000_000 * 1_000_000

# Methods that take the app-level token (xapp-...) instead of the bot token.
_APP_TOKEN_METHODS = frozenset({"apps.connections.open"})
SOCKET_PATH = "/socket-mode"

# Web API responses to a call made with a token carry that token's granted scopes in the
# `x-oauth-scopes` header, comma-separated (the only API-side way to read a token's scopes; see
# slack-ruby-client#378, and @slack/web-api, which reads it into `response_metadata.scopes`).
# What a freshly installed bot holds here is the fake's choice; tests set `scopes` to what they need.
DEFAULT_BOT_SCOPES = (
    "app_mentions:read", "channels:history", "chat:write", "commands", "groups:history",
    "im:history", "im:read", "im:write", "reactions:read", "reactions:write", "users:read",
)  # fmt: skip
APP_TOKEN_SCOPES = ("connections:write",)  # what an app-level token for Socket Mode is created with

# Slack's published rate limits, as (per_minute, burst). Source: Slack's "Rate limits" page
# (https://docs.slack.dev/apis/web-api/rate-limits): limits apply "per API method per app per workspace";
# Tier 1 1+/min, Tier 2 20+/min ("occasional bursts"), Tier 3 50+/min ("sporadic bursts are welcome"),
# Tier 4 100+/min ("generous burst behavior"); the special tier of chat.postMessage "generally allows
# posting one message per second per channel, while also maintaining a workspace-wide limit", "short
# bursts >1 allowed". Slack publishes no burst sizes; these are the fake's reading. Each method's tier
# is the one on its reference page, https://docs.slack.dev/reference/methods/<method>.
# Over a limit Slack answers HTTP 429 {"ok": false, "error": "ratelimited"} with Retry-After (seconds).
TIER_2 = (20.0, 5)
TIER_3 = (50.0, 20)
TIER_4 = (100.0, 40)
# Per workspace (per method per app per workspace).
PUBLISHED_RATE_LIMITS: dict[str, tuple[float, int]] = {
    "chat.postMessage": (600.0, 100),  # special tier: the workspace-wide part
    "chat.update": TIER_3,
    "chat.delete": TIER_3,
    "chat.getPermalink": TIER_4,
    "chat.postEphemeral": TIER_4,
    "chat.startStream": TIER_2,
    "chat.appendStream": TIER_4,
    "chat.stopStream": TIER_2,
    "reactions.add": TIER_3,
    "reactions.remove": TIER_2,
    "reactions.get": TIER_3,
    "assistant.threads.setStatus": TIER_3,  # its page says "special"; Tier 3 per workspace is the strict reading
    "views.open": TIER_4,
    "views.update": TIER_4,
    "views.push": TIER_4,
    "views.publish": TIER_4,
    "files.info": TIER_4,
    "files.getUploadURLExternal": TIER_4,
    "files.completeUploadExternal": TIER_4,
    "files.delete": TIER_3,
    "conversations.open": TIER_3,
    "conversations.replies": TIER_3,
    "conversations.history": TIER_3,
    "conversations.info": TIER_3,
    "users.info": TIER_4,
    "usergroups.users.list": TIER_2,
}
# Per channel (keyed by the call's `channel`), on top of the workspace-wide limit above.
PUBLISHED_PER_CHANNEL_RATE_LIMITS: dict[str, tuple[float, int]] = {
    "chat.postMessage": (60.0, 3),  # "one message per second per channel", "short bursts >1 allowed"
}
RATE_MODELS = ("window", "bucket")
RATE_WINDOW = 60.0  # seconds: "per minute"
BURST_WINDOW = 1.0  # seconds: the per-channel burst window ("one message per second per channel")


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
    def __init__(self, error: str, messages: list[str] | None = None) -> None:
        super().__init__(error)
        self.error = error
        self.messages = messages or []  # answered as response_metadata.messages, as Slack does


@dataclass
class _Bucket:
    rate: float  # tokens per second
    burst: int
    tokens: float
    updated: float


@dataclass
class _Limit:
    """One rate limit of one method, per workspace or per channel, counted under either model.

    Counting state is keyed by channel for per-channel limits ("" for per-workspace ones). Only
    accepted calls are counted.
    """

    per_minute: float
    burst: int
    per_channel: bool = False
    buckets: dict[str, _Bucket] = field(default_factory=dict)  # "bucket" model
    history: dict[str, deque[float]] = field(default_factory=dict)  # "window" model: accepted call times

    def key(self, params: dict[str, Any]) -> str:
        return str(params.get("channel") or "") if self.per_channel else ""

    def clear(self) -> None:
        self.buckets.clear()
        self.history.clear()

    # -- bucket model: `burst` tokens, refilled at per_minute/60 a second --------------

    def _bucket(self, key: str, now: float) -> _Bucket:
        bucket = self.buckets.get(key)
        if bucket is None:
            bucket = self.buckets[key] = _Bucket(self.per_minute / 60.0, self.burst, float(self.burst), now)
        bucket.tokens = min(float(bucket.burst), bucket.tokens + (now - bucket.updated) * bucket.rate)
        bucket.updated = now
        return bucket

    def bucket_wait(self, key: str, now: float) -> int | None:
        bucket = self._bucket(key, now)
        if bucket.tokens >= 1.0:
            return None
        if bucket.rate <= 0:
            return 60
        return max(1, math.ceil((1.0 - bucket.tokens) / bucket.rate))

    def bucket_take(self, key: str, now: float) -> None:
        self._bucket(key, now).tokens -= 1.0

    # -- window model: at most per_minute accepted calls in any rolling minute (and, per channel,
    # at most `burst` in any rolling second) -------------------------------------------------

    def window_wait(self, key: str, now: float) -> int | None:
        times = self.history.get(key)
        if times is None:
            return None
        while times and times[0] <= now - RATE_WINDOW:
            times.popleft()
        waits = [self._window_wait(list(times), math.floor(self.per_minute), RATE_WINDOW, now)]
        if self.per_channel:
            recent = [t for t in times if t > now - BURST_WINDOW]
            waits.append(self._window_wait(recent, self.burst, BURST_WINDOW, now))
        return max((w for w in waits if w is not None), default=None)

    @staticmethod
    def _window_wait(times: list[float], allowed: int, span: float, now: float) -> int | None:
        """None if one more call fits in `times` (accepted calls in the window, oldest first), else
        whole seconds until enough of them have left the window for it to fit."""
        if len(times) < allowed:
            return None
        if allowed <= 0 or not times:
            return max(1, math.ceil(span))
        leaving = times[len(times) - allowed]  # once this one leaves, one more call fits
        return max(1, math.ceil(leaving + span - now))

    def window_take(self, key: str, now: float) -> None:
        self.history.setdefault(key, deque()).append(now)


Handler = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass
class ModalView:
    """A modal view as the fake knows it (accessors return copies).

    `versions` holds every view object views.open/push/update answered for it, first first; `state`
    is what the user has entered (`state.values`), set by tests with `FakeSlack.set_view_state`.
    """

    id: str
    user: str
    root_view_id: str
    versions: list[dict[str, Any]] = field(default_factory=list)
    state: dict[str, dict[str, Any]] = field(default_factory=dict)
    closed: bool = False

    @property
    def current(self) -> dict[str, Any]:
        """The latest version, with the current `state.values` and `hash`."""
        return {**copy.deepcopy(self.versions[-1]), "state": {"values": copy.deepcopy(self.state)}}


@dataclass(frozen=True)
class Upload:
    """A file shared by files.completeUploadExternal (one record per channel it went to)."""

    file_id: str
    filename: str
    title: str
    content: bytes  # the bytes POSTed to the upload URL
    declared_length: int  # the `length` given to files.getUploadURLExternal
    channel: str | None  # None: completed without a channel, so the file stays private
    thread_ts: str | None = None
    initial_comment: str | None = None
    alt_txt: str | None = None
    snippet_type: str | None = None

    @property
    def length(self) -> int:
        return len(self.content)


@dataclass
class _Trigger:
    user: str
    issued: float  # time.monotonic()
    view_id: str | None  # the modal the interaction happened in, if any (views.push needs one)
    exchanged: bool = False


@dataclass
class _PendingFile:
    file_id: str
    filename: str
    declared_length: int
    alt_txt: str | None
    snippet_type: str | None
    content: bytes | None = None  # None until the bytes arrive at the upload URL
    completed: bool = False
    completed_at: float | None = None  # time.monotonic() of files.completeUploadExternal


@dataclass
class _HostedFile:
    """A file a user "uploaded" (add_file): its file object and bytes."""

    obj: dict[str, Any]
    content: bytes
    chunked: bool = False  # serve without a Content-Length
    redirect_to: str | None = None  # answer downloads with a 302 here


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
        # reactions.add/remove on a ts the fake never saw (neither posted by the bot nor add_message()d):
        # False accepts it (events carry user messages the fake does not know), True answers
        # message_not_found as Slack does for a message that does not exist.
        self.strict_reaction_targets = False
        self._stubs: dict[str, dict[str, Any]] = {}
        self._failures: dict[str, list[list[Any]]] = {}  # method -> [[error, status, remaining]]
        # Rate limits: method -> {per_channel: limit}; counted under `rate_model` on the fake's clock
        # (time.monotonic() plus what `advance()` added).
        self._limits: dict[str, dict[bool, _Limit]] = {}
        self._rate_model = "window"
        self._clock_offset = 0.0
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
        # Granted scopes, sent back in `x-oauth-scopes` (see DEFAULT_BOT_SCOPES); tokens `revoke()`d.
        self.scopes: tuple[str, ...] = DEFAULT_BOT_SCOPES
        self.app_token_scopes: tuple[str, ...] = APP_TOKEN_SCOPES
        self._revoked: set[str] = set()
        # The other kind's valid token (the bot token for apps.connections.open, the app-level token
        # for a bot method): Slack's documented error for a token of the wrong type is
        # "not_allowed_token_type"; "invalid_auth" (the default here) is the other answer seen for it.
        self.wrong_token_type_error = "invalid_auth"
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
            "views.open": self._views_open,
            "views.push": self._views_push,
            "views.update": self._views_update,
            "files.getUploadURLExternal": self._get_upload_url,
            "files.completeUploadExternal": self._complete_upload,
            "files.info": self._files_info,
            "files.delete": self._files_delete,
            "views.publish": self._views_publish,
        }
        # Modals (views.*) and the trigger ids that open them.
        self.expire_triggers_after = TRIGGER_TTL
        # Slack publishes no error for a well-formed trigger id it never issued: "invalid_trigger_id"
        # (the default), "expired_trigger_id", or the older documented `invalid_arguments` with
        # response_metadata.messages ["invalid `trigger_id`"] (say "invalid_arguments").
        self.unknown_trigger_error = "invalid_trigger_id"
        # Option values: 150 characters in the current option-object reference, 75 in older ones.
        self.option_value_limit = 150
        # views.* responses show an empty state as {"values": {}}; Slack's own views.open example shows
        # `"values": []`. Set True to answer the list form and check our code copes with both.
        self.empty_state_values_as_list = False
        self._triggers: dict[str, _Trigger] = {}
        self._views: dict[str, ModalView] = {}  # every view ever opened or pushed, closed ones kept
        self._stacks: dict[str, list[str]] = {}  # root view id -> view ids, bottom first
        # files.getUploadURLExternal / files.completeUploadExternal.
        self._pending_files: dict[str, _PendingFile] = {}  # file id -> upload ticket
        self._upload_tokens: dict[str, str] = {}  # upload URL token -> file id
        self._uploads: list[Upload] = []
        # Files users "uploaded" (add_file), served by files.info and at their url_private(_download).
        self._hosted: dict[str, _HostedFile] = {}
        # A download without the bot token: Slack's sign-in page with a 200 ("login_page"), or a 302 to
        # https://<domain>.slack.com/?redirect=... ("redirect_to_login"); both are seen in the wild.
        self.unauthorized_download = "login_page"
        # views.publish (App Home tabs): the view last published to each user (`home_view()`).
        self._home_views: dict[str, dict[str, Any]] = {}
        # Uploads finish asynchronously: "It takes a few moments for all file properties to become available"
        # (slackapi/slack-github-action#413; `mimetype` is empty until then, slackapi/node-slack-sdk#2170). For
        # this many seconds after files.completeUploadExternal, files.info shows an empty `mimetype` and an image
        # block naming the file is refused. 0: processed at once.
        self.upload_processing_seconds = 0.0
        # Slack publishes no views.publish error for an image block whose `slack_file` it cannot show;
        # chat.postMessage answers `invalid_blocks` ("invalid slack file [json-pointer:/blocks/0/slack_file]",
        # slackapi/python-slack-sdk#1658), views.* answer schema problems with `invalid_arguments`. Either reading.
        self.invalid_slack_file_error = "invalid_blocks"
        self._deleted_files: set[str] = set()  # files.delete

    @property
    def url(self) -> str:
        """`http://127.0.0.1:PORT/api/`; slack_sdk appends the method name."""
        return f"{self.base_url}/api/"

    # -- configuration ----------------------------------------------------------

    @property
    def rate_model(self) -> str:
        """How rate limits are counted; Slack publishes rates, not the algorithm, so the fake offers both.

        "window" (default): at most `per_minute` accepted calls in any rolling 60 seconds, and for
        per-channel limits also at most `burst` in any rolling second; Retry-After is the whole seconds
        until enough accepted calls have left the window. "bucket": a token bucket of `burst` tokens,
        refilled at per_minute/60 a second. Switching models starts counting afresh.
        """
        return self._rate_model

    @rate_model.setter
    def rate_model(self, model: str) -> None:
        if model not in RATE_MODELS:
            raise ValueError(f"rate_model must be one of {RATE_MODELS}, not {model!r}")
        with self._lock:
            if model != self._rate_model:
                for limits in self._limits.values():
                    for limit in limits.values():
                        limit.clear()
            self._rate_model = model

    def set_rate_limit(self, method: str, per_minute: float, burst: int, *, per_channel: bool = False) -> None:
        """Limit `method` to `per_minute` calls (and `burst` at once), per workspace or, with
        `per_channel`, per `channel` param. A per-workspace and a per-channel limit can both apply;
        setting one again replaces it and starts its counting afresh. Counted under `rate_model`."""
        with self._lock:
            self._limits.setdefault(method, {})[per_channel] = _Limit(float(per_minute), int(burst), per_channel)

    def clear_rate_limit(self, method: str | None = None) -> None:
        """Remove every rate limit of `method` (both per workspace and per channel), or all of them."""
        with self._lock:
            if method is None:
                self._limits.clear()
            else:
                self._limits.pop(method, None)

    def published_limits(self, model: str = "window") -> None:
        """Switch to `model` and install Slack's published limits (`PUBLISHED_RATE_LIMITS` per
        workspace, `PUBLISHED_PER_CHANNEL_RATE_LIMITS` per channel) for the methods a bot calls under
        load. Other methods' limits are left as they are."""
        self.rate_model = model
        for method, (per_minute, burst) in PUBLISHED_RATE_LIMITS.items():
            self.set_rate_limit(method, per_minute, burst)
        for method, (per_minute, burst) in PUBLISHED_PER_CHANNEL_RATE_LIMITS.items():
            self.set_rate_limit(method, per_minute, burst, per_channel=True)

    def advance(self, seconds: float) -> None:
        """Move the fake's rate-limit clock forward by `seconds` (rate counting only: recorded call
        times, trigger-id expiry and delays still use real time)."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        with self._lock:
            self._clock_offset += seconds

    def _now(self) -> float:
        """The rate-limit clock. Must hold the lock."""
        return time.monotonic() + self._clock_offset

    def fail_next(self, method: str, error: str = "internal_error", status: int = 200, times: int = 1) -> None:
        """Answer the next `times` calls to `method` with `{"ok": false, "error": error}`."""
        with self._lock:
            self._failures.setdefault(method, []).append([error, status, times])

    def revoke(self, token: str) -> None:
        """Revoke `token`: every call made with it answers `token_revoked` (auth.test's documented
        error for a revoked token), as after an admin removes the app or its token is regenerated."""
        with self._lock:
            self._revoked.add(token)

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
                user_id,
                name=name,
                real_name=real_name,
                display_name=display_name,
                tz=tz,
                email=email,
                is_bot=is_bot,
                restricted=restricted,
                ultra_restricted=ultra_restricted,
                deleted=deleted,
            )

    def add_usergroup(self, group_id: str, user_ids: list[str] | tuple[str, ...], *, disabled: bool = False) -> None:
        """Define a user group (an `S...` id) for usergroups.users.list; redefining replaces it."""
        with self._lock:
            self._usergroups[group_id] = (list(user_ids), disabled)

    def add_message(self, channel: str, ts: str, *, text: str = "", thread_ts: str | None = None, user: str = "U1") -> None:
        """Make a message someone else posted (e.g. the user message an event carried) known to
        chat.getPermalink. It is not listed by `messages()`, which shows what the bot posted."""
        with self._lock:
            self._others[(channel, ts)] = Message(channel=channel, ts=ts, text=text, thread_ts=thread_ts, user=user, edits=[text])

    def stub(self, method: str, response: dict[str, Any]) -> None:
        """Serve a canned response for a method the fake does not implement (or override one)."""
        with self._lock:
            self._stubs[method] = copy.deepcopy(response)

    def reset(self) -> None:
        """Forget recorded calls, message/reaction state, views, trigger ids, uploads, socket traffic and
        pending failures.

        Standing configuration (rate limits, delays, users, user groups, stubs) and open Socket Mode
        connections are kept; rate-limit buckets are refilled and rate windows emptied.
        """
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
            self._triggers.clear()
            self._views.clear()
            self._stacks.clear()
            self._pending_files.clear()
            self._upload_tokens.clear()
            self._uploads.clear()
            self._home_views.clear()
            self._deleted_files.clear()
            for limits in self._limits.values():
                for limit in limits.values():
                    limit.clear()  # buckets start full again, windows empty

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
                if not m.deleted and (channel is None or m.channel == channel) and (thread_ts is None or m.thread_ts == thread_ts)
            ]

    def ephemerals(self, channel: str | None = None) -> list[dict[str, Any]]:
        """Params of successful chat.postEphemeral calls (plus `message_ts`)."""
        with self._lock:
            return [copy.deepcopy(e) for e in self._ephemerals if channel is None or e.get("channel") == channel]

    def reactions(self, channel: str, ts: str) -> list[str]:
        """Names of the reactions the bot currently has on (channel, ts), in the order added."""
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
        app.router.add_post(UPLOAD_PATH + "/{token}", self._receive_upload)
        app.router.add_get(FILES_PATH + "/{team_file}/{name:.+}", self._serve_file)
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
        granted = self.app_token_scopes if method in _APP_TOKEN_METHODS else self.scopes
        scopes = {"x-oauth-scopes": ",".join(granted)}

        injected = self._take_failure(method)
        if injected is not None:
            error, status = injected
            headers = {**scopes, "Retry-After": "1"} if status == 429 else scopes
            return self._finish(method, params, at, status, {"ok": False, "error": error}, headers)

        retry_after = self._take_token(method, params)
        if retry_after is not None:
            body = {"ok": False, "error": "ratelimited"}
            return self._finish(method, params, at, 429, body, {**scopes, "Retry-After": str(retry_after)})

        with self._lock:
            stub = copy.deepcopy(self._stubs.get(method))
        try:
            body = stub if stub is not None else self._handlers[method](params)
        except _SlackError as exc:
            body = {"ok": False, "error": exc.error}
            if exc.messages:
                body["response_metadata"] = {"messages": list(exc.messages)}
        return self._finish(method, params, at, 200, body, scopes)

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
        with self._lock:
            if token in self._revoked:
                return "token_revoked"
        app_method = method in _APP_TOKEN_METHODS
        expected, other_kind = (self.app_token, self.token) if app_method else (self.token, self.app_token)
        if token == other_kind:
            return self.wrong_token_type_error
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

    def _take_token(self, method: str, params: dict[str, Any]) -> int | None:
        """Count one call against every limit of `method`; returns Retry-After seconds (and counts
        nothing) if any of them is exhausted."""
        with self._lock:
            limits = list(self._limits.get(method, {}).values())
            if not limits:
                return None
            now = self._now()
            window = self._rate_model == "window"
            waits = [(limit.window_wait if window else limit.bucket_wait)(limit.key(params), now) for limit in limits]
            wait = max((w for w in waits if w is not None), default=None)
            if wait is not None:
                return wait
            for limit in limits:
                (limit.window_take if window else limit.bucket_take)(limit.key(params), now)
            return None

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
        text = (params.get("markdown_text") or "") + "".join(str(c.get("text", "")) for c in chunks if c.get("type") == "markdown_text")
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

    # reactions.add / reactions.remove, as published: https://docs.slack.dev/reference/methods/reactions.add
    # and .../reactions.remove (params channel, timestamp, name; errors already_reacted, no_reaction,
    # no_item_specified, message_not_found). The fake records the bot's own reactions only.

    def _reaction_target(self, params: dict[str, Any]) -> tuple[tuple[str, str], str]:
        """Must hold the lock."""
        channel, ts, name = params.get("channel"), params.get("timestamp"), params.get("name")
        if not channel or not ts:
            raise _SlackError("no_item_specified")
        if not name:
            raise _SlackError("invalid_arguments")
        key = (str(channel), str(ts))
        mine = self._messages.get(key)
        if mine is not None and mine.deleted:
            raise _SlackError("message_not_found")
        # A message the fake never saw is most likely a user message an event carried (accepted unless
        # `strict_reaction_targets`); add_message() makes those known.
        if mine is None and key not in self._others and self.strict_reaction_targets:
            raise _SlackError("message_not_found")
        return key, str(name)

    def _reactions_add(self, params: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            key, name = self._reaction_target(params)
            names = self._reactions.setdefault(key, [])
            if name in names:
                raise _SlackError("already_reacted")
            names.append(name)
        return {"ok": True}

    def _reactions_remove(self, params: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            key, name = self._reaction_target(params)
            names = self._reactions.get(key, [])
            if name not in names:
                raise _SlackError("no_reaction")
            names.remove(name)
            if not names:
                self._reactions.pop(key, None)
        return {"ok": True}

    # -- modals: views.open / views.push / views.update (run on the server loop) ----------
    # Published behaviour: https://docs.slack.dev/surfaces/modals (trigger ids, the view stack, hash),
    # https://docs.slack.dev/reference/views/modal-views (the view object and its limits),
    # https://docs.slack.dev/reference/methods/views.open, .../views.push, .../views.update (errors).

    def issue_trigger(self, user: str = "U1", *, view_id: str | None = None) -> str:
        """Mint a trigger id, as Slack does with each slash command, shortcut and interaction.

        It opens (or pushes) one view, within `expire_triggers_after` seconds of now: "A trigger_id will
        expire 3 seconds after it's sent to your app". `view_id` is the modal the interaction happened
        in; views.push needs one ("the only possible way to acquire a trigger_id to use here is from
        the use of an interactive component in the modal").
        """
        with self._lock:
            n = len(self._triggers) + 1
            trigger_id = f"{n}.{int(time.time())}.{uuid.uuid4().hex[:24]}"  # "12345.98765.abcd2358fdea"
            self._triggers[trigger_id] = _Trigger(user, time.monotonic(), view_id)
        return trigger_id

    @property
    def views(self) -> dict[str, ModalView]:
        """The open modal views by id (copies), each with its full history of versions."""
        with self._lock:
            return {vid: copy.deepcopy(v) for vid, v in self._views.items() if not v.closed}

    def view(self, view_id: str) -> dict[str, Any]:
        """The view object as Slack now has it (latest version, current `state.values`), for building a
        view_submission; KeyError if never opened. Closed views are still answered, like deleted messages."""
        with self._lock:
            return self._views[view_id].current

    def set_view_state(self, view_id: str, values: dict[str, dict[str, dict[str, Any]]]) -> None:
        """Record what the user has entered, in `state.values` shape: {block_id: {action_id: {"type": ...,
        "value" | "selected_option" | ...}}} (`type` may be left out). Merged into the view's state; the next
        view_submission carries it (`tests.slack_events.state_values` builds entries from plain values).
        ValueError for an element the current version lacks or whose type differs."""
        with self._lock:
            modal = self._views[view_id]
            elements = stateful_elements(modal.versions[-1])
            for block_id, actions in values.items():
                for action_id, entry in actions.items():
                    element = elements.get((block_id, action_id))
                    if element is None:
                        raise ValueError(f"view {view_id} has no stateful element {block_id}/{action_id}")
                    if entry.get("type", element["type"]) != element["type"]:
                        raise ValueError(f"{block_id}/{action_id} is a {element['type']}, not a {entry['type']}")
                    modal.state.setdefault(block_id, {})[action_id] = {**copy.deepcopy(entry), "type": element["type"]}

    def close_view(self, view_id: str, *, clear: bool = False) -> None:
        """The user submitted or cancelled `view_id`, the visible (top) view of its modal: it leaves the
        stack. With `clear`, the whole modal closed (the x button, `response_action: clear`). Closed views
        answer `not_found` to views.update."""
        with self._lock:
            modal = self._views[view_id]
            stack = self._stacks.get(modal.root_view_id, [])
            if modal.closed or (not clear and (not stack or stack[-1] != view_id)):
                raise ValueError(f"view {view_id} is not the visible view of an open modal")
            for closing in list(stack) if clear else [view_id]:
                self._views[closing].closed = True
                stack.remove(closing)

    def _views_open(self, params: dict[str, Any]) -> dict[str, Any]:
        spec = self._view_arg(params)
        with self._lock:
            self._check_external_id(spec)
            trigger = self._exchange_trigger(params)
            view_id = self._new_view_id()
            obj = self._view_object(spec, view_id=view_id, root_view_id=view_id, previous_view_id=None, state={})
            self._views[view_id] = ModalView(view_id, trigger.user, view_id, [obj])
            self._stacks[view_id] = [view_id]
            return {"ok": True, "view": self._answer_view(obj)}

    def _views_push(self, params: dict[str, Any]) -> dict[str, Any]:
        """Onto the stack of the modal the trigger's interaction came from; at most 3 views ("After a
        modal is opened, the app is limited to pushing 2 additional views": push_limit_reached)."""
        spec = self._view_arg(params)
        with self._lock:
            self._check_external_id(spec)
            trigger = self._exchange_trigger(params)
            source = self._views.get(trigger.view_id or "")
            if source is None or source.closed:
                raise _SlackError("not_found")
            stack = self._stacks[source.root_view_id]
            if len(stack) >= VIEW_STACK_LIMIT:
                raise _SlackError("push_limit_reached")
            view_id = self._new_view_id()
            obj = self._view_object(spec, view_id=view_id, root_view_id=source.root_view_id, previous_view_id=stack[-1], state={})
            self._views[view_id] = ModalView(view_id, trigger.user, source.root_view_id, [obj])
            stack.append(view_id)
            return {"ok": True, "view": self._answer_view(obj)}

    def _views_update(self, params: dict[str, Any]) -> dict[str, Any]:
        """By `view_id` or `external_id` (not both); a stale `hash` is `hash_conflict`. Entries in input
        blocks survive when the new view has "the same input blocks and elements with identical block_id
        and action_id values". Every update answers a new hash."""
        view_id, external_id = params.get("view_id"), params.get("external_id")
        if view_id and external_id:
            raise _SlackError("invalid_arguments", ["[ERROR] Cannot provide both `view_id` and `external_id`"])
        if not view_id and not external_id:
            raise _SlackError("invalid_arguments", ["[ERROR] missing required field: view_id or external_id"])
        spec = self._view_arg(params)
        with self._lock:
            modal = next(
                (
                    v
                    for v in self._views.values()
                    if not v.closed and (v.id == view_id if view_id else v.versions[-1]["external_id"] == external_id)
                ),
                None,
            )
            if modal is None:
                raise _SlackError("not_found")
            if params.get("hash") and params["hash"] != modal.versions[-1]["hash"]:
                raise _SlackError("hash_conflict")
            self._check_external_id(spec, other_than=modal.id)
            previous = modal.versions[-1]["previous_view_id"]
            obj = self._view_object(spec, view_id=modal.id, root_view_id=modal.root_view_id, previous_view_id=previous, state={})
            elements = stateful_elements(obj)
            modal.state = {
                block_id: kept
                for block_id, actions in modal.state.items()
                if (kept := {a: e for a, e in actions.items() if (el := elements.get((block_id, a))) and el["type"] == e["type"]})
            }
            obj["state"]["values"] = copy.deepcopy(modal.state)
            modal.versions.append(obj)
            return {"ok": True, "view": self._answer_view(obj)}

    @staticmethod
    def _view_json(params: dict[str, Any]) -> dict[str, Any]:
        """The `view` argument decoded (a JSON object, or a JSON-encoded string in a form), within Slack's size."""
        view = params.get("view")
        if isinstance(view, str):
            try:
                view = json.loads(view)
            except ValueError:
                raise _SlackError("invalid_arguments", ["[ERROR] invalid json [json-pointer:/view]"]) from None
        if not isinstance(view, dict):
            raise _SlackError("invalid_arguments", ["[ERROR] missing required field: view"])
        if len(json.dumps(view)) > 250 * 1024:  # "view_too_large: ... greater than 250kb"
            raise _SlackError("view_too_large")
        return view

    def _view_arg(self, params: dict[str, Any]) -> dict[str, Any]:
        """The `view` argument (a JSON object, or a JSON-encoded string in a form), checked as Slack does."""
        view = self._view_json(params)
        with self._lock:
            value_limit = self.option_value_limit
        problems = _view_problems(view, value_limit)
        if problems:
            raise _SlackError("invalid_arguments", problems)
        return view

    def _exchange_trigger(self, params: dict[str, Any]) -> _Trigger:
        """Must hold the lock. Published errors: invalid_trigger_id (expected format "132456.7890123.abcdef"),
        exchanged_trigger_id ("already exchanged in a previous call"), expired_trigger_id."""
        trigger_id = str(params.get("trigger_id") or params.get("interactivity_pointer") or "")
        if not trigger_id:
            raise _SlackError("invalid_arguments", ["[ERROR] missing required field: trigger_id"])
        if not _TRIGGER_ID.fullmatch(trigger_id):
            raise _SlackError("invalid_trigger_id")
        trigger = self._triggers.get(trigger_id)
        if trigger is None:
            if self.unknown_trigger_error == "invalid_arguments":
                raise _SlackError("invalid_arguments", ["invalid `trigger_id`"])
            raise _SlackError(self.unknown_trigger_error)
        if trigger.exchanged:
            raise _SlackError("exchanged_trigger_id")
        if time.monotonic() - trigger.issued > self.expire_triggers_after:
            raise _SlackError("expired_trigger_id")
        trigger.exchanged = True
        return trigger

    def _check_external_id(self, spec: dict[str, Any], other_than: str | None = None) -> None:
        """Must hold the lock. An external_id "must be unique for all views on a team"."""
        external_id = spec.get("external_id")
        if external_id and any(
            not v.closed and v.id != other_than and v.versions[-1]["external_id"] == external_id for v in self._views.values()
        ):
            raise _SlackError("duplicate_external_id")

    def _new_view_id(self) -> str:
        """Must hold the lock."""
        while (view_id := "V" + uuid.uuid4().hex[:10].upper()) in self._views:
            pass
        return view_id

    def _view_object(
        self, spec: dict[str, Any], *, view_id: str, root_view_id: str, previous_view_id: str | None, state: dict[str, Any]
    ) -> dict[str, Any]:
        """The view object as views.* answer it (https://docs.slack.dev/reference/methods/views.update
        response); blocks without a block_id get one ("If not specified, one will be generated")."""
        blocks = copy.deepcopy(spec.get("blocks") or [])
        used = {b.get("block_id") for b in blocks}
        for block in blocks:
            if "block_id" not in block:
                while (generated := uuid.uuid4().hex[:5]) in used:
                    pass
                block["block_id"] = generated
                used.add(generated)
        return {
            "id": view_id,
            "team_id": self.team_id,
            "type": "modal",
            "title": copy.deepcopy(spec["title"]),
            "close": copy.deepcopy(spec.get("close")),
            "submit": copy.deepcopy(spec.get("submit")),
            "blocks": blocks,
            "private_metadata": spec.get("private_metadata") or "",
            "callback_id": spec.get("callback_id") or "",
            "external_id": spec.get("external_id") or "",
            "state": {"values": copy.deepcopy(state)},
            "hash": f"{int(time.time())}.{uuid.uuid4().hex[:8]}",  # e.g. "1569262015.55b5e41b"
            "clear_on_close": bool(spec.get("clear_on_close", False)),
            "notify_on_close": bool(spec.get("notify_on_close", False)),
            "root_view_id": root_view_id,
            "previous_view_id": previous_view_id,
            "app_id": self.app_id,
            "app_installed_team_id": self.team_id,
            "bot_id": self.bot_id,
        }

    def _answer_view(self, obj: dict[str, Any]) -> dict[str, Any]:
        out = copy.deepcopy(obj)
        if self.empty_state_values_as_list and not out["state"]["values"]:
            out["state"]["values"] = []
        return out

    # -- files: files.getUploadURLExternal, the upload URL, files.completeUploadExternal --------
    # https://docs.slack.dev/reference/methods/files.getUploadURLExternal and
    # https://docs.slack.dev/reference/methods/files.completeUploadExternal

    @property
    def uploads(self) -> list[Upload]:
        """Files shared by files.completeUploadExternal, in order: one record per channel the file went to
        (`channel` None: completed without a channel, so "the file will be private")."""
        with self._lock:
            return list(self._uploads)

    def _get_upload_url(self, params: dict[str, Any]) -> dict[str, Any]:
        """`{ok, upload_url, file_id}`; the URL is on this fake. Published errors: missing_argument ("Typically
        only occurs when the length provided is 0"), alt_txt_too_large (over 1000 characters),
        snippet_too_large (snippets are "limited to 1MB")."""
        filename = str(params.get("filename") or "")
        try:
            length = int(params.get("length") or 0)
        except (TypeError, ValueError):
            raise _SlackError("invalid_arguments") from None
        if not filename or length <= 0:
            raise _SlackError("missing_argument")
        alt_txt, snippet_type = params.get("alt_txt") or None, params.get("snippet_type") or None
        if alt_txt is not None and len(str(alt_txt)) > ALT_TXT_LIMIT:
            raise _SlackError("alt_txt_too_large")
        if snippet_type is not None and length > SNIPPET_LIMIT:
            raise _SlackError("snippet_too_large")
        token = uuid.uuid4().hex
        with self._lock:
            while (file_id := "F" + uuid.uuid4().hex[:10].upper()) in self._pending_files:
                pass
            self._pending_files[file_id] = _PendingFile(file_id, filename, length, alt_txt, snippet_type)
            self._upload_tokens[token] = file_id
        return {"ok": True, "upload_url": f"{self.base_url}{UPLOAD_PATH}/{token}", "file_id": file_id}

    async def _receive_upload(self, request: web.Request) -> web.Response:
        """The upload URL: "Files can be sent as raw bytes or can be multipart form encoded. Slack will return
        HTTP 200 if the upload is successful; a non-200 response indicates a failure." An unknown URL, or
        one whose file was already completed, answers 404."""
        if request.content_type == "multipart/form-data":
            content: bytes | None = None
            reader = await request.multipart()
            while (part := await reader.next()) is not None:
                if isinstance(part, BodyPartReader) and (part.filename is not None or part.name in ("file", "filename")):
                    content = bytes(await part.read(decode=False))
                    break
            if content is None:
                return web.Response(status=400, text="no file in the form")
        else:
            content = await request.read()
        with self._lock:
            pending = self._pending_files.get(self._upload_tokens.get(request.match_info["token"], ""))
            if pending is None or pending.completed:
                return web.Response(status=404, text="not found")
            pending.content = content
        return web.Response(text=f"OK - {len(content)}")

    def _complete_upload(self, params: dict[str, Any]) -> dict[str, Any]:
        """`files` is a JSON array of `{id, title}`; the files then appear in `channel_id` (or `channels`),
        in `thread_ts` if given. Published errors: file_not_found ("Could not find the file from the upload
        ticket": never uploaded, unknown, or already completed, "This method can only be called once"),
        invalid_channel."""
        files = params.get("files")
        if isinstance(files, str):
            try:
                files = json.loads(files)
            except ValueError:
                raise _SlackError("invalid_arguments") from None
        if not isinstance(files, list) or not files or not all(isinstance(f, dict) and f.get("id") for f in files):
            raise _SlackError("invalid_arguments")
        if params.get("channel_id"):
            channels = [str(params["channel_id"])]
        else:
            channels = [c.strip() for c in str(params.get("channels") or "").split(",") if c.strip()]
        if any(not c.startswith(("C", "D", "G", "U", "W")) for c in channels):
            raise _SlackError("invalid_channel")
        thread_ts = str(params["thread_ts"]) if params.get("thread_ts") else None
        if thread_ts and len(channels) != 1:  # "make sure to provide only one channel when using thread_ts"
            raise _SlackError("invalid_arguments")
        comment = params.get("initial_comment") or None
        with self._lock:
            found = [(self._pending_files.get(str(f["id"])), f) for f in files]
            if any(p is None or p.content is None or p.completed for p, _ in found):
                raise _SlackError("file_not_found")
            answered = []
            for pending, f in found:
                assert pending is not None and pending.content is not None
                pending.completed = True
                pending.completed_at = time.monotonic()
                title = str(f.get("title") or pending.filename)
                shared = {
                    "file_id": pending.file_id,
                    "filename": pending.filename,
                    "title": title,
                    "content": pending.content,
                    "declared_length": pending.declared_length,
                    "thread_ts": thread_ts,
                    "initial_comment": comment,
                    "alt_txt": pending.alt_txt,
                    "snippet_type": pending.snippet_type,
                }
                self._uploads += [Upload(channel=channel, **shared) for channel in channels or [None]]
                answered.append(self._file_object(pending, title))
        return {"ok": True, "files": answered}

    def _file_object(self, pending: _PendingFile, title: str) -> dict[str, Any]:
        mimetype = mimetypes.guess_type(pending.filename)[0] or "application/octet-stream"
        name = pending.filename
        out: dict[str, Any] = {
            "id": pending.file_id,
            "created": int(time.time()),
            "name": name,
            "title": title,
            "mimetype": mimetype,
            "filetype": name.rsplit(".", 1)[-1].lower() if "." in name else "binary",
            "user": self.bot_user_id,
            "size": len(pending.content or b""),
            "url_private": f"https://files.slack.com/files-pri/{self.team_id}-{pending.file_id}/{name}",
            "permalink": f"https://{self.domain}.slack.com/files/{self.bot_user_id}/{pending.file_id}/{name}",
        }
        if pending.alt_txt:
            out["alt_txt"] = pending.alt_txt
        return out

    # -- files: files.info and the url_private download ----------------------------------------------
    # https://docs.slack.dev/reference/methods/files.info and https://docs.slack.dev/reference/objects/file-object:
    # url_private / url_private_download need "an Authorization header with the bot token"; without it
    # Slack answers its sign-in page (HTML), not the file.

    def add_file(
        self,
        content: bytes,
        *,
        name: str,
        mimetype: str,
        filetype: str,
        subtype: str | None = None,
        user: str = "U1",
        title: str | None = None,
        size: int | None = None,
        chunked: bool = False,
    ) -> dict[str, Any]:
        """Host a file a user uploaded; returns its file object (as files.info answers it).

        `subtype="slack_audio"` makes it a voice clip. `size` overrides the declared size (to lie);
        `chunked` serves the bytes without a Content-Length.
        """
        with self._lock:
            while (file_id := "F" + uuid.uuid4().hex[:10].upper()) in self._hosted:
                pass
        base = f"{self.base_url}{FILES_PATH}/{self.team_id}-{file_id}"
        kind = mimetype.split("/", 1)[0]
        now = int(time.time())
        obj: dict[str, Any] = {
            "id": file_id,
            "created": now,
            "timestamp": now,
            "name": name,
            "title": title or name,
            "mimetype": mimetype,
            "filetype": filetype,
            "pretty_type": filetype.upper(),
            "user": user,
            "user_team": self.team_id,
            "editable": False,
            "size": len(content) if size is None else size,
            "mode": "hosted",
            "is_external": False,
            "external_type": "",
            "is_public": False,
            "public_url_shared": False,
            "display_as_bot": False,
            "username": "",
            "url_private": f"{base}/{name}",
            "url_private_download": f"{base}/download/{name}",
            "media_display_type": "audio" if subtype == "slack_audio" or kind == "audio" else "video" if kind == "video" else "unknown",
            "permalink": f"https://{self.domain}.slack.com/files/{user}/{file_id}/{name}",
            "is_starred": False,
            "has_rich_preview": False,
            "file_access": "visible",
        }
        if subtype is not None:
            obj["subtype"] = subtype
        with self._lock:
            self._hosted[file_id] = _HostedFile(copy.deepcopy(obj), content, chunked)
        return obj

    def redirect_download(self, file_id: str, location: str | None) -> None:
        """Answer every download of `file_id` with a 302 to `location` (None: serve the file again)."""
        with self._lock:
            self._hosted[file_id].redirect_to = location

    @property
    def downloads(self) -> list[Req]:
        """Requests to url_private / url_private_download, in order (headers lower-cased)."""
        return [r for r in self.requests if r.path.startswith(FILES_PATH + "/")]

    def _files_info(self, params: dict[str, Any]) -> dict[str, Any]:
        """`{ok, file, comments, response_metadata}`; published errors file_not_found, file_deleted. Files the
        bot uploaded itself are answered too (`mimetype` empty while `upload_processing_seconds` runs)."""
        with self._lock:
            file_id = str(params.get("file") or "")
            if file_id in self._deleted_files:
                raise _SlackError("file_deleted")
            hosted = self._hosted.get(file_id)
            if hosted is None:
                return self._uploaded_file_info(file_id)
            obj = copy.deepcopy(hosted.obj)
        return {"ok": True, "file": obj, "comments": [], "response_metadata": {"next_cursor": ""}}

    # -- App Home (views.publish) and the bot's own files (files.info, files.delete) -----------------
    # https://docs.slack.dev/reference/methods/views.publish: `user_id` and `view` (a `home` view, at most 100
    # blocks) required, `hash` optional ("hash_conflict" when it is not the current view's). Image blocks
    # (https://docs.slack.dev/reference/block-kit/blocks/image-block) take `alt_text` and either `image_url`
    # or `slack_file`; the Slack file object (https://docs.slack.dev/reference/block-kit/composition-objects/
    # slack-file-object) takes `url` or `id`, not both, names a png/jpg/jpeg/gif, and "the user posting these
    # blocks must have access to this file": here, a file the bot uploaded (and has not deleted) or one hosted
    # with `add_file`. https://docs.slack.dev/reference/methods/files.delete: `file`; file_not_found,
    # file_deleted, cant_delete_file (the bot deletes only what it uploaded).

    def home_view(self, user: str) -> dict[str, Any] | None:
        """The view last published to `user`'s Home tab, as views.publish answered it (None: none yet)."""
        with self._lock:
            view = self._home_views.get(user)
            return copy.deepcopy(view) if view is not None else None

    @property
    def deleted_files(self) -> set[str]:
        with self._lock:
            return set(self._deleted_files)

    def _views_publish(self, params: dict[str, Any]) -> dict[str, Any]:
        user = str(params.get("user_id") or "")
        if not user:
            raise _SlackError("invalid_arguments", ["[ERROR] missing required field: user_id"])
        view = self._view_json(params)
        problems = [] if view.get("type") == "home" else [_schema("/view/type")]
        blocks = view.get("blocks")
        if not isinstance(blocks, list):
            raise _SlackError("invalid_arguments", [*problems, "[ERROR] missing required field: blocks [json-pointer:/view]"])
        if len(blocks) > VIEW_MAX_BLOCKS:
            problems.append(f"[ERROR] no more than {VIEW_MAX_BLOCKS} items allowed [json-pointer:/view/blocks]")
        seen: set[str] = set()
        file_problems: list[str] = []
        with self._lock:
            for i, block in enumerate(blocks):
                problems += _block_problems(block, f"/view/blocks/{i}", seen, self.option_value_limit)
                if isinstance(block, dict) and block.get("type") == "image":
                    problems += _image_problems(block, f"/view/blocks/{i}")
                    slack_file = block.get("slack_file")
                    if isinstance(slack_file, dict) and not self._may_show(slack_file):
                        file_problems.append(f"[ERROR] invalid slack file [json-pointer:/view/blocks/{i}/slack_file]")
            if problems:
                raise _SlackError("invalid_arguments", list(dict.fromkeys(problems)))
            if file_problems:
                raise _SlackError(self.invalid_slack_file_error, file_problems)
            current = self._home_views.get(user)
            if params.get("hash") and (current is None or current["hash"] != params["hash"]):
                raise _SlackError("hash_conflict")
            view_id = current["id"] if current is not None else self._new_view_id()
            obj = {
                "id": view_id,
                "team_id": self.team_id,
                "type": "home",
                "blocks": copy.deepcopy(blocks),
                "private_metadata": view.get("private_metadata") or "",
                "callback_id": view.get("callback_id") or "",
                "external_id": view.get("external_id") or "",
                "state": {"values": {}},
                "hash": f"{int(time.time())}.{uuid.uuid4().hex[:8]}",
                "root_view_id": view_id,
                "previous_view_id": None,
                "app_id": self.app_id,
                "app_installed_team_id": self.team_id,
                "bot_id": self.bot_id,
            }
            self._home_views[user] = obj
            return {"ok": True, "view": copy.deepcopy(obj)}

    def _may_show(self, slack_file: dict[str, Any]) -> bool:
        """A Slack file object naming an image the bot may show: uploaded by it (processed, not deleted) or
        hosted with `add_file`. Called under the lock."""
        file_id = str(slack_file.get("id") or "")
        url = str(slack_file.get("url") or "")
        if bool(file_id) == bool(url):
            return False  # "If both are provided then the payload will be rejected"
        if url:  # url_private or permalink, both carry "<team>-<file id>/" or "/<file id>/"
            file_id = next((f for f in list(self._pending_files) + list(self._hosted) if f in url), "")
        if not file_id or file_id in self._deleted_files:
            return False
        if (hosted := self._hosted.get(file_id)) is not None:
            name = str(hosted.obj.get("name") or "")
        else:
            pending = self._pending_files.get(file_id)
            if pending is None or not pending.completed or pending.completed_at is None:
                return False
            if time.monotonic() - pending.completed_at < self.upload_processing_seconds:
                return False  # not processed yet
            name = pending.filename
        return name.rsplit(".", 1)[-1].lower() in ("png", "jpg", "jpeg", "gif")

    def _uploaded_file_info(self, file_id: str) -> dict[str, Any]:
        """files.info for a file the bot uploaded (called under the lock)."""
        pending = self._pending_files.get(file_id)
        if pending is None or not pending.completed:
            raise _SlackError("file_not_found")
        title = next((u.title for u in self._uploads if u.file_id == file_id), pending.filename)
        obj = self._file_object(pending, title)
        obj["url_private_download"] = obj["url_private"].replace(f"-{file_id}/", f"-{file_id}/download/")
        if pending.completed_at is None or time.monotonic() - pending.completed_at < self.upload_processing_seconds:
            obj.update(mimetype="", filetype="", pretty_type="")
        return {"ok": True, "file": obj, "comments": [], "response_metadata": {"next_cursor": ""}}

    def _files_delete(self, params: dict[str, Any]) -> dict[str, Any]:
        file_id = str(params.get("file") or "")
        with self._lock:
            if file_id in self._deleted_files:
                raise _SlackError("file_deleted")
            if file_id in self._hosted:
                raise _SlackError("cant_delete_file")  # a user's file
            pending = self._pending_files.get(file_id)
            if pending is None or not pending.completed:
                raise _SlackError("file_not_found")
            self._deleted_files.add(file_id)
        return {"ok": True}

    async def _serve_file(self, request: web.Request) -> web.StreamResponse:
        await self._record(request)
        file_id = request.match_info["team_file"].split("-", 1)[-1]
        with self._lock:
            hosted = self._hosted.get(file_id)
            redirect = hosted.redirect_to if hosted is not None else None
        if redirect is not None:
            return web.Response(status=302, headers={"Location": redirect})
        if request.headers.get("Authorization", "") != f"Bearer {self.token}":
            if self.unauthorized_download == "redirect_to_login":
                return web.Response(status=302, headers={"Location": f"https://{self.domain}.slack.com/?redirect={request.path}"})
            return web.Response(status=200, text=LOGIN_PAGE, content_type="text/html")
        if hosted is None:
            return web.Response(status=404, text="Not Found")
        mimetype = str(hosted.obj["mimetype"])
        if not hosted.chunked:
            return web.Response(body=hosted.content, content_type=mimetype)
        response = web.StreamResponse(headers={"Content-Type": mimetype})
        response.enable_chunked_encoding()
        await response.prepare(request)
        for start in range(0, len(hosted.content), 64 * 1024):
            await response.write(hosted.content[start : start + 64 * 1024])
        await response.write_eof()
        return response


# -- view checks, as views.open/push/update make them ----------------------------------------------
# Messages follow Slack's own: "[ERROR] must be less than 24 characters [json-pointer:/view/title/text]"
# (https://github.com/jeremeamia/slack-block-kit/issues/3), "[ERROR] no more than 100 items allowed
# [json-pointer:/view/blocks]" (https://github.com/grafana-cold-storage/oncall/pull/210). Where Slack's
# wording is not published the text is ours; the json-pointer is what to assert on.

_TRIGGER_ID = re.compile(r"\d+\.\d+\.[0-9a-f]+")
_VIEW_KEYS = frozenset(
    {
        "type",
        "title",
        "blocks",
        "close",
        "submit",
        "private_metadata",
        "callback_id",
        "clear_on_close",
        "notify_on_close",
        "external_id",
        # answered by views.*; accepted back (Slack does not say it refuses them)
        "id",
        "team_id",
        "state",
        "hash",
        "root_view_id",
        "previous_view_id",
        "app_id",
        "app_installed_team_id",
        "bot_id",
    }
)
# Element type -> the key its entry in `state.values` carries (view_submission payloads,
# https://docs.slack.dev/reference/interaction-payloads/view-interactions-payload, and the select menu,
# input and picker element references under https://docs.slack.dev/reference/block-kit/block-elements).
STATE_KEYS: dict[str, str] = {
    "plain_text_input": "value",
    "email_text_input": "value",
    "url_text_input": "value",
    "number_input": "value",
    "rich_text_input": "rich_text_value",
    "static_select": "selected_option",
    "external_select": "selected_option",
    "radio_buttons": "selected_option",
    "users_select": "selected_user",
    "conversations_select": "selected_conversation",
    "channels_select": "selected_channel",
    "multi_static_select": "selected_options",
    "multi_external_select": "selected_options",
    "checkboxes": "selected_options",
    "multi_users_select": "selected_users",
    "multi_conversations_select": "selected_conversations",
    "multi_channels_select": "selected_channels",
    "datepicker": "selected_date",
    "timepicker": "selected_time",
    "datetimepicker": "selected_date_time",
}


def stateful_elements(view: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """(block_id, action_id) -> element, for the elements whose state `state.values` reports."""
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for block in view.get("blocks") or []:
        if block.get("type") == "input":
            elements = [block.get("element")]
        elif block.get("type") == "actions":
            elements = list(block.get("elements") or [])
        else:
            elements = [block.get("accessory")]
        for element in elements:
            if isinstance(element, dict) and element.get("type") in STATE_KEYS and element.get("action_id"):
                out[(block.get("block_id", ""), element["action_id"])] = element
    return out


def _image_problems(block: dict[str, Any], pointer: str) -> list[str]:
    """An image block: `alt_text` (at most 2,000 characters) and exactly one of `image_url` and `slack_file`
    (https://docs.slack.dev/reference/block-kit/blocks/image-block)."""
    out: list[str] = []
    alt = block.get("alt_text")
    if not isinstance(alt, str) or not alt:
        out.append(f"[ERROR] missing required field: alt_text [json-pointer:{pointer}]")
    elif len(alt) > 2000:
        out.append(_too_long(f"{pointer}/alt_text", 2000))
    if ("image_url" in block) == ("slack_file" in block):
        out.append(_schema(pointer))
    if block.get("title") is not None:
        out += _plain_text(block["title"], f"{pointer}/title", 2000)
    return out


def _too_long(pointer: str, limit: int) -> str:
    return f"[ERROR] must be less than {limit} characters [json-pointer:{pointer}]"


def _schema(pointer: str) -> str:
    return f"[ERROR] failed to match all allowed schemas [json-pointer:{pointer}]"


def _plain_text(obj: Any, pointer: str, limit: int) -> list[str]:
    if not isinstance(obj, dict) or obj.get("type") != "plain_text" or not isinstance(obj.get("text"), str):
        return [_schema(pointer)]
    if not obj["text"]:
        return [_schema(pointer), f"[ERROR] must be more than 0 characters [json-pointer:{pointer}/text]"]
    if len(obj["text"]) > limit:
        return [_schema(pointer), _too_long(f"{pointer}/text", limit)]
    return []


def _view_problems(view: dict[str, Any], option_value_limit: int) -> list[str]:
    """Modal view checks (https://docs.slack.dev/reference/views/modal-views): title, submit and close are
    plain_text of at most 24 characters, at most 100 blocks, callback_id and external_id at most 255,
    private_metadata at most 3000, and "submit is required when an input block is within the blocks array"."""
    out: list[str] = []
    if view.get("type") != "modal":
        out.append(_schema("/view/type"))
    out += [f"[ERROR] invalid additional property: {key} [json-pointer:/view]" for key in view if key not in _VIEW_KEYS]
    out += _plain_text(view.get("title"), "/view/title", VIEW_BUTTON_TEXT_LIMIT)
    for key in ("close", "submit"):
        if view.get(key) is not None:
            out += _plain_text(view[key], f"/view/{key}", VIEW_BUTTON_TEXT_LIMIT)
    for key, limit in (
        ("callback_id", VIEW_ID_FIELD_LIMIT),
        ("external_id", VIEW_ID_FIELD_LIMIT),
        ("private_metadata", PRIVATE_METADATA_LIMIT),
    ):
        value = view.get(key)
        if value is not None and not isinstance(value, str):
            out.append(_schema(f"/view/{key}"))
        elif value and len(value) > limit:
            out.append(_too_long(f"/view/{key}", limit))
    blocks = view.get("blocks")
    if not isinstance(blocks, list):
        out.append("[ERROR] missing required field: blocks [json-pointer:/view]")
        return list(dict.fromkeys(out))
    if len(blocks) > VIEW_MAX_BLOCKS:
        out.append(f"[ERROR] no more than {VIEW_MAX_BLOCKS} items allowed [json-pointer:/view/blocks]")
    seen: set[str] = set()
    for i, block in enumerate(blocks):
        out += _block_problems(block, f"/view/blocks/{i}", seen, option_value_limit)
    if view.get("submit") is None and any(isinstance(b, dict) and b.get("type") == "input" for b in blocks):
        out.append("[ERROR] submit is required when blocks contain an input block [json-pointer:/view/submit]")
    return list(dict.fromkeys(out))


def _block_problems(block: Any, pointer: str, seen: set[str], option_value_limit: int) -> list[str]:
    """Block limits that matter in modals: block_id at most 255 and unique in the view; an input block's
    label (and hint) plain_text of at most 2000 (https://docs.slack.dev/reference/block-kit/blocks/input-block)."""
    if not isinstance(block, dict) or not block.get("type"):
        return [f"[ERROR] missing required field: type [json-pointer:{pointer}]"]
    out: list[str] = []
    block_id = block.get("block_id")
    if block_id is not None:
        if not isinstance(block_id, str) or len(block_id) > BLOCK_ID_LIMIT:
            out.append(_too_long(f"{pointer}/block_id", BLOCK_ID_LIMIT))
        elif block_id in seen:
            out.append(f"[ERROR] duplicate block_id [json-pointer:{pointer}/block_id]")
        else:
            seen.add(block_id)
    elements: list[tuple[Any, str]] = []
    if block["type"] == "input":
        out += _plain_text(block.get("label"), f"{pointer}/label", INPUT_LABEL_LIMIT)
        if block.get("hint") is not None:
            out += _plain_text(block["hint"], f"{pointer}/hint", INPUT_LABEL_LIMIT)
        if block.get("element") is None:
            out.append(f"[ERROR] missing required field: element [json-pointer:{pointer}]")
        else:
            elements.append((block["element"], f"{pointer}/element"))
    elif block["type"] == "actions":
        elements += [(el, f"{pointer}/elements/{j}") for j, el in enumerate(block.get("elements") or [])]
    elif isinstance(block.get("accessory"), dict):
        elements.append((block["accessory"], f"{pointer}/accessory"))
    for element, element_pointer in elements:
        out += _element_problems(element, element_pointer, option_value_limit)
    return out


def _element_problems(element: Any, pointer: str, option_value_limit: int) -> list[str]:
    """action_id at most 255; placeholder at most 150; plain_text_input min_length 0..3000 and max_length
    1..3000 (https://docs.slack.dev/reference/block-kit/block-elements/plain-text-input-element); static
    selects take `options` or `option_groups` (one of them), at most 100 each
    (https://docs.slack.dev/reference/block-kit/block-elements/select-menu-element)."""
    if not isinstance(element, dict) or not element.get("type"):
        return [f"[ERROR] missing required field: type [json-pointer:{pointer}]"]
    out: list[str] = []
    kind = element["type"]
    action_id = element.get("action_id")
    if action_id is not None and (not isinstance(action_id, str) or len(action_id) > ACTION_ID_LIMIT):
        out.append(_too_long(f"{pointer}/action_id", ACTION_ID_LIMIT))
    if element.get("placeholder") is not None:
        out += _plain_text(element["placeholder"], f"{pointer}/placeholder", PLACEHOLDER_LIMIT)
    if kind == "plain_text_input":
        for key, low in (("min_length", 0), ("max_length", 1)):
            value = element.get(key)
            if value is not None and (type(value) is not int or not low <= value <= TEXT_INPUT_LENGTH_LIMIT):
                out.append(f"[ERROR] must be between {low} and {TEXT_INPUT_LENGTH_LIMIT} [json-pointer:{pointer}/{key}]")
    if kind in ("static_select", "multi_static_select"):
        options, groups = element.get("options"), element.get("option_groups")
        if (options is None) == (groups is None):
            out.append(_schema(pointer))
        if options is not None:
            out += _options_problems(options, f"{pointer}/options", option_value_limit)
        if groups is not None:
            if not isinstance(groups, list):
                groups = []
                out.append(_schema(f"{pointer}/option_groups"))
            if len(groups) > SELECT_OPTIONS_LIMIT:
                out.append(f"[ERROR] no more than {SELECT_OPTIONS_LIMIT} items allowed [json-pointer:{pointer}/option_groups]")
            for k, group in enumerate(groups):
                group_pointer = f"{pointer}/option_groups/{k}"
                group = group if isinstance(group, dict) else {}
                out += _plain_text(group.get("label"), f"{group_pointer}/label", OPTION_TEXT_LIMIT)
                out += _options_problems(group.get("options"), f"{group_pointer}/options", option_value_limit)
    if kind in ("static_select", "external_select") and element.get("initial_option") is not None:
        out += _option_problems(element["initial_option"], f"{pointer}/initial_option", option_value_limit)
    return out


def _options_problems(options: Any, pointer: str, option_value_limit: int) -> list[str]:
    if not isinstance(options, list):
        return [_schema(pointer)]
    out = []
    if len(options) > SELECT_OPTIONS_LIMIT:
        out.append(f"[ERROR] no more than {SELECT_OPTIONS_LIMIT} items allowed [json-pointer:{pointer}]")
    for k, option in enumerate(options):
        out += _option_problems(option, f"{pointer}/{k}", option_value_limit)
    return out


def _option_problems(option: Any, pointer: str, option_value_limit: int) -> list[str]:
    """Option object (https://docs.slack.dev/reference/block-kit/composition-objects/option-object): text
    (plain_text in select menus) and description at most 75 characters, value at most 150 (75 in older
    versions of the page: `FakeSlack.option_value_limit`)."""
    if not isinstance(option, dict):
        return [_schema(pointer)]
    out = _plain_text(option.get("text"), f"{pointer}/text", OPTION_TEXT_LIMIT)
    value = option.get("value")
    if not isinstance(value, str):
        out.append(f"[ERROR] missing required field: value [json-pointer:{pointer}]")
    elif len(value) > option_value_limit:
        out.append(_too_long(f"{pointer}/value", option_value_limit))
    if option.get("description") is not None:
        out += _plain_text(option["description"], f"{pointer}/description", OPTION_TEXT_LIMIT)
    return out

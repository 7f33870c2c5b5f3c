"""Building and signing Slack Events API requests the way Slack does."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time

SIGNING_SECRET = "test-signing-secret"
TEAM = "T1"
BOT_USER = "UHARDE"
_counter = itertools.count(1)


def next_ts() -> str:
    return f"{1_800_000_000 + next(_counter)}.000100"


def sign(body: str, *, timestamp: int | None = None, secret: str = SIGNING_SECRET) -> dict[str, str]:
    ts = str(timestamp if timestamp is not None else int(time.time()))
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": f"v0={digest}",
        "Content-Type": "application/json",
    }


def envelope(event: dict, *, event_id: str | None = None) -> dict:
    return {
        "token": "legacy-verification-token",
        "team_id": TEAM,
        "api_app_id": "A1",
        "event": event,
        "type": "event_callback",
        "event_id": event_id or f"Ev{next(_counter):08d}",
        "event_time": int(time.time()),
        "authorizations": [{"team_id": TEAM, "user_id": BOT_USER, "is_bot": True}],
    }


def mention(text: str, *, channel: str = "C1", ts: str | None = None, thread_ts: str | None = None, user: str = "U1") -> dict:
    ts = ts or next_ts()
    event = {
        "type": "app_mention", "user": user, "text": f"<@{BOT_USER}> {text}", "ts": ts,
        "channel": channel, "event_ts": ts, "team": TEAM,
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def message(
    text: str, *, channel: str = "C1", channel_type: str = "channel", ts: str | None = None,
    thread_ts: str | None = None, user: str | None = "U1", **extra,
) -> dict:
    event = {"type": "message", "text": text, "ts": ts or next_ts(), "channel": channel, "channel_type": channel_type, "team": TEAM}
    if user:
        event["user"] = user
    if thread_ts:
        event["thread_ts"] = thread_ts
    event.update(extra)
    return event


def as_message_twin(mention_event: dict) -> dict:
    """The `message.channels` event Slack sends alongside an `app_mention` for the same post."""
    twin = {k: v for k, v in mention_event.items() if k != "type"}
    return {**twin, "type": "message", "channel_type": "channel"}


def body_of(payload: dict) -> str:
    return json.dumps(payload)

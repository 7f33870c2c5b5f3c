"""Building and signing Slack Events API requests the way Slack does."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
import uuid
from urllib.parse import urlencode

SIGNING_SECRET = "test-signing-secret"
TEAM = "T1"
BOT_USER = "UHARDE"
BOT_ID = "BHARDE"
APP_ID = "A1"
DOMAIN = "fake-workspace"  # tests.fakes.FakeSlack's workspace, as in its permalinks
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"  # how Slack posts interaction payloads
_counter = itertools.count(1)


def next_ts() -> str:
    return f"{1_800_000_000 + next(_counter)}.000100"


def sign(
    body: str, *, timestamp: int | None = None, secret: str = SIGNING_SECRET, content_type: str = JSON
) -> dict[str, str]:
    ts = str(timestamp if timestamp is not None else int(time.time()))
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": f"v0={digest}",
        "Content-Type": content_type,
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


def block_action(
    *,
    user: str,
    action_id: str,
    value: str,
    channel: str,
    message_ts: str,
    thread_ts: str | None = None,
    message_text: str = "",
    team: str = TEAM,
    block_id: str = "crm_confirm",
    button_text: str = "Confirm",
) -> dict:
    """The `block_actions` payload Slack sends when `user` clicks a button in Hard-E's message
    (https://docs.slack.dev/reference/interaction-payloads/block_actions-payload)."""
    n = next(_counter)
    button = {"type": "button", "action_id": action_id, "text": {"type": "plain_text", "text": button_text, "emoji": True},
              "value": value}
    container = {"type": "message", "message_ts": message_ts, "channel_id": channel, "is_ephemeral": False}
    message = {
        "user": BOT_USER, "type": "message", "ts": message_ts, "bot_id": BOT_ID, "app_id": APP_ID, "text": message_text,
        "team": team, "blocks": [{"type": "actions", "block_id": block_id, "elements": [button]}],
    }
    if thread_ts:
        container["thread_ts"] = thread_ts
        message["thread_ts"] = thread_ts
    name = f"user.{user.lower()}"  # what tests.fakes.FakeSlack's users.info calls an unknown user
    return {
        "type": "block_actions",
        "user": {"id": user, "username": name, "name": name, "team_id": team},
        "api_app_id": APP_ID,
        "token": "legacy-verification-token",
        "container": container,
        "trigger_id": f"{n}.{1_000_000 + n}.{uuid.uuid4().hex}",
        "team": {"id": team, "domain": DOMAIN},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel, "name": "directmessage" if channel.startswith("D") else f"channel-{channel.lower()}"},
        "message": message,
        "state": {"values": {}},
        "response_url": f"https://hooks.slack.com/actions/{team}/{n}/{uuid.uuid4().hex}",
        "actions": [{**{k: v for k, v in button.items() if k != "type"}, "block_id": block_id, "type": "button",
                     "action_ts": f"{time.time():.6f}"}],
    }


def interaction_body(payload: dict) -> str:
    """An interaction payload as Slack posts it: a form with one `payload` field holding the JSON.
    Sign it with `sign(body, content_type=FORM)`."""
    return urlencode({"payload": json.dumps(payload)})

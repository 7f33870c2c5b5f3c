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


# -- slash commands and modals ------------------------------------------------------------------


def new_trigger_id() -> str:
    """A well-formed trigger id ("12345.98765.abcd2358fdea") that tests.fakes.FakeSlack never issued. When
    the code under test opens a modal with it, pass `FakeSlack.issue_trigger(user)` instead."""
    return f"{next(_counter)}.{int(time.time())}.{uuid.uuid4().hex[:24]}"


def _payload_user(user: str, team: str) -> dict:
    name = f"user.{user.lower()}"  # what tests.fakes.FakeSlack's users.info calls an unknown user
    return {"id": user, "username": name, "name": name, "team_id": team}


def _json_copy(obj):
    return json.loads(json.dumps(obj))


def slash_command(
    command: str,
    text: str = "",
    *,
    user: str = "U1",
    channel: str = "C1",
    trigger_id: str | None = None,
    team: str = TEAM,
    response_url: str | None = None,
) -> dict:
    """The fields Slack POSTs when `user` runs `command` in `channel`
    (https://docs.slack.dev/interactivity/implementing-slash-commands). Slack sends them form-encoded:
    `body = form_body(fields)`, headers `sign(body, content_type=FORM)`."""
    n = next(_counter)
    return {
        "token": "legacy-verification-token",
        "team_id": team,
        "team_domain": DOMAIN,
        "channel_id": channel,
        "channel_name": "directmessage" if channel.startswith("D") else f"channel-{channel.lower()}",
        "user_id": user,
        "user_name": f"user.{user.lower()}",
        "command": command,
        "text": text,
        "api_app_id": APP_ID,
        "is_enterprise_install": "false",
        "response_url": response_url or f"https://hooks.slack.com/commands/{team}/{n}/{uuid.uuid4().hex}",
        "trigger_id": trigger_id or new_trigger_id(),
    }


def form_body(fields: dict) -> str:
    """Form fields (a slash command) as Slack posts them: application/x-www-form-urlencoded."""
    return urlencode(fields)


def state_values(view: dict, values: dict) -> dict:
    """`state.values` entries, {block_id: {action_id: {"type": ..., ...}}}, for what a user entered in
    `view`, shaped per element as Slack reports them
    (https://docs.slack.dev/reference/interaction-payloads/view-interactions-payload): plain_text_input
    `{type, value}`, static_select and external_select `{type, selected_option}`, multi_static_select and
    multi_external_select `{type, selected_options}`, users_select `selected_user`, datepicker
    `selected_date`, ... (tests.fakes.slack_server.STATE_KEYS).

    `values` maps an action_id, or a (block_id, action_id) pair, to what the user entered: text; for a
    static menu the value of one of its options (ValueError if it has none such), for an external menu a
    value (its text is the value) or an option object; for multi-selects a list of those. An entry already
    in Slack's shape (with `type`) is kept as it is. Feed the result to `FakeSlack.set_view_state`."""
    from tests.fakes.slack_server import STATE_KEYS, stateful_elements

    elements = stateful_elements(view)
    out: dict = {}
    for key, value in values.items():
        found = [(b, a) for (b, a) in elements if (b, a) == key or a == key]
        if len(found) != 1:
            raise ValueError(f"{key!r} names {len(found)} stateful elements of the view; use (block_id, action_id)")
        block_id, action_id = found[0]
        element = elements[(block_id, action_id)]
        state_key = STATE_KEYS[element["type"]]
        if isinstance(value, dict) and "type" in value:
            entry = _json_copy(value)
        elif state_key == "selected_option":
            entry = {"type": element["type"], state_key: None if value is None else _option_of(element, value)}
        elif state_key == "selected_options":
            entry = {"type": element["type"], state_key: [_option_of(element, v) for v in value]}
        elif state_key == "value" and value is not None:
            entry = {"type": element["type"], state_key: str(value)}
        else:
            entry = {"type": element["type"], state_key: value}
        out.setdefault(block_id, {})[action_id] = entry
    return out


def _option_of(element: dict, value) -> dict:
    if isinstance(value, dict):
        return _json_copy(value)
    if element["type"].endswith("external_select"):  # options came from the app's options load URL
        return {"text": {"type": "plain_text", "text": str(value), "emoji": True}, "value": str(value)}
    options = list(element.get("options") or []) + [
        option for group in element.get("option_groups") or [] for option in group.get("options") or []
    ]
    for option in options:
        if option.get("value") == value:
            return _json_copy(option)
    raise ValueError(f"{element.get('action_id')!r} offers no option with value {value!r}")


def _submitted_values(view: dict, values: dict, check: bool) -> dict:
    """Every stateful element of the view, as the user left it: its initial value, then what
    `FakeSlack.set_view_state` recorded (the view's `state.values`), then `values`."""
    from tests.fakes.slack_server import STATE_KEYS, stateful_elements

    recorded = (view.get("state") or {}).get("values") or {}  # Slack's own examples show `[]` when empty
    entered = state_values(view, values)
    out: dict = {}
    for (block_id, action_id), element in stateful_elements(view).items():
        key = STATE_KEYS[element["type"]]
        initial_key = "initial_value" if key in ("value", "rich_text_value") else key.replace("selected_", "initial_", 1)
        initial = element.get(initial_key, [] if key.endswith("s") else None)
        entry = entered.get(block_id, {}).get(action_id) or recorded.get(block_id, {}).get(action_id)
        out.setdefault(block_id, {})[action_id] = _json_copy(entry) if entry else {"type": element["type"], key: initial}
    if check:
        _check_submittable(view, out, STATE_KEYS)
    return out


def _check_submittable(view: dict, state: dict, state_keys: dict) -> None:
    """What Slack's client refuses to submit: an empty input that is not `optional`, a plain-text input shorter
    than its `min_length` or longer than its `max_length`
    (https://docs.slack.dev/reference/block-kit/blocks/input-block,
    https://docs.slack.dev/reference/block-kit/block-elements/plain-text-input-element)."""
    for block in view.get("blocks") or []:
        element = block.get("element") or {}
        if block.get("type") != "input" or element.get("type") not in state_keys:
            continue
        entry = state.get(block.get("block_id"), {}).get(element.get("action_id"), {})
        value = entry.get(state_keys[element["type"]])
        if value in (None, "", []):
            if not block.get("optional", False):
                raise ValueError(f"Slack does not submit a view whose required input {block.get('block_id')!r} is empty")
            continue
        if element["type"] == "plain_text_input" and not (
            element.get("min_length", 0) <= len(value) <= element.get("max_length", 3000)
        ):
            raise ValueError(f"Slack does not submit {block.get('block_id')!r}: {len(value)} characters is outside its limits")


def view_submission(
    view: dict,
    *,
    user: str = "U1",
    values: dict | None = None,
    trigger_id: str | None = None,
    team: str = TEAM,
    check: bool = True,
) -> dict:
    """The `view_submission` payload Slack sends when `user` submits `view` (e.g. `FakeSlack.view(view_id)`)
    (https://docs.slack.dev/reference/interaction-payloads/view-interactions-payload#view_submission):
    `view.state.values` holds every stateful element, as entered (see `state_values` for `values`), left
    at its initial value, or empty (`value: None`, `selected_option: None`, `selected_options: []`).

    With `check`, a view Slack's client would not let the user submit raises ValueError (see
    `_check_submittable`). Post it with `interaction_body` and `sign(body, content_type=FORM)`."""
    submitted = _json_copy(view)
    submitted["state"] = {"values": _submitted_values(view, values or {}, check)}
    return {
        "type": "view_submission",
        "team": {"id": team, "domain": DOMAIN},
        "user": _payload_user(user, team),
        "api_app_id": APP_ID,
        "token": "legacy-verification-token",
        "trigger_id": trigger_id or new_trigger_id(),
        "view": submitted,
        "response_urls": [],
        "enterprise": None,
        "is_enterprise_install": False,
    }


def view_closed(view: dict, *, user: str = "U1", is_cleared: bool = False, team: str = TEAM) -> dict:
    """The `view_closed` payload Slack sends, for a view created with `notify_on_close`, when `user` cancels it
    (https://docs.slack.dev/reference/interaction-payloads/view-interactions-payload#view_closed): the view
    "will include the full state of the view, excluding any input blocks". Closing the whole modal with the x
    button sends the root view with `is_cleared=True` (https://docs.slack.dev/surfaces/modals)."""
    closed = _json_copy(view)
    inputs = {b.get("block_id") for b in view.get("blocks") or [] if b.get("type") == "input"}
    recorded = (closed.get("state") or {}).get("values") or {}
    closed["state"] = {"values": {b: actions for b, actions in recorded.items() if b not in inputs}}
    return {
        "type": "view_closed",
        "team": {"id": team, "domain": DOMAIN},
        "user": _payload_user(user, team),
        "api_app_id": APP_ID,
        "token": "legacy-verification-token",
        "view": closed,
        "is_cleared": is_cleared,
        "enterprise": None,
        "is_enterprise_install": False,
    }


def block_suggestion(
    view: dict,
    *,
    action_id: str,
    value: str,
    user: str = "U1",
    block_id: str | None = None,
    team: str = TEAM,
    check: bool = True,
) -> dict:
    """The `block_suggestion` payload Slack sends to the options load URL as `user` types `value` into the
    external select `action_id` of `view` (https://docs.slack.dev/reference/interaction-payloads/block_suggestion-payload).
    The app answers at most 100 options or option groups.

    Slack asks only once `min_query_length` characters are typed ("The default value is 3",
    https://docs.slack.dev/reference/block-kit/block-elements/select-menu-element); with `check`, a shorter
    `value` raises ValueError. The element reference also says a request is sent each time the menu is opened:
    `check=False` builds that reading (e.g. `value=""`)."""
    from tests.fakes.slack_server import stateful_elements

    found = [(b, el) for (b, a), el in stateful_elements(view).items() if a == action_id and block_id in (None, b)]
    if len(found) != 1:
        raise ValueError(f"the view has {len(found)} elements {action_id!r}; give block_id")
    found_block, element = found[0]
    if element["type"] not in ("external_select", "multi_external_select"):
        raise ValueError(f"{action_id!r} is a {element['type']}; only external selects ask for options")
    if check and len(value) < element.get("min_query_length", 3):
        raise ValueError(f"Slack sends no block_suggestion until {element.get('min_query_length', 3)} characters are typed")
    return {
        "type": "block_suggestion",
        "user": _payload_user(user, team),
        "container": {"type": "view", "view_id": view.get("id")},
        "api_app_id": APP_ID,
        "token": "legacy-verification-token",
        "action_id": action_id,
        "block_id": found_block,
        "value": value,
        "team": {"id": team, "domain": DOMAIN},
        "enterprise": None,
        "is_enterprise_install": False,
        "view": _json_copy(view),
    }

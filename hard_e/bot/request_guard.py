"""What HTTP mode checks before Bolt sees a request, and how it reports what it turns away.

Verification follows Slack's "Verifying requests from Slack": `X-Slack-Request-Timestamp` must be
whole seconds within five minutes of now, and `X-Slack-Signature` must be `v0=` + the hex HMAC-SHA256
of `v0:{timestamp}:{raw body}` under the signing secret, compared in constant time. Anything that
fails is answered 401 before the body is parsed. A verified body must still be what Slack sends (a
JSON object whose `event` is an object, or a form whose `payload` is a JSON object); anything else
is answered 400.

Rejections are counted in /metrics by reason and logged at most once per reason per minute, so
junk traffic cannot fill the log; the log names the reason only, never the body.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections.abc import Callable, Mapping
from urllib.parse import parse_qs

from prometheus_client import Counter

log = logging.getLogger(__name__)

MAX_SKEW = 5 * 60  # seconds, as Slack's docs say
LOG_EVERY = 60.0  # seconds between log lines for one reason

# Every label value the counter can take (a bounded set, never data from the request).
REASONS = (
    "missing_timestamp",
    "malformed_timestamp",
    "stale_timestamp",
    "missing_signature",
    "bad_signature",
    "malformed_payload",
    "too_large",
    "body_timeout",
    "client_gone",
    "malformed_http",
)


def verification_problem(headers: Mapping[str, str], body: bytes, secret: str, *, now: float) -> str | None:
    """Why this request cannot be shown to come from Slack (a REASONS value), or None when it can."""
    timestamp = headers.get("X-Slack-Request-Timestamp")
    if not timestamp:
        return "missing_timestamp"
    if not (timestamp.isascii() and timestamp.isdigit()) or len(timestamp) > 12:
        return "malformed_timestamp"
    if abs(now - int(timestamp)) > MAX_SKEW:
        return "stale_timestamp"
    signature = headers.get("X-Slack-Signature")
    if not signature:
        return "missing_signature"
    expected = "v0=" + hmac.new(secret.encode(), b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace")):
        return "bad_signature"
    return None


def payload_problem(body: bytes, content_type: str) -> str | None:
    """Why a verified body is not a payload Slack sends (a short description), or None."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return "not UTF-8"
    if content_type == "application/x-www-form-urlencoded":
        form = parse_qs(text, keep_blank_values=True)
        if "payload" not in form:
            return None  # a slash command: plain form fields
        try:
            payload = json.loads(form["payload"][0])
        except ValueError:
            return "form payload is not JSON"
        return None if isinstance(payload, dict) else "form payload is not an object"
    if not text.strip():
        return None  # Bolt answers an empty body itself (404: nothing to do)
    try:
        data = json.loads(text)
    except ValueError:
        return "body is not JSON"
    if not isinstance(data, dict):
        return "body is not an object"
    if "event" in data and not isinstance(data["event"], dict):
        return "event is not an object"
    return None


class Rejections:
    """Counts what HTTP mode turned away and logs each reason at most once a minute."""

    def __init__(self, counter: Counter, *, clock: Callable[[], float] = time.monotonic, every: float = LOG_EVERY) -> None:
        self._counter = counter
        self._clock = clock
        self._every = every
        self._logged_at: dict[str, float] = {}
        self._since: dict[str, int] = {}

    def reject(self, reason: str) -> None:
        self._counter.labels(reason=reason).inc()
        self._since[reason] = self._since.get(reason, 0) + 1
        now = self._clock()
        last = self._logged_at.get(reason)
        if last is not None and now - last < self._every:
            return
        count, self._since[reason] = self._since[reason], 0
        self._logged_at[reason] = now
        more = f" ({count} since the last line)" if last is not None and count > 1 else ""
        log.warning("turned away an HTTP request: %s%s; repeats are counted in /metrics", reason, more)

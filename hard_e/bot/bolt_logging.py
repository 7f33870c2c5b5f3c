"""Keeps Bolt's developer-facing chatter out of an admin's log.

Bolt logs, at WARNING, a multi-line "[Suggestion] You can handle this type of event…" block with
the request body (which can hold message text) for any request no listener takes, and "`token`
will be unused" whenever SLACK_BOT_TOKEN is set, because we hand it a ready client. Neither says
anything an admin can act on.
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)

_TOKEN_UNUSED = "As you gave `client` as well, `token` will be unused"
_UNHANDLED = "Unhandled request ("


class BoltNoiseFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not isinstance(record.msg, str):
            return True
        if record.msg.startswith(_TOKEN_UNUSED):
            return False
        if record.msg.startswith(_UNHANDLED):
            log.debug("a Slack request reached no listener; nothing done")
            return False
        return True


def quiet_bolt(logger: logging.Logger) -> logging.Logger:
    """`logger` (Bolt's framework logger) with the noise filtered out; idempotent."""
    if not any(isinstance(f, BoltNoiseFilter) for f in logger.filters):
        logger.addFilter(BoltNoiseFilter())
    return logger

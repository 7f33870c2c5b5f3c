"""What an outside service's HTTP status means, as the short, log-safe reason our typed errors carry
(`CrmUnavailable`, `MediaUnavailable`): the brain turns the reason into words for the rep."""

from __future__ import annotations


def failure_reason(status: int) -> str:
    """ "unauthorized", "rate_limited", "server_error", "rejected" (another 4xx) or "bad_response"."""
    if status in (401, 403):
        return "unauthorized"
    if status == 429:
        return "rate_limited"
    if status >= 500:
        return "server_error"
    if 400 <= status < 500:
        return "rejected"
    return "bad_response"


def retry_delay(retry_after: str | None, fallback: float, *, cap: float) -> float:
    """Seconds to wait before a retry: the server's Retry-After (its seconds form) when given, else
    `fallback`; never more than `cap` (a longer wait is not worth holding a rep's answer for)."""
    try:
        wanted = float(retry_after) if retry_after is not None else fallback
    except ValueError:  # the HTTP-date form; not worth parsing for a few seconds' wait
        wanted = fallback
    return max(0.0, min(wanted, cap))

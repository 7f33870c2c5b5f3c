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

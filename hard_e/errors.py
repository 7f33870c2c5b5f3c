"""Errors every layer may raise. Kept at the top so lower layers need not import upward."""


class UserFacingError(Exception):
    """A domain error whose message is safe to show to the user as is."""

    def __init__(self, message: str, *, kind: str = "error:model") -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind  # for the turn log: "refused", or "error:<what failed>"


class StoreUnavailable(Exception):
    """The database did not answer or failed; the brain chooses what the user reads."""


class StoreBusy(Exception):
    """A lock the caller needs is held elsewhere for longer than it may wait."""


class CrmUnavailable(Exception):
    """The CRM could not be reached or refused the request. `reason` is a short kind for logs and
    for the brain's wording ("rate_limited", "unauthorized", "timeout", "server_error", ...)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class CrmUnsupported(Exception):
    """The CRM offers no way to do this (e.g. Leap's public API has no stage move)."""


class MediaUnavailable(Exception):
    """A voice or video service could not be reached or refused the request. `reason` is a short
    kind for logs and for the brain's wording: "unauthorized", "rate_limited", "timeout",
    "unreachable", "server_error", "rejected" or "bad_response"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

"""Errors every layer may raise. Kept at the top so lower layers need not import upward."""


class UserFacingError(Exception):
    """A domain error whose message is safe to show to the user as is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

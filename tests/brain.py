"""Helpers for tests that run the brain directly: a turn, and a sink that keeps its events."""

from __future__ import annotations

from hard_e.agents.turn import Turn


def turn(text: str) -> Turn:
    return Turn(team_id="T1", channel_id="C1", thread_ts="9.0", message_ts="9.1", user_id="U1", text=text, channel_type="channel")


class Collect:
    """A `Sink` that records every event."""

    def __init__(self) -> None:
        self.events = []

    async def send(self, event) -> None:
        self.events.append(event)

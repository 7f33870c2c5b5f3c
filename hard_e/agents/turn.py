"""One user message to answer, with where it came from. Slack-free."""

from __future__ import annotations

from dataclasses import dataclass

from hard_e.agents.slack_text import normalize_slack
from hard_e.agents.text import clean_text

# Top-level DMs form one running conversation per DM channel (no thread to key on).
DM_THREAD = "dm"
PRIVATE_PLACES = ("im", "console")


@dataclass(frozen=True)
class Turn:
    team_id: str
    channel_id: str
    thread_ts: str  # the thread the answer belongs in; DM_THREAD for top-level DMs
    message_ts: str  # the user's message itself
    user_id: str | None
    text: str
    channel_type: str  # channel, group, im, mpim, console

    def __post_init__(self) -> None:
        # Every face builds a Turn, so this is where outside text enters the brain: clean it once, and read Slack's
        # markup as a person does, so the router, the model and the thread's history all see the same text.
        object.__setattr__(self, "text", normalize_slack(clean_text(self.text)))

    @property
    def conversation_key(self) -> str:
        return f"{self.team_id}:{self.channel_id}:{self.thread_ts}"

    @property
    def private(self) -> bool:
        """Only the asker sees the answer: their DM with Hard-E, or the terminal. A group DM is not private."""
        return self.channel_type in PRIVATE_PLACES

    @property
    def event_key(self) -> str:
        """Identifies the user's message; every delivery of it (retries, mention + message) shares it."""
        return f"{self.team_id}:{self.channel_id}:{self.message_ts}"

    @property
    def reply_thread_ts(self) -> str | None:
        """Where Slack should put the answer (None: top level of a DM)."""
        return None if self.thread_ts == DM_THREAD else self.thread_ts

"""`hard-e chat`: Hard-E in the terminal, through the same conversations engine as Slack."""

from __future__ import annotations

import asyncio
import sys
import uuid
from typing import TextIO

from hard_e.agents.events import Event, Failed, Final, TextDelta, ToolStarted
from hard_e.agents.turn import Turn
from hard_e.bot.config import Settings
from hard_e.bot.services import Services

EXIT_WORDS = {"exit", "quit", ":q", "bye"}


class ConsoleSink:
    """Prints tokens as they arrive."""

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._streamed = False

    async def send(self, event: Event) -> None:
        if isinstance(event, TextDelta):
            if not self._streamed:
                self._out.write("hard-e> ")
                self._streamed = True
            self._out.write(event.text)
        elif isinstance(event, ToolStarted):
            self._out.write(f"  ({event.description})\n")
        elif isinstance(event, Final):
            self._out.write("\n\n")
        elif isinstance(event, Failed):
            self._out.write(("\n" if self._streamed else "") + f"hard-e> {event.message}\n\n")
        self._out.flush()


async def chat(settings: Settings, stdin: TextIO = sys.stdin, out: TextIO = sys.stdout) -> int:
    if not settings.llm_configured:
        out.write("No language model configured: set OPENAI_API_KEY, or OPENAI_BASE_URL for a local model server.\n")
        return 2
    services = Services.build(settings)
    try:
        await services.prepare()
        session = uuid.uuid4().hex[:12]
        out.write("Hard-E console — ask anything; 'exit' or Ctrl-D to leave.\n\n")
        out.flush()
        while True:
            out.write("you> ")
            out.flush()
            line = await asyncio.to_thread(stdin.readline)
            if not line:
                out.write("\n")
                break
            text = line.strip()
            if not text:
                continue
            if text.lower() in EXIT_WORDS:
                break
            turn = Turn(
                team_id="console", channel_id="local", thread_ts=session, message_ts=uuid.uuid4().hex,
                user_id=None, text=text, channel_type="console",
            )
            await services.conversations.answer(turn, ConsoleSink(out))
    finally:
        await services.aclose()
    return 0

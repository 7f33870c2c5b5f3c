"""`hard-e chat`: Hard-E in the terminal, through the same conversations engine as Slack.

Ctrl-C while an answer streams stops that answer and gives the prompt back; Ctrl-C or Ctrl-D at
the prompt leaves at once. Input is read with the event loop's reader (no thread blocked in
`readline`), so a Ctrl-C is seen the moment it is pressed. While chatting, log lines below WARNING
stay off the terminal (stderr redirected to a file still gets them all).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
import uuid
from collections.abc import Awaitable, Iterator
from typing import TextIO, TypeVar

from hard_e.agents.events import Event, Failed, Final, NeedsConfirmation, OfferReview, TextDelta, ToolStarted
from hard_e.agents.turn import Turn
from hard_e.bot.config import Settings
from hard_e.bot.credentials import NO_MODEL
from hard_e.bot.services import Services

EXIT_WORDS = {"exit", "quit", ":q", "bye"}
DECISION_WORDS = {"confirm": True, "yes": True, "cancel": False, "no": False}
CONSOLE_USER = "console"  # whoever sits at the terminal: the one person who can confirm its CRM changes
STOPPED = "(stopped)"
T = TypeVar("T")


class ConsoleSink:
    """Prints tokens as they arrive; once muted (the answer was stopped), prints nothing more."""

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._streamed = False
        self.muted = False
        self.proposals: list[NeedsConfirmation] = []  # CRM changes waiting for 'confirm' or 'cancel'

    async def send(self, event: Event) -> None:
        if self.muted:
            return
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
        elif isinstance(event, OfferReview):
            details = ", ".join(str(v if not isinstance(v, list) else ", ".join(v)) for v in event.values.values() if v)
            self._out.write(
                f"New customer ready to review: {details}\n(Create it in Slack with the Review & create button, or /new-customer.)\n\n"
            )
        elif isinstance(event, NeedsConfirmation):
            self.proposals.append(event)
            self._out.write(f"Proposed CRM change:\n{event.summary}\nType 'confirm' to make it, or 'cancel'.\n\n")
        self._out.flush()


class Lines:
    """Lines from stdin without blocking the loop: the loop's reader on a terminal or pipe, a thread
    for anything that has no selectable file descriptor (a StringIO, a regular file)."""

    def __init__(self, stdin: TextIO) -> None:
        self._stdin = stdin
        self._fd: int | None = None
        self._buffer = b""
        self._eof = False
        self._ready = asyncio.Event()
        try:
            fd = stdin.fileno()
            asyncio.get_running_loop().add_reader(fd, self._readable)
            self._fd = fd
        except (AttributeError, OSError, ValueError, NotImplementedError):
            self._fd = None  # io.UnsupportedOperation is an OSError and a ValueError

    def _readable(self) -> None:
        assert self._fd is not None
        try:
            data = os.read(self._fd, 4096)
        except OSError:
            data = b""
        if not data:
            self._eof = True
            asyncio.get_running_loop().remove_reader(self._fd)
        self._buffer += data
        self._ready.set()

    async def next(self) -> str | None:
        """The next line (without its newline), or None at end of input."""
        if self._fd is None:
            line = await asyncio.to_thread(self._stdin.readline)
            return line.rstrip("\n") if line else None
        while b"\n" not in self._buffer and not self._eof:
            self._ready.clear()
            await self._ready.wait()
        if b"\n" in self._buffer:
            raw, self._buffer = self._buffer.split(b"\n", 1)
        elif self._buffer:
            raw, self._buffer = self._buffer, b""
        else:
            return None
        return raw.decode("utf-8", "replace")

    def close(self) -> None:
        if self._fd is not None and not self._eof:
            asyncio.get_running_loop().remove_reader(self._fd)


@contextlib.contextmanager
def warnings_only_on_the_terminal() -> Iterator[None]:
    """Raise every root handler that writes to a terminal to WARNING for the chat, then restore it."""
    raised: list[tuple[logging.Handler, int]] = []
    for handler in logging.getLogger().handlers:
        stream = getattr(handler, "stream", None)
        if isinstance(handler, logging.StreamHandler) and stream is not None and stream.isatty() and handler.level < logging.WARNING:
            raised.append((handler, handler.level))
            handler.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for handler, level in raised:
            handler.setLevel(level)


class Interrupts:
    """What Ctrl-C means right now: stop the answer in progress, or leave."""

    def __init__(self) -> None:
        self.leave = asyncio.Event()
        self._answer: tuple[asyncio.Task[object], ConsoleSink] | None = None

    def answering(self, task: asyncio.Task[object], sink: ConsoleSink) -> None:
        self._answer = (task, sink)

    def done(self) -> None:
        self._answer = None

    def __call__(self) -> None:
        if self._answer is None:
            self.leave.set()
            return
        task, sink = self._answer
        sink.muted = True  # before the cancel: the engine's "I was restarted…" note must not print
        task.cancel()


async def chat(settings: Settings, stdin: TextIO = sys.stdin, out: TextIO = sys.stdout) -> int:
    if not settings.llm_configured:
        out.write(NO_MODEL)
        return 2
    loop = asyncio.get_running_loop()
    interrupts = Interrupts()
    with warnings_only_on_the_terminal():
        services = Services.build(settings)
        loop.add_signal_handler(signal.SIGINT, interrupts)
        lines: Lines | None = None
        try:
            await _until_left(services.prepare(), interrupts)
            if interrupts.leave.is_set():
                out.write("\n")
                return 0
            lines = Lines(stdin)
            await _converse(services, lines, interrupts, out)
        finally:
            loop.remove_signal_handler(signal.SIGINT)
            if lines is not None:
                lines.close()
            await services.aclose()
    return 0


async def _converse(services: Services, lines: Lines, interrupts: Interrupts, out: TextIO) -> None:
    session = uuid.uuid4().hex[:12]
    pending: list[NeedsConfirmation] = []
    out.write("Hard-E console — ask anything; 'exit', Ctrl-D or Ctrl-C to leave (Ctrl-C during an answer stops it).\n\n")
    out.flush()
    while True:
        out.write("you> ")
        out.flush()
        line = await _until_left(lines.next(), interrupts)
        if interrupts.leave.is_set() or line is None:
            out.write("\n")
            out.flush()
            return
        text = line.strip()
        if not text:
            continue
        if text.lower() in EXIT_WORDS:
            return
        if pending and text.lower() in DECISION_WORDS:
            await _decide(services, pending, confirm=DECISION_WORDS[text.lower()], out=out)
            pending = []
            continue
        turn = Turn(
            team_id="console",
            channel_id="local",
            thread_ts=session,
            message_ts=uuid.uuid4().hex,
            user_id=CONSOLE_USER,
            text=text,
            channel_type="console",
        )
        sink = ConsoleSink(out)
        task: asyncio.Task[object] = asyncio.create_task(services.conversations.answer(turn, sink))
        interrupts.answering(task, sink)
        try:
            await asyncio.wait({task})
        finally:
            interrupts.done()
        if task.cancelled():
            out.write(f"\n{STOPPED}\n\n")
            out.flush()
        elif (error := task.exception()) is not None:
            raise error
        pending = sink.proposals or pending


async def _decide(services: Services, pending: list[NeedsConfirmation], *, confirm: bool, out: TextIO) -> None:
    """The terminal's Confirm / Cancel buttons: the same decision a click in Slack makes."""
    for proposal in pending:
        if services.crm_actions is None:
            break
        decision = await services.crm_actions.decide(proposal.action_id, CONSOLE_USER, confirm=confirm)
        out.write(f"hard-e> {decision.text or 'That change was already decided.'}\n\n")
    out.flush()


async def _until_left(work: Awaitable[T], interrupts: Interrupts) -> T | None:
    """Await `work`, unless Ctrl-C asks to leave first (then `work` is cancelled and None returned)."""
    job = asyncio.ensure_future(work)
    leaving = asyncio.ensure_future(interrupts.leave.wait())
    try:
        await asyncio.wait({job, leaving}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        leaving.cancel()
    if job.done():
        return job.result()
    job.cancel()
    await asyncio.gather(job, return_exceptions=True)
    return None

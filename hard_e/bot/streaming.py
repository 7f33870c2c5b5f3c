"""Showing a turn in Slack by editing messages: an acknowledgement at once, progressive edits under
the workspace's rate budgets, and final edits carrying the complete answer.

The brain sends events (`hard_e.agents.events`); `EditStream` renders them. Edits run in their own
task, so a slow or rate-limited Slack never slows the model, and every edit carries the latest full
text, so a skipped edit loses nothing. An answer that outgrows one message is finished at a clean
boundary and continues in a new message in the thread. Whatever happens, no placeholder stays.

Spending Slack's limits where a rep notices (chat.update is Tier 3: 50 a minute for the whole
workspace, shared by every answer):
- When chat.update has room for every answer under way (its first text and its final edit), the
  answer starts as today: a "Thinking…" placeholder (chat.postMessage, limited per channel), edited.
- Under contention — or when the channel has just had its burst of messages — no placeholder is
  posted: a reaction on the rep's message acknowledges at once (reactions.add has its own budget),
  and the first text is posted with chat.postMessage — the channel's limit, not the workspace's.
  chat.update is kept for progress and final edits.
- The first text shown is a phrase, not a token: it waits up to FIRST_PHRASE_WAIT after the first
  token, or until a few words are there.
- A final edit that cannot get a chat.update turn within FINAL_WAIT is posted as a new message
  instead, and the old one deleted when chat.delete's budget allows. Reactions are removed the same
  way, after the answer is complete: the thread ends with exactly the answer.
- When chat.update cannot carry every answer's first text and final edit (say 30 answers at once:
  about 29 calls in their ten seconds under the strict reading of Tier 3), an answer is shown in
  finished pieces instead: every message ends at a paragraph, line or sentence end and never needs
  another edit to read well. Such a message grows by chat.update when a turn is free; when none
  comes within STALL_LIMIT the next piece is posted as a message of its own (the channel's limit,
  not the workspace's), and the rest of the answer follows the same way when it is done. The
  answer keeps growing and ends whole, in a few messages instead of one, with no Tier 3 call owed.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Coroutine
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from hard_e.agents.events import ToolFinished, ToolStarted
from hard_e.bot.formatting import markdown_to_mrkdwn
from hard_e.bot.slack_calls import SlackCalls
from hard_e.bot.slack_sink import SlackSink, Where
from hard_e.bot.splitting import SPACE, clean_head, split_markdown, take_head
from hard_e.handlers.blocks import answer_with_feedback
from hard_e.store.repositories import ConversationStore

log = logging.getLogger(__name__)

PLACEHOLDER = "_Thinking…_"
CURSOR = " ▍"
PIECE_LIMIT = 3500  # rendered characters per finished message (chat.update takes 4,000)
# Cut a streaming message only once it is this far past the limit: the cut then depends only
# on text already seen, so it matches how the final answer is split (see `take_head`).
CUT_MARGIN = 250
EDIT_INTERVAL = 1.0  # Slack shows about one edit per second per message
UPDATE = "chat.update"
ACK_REACTION = "eyes"
FIRST_PHRASE_WAIT = 0.2  # seconds after the first token before the first text is shown anyway
FIRST_PHRASE_WORDS = 4  # ...or as soon as this many words are there
STALL_LIMIT = 4.0  # seconds a visible answer may go without growing before it is shown another way
FINAL_WAIT = 0.25  # seconds a final edit waits for a chat.update turn before posting anew
PIECES_SLACK = 2  # chat.update turns short of what the answers under way owe it that are still no reason for pieces
PIECES_GRACE = 1.0  # seconds past STALL_LIMIT a stalled answer waits for an edit before it goes on in pieces
PIECES_POLL = 0.25  # seconds between looks for a free chat.update turn, for an answer shown in pieces
FIRST_PIECE_WAIT = 2.0  # seconds after the first token that a first finished piece may take to appear
# Reactions left to remove, per workspace: reactions.remove is Tier 2 (20 a minute), so a reaction
# acknowledges only while its removal can follow soon; beyond that a placeholder does.
MAX_REACTIONS_OUT = 5  # its burst: the removals can all go at once
# ...unless the channel can't take a placeholder now (many threads in one channel: it takes about one
# message a second): then an acknowledgement now beats a quick tidy-up, up to reactions.add's burst
# (the last removals follow up to ~45 s after the answers).
MAX_REACTIONS_OUT_BUSY_CHANNEL = 20
_reactions_out: dict[str, int] = {}


@dataclass
class Segment:
    """One Slack message of the answer: it shows `prefix + text[start:end]`."""

    ts: str
    start: int
    prefix: str = ""  # a reopened code fence when the previous message was cut inside one
    shown: str = ""
    upto: int = 0  # while streaming: the text it shows ends here


def final_pieces(markdown: str) -> list[str]:
    """The finished messages of an answer, in order (whitespace at the cuts trimmed)."""
    pieces = [markdown_to_mrkdwn(p).strip("\n") for p in split_markdown(markdown, PIECE_LIMIT)]
    return [p for p in pieces if p.strip()] or [markdown_to_mrkdwn(markdown).strip() or "…"]


def piece_body(markdown: str) -> str:
    """How a finished piece of a still-streaming answer reads in its message."""
    return markdown_to_mrkdwn(markdown).strip("\n").rstrip()


class EditStream(SlackSink):
    """A `Sink` that streams one answer into one Slack thread by editing messages."""

    def __init__(
        self,
        calls: SlackCalls,
        where: Where,
        *,
        store: ConversationStore,
        edit_interval: float = EDIT_INTERVAL,
        stall_limit: float = STALL_LIMIT,
    ) -> None:
        super().__init__(calls, where, store=store)
        self._edit_interval = edit_interval
        self._stall_limit = stall_limit
        self._status: str | None = None
        self._segments: list[Segment] = []
        self._dirty = asyncio.Event()
        self._editor: asyncio.Task[None] | None = None
        self._editing = False
        self._last_edit = 0.0
        # Assistant threads (a DM thread with the app) show status natively; elsewhere the placeholder does.
        self._status_in_thread = where.channel_type == "im" and where.thread_ts is not None
        self._first_token_at: float | None = None
        self._reacted = False  # our acknowledgement reaction is on the rep's message
        self._started = False
        # Finished pieces (see the module's notes): the answer is shown up to `_shown_to` in
        # `_segments`; the next piece starts with `_rest_prefix` (a reopened code fence, or "").
        self._pieces = self._tried_pieces = False
        self._shown_to = 0
        self._rest_prefix = ""
        # An answer that went on in pieces after streaming as usual: its message still shows the cursor
        # and ends, once sealed by its final edit, at `_shown_to` as it was when the pieces began.
        self._unsealed: Segment | None = None
        self._seal_end = 0

    def _text_arrived(self) -> None:
        if self._first_token_at is None:
            self._first_token_at = time.monotonic()
        self._dirty.set()

    async def _tool_started(self, event: ToolStarted) -> None:
        if not await self._thread_status(event.description):
            self._status = event.description
            self._dirty.set()

    async def _tool_finished(self, event: ToolFinished) -> None:
        if self._status_in_thread:
            await self._thread_status("")
        self._status = None
        self._dirty.set()

    async def _thread_status(self, status: str) -> bool:
        """Show `status` with assistant.threads.setStatus; False when this conversation can't."""
        if not self._status_in_thread:
            return False
        try:
            await self._calls.call(
                "assistant.threads.setStatus", channel_id=self._where.channel, thread_ts=self._where.thread_ts, status=status
            )
        except SlackApiError:
            self._status_in_thread = False
            return False
        return True

    # -- placeholder and progressive edits ------------------------------------------------

    async def _start(self) -> None:
        if self._started:
            return
        self._started = True
        self._calls.join(self, UPDATE)
        channel_free = self._channel_free()
        most = MAX_REACTIONS_OUT if channel_free else MAX_REACTIONS_OUT_BUSY_CHANNEL
        if (self._contended() or not channel_free) and await self._react(most):
            self._editor = asyncio.create_task(self._edit_loop())
            return
        try:
            response = await self._post(PLACEHOLDER)
        except SlackApiError:
            self._editor = asyncio.create_task(self._edit_loop())  # the first text is posted fresh
            return
        self._segments.append(Segment(ts=response["ts"], start=0, shown=PLACEHOLDER))
        await self._remember(response["ts"], "placeholder")
        self._editor = asyncio.create_task(self._edit_loop())

    def _channel_free(self) -> bool:
        """The channel's chat.postMessage limit (about one a second) allows a message right now."""
        budget = self._calls.budget("chat.postMessage", self._where.channel)
        return budget is None or budget.free_now()

    def _no_update_turn(self) -> bool:
        budget = self._calls.budget(UPDATE)
        return budget is not None and not budget.free_now(urgent=True)

    def _contended(self) -> bool:
        """chat.update lacks room for every answer under way to show its first text and final."""
        budget = self._calls.budget(UPDATE)
        return budget is not None and budget.capacity() < 2 * budget.active

    def _note_shown(self) -> None:
        if self.first_text_visible_at is not None and (budget := self._calls.budget(UPDATE)) is not None:
            budget.shown(self)  # it owes chat.update only its final edit now

    def _pieces_needed(self) -> bool:
        """chat.update hasn't the turns for the first text and final edit that every answer under way
        still needs, give or take PIECES_SLACK (what it regains as they stream is mostly left for their
        progress). A lone answer waits for its turns instead (say, after a 429)."""
        budget = self._calls.budget(UPDATE)
        return budget is not None and budget.active > 1 and budget.capacity() + PIECES_SLACK < budget.owed

    async def _react(self, most: int) -> bool:
        """Acknowledge with a reaction on the rep's message, when reactions.add has a turn now and
        fewer than `most` of ours are waiting for removal."""
        budget = self._calls.budget("reactions.add")
        team = self._where.team_id
        if self._where.message_ts is None or _reactions_out.get(team, 0) >= most:
            return False
        if budget is not None and not budget.take_now(self):
            return False
        _reactions_out[team] = _reactions_out.get(team, 0) + 1
        try:
            await self._calls.call(
                "reactions.add", have_turn=True, channel=self._where.channel, timestamp=self._where.message_ts, name=ACK_REACTION
            )
        except SlackApiError:
            _reactions_out[team] -= 1
            return False
        self._reacted = True
        return True

    async def _edit_loop(self) -> None:
        failed = False
        while True:
            await self._dirty.wait()
            if self._pieces:  # it went on in pieces (see _switch_to_pieces)
                await self._grow_in_pieces()
                return
            first = self.first_text_visible_at is None and bool(self._text)
            if first and not self._tried_pieces and self._pieces_needed():
                self._tried_pieces = True
                # chat.update can't carry every answer's first text and final: show finished pieces,
                # which owe it nothing. The final edits it still holds tokens for are others'.
                self._pieces = True
                self._calls.leave(self, UPDATE)
                if await self._grow_in_pieces():
                    return
                self._pieces = False  # no clean place to end a first piece: stream as usual
                self._calls.join(self, UPDATE)
            if failed or not first:
                # One message, about one edit a second; the budget spaces edits further when busy.
                await asyncio.sleep(max(0.0, self._last_edit + self._edit_interval - time.monotonic()))
            elif len(self._text.split()) < FIRST_PHRASE_WORDS and self._first_token_at is not None:
                # A phrase, not a token: a few words, or what is there after a moment.
                await asyncio.sleep(max(0.0, self._first_token_at + FIRST_PHRASE_WAIT - time.monotonic()))
            if first and self._segments and self._segments[0].shown == PLACEHOLDER and self._no_update_turn():
                # chat.update is busy: the first text goes up as a message of its own, the placeholder
                # is removed when chat.delete allows.
                self._tidy(self._delete(self._segments.pop().ts))
            if not self._segments:
                # No placeholder to edit: the first text is a message of its own (the channel's limit).
                failed = not await self._showing(self._post_first_text())
                self._note_shown()
                continue
            # The turn comes first and the text is read after it, so the edit carries the latest text.
            if not await self._progress_turn(first):
                continue  # shown another way (a fresh message in place of the stale one)
            failed = not await self._showing(self._edit_progress())
            self._note_shown()

    # -- finished pieces, under contention ----------------------------------------------------

    async def _grow_in_pieces(self) -> bool:
        """Show the answer in finished pieces until the final (this task is then cancelled). False
        when no first piece could be cut within FIRST_PIECE_WAIT (a long first sentence)."""
        while True:
            if self._next_piece() is None:
                if not self._shown_to and self._first_token_at is not None:
                    wait = self._first_token_at + FIRST_PIECE_WAIT - time.monotonic()
                    if wait <= 0:
                        return False
                    self._dirty.clear()
                    with suppress(TimeoutError):
                        async with asyncio.timeout(wait):
                            await self._dirty.wait()
                    continue
                self._dirty.clear()
                await self._dirty.wait()
                continue
            if not self._shown_to:
                shown = await self._showing(self._show_first_piece())
            else:
                await asyncio.sleep(max(0.0, self._last_edit + self._edit_interval - time.monotonic()))
                if await self._update_turn_by(self._last_edit + self._stall_limit):
                    shown = await self._showing(self._extend_piece())
                elif self._channel_free():
                    shown = await self._showing(self._post_piece())
                else:
                    await self._calls.turn(UPDATE, self, urgent=False)
                    shown = await self._showing(self._extend_piece())
            if not shown:
                await asyncio.sleep(self._edit_interval)  # Slack refused: try again with the latest text, not at once

    def _next_piece(self, start: int | None = None, prefix: str | None = None) -> tuple[str, int, str] | None:
        """The longest finished piece from `start` (default: what is not shown yet): its markdown,
        where it ends in the text, and the prefix the piece after it starts with."""
        start = self._shown_to if start is None else start
        markdown = (self._rest_prefix if prefix is None else prefix) + self._text[start:]
        if (cut := clean_head(markdown, PIECE_LIMIT)) is None:
            return None
        head, rest = cut
        end = len(self._text) - (len(markdown) - len(head))
        if end <= self._shown_to:
            return None
        return head, end, rest[: len(rest) - (len(self._text) - end)]

    async def _update_turn_by(self, deadline: float) -> bool:
        """A progress turn for chat.update that nobody else is waiting for, if one is free before
        `deadline`. Not a place in line: the answers that can only grow by edits go first."""
        budget = self._calls.budget(UPDATE)
        if budget is None:
            return True
        while not budget.take_now(self, urgent=False):
            if (left := deadline - time.monotonic()) <= 0:
                return False
            await asyncio.sleep(min(PIECES_POLL, left))
        return True

    async def _show_first_piece(self) -> bool:
        """The placeholder becomes the first piece when chat.update has a turn now; else the piece is
        posted and the placeholder removed when chat.delete allows."""
        placeholder = self._segments[-1] if self._segments else None
        if placeholder is not None and not self._no_update_turn():
            await self._calls.turn(UPDATE, self, urgent=True)
            if await self._extend_piece():
                return True
        if placeholder is not None:
            self._segments.pop()
            await self._remember(placeholder.ts, "replaced")
            self._tidy(self._delete(placeholder.ts))
        return await self._post_piece()

    async def _extend_piece(self) -> bool:
        """The last message shows the longest finished piece that fits it (a turn is held)."""
        segment = self._segments[-1]
        piece = self._next_piece(segment.start, segment.prefix)
        if piece is None:
            return await self._post_piece()  # the message is full (or nothing new ends cleanly)
        head, end, rest_prefix = piece
        if not await self._update(segment, piece_body(head), have_turn=True):
            return False
        if segment is self._unsealed:
            self._unsealed = None  # it now ends at a clean boundary, with no cursor
        self._piece_shown(end, rest_prefix)
        return True

    async def _post_piece(self) -> bool:
        """The next finished piece as a message of its own."""
        if (piece := self._next_piece()) is None:
            return True
        head, end, rest_prefix = piece
        start, prefix = self._shown_to, self._rest_prefix
        body = piece_body(head)
        try:
            response = await self._post(body)
        except SlackApiError:
            return False
        previous = [s for s in self._segments if s.shown != PLACEHOLDER]
        self._segments.append(Segment(ts=response["ts"], start=start, prefix=prefix, shown=body))
        self._piece_shown(end, rest_prefix)
        await self._remember(response["ts"], "placeholder")  # the latest piece: a restart would end it
        if previous:
            await self._remember(previous[-1].ts, "answer" if len(previous) == 1 else "continuation")
        return True

    def _piece_shown(self, end: int, rest_prefix: str) -> None:
        self._shown_to, self._rest_prefix = end, rest_prefix
        self._last_edit = time.monotonic()
        if self.first_text_visible_at is None:
            self.first_text_visible_at = self._last_edit

    async def _finish_pieces(self, markdown: str, kind: str) -> bool:
        """The end of an answer shown in pieces: what is left goes on the last message when it fits
        and a turn is at hand, else in messages of its own; the last carries the feedback buttons.
        False when the pieces shown are not the start of `markdown` (then every message is redone)."""
        shown = [s for s in self._segments if s.shown != PLACEHOLDER]
        if not shown or not markdown.startswith(self._text[: self._shown_to]):
            return False
        last = shown[-1]
        if self._unsealed is not None and self._unsealed is not last:
            await self._seal(markdown)
        kinds = [kind] + ["continuation"] * len(shown)
        rest = self._rest_prefix + markdown[self._shown_to :]
        whole_last = final_pieces(last.prefix + markdown[last.start :])
        if len(whole_last) == 1:
            body = whole_last[0]
            blocks = answer_with_feedback(body) if kind == "answer" else None
            if body == last.shown and blocks is None:
                await self._remember(last.ts, kinds[len(shown) - 1])
                return True
            if not rest.strip():
                await self._update(last, body, must=True, blocks=blocks)  # the buttons go on what is there
                await self._remember(last.ts, kinds[len(shown) - 1])
                return True
            # Only a turn free this instant: waiting for one would delay what a new message shows now.
            budget = self._calls.budget(UPDATE)
            if (budget is None or budget.take_now(self)) and await self._update(last, body, have_turn=True, blocks=blocks):
                await self._remember(last.ts, kinds[len(shown) - 1])
                return True
        if self._unsealed is last:
            await self._seal(markdown)
        pieces = final_pieces(rest) if rest.strip() else []
        before = self.answer_ts
        for index, body in enumerate(pieces):
            blocks = answer_with_feedback(body) if kind == "answer" and index == len(pieces) - 1 else None
            await self._post_final(body, "continuation", blocks)
        end = self.answer_ts if self.answer_ts != before else None
        await self._remember(last.ts, kinds[len(shown) - 1])  # after the rest is up: the rep waits on that, not on this
        if end is not None:
            self.answer_ts = end  # the answer ends with the last message posted
        return True

    async def _seal(self, markdown: str) -> None:
        """The message that streamed with a cursor before the pieces began ends where they begin."""
        segment, self._unsealed = self._unsealed, None
        if segment is not None:
            await self._update(segment, piece_body(segment.prefix + markdown[segment.start : self._seal_end]), must=True)

    async def _showing(self, call: Coroutine[Any, Any, bool]) -> bool:
        """Run one Slack call that shows the latest text (the final edit waits for it); when it fails,
        the next try catches up with the latest text after the usual interval."""
        self._dirty.clear()
        self._editing = True
        try:
            shown = await call
        finally:
            self._editing = False
        if not shown:
            self._last_edit = time.monotonic()
            self._dirty.set()
        return shown

    async def _progress_turn(self, first: bool) -> bool:
        """Wait for a chat.update turn. A progress edit that has waited STALL_LIMIT since the last
        visible change is made another way when the budgets allow — the text posted as a fresh
        message and the stale one deleted (chat.postMessage and chat.delete have limits of their own)
        — so every answer keeps growing; then False (no turn was taken)."""
        if first:
            await self._calls.turn(UPDATE, self, urgent=True)
            return True
        try:
            async with asyncio.timeout(max(0.0, self._last_edit + self._stall_limit - time.monotonic())):
                await self._calls.turn(UPDATE, self, urgent=False)
                return True
        except TimeoutError:
            pass
        if await self._repost_progress():
            return False
        # A moment more for an edit (the answer stays one message), then on in pieces.
        try:
            async with asyncio.timeout(max(0.0, self._last_edit + self._stall_limit + PIECES_GRACE - time.monotonic())):
                await self._calls.turn(UPDATE, self, urgent=False)
                return True
        except TimeoutError:
            pass
        if self._switch_to_pieces():
            return False
        await self._calls.turn(UPDATE, self, urgent=False)
        return True

    def _switch_to_pieces(self) -> bool:
        """A stalled answer that can't be shown anew goes on in finished pieces: its message is to end
        at the last clean boundary it shows (its final edit, for which the budget holds it a turn,
        seals it there), and the text from there is posted as pieces, the next one at once."""
        segment = self._segments[-1]
        if segment.shown == PLACEHOLDER or segment.upto <= segment.start or not self._channel_free():
            return False
        markdown = segment.prefix + self._text[segment.start :]
        # At its last sentence end; if it shows none yet (often just its first words), at a word's end.
        cut = clean_head(markdown, PIECE_LIMIT, before=len(segment.prefix) + segment.upto - segment.start, least=SPACE)
        if cut is None:
            return False
        head, rest = cut
        self._unsealed = segment
        self._seal_end = self._shown_to = len(self._text) - (len(markdown) - len(head))
        self._rest_prefix = rest[: len(rest) - (len(self._text) - self._shown_to)]
        self._pieces = self._tried_pieces = True
        self._dirty.set()
        return True

    async def _repost_progress(self) -> bool:
        segment = self._segments[-1]
        upto = len(self._text)
        markdown = segment.prefix + self._text[segment.start :]
        body = self._progress_body(markdown)
        if body is None or body == segment.shown or len(markdown_to_mrkdwn(markdown)) > PIECE_LIMIT:
            return False
        post, delete = self._calls.budget("chat.postMessage", self._where.channel), self._calls.budget("chat.delete")
        update = self._calls.budget(UPDATE)
        # Every answer under way still needs one of these calls to end: its final edit, or the delete
        # after its final is posted anew. A repost spends a delete now only when the deletes at hand,
        # after it and the clean-ups already queued, still cover the finals chat.update cannot.
        if delete is not None and update is not None:
            spare = delete.capacity() - delete.waiting - 1
            if spare < max(0.0, update.active - update.capacity()):
                return False
        if (post is not None and not post.free_now()) or (delete is not None and not delete.take_now(self)):
            return False
        self._dirty.clear()
        self._editing = True
        try:
            try:
                response = await self._post(body)
            except SlackApiError:
                self._dirty.set()
                return False
            self._segments[-1] = Segment(ts=response["ts"], start=segment.start, prefix=segment.prefix, shown=body, upto=upto)
            self._last_edit = time.monotonic()
            await self._remember(response["ts"], "placeholder")
            await self._remember(segment.ts, "replaced")
            try:
                await self._calls.call("chat.delete", have_turn=True, channel=self._where.channel, ts=segment.ts)
            except SlackApiError:
                self._tidy(self._delete(segment.ts))
        finally:
            self._editing = False
        return True

    async def _edit_progress(self) -> bool:
        segment = self._segments[-1]
        upto = len(self._text)
        markdown = segment.prefix + self._text[segment.start :]
        if len(markdown_to_mrkdwn(markdown)) > PIECE_LIMIT + CUT_MARGIN and (cut := take_head(markdown, PIECE_LIMIT)):
            return await self._continue_in_new_message(segment, *cut)
        body = self._progress_body(markdown)
        if body is None or body == segment.shown:
            return True
        if not await self._update(segment, body, have_turn=True):
            return False
        segment.upto = upto
        self._last_edit = time.monotonic()
        if self._text and self.first_text_visible_at is None:
            self.first_text_visible_at = self._last_edit
        return True

    async def _post_first_text(self) -> bool:
        upto = len(self._text)
        body = self._progress_body(self._text)
        if body is None:
            return True
        try:
            response = await self._post(body)
        except SlackApiError:
            return False
        self._segments.append(Segment(ts=response["ts"], start=0, shown=body, upto=upto))
        await self._remember(response["ts"], "placeholder")
        self._last_edit = time.monotonic()
        if self._text:
            self.first_text_visible_at = self._last_edit
        return True

    def _progress_body(self, markdown: str) -> str | None:
        status = f"_{self._status}_" if self._status else None
        if not markdown.strip():
            return status
        body = markdown_to_mrkdwn(markdown, partial=True) + CURSOR
        return f"{body}\n{status}" if status else body

    async def _continue_in_new_message(self, segment: Segment, head: str, rest: str) -> bool:
        """The message is full: finish it with `head`, go on in a new message with `rest`."""
        if not await self._update(segment, markdown_to_mrkdwn(head).strip("\n"), have_turn=True):
            return False
        next_start = segment.start + len(head) - len(segment.prefix)
        prefix = rest[: len(rest) - (len(self._text) - next_start)]
        body = markdown_to_mrkdwn(rest, partial=True) + CURSOR
        try:
            response = await self._post(body)
        except SlackApiError:
            return False
        self._segments.append(Segment(ts=response["ts"], start=next_start, prefix=prefix, shown=body, upto=len(self._text)))
        await self._remember(response["ts"], "continuation")
        self._last_edit = time.monotonic()
        return True

    # -- the end: every message shows its final piece ---------------------------------------

    async def _finish(self, markdown: str, *, kind: str) -> None:
        self._finished = True
        await self._stop_editor()
        try:
            if self._pieces and await self._finish_pieces(markdown, kind):
                return
            pieces = final_pieces(markdown)
            for index, body in enumerate(pieces):
                piece_kind = kind if index == 0 else "continuation"
                # A finished answer ends with the 👍 / 👎 buttons (never an error or progress).
                blocks = answer_with_feedback(body) if kind == "answer" and index == len(pieces) - 1 else None
                if index < len(self._segments):
                    segment = self._segments[index]
                    if (segment.shown == body and blocks is None) or await self._final_edit(segment, body, blocks):
                        # Recorded as what it now is: a placeholder left on record would be "ended" by
                        # the restart sweep (bot/recovery.py), over the finished answer.
                        await self._remember(segment.ts, piece_kind)
                    else:
                        await self._replace(segment, body, piece_kind, blocks)
                else:
                    await self._post_final(body, piece_kind, blocks)
            for surplus in self._segments[len(pieces) :]:
                self._tidy(self._delete(surplus.ts))
        finally:
            self._calls.leave(self, UPDATE)
            if self._reacted:
                self._tidy(self._unreact())

    async def _final_edit(self, segment: Segment, body: str, blocks: list[dict[str, Any]] | None = None) -> bool:
        """The final text by chat.update, when a turn comes within FINAL_WAIT (then retried until it
        lands); False when it should be posted anew instead."""
        budget = self._calls.budget(UPDATE)
        if budget is not None and not budget.free_now(urgent=True) and budget.capacity() < 1:
            return False  # no turn in sight: posting anew now beats waiting for one
        try:
            async with asyncio.timeout(FINAL_WAIT):
                await self._calls.turn(UPDATE, self, urgent=True, final=True)
        except TimeoutError:
            return False
        if await self._update(segment, body, have_turn=True, blocks=blocks):
            return True
        return await self._update(segment, body, must=True, blocks=blocks)

    async def _unreact(self) -> None:
        try:
            await self._calls.call("reactions.remove", channel=self._where.channel, timestamp=self._where.message_ts, name=ACK_REACTION)
        except SlackApiError:
            log.warning("could not remove the acknowledgement reaction channel=%s", self._where.channel)
        finally:
            _reactions_out[self._where.team_id] = max(0, _reactions_out.get(self._where.team_id, 0) - 1)

    def _tidy(self, work: Coroutine[Any, Any, None]) -> None:
        """Clean-up after the answer is complete, as the budgets allow (it never delays the answer)."""
        self._calls.later(work)

    async def _stop_editor(self) -> None:
        if self._editor is None:
            return
        if self._editing:
            # Let an edit already on the wire land first, so it cannot overwrite the final text.
            self._dirty.clear()
            while self._editing:  # noqa: ASYNC110 - a flag set and cleared around one Slack call
                await asyncio.sleep(0.01)
        self._editor.cancel()
        await asyncio.gather(self._editor, return_exceptions=True)

    async def _post_final(self, body: str, kind: str, blocks: list[dict[str, Any]] | None = None) -> None:
        try:
            response = await self._calls.call_retrying("chat.postMessage", **self._place(text=body, blocks=blocks))
        except SlackApiError:
            log.error("could not deliver part of an answer channel=%s", self._where.channel)
            return
        await self._remember(response["ts"], kind)

    async def _replace(self, segment: Segment, body: str, kind: str, blocks: list[dict[str, Any]] | None = None) -> None:
        """The edit could not be made (or not soon): post the text anew and remove the stale message."""
        await self._post_final(body, kind, blocks)
        await self._remember(segment.ts, "replaced")  # a restart leaves it alone; the delete follows
        self._tidy(self._delete(segment.ts))

    # -- Slack calls ------------------------------------------------------------------------

    def _place(self, **params: Any) -> dict[str, Any]:
        params["channel"] = self._where.channel
        params["thread_ts"] = self._where.thread_ts
        return params

    async def _post(self, text: str) -> AsyncSlackResponse:
        return await self._calls.call("chat.postMessage", **self._place(text=text))

    async def _update(
        self, segment: Segment, body: str, *, have_turn: bool = False, must: bool = False, blocks: list[dict[str, Any]] | None = None
    ) -> bool:
        """Edit one message: once with the turn the caller holds, or (`must`) retried until it lands."""
        params: dict[str, Any] = {"channel": self._where.channel, "ts": segment.ts, "text": body}
        if blocks is not None:
            params["blocks"] = blocks
        try:
            if must:
                await self._calls.call_retrying(UPDATE, stream=self, **params)
            else:
                await self._calls.call(UPDATE, stream=self, have_turn=have_turn, **params)
        except SlackApiError:
            return False
        segment.shown = body
        return True

    async def _delete(self, ts: str) -> None:
        try:
            await self._calls.call("chat.delete", urgent=False, channel=self._where.channel, ts=ts)
        except SlackApiError:
            log.error("could not remove a stale message channel=%s", self._where.channel)

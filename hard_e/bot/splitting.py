"""Cutting a long Markdown answer into Slack-sized messages at clean boundaries.

Pieces are measured by their rendering (`markdown_to_mrkdwn`), since that is what Slack limits.
Where a text is cut depends only on the text up to a little past the limit, so a message cut while
the answer is still streaming is cut exactly where the finished answer will be.

How: walk the text in order, measuring the rendered size at every candidate boundary and at least
every `PROBE_STEP` characters, and stop at the first measurement over the limit. Every boundary
before that point fits; pick the best of them. Nothing after the stopping point is ever read beyond
`LOOKAHEAD` characters, which is what makes the choice stable while more text arrives.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from itertools import accumulate

from hard_e.bot.formatting import FENCE, TABLE_ROW, RenderState, finish_render, markdown_to_mrkdwn, render_line

# Boundary classes, best first.
PARAGRAPH, LINE, SENTENCE, SPACE = 4, 3, 2, 1
PROBE_STEP = 16  # measure at least this often along a line, so the stop comes soon after the limit
LOOKAHEAD = 12  # characters past a position that its classification may read (to see a closing fence)
LABEL_MAX = 200  # a "[" further back than this is a literal bracket, not a link still being written
MIN_LIMIT = 32  # room for a reopened fence, a little code and the closing fence

BLANK_AHEAD = re.compile(r"[ \t]*(?:[\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]|$)")
WORD_START = re.compile(r"[ \t]+(?=[^ \t])")
BLOCK_MARKER = re.compile(r"\s*(?:#{1,6}|[-*+]|\d+[.)]|>)?\s*")  # a line's start before its words
# What a line may not start with when it is the rest of a line cut in two: it would turn into a
# heading, list item, quote, rule, table row or (in code too) a fence.
FENCE_AHEAD = re.compile(r"[ \t]*```")
BLOCK_AHEAD = re.compile(r"[ \t]*(?:```|#{1,6}(?:\s|$)|[-*+](?:\s|$)|>|\||([-*_])[ \t]*\1[ \t]*\1)")
BACKTICKS = re.compile(r"`+")
ENTITY_OPEN = re.compile(r"&#?\w{0,8}$")  # `&amp;`-like text the model wrote, not yet closed
JOINERS = "\u200d\ufe0e\ufe0f"  # zero-width joiner, variation selectors: part of the previous glyph


def take_head(markdown: str, limit: int) -> tuple[str, str] | None:
    """If markdown_to_mrkdwn(markdown) fits in `limit`, None. Otherwise (head, rest): head is the
    longest prefix ending at the best clean boundary whose rendering fits in `limit`; rest is the
    remaining markdown, beginning with a reopened code fence (the same opening fence line, e.g.
    "```python\\n") when the cut falls inside a code block.

    Boundary preference: paragraph break > end of a line (between list items, table rows, headings,
    code lines) > sentence end > a space > a hard cut. A better class wins only if it keeps the head
    at least half the limit. Whitespace at the boundary stays with the head. Never cuts inside a
    link, inline code, an `&…;` sequence or a glyph, nor where the second half of a line would
    start with markup (`#`, `-`, `>`, `|`, a fence); inside a code block only at a line end, unless
    nothing else fits (a code line longer than a message).

    Stable while streaming: for a prefix P of a text T whose rendering exceeds `limit` by 200 or
    more, take_head(P, limit)[0] == take_head(T, limit)[0]. (The scan stops within PROBE_STEP +
    LOOKAHEAD characters of the limit; only text that renders shorter once finished, such as a
    very long half-written table row, could move it.)
    """
    if limit < MIN_LIMIT:
        raise ValueError(f"limit must be at least {MIN_LIMIT} characters")
    if len(markdown_to_mrkdwn(markdown)) <= limit:
        return None
    cut = _Scan(markdown, limit).cut()
    return markdown[: cut.at], cut.prefix + markdown[cut.at :]


def clean_head(markdown: str, limit: int, *, before: int | None = None, least: int = SENTENCE) -> tuple[str, str] | None:
    """The longest head of `markdown` that ends at a paragraph break, a line end or a sentence end,
    renders within `limit`, and is followed by at least LOOKAHEAD characters already written (so
    what comes next cannot change that it is a boundary): (head, rest) as `take_head` gives them,
    or None when there is no such boundary yet. With `before`, only boundaries at or before that
    position count; with `least=SPACE`, a word boundary too when there is nothing better. For
    showing a still-streaming answer in finished pieces: a head never needs an edit to read well."""
    if limit < MIN_LIMIT:
        raise ValueError(f"limit must be at least {MIN_LIMIT} characters")
    upto = len(markdown) - LOOKAHEAD
    scan = _Scan(markdown, limit, upto=upto if before is None else min(upto, before))
    scan._scan()
    cuts = [cut for kind, cut in scan.best.items() if kind >= SENTENCE and cut.at > 0]
    if not cuts and least <= SPACE and (word := scan.best.get(SPACE)) is not None and word.at > 0:
        cuts = [word]
    if not cuts:
        return None
    cut = max(cuts, key=lambda c: c.at)
    return markdown[: cut.at], cut.prefix + markdown[cut.at :]


def split_markdown(markdown: str, limit: int) -> list[str]:
    """Repeated `take_head`: pieces whose renderings each fit in `limit` (an empty text has none)."""
    pieces: list[str] = []
    while (cut := take_head(markdown, limit)) is not None:
        head, markdown = cut
        pieces.append(head)
    return [*pieces, markdown] if markdown else pieces


@dataclass(frozen=True)
class _Cut:
    at: int  # the head is text[:at]
    size: int  # its rendered length, or an upper bound where measuring exactly wasn't needed
    prefix: str  # the reopened fence the rest starts with ("" outside code)


class _Line:
    """One source line, with the renderer's state and output before it."""

    def __init__(self, start: int, text: str, state: RenderState, chars: int, lines: int, fence: str) -> None:
        self.start = start
        self.text = text  # without its line break
        self.state = state
        self.chars = chars  # characters in the output lines finished before this line
        self.lines = lines
        self.prefix = fence + "\n" if state.in_code else ""
        self.is_fence = bool(FENCE.match(text))
        self.prose = not state.in_code and not self.is_fence

    def size(self, j: int) -> int:
        """Exactly len(markdown_to_mrkdwn(text up to start + j))."""
        if j == 0:
            tail = finish_render(self.state)
        else:
            emitted, after = render_line(self.state, self.text[:j])
            tail = emitted + finish_render(after)
        return self.chars + sum(map(len, tail)) + max(self.lines + len(tail) - 1, 0)

    def bound(self, j: int) -> int | None:
        """A cheap upper bound on size(j), from text[:j] alone; None where there is none.

        Rendering prose only ever grows it by escaping and list indentation (a bullet's indent
        can become up to 8 characters per tab, plus a few for the marker)."""
        if j == 0 or FENCE.match(self.text, 0, j) or (not self.state.in_code and TABLE_ROW.match(self.text, 0, j)):
            return None
        if self.state.in_code:  # exact: the escaped line and the closing fence
            return self.chars + self.escaped[j] + 3 + self.lines + 1
        return self.flushed[0] + self.escaped[j] + 8 * min(j, self.indent) + 10 + self.flushed[1]

    @cached_property
    def indent(self) -> int:
        return len(self.text) - len(self.text.lstrip())

    @cached_property
    def table_like(self) -> bool:
        return self.text.lstrip().startswith("|")

    @cached_property
    def flushed(self) -> tuple[int, int]:
        """Output characters and lines before this line, counting a table that it would end."""
        tail = finish_render(self.state)
        return self.chars + sum(map(len, tail)), self.lines + len(tail)

    @cached_property
    def escaped(self) -> list[int]:
        return list(accumulate((5 if c == "&" else 4 if c in "<>" else 1 for c in self.text), initial=0))

    @cached_property
    def guarded(self) -> list[bool]:
        """Per position: would a cut there fall inside inline code or a link? Reads only what's before it."""
        text = self.text
        flags = [False] * (len(text) + 1)
        code = 0  # length of the backtick run that opened inline code
        label = -1  # where an open link label started
        after_label = in_url = False
        i = 0
        while i < len(text):
            if text[i] == "`":
                run = BACKTICKS.match(text, i)
                assert run is not None  # text[i] is a backtick
                end = run.end()
                code = end - i if code == 0 else 0 if end - i == code else code
                flags[i + 1 : end] = [True] * (end - i - 1)  # never between backticks of one run
                i = end
            else:
                c = text[i]
                if code:
                    pass
                elif in_url:
                    in_url = not (c == ")" or c.isspace())
                elif after_label and c == "(":
                    after_label, in_url = False, True
                else:
                    after_label = False
                    if c == "[":
                        label = i
                    elif c == "]" and label >= 0:
                        label, after_label = -1, True
                    elif label >= 0 and i - label > LABEL_MAX:
                        label = -1
                i += 1
            flags[i] = bool(code) or label >= 0 or after_label or in_url
        return flags


class _Scan:
    def __init__(self, text: str, limit: int, *, upto: int | None = None) -> None:
        self.text = text
        self.limit = limit
        self.upto = upto  # boundaries past this are not kept
        self.best: dict[int, _Cut] = {}  # per class, the last boundary that fits

    def cut(self) -> _Cut:
        stop, stop_prefix = self._scan()
        half = self.limit // 2
        for kind in (PARAGRAPH, LINE, SENTENCE, SPACE):
            if (cut := self.best.get(kind)) and cut.size >= half:
                return cut
        latest = max(self.best.values(), key=lambda c: c.at, default=None)
        hard = self._hard_cut(stop, strict=True)
        # Inside code a line is only split when there is no line end to cut at.
        if hard and (latest is None or (not hard.prefix and hard.at > latest.at)):
            return hard
        if latest:
            return latest
        # Nothing clean fits (say, inline code longer than a message): cut anywhere that fits,
        # or (a glyph longer than the limit) just past it, so that splitting always moves on.
        return self._hard_cut(stop, strict=False) or _Cut(stop, self.limit + 1, stop_prefix)

    def _scan(self) -> tuple[int, str]:
        """Measure boundaries in order until one doesn't fit: where that is, and the fence a
        rest starting there would reopen."""
        self.seen: list[_Line] = []
        for line in self._lines():
            if self.seen:
                size = line.size(0)
                if size > self.limit:
                    return line.start, line.prefix
                self._keep(line, 0, size, self._line_start_kind(self.seen[-1], line))
            self.seen.append(line)
            for j in self._probes(line):
                fits = self._fits(line, j)
                if fits is None:
                    return line.start + j, line.prefix
                self._keep(line, j, fits, self._mid_line_kind(line, j))
        return len(self.text), ""  # only the very end is too long

    def _lines(self) -> Iterator[_Line]:
        state, chars, count, fence, start = RenderState(), 0, 0, "", 0
        for raw in self.text.splitlines(keepends=True):
            text = raw.splitlines()[0]
            yield _Line(start, text, state, chars, count, fence)
            if FENCE.match(text) and not state.in_code:
                fence = text
            emitted, state = render_line(state, text)
            chars += sum(map(len, emitted))
            count += len(emitted)
            start += len(raw)

    def _probes(self, line: _Line) -> list[int]:
        probes = set(range(PROBE_STEP, len(line.text), PROBE_STEP))
        if line.prose:
            probes.update(m.end() for m in WORD_START.finditer(line.text))
        return sorted(probes)

    def _fits(self, line: _Line, j: int) -> int | None:
        """The rendered size up to this point if it fits in the limit, else None."""
        bound = line.bound(j)
        if bound is not None and bound <= self.limit:
            return bound
        size = line.size(j)
        return size if size <= self.limit else None

    def _keep(self, line: _Line, j: int, size: int, kind: int | None) -> None:
        if kind is not None and (self.upto is None or line.start + j <= self.upto):
            self.best[kind] = _Cut(line.start + j, size, line.prefix)

    def _line_start_kind(self, previous: _Line, line: _Line) -> int | None:
        ahead = self.text[line.start : line.start + LOOKAHEAD]
        if BLANK_AHEAD.match(ahead):
            return None  # the rest would start with a blank line; cut after it instead
        if line.state.in_code:
            # Not right after the opening fence or right before the closing one: no empty code blocks.
            return None if not previous.state.in_code or FENCE.match(ahead) else LINE
        return LINE if previous.text.strip() else PARAGRAPH

    def _mid_line_kind(self, line: _Line, j: int) -> int | None:
        text = line.text
        if not line.prose or text[j - 1] not in " \t" or text[j] in " \t" or line.guarded[j]:
            return None
        if BLOCK_AHEAD.match(text, j, j + LOOKAHEAD):
            return None
        if line.table_like or BLOCK_MARKER.fullmatch(text, 0, j):
            return None  # inside a table row, or right after a list marker or heading mark
        before = text[max(0, j - 40) : j].rstrip(" \t")
        return SENTENCE if len(before) > 1 and before[-1] in ".!?" and not before[-2].isspace() else SPACE

    def _hard_cut(self, stop: int, *, strict: bool) -> _Cut | None:
        """The last position within a line before `stop` that fits and doesn't split a glyph (and,
        when strict, isn't inside a link, inline code, an entity or a fence line)."""
        for line in reversed(self.seen):
            for k in range(min(stop - line.start, len(line.text)) - 1, 0, -1):
                if self._may_hard_cut(line, k, strict) and (size := self._fits(line, k)) is not None:
                    return _Cut(line.start + k, size, line.prefix)
        return None

    def _may_hard_cut(self, line: _Line, k: int, strict: bool) -> bool:
        text = line.text
        c = text[k]
        if unicodedata.combining(c) or c in JOINERS or text[k - 1] == "\u200d" or "\U0001f3fb" <= c <= "\U0001f3ff":
            return False
        ahead = BLOCK_AHEAD if line.prose else FENCE_AHEAD
        if line.is_fence or ahead.match(text, k, k + LOOKAHEAD):
            return False
        if not strict:
            return True
        if ENTITY_OPEN.search(text, max(0, k - 10), k):
            return False
        return not line.prose or not (line.guarded[k] or BLOCK_MARKER.fullmatch(text, 0, k))

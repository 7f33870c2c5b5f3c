"""Markdown (what models write) to Slack mrkdwn (what Slack shows).

Everything the model writes is escaped, which defangs `<!channel>`, `<!here>`, `<!subteam^…>` and
`<@U…>`: the only `<…>` left in the output are links we build, and only to http(s) and mailto
addresses. Partial text renders as valid mrkdwn too (see `markdown_to_mrkdwn`), so a message edited
mid-stream never turns the rest of the thread into code or flashes half-typed markers.

The renderer works a line at a time (`render_line`, `finish_render`) so that `splitting` can measure
where a long answer may be cut without re-rendering it from the start for every candidate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

FENCE = re.compile(r"^\s*```")
HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
BULLET = re.compile(r"^(\s*)[-*+]\s+(.*)$")
QUOTE = re.compile(r"^\s*>\s?(.*)$")
RULE = re.compile(r"^\s*([-*_])(\s*\1){2,}\s*$")
TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$")
TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
INLINE_CODE = re.compile(r"(`+)(.+?)\1")
# Balanced parentheses may appear in the address (Wikipedia's are common); no `<`, `>` or `|`:
# those would let a model-written URL close our link early and smuggle in a mention.
LINK = re.compile(r"\[([^\]\n]+)\]\(((?:https?://|mailto:)(?:[^\s()<>|]|\([^\s()<>|]*\))+)\)")
BOLD = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
ITALIC_STAR = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
ITALIC_UNDERSCORE = re.compile(r"(?<![\w_])_(?=[^\s_])([^_\n]+?)(?<=\S)_(?![\w_])")
STRIKE = re.compile(r"~~(?=\S)(.+?)(?<=\S)~~")
# Only on the last line of partial text: a link or a marker the model is still in the middle of.
OPEN_LINK = re.compile(r"\[([^\[\]\n]*)(?:\](?:\([^\s)]*)?)?$")
# An opener whose closer hasn't arrived, or markers at the very end (maybe half of a closing `**`).
OPEN_MARKER = re.compile(r"(?<![\w*])\*+(?=[^\s*]|$)|(?<![\w_])_+(?=[^\s_]|$)|(?<!~)~~+(?=[^\s~]|$)|[*_~]+$")
# Placeholders while a line is converted; the model's own copies are dropped so they can't collide.
LINK_MARK, BOLD_MARK, ITALIC_MARK, STRIKE_MARK = "\x00", "\x02", "\x03", "\x04"
PLACEHOLDERS = re.compile("[\x00\x02-\x04]")
LINK_SLOT = re.compile(r"\x00(\d+)\x00")


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@dataclass(frozen=True)
class RenderState:
    """What the renderer carries from one line to the next."""

    in_code: bool = False
    table: tuple[str, ...] = ()  # table rows waiting for the table to end (widths need every row)


def markdown_to_mrkdwn(markdown: str, *, partial: bool = False) -> str:
    """Render Markdown as mrkdwn. An unclosed code fence is always closed.

    `partial=True` means the model is still writing: on the last line (when it has no line break
    yet) a dangling `**`, `__`, `~~`, `*`, `_` or backtick opener is hidden, and an unfinished
    `[label](http…` shows as just `label`. Nothing else differs from the final rendering.
    """
    lines = markdown.splitlines()
    open_last = partial and bool(lines) and markdown.splitlines(keepends=True)[-1] == lines[-1]
    out: list[str] = []
    state = RenderState()
    for index, line in enumerate(lines):
        emitted, state = render_line(state, line, open_end=open_last and index == len(lines) - 1)
        out.extend(emitted)
    out.extend(finish_render(state))
    return "\n".join(out)


def render_line(state: RenderState, line: str, *, open_end: bool = False) -> tuple[list[str], RenderState]:
    """One source line: the output lines it completes, and the state for the next line."""
    if not state.in_code and TABLE_ROW.match(line):
        return [], RenderState(table=(*state.table, line))
    out = _table(state.table) if state.table else []
    if FENCE.match(line):
        out.append("```")  # Slack ignores a language tag and would show it as text
        return out, RenderState(in_code=not state.in_code)
    out.append(escape(line) if state.in_code else _block(line, open_end))
    return out, RenderState(in_code=state.in_code)


def finish_render(state: RenderState) -> list[str]:
    """The output lines still owed at the end of the text."""
    out = _table(state.table) if state.table else []
    if state.in_code:
        out.append("```")  # partial text: keep the fence balanced
    return out


def _block(line: str, open_end: bool) -> str:
    """One line of prose: heading, rule, list item, quote or paragraph text."""
    if m := HEADING.match(line):
        return "*" + _inline(m.group(1), open_end).replace("*", "") + "*"
    if RULE.match(line):
        return "──────────"
    if m := BULLET.match(line):
        depth = len(m.group(1).expandtabs(4)) // 2
        return "    " * depth + ("•" if depth % 2 == 0 else "◦") + " " + _inline(m.group(2), open_end)
    if m := QUOTE.match(line):
        return "> " + _inline(m.group(1), open_end)
    return _inline(line, open_end)


def _inline(text: str, open_end: bool = False) -> str:
    """Convert one line of prose (no code fences) to mrkdwn; `open_end`: it is still being written."""
    pieces: list[str] = []
    last = 0
    for match in INLINE_CODE.finditer(text):
        pieces.append(_prose(text[last : match.start()]))
        pieces.append("`" + escape(match.group(2)) + "`")
        last = match.end()
    tail = text[last:]
    if open_end and "`" in tail:
        # Code still being written: plain text until its closing backticks arrive.
        cut = tail.index("`")
        return "".join(pieces) + _prose(tail[:cut], open_end=True) + escape(tail[cut:].replace("`", ""))
    pieces.append(_prose(tail, open_end))
    return "".join(pieces)


def _prose(text: str, open_end: bool = False) -> str:
    links: list[str] = []

    def keep_link(match: re.Match[str]) -> str:
        label = match.group(1).replace("|", "/")
        links.append(f"<{match.group(2)}|{escape(label)}>")
        return f"{LINK_MARK}{len(links) - 1}{LINK_MARK}"

    text = LINK.sub(keep_link, PLACEHOLDERS.sub("", text))
    if open_end:
        text = OPEN_LINK.sub(lambda m: m.group(1), text)
    text = escape(text)
    text = BOLD.sub(lambda m: BOLD_MARK + m.group(2) + BOLD_MARK, text)
    text = ITALIC_STAR.sub(lambda m: ITALIC_MARK + m.group(1) + ITALIC_MARK, text)
    text = STRIKE.sub(lambda m: STRIKE_MARK + m.group(1) + STRIKE_MARK, text)
    if open_end:
        # Hide markers still waiting for their other half, so they never flash as a stray `**`.
        text = ITALIC_UNDERSCORE.sub(lambda m: ITALIC_MARK + m.group(1) + ITALIC_MARK, text)
        text = OPEN_MARKER.sub("", text)
    text = text.replace(BOLD_MARK, "*").replace(ITALIC_MARK, "_").replace(STRIKE_MARK, "~")
    return LINK_SLOT.sub(lambda m: links[int(m.group(1))], text)


def _table(rows: tuple[str, ...]) -> list[str]:
    """A Markdown table as an aligned monospace block (Slack has no tables in mrkdwn)."""
    cells = [[c.strip() for c in row.strip().strip("|").split("|")] for row in rows if not TABLE_RULE.match(row)]
    if not cells:  # only a rule row (e.g. a continuation that starts there): nothing to tabulate
        return [escape(row) for row in rows]
    width = max(len(r) for r in cells)
    cells = [r + [""] * (width - len(r)) for r in cells]
    sizes = [max(len(r[i]) for r in cells) for i in range(width)]
    lines = ["  ".join(c.ljust(sizes[i]) for i, c in enumerate(r)).rstrip() for r in cells]
    return ["```", *(escape(line) for line in lines), "```"]

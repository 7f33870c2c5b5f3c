"""Markdown (what models write) to Slack mrkdwn (what Slack shows).

Works on partial text too: an unclosed code fence is closed, so a message edited mid-stream
never turns the rest of the thread into code. Everything the model writes is escaped, which
also defangs `<!channel>`, `<!here>` and user mentions it might produce.
"""

from __future__ import annotations

import re

FENCE = re.compile(r"^\s*```")
HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
BULLET = re.compile(r"^(\s*)[-*+]\s+(.*)$")
QUOTE = re.compile(r"^\s*>\s?(.*)$")
RULE = re.compile(r"^\s*([-*_])(\s*\1){2,}\s*$")
TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$")
TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
INLINE_CODE = re.compile(r"(`+)(.+?)\1")
LINK = re.compile(r"\[([^\]\n]+)\]\((https?://[^\s)]+|mailto:[^\s)]+)\)")
BOLD = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
ITALIC_STAR = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
STRIKE = re.compile(r"~~(?=\S)(.+?)(?<=\S)~~")
BOLD_MARK = "\x02"  # stands in for Slack's * while italics are converted


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _inline(text: str) -> str:
    """Convert one line of prose (no code fences) to mrkdwn."""
    pieces: list[str] = []
    last = 0
    for match in INLINE_CODE.finditer(text):
        pieces.append(_prose(text[last:match.start()]))
        pieces.append("`" + escape(match.group(2)) + "`")
        last = match.end()
    pieces.append(_prose(text[last:]))
    return "".join(pieces)


def _prose(text: str) -> str:
    links: list[str] = []

    def keep_link(match: re.Match[str]) -> str:
        label = match.group(1).replace("|", "/")
        links.append(f"<{match.group(2)}|{escape(label)}>")
        return f"\x00{len(links) - 1}\x00"

    text = LINK.sub(keep_link, text)
    text = escape(text)
    text = BOLD.sub(lambda m: BOLD_MARK + m.group(2) + BOLD_MARK, text)
    text = ITALIC_STAR.sub(lambda m: "_" + m.group(1) + "_", text)
    text = STRIKE.sub(lambda m: "~" + m.group(1) + "~", text)
    text = text.replace(BOLD_MARK, "*")
    return re.sub(r"\x00(\d+)\x00", lambda m: links[int(m.group(1))], text)


def _table(rows: list[str]) -> list[str]:
    """A Markdown table as an aligned monospace block (Slack has no tables in mrkdwn)."""
    cells = [[c.strip() for c in row.strip().strip("|").split("|")] for row in rows if not TABLE_RULE.match(row)]
    width = max(len(r) for r in cells)
    cells = [r + [""] * (width - len(r)) for r in cells]
    sizes = [max(len(r[i]) for r in cells) for i in range(width)]
    lines = ["  ".join(c.ljust(sizes[i]) for i, c in enumerate(r)).rstrip() for r in cells]
    return ["```", *(escape(line) for line in lines), "```"]


def markdown_to_mrkdwn(markdown: str) -> str:
    out: list[str] = []
    in_code = False
    table: list[str] = []
    for line in markdown.splitlines():
        if not in_code and TABLE_ROW.match(line):
            table.append(line)
            continue
        if table:
            out.extend(_table(table))
            table = []
        if FENCE.match(line):
            # Slack ignores the language tag and would show it as text.
            out.append("```")
            in_code = not in_code
            continue
        if in_code:
            out.append(escape(line))
            continue
        if m := HEADING.match(line):
            out.append("*" + _inline(m.group(1)).replace("*", "") + "*")
        elif RULE.match(line):
            out.append("──────────")
        elif m := BULLET.match(line):
            depth = len(m.group(1).expandtabs(4)) // 2
            out.append("    " * depth + ("•" if depth % 2 == 0 else "◦") + " " + _inline(m.group(2)))
        elif m := QUOTE.match(line):
            out.append("> " + _inline(m.group(1)))
        else:
            out.append(_inline(line))
    if table:
        out.extend(_table(table))
    if in_code:
        out.append("```")  # partial text: keep the fence balanced
    return "\n".join(out)


def split_for_slack(text: str, limit: int = 3800) -> list[str]:
    """Split mrkdwn into messages of at most `limit` characters, at paragraph or line
    boundaries, closing and reopening a code block that has to be cut."""
    if len(text) <= limit:
        return [text]
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    in_code = False
    for line in text.split("\n"):
        for piece in _hard_wrap(line, limit - 8):
            if size + len(piece) + 1 > limit - 4 and current:
                if in_code:
                    current.append("```")
                chunks.append("\n".join(current).strip("\n"))
                current, size = (["```"], 4) if in_code else ([], 0)
            current.append(piece)
            size += len(piece) + 1
        if FENCE.match(line):
            in_code = not in_code
    if current:
        chunks.append("\n".join(current).strip("\n"))
    return [c for c in chunks if c.strip()]


def _hard_wrap(line: str, width: int) -> list[str]:
    """A line longer than a message is cut at sentence ends or spaces, never inside an entity."""
    if len(line) <= width:
        return [line]
    pieces = []
    while len(line) > width:
        cut = max(line.rfind(". ", 0, width) + 1, line.rfind(" ", 0, width))
        amp = line.rfind("&", 0, width)
        if cut <= 0:
            cut = width
            if amp > width - 6:
                cut = amp or width
        pieces.append(line[:cut].rstrip())
        line = line[cut:].lstrip()
    pieces.append(line)
    return pieces

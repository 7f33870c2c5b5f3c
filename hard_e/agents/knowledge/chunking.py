"""Chunking: a parsed document split by headings, then packed paragraph by paragraph into passages of
about 800–1,200 characters, each carrying its section's heading path."""

from __future__ import annotations

import re
from dataclasses import dataclass

from hard_e.integrations.documents import ParsedDocument

CHUNK_MIN = 800
CHUNK_MAX = 1200
HEADING_SEPARATOR = " > "

_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class _Piece:
    path: tuple[str, ...]  # heading path, the document's title first
    text: str
    merged: tuple[str, ...] = ()  # when short sections were joined: their names, one level below `path`

    @property
    def heading(self) -> str:
        names = self.path + ((" / ".join(self.merged),) if self.merged else ())
        return HEADING_SEPARATOR.join(names)


def chunk_document(doc: ParsedDocument) -> list[tuple[str, str]]:
    """(heading path, text) passages of `doc`, in document order."""
    pieces = [_Piece(path, text) for path, body in _sections(doc.title, doc.text) for text in _pack(_paragraphs(body))]
    return [(p.heading, p.text) for p in _merge_small(pieces)]


def _sections(title: str, text: str) -> list[tuple[tuple[str, ...], str]]:
    """Split at Markdown headings (not inside code fences); each body gets its heading path."""
    sections: list[tuple[tuple[str, ...], str]] = []
    stack: list[tuple[int, str]] = []
    lines: list[str] = []
    in_fence = False

    def close() -> None:
        body = "\n".join(lines).strip()
        if body:
            names = tuple(name for _, name in stack)
            sections.append((names if names[:1] == (title,) else (title, *names), body))
        lines.clear()

    for line in text.replace("\r\n", "\n").split("\n"):
        if _FENCE.match(line):
            in_fence = not in_fence
        match = None if in_fence else _HEADING.match(line)
        if match is None:
            lines.append(line)
            continue
        close()
        level = len(match.group(1))
        while stack and stack[-1][0] >= level:
            stack.pop()
        stack.append((level, match.group(2).strip()))
    close()
    return sections


def _paragraphs(body: str) -> list[str]:
    """Blank-line separated blocks, each cut to fit a chunk (at lines, then sentences, then words)."""
    out: list[str] = []
    for block in re.split(r"\n\s*\n", body):
        block = block.strip()
        if block:
            out.extend(_fit(block))
    return out


def _fit(block: str) -> list[str]:
    if len(block) <= CHUNK_MAX:
        return [block]
    for splitter in (re.compile(r"\n"), _SENTENCE_END):
        parts = [p.strip() for p in splitter.split(block) if p.strip()]
        if len(parts) > 1:
            joiner = "\n" if splitter.pattern == r"\n" else " "
            return _pack([piece for part in parts for piece in _fit(part)], joiner)
    words, pieces, current = block.split(), [], ""
    for word in words:
        while len(word) > CHUNK_MAX:  # one enormous "word": cut it
            if current:
                pieces.append(current)
                current = ""
            pieces.append(word[:CHUNK_MAX])
            word = word[CHUNK_MAX:]
        if current and len(current) + 1 + len(word) > CHUNK_MAX:
            pieces.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    if current:
        pieces.append(current)
    return pieces


def _pack(parts: list[str], joiner: str = "\n\n") -> list[str]:
    """Greedily join parts into chunks of at most CHUNK_MAX characters."""
    chunks: list[str] = []
    current = ""
    for part in parts:
        if current and len(current) + len(joiner) + len(part) > CHUNK_MAX:
            chunks.append(current)
            current = part
        else:
            current = f"{current}{joiner}{part}" if current else part
    if current:
        chunks.append(current)
    return chunks


def _merge_small(pieces: list[_Piece]) -> list[_Piece]:
    """Join a short passage with the next one when both fit; their sub-headings move into the text."""
    out: list[_Piece] = []
    for piece in pieces:
        if out and len(out[-1].text) < CHUNK_MIN:
            previous = out[-1]
            common = _common_prefix(previous.path, piece.path)
            merged = f"{_with_headings(previous, common)}\n\n{_with_headings(piece, common)}"
            if common and len(merged) <= CHUNK_MAX:
                names = dict.fromkeys(_children(previous, common) + _children(piece, common))
                out[-1] = _Piece(common, merged, tuple(names))
                continue
        out.append(piece)
    return out


def _children(piece: _Piece, common: tuple[str, ...]) -> tuple[str, ...]:
    """The sections directly below `common` that `piece` holds text from."""
    return (piece.path[len(common)],) if len(piece.path) > len(common) else piece.merged


def _common_prefix(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[str, ...]:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]


def _with_headings(piece: _Piece, common: tuple[str, ...]) -> str:
    lines = ["#" * min(depth + 1, 6) + " " + name for depth, name in enumerate(piece.path) if depth >= len(common)]
    return "\n".join([*lines, piece.text])

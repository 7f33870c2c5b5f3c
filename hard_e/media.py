"""Plain media records and byte/text helpers shared by the layers: what a video render reports,
how long text is cut for a speech API, and how MP3 parts are joined. No I/O, no hard_e imports.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

# Shotstack's render states, in order (https://shotstack.io/docs/api/ "RenderResponseData":
# queued, fetching, preprocessing, rendering, saving, done, failed).
RenderState = Literal["queued", "fetching", "preprocessing", "rendering", "saving", "done", "failed"]
RENDER_STATES: tuple[RenderState, ...] = ("queued", "fetching", "preprocessing", "rendering", "saving", "done", "failed")


@dataclass(frozen=True)
class RenderStatus:
    """Where a video render stands: `url` once it is done, `error` when it failed."""

    status: RenderState
    url: str | None = None
    error: str | None = None

    @property
    def finished(self) -> bool:
        """Done or failed: polling again will not change the answer."""
        return self.status in ("done", "failed")


# A sentence: up to closing punctuation (and any closing quotes/brackets) followed by space or
# the end, or up to a blank line, or to the end of the text.
_SENTENCE = re.compile(r"\S.*?(?:[.!?…]+[\"'”’)\]]*(?=\s|$)|(?=\n\s*\n)|$)", re.S)


def speech_chunks(text: str, limit: int) -> list[str]:
    """`text` in pieces of at most `limit` characters, cut between sentences where possible, else
    between words, else inside a word. Text that fits is returned whole and untouched."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    text = text.strip()
    if not text:
        return []
    if len(text) <= limit:
        return [text]
    pieces: list[str] = []
    for sentence in (m.group().strip() for m in _SENTENCE.finditer(text)):
        if sentence:
            pieces.extend([sentence] if len(sentence) <= limit else _cut_long(sentence, limit))
    return _pack(pieces, limit)


def _cut_long(sentence: str, limit: int) -> list[str]:
    words: list[str] = []
    for word in sentence.split():
        words.extend(word[i : i + limit] for i in range(0, len(word), limit))
    return _pack(words, limit)


def _pack(pieces: list[str], limit: int) -> list[str]:
    """Pieces (each at most `limit`) joined with spaces into as few chunks of at most `limit` as go."""
    chunks: list[str] = []
    current = ""
    for piece in pieces:
        joined = f"{current} {piece}" if current else piece
        if len(joined) <= limit:
            current = joined
        else:
            chunks.append(current)
            current = piece
    if current:
        chunks.append(current)
    return chunks


def looks_like_mp3(data: bytes) -> bool:
    """Starts with an ID3v2 tag or an MPEG audio frame sync (11 set bits)."""
    return data[:3] == b"ID3" or (len(data) >= 2 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0)


def join_mp3(parts: Sequence[bytes]) -> bytes:
    """MP3 parts as one stream: the first part's ID3v2 tag is kept, later parts lose theirs (and
    every part but the last its ID3v1 tag), so players see one file rather than several glued."""
    out: list[bytes] = []
    for index, part in enumerate(parts):
        if index > 0:
            part = part[_id3v2_length(part) :]
        if index < len(parts) - 1 and len(part) >= 128 and part[-128:-125] == b"TAG":
            part = part[:-128]
        out.append(part)
    return b"".join(out)


def _id3v2_length(data: bytes) -> int:
    """Bytes taken by a leading ID3v2 tag (header, body and optional footer); 0 when there is none."""
    if len(data) < 10 or data[:3] != b"ID3" or any(b >= 0x80 for b in data[6:10]):
        return 0
    size = (data[6] << 21) | (data[7] << 14) | (data[8] << 7) | data[9]
    footer = 10 if data[5] & 0x10 else 0
    return min(len(data), 10 + size + footer)

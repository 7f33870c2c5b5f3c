"""A passage found in the knowledge index, and how a rep sees where it comes from."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import Protocol


@dataclass(frozen=True)
class Passage:
    title: str
    uri: str  # path, or s3://bucket/key
    heading: str  # the section's heading path, e.g. "Warranty Policy > Transfers"
    text: str
    score: float  # higher is better; comparable within one search only
    source: str = ""  # the source it came from: a folder's path, or s3://bucket/prefix

    @property
    def location(self) -> str:
        """Where the document lives, as a rep would recognise it: its S3 URI (bucket and key), or its
        path within the knowledge folder (the server's own directories are nobody's business in Slack)."""
        if self.uri.startswith("s3://") or not self.source:
            return self.uri
        try:
            return PurePath(self.uri).relative_to(self.source).as_posix()
        except ValueError:
            return self.uri

    @property
    def citation(self) -> str:
        return f"{self.title} ({self.location})"


class Citable(Protocol):
    @property
    def citation(self) -> str: ...
    @property
    def text(self) -> str: ...


def numbered(passages: Sequence[Citable]) -> str:
    """Passages as the model reads them: `[n] Title (location)` and the passage's text, n from 1."""
    return "\n\n".join(f"[{i}] {p.citation}\n{p.text.strip()}" for i, p in enumerate(passages, start=1))

"""Text from outside, made safe to store and send: sanitising and cutting a message to size."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

# JSON may carry a lone surrogate ("\ud800"), which no UTF-8 encoder accepts, and NUL, which
# PostgreSQL text refuses. Either would fail every later request that carries the thread's history.
_UNENCODABLE = re.compile("[\ud800-\udfff]")
_NUL = "\x00"
REPLACEMENT = "\ufffd"

# One message's share of the model's window on a thread (about 60,000 characters in all).
MESSAGE_LIMIT = 20_000
_HEAD, _TAIL = 15_000, 5_000


def clean_text(text: str) -> str:
    """`text` with lone surrogates replaced by U+FFFD and NUL characters dropped."""
    if _NUL in text:
        text = text.replace(_NUL, "")
    return _UNENCODABLE.sub(REPLACEMENT, text)


def clean_item(item: Any) -> Any:
    """A stored history item (nested dicts, lists, strings) with every string cleaned."""
    if isinstance(item, str):
        return clean_text(item)
    if isinstance(item, dict):
        return {clean_text(k) if isinstance(k, str) else k: clean_item(v) for k, v in item.items()}
    if isinstance(item, list):
        return [clean_item(v) for v in item]
    return item


@dataclass(frozen=True)
class Fitted:
    text: str
    original_length: int

    @property
    def shortened(self) -> bool:
        return len(self.text) < self.original_length


def fit_message(text: str, limit: int = MESSAGE_LIMIT) -> Fitted:
    """A message cut to about `limit` characters: its head and tail, with a marker in between that
    tells the model what was left out (the head carries the ask, the tail often the sign-off ask)."""
    if len(text) <= limit:
        return Fitted(text, len(text))
    head, tail = limit * _HEAD // (_HEAD + _TAIL), limit * _TAIL // (_HEAD + _TAIL)
    cut = len(text) - head - tail
    marker = f"\n\n[… {cut:,} characters of this message were cut here to fit; only its start and end are shown …]\n\n"
    return Fitted(text[:head] + marker + text[-tail:], len(text))


def shortened_note(fitted: Fitted) -> str:
    """What the rep reads under the answer when their message was cut."""
    shown = MESSAGE_LIMIT // 1000
    return (
        f"_Your message was very long ({fitted.original_length:,} characters), so I read only its first and "
        f"last parts (about {shown},000 characters). Send the middle separately if it matters._"
    )

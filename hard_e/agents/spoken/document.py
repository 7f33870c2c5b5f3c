"""The words of one text with their spans, and the rewrites the entity rules decide on it. No I/O."""

from __future__ import annotations

import re

from hard_e.agents.spoken.numbers import NumberPhrase, phrase_end, read_phrase

# Apostrophes stay inside a word ("it's"), so its "s" is never mistaken for a spelled letter.
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")

# A rewrite decided by one rule: first word, last word, written form.
Edit = tuple[int, int, str]


class Doc:
    """The words of the text with their spans, and the rewrites decided so far."""

    def __init__(self, text: str) -> None:
        self.text = text
        matches = list(_WORD.finditer(text))
        self.raw = [m.group() for m in matches]
        self.low = [w.lower() for w in self.raw]
        self.starts = [m.start() for m in matches]
        self.ends = [m.end() for m in matches]
        self.claimed = [False] * len(matches)
        self.edits: list[tuple[int, int, str]] = []
        self.phone_end = -2  # index of the last word of the latest phone number

    def __len__(self) -> int:
        return len(self.raw)

    def gap(self, i: int) -> str:
        """The characters between word i and word i+1."""
        return self.text[self.ends[i] : self.starts[i + 1]]

    def spaced(self, i: int) -> bool:
        """Word i and word i+1 are free and separated by whitespace only."""
        if i < 0 or i + 1 >= len(self.raw) or self.claimed[i] or self.claimed[i + 1]:
            return False
        gap = self.gap(i)
        return bool(gap) and gap.isspace()

    def joined(self, i: int) -> bool:
        """Words i and i+1 may sit in one number phrase (spaced, or hyphenated as in "twenty-two")."""
        return self.spaced(i) or (self.free(i) and self.free(i + 1) and self.gap(i) == "-")

    def free(self, i: int) -> bool:
        return 0 <= i < len(self.raw) and not self.claimed[i]

    def rewrite(self, first: int, last: int, written: str) -> None:
        """Replace words first..last, and the characters between them, by `written`."""
        self.edits.append((self.starts[first], self.ends[last], written))
        for i in range(first, last + 1):
            self.claimed[i] = True

    def phrase(self, start: int, *, oh_may_start: bool = False) -> int:
        if not self.free(start):
            return start
        return phrase_end(self.low, start, self.joined, oh_may_start=oh_may_start)

    def reading(self, start: int, end: int) -> NumberPhrase | None:
        return read_phrase(self.low[start:end]) if end > start else None


def is_letter(word: str) -> bool:
    return len(word) == 1 and word.isascii() and word.isalpha()

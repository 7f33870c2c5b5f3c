"""Spoken emails in written form (docs/SPOKEN_CONVENTIONS.md §2): "emily at demo dot com" → "emily@demo.com"."""

from __future__ import annotations

from dataclasses import dataclass

from hard_e.agents.spoken.document import Doc, is_letter
from hard_e.agents.spoken.numbers import DIGITS, NUMBER_WORDS, REPEATS, read_phrase

_CONNECTORS = {"dot": ".", "underscore": "_", "dash": "-", "hyphen": "-"}
_TLDS = frozenset("com net org edu gov us io co biz info me ca uk".split())


@dataclass
class _Token:
    """A word, or words joined by unspaced hyphens ("E-M-I-L-Y", "seventy-seven")."""

    first: int
    last: int
    kind: str  # at, conn, num, letter, word, other (and, until resolved, oh, repeat, a/i)
    words: tuple[str, ...]


def rewrite_emails(doc: Doc) -> None:
    tokens = _email_tokens(doc)
    floor = 0  # an email's LOCAL never reaches back into the previous email
    for k, token in enumerate(tokens):
        if token.kind != "at":
            continue
        domain = _domain(doc, tokens, k)
        local = _local(doc, tokens, k, floor) if domain else None
        if not domain or not local:
            continue
        (first, local_text), (last, domain_text) = local, domain
        doc.rewrite(tokens[first].first, tokens[last].last, f"{local_text}@{domain_text}")
        floor = last + 1


def _email_tokens(doc: Doc) -> list[_Token]:
    tokens: list[_Token] = []
    i = 0
    while i < len(doc):
        j = i
        while j + 1 < len(doc) and doc.gap(j) == "-":
            j += 1
        words = tuple(doc.low[i : j + 1])
        tokens.append(_Token(i, j, _raw_kind(words), words))
        i = j + 1

    def adjacent(k: int) -> bool:  # tokens k and k+1 are separated by whitespace only
        return 0 <= k < len(tokens) - 1 and doc.spaced(tokens[k].last)

    # N1/N4/E4: "double", "oh", "a" and "i" depend on their neighbours.
    for k, t in enumerate(tokens):
        if t.kind == "repeat":
            nxt = tokens[k + 1].words if adjacent(k) else ()
            t.kind = "num" if len(nxt) == 1 and nxt[0] in DIGITS else "word"
    for k, t in enumerate(tokens):
        if t.kind == "oh":
            t.kind = "num" if adjacent(k - 1) and tokens[k - 1].kind == "num" else "word"
    letters = {"letter", "a/i"}
    spelled = [
        (adjacent(k - 1) and tokens[k - 1].kind in letters) or (adjacent(k) and tokens[k + 1].kind in letters) for k in range(len(tokens))
    ]
    for t, next_to_a_letter in zip(tokens, spelled, strict=True):
        if t.kind == "a/i":
            t.kind = "letter" if next_to_a_letter else "word"
    return tokens


def _raw_kind(words: tuple[str, ...]) -> str:
    if len(words) > 1:
        if all(is_letter(w) for w in words):
            return "letter"  # "E-M-I-L-Y" is a run of spelled letters (E3)
        return "num" if all(w in NUMBER_WORDS for w in words) else "other"
    word = words[0]
    if word == "at":
        return "at"
    if word in _CONNECTORS:
        return "conn"
    if word == "oh":
        return "oh"
    if word in REPEATS:
        return "repeat"
    if word in NUMBER_WORDS:
        return "num"
    if not (word.isascii() and word.isalpha()):
        return "other"
    if len(word) == 1:
        return "a/i" if word in ("a", "i") else "letter"
    return "word"


def _domain(doc: Doc, tokens: list[_Token], at: int) -> tuple[int, str] | None:
    """E5: the segments after "at" through the last top-level label reached by connectors."""
    pieces: list[str] = []
    best: tuple[int, int] | None = None  # the label's token, and how many pieces come before it
    k = at + 1
    if k >= len(tokens) or not doc.spaced(tokens[at].last):
        return None
    while True:
        end = _segment_right(doc, tokens, k)
        if end == k:
            break
        if pieces and pieces[-1] == "." and len(tokens[k].words) == 1 and tokens[k].words[0] in _TLDS:
            best = (k, len(pieces))
        pieces.append(_render(tokens[k:end]))
        conn = tokens[end] if end < len(tokens) else None
        if conn is None or conn.kind != "conn" or not doc.spaced(tokens[end - 1].last):
            break
        if not doc.spaced(conn.last):
            break
        pieces.append(_CONNECTORS[conn.words[0]])
        k = end + 1
    if best is None:
        return None
    label, count = best
    return label, "".join(pieces[:count]) + tokens[label].words[0]


def _segment_right(doc: Doc, tokens: list[_Token], k: int) -> int:
    """Index past a domain segment starting at k: letters, numbers and up to three ordinary words."""
    ordinary, i = 0, k
    while i < len(tokens):
        if i > k and not doc.spaced(tokens[i - 1].last):
            break
        kind = tokens[i].kind
        if kind == "word":
            if ordinary == 3:
                break
            ordinary += 1
        elif kind not in ("num", "letter"):
            break
        i += 1
    return i


def _local(doc: Doc, tokens: list[_Token], at: int, floor: int) -> tuple[int, str] | None:
    """E4: the segment just before "at" plus every segment joined to it by connectors."""
    last = at - 1
    if last < floor or not doc.spaced(tokens[last].last):
        return None
    start = _segment_left(doc, tokens, last, floor)
    if start is None:
        return None
    pieces = [_render(tokens[start : last + 1])]  # right to left
    while True:
        conn = start - 1
        if conn - 1 < floor or tokens[conn].kind != "conn":
            break
        if not (doc.spaced(tokens[conn].last) and doc.spaced(tokens[conn - 1].last)):
            break
        before = _segment_left(doc, tokens, conn - 1, floor)
        if before is None:
            break
        pieces += [_CONNECTORS[tokens[conn].words[0]], _render(tokens[before:conn])]
        start = before
    return start, "".join(reversed(pieces))


def _segment_left(doc: Doc, tokens: list[_Token], last: int, floor: int) -> int | None:
    """Reading leftward: number words, at most one ordinary word, then letters and numbers."""
    i, prefix = last, False  # prefix: the ordinary word or a spelled letter has been passed
    while i >= floor:
        if i < last and not doc.spaced(tokens[i].last):
            break
        kind = tokens[i].kind
        if kind in ("word", "at"):
            if prefix:
                break
            prefix = True
        elif kind == "letter":
            prefix = True
        elif kind != "num":
            break
        i -= 1
    return i + 1 if i < last else None


def _render(tokens: list[_Token]) -> str:
    """E3: a segment's tokens joined, number runs as digits."""
    out: list[str] = []
    run: list[str] = []
    for token in tokens + [_Token(-1, -1, "end", ())]:
        if token.kind == "num":
            run += token.words
            continue
        if run:
            phrase = read_phrase(run)
            out.append(phrase.digits if phrase and not phrase.is_decimal else "".join(run))
            run = []
        out.append("".join(token.words))
    return "".join(out)

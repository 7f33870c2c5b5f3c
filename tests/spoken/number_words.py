"""Numbers spelled out for generated inputs: "forty-two", "a hundred and six", "two million thirty"."""

from __future__ import annotations

import random

ONES = "zero one two three four five six seven eight nine".split()
TEENS = "ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split()
TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
ORDINALS = "_ first second third fourth fifth sixth seventh eighth ninth".split()


def below_hundred_words(n: int, sep: str = " ") -> str:
    if n < 10:
        return ONES[n]
    if n < 20:
        return TEENS[n - 10]
    tens, ones = divmod(n, 10)
    return TENS[tens] + (sep + ONES[ones] if ones else "")


def cardinal_words(n: int, rng: random.Random) -> str:
    def below_thousand(k: int, first: bool) -> str:
        hundreds, rest = divmod(k, 100)
        parts = []
        if hundreds:
            parts.append(("a" if first and hundreds == 1 and rng.random() < 0.3 else ONES[hundreds]) + " hundred")
        if rest:
            if hundreds and rng.random() < 0.3:
                parts.append("and")
            parts.append(below_hundred_words(rest, rng.choice([" ", "-"])))
        return " ".join(parts)

    millions, rest = divmod(n, 1_000_000)
    thousands, rest = divmod(rest, 1000)
    parts = []
    if millions:
        parts.append(below_thousand(millions, True) + " million")
    if thousands:
        parts.append(below_thousand(thousands, not millions) + " thousand")
    if rest:
        if (millions or thousands) and rest < 100 and rng.random() < 0.3:
            parts.append("and")
        parts.append(below_thousand(rest, not (millions or thousands)))
    return " ".join(parts)

"""Spoken money, measures and percentages (docs/SPOKEN_CONVENTIONS.md §5–§6): generated inputs."""

from __future__ import annotations

import random

from hard_e.agents.extraction import normalize_spoken
from tests.spoken.number_words import cardinal_words

# ---- number reading, generated: every cardinal form in money, measures and percents ----


def test_generated_cardinals_in_money_measures_and_percents():
    rng = random.Random(11)
    for _ in range(500):
        n = rng.choice([rng.randint(1, 999), rng.randint(1000, 99_999), rng.randint(1, 9_999_999)])
        words = cardinal_words(n, rng)
        assert normalize_spoken(f"about {words} dollars total") == f"about ${n:,} total", words
        assert normalize_spoken(f"roughly {words} square feet") == f"roughly {n} square feet", words
        assert normalize_spoken(f"{words} percent") == f"{n}%", words

"""Spoken street addresses (docs/SPOKEN_CONVENTIONS.md §4): root causes and generated inputs."""

from __future__ import annotations

import random

import pytest

from hard_e.agents.extraction import normalize_spoken
from tests.spoken.number_words import ONES, ORDINALS, TENS, below_hundred_words

# ---- root cause: a hyphenated tens-ordinal street name ("thirty-first") is one name (A3, G5) ----


@pytest.mark.parametrize(
    ("spoken", "written"),
    [
        ("two thirty-first street", "2 31st Street"),
        ("three fifteen forty-second street unit four", "315 42nd Street Unit 4"),
        ("two oh five north twenty-first street apartment three", "205 North 21st Street Apartment 3"),
        ("one twenty-first avenue", "1 21st Avenue"),
        ("the shop is at ninety sixty-second drive, call first", "the shop is at 90 62nd Drive, call first"),
        ("Nine Forty-Fourth Street", "9 44th Street"),
        ("meet me on twenty-first street", "meet me on twenty-first street"),
        ("two twenty-first", "two twenty-first"),
        ("twenty-first street", "twenty-first street"),
    ],
)
def test_hyphenated_ordinal_street_names(spoken, written):
    assert normalize_spoken(spoken) == written


def test_generated_addresses_with_ordinal_streets_spaced_or_hyphenated():
    rng = random.Random(31)
    for _ in range(400):
        a, b = rng.randint(1, 9), rng.randint(10, 99)
        tens, ones = rng.randint(2, 9), rng.randint(1, 9)
        sep = rng.choice([" ", "-"])
        nth = 10 * tens + ones
        suffix = "th" if 11 <= nth % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(nth % 10, "th")
        house = f"{ONES[a]} {below_hundred_words(b, sep)}"
        spoken = f"job at {house} {TENS[tens]}{sep}{ORDINALS[ones]} avenue unit {ONES[a]} b"
        written = f"job at {100 * a + b} {nth}{suffix} Avenue Unit {a}B"
        assert normalize_spoken(spoken) == written, spoken


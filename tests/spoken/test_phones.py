"""Spoken phone numbers and extensions (docs/SPOKEN_CONVENTIONS.md §3): root causes and generated inputs."""

from __future__ import annotations

import random

import pytest

from hard_e.agents.extraction import normalize_spoken
from tests.spoken.number_words import ONES, TENS

# ---- root cause: a spoken extension after a phone number written as bare digits (P6, G3) ----


@pytest.mark.parametrize(
    ("spoken", "written"),
    [
        ("call 5125551212 extension twenty two", "call 5125551212 ext. 22"),
        ("call (512) 555 1212 extension two", "call (512) 555 1212 ext. 2"),
        ("15125551212 extension one oh four", "15125551212 ext. 104"),
        ("5551212, extension nine", "5551212, ext. 9"),
        ("555.1212 extension twelve", "555.1212 ext. 12"),
        ("order 12345678 extension two", "order 12345678 extension two"),
        ("zip 78704 extension two", "zip 78704 extension two"),
        ("call 512555121 extension two", "call 512555121 extension two"),
    ],
)
def test_extension_after_a_phone_number_written_as_digits(spoken, written):
    assert normalize_spoken(spoken) == written


# ---- root cause: P4 groups are read one by one, so no piece spans a separator ----
# "six thirty, five five five" is the groups 630 and 555; read as one run it became
# 6, 35, 5, 5 and the number fell short of ten digits.


@pytest.mark.parametrize(
    ("spoken", "written"),
    [
        ("his cell is six thirty, five five five, one two one two", "his cell is 630-555-1212"),
        ("seven seventy, five five five, one two one two", "770-555-1212"),
        ("four forty, five five five, one two one two, extension twelve", "440-555-1212, ext. 12"),
        ("eight sixty dash five five five dash two two two two", "860-555-2222"),
        ("plus one, seven seventy, five five five, one two one two", "+1 770-555-1212"),
        ("area code seven seventy, five five five, one two one two", "area code 770-555-1212"),
        ("three one two, five five five, forty, one two", "312-555-4012"),
        ("five five five, twenty, one two", "555-2012"),
        ("nine fifty, five five five one two one two", "950-555-1212"),
        # Guards: groups that are not a phone number together stay as they were.
        ("five five five, sixty", "five five five, sixty"),
        ("six thirty, five five five, one two", "six thirty, five five five, one two"),
        ("at nine thirty, five five five", "at nine thirty, five five five"),
        ("at nine, five five five one two one two", "at nine, 555-1212"),
        ("the zip is six oh six one four, five five five one two one two", "the zip is 60614, 555-1212"),
        ("one, two, three, four", "one, two, three, four"),
        (
            "his number is five five five, no wait, five five six, one two one two",
            "his number is five five five, no wait, 556-1212",
        ),
    ],
)
def test_phone_groups_are_read_one_by_one(spoken, written):
    assert normalize_spoken(spoken) == written


def test_generated_phone_numbers_with_an_area_code_ending_in_a_tens_word():
    rng = random.Random(630)
    for _ in range(300):
        head, tens = rng.randint(2, 9), rng.randint(2, 9)
        exchange = [rng.randint(0, 9) for _ in range(3)]
        line = [rng.randint(0, 9) for _ in range(4)]
        sep = rng.choice([", ", " dash ", " - "])
        spoken = sep.join(
            [f"{ONES[head]} {TENS[tens]}", " ".join(ONES[d] for d in exchange), " ".join(ONES[d] for d in line)]
        )
        written = f"{head}{tens}0-{''.join(map(str, exchange))}-{''.join(map(str, line))}"
        assert normalize_spoken(f"cell is {spoken} thanks") == f"cell is {written} thanks", spoken

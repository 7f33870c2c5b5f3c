"""Per-field accuracy of the deterministic reader on written-down intake messages.

Sets (tests/data; each file's "_note" row says how it was written):
- intake_messages.jsonl: 50 messy messages written from the intake guide before the reader existed;
- intake_messages_unseen.jsonl: 25 written after it, scored once before any change (figures in its note);
- intake_spoken_fields.jsonl: spoken_examples.jsonl's rows with the client fields they hold.

A field is right when it equals the expected value (both empty counts; trades compare as sets). "Wrong"
counts fields filled with a value that is not the expected one: the reader should leave a field empty
rather than guess, so wrong values have their own, tighter limit. Floors sit a little under what was
measured when they were set (run with -s to see the table).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hard_e.agents.intake import deterministic_fields

DATA = Path(__file__).resolve().parents[1] / "data"
FIELDS = ("first_name", "last_name", "email", "phone", "street", "city", "state", "zip", "trades", "lead_source")


def rows(name: str) -> list[dict[str, Any]]:
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return [row for row in map(json.loads, filter(None, lines)) if "_note" not in row]


def _same(field: str, got: Any, expected: Any) -> bool:
    if field == "trades":
        return set(got or []) == set(expected or [])
    return got == expected


def score(examples: list[tuple[str, dict[str, Any]]]) -> dict[str, tuple[float, int]]:
    """field → (accuracy, wrong values)."""
    right = dict.fromkeys(FIELDS, 0)
    wrong = dict.fromkeys(FIELDS, 0)
    for text, expected in examples:
        got = deterministic_fields(text).model_dump()
        for field in FIELDS:
            if _same(field, got[field], expected.get(field)):
                right[field] += 1
            elif got[field] not in (None, []):
                wrong[field] += 1
    return {field: (right[field] / len(examples), wrong[field]) for field in FIELDS}


def report(title: str, scores: dict[str, tuple[float, int]], n: int) -> None:
    print(f"\n{title} ({n} messages): " + ", ".join(f"{f} {a:.2f}" + (f" ({w} wrong)" if w else "") for f, (a, w) in scores.items()))


def test_the_sets_are_what_they_say():
    messages = rows("intake_messages.jsonl")
    assert len(messages) == 50 and len({m["id"] for m in messages}) == 50
    assert len(rows("intake_messages_unseen.jsonl")) == 25
    spoken = {r["id"]: r["input"] for r in rows("spoken_examples.jsonl")}
    assert {r["id"]: r["input"] for r in rows("intake_spoken_fields.jsonl")} == spoken  # the same rows, copied
    for row in messages + rows("intake_messages_unseen.jsonl") + rows("intake_spoken_fields.jsonl"):
        assert set(row["expected"]) <= set(FIELDS), row["id"]


# Measured when set: every field 1.00 except first/last name 0.98 (one "jim + deb carter"); 0 wrong.
MESSAGES_FLOOR = {**dict.fromkeys(FIELDS, 0.94), "first_name": 0.92, "last_name": 0.92}
# Measured after the fixes its note describes: names 0.92/0.96, email 0.88, phone and lead source 0.96, the rest 1.00;
# the three wrong emails are normalize_spoken's readings of "luis h at…", "george adams at…" and "o apostrophe b r i e n…".
UNSEEN_FLOOR = {**dict.fromkeys(FIELDS, 0.9), "first_name": 0.84, "last_name": 0.84, "email": 0.8}
# Measured: every field 1.00 on the 26 contact rows.
SPOKEN_FLOOR = dict.fromkeys(FIELDS, 0.96)


@pytest.mark.parametrize(
    ("name", "floor", "most_wrong"),
    [("intake_messages.jsonl", MESSAGES_FLOOR, 1), ("intake_messages_unseen.jsonl", UNSEEN_FLOOR, 3)],
)
def test_accuracy_on_intake_messages(name, floor, most_wrong):
    examples = [(r["text"], r["expected"]) for r in rows(name)]
    scores = score(examples)
    report(name, scores, len(examples))
    assert {f: a for f, (a, _) in scores.items() if a < floor[f]} == {}
    assert {f: w for f, (_, w) in scores.items() if w > most_wrong} == {}


def test_accuracy_on_the_spoken_examples_contact_rows():
    contact = [(r["input"], r["expected"]) for r in rows("intake_spoken_fields.jsonl") if r["contact"]]
    scores = score(contact)
    report("spoken_examples contact rows", scores, len(contact))
    assert {f: a for f, (a, _) in scores.items() if a < SPOKEN_FLOOR[f]} == {}
    assert sum(w for _, w in scores.values()) == 0


def test_no_contact_details_in_the_spoken_examples_other_rows():
    """Money, measures, dates and negatives: nothing there is a name, email, phone or address."""
    for row in rows("intake_spoken_fields.jsonl"):
        if not row["contact"]:
            fields = deterministic_fields(row["input"])
            found = [fields.first_name, fields.last_name, fields.email, fields.phone, fields.street, fields.zip]
            assert found == [None] * 6, row["id"]

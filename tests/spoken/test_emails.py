"""Spoken emails (docs/SPOKEN_CONVENTIONS.md §2); the rule table in test_normalize.py covers E1–E6."""

from __future__ import annotations

import pytest

from hard_e.agents.extraction import normalize_spoken


@pytest.mark.parametrize("label", ["com", "net", "org", "edu", "gov", "us", "io", "co", "biz", "info", "me", "ca", "uk"])
def test_every_top_level_label_ends_an_email(label):
    assert normalize_spoken(f"write sam at demo dot {label} today") == f"write sam@demo.{label} today"

"""Merging the model's reading with the deterministic one (no I/O: both readings given)."""

from __future__ import annotations

from hard_e.agents.intake import ClientFields, merge_fields

OURS = ClientFields(first_name="Emily", last_name="Stone", email="emily@demo.com", phone="555-123-4567", trades=["roofing"])


def test_the_model_fills_what_the_patterns_missed():
    theirs = ClientFields(first_name="Emily", last_name="Stone", city="Plano", state="TX", lead_source="referral", notes="Referred by Tom")
    merged = merge_fields(OURS, theirs)
    assert (merged.email, merged.phone, merged.trades) == ("emily@demo.com", "555-123-4567", ["roofing"])
    assert (merged.city, merged.state, merged.lead_source, merged.notes) == ("Plano", "TX", "referral", "Referred by Tom")


def test_the_models_valid_reading_wins_a_disagreement():
    # "…no wait, it's…" is what a model reads better than patterns.
    merged = merge_fields(OURS, ClientFields(email="emily.stone@demo.com", phone="555-123-9999", trades=["gutters"]))
    assert (merged.email, merged.phone, merged.trades) == ("emily.stone@demo.com", "555-123-9999", ["gutters"])


def test_a_valid_deterministic_email_and_phone_beat_the_models_invalid_ones():
    merged = merge_fields(OURS, ClientFields(email="emily at demo", phone="555-12-345"))
    assert (merged.email, merged.phone) == ("emily@demo.com", "555-123-4567")


def test_an_invalid_model_value_stays_when_there_is_nothing_better():
    merged = merge_fields(ClientFields(), ClientFields(phone="555-12-345"))
    assert merged.phone == "555-12-345"  # validation then asks the rep about it


def test_the_models_synonyms_become_the_guides_words():
    merged = merge_fields(ClientFields(), ClientFields.model_validate({"trades": ["Roof", "gutter guards"], "lead_source": "Facebook"}))
    assert (merged.trades, merged.lead_source) == (["roofing", "gutters"], "social")


def test_a_model_that_found_nothing_leaves_the_deterministic_fields():
    assert merge_fields(OURS, ClientFields()) == OURS

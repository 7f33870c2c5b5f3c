"""ClientFields, its written forms and its checks (new_customer_intake.md's required fields and formats)."""

from __future__ import annotations

import pytest
from openai.lib._pydantic import to_strict_json_schema

from hard_e.agents.intake import LEAD_SOURCES, TRADES, ClientFields, format_phone, to_new_customer, validate
from hard_e.agents.intake.keywords import canonical_lead_source, canonical_trade
from hard_e.agents.transcripts import schema as transcripts
from hard_e.records import Address, NewCustomer

GOOD = ClientFields(
    first_name="Maria",
    last_name="Quintero",
    email="maria.quintero@example.com",
    phone="214-555-0187",
    street="2608 Copper Canyon Drive",
    city="Plano",
    state="TX",
    zip="75024",
    trades=["roofing", "gutters"],
    lead_source="door_knock",
)


def test_the_lists_are_the_intake_guides():
    assert TRADES == transcripts.TRADES == ("roofing", "siding", "windows", "gutters", "solar")
    assert LEAD_SOURCES == transcripts.LEAD_SOURCES
    assert set(LEAD_SOURCES) == {"door_knock", "storm_canvass", "referral", "website", "phone_in", "home_show", "repeat_customer", "social"}


def test_every_trade_and_lead_source_has_words():
    assert [canonical_trade(t) for t in TRADES] == list(TRADES)
    assert [canonical_lead_source(s.replace("_", " ")) for s in LEAD_SOURCES] == list(LEAD_SOURCES)


def test_a_complete_record_has_no_problems():
    assert validate(GOOD) == {}


def test_missing_names_are_asked_for():
    problems = validate(ClientFields(phone="214-555-0187"))
    assert set(problems) == {"first_name", "last_name"}
    assert "first name" in problems["first_name"]


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("email", "maria.quintero@example", "email"),
        ("email", "maria quintero@example.com", "email"),
        ("phone", "555-0187", "area code"),
        ("phone", "214-555-018", "10-digit"),
        ("state", "Texass", "state"),
        ("state", "ZZ", "state"),
        ("zip", "7502", "zip"),
        ("lead_source", "yard sign", "lead source"),
        ("first_name", "R2D2", "first name"),
    ],
)
def test_a_bad_field_gets_a_message_naming_it(field, value, words):
    problems = validate(GOOD.model_copy(update={field: value}))
    assert list(problems) == [field]
    assert words in problems[field]


def test_a_trade_outside_the_list_is_named():
    problems = validate(ClientFields.model_validate({**GOOD.model_dump(), "trades": ["roofing", "painting"]}))
    assert list(problems) == ["trades"] and "painting" in problems["trades"]


@pytest.mark.parametrize(
    ("written", "formatted"),
    [
        ("214-555-0187", "214-555-0187"),
        ("(214) 555-0187", "214-555-0187"),
        ("214.555.0187", "214-555-0187"),
        ("2145550187", "214-555-0187"),
        ("+1 415-555-9988", "415-555-9988"),
        ("1 (415) 555 9988", "415-555-9988"),
        ("602-555-4141 ext. 22", "602-555-4141 ext. 22"),
        ("817-555-0100 ext 12", "817-555-0100 ext. 12"),
        ("214 555 0190 x305", "214-555-0190 ext. 305"),
        ("555-8765", "555-8765"),
        ("+44 20 7946 0958", "+44 20 7946 0958"),
        ("call me", None),
        ("55218", None),
        ("214-555-01877", None),
    ],
)
def test_phone_numbers_in_the_guides_form(written, formatted):
    assert format_phone(written) == formatted


def test_fields_are_tidied_on_the_way_in():
    fields = ClientFields.model_validate(
        {
            "first_name": "  Maria ",
            "email": " Maria.Quintero@Example.COM ",
            "phone": "(214) 555-0187",
            "state": "texas",
            "zip": "75024-1234",
            "trades": ["Roofing", "roofing", "GUTTERS"],
            "lead_source": "Door knock",
            "notes": "",
        }
    )
    assert fields.first_name == "Maria" and fields.email == "maria.quintero@example.com"
    assert (fields.phone, fields.state, fields.zip) == ("214-555-0187", "TX", "75024")
    assert fields.trades == ["roofing", "gutters"] and fields.lead_source == "door_knock" and fields.notes is None


def test_values_are_clipped_not_refused():
    fields = ClientFields(notes="x" * 10_000, first_name="y" * 500)
    assert len(fields.notes or "") == 3000 and len(fields.first_name or "") == 100


def test_the_schema_fits_strict_structured_outputs():
    schema = to_strict_json_schema(ClientFields)
    assert schema["additionalProperties"] is False and set(schema["required"]) == set(schema["properties"])
    text = str(schema)
    assert "'default'" not in text and "maxLength" not in text  # keywords strict mode refuses or ignores


def test_to_new_customer_makes_the_crm_record():
    assert to_new_customer(GOOD.model_copy(update={"notes": "Referred by Tom"})) == NewCustomer(
        first_name="Maria",
        last_name="Quintero",
        email="maria.quintero@example.com",
        phone="214-555-0187",
        address=Address(street="2608 Copper Canyon Drive", city="Plano", state="TX", zip="75024"),
        trades=("roofing", "gutters"),
        lead_source="door_knock",
        note="Referred by Tom",
    )
    assert to_new_customer(ClientFields()) == NewCustomer(first_name="", last_name="")

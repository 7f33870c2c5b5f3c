"""The no-model reader: what it finds in messy text, and what it refuses to guess."""

from __future__ import annotations

import random
import time

import pytest

from hard_e.agents.intake import ClientFields, deterministic_fields


def found(text: str) -> dict[str, object]:
    return {k: v for k, v in deterministic_fields(text).model_dump().items() if v not in (None, [])}


def test_spoken_name_email_and_phone():
    assert found("Emily Stone emily at demo dot com five five five one two three four five six seven") == {
        "first_name": "Emily",
        "last_name": "Stone",
        "email": "emily@demo.com",
        "phone": "555-123-4567",
    }


def test_a_voice_memo_as_the_intake_guide_describes_it():
    memo = (
        "new customer maria quintero q u i n t e r o two one four, five five five, zero one eight seven, "
        "maria dot quintero at example dot com, twenty six oh eight copper canyon drive plano texas seven five oh two four, "
        "wants a roof inspection, door knock on Copper Canyon"
    )
    assert found(memo) == {
        "first_name": "Maria",
        "last_name": "Quintero",
        "email": "maria.quintero@example.com",
        "phone": "214-555-0187",
        "street": "2608 Copper Canyon Drive",
        "city": "Plano",
        "state": "TX",
        "zip": "75024",
        "trades": ["roofing"],
        "lead_source": "door_knock",
    }


def test_a_pasted_web_form():
    form = (
        "Name: Priya Raman\nEmail: PRaman88@Yahoo.com\nPhone: 469.555.0122\n"
        "Address: 5520 Willow Bend Ln\nCity: Plano\nState: TX\nZip: 75093"
    )
    assert found(form) == {
        "first_name": "Priya",
        "last_name": "Raman",
        "email": "praman88@yahoo.com",
        "phone": "469-555-0122",
        "street": "5520 Willow Bend Lane",
        "city": "Plano",
        "state": "TX",
        "zip": "75093",
    }


def test_typed_abbreviations_are_spelled_out():
    fields = deterministic_fields("Tyrone Jackson 682-555-0134, 1500 W Abram St Apt 4b, Arlington, TX 76013")
    assert (fields.street, fields.city, fields.state, fields.zip) == ("1500 West Abram Street Apartment 4B", "Arlington", "TX", "76013")


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        ("new customer Dan Whitaker 214-555-0176 sorry 214-555-0167", "phone", "214-555-0167"),
        ("his number is five five five, two two one, four four nine oh, no wait, four four nine one", "phone", "555-221-4491"),
        ("email erin walsh at gmail dot com — no wait, it's e walsh at gmail dot com", "email", "ewalsh@gmail.com"),
        ("812 Birch St — actually 821 Birch St, Denton TX 76201", "street", "821 Birch Street"),
        ("1414 Maple Ave Denton TX 76201, sorry, zip is 76209", "zip", "76209"),
        ("new customer John Smyth — sorry, Smith, S M I T H", "last_name", "Smith"),
    ],
)
def test_a_correction_wins(text, field, value):
    assert getattr(deterministic_fields(text), field) == value


def test_without_a_correction_the_first_phone_stands_and_the_other_is_noted():
    fields = deterministic_fields("Tyrone Jackson, cell 682 555 0134, work 817-555-0100 ext 12")
    assert fields.phone == "682-555-0134"
    assert fields.notes == "Other phone: 817-555-0100 ext. 12"


def test_a_referral_names_the_referrer_in_the_notes():
    fields = deterministic_fields("New lead - Marcus DeLeon, (972) 555-0143. Referred by Tom Hargrove.")
    assert fields.lead_source == "referral" and fields.notes == "Referred by Tom Hargrove"


def test_trades_said_no_to_or_done_before_are_left_out():
    assert deterministic_fields("wants gutters but NOT solar, said no to siding too").trades == ["gutters"]
    assert deterministic_fields("we did the Hendersons' roof in 2019. Now wants new windows.").trades == ["windows"]


def test_two_lead_sources_are_no_lead_source():
    assert deterministic_fields("met at the home show, then filled out the website form").lead_source is None


@pytest.mark.parametrize(
    "text",
    [
        "claim number 5521889043 with State Farm",  # a claim number is no phone
        "the email is info at lone star gutters dot com",  # gutters in a domain is no trade
        "three jobs on that street",
        "quote was fourteen thousand five hundred dollars for twenty two hundred square feet",
        "next tuesday at three pm, call 911 if the gate sticks",
        "the customer really likes the samples",
        "Great job today team, see you at 9",
        "area code three one two",
    ],
)
def test_nothing_is_guessed(text):
    fields = deterministic_fields(text)
    assert (fields.phone, fields.first_name, fields.last_name, fields.street, fields.trades) == (None, None, None, None, [])


def test_a_city_is_not_a_name():
    fields = deterministic_fields("roof lead, Dallas, TX 75204")
    assert (fields.first_name, fields.city, fields.state, fields.zip) == (None, "Dallas", "TX", "75204")


def test_a_phone_glued_to_an_email_by_the_normalizer_is_split_again():
    # normalize_spoken (E4) lets number words open an email: "…eight eight amanda dot fox at…" → "…88amanda.fox@…".
    fields = deterministic_fields(
        "new lead amanda fox plus one two one four five five five nine nine eight eight amanda dot fox at icloud dot com"
    )
    assert (fields.phone, fields.email) == ("214-555-9988", "amanda.fox@icloud.com")


@pytest.mark.parametrize("text", ["", "   ", None, 42, "x" * 100_000, "\x00\ud800", "@@@ ... 555- --- at dot com"])
def test_bad_input_gives_empty_fields_and_never_raises(text):
    assert isinstance(deterministic_fields(text), ClientFields)


def test_random_text_is_read_quickly_and_never_raises():
    rng = random.Random(11)
    pieces = ["five", "oh", "at", "dot", "com", "Street", "St", "TX", "Dallas", "new customer", "Emily", "Stone", "555-0187", "1234",
              ",", "\n", "no wait", "roof", "referral", "Apt", "4B", "(214)", "#", "ext", "texas", "S M I T H"]  # fmt: skip
    start = time.monotonic()
    for _ in range(200):
        deterministic_fields(" ".join(rng.choice(pieces) for _ in range(rng.randint(1, 400))))
    assert time.monotonic() - start < 10

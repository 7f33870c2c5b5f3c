"""normalize_spoken: spoken contact details and quantities in written form (docs/SPOKEN_CONVENTIONS.md).

The rule table, properties of the whole rewrite (only entities change, nothing raises, nothing is slow) and
the public and blind sets. Root causes and generated inputs for one entity kind sit beside this file
(test_emails.py, test_phones.py, test_addresses.py, test_quantities.py).
"""

from __future__ import annotations

import json
import random
import re
import string
import time
from pathlib import Path

import pytest

from hard_e.agents.extraction import normalize_spoken
from hard_e.agents.spoken.numbers import NUMBER_WORDS

DATA = Path(__file__).parents[1] / "data"
EXAMPLES = DATA / "spoken_examples.jsonl"


def scored(text: str) -> str:
    """G6: whitespace runs collapse to one space and the ends are trimmed; case and punctuation count."""
    return re.sub(r"\s+", " ", text).strip()


def public_examples() -> list[dict]:
    lines = EXAMPLES.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@pytest.mark.parametrize("example", public_examples(), ids=lambda ex: f"{ex['id']}-{ex['category']}")
def test_public_example(example):
    assert scored(normalize_spoken(example["input"])) == scored(example["expected"])


def test_all_forty_public_examples_are_loaded():
    assert len(public_examples()) == 40


# (rule, spoken, written). Rules name the section of the conventions the case checks;
# a case whose spoken and written forms are equal is something that must NOT be rewritten.
CASES = [
    # ---- G1: only the five entity kinds change; case, punctuation and spacing stay ----
    ("G1", "Hey Team — emily at demo dot com, OK?", "Hey Team — emily@demo.com, OK?"),
    ("G1", "Call Bob ASAP!!  The gate sticks; bring WD-40.", "Call Bob ASAP!!  The gate sticks; bring WD-40."),
    ("G1", "Crew's on site. Roof's done!", "Crew's on site. Roof's done!"),
    # ---- G2: dates, times, years, durations, ages, counts, ordinals, bare numbers stay ----
    ("G2", "we gave them three bids", "we gave them three bids"),
    ("G2", "send the third estimate", "send the third estimate"),
    ("G2", "the quote was fifteen thousand", "the quote was fifteen thousand"),
    ("G2", "she's forty two and has two kids", "she's forty two and has two kids"),
    ("G2", "the job took three weeks", "the job took three weeks"),
    ("G2", "it's a ten minute drive from the shop", "it's a ten minute drive from the shop"),
    ("G2", "roof is twenty two years old", "roof is twenty two years old"),
    ("G2", "one hundred twenty", "one hundred twenty"),
    # ---- G3: text already in written form is never touched ----
    ("G3", "her number is 214-555-0187", "her number is 214-555-0187"),
    ("G3", "email emily@demo.com today", "email emily@demo.com today"),
    ("G3", "deposit is $500", "deposit is $500"),
    ("G3", "lives at 123 main street", "lives at 123 main street"),
    ("G3", "2200 square feet at 4.99%", "2200 square feet at 4.99%"),
    ("G3", "emily at demo.com", "emily at demo.com"),
    ("G3", "$500 down, the balance is nine hundred dollars", "$500 down, the balance is $900"),
    # ---- G4: punctuation next to an entity stays; only entity punctuation is added ----
    ("G4", "write to emily at demo dot com.", "write to emily@demo.com."),
    ("G4", "(emily at demo dot com)", "(emily@demo.com)"),
    ("G4", "call five five five, one two three, four five six seven!", "call 555-123-4567!"),
    ("G4", "it was nine hundred dollars, not more.", "it was $900, not more."),
    ("G4", "one, two, three", "one, two, three"),
    # ---- G5: recognition ignores case; hyphenated number words are spaced ones ----
    ("G5", "FIVE FIVE FIVE ONE TWO THREE FOUR", "555-1234"),
    ("G5", "Five Hundred Dollars", "$500"),
    ("G5", "twenty-two hundred square feet", "2200 square feet"),
    ("G5", "forty-two dollars", "$42"),
    ("G5", "five-five-five-one-two-three-four", "555-1234"),
    ("G5", "Emily Dot Stone At Gmail Dot Com", "emily.stone@gmail.com"),
    ("G5", "TWENTY-TWO Panels and Five Bids", "TWENTY-TWO Panels and Five Bids"),
    # ---- G6: scoring collapses whitespace ----
    ("G6", "emily  at   demo dot com", "emily@demo.com"),
    ("G6", "one twenty three   main\tstreet", "123 Main Street"),
    # ---- N1: vocabulary — "a", "and", double/triple, point, and a half ----
    ("N1", "a hundred dollars", "$100"),
    ("N1", "a thousand square feet", "1000 square feet"),
    ("N1", "a million dollars", "$1,000,000"),
    ("N1", "two thousand and fifty dollars", "$2,050"),
    ("N1", "a hundred and twenty bucks", "$120"),
    ("N1", "triple oh one two", "00012"),
    ("N1", "double five one two", "5512"),
    ("N1", "seven point five feet", "7.5 feet"),
    ("N1", "two and a half feet", "2.5 feet"),
    ("N1", "a six inch gutter", "a 6 inch gutter"),
    ("N1", "five and six dollars", "five and $6"),
    ("N1", "three point five", "three point five"),
    ("N1", "one and a half hours", "one and a half hours"),
    ("N1", "double check the gutters", "double check the gutters"),
    # ---- N2: cardinal reading when well-formed, group reading otherwise ----
    ("N2", "one hundred twenty dollars", "$120"),
    ("N2", "one twenty three dollars", "$123"),
    ("N2", "two thousand fifteen dollars", "$2,015"),
    ("N2", "forty two hundred fifty dollars", "$4,250"),
    ("N2", "eighteen fifty dollars", "$1,850"),
    ("N2", "seven fifty five dollars", "$755"),
    ("N2", "twelve oh five dollars", "$1,205"),
    ("N2", "fourteen thousand five hundred square feet", "14500 square feet"),
    ("N2", "one eight hundred five five five", "180-0555"),
    ("N2", "fourteen thousand five hundred", "fourteen thousand five hundred"),
    # ---- N3: single-digit pieces decide digit strings ----
    ("N3", "twelve thirty four fifty six", "twelve thirty four fifty six"),
    ("N3", "eight hundred one two", "eight hundred one two"),
    ("N3", "double five seven one", "5571"),
    # ---- N4: "oh" is a digit only after another number word; "o" never is ----
    ("N4", "six oh six one four", "60614"),
    ("N4", "one two oh oh", "1200"),
    ("N4", "oh five five five one two three four", "oh 555-1234"),
    ("N4", "oh, and the dog bites", "oh, and the dog bites"),
    ("N4", "five o five five", "five o five five"),
    ("N4", "j o e at demo dot com", "joe@demo.com"),
    # ---- N5: no context, no rewrite ----
    ("N5", "we need twenty two", "we need twenty two"),
    ("N5", "seven hundred and fifty", "seven hundred and fifty"),
    # ---- E1: LOCAL at DOMAIN dot <label>; the last "at" before the domain ----
    ("E1", "owen at westfield dot co dot uk", "owen@westfield.co.uk"),
    ("E1", "we met at the expo, write to tom at expo dot org", "we met at the expo, write to tom@expo.org"),
    ("E1", "I'm at the office till five", "I'm at the office till five"),
    ("E1", "emily at demo dot company", "emily at demo dot company"),
    ("E1", "emily at demo dot com dot au", "emily@demo.com dot au"),
    ("E1", "emily at demo", "emily at demo"),
    # ---- E2: lowercase, no spaces, connector words as characters ----
    ("E2", "Tom Dash Lee at Demo dot COM", "tom-lee@demo.com"),
    ("E2", "tom hyphen lee at demo dot com", "tom-lee@demo.com"),
    ("E2", "tom underscore lee at demo dot com", "tom_lee@demo.com"),
    ("E2", "tom dot lee at demo dot com", "tom.lee@demo.com"),
    ("E2", "Tom Dash Lee dot com", "Tom Dash Lee dot com"),
    # ---- E3: spelled letters, hyphen-spelled tokens, number phrases in segments ----
    ("E3", "E-M-I-L-Y at demo dot com", "emily@demo.com"),
    ("E3", "it's J-O dot smith at demo dot com", "it's jo.smith@demo.com"),
    ("E3", "mike seventy seven at aol dot com", "mike77@aol.com"),
    ("E3", "sales two oh one at demo dot io", "sales201@demo.io"),
    ("E3", "roofs twenty twenty four at demo dot com", "roofs2024@demo.com"),
    ("E3", "double oh seven at spy dot gov", "007@spy.gov"),
    ("E3", "b j seventy-seven at demo dot net", "bj77@demo.net"),
    ("E3", "x-ray at demo dot com", "x-ray at demo dot com"),
    # ---- E4: LOCAL is read leftward from "at" and stops at the sentence ----
    ("E4", "you can reach emily at demo dot com", "you can reach emily@demo.com"),
    ("E4", "it's j smith at gmail dot com", "it's jsmith@gmail.com"),
    ("E4", "email is mike seventy seven at aol dot com", "email is mike77@aol.com"),
    ("E4", "write to a n n a at demo dot com", "write to anna@demo.com"),
    ("E4", "it's a smith at demo dot com", "it's a smith@demo.com"),
    ("E4", "send the invoice to bob at acme roofing dot com", "send the invoice to bob@acmeroofing.com"),
    ("E4", "new lead, rachel dot kim at example dot com", "new lead, rachel.kim@example.com"),
    ("E4", "reach us, at demo dot com", "reach us, at demo dot com"),
    ("E4", "it's 42 at demo dot com", "it's 42 at demo dot com"),
    # ---- E5: the domain runs to the last label; up to three ordinary words a segment ----
    ("E5", "info at smith roofing dot com", "info@smithroofing.com"),
    ("E5", "reply to bob at mail dot demo dot co dot uk", "reply to bob@mail.demo.co.uk"),
    ("E5", "info at one two three roofing dot com", "info@123roofing.com"),
    ("E5", "bob at big lone star gutters dot com", "bob at big lone star gutters dot com"),
    # ---- E6: web addresses without "at" stay ----
    ("E6", "visit acme roofing dot com for photos", "visit acme roofing dot com for photos"),
    ("E6", "acme roofing dot com has reviews", "acme roofing dot com has reviews"),
    # ---- P1: digit strings need no cardinal, 3+ single-digit pieces and 4+ digits ----
    ("P1", "the job number is four four two one", "the job number is 4421"),
    ("P1", "gate code one nine seven three", "gate code 1973"),
    ("P1", "call nine one one", "call nine one one"),
    ("P1", "meet at three thirty", "meet at three thirty"),
    ("P1", "the permit came in twenty twenty five", "the permit came in twenty twenty five"),
    ("P1", "twelve oh five", "twelve oh five"),
    ("P1", "one two three", "one two three"),
    ("P1", "two thousand fifteen", "two thousand fifteen"),
    # ---- P2: format by length ----
    ("P2", "five five five one two three four", "555-1234"),
    ("P2", "three one two five five five one two three four", "312-555-1234"),
    ("P2", "one three one two five five five one two three four", "+1 312-555-1234"),
    ("P2", "one two three four five six seven eight", "12345678"),
    ("P2", "two one two five five five one two three four five", "21255512345"),
    ("P2", "the zip is six two seven oh four", "the zip is 62704"),
    ("P2", "dial five five five", "dial five five five"),
    # ---- P3: "plus one" ----
    ("P3", "plus one three one two five five five one two three four", "+1 312-555-1234"),
    ("P3", "plus one, three one two, five five five, one two three four", "+1 312-555-1234"),
    ("P3", "plus five five five one two three four five six seven", "plus 555-123-4567"),
    ("P3", "plus two more", "plus two more"),
    # ---- P4: spoken separators inside one phone number ----
    ("P4", "five five five, one two three four", "555-1234"),
    ("P4", "two one two dash five five five dash oh one one oh", "212-555-0110"),
    ("P4", "two one two, five five five, oh one one oh", "212-555-0110"),
    ("P4", "five five five - one two three four", "555-1234"),
    ("P4", "five five five, one two", "five five five, one two"),
    ("P4", "five five five dash one two three", "five five five dash one two three"),
    ("P4", "pick one, two or three", "pick one, two or three"),
    # ---- P5: "area code" ----
    ("P5", "area code three one two five five five one two three four", "area code 312-555-1234"),
    ("P5", "she's in area code three one two", "she's in area code 312"),
    ("P5", "Area Code two twelve", "Area Code 212"),
    ("P5", "area code three one two, five five five, one two three four", "area code 312-555-1234"),
    ("P5", "the area code is three one two", "the area code is three one two"),
    ("P5", "three one two", "three one two"),
    # ---- P6: extensions directly after a phone number ----
    ("P6", "five five five one two three four five six seven extension two two", "555-123-4567 ext. 22"),
    ("P6", "five five five one two three four extension one oh four", "555-1234 ext. 104"),
    ("P6", "five five five one two three four, extension twelve", "555-1234, ext. 12"),
    ("P6", "call 312-555-1234 extension two hundred", "call 312-555-1234 ext. 200"),
    ("P6", "six oh two five five five four one four one extension one two three four", "602-555-4141 ext. 1234"),
    ("P6", "the extension cord is twelve feet", "the extension cord is 12 feet"),
    ("P6", "ask for extension twenty two", "ask for extension twenty two"),
    # ---- A1: house number, one to three street-name words, a suffix ----
    ("A1", "we did three jobs on that street", "we did three jobs on that street"),
    ("A1", "two houses in the lane", "two houses in the lane"),
    ("A1", "it's a one way street", "it's a one way street"),
    ("A1", "one twenty three old mill creek bend road", "one twenty three old mill creek bend road"),
    ("A1", "five oak leaf circle", "5 Oak Leaf Circle"),
    ("A1", "eight ten martin luther king boulevard", "810 Martin Luther King Boulevard"),
    ("A1", "twelve pine terrace", "12 Pine Terrace"),
    ("A1", "forty four cedar way", "44 Cedar Way"),
    ("A1", "two hundred hill road", "200 Hill Road"),
    ("A1", "ninety five maple parkway", "95 Maple Parkway"),
    ("A1", "six oh one rose place", "601 Rose Place"),
    ("A1", "three thirty river lane", "330 River Lane"),
    # ---- A2: house number by cardinal or group reading ----
    ("A2", "forty two hundred elm avenue", "4200 Elm Avenue"),
    ("A2", "twelve oh five oak drive", "1205 Oak Drive"),
    ("A2", "four two one birch court", "421 Birch Court"),
    ("A2", "two thousand fifteen lake road", "2015 Lake Road"),
    ("A2", "one twenty three elm", "one twenty three elm"),
    # ---- A3: title case, whole words, numeric ordinals ----
    ("A3", "six twenty north lakeshore drive", "620 North Lakeshore Drive"),
    ("A3", "ten FIFTH AVENUE", "10 5th Avenue"),
    ("A3", "two third street", "2 3rd Street"),
    ("A3", "three twenty first street", "3 21st Street"),
    ("A3", "one twenty twenty second street", "120 22nd Street"),
    ("A3", "twelve second street", "12 2nd Street"),
    ("A3", "nine east eleventh street", "9 East 11th Street"),
    ("A3", "meet me on twenty first street", "meet me on twenty first street"),
    ("A3", "the fifth avenue store", "the fifth avenue store"),
    # ---- A4: apartment, unit, suite ----
    ("A4", "forty two hundred elm avenue apartment five b", "4200 Elm Avenue Apartment 5B"),
    ("A4", "one main street unit twelve", "1 Main Street Unit 12"),
    ("A4", "one main street suite two hundred", "1 Main Street Suite 200"),
    ("A4", "one main street unit c", "1 Main Street Unit C"),
    ("A4", "one main street Apartment twelve oh five", "1 Main Street Apartment 1205"),
    ("A4", "the unit twelve inspection", "the unit twelve inspection"),
    ("A4", "one main street unit twelve I think", "1 Main Street Unit 12 I think"),
    ("A4", "one main street suite two a", "1 Main Street Suite 2A"),
    ("A4", "one main street unit price", "1 Main Street unit price"),
    # ---- A5: no added punctuation; city and state keep their words; zip is a digit string ----
    ("A5", "one twenty three main street Springfield IL", "123 Main Street Springfield IL"),
    (
        "A5",
        "one twenty three main street springfield illinois six two seven oh four",
        "123 Main Street springfield illinois 62704",
    ),
    ("A5", "she lives in Springfield Illinois", "she lives in Springfield Illinois"),
    ("A5", "one twenty three main street, Austin", "123 Main Street, Austin"),
    # ---- M1: number + dollars/dollar/bucks ----
    ("M1", "one dollar", "$1"),
    ("M1", "five bucks", "$5"),
    ("M1", "a five dollar bill", "a $5 bill"),
    ("M1", "fifty cents", "fifty cents"),
    ("M1", "a dollar short", "a dollar short"),
    ("M1", "the dollars add up", "the dollars add up"),
    # ---- M2: commas from 1,000, no decimals for whole amounts ----
    ("M2", "twenty two hundred dollars", "$2,200"),
    ("M2", "nine hundred bucks", "$900"),
    ("M2", "a thousand dollars", "$1,000"),
    ("M2", "one point two million dollars", "$1,200,000"),
    ("M2", "two and a half million dollars", "$2,500,000"),
    ("M2", "one million two hundred thousand dollars", "$1,200,000"),
    ("M2", "twelve thousand dollars", "$12,000"),
    ("M2", "the bill was twenty two hundred", "the bill was twenty two hundred"),
    # ---- M3: cents ----
    ("M3", "twelve dollars and fifty cents", "$12.50"),
    ("M3", "four dollars and five cents", "$4.05"),
    ("M3", "one dollar and one cent", "$1.01"),
    ("M3", "twelve hundred dollars and fifty cents", "$1,200.50"),
    ("M3", "nine point nine nine dollars", "$9.99"),
    ("M3", "nine point five dollars", "$9.50"),
    ("M3", "twelve and a half dollars", "$12.50"),
    ("M3", "nine dollars and a hundred cents", "$9 and a hundred cents"),
    ("M3", "nine dollars and change", "$9 and change"),
    ("M3", "and fifty cents back", "and fifty cents back"),
    # ---- M4: following words stay ----
    ("M4", "four hundred fifty dollars per square", "$450 per square"),
    ("M4", "two nineteen dollars a month", "$219 a month"),
    ("M4", "priced in dollars per square", "priced in dollars per square"),
    # ---- U1: measures keep their unit words, no thousands separator ----
    ("U1", "twenty eight squares", "28 squares"),
    ("U1", "thirty square", "30 square"),
    ("U1", "two thousand square feet", "2000 square feet"),
    ("U1", "one square foot", "1 square foot"),
    ("U1", "about two hundred linear feet", "about 200 linear feet"),
    ("U1", "one linear foot", "1 linear foot"),
    ("U1", "six feet", "6 feet"),
    ("U1", "one foot", "1 foot"),
    ("U1", "four inches", "4 inches"),
    ("U1", "ten miles", "10 miles"),
    ("U1", "one mile", "1 mile"),
    ("U1", "four hundred watts", "400 watts"),
    ("U1", "one watt", "1 watt"),
    ("U1", "eight point four kilowatts", "8.4 kilowatts"),
    ("U1", "twelve kilowatt hours a day", "12 kilowatt hours a day"),
    ("U1", "one kilowatt hour", "1 kilowatt hour"),
    ("U1", "three and a half inches", "3.5 inches"),
    ("U1", "a six-inch gutter", "a 6-inch gutter"),
    ("U1", "seventeen hundred linear yards", "seventeen hundred linear yards"),
    # ---- U2: percent ----
    ("U2", "four point nine nine percent", "4.99%"),
    ("U2", "zero percent", "0%"),
    ("U2", "two and a half percent", "2.5%"),
    ("U2", "a hundred percent sure", "100% sure"),
    ("U2", "point five percent", "0.5%"),
    ("U2", "the percent is low", "the percent is low"),
    # ---- U3: time words and counted nouns are not units ----
    ("U3", "a fifty year warranty", "a fifty year warranty"),
    ("U3", "twenty four panels", "twenty four panels"),
    ("U3", "a two story house", "a two story house"),
    ("U3", "replaced three windows", "replaced three windows"),
    ("U3", "wait two hours", "wait two hours"),
    # ---- §7: dates and times keep their words ----
    ("§7", "next tuesday at three pm", "next tuesday at three pm"),
    ("§7", "march fifth", "march fifth"),
    ("§7", "at nine thirty", "at nine thirty"),
    ("§7", "it opens at nine oh five", "it opens at nine oh five"),
    ("§7", "built in nineteen ninety five", "built in nineteen ninety five"),
    ("§7", "install is june twenty first", "install is june twenty first"),
    ("§7", "on march fifth call five five five one two three four", "on march fifth call 555-1234"),
    # ---- §8: the first rule that applies wins ----
    ("§8", "two oh one at demo dot io", "201@demo.io"),
    ("§8", "five five five one dollars", "$5,551"),
    ("§8", "one two three four feet", "1234 feet"),
    ("§8", "five five five one main street", "5551 Main Street"),
    ("§8", "five five five one two three four extension one two three four", "555-1234 ext. 1234"),
    ("§8", "five hundred and two", "five hundred and two"),
    # ---- §9: the worked examples ----
    ("§9", "j dot smith underscore two at gmail dot com", "j.smith_2@gmail.com"),
    ("§9", "I'll be at the site at one", "I'll be at the site at one"),
    ("§9", "she said it's a dot on the map", "she said it's a dot on the map"),
    # ---- voice memos mixing several entities ----
    (
        "memo",
        "New lead: Dana Park, dana dot park at gmail dot com, cell five five five two one two "
        "three four five six, house at forty two hundred elm avenue. Wants a quote on "
        "twenty two hundred square feet, budget around fifteen thousand dollars.",
        "New lead: Dana Park, dana.park@gmail.com, cell 555-212-3456, house at 4200 Elm Avenue. "
        "Wants a quote on 2200 square feet, budget around $15,000.",
    ),
    (
        "memo",
        "Met the Garcias at three pm. They got two other bids. Roof is about thirty squares, "
        "we quoted four hundred fifty dollars per square at four point nine nine percent.",
        "Met the Garcias at three pm. They got two other bids. Roof is about 30 squares, "
        "we quoted $450 per square at 4.99%.",
    ),
    (
        "memo",
        "office line is area code five one two, five five five, oh one nine nine extension "
        "fourteen; email b r o w n at lone star gutters dot com",
        "office line is area code 512-555-0199 ext. 14; email brown@lonestargutters.com",
    ),
    (
        "memo",
        "Solar: a seven point two kilowatt array, twenty four panels, zero percent down, "
        "install next friday. Address nineteen oh two south fourth street suite one, "
        "zip seven eight seven oh four.",
        "Solar: a 7.2 kilowatt array, twenty four panels, 0% down, install next friday. "
        "Address 1902 South 4th Street Suite 1, zip 78704.",
    ),
    (
        "memo",
        "oh and one more thing - his wife's number is plus one four one five five five five "
        "nine nine eight eight, she's home after five",
        "oh and one more thing - his wife's number is +1 415-555-9988, she's home after five",
    ),
    (
        "memo",
        "Gutters: one hundred twenty linear feet of six inch gutter at nine dollars and "
        "ninety cents a foot, claim number five five two one eight.",
        "Gutters: 120 linear feet of 6 inch gutter at $9.90 a foot, claim number 55218.",
    ),
]


@pytest.mark.parametrize(("rule", "spoken", "written"), CASES, ids=[f"{c[0]}:{c[1][:40]}" for c in CASES])
def test_spoken_form_is_written_per_the_conventions(rule, spoken, written):
    assert scored(normalize_spoken(spoken)) == scored(written)


RULES = (
    "G1 G2 G3 G4 G5 G6 N1 N2 N3 N4 N5 E1 E2 E3 E4 E5 E6 P1 P2 P3 P4 P5 P6 "
    "A1 A2 A3 A4 A5 M1 M2 M3 M4 U1 U2 U3 §7 §8"
).split()
ONLY_KEEP_WORDS = {"G2", "N5", "E6", "U3", "§7"}  # rules that say what is not rewritten


def test_every_rule_has_a_rewriting_case_and_a_case_left_alone():
    rewritten = {rule for rule, spoken, written in CASES if spoken != written}
    left_alone = {rule for rule, spoken, written in CASES if spoken == written}
    assert set(RULES) - ONLY_KEEP_WORDS <= rewritten
    assert set(RULES) <= left_alone | {"G6"}  # G6 is about scoring, not rewriting


def test_text_outside_entities_comes_back_byte_for_byte():
    spoken = "  Hi\tteam,\n\nemily at demo dot com  —  see you at ten!  "
    assert normalize_spoken(spoken) == "  Hi\tteam,\n\nemily@demo.com  —  see you at ten!  "


@pytest.mark.parametrize("text", ["", " ", "\n\t", "-", ",,,", "at", "dot com", "a", "oh", "point", "and a half"])
def test_degenerate_input_comes_back_unchanged(text):
    assert normalize_spoken(text) == text


def test_written_output_is_left_alone_on_a_second_pass():
    for _, spoken, _ in CASES:
        once = normalize_spoken(spoken)
        assert normalize_spoken(once) == once, spoken


# ---- fuzzing ----------------------------------------------------------------------------

_SOUP = string.printable + "éßñü‐–—’“”…€£¥İıﬁ\u00a0\u2028\u200b\U0001f600一二三\ud800\x00"
_VOCAB = sorted(NUMBER_WORDS) + (
    "a and point half at dot dash hyphen underscore com net uk co org plus area code extension "
    "dollars dollar bucks cents cent percent feet foot square squares linear inch miles kilowatt "
    "street avenue drive lane way apartment unit suite b c i o emily main north first second "
    "twenty-two E-M-I-L-Y 555-123-4567 $5 4.99% emily@demo.com , . - — ' é"
).split()
_SEPARATORS = [" ", " ", " ", "  ", "-", ", ", ". ", "\n", "", " - "]


def _random_text(rng: random.Random, vocab: list[str], soup_rate: float) -> str:
    parts = []
    for _ in range(rng.randint(0, 30)):
        if rng.random() < soup_rate:
            parts.append("".join(rng.choice(_SOUP) for _ in range(rng.randint(1, 6))))
        else:
            word = rng.choice(vocab)
            parts.append(word.upper() if rng.random() < 0.1 else word)
        parts.append(rng.choice(_SEPARATORS))
    return "".join(parts)


def test_random_input_never_raises_and_is_deterministic():
    rng = random.Random(20240611)
    for _ in range(3000):
        text = _random_text(rng, _VOCAB, soup_rate=0.2)
        result = normalize_spoken(text)
        assert isinstance(result, str)
        assert normalize_spoken(text) == result


def test_random_soup_never_raises():
    rng = random.Random(7)
    for _ in range(2000):
        text = "".join(rng.choice(_SOUP) for _ in range(rng.randint(0, 80)))
        assert isinstance(normalize_spoken(text), str)


# Words that can never start an entity: no number words and no "at" (the email cue).
_PLAIN = (
    "the crew roof gutter quote lead call email her his street avenue main dollars bucks cents "
    "percent feet square inch unit suite apartment extension plus area code dot com dash hyphen "
    "underscore point half and a i o b oh double triple first fifth twentieth Emily SMITH "
    "it's I'll don't café naïve 555-123-4567 $500 4.99% emily@demo.com 123 x-ray e-m-i-l-y"
).split()


def test_text_without_number_words_or_email_cues_comes_back_unchanged():
    rng = random.Random(99)
    letters = string.ascii_letters
    for _ in range(3000):
        vocab = _PLAIN + ["".join(rng.choice(letters) for _ in range(rng.randint(1, 7))) for _ in range(5)]
        vocab = [w for w in vocab if w.lower() not in NUMBER_WORDS and w.lower() != "at"]
        text = _random_text(rng, vocab, soup_rate=0.1)
        if any(w.lower() in NUMBER_WORDS or w.lower() == "at" for w in re.findall(r"[^\W_]+", text)):
            continue  # the soup spelled a number word by chance
        assert normalize_spoken(text) == text


def test_very_long_text_is_handled():
    memo = "emily at demo dot com, five five five one two three four, one twenty three main street. "
    text = memo * 3000 + "five " * 20000 + "dollars"
    result = normalize_spoken(text)
    assert result.startswith("emily@demo.com, 555-1234, 123 Main Street. ")
    assert re.search(r"\$5{1,3}(,555)+$", result)


# ---- unseen set: realistic dictation written blind from the conventions -----------------

UNSEEN = DATA / "spoken_unseen.jsonl"
# Every expected output in the unseen set follows a stated rule literally; readings the
# conventions leave open were kept out of the file, so a miss is a defect, not a judgment call.
# Before the robustness pass the normalizer scored 299/301 (hyphenated ordinal street names);
# the bar is all of them, so any regression fails and is listed.
UNSEEN_MIN_ACCURACY = 1.0


def unseen_examples() -> list[dict]:
    lines = UNSEEN.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def test_unseen_set_is_large_and_covers_every_entity_kind():
    examples = unseen_examples()
    assert len(examples) >= 120
    assert len({ex["id"] for ex in examples}) == len(examples)
    kinds = {ex["category"].split("-")[0] for ex in examples}
    assert {"email", "phone", "digits", "address", "money", "measure", "datetime", "mixed"} <= kinds
    unchanged = [ex for ex in examples if ex["input"] == ex["expected"]]
    assert len(unchanged) >= 30  # things that must NOT change are part of the measure


def test_unseen_examples_meet_the_accuracy_bar():
    examples = unseen_examples()
    misses = [
        f"{ex['id']} [{ex['category']}] {ex['input']!r}\n    expected {ex['expected']!r}\n    got      {got!r}"
        for ex in examples
        if scored(got := normalize_spoken(ex["input"])) != scored(ex["expected"])
    ]
    accuracy = 1 - len(misses) / len(examples)
    assert accuracy >= UNSEEN_MIN_ACCURACY, f"accuracy {accuracy:.3f} on {len(examples)}:\n" + "\n".join(misses)


# ---- blind sets 2 and 3: rows the conventions leave open are kept, with an "ambiguous" note ----

# Batch 2, 200 more rows written from the conventions alone: written blind like the first set,
# except that rows the conventions leave open to more than one reading are kept and carry an
# "ambiguous" note. Before this pass the normalizer scored 199/200 on it; the miss is a marked row
# ("it's a one way street": A1 read to the letter makes it an address, the A1 case above keeps the
# idiom). Any unmarked miss is a defect.
# Batch 3, 250 more rows, harder near-misses and long dictated notes: written blind like the second
# set. Before this pass the normalizer scored 248/250 (every unmarked row right); after it, 249/250.
# The miss is a marked row again ("it's a one way street", kept as words by the A1 case above).
# Any unmarked miss is a defect.
BLIND_SETS = {  # name: (file, rows, id prefix, accuracy bar)
    "batch2": ("spoken_unseen_batch2.jsonl", 200, "s2", 0.995),
    "batch3": ("spoken_unseen_batch3.jsonl", 250, "s3", 0.996),
}


def blind_examples(name: str) -> list[dict]:
    lines = (DATA / BLIND_SETS[name][0]).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@pytest.mark.parametrize("name", BLIND_SETS)
def test_blind_set_is_large_and_covers_every_entity_kind(name):
    _, size, prefix, _ = BLIND_SETS[name]
    examples = blind_examples(name)
    assert len(examples) == size
    assert [ex["id"] for ex in examples] == [f"{prefix}-{k:03d}" for k in range(1, size + 1)]
    kinds = {ex["category"] for ex in examples}
    assert {"email", "phone", "address", "money", "measure", "datetime", "negative", "mixed"} <= kinds
    unchanged = [ex for ex in examples if ex["input"] == ex["expected"]]
    assert len(unchanged) >= 30


@pytest.mark.parametrize("name", BLIND_SETS)
def test_blind_set_meets_the_accuracy_bar_and_misses_only_ambiguous_rows(name):
    examples = blind_examples(name)
    missed = [ex for ex in examples if scored(normalize_spoken(ex["input"])) != scored(ex["expected"])]
    report = "\n".join(
        f"{ex['id']} [{ex['category']}] {ex['input']!r}\n    expected {ex['expected']!r}\n"
        f"    got      {normalize_spoken(ex['input'])!r}\n    ambiguous: {ex.get('ambiguous', 'no')}"
        for ex in missed
    )
    accuracy = 1 - len(missed) / len(examples)
    assert accuracy >= BLIND_SETS[name][3], f"accuracy {accuracy:.3f} on {len(examples)}:\n{report}"
    assert all("ambiguous" in ex for ex in missed), report


# Readings checked while probing for the second set; each follows a rule literally.
@pytest.mark.parametrize(
    ("spoken", "written"),
    [
        ("one eight hundred, five five five, one two one two", "+1 800-555-1212"),  # P4 with a hundred piece
        ("five hundred five five five one two three four", "500-555-1234"),  # N2 group reading
        ("she's at three oh three five five five twenty one hundred", "she's at 303-555-2100"),
        ("mike at one eight hundred roofs dot com", "mike@1800roofs.com"),  # E5 numbers in the domain
        ("email me at j smith at outlook dot com", "email me at jsmith@outlook.com"),  # E1 last "at"
        ("send it to a j at roofco dot com", "send it to aj@roofco.com"),  # E4 "a" beside a letter
        ("two twenty twenty first avenue", "220 21st Avenue"),  # A3 tens word goes to the street
        ("one main street suite two hundred and five", "1 Main Street Suite 205"),
        ("two hundred dollars and fifty cents", "$200.50"),
        ("fifteen ninety nine dollars", "$1,599"),  # group reading, not $15.99
        ("the lot is one hundred by two hundred feet", "the lot is one hundred by 200 feet"),
        ("the shop is two miles down the road", "the shop is 2 miles down the road"),
        ("one buck", "one buck"),  # M1 names "bucks" only
        ("the code is oh four four one", "the code is oh four four one"),  # N4, then P1's four digits
        ("the area code is two one four", "the area code is two one four"),  # P5 needs it directly after
    ],
)
def test_readings_checked_in_the_second_blind_pass(spoken, written):
    assert normalize_spoken(spoken) == written


# Shapes that could make a scanner go quadratic or a regex backtrack: long runs of letters,
# "at"s, connectors, separators, number words that only sometimes join, unit and currency cues.
_LONG_SHAPES = [
    ("", "b ", "at demo dot com"),
    ("tom at ", "b ", " dot com"),
    ("", "x y z at ", ""),
    ("", "b c at d e dot ", ""),
    ("tom at ", "demo dot ", "com"),
    ("", "e-", "e at demo dot com"),
    ("", "five, ", ""),
    ("", "five dash ", ""),
    ("", "five — ", ""),
    ("five", " ", ", five"),
    ("", "double ", ""),
    ("one ", "point five ", ""),
    ("", "one and a half ", ""),
    ("", "oh ", ""),
    ("", "area code three one two ", ""),
    ("", "five five five one two three four extension ", ""),
    ("", "one main oak elm ", "street"),
    ("one main street ", "unit ", ""),
    ("", "five dollars and ", "cents"),
    ("", "a ", "hundred"),
    ("", "plus one ", ""),
    ("", "it's'", ""),
    ("", "emily at demo dot com, five five five, one two three four, one twenty three main street, ", ""),
]


@pytest.mark.parametrize(("head", "unit", "tail"), _LONG_SHAPES, ids=[repr(s[1]) for s in _LONG_SHAPES])
def test_twenty_thousand_characters_of_odd_input_finish_quickly(head, unit, tail):
    """Linear, not quadratic: ten times the input may cost at most about fifty times the time (a
    quadratic rule would cost a hundred). Relative, and the two sizes are timed in turns (best of
    seven each), so a loaded CI machine slows both alike and cannot fail it."""
    texts = [head + unit * (repeats // len(unit)) + tail for repeats in (2_000, 20_000)]
    best = [float("inf"), float("inf")]
    for _ in range(7):
        for i, text in enumerate(texts):
            started = time.perf_counter()
            assert isinstance(normalize_spoken(text), str)
            best[i] = min(best[i], time.perf_counter() - started)
    small, large = best
    assert large < max(50 * small, 0.05), (small, large)

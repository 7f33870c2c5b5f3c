"""A new customer's details from messy text with no model: `deterministic_fields(text) -> ClientFields`.

normalize_spoken runs first ("five five five…" → 555-…), then each field is read by pattern. Precision over
recall: a field is left empty rather than guessed. Where a message gives a field twice, a correction
("no wait", "sorry", "actually"…) between the two means the later one; otherwise the first one stands.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import replace

from hard_e.agents.intake.fields import STATE_CODES, STATES, ClientFields, format_phone
from hard_e.agents.intake.keywords import canonical_lead_source, lead_sources_in, trades_in
from hard_e.agents.intake.places import Place, place_without_street, streets_in, zip_said
from hard_e.agents.spoken import normalize_spoken

log = logging.getLogger(__name__)

MAX_TEXT = 4000  # characters read; an intake message is a few lines

CORRECTION = re.compile(r"\b(?:no,? wait|wait,? no|actually|sorry|correction|i mean|scratch that|make that|rather)\b", re.I)
_EMAIL = re.compile(r"(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+'-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")
# "emily at demo.com": spoken "at", written domain (normalize_spoken only rewrites a spoken "dot com").
_HALF_SPOKEN_EMAIL = re.compile(
    r"(?<![\w.@-])([a-z0-9][a-z0-9._-]*)\s+(?:at|\(at\)|\[at\])\s+([a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|net|org|edu|gov|us|io|co|biz|info|me|ca|uk))\b",
    re.I,
)
# "five five five … emily at demo dot com" comes out of normalize_spoken as "5551234567emily@demo.com" (its E4:
# number words may open an email's local part); a phone or zip length of digits there is split off again.
_GLUED_DIGITS = re.compile(r"(?<![\w.+-])(\d{5}|\d{7}|\d{10,11})(?=[a-z][a-z0-9._%+'-]*@)")
_NOT_CUSTOMER_EMAIL = re.compile(r"^(?:no-?reply|do-?not-?reply|notifications?|mailer-daemon)@", re.I)
_PHONE = re.compile(
    r"""(?<![\w@.+/-])(?:\+?1[\s.-]?)?(?:\(\d{3}\)\s?|\d{3}[\s.-]?)\d{3}[\s.-]?\d{4}
    (?:\s*,?\s*(?:ext\.?|extension|x)\s*\d{1,6})?(?![\w-])
    |(?<![\w@.+/-])\d{3}-\d{4}(?:\s*,?\s*(?:ext\.?|extension)\s*\d{1,6})?(?![\w-])
    |(?<![\w+])\+(?!1\b)\d{1,3}(?:[ -]\d{1,5}){2,6}(?![\w-])""",
    re.I | re.X,
)
# A digit string after one of these, in the same clause, is a claim or job number, not a phone.
_NOT_PHONE_CONTEXT = re.compile(r"\b(?:claim|policy|job|account|acct|order|invoice|permit|ticket|case|ref|reference)\b|#", re.I)
# "555-221-4490, no wait, 4491": a spoken correction of a phone number's last four digits.
_LAST_FOUR_FIX = re.compile(
    rf"(?<![\w-])(\d{{3}}-\d{{3}}-)\d{{4}}(?P<fix>[\s,.;—-]*(?:{CORRECTION.pattern})[\s,:]*(?:it'?s\s+)?)(\d{{4}})(?![\w-])", re.I
)
_CLAUSE_START = re.compile(r"[,.;!?\n]")

# -- labelled forms ("Name: Priya Raman", "Phone: 469.555.0122") -----------------------------------------------------
_LABEL = re.compile(r"^\s*(?P<label>[A-Za-z][A-Za-z '/-]{0,40}?)\s*:\s*(?P<value>.+?)\s*$")
_LABELS = {
    "name": ("name", "full name", "customer", "customer name", "homeowner", "client", "client name", "contact"),
    "first_name": ("first name", "first"),
    "last_name": ("last name", "last", "surname"),
    "email": ("email", "e-mail", "email address"),
    "phone": ("phone", "phone number", "cell", "mobile", "tel", "telephone", "best number", "number"),
    "street": ("address", "street", "street address", "property", "property address"),
    "city": ("city", "town"),
    "state": ("state",),
    "zip": ("zip", "zip code", "zipcode", "postal code"),
    "trades": ("service", "services", "service needed", "interested in", "trade", "trades", "project", "work needed"),
    "lead_source": ("source", "lead source", "how did you hear about us", "heard about us", "referral source"),
}
_LABEL_FIELDS = {label: key for key, labels in _LABELS.items() for label in labels}

# -- names ------------------------------------------------------------------------------------------------------------
_TOKEN = r"[^\W\d_][^\W\d_'’-]*(?:['’-][^\W\d_]+)*"
_CAPITALIZED = r"(?-i:[A-Z])[^\W\d_'’-]*(?:['’-][^\W\d_]+)*"
_PARTICLES = "de|del|della|la|le|van|von|der|den|da|di|dos|du"
# A name introduced by these may be written in lower case (speech to text writes no capitals).
_MARKER = re.compile(
    r"""\b(?:new\s+(?:customer|lead|client|cust|contact)(?:\s+(?:for|named|called|is))?
    |(?:customer|client|homeowner|contact)(?:'s)?(?:\s+name)?\s+(?:is|named|called)
    |(?:her|his|their|the)\s+name\s+is|name's|name\s+is
    |add(?:\s+(?:contact|customer|lead|client))?|(?:lead|number|quote)\s+for|this\s+is\s+for)(?![\w'])[\s:,–—-]*""",
    re.I | re.X,
)
# After these only a capitalized name counts: "Past customer Jill Moreno", "Lead: Omar Haddad", "Met Nina Petrov".
_SOFT_MARKER = re.compile(
    r"\b(?:customer|client|homeowner|contact|lead|this\s+is|met(?:\s+with)?|spoke\s+(?:with|to|w/))(?![\w'])[\s:,–—-]*", re.I
)
_MARKED_NAME = re.compile(rf"(?P<first>{_TOKEN})\s+(?P<last>(?:(?:{_PARTICLES})\s+)*{_TOKEN})\b", re.I)
_CAPITALIZED_NAME = re.compile(
    rf"(?P<first>{_CAPITALIZED}(?:\s+{_CAPITALIZED}(?=\s+(?:{_PARTICLES})\s))?)(?:\s+(?-i:[A-Z])\.)?"
    rf"\s+(?P<last>(?:(?:{_PARTICLES})\s+)*{_CAPITALIZED})\b"
)
# What may follow a name given on its own: contact details, a comma or line end, or "… wants / called".
_DETAILS = r"[\s,:;<(–—-]*(?:[\w.+-]+@|\+?\(?\d{3}\)?[\s.-]?\d{3})"
_AFTER_NAME = re.compile(
    rf"{_DETAILS}|\s*(?:$|\n|[,(<–—-]|at\s+\d|(?:called|calls|wants|needs|is|was|would|has|asked|said|lives|now)\b)", re.I
)
_AFTER_LOWERCASE_NAME = re.compile(_DETAILS)
_LOWERCASE_NAME = re.compile(rf"(?P<first>{_TOKEN})\s+(?P<last>{_TOKEN})\b")
# "Dallas, TX": a city, not a name.
_BEFORE_STATE = re.compile(rf"[\s,]+(?:[A-Z]{{2}}\b|(?i:{'|'.join(STATES)})\b)")
_HONORIFIC = re.compile(r"\b(?:Mr|Mrs|Ms|Miss)\.?\s+(?:and\s+(?:Mr|Mrs|Ms)\.?\s+)?(?P<last>[A-Z][\w'’-]+)\b(?!\s+[A-Z])")
_SPELLED = re.compile(r"(?<![\w-])(?:[A-Za-z](?:\s+|-)){2,}[A-Za-z](?![\w-])")
_NOT_NAMES = frozenset(
    """a an the and or of on in at to for from by with me you him her his hers them they their she he we i it its it's
    my our your is are was be been being this that there here uh um so ok okay hi hey hello thanks thank please just
    new customer customers lead leads client contact cust homeowner name names number phone cell mobile email address
    work home office text best reach main other her his their wife husband son daughter mom dad owner tenant
    area code callback back direct landline personal business fax line contact info details here's heres its
    wants needs called call said asked lives roof roofing siding windows window gutters gutter solar quote estimate
    inspection today tomorrow yesterday monday tuesday wednesday thursday friday saturday sunday spoke great good
    same repeat website web form submission service message subject from sent street drive avenue road lane court
    mr mrs ms miss dr no not yes wait actually sorry also only""".split()
)


def deterministic_fields(text: str) -> ClientFields:
    """Everything `text` states plainly about a new customer; empty fields where it doesn't. Never raises."""
    if not isinstance(text, str) or not text.strip():
        return ClientFields()
    raw = text[:MAX_TEXT]
    try:
        written = normalize_spoken(raw)
    except Exception as exc:  # the normaliser promises not to raise; a bug there must not cost the intake
        log.warning("normalize_spoken failed: %s", type(exc).__name__)
        written = raw
    written = _GLUED_DIGITS.sub(r"\1 ", written)
    written = _LAST_FOUR_FIX.sub(lambda m: f"{m.group(1)}{m.group(3)}", written)
    labels = _labelled(written)
    fixes = [m.start() for m in CORRECTION.finditer(written)]

    email = _email(labels.get("email"), written, fixes)
    phone, other_phones = _phones(labels.get("phone"), written, fixes)
    place = _place(labels.get("street"), written, fixes)
    first, last = _names(labels, written, fixes)
    lead_source, referral = _lead_source(labels.get("lead_source"), written, fixes)
    trade_text = _EMAIL.sub(" ", labels.get("trades") or written)
    notes = [*(f"Other phone: {p}" for p in other_phones), *([referral] if referral else [])]
    return ClientFields(
        first_name=first,
        last_name=last,
        email=email,
        phone=phone,
        street=place.street,
        city=labels.get("city") or place.city,
        state=labels.get("state") or place.state,
        zip=labels.get("zip") or place.zip,
        trades=trades_in(trade_text),
        lead_source=lead_source,
        notes="; ".join(notes) or None,
    )


def _labelled(text: str) -> dict[str, str]:
    """The "Label: value" lines of a pasted form, by field ("Phone: 469.555.0122" → {"phone": "469.555.0122"})."""
    found: dict[str, str] = {}
    for line in re.split(r"\n|\s+[/|]\s+", text):
        m = _LABEL.match(line)
        if m and (key := _LABEL_FIELDS.get(" ".join(m.group("label").lower().split()))) and key not in found:
            found[key] = m.group("value")
    return found


def _pick(candidates: Sequence[tuple[int, str]], fixes: Sequence[int]) -> tuple[str | None, list[str]]:
    """The value to keep among (position, value) mentions, and the other distinct values.

    A later value replaces the kept one when a correction word stands between them.
    """
    kept: tuple[int, str] | None = None
    others: list[str] = []
    for at, value in candidates:
        if kept is None:
            kept = (at, value)
        elif value != kept[1] and value not in others:
            if any(kept[0] < fix < at for fix in fixes):
                kept = (at, value)
            else:
                others.append(value)
    return (kept[1] if kept else None), others


def _email(labelled: str | None, text: str, fixes: Sequence[int]) -> str | None:
    if labelled and (m := _EMAIL.search(labelled)):
        return m.group(0).lower()
    candidates = [(m.start(), m.group(0).lower()) for m in _EMAIL.finditer(text)]
    candidates += [(m.start(), f"{m.group(1)}@{m.group(2)}".lower()) for m in _HALF_SPOKEN_EMAIL.finditer(text)]
    email, _ = _pick(sorted(c for c in candidates if not _NOT_CUSTOMER_EMAIL.match(c[1])), fixes)
    return email


def _phones(labelled: str | None, text: str, fixes: Sequence[int]) -> tuple[str | None, list[str]]:
    if labelled and (formatted := format_phone(labelled)):
        return formatted, []
    candidates = []
    for m in _PHONE.finditer(text):
        clause = _CLAUSE_START.split(text[max(0, m.start() - 40) : m.start()])[-1]
        if not _NOT_PHONE_CONTEXT.search(clause) and (formatted := format_phone(m.group(0))):
            candidates.append((m.start(), formatted))
    return _pick(candidates, fixes)


def _place(labelled: str | None, text: str, fixes: Sequence[int]) -> Place:
    if labelled and (streets := streets_in(labelled)):
        return streets[0]
    streets = streets_in(text)
    street, _ = _pick([(p.at, p.street or "") for p in streets], fixes)
    place = next((p for p in reversed(streets) if p.street == street), None) or place_without_street(text) or Place(0)
    # "…Denton TX 76201, sorry, zip is 76209": a zip said on its own may correct the address's.
    said = zip_said(text)
    if said is not None:
        kept, _ = _pick([(place.at, place.zip), said] if place.zip else [said], fixes)
        place = replace(place, zip=kept)
    return place


def _names(labels: dict[str, str], text: str, fixes: Sequence[int]) -> tuple[str | None, str | None]:
    if "first_name" in labels or "last_name" in labels:
        return _name_word(labels.get("first_name")), _name_word(labels.get("last_name"))
    if "name" in labels and (m := _MARKED_NAME.fullmatch(labels["name"])):
        return _name_word(m.group("first")), _name_word(m.group("last"))
    found = _introduced_name(text) or _name_before_details(text)
    if found is None:
        m = _HONORIFIC.search(text)
        return None, (m.group("last") if m else None)
    first, last, end = found
    return first, _spelled_last_name(text[end : end + 120], first, last)


def _introduced_name(text: str) -> tuple[str, str, int] | None:
    """A name after words that introduce one: "new customer emily stone", "her name is Brenda Cole"."""
    ends = sorted([(m.end(), True) for m in _MARKER.finditer(text)] + [(m.end(), False) for m in _SOFT_MARKER.finditer(text)])
    for end, lowercase_ok in ends:
        m = _CAPITALIZED_NAME.match(text, end) or (_MARKED_NAME.match(text, end) if lowercase_ok else None)
        if m and _plausible(m.group("first"), m.group("last")):
            return _name_word(m.group("first")) or "", _name_word(m.group("last")) or "", m.end()
    return None


def _name_before_details(text: str) -> tuple[str, str, int] | None:
    """A capitalized "Firstname Lastname" opening the message or a line or sentence, followed by contact
    details, a comma or line end, or a verb: "Linda Park called in", "Frank Russo\\n817-555-0144"."""
    for m in _CAPITALIZED_NAME.finditer(text):
        if _opens(text, m.start()) and _AFTER_NAME.match(text, m.end()) and not _BEFORE_STATE.match(text, m.end()):
            if _plausible(m.group("first"), m.group("last")):
                return m.group("first"), m.group("last"), m.end()
    # Speech to text writes no capitals: "… sarah lindqvist 469-555-0177", only right before contact details.
    for m in _LOWERCASE_NAME.finditer(text):
        if _opens(text, m.start()) and _AFTER_LOWERCASE_NAME.match(text, m.end()) and _plausible(m.group("first"), m.group("last")):
            return _name_word(m.group("first")) or "", _name_word(m.group("last")) or "", m.end()
    return None


def _opens(text: str, at: int) -> bool:
    """Whether `at` starts the text, a line, a sentence or a clause."""
    before = text[:at].rstrip(" \t")
    return not before or before[-1] in ".!?\n:;,-–—(<"


def _plausible(first: str, last: str) -> bool:
    words = [w for w in (*first.split(), *last.split()) if not re.fullmatch(_PARTICLES, w, re.I)]
    return not any(w.lower() in _NOT_NAMES or w in STATE_CODES or w.lower() in STATES for w in words)


def _spelled_last_name(after: str, first: str, last: str) -> str:
    """A spelled name after the name: "Quintero, Q U I N T E R O" confirms it, "Smyth — sorry, S M I T H" corrects it."""
    m = _SPELLED.search(after[:60])
    if m is None:
        return last
    spelled = re.sub(r"[\s-]", "", m.group(0)).lower()
    if len(spelled) < 3 or spelled in {last.lower().replace(" ", ""), first.lower(), (first + last).lower().replace(" ", "")}:
        return last
    return spelled.capitalize()


def _name_word(word: str | None) -> str | None:
    """A name as the guide writes it: first letter capital, the customer's own capitals kept (DeLeon)."""
    if not word or not word.strip():
        return None
    parts = word.split()
    # "de la Cruz": particles keep their case; everything else gets a capital first letter.
    out = [p if re.fullmatch(_PARTICLES, p, re.I) and len(parts) > 1 else _capital(p) for p in parts]
    return " ".join(out)


def _capital(word: str) -> str:
    """A capital first letter: "stone" → "Stone", "SULLIVAN-ROSS" → "Sullivan-Ross", "o'brien" → "O'Brien"; "DeLeon" stays."""
    if not (word.islower() or word.isupper()):
        return word
    word = "-".join(part[:1].upper() + part[1:].lower() for part in word.split("-"))
    return re.sub(r"^([OD]['’])(\w)", lambda m: m.group(1) + m.group(2).upper(), word)


def _lead_source(labelled: str | None, text: str, fixes: Sequence[int]) -> tuple[str | None, str | None]:
    """The lead source, and a note naming the referrer when there is one."""
    referral = re.search(r"\breferr(?:ed|al)\s+(?:by|from)\s+([^,.;\n]{3,40})", text, re.I)
    note = f"Referred by {referral.group(1).strip()}" if referral else None
    if labelled and (source := canonical_lead_source(labelled)):
        return source, note
    mentions = lead_sources_in(text)
    kept, others = _pick(mentions, fixes)
    return (kept if not others else None), note

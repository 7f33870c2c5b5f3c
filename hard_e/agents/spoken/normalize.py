"""normalize_spoken: spoken contact details and quantities in written form (docs/SPOKEN_CONVENTIONS.md).

It rewrites only the five entity kinds the conventions name — emails, phone numbers and other digit strings,
street addresses, money, measures/percentages — and hands every other character back as it was. Pure,
deterministic, never raises.
"""

from __future__ import annotations

from hard_e.agents.spoken.document import Doc
from hard_e.agents.spoken.emails import rewrite_emails
from hard_e.agents.spoken.phones import PHONE, digit_string, extension
from hard_e.agents.spoken.quantities import quantity


def normalize_spoken(text: str) -> str:
    """Spoken-form emails, phone numbers, addresses, money and measures in written form.

    "emily at demo dot com" → "emily@demo.com"; everything else comes back byte for byte.
    """
    doc = Doc(text)
    rewrite_emails(doc)
    _rewrite_numbers(doc)
    out, pos = [], 0
    for start, end, written in sorted(doc.edits):
        out += [text[pos:start], written]
        pos = end
    out.append(text[pos:])
    return "".join(out)


def _rewrite_numbers(doc: Doc) -> None:
    i = 0
    while i < len(doc):
        end = doc.phrase(i)
        if end == i:
            i += 1
            continue
        phrase = doc.reading(i, end)
        edit = quantity(doc, i, end, phrase)
        if edit is None and phrase is not None:
            edit = extension(doc, i, end, phrase) or digit_string(doc, i, end, phrase)
        if edit is None:
            i = end
            continue
        first, last, written = edit
        doc.rewrite(first, last, written)
        if PHONE.fullmatch(written):
            doc.phone_end = last  # P6: an extension may follow
        i = last + 1

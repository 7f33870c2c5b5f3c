"""Slack's message markup as a person reads it. The one normaliser for outside text: Turn applies it where text enters
the brain, and route() applies it again to text it is handed directly (it is idempotent, so twice changes nothing).

Slack sends mentions, channels, links and three HTML entities in its own markup (docs.slack.dev, "Formatting text
for app surfaces"): `<@U123>`, `<@U123|name>`, `<#C123|sales>`, `<!here>`, `<!subteam^S1|@team>`, `<!date^…|Feb 18>`,
`<https://x|label>`, `<https://x>`, `<mailto:a@b.c|a@b.c>`, and `&amp; &lt; &gt;` for what the user typed as
`& < >`. A link to a Leap/JobProgress job page (`{site}/app/#/customer-jobs/{customer}/job/{job}/overview`, the
form Hard-E itself builds) keeps its label and becomes a record reference: "Jimenez roof [CRM job 4733, customer
1028]", so the router and the model both know a CRM record is meant. No I/O.
"""

from __future__ import annotations

import re

_SCHEME = r"(?:https?://|mailto:|tel:|ftp://)"
_START = rf"(?:[@#!]|{_SCHEME})"  # what follows "<" in a markup token
_CRM_PATH = r"/app/#/customer-jobs/(\d+)/job/(\d+)(?:/[\w-]+)*+/?(?:\?[^\s<>|]*+)?"
# a whole link: from a start, a space or a bracket to an end, a space or punctuation ("…/overview." ends a sentence)
_CRM_URL = re.compile(rf"(?<![^\s(\[])https?://[^\s<>|/]++{_CRM_PATH}(?=$|[\s).,;:!?\]])", re.IGNORECASE)

# One scan (possessive, and a run of "<" is tried once, from its start: linear on any input), in this order at each
# position:
# - a markup token; leading extra "<" go with it ("<<@U1>>" reads "@U1>"), so nothing is left to open a token later;
# - a stray opener ("<@U1" never closed): dropped for the same reason;
# - a bare link to a CRM job page, which reads as a record reference like a labelled one;
# - an entity. A "&lt;" just before markup or another "<" stays encoded: decoding it would open a token that the
#   next pass reads differently. "&amp;" stays when it encodes another entity ("&amp;lt;" is what "&lt;" typed reads).
_MARKUP = re.compile(
    rf"(?<!<)<++(?P<body>{_START}[^\s<>|]*+)(?:\|(?P<label>[^<>]*+))?>"
    rf"|(?<!<)(?P<stray><++)(?={_START})"
    rf"|(?P<crm>{_CRM_URL.pattern})"
    rf"|(?P<entity>&lt;(?!<|{_START})|&gt;|&amp;(?!(?:amp|lt|gt);))",
    re.IGNORECASE,
)
# Inside a label or a link the same entities, and a trailing "&lt;" stays: it would end up just before what follows.
_ENTITY_INSIDE = re.compile(rf"&lt;(?!<|{_START}|$)|&gt;|&amp;(?!(?:amp|lt|gt);)", re.IGNORECASE)
_DECODED = {"&lt;": "<", "&gt;": ">", "&amp;": "&"}
# One pass settles anything Slack sends; markup typed inside markup ("<https://x|a &lt;>@b") may take another. The
# passes stop at the first that changes nothing, so the result is a fixed point (normalising again changes nothing);
# four is far more than any mix of markup and entities needs (tests/test_slack_text.py tries a large random sample).
PASSES = 4


def _decoded(text: str) -> str:
    """A link's or a label's text with its entities decoded."""
    return _ENTITY_INSIDE.sub(lambda mt: _DECODED[mt.group(0).lower()], text) if "&" in text else text


def _label(text: str) -> str:
    """A label as it reads: entities decoded, a CRM link typed as the label read as its record."""
    text = _decoded(text.strip())
    return _CRM_URL.sub(lambda mt: crm_reference(mt.group(1), mt.group(2)), text) if "customer-jobs" in text else text


def crm_reference(customer_id: str, job_id: str) -> str:
    """How a link to a CRM job reads in the text: the record it points at."""
    return f"[CRM job {job_id}, customer {customer_id}]"


def _link(url: str, label: str) -> str:
    if crm := _CRM_URL.match(url):
        ref = crm_reference(crm.group(1), crm.group(2))
        return f"{label} {ref}" if label and label not in (url, ref) else ref
    if url.lower().startswith(("mailto:", "tel:")):  # the label is what was typed; a differing name keeps the address
        address = url.split(":", 1)[1].split("?", 1)[0]
        if not label or label == address:
            return address
        return label if url.lower().startswith("tel:") else f"{label} ({address})"
    bare = re.sub(r"^https?://", "", url, flags=re.IGNORECASE).rstrip("/")
    if not label or label.rstrip("/") in (url.rstrip("/"), bare):
        return label or url  # Slack links what was typed ("www.x.com"): show it as typed
    return f"{label} ({url})"


GROUP_MENTIONS = ("here", "channel", "everyone", "subteam")


def _special(body: str, label: str) -> str:
    """`<!here>`, `<!subteam^S1|@team>` as an @-name; anything else (`<!date^…|Feb 18>`) as its label."""
    kind, _, rest = body.partition("^")
    if kind in GROUP_MENTIONS or not label:
        return f"@{label.lstrip('@') or (rest if kind == 'subteam' and rest else kind)}"
    return label


def _token(body: str, label: str | None) -> str:
    label = _label(label) if label else ""
    kind, rest = body[0], body[1:]
    if kind == "@":  # a user: "@name" when Slack gives the name, else the id
        return f"@{label.lstrip('@')}" if label else f"@{rest}"
    if kind == "#":  # a channel
        return f"#{label.lstrip('#')}" if label else f"#{rest}"
    if kind == "!":
        return _special(rest, label)
    return _link(_decoded(body), label)


def _replace(mt: re.Match[str]) -> str:
    if (body := mt.group("body")) is not None:
        return _token(body, mt.group("label"))
    if mt.group("stray") is not None:
        return ""
    if (url := mt.group("crm")) is not None:
        return _link(url, "")
    return _DECODED[mt.group("entity").lower()]


def normalize_slack(text: str) -> str:
    """`text` with Slack markup as a person reads it: mentions as "@name", channels as "#name", links as
    "label (url)", entities decoded, and a CRM job link as "label [CRM job 4733, customer 1028]". Text with no markup
    ("price < 5k") comes back unchanged, and so does text already normalised."""
    for _ in range(PASSES):
        if "<" not in text and "&" not in text and "customer-jobs" not in text:
            break
        if (done := _MARKUP.sub(_replace, text)) == text:
            break
        text = done
    return text

"""Step 3 of the routing guide: two requests for different specialists in one message go to triage, unless the
second only uses what the first finds (one request, for the second's specialist). No I/O.
"""

from __future__ import annotations

from hard_e.agents.routing.asks import VERB_START
from hard_e.agents.routing.names import Msg
from hard_e.agents.routing.rules import specialist
from hard_e.agents.routing.vocabulary import rx

SPLIT = rx(
    r"[?!;]+\s+|\.\s+|\s*\n+\s*|\s+[+/]\s+|\s+[-\u2013\u2014]+\s+|,?\s+(?:and|&)\s+(?:also\s+|then\s+)?|"
    r",?\s+(?:also|plus|then)\s+|,\s+(?=(?:can|could|"
    r"what|how|which)\b)"
)
DEPENDENT = rx(  # the second part uses what the first finds: one request
    r"\b(?:based on (?:that|it|this|those|them|the results)|(?:from|out of|off) (?:that|it|this|those|them|these)"
    r"[\s?!.]*$|using (?:that|those|it|them|the results)|use (?:it|"
    r"that|those|them|these)|put (?:it|that|them|those) in|include (?:it|that|them|those)|(?:that|"
    r"which) (?:handles|covers|addresses|answers) (?:them|those|it)|with (?:that|those) (?:info|numbers|details|"
    r"results)|(?:for|to|on|about|in) (?:those|these) \w+)\b"
)
WRITES = rx(r"\b(?:move|mark|add|log|update|change|schedule|book|reschedule|cancel|reopen|assign|create|enter|put)\b")


def two_requests(m: Msg) -> str | None:
    requests: list[tuple[str, str]] = []
    for i, part in enumerate(p.strip() for p in SPLIT.split(m.text) if p and p.strip()):
        if i and not VERB_START.match(part):
            continue  # continues the previous clause ("..., wants gutters"), not a new request
        if label := specialist(Msg(part, m.names)):
            requests.append((label, part))
    if len({label for label, _ in requests}) < 2:
        return None
    (_, first), (last_label, last) = requests[0], requests[-1]
    if len(requests) == 2 and DEPENDENT.search(last) and not WRITES.search(first):
        return last_label  # the first part only feeds the second
    return "triage"

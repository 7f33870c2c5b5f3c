"""What a rep reads when the CRM can't help: one clear sentence each, never a raw error."""

from __future__ import annotations

from hard_e.errors import CrmUnavailable

_UNAVAILABLE = {
    "unauthorized": "{crm} turned down my credentials, so I can't look that up. An admin needs to check LEAP_API_TOKEN.",
    "rate_limited": "{crm} is asking me to slow down right now. Give it a minute and ask me again.",
    "timeout": "{crm} took too long to answer, so I stopped waiting. Please try again in a minute.",
    "unreachable": "I couldn't reach {crm} just now. Please try again in a minute.",
    "server_error": "{crm} is having trouble on its end right now. Please try again in a few minutes.",
    "bad_response": "{crm} sent back something I couldn't read. Please try again in a moment.",
    "rejected": "{crm} turned that request down as it stands. Check the details and try again.",
}

NO_CRM = "No CRM is connected to me here, so I can't look up customers or jobs."
STORE_DOWN = "The local CRM (my database) isn't answering right now. Please try again in a minute."
NOT_PRIVATE = (
    "That needs customer details from the CRM, and I only share those privately. "
    "DM me the question, or ask with `/hard-e your question` and I'll answer in our DM."
)
REFUSED = {
    "guest": "Guest accounts can't use the CRM through me. Ask someone on the sales team to look it up for you.",
    "not_allowed": "The CRM is open to a set list of people here, and you're not on it yet. An admin can add you.",
    "unverified": "I couldn't check whether you have CRM access just now, so I didn't look. Please try again in a minute.",
}


def unavailable(crm: str, error: CrmUnavailable) -> str:
    """The sentence for a CRM that could not do what was asked (its name as the rep calls it)."""
    text = _UNAVAILABLE.get(error.reason, "I couldn't reach {crm} just now. Please try again in a minute.")
    return text.format(crm=crm[:1].upper() + crm[1:])


def refused(reason: str) -> str:
    return REFUSED.get(reason, REFUSED["unverified"])

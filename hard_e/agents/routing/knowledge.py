"""Step 4, rule 6 of the routing guide: knowledge — explicit knowledge-base work. KB_SEARCH and DOC_REF (a question
about which document holds something) also keep crm, analysis and web_search off our own documents. No I/O.
"""

from __future__ import annotations

import re

from hard_e.agents.routing.names import Msg
from hard_e.agents.routing.vocabulary import rx

DOCS = (
    r"(?:docs?|documents?|documentation|knowledge ?base|kb|training (?:docs?|materials?|documents?)|playbook|"
    r"handbook|manual|wiki|sops?|guides?|materials|policy docs)"
)
DOC_ITEM = (
    r"(?:docs?|documents?|documentation|write-?ups?|sops?|playbook|handbook|manual|guide|policy doc|"
    r"training (?:docs?|materials?|videos?))"
)  # a document one has or sends ("materials" may be shingles)
KB = r"(?:docs|documents|documentation|knowledge ?base|kb|training (?:docs?|materials?|documents?)|playbook|handbook|wiki)"
KB_SEARCH = rx(  # searching the knowledge base, or asking whether it has anything on a topic; never a CRM lookup
    rf"\b(?:search|look (?:in|through)|browse|go through|dig through|scan)\s+(?:in\s+)?(?:the\s+|our\s+|all\s+)?"
    rf"{KB}\b|\b(?:anything|something|stuff|info|information)\s+(?:in|on|from)\s+(?:the\s+|our\s+)?{KB}\b"
)
# a question about which document holds something: "what doc has the objection types table?" is the knowledge base's
DOC_REF = rx(
    r"\b(?:which|what)\s+(?:\w+\s+)?(?:doc|document|docs|documents|page|section|guide|sop|file)\b|"
    r"\b(?:in|from|of) (?:the |our |that |this )?(?:[\w-]+ )?(?:docs?|documents?|documentation|playbook|"
    r"handbook|manual|knowledge ?base|kb|training (?:docs?|materials?))\b|\b(?:the|our|that|this) "
    r"(?:[\w-]+ ){0,2}(?:docs?|documents?|playbook|handbook|manual|knowledge ?base) (?:says?|said|covers?|"
    r"mentions?|has)\b"
)
KNOWLEDGE = rx(
    rf"{KB_SEARCH.pattern}|\b(?:search|check|look (?:in|through)|browse|go through|dig through|scan)\s+(?:in\s+)?"
    rf"(?:the\s+|our\s+|all\s+)?{DOCS}\b"
    r"|\b(?:which|what)\s+(?:\w+\s+)?(?:doc|document|docs|documents|file|page|section|policy|guide|article|"
    r"sop)\s+(?:covers|talks|mentions|says|has|explains|describes|discusses|is about|deals|cover|talk|mention|say)|"
    # (not "check some other sources" for an outside claim: that is the web's)
    r"\b(?:cite|citations?|(?<!other )(?<!outside )(?<!independent )(?<!external )sources|source it|"
    r"with (?:a )?source|show (?:me )?(?:the )?source|references)\b|"
    r"\bquote the (?:[\w-]+ ){1,3}(?:section|passage|paragraph|clause|part)\b|"
    rf"\b(?:which|what)\s+(?:\w+\s+)?(?:section|page|part|chapter)s?\s+of\s+(?:the\s+|our\s+)?(?:[\w-]+\s+)?{DOCS}\b|"
    # what a named document says: "quote what the pricing doc says", "does the financing doc mention ..."
    rf"\bquote (?:what|where|how) (?:the |our |it |that )|\b(?:does|do|did) (?:the|our|that|this) (?:[\w-]+ ){{0,2}}"
    rf"{DOC_ITEM} (?:say|mention|cover|talk|address|include)\b|"
    r"\bquote (?:it|that|this|the (?:doc|document|policy|section|text|passage|line|paragraph|relevant|whole|part|"
    r"parts|bit|clause|sentence|wording|language|rule)|"
    r"me the|"
    rf"directly|verbatim|from (?:the |our )?{DOCS})\b|\b(?:word for word|verbatim|exact (?:wording|language|"
    rf"text))\b|\b(?:list|show|what are|which are|what|which)\s+(?:me\s+)?(?:all\s+)?(?:of\s+)?(?:the\s+|our\s+|"
    rf"your\s+)?{DOCS}\b|\bwhere (?:does it|do the docs|in the docs|is it written)\b|\bwhere\b.*\b{DOCS} (?:say|"
    rf"says|mention|cover)|\bshow me where\b|\b(?:link|pull up|open)\b.*\b{DOCS}\b"
    rf"|\b(?:where|anywhere|somewhere) (?:in|on) (?:the |our |that |this )?{DOCS}\b|\b(?:is there|are there|do we have|have we got|got) "
    rf"(?:a|an|any|some)\s+(?:\S+\s+)?{DOC_ITEM}\b|\b(?:send|share|attach|forward) (?:me |us )?(?:the|that|this|a|"
    rf"our)\s+(?:\S+\s+)?{DOC_ITEM}\b"
)


QUOTE_TO_CUSTOMER = rx(  # "can I quote it to customers" asks what to tell a customer, not for a document's words
    r"\bquote (?:(?:it|that|this|them|those) )?(?:to|for) (?:the |a |my |our )?(?:customers?|homeowners?|clients?|"
    r"people|buyers?|them|him|her)\b|^(?:can|may|should|could) (?:i|we|reps?) quote\b"
)


def knowledge(m: Msg) -> bool:
    t = re.sub(r"\blead sources?\b", "", m.text)
    return bool(KNOWLEDGE.search(QUOTE_TO_CUSTOMER.sub(" ", t)))

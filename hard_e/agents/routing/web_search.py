"""Step 4, rule 5 of the routing guide: web_search — outside or current information. No I/O."""

from __future__ import annotations

import re

from hard_e.agents.routing.asks import ADVICE, writing_help
from hard_e.agents.routing.knowledge import DOC_REF, KB_SEARCH
from hard_e.agents.routing.names import Msg, entity
from hard_e.agents.routing.vocabulary import PLACES, WHEN, rx

# a web search asked for by name, or a claim to check against outside sources: crm and web_search both defer to it
EXPLICIT_WEB = rx(
    r"\b(?:search|look|check)\s+(?:\S+\s+)?(?:the )?(?:web|internet|online)\b|\bgoogle (?!reviews?\b)"
    r"\w|\bweb search\b|\b(?:check|verify|confirm|compare|look at)\b(?:\s+\S+){0,2}?\s+(?:other|outside|independent|"
    r"external) sources\b"
)
PRICE = r"(?:price|prices|pricing|cost|costs|charge|charging|charges|rate|rates|going for|run)"
OUTSIDE = (
    rf"(?:current(?:ly)?|today'?s|these days|right now|going rate|market|lately|nowadays|this year|"
    rf"trend\w*|going up|rising|suppl(?:y|ier|iers)|distributors?|wholesale|home depot|lowe's|in {PLACES}|"
    rf"near {PLACES}|owens corning|gaf|certainteed|malarkey|tamko|iko|atlas)"
)
WEB = rx(
    r"\b(?:search the (?:web|internet)|google|look (?:it )?(?:up )?online|search online|on the (?:web|internet)|"
    r"online|web search|bing)\b"
    # market and competitors' prices
    # (a price "today" is the market's; "wants to sign today ... the old price" is a date, not the market)
    rf"|\b{PRICE}\b.*\b{OUTSIDE}\b|\b{OUTSIDE}\b.*\b{PRICE}\b|\b{PRICE}\b(?:\s+\S+){{0,2}}?\s+today\b|\bgoing rate\b"
    rf"|\b{PRICE}\b.*\b(?:around here|locally)\b"
    r"|\b(?:does|do|is|are) (?!we\b|you\b|i\b|they\b|our\b)[a-z]+(?: [a-z]+)? (?:charge|charging|quote|quoting|"
    r"sell|selling)\b|\b(?:prices?|costs?|rates?) (?:doing|trending|going up|going down|headed|rising|dropping|"
    r"jump\w*|spik\w*|go(?:es)? up|go(?:es)? down|went up|went down|will go up|increas\w*|climb\w*)\b|"
    r"\b(?:price|cost|rate) (?:hikes?|increases?|jumps?|spikes?)\b|"
    r"\bwhere (?:are|is|'s) (?:\S+\s+){0,3}?(?:prices?|costs?|rates?)(?: at)?[\s?!.]*$"
    r"|\b(?:competitors?|competition|other (?:roofers|roofing companies|contractors|companies|"
    r"installers|outfits|guys)|[a-z]+ (?:roofing|exteriors|construction|restoration))\b.*\b(?:charg\w*|pric\w*|"
    r"cost\w*|reviews?|reviewed|rating|rated|reputation|yelp|bbb|offer\w*|selling|doing)\b"
    r"|\b(?:reviews?|ratings?|reputation)\b.*\b(?:competitors?|other (?:roofers|roofing companies|contractors|"
    r"companies|installers|outfits)|(?!(?:our|the|my|your|their|his|her|on|for|of|in|and|with|to|a|an|about|metal|"
    r"shingle|storm|residential|commercial|new)\b)[a-z]+ (?:roofing|exteriors|construction|restoration))\b"
    r"|\b(?:doing|looking|trending|headed|going)\b(?:\s+\S+){0,2}?\s+(?:price|cost)[- ]?wise\b"
    # weather, storms, hail, news
    rf"|\b(?:weather|forecast|tornado|temperature|temps|freeze)\b|\b(?:rain|snow|wind|storms?|hail|"
    rf"hailstorms?)\b(?:\s+\S+){{0,3}}?\s+(?:reports?|maps?|data|events?|swath|path|history|{WHEN}|in {PLACES}|"
    rf"near|hit)\b"
    r"|\b(?:was there|were there|did it|is it (?:supposed|going)|any|recent|latest)\b(?:\s+\S+){0,3}?\s+(?:rain|"
    r"snow|wind|storms?|hail|hailstorms?)\b|\bsupposed to (?:rain|snow|hail|storm)\b|\b(?:news|headlines)\b"
    r"|\b(?:this|that|an|a|the|news|online) (?:article|story|report)\b(?:\s+\S+){0,6}?\s+(?:says?|said|claims?|reports?|"
    r"is saying)\b"
    r"|\b(?:tariffs?|supply chain|shortages?|inflation|housing market|recession|the economy)\b"
    # permits and codes, incentives, interest rates
    rf"|\bpermits?\b.*\b(?:cost|fee|fees|need|needed|require\w*|rules|process|{PLACES}|city|county|state)\b|"
    rf"\b{PLACES}\b.*\bpermits?\b|\b(?:need|needs|require\w*) (?:a )?permits?\b|\bcodes?\b.*\b(?:require\w*|say|"
    rf"allow|in {PLACES}|city|state|local)\b|\b(?:{PLACES}|building) codes?\b"
    r"|\b(?:ordinances?|(?<!hoa )regulations?)\b"
    r"|\b(?:tax credits?|incentives?|rebates?|itc|net metering|utility (?:programs?|rules|buyback)|grants?|25[cd]|"
    r"(?:energy|federal|solar|state|efficiency) (?:tax )?credits?|inflation reduction act)\b|"
    r"\b(?:interest|mortgage|heloc|prime|fed|federal|apr|loan|bank)\s+rates?\b.*\b(?:current|today|now|these days|"
    r"going|trend|market|national|average|lately|this week|doing|up|down|ris|drop)|\b(?:mortgage|heloc|prime|fed|"
    r"federal) rates?\b|\brates?\b(?:\s+\S+){0,3}?\s+(?:going up|going down|rising|dropping|doing|trend)"
    r"|\b30[- ]?(?:yr|year) (?:fixed|mortgage|rate|loan)s?\b|\brefi(?:nance)? rates?\b"
)
PLACE_RULE = rx(rf"\b{PLACES}\s+(?:\S+\s+){{0,2}}?(?:requir|mandat|allow|ban|enforc)\w*")  # "is Arvada requiring ..."
RULE_VERB = re.compile(r"(?:requir|mandat|allow|ban|enforc)\w*")
# our own plans and packages by name count as "ours": "what rate is fixed 120 right now" is direct
OURS = rx(
    r"\b(?:we|our|us|brightwater|heritage|series \d+|fixed \d+|solar \d+|same[- ]as[- ]cash|(?:essential|"
    r"preferred|signature) (?:package|tier|option|roof|shingles?|system))\b"
)
NOT_JUST_OURS = rx(
    rf"\b(?:competitors?|other|market|suppl(?:y|ier|iers)|wholesale|tariffs?|manufacturers?|"
    rf"in {PLACES}|search|google|online|news|hail|weather|forecasts?|tornado\w*|temperatures?|temps)\b"
)


COMPANY_WORD = r"(?:roofing|exteriors|construction|restoration|contracting|builders|remodel\w*)\b"
THEIR_SITE = rx(
    r"\b(?:check|look at|go to|visit|read|pull up|browse|open)\b(?:\s+\S+){0,3}?\s+(?:(?:their|its|"
    r"[a-z]+'s) (?:web ?)?site|(?:the |that |this )?web ?site)\b"
)  # a company's website, not a job site


# what other companies quote or bid in general ("what are competitors in Aurora quoting for siding?"); what one of them
# quoted a named customer is on that customer's record
COMPETITOR_QUOTE = rx(
    r"\b(?:competitors?|competition|other (?:roofers|roofing companies|contractors|companies|"
    r"installers|outfits|guys))\b.*\b(?:quoting|bidding|quoted)\b"
)  # not "a competitor quote"


def web(m: Msg) -> bool:
    t = re.sub(r"\b(?:zip|area|promo|discount) codes?\b", "", m.text)
    if writing_help(t) and not EXPLICIT_WEB.search(t):
        return False  # "help me reply to a google review" is writing help
    if THEIR_SITE.search(t):
        return True
    if (DOC_REF.search(t) or KB_SEARCH.search(t)) and not EXPLICIT_WEB.search(t):
        return False  # "the exact wording from the financing doc about tax credits": our document, not the world
    if COMPETITOR_QUOTE.search(t) and not entity(m) and not ADVICE.search(t):
        return True
    if RULE_VERB.search(t) and PLACE_RULE.search(t):  # a city's or state's rules are outside information
        return not ADVICE.search(t)
    if not (hit := WEB.search(t)) or re.search(r"\b(?:search|google|online)\b", t):
        return bool(hit)
    if ADVICE.search(t) or re.match(r"(?:can|may|should|do) (?:i|we) (?:tell|say|quote|promise|mention|offer)\b", t):
        return False  # coaching, or what we may tell customers: our policy
    company = any(re.search(rf"\b{re.escape(n)} (?:\w+ )?{COMPANY_WORD}", t) for n in m.names)  # "Apex Exteriors"
    return not OURS.search(t) or bool(NOT_JUST_OURS.search(t)) or company  # our own prices and policies are direct

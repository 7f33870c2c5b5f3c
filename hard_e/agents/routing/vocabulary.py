"""Word lists and pattern pieces every routing rule shares: stages, times, places, reps, ordinary words that are
not customers' names. The bottom of the package: imports nothing from it. No I/O.
"""

from __future__ import annotations

import re


def rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


def words(*lines: str) -> frozenset[str]:
    return frozenset(w for line in lines for w in line.split())


# --- vocabulary ---------------------------------------------------------------------------------------------
STAGE = r"(?:appointment set|estimate sent|contract signed|inspection|production|completed?|lost|lead|signed)"
WHEN = (
    r"(?:today|tonight|tomorrow|yesterday|this (?:week|weekend|month|morning|afternoon)|next (?:week|month)|"
    r"last (?:week|month|night)|(?:mon|tues|wednes|thurs|fri|satur|sun)days?)"
)
MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may(?! (?:be|have|not|need|want)\b)|june?|july?|"
    r"aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
# a span of time a list or count of records covers: "in October", "the first week of November", "last quarter"
PERIOD = (
    rf"(?:(?:in|during|since|for|through|thru|from|of|by|before|after|until|last|this|early|late|mid-?)\s+{MONTH}\b"
    rf"(?!\.?\s*\d)|(?:first|second|third|fourth|last|1st|2nd|3rd|4th) (?:week|half|two weeks) of {MONTH}\b|"
    r"(?:last|this|past|previous) (?:week|month|quarter|year|\d+ (?:days|weeks|months))\b|q[1-4]\b|ytd\b|"
    r"year to date\b|so far this (?:week|month|quarter|year)\b)"
)
RECORD_PLURALS = r"(?:jobs|deals|leads|customers|clients|accounts|appointments|inspections|estimates|installs|contracts|projects)"
# what happens to records: a list or count over a period asks for them ("what got signed in October?")
EVENT = (
    r"(?:signed|sold|lost|won|closed|installed|completed|finished|booked|scheduled|cancell?ed|marked|moved|created|"
    r"added|came in|went out|paid)"
)
EVENT_BASE = r"(?:sign|sell|lose|win|close|install|complete|finish|book|schedule|cancel|mark|move|create|add|pay)"
PLACES = (
    r"(?:plano|frisco|mckinney|allen|prosper|richardson|garland|carrollton|dallas|fort worth|dfw|irving|"
    r"arlington|lakewood|golden|arvada|wheat ridge|westminster|denver|englewood|littleton|aurora|boulder|"
    r"highlands ranch|broomfield|thornton|centennial|parker|castle rock|colorado springs|austin|houston|"
    r"san antonio|collin county|texas|colorado|tx|the (?:metro|area|state|city|county)|my area|our area|"
    r"around here|locally|nationally)"
)
REPS = words("karen holt ben sato dana whitfield marcus bell priya nair luis ortega")
# Ordinary words: not a customer's name when capitalized, after "the" ("the metal roof") or as a plural ("the steps").
COMMON = words(
    "i i'm i've i'll i'd ok okay hi hey hello thanks yes no yep sure please can could would will what which who how",
    "when where why do does did is are was were be the a an and or but so also new add create write draft move mark",
    "log let this that these those my our your his her their its it there here he she me you we us if then of on in",
    "at to for from by with about as not any some all more less than per same whole other next last first second",
    "third everyone someone anyone nobody old big small current typical average good best better quick again help",
    "question info lead appointment set inspection estimate sent contract signed production completed complete lost",
    "stage status essential preferred signature series heritage keystone fixed solar metal standing seam acrc crm",
    "leap slack hoa apr brightwater hard-e harde google perplexity elevenlabs mr mrs ms dr monday tuesday wednesday",
    "thursday friday saturday sunday january february march april may june july august september october november",
    "december today tomorrow yesterday tonight week's month's year's plano frisco mckinney prosper richardson garland",
    "carrollton dallas fort worth lakewood golden arvada wheat ridge westminster denver englewood littleton aurora",
    "highlands ranch texas colorado dfw street st avenue ave road rd drive lane ln court ct boulevard blvd way circle",
    "parkway trail place roof roofing roofs shingle shingles siding vinyl fiber cement window windows gutter gutters",
    "guard guards battery repair warranty financing insurance storm hail cash premium standard customer customers",
    "leads job jobs deal deals estimates inspections appointments contracts primer script scripts video videos call",
    "calls sales won open pending company team office branch headquarters hq house home houses homes weather news",
    "price prices pricing rate rates doc docs document documents policy policies playbook process calendar objection",
    "objections technique techniques transcripts reps rep consultants numbers number notes note results options",
    "packages package squares square panels permits permit codes credits incentives rebates stages installs install",
    "installation crews photos questions basics rules fields plans plan loans terms days weeks months years hours",
    "texts emails messages reviews competitors roofers contractors companies suppliers materials costs cost fees",
    "specs stats ones one others rest guys kids dogs homeowners clients contacts details tear-off tearoff side back",
    "front damage claim claims adjuster adjusters opener intro close closing line lines version market tariff tariffs",
    "season week month year day morning afternoon evening usual thing things mess situation issue problem stuff steps",
    "items ways tips ideas people bills savings utilities payments trucks tools ladders pictures measurements samples",
    "colors styles brands products services trades branches offices managers teams neighbors owners buyers sellers",
    "spouses husbands wives partners metrics figures totals averages pros cons benefits features upgrades adders",
    "discounts deposits deductibles checks leaks stains drafts damages hits dents storms winds hailstorms seasons",
    "holidays weekends mornings evenings afternoons nights times dates deadlines goals quotas targets ratings stars",
    "referrals voicemails follow-ups followups files records forms templates sites links invoices receipts taxes",
    "doors downspouts inverters vents skylights chimneys decks fences screens yards streets neighborhoods areas",
    "cities towns counties states zones zips regions markets procedures processes phases parts words answers outcomes",
    "wins losses prospects cats pets folks phone email address amount deposit discount minimum inch shield ice water",
    "ventilation decking underlayment skylight chimney flashing downspout feet linear foot okay yeah sq ft dollars",
    "bucks miles watts kw percent seconds minutes",
    # where customers find us: "someone who found us on Facebook" names a site, not a customer
    "facebook instagram nextdoor yelp angi angie's thumbtack homeadvisor tiktok youtube linkedin twitter craigslist",
    # roof and pricing words that describe a topic, not a customer: "the steep roof policy", "steep adder?"
    "steep flat low-slope pitched leaking leaky damaged hail-damaged asphalt tile slate tpo shake garage porch patio",
    "detached upper lower entire partial recent latest commercial residential financed two-story one-story adder",
    "pitch pitches class transfer transfers section sections approval approvals reason reasons source sources score",
    "scores extra extras tier tiers option grade cheap cheaper cheapest expensive pricey lower lowest higher highest",
    "newer older original revised updated competing",
    # what kind of customer, not which one: "the repeat customer credit", "a returning client discount"
    "repeat returning existing previous past former prior loyal elderly senior veteran military first-time",
    # an organisation's name in a pasted signature ("Mountain States Roofing Supply"), not a customer's
    "supply supplies supplier suppliers distribution distributors distributing wholesale wholesalers inc llc corp",
)
# Ordinary words above that are also customers' surnames: capitalized before a record noun ("the Price job") or with
# 's ("Lane's deposit"), they name a customer.
SURNAME_WORDS = words("price cash lane day close house street")
# Words that open a message without naming anyone ("Update - ...", "Somebody called", "Homeowner wants ..."): never read
# as a surname in that position. Roles and discourse words only; customers' names are open-ended.
NOT_A_LEADING_NAME = words(
    "update updates note reminder fyi btw ps psa heads sidenote question actually wait sorry oops hmm ok okay yeah",
    "yep yup nope nah cool great perfect awesome nice thanks thx anyway anyways honestly seriously so well right",
    "alright sure fine done true agreed correct exactly gotcha understood confirmed noted urgent important random",
    "followup follow-up real listen look ugh oh hey hi hello yo lol haha also plus finally lastly meanwhile",
    "otherwise basically fwiw imo idk asap later earlier unrelated different separate switching nevermind nvm",
    "interesting bad wow whoa yikes welp everything anything something nothing everybody anybody somebody none",
    "both each either neither most many few several guy lady woman man wife husband couple neighbor neighbour",
    "homeowner crew office manager boss mom dad tenant landlord builder inspector city county dispatch warehouse",
    "supplier lender bank client contact prospect he she they it we i you someone nobody please thank",
)
NUMBER_WORD = (
    r"(?:zero|oh|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
    r"fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|"
    r"hundred|thousand)"
)

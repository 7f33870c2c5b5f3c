"""How hurried or dictated text is reduced to the lowercase form the routing patterns match: links, emoji, mentions
of people in the workspace, chat shorthand, misspellings, filler words and stutters. Slack's markup is not read here:
hard_e/agents/slack_text.py normalises it once where text enters (Turn), and route() applies the same function to text
it is handed directly. No I/O.
"""

from __future__ import annotations

import re

from hard_e.agents.routing.vocabulary import NUMBER_WORD, rx

SPELLING = {
    "whats": "what's",
    "wheres": "where's",
    "whos": "who's",
    "hows": "how's",
    "thats": "that's",
    "whens": "when's",
    "im": "i'm",
    "ive": "i've",
    "dont": "don't",
    "doesnt": "doesn't",
    "didnt": "didn't",
    "cant": "can't",
    "shes": "she's",
    "theyre": "they're",
    "theres": "there's",
    "heres": "here's",
    "lets": "let's",
    "u": "you",
    "ur": "your",
    "pls": "please",
    "plz": "please",
    "tmrw": "tomorrow",
    "tmr": "tomorrow",
    "tomorow": "tomorrow",
    "pul": "pull",
    "acount": "account",
    "apointment": "appointment",
    "appoinment": "appointment",
    "appt": "appointment",
    "appts": "appointments",
    "shedule": "schedule",
    "schedual": "schedule",
    "sript": "script",
    "scirpt": "script",
    "scrpit": "script",
    "wether": "weather",
    "warrenty": "warranty",
    "warrantee": "warranty",
    "costumer": "customer",
    "custmer": "customer",
    "cusomer": "customer",
    "inspecton": "inspection",
    "estimte": "estimate",
    "nite": "night",
    # chat shorthand
    "bc": "because",
    "cuz": "because",
    "rn": "right now",
    "thru": "through",
    "abt": "about",
    "btwn": "between",
    "ppl": "people",
    "wknd": "weekend",
    "wkend": "weekend",
    "wk": "week",
    "yday": "yesterday",
    "tmw": "tomorrow",
    "thurs": "thursday",
    "thur": "thursday",
    "tues": "tuesday",
    "vm": "voicemail",
    "vms": "voicemails",
    "lvm": "left voicemail",
    "vid": "video",
    "vids": "videos",
    "convo": "conversation",
    "convos": "conversations",
    "msg": "message",
    "txt": "text",
    "diff": "difference",
    "info's": "info is",
    "ya'll": "y'all",
    "yall": "y'all",
}
SPELLING_RX = rx(r"\b(?:" + "|".join(SPELLING) + r")\b")


# what a link says is in its label ("this article (https://…)"), not its address; a bare one is just "a link"
LABELLED_LINK = re.compile(r"\s*\((?:https?://|www\.)[^\s()]*\)")
LINK = re.compile(r"\bhttps?://\S+|\bwww\.\S+")
EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\ufe0f\u200d]+|:[a-z][a-z0-9_+-]*:")
# "@Dana", "@U02KHOLT7", "@here": someone in the workspace, never a customer (not "a@b.com")
MENTION = re.compile(r"(?<![\w.+-])@[\w.'-]*\w")


def plain(text: str) -> str:
    """Normalised text as the rules read it: links as the word "link", emoji, :shortcodes: and mentions dropped."""
    if "http" in text or "www." in text:
        text = LINK.sub(" link ", LABELLED_LINK.sub(" ", text))
    if "@" in text:
        text = MENTION.sub(" ", text)
    return EMOJI.sub(" ", text) if not text.isascii() or ":" in text else text


WITH_ABBREV = re.compile(r"\bw/o\b|\bb/c\b|\bw/|(?<![\d.] )(?<!^\d)\bw(?= [a-z])")  # "w/ the", "help w the"


INDIRECT_QUESTION = re.compile(  # "I want to know what a primer should include" asks "what a primer should include"
    r"^(?:(?:hey|so|ok|okay)[,\s]+)*(?:i (?:want|need|'d like|would like) to know|i(?:'m| am| was)? wondering|"
    r"wondering|"
    r"i'm curious|curious|do you know|any idea)[,\s]+(?=(?:what|which|who|how|when|where|why)\b)"
)


def clean(text: str) -> str:
    t = text.replace("\u2019", "'").replace("\u2018", "'").lower()
    t = WITH_ABBREV.sub(lambda mt: {"w/o": "without", "b/c": "because"}.get(mt.group(0), "with "), t)
    t = SPELLING_RX.sub(lambda mt: SPELLING[mt.group(0)], t)
    t = re.sub(r"\bhard-?e\b[,:]?|\bhardy\b[,:]?", " ", t)
    t = re.sub(r"\b(?:um+|uh+|uhm|er|erm|hmm+|mm+|ah)\b[,.]?", " ", t)
    t = re.sub(r"\s+", " ", t).strip()
    t = INDIRECT_QUESTION.sub("", t)
    return re.sub(rf"\b(?!{NUMBER_WORD}\b|\d)(\w+)(?: \1\b)+", r"\1", t)  # stutters ("the the job"), never digits

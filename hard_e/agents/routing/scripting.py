"""Step 4, rule 2 of the routing guide: scripting — write, revise or voice a script or primer video. No I/O."""

from __future__ import annotations

from hard_e.agents.routing.names import Msg
from hard_e.agents.routing.vocabulary import rx

# a section of a call script: "my cold call opener", "a 20 second opener"
CALL_PART = (
    r"(?:(?:cold[- ]?call|call|phone|door[- ]?knock(?:ing)?|voicemail) (?:openers?|opening|intro|close|"
    r"closing|spiel|pitch|lines)|spiel|\d+[- ]?(?:second|sec)s? (?:openers?|opening|intro|pitch|close))"
)
SCRIPT = (
    rf"(?:{CALL_PART}|scripts?|primers?|primer videos?|pre-?appointment videos?|intro(?:duction)? videos?|"
    r"talk track|voicemails?|videos? (?:before|ahead of|for) (?:\S+ ){0,2}?(?:appointment|inspection|visit|"
    r"consult\w*))"
)
SCRIPT_PROPER = (
    rf"(?:{CALL_PART}|scripts?|primers?|primer videos?|pre-?appointment videos?|intro(?:duction)? videos?|"
    r"talk track)"
)
SCRIPT_ASK = rx(
    rf"\b(?:write|draft|rewrite|re-write|redo|shorten|lengthen|tighten|trim|polish|punch up|revise|edit|generate|"
    rf"create|make|build|prep|prepare|put together|whip up|come up with|record|voice|narrate|produce|render|"
    rf"give me|get me|send me|gimme|can i get|could i get|need|want|i'd like|do)\b(?:\s+\S+){{0,8}}?\s+{SCRIPT}\b|"
    # revising verbs that also apply to records ("update the Kim job: left a voicemail") need a script noun proper
    rf"\b(?:rework|refine|adjust|modify|update|tweak|fix|improve|freshen up|reword|rephrase|simplify|personali[sz]e|"
    rf"customi[sz]e|adapt|translate|spice up)\b(?:\s+\S+){{0,6}}?\s+{SCRIPT_PROPER}\b|"
    rf"^(?:so |ok |okay |yeah )*(?:(?:i|we)(?:'d| would)? (?:need|want|like|could use)|need)\b"
    rf"(?! to (?:know|understand|"
    rf"learn|ask|check|find out|see)\b).*\b{SCRIPT_PROPER}\b|"
    rf"\b(?:use|put|work|turn)\b(?:\s+\S+){{0,3}}?\s+(?:in|into)\s+(?:a|an|my|"
    rf"the)\s+(?:[\w-]+\s+){{0,3}}{SCRIPT}\b|\bscript (?:out|up|me)\b|"
    rf"^(?:an?\s+)?(?:[\w-]+\s+){{0,3}}{SCRIPT} for\b|"
    # the script first, then what to do to it: "this is my door knock opener, rewrite it so ..."
    rf"\b{SCRIPT_PROPER}\b[^.?!]{{0,40}}?\b(?:rewrite|redo|shorten|tighten|trim|polish|punch up|revise|rework|"
    rf"improve|tweak|edit|fix|clean up|freshen up|reword|rephrase)\s+(?:it|this|that|this one)\b"
)
SCRIPT_CONTENT_QUESTION = rx(  # "what goes into a good primer video?" is direct
    r"^(?:(?:i )?(?:need|want) to know |tell me )?(?!(?:can|could|would|will) you\b)(?:what|which|how|should|do|"
    r"does|is|are|when|why|any)\b.*\b(?:should|"
    r"go(?:es)? into|include|contain|structure|sections?|parts|long|length|good|best|tips|rules|guidelines|mention|"
    r"cover|format)\b"
)


# "do we send videos before the appointment?" asks about practice; "do we have a primer for the Kims?" is left alone
PRACTICE_QUESTION = rx(
    r"^(?:(?:when|how often|how soon|why|where) )?(?:do|does|did) (?:we|they|reps|our \w+|"
    r"consultants)\b(?! (?:have|got)\b)"
)  # "when do we send the primer video?"


def scripting(m: Msg) -> bool:
    t = m.text
    return bool(SCRIPT_ASK.search(t)) and not SCRIPT_CONTENT_QUESTION.search(t) and not PRACTICE_QUESTION.match(t)

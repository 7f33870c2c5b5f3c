"""Step 2 of the routing guide: small talk — greetings, thanks, farewells, praise, asking what Hard-E can do. It
goes to the direct flow with nothing looked up; in a workflow it answers the agent. No I/O.
"""

from __future__ import annotations

from hard_e.agents.routing.vocabulary import rx

SMALL_TALK = rx(
    r"^(?:(?:hi|hey|hello|yo|howdy|hiya|sup|morning|good (?:morning|afternoon|evening|night)|gm|thanks|thank you|"
    r"thank|thx|ty|tysm|appreciate (?:it|you)|much appreciated|cheers|great|cool|nice|awesome|perfect|love it|"
    r"got it|sounds good|lol|haha|lmao|ha|bye|goodbye|see ya|later|talk soon|ttyl|night|nite|gn|g'night|goodnight|"
    r"(?:talk|catch|see) (?:to )?(?:you |ya |u )?(?:tomorrow|later|monday|in the morning|next week)|heading out|"
    r"signing off|logging off|peace(?: out)?|for (?:now|today|the day|tonight|the night|the week)|have a good (?:one|day|night|"
    r"weekend)|never ?mind|nvm|you rock|you're the best|great job|nice work|good job|legend|ok|okay|man|dude|buddy|"
    r"so much|a lot|again|all|team|there|guys|friend|bud|for (?:the|your) help|much|very|you|ya|y'all|mate|bro|"
    r"boss|chief|so|anyway|everyone|everybody|folks|fam|sir|y'all|hehe|a ton|tons|nice one|(?:a |such a |my )?"
    r"(?:that's|that is|this is|so) (?:so |too |pretty )?(?:hilarious|funny|great|awesome|amazing|cool|wild|crazy|nice|"
    r"sweet|perfect|helpful)|(?:a |such a |my )?"
    r"(?:life ?saver|rock ?star|hero|champ)|(?:you're|youre|your|you are) (?:a|an|my|the best|awesome|amazing|great|"
    r"killing it)|you rock|"
    r"happy (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|holidays?|thanksgiving|new year|birthday)|"
    r"hope (?:you|your|you're|y'all|everyone)(?: \w+){0,5}|how was (?:your|the) (?:weekend|day|week|holiday)|"
    r"(?:that|this|it)(?:'s| is)? (?:helps|helped|works|worked|helpful|useful)|(?:that|this|it) (?:did|does|'ll do) "
    r"(?:it|the trick)|how(?:'s| is) (?:it going|(?:your|the) (?:day|morning|week)(?: going)?)|how are (?:you|ya|"
    r"things)(?: doing| going)?|(?:super|very|really) (?:helpful|useful)|"
    r"(?:works|worked) for me|good to know|makes sense|will do|noted)"
    r"\b[\s,!.?]*)+$|^(?:(?:are )?you )?still (?:there|around|awake|up|working|alive|online)[\s?!.]*$|"
    r"^(?:there|around|awake|alive|online)\?[\s?!.]*$|"
    r"^(?:are you|you) (?:still )?(?:there|around|awake|up|working|alive|online)\b|"
    r"^(?:what|how) (?:can|could|do) you (?:do|help)|^what (?:are you|do you|else can you)\b.*\b(?:able|do|help|"
    r"good)\b|^who are you\b|^tell me a joke\b|^how(?:'s| is| are| you)\b.{0,12}\b(?:going|doing|you|day|"
    r"life)\b[\s?!.]*$|^(?:help|test|ping)[\s?!.]*$"
)

"""Slack's published rate limits for the Web API methods Hard-E calls while answering.

From Slack's "Rate limits" page (limits apply per method, per app, per workspace) and each
method's reference page: Tier 2 "20+ per minute ... occasional bursts", Tier 3 "50+ per minute ...
sporadic bursts", Tier 4 "100+ per minute ... generous burst behavior"; chat.postMessage is special:
"one message per second per channel", short bursts allowed. Slack does not publish burst sizes;
these are the conservative readings our budgets keep inside (`bot/rate_budget.py`).
"""

from __future__ import annotations

from hard_e.bot.rate_budget import Limit

TIER_2 = Limit(20, 5)
TIER_3 = Limit(50, 20)
TIER_4 = Limit(100, 40)
PER_CHANNEL_POST = Limit(60, 3, per_channel=True)

SLACK_LIMITS: dict[str, Limit] = {
    "chat.postMessage": PER_CHANNEL_POST,
    "chat.update": TIER_3,
    "chat.delete": TIER_3,
    "reactions.add": TIER_3,
    "reactions.remove": TIER_2,
    "assistant.threads.setStatus": TIER_3,  # "special": Tier 3 per workspace is the strict reading
    "chat.startStream": TIER_2,
    "chat.appendStream": TIER_4,
    "chat.stopStream": TIER_2,
    "chat.getPermalink": TIER_4,
    "conversations.open": TIER_3,
    # The App Home and its chart images (handlers/home.py).
    "views.publish": TIER_4,
    "files.getUploadURLExternal": TIER_4,
    "files.completeUploadExternal": TIER_4,
    "files.info": TIER_4,
    "files.delete": TIER_3,
}

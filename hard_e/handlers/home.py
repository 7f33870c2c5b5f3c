"""The App Home tab: what Hard-E is and how to ask it things."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_sdk.errors import SlackApiError

if TYPE_CHECKING:
    from hard_e.bot.services import Services

log = logging.getLogger(__name__)

WAYS_TO_ASK = [
    (
        "In a channel",
        "Mention *@Hard-E* with your question; it answers in the thread. Reply in that thread to keep going, no mention needed.",
    ),
    (
        "In private",
        "DM Hard-E for anything you'd rather not ask in front of the team, or type `/hard-e your question` "
        "in any channel: the answer comes in your DM, where only you see it.",
    ),
    ("From the terminal", "Admins can run `hard-e chat` to try it without Slack."),
]


def build_home_view(*, model_ready: bool) -> dict[str, Any]:
    """The Home tab as a Block Kit view (pure: no I/O)."""
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": "Hard-E, your sales colleague"}},
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": "Ask me about pricing, objections, financing, warranties, or how to run the next "
                "appointment. I answer like a sales director who has seen it all — fast and straight.",
            },
        },
        {"type": "divider"},
    ]
    for title, how in WAYS_TO_ASK:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": f"*{title}*\n{how}"}})
    if not model_ready:
        blocks.append(
            {
                "type": "context",
                "elements": [
                    {
                        "type": "mrkdwn",
                        "text": ":warning: No language model is configured yet, so I can't answer. "
                        "An admin needs to set `OPENAI_API_KEY` or `OPENAI_BASE_URL`.",
                    }
                ],
            }
        )
    return {"type": "home", "blocks": blocks}


def register(app: AsyncApp, services: Services) -> None:
    async def handle_app_home_opened(event: dict[str, Any], context: AsyncBoltContext) -> None:
        if event.get("tab") != "home":
            return
        user = event.get("user")
        if not isinstance(user, str) or not user:
            log.warning("skipped an app_home_opened event: its 'user' field is missing or malformed")
            return
        view = build_home_view(model_ready=services.settings.llm_configured)
        try:
            await context.client.views_publish(user_id=user, view=view)
        except SlackApiError as exc:
            log.warning("could not publish the home tab: %s", exc.response.get("error"))

    app.event("app_home_opened")(handle_app_home_opened)

"""Slash commands. Until their workflows land, each answers plainly instead of failing in Slack."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_bolt.async_app import AsyncAck, AsyncApp

if TYPE_CHECKING:
    from hard_e.bot.services import Services

HELP = (
    "*Hard-E* — your sales colleague.\n"
    "• Mention *@Hard-E* in a channel with your question; I answer in the thread, and you can keep "
    "replying there without mentioning me.\n"
    "• DM me for anything private.\n"
    "• `/new-customer` and `/script` are on their way; until then, ask me in a thread or a DM."
)
NOT_YET = {
    "/new-customer": "Customer creation from `/new-customer` isn't switched on yet. Mention @Hard-E or DM me "
    "with the details meanwhile, and add the customer in the CRM as usual.",
    "/script": "Script drafting from `/script` isn't switched on yet. Mention @Hard-E or DM me "
    "(\"write me a call script for…\") and I'll help right there.",
}


def build_command_reply(command: str, text: str) -> str:
    """What a slash command answers today (pure, so it is tested with plain asserts)."""
    if command in NOT_YET:
        return NOT_YET[command]
    return HELP


def register(app: AsyncApp, services: "Services") -> None:
    async def handle_slash_command(ack: AsyncAck, command: dict) -> None:
        await ack(response_type="ephemeral", text=build_command_reply(command.get("command", ""), command.get("text", "")))

    for name in ("/new-customer", "/script", "/hard-e"):
        app.command(name)(handle_slash_command)

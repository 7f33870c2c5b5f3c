"""Slash commands: `/hard-e <question>` answered privately, `/hard-e crm …` lookups, `/hard-e stats` for
admins, help, and the workflows not yet switched on."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from hard_e.agents.crm.lookup import quick_lookup
from hard_e.agents.crm.wording import NO_CRM, refused
from hard_e.agents.turn import DM_THREAD, Turn
from hard_e.errors import StoreUnavailable
from hard_e.handlers.answering import answer_in_slack
from hard_e.handlers.digest import digest_choice, set_digest
from hard_e.handlers.home import usage_summary_text
from hard_e.store.analytics import Analytics

if TYPE_CHECKING:
    from hard_e.bot.services import Services

log = logging.getLogger(__name__)

HELP = (
    "*Hard-E* — your sales colleague.\n"
    "• Mention *@Hard-E* in a channel with your question; I answer in the thread, and you can keep "
    "replying there without mentioning me.\n"
    "• DM me for anything private, or ask with `/hard-e your question` from anywhere: I answer in our DM, "
    "where only you can see it.\n"
    "• `/hard-e crm Okafor` (a name, email, phone or job number) shows matching customers and jobs with their "
    "stages, only to you.\n"
    "• `/new-customer Maria Quintero, maria at example dot com…` opens a new-customer form filled in from what you type.\n"
    "• `/script Okafor` opens a script form; I draft the script in our DM, and you revise it there.\n"
    "\n*What I can do*\n"
    "• Answer from the company's knowledge base (pricing, products, warranties, financing), with sources.\n"
    "• Look customers and jobs up in the CRM, add notes and move stages — a change waits for your *Confirm*.\n"
    "• Draft call and primer-video scripts with you over a few messages, and read them aloud.\n"
    "• Create a customer from a messy message or a voice memo; send me voice memos and job-site photos too.\n"
    "• Research the web with citations, and find patterns across our sales-call transcripts.\n"
    "• My *Home* tab lists your recent conversations, open drafts and CRM changes waiting for you.\n"
    "• `/hard-e digest on` sends you a morning DM with your jobs that need a follow-up (`off` stops it).\n"
    "• `/hard-e help` shows this; admins get usage figures with `/hard-e stats` and charts in my Home tab."
)
# Slack wants the ack within 3 seconds; a lookup that takes longer is answered after it.
LOOKUP_IN_ACK = 2.0
LOOKING = ":mag: Looking that up in the CRM…"
HELP_WORDS = {"", "help", "?", "-h", "--help"}
STATS_WORDS = {"stats"}
ADMINS_ONLY = "Usage stats are for Hard-E's admins (HARDE_ADMIN_USERS). An admin can add you, or share the figures."
GATHERING = ":bar_chart: Gathering the numbers…"
STATS_DOWN = "I couldn't read the usage figures just now: my database isn't answering. Try again in a minute."
ANSWERING_PRIVATELY = ":lock: Got it — I'm answering in our DM, where only you can see it."
NO_DM = "I couldn't open a DM with you to answer privately, so I didn't answer here either. Please DM me your question directly."


def build_command_reply(command: str, text: str) -> str:
    """The ephemeral line a slash command answers at once (pure, so it is tested with plain asserts)."""
    if command == "/hard-e" and private_question(text) is not None:
        return ANSWERING_PRIVATELY
    return HELP


def wants_stats(text: str | None) -> bool:
    """`/hard-e stats` (a question that merely mentions stats is still a question)."""
    return (text or "").strip().lower() in STATS_WORDS


def private_question(text: str | None) -> str | None:
    """The question in `/hard-e <question>`, or None when the rep asked for help."""
    question = (text or "").strip()
    return None if question.lower() in HELP_WORDS else question


def crm_query(text: str | None) -> str | None:
    """What to look up in `/hard-e crm <query>`, or None when the command is not a CRM lookup."""
    words = (text or "").strip().split(maxsplit=1)
    if words and words[0].lower() == "crm":
        return words[1].strip() if len(words) > 1 else ""
    return None


async def look_up_in_crm(ack: AsyncAck, command: dict[str, Any], query: str, client: AsyncWebClient, services: Services) -> None:
    """`/hard-e crm <query>`: matches with their stages, shown only to the asker, no model call. Answered
    in the ack when the CRM is quick; otherwise the ack says so and the answer follows privately."""

    async def look_up() -> str:
        reason = await services.crm_access.bound(client).refusal(command.get("user_id"))
        if reason is not None:
            return refused(reason)
        return await quick_lookup(services.crm, query) if services.crm is not None else NO_CRM

    lookup = asyncio.create_task(look_up())
    await asyncio.wait({lookup}, timeout=LOOKUP_IN_ACK)
    if lookup.done():
        await ack(response_type="ephemeral", text=lookup.result())
        return
    await ack(response_type="ephemeral", text=LOOKING)
    await _tell_privately(client, command, await lookup)


async def show_stats(ack: AsyncAck, command: dict[str, Any], client: AsyncWebClient, services: Services) -> None:
    """`/hard-e stats`: the App Home's usage summary, only to the admin who asked (in the ack when the
    store is quick, else right after it); anyone else is told politely that it is for admins."""
    user, team = command.get("user_id"), str(command.get("team_id") or "")
    if user not in services.settings.admin_users:
        await ack(response_type="ephemeral", text=ADMINS_ONLY)
        return

    async def gather() -> str:
        try:
            summary = await Analytics(services.engine).usage_summary(team)
        except StoreUnavailable:
            return STATS_DOWN
        return f"*Hard-E usage, last {summary.days} days*\n{usage_summary_text(summary)}"

    stats = asyncio.create_task(gather())
    await asyncio.wait({stats}, timeout=LOOKUP_IN_ACK)
    if stats.done():
        await ack(response_type="ephemeral", text=stats.result())
        return
    await ack(response_type="ephemeral", text=GATHERING)
    await _tell_privately(client, command, await stats)


def quoted(question: str) -> str:
    """The rep's question as the DM shows it above the answer."""
    lines = question.splitlines() or [question]
    return "_You asked with `/hard-e`:_\n" + "\n".join(f"> {line}" for line in lines)


def register(app: AsyncApp, services: Services) -> None:
    async def handle_hard_e(ack: AsyncAck, command: dict[str, Any], client: AsyncWebClient) -> None:
        started = time.monotonic()
        if (query := crm_query(command.get("text"))) is not None:
            await look_up_in_crm(ack, command, query, client, services)
            return
        if wants_stats(command.get("text")):
            await show_stats(ack, command, client, services)
            return
        if (choice := digest_choice(command.get("text"))) is not None:
            await set_digest(ack, command, choice, services)
            return
        question = private_question(command.get("text"))
        # Slack wants the ack within 3 seconds: nothing slow comes before it.
        await ack(response_type="ephemeral", text=build_command_reply("/hard-e", command.get("text", "")))
        if question is None:
            return
        if (current := asyncio.current_task()) is not None:
            services.track(current)
        await answer_privately(command, question, client, services, started=started)

    app.command("/hard-e")(handle_hard_e)


async def answer_privately(command: dict[str, Any], question: str, client: AsyncWebClient, services: Services, *, started: float) -> None:
    """Answer in the asker's DM with Hard-E, as if they had DMed the question (same router, same agents)."""
    user, team = command.get("user_id"), command.get("team_id") or ""
    if not isinstance(user, str) or not user:
        log.warning("skipped a /hard-e command: its 'user_id' field is missing or malformed")
        return
    try:
        opened = await client.conversations_open(users=user)
        dm = opened["channel"]["id"]
        await client.chat_postMessage(channel=dm, text=quoted(question))
    except (SlackApiError, KeyError, TypeError) as exc:
        reason = exc.response.get("error") if isinstance(exc, SlackApiError) else "unexpected response"
        log.warning("could not open a DM for /hard-e: %s", reason)
        await _tell_privately(client, command, NO_DM)
        return
    # The trigger id is unique per invocation; a command has no message ts of its own.
    trigger = command.get("trigger_id") or f"{user}-{time.time_ns()}"
    turn = Turn(
        team_id=team,
        channel_id=dm,
        thread_ts=DM_THREAD,
        message_ts=f"command:{trigger}",
        user_id=user,
        text=question,
        channel_type="im",
    )
    await answer_in_slack(turn, client, services, kind="command", started=started)


async def _tell_privately(client: AsyncWebClient, command: dict[str, Any], text: str) -> None:
    try:
        await client.chat_postEphemeral(channel=command.get("channel_id", ""), user=command.get("user_id", ""), text=text)
    except SlackApiError as exc:
        log.warning("could not tell the asker privately: %s", exc.response.get("error"))

"""Scripting: multi-turn drafting of call and primer-video scripts."""

from __future__ import annotations

from agents import Agent, RunContextWrapper, function_tool
from agents.models.interface import Model

from hard_e.agents import prompts
from hard_e.agents.context import TurnContext
from hard_e.agents.specialists.crm import customer_details, job_status
from hard_e.agents.specialists.knowledge import search_knowledge

KINDS = ("call", "voicemail", "door_knock", "follow_up", "confirmation", "primer_video")


@function_tool
async def save_script_draft(ctx: RunContextWrapper[TurnContext], kind: str, draft: str, customer: str = "", goal: str = "") -> str:
    """Save the current script draft so the next turn can revise it. `kind` is one of call,
    voicemail, door_knock, follow_up, confirmation, primer_video. Call this after every new draft or revision."""
    script = ctx.context.state.script
    script.kind = kind if kind in KINDS else script.kind or "call"
    script.customer = customer or script.customer
    script.goal = goal or script.goal
    script.draft = draft
    script.revisions += 1
    script.versions.append(draft)
    ctx.context.script_saved = script.revisions
    return f"Saved revision {script.revisions} of the {script.kind.replace('_', ' ')} script."


def build(model: Model | str) -> Agent[TurnContext]:
    return Agent[TurnContext](
        name="scripting",
        handoff_description="Writes and revises call, voicemail, door-knock, follow-up and primer-video scripts.",
        instructions=_instructions,
        tools=[save_script_draft, search_knowledge, job_status, customer_details],
        model=model,
    )


def _instructions(ctx: RunContextWrapper[TurnContext], agent: Agent[TurnContext]) -> str:
    script = ctx.context.state.script
    asked = "; ".join(
        f"{label}: {value}"
        for label, value in (("tone", script.tone), ("length", script.length), ("key points", script.key_points))
        if value
    )
    current = (
        f"\n\n## The draft in progress\nKind: {script.kind}; customer: {script.customer or 'n/a'}; "
        f"revision {script.revisions}.{(' The rep asked for ' + asked + '.') if asked else ''}\n\n{script.draft}"
        if script.in_progress
        else ""
    )
    return prompts.for_agent("scripting") + current

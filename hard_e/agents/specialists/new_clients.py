"""NewClients: gathers a new customer's details from free text or a voice memo."""

from __future__ import annotations

from agents import Agent, RunContextWrapper, function_tool
from agents.models.interface import Model

from hard_e.agents import prompts
from hard_e.agents.context import TurnContext
from hard_e.agents.extraction import normalize_spoken


@function_tool
async def record_customer_details(
    ctx: RunContextWrapper[TurnContext],
    first_name: str = "",
    last_name: str = "",
    phone: str = "",
    email: str = "",
    address: str = "",
    note: str = "",
) -> str:
    """Record details of the new customer as the user gives them (spoken forms such as
    "emily at demo dot com" are fine). Pass only what was said. Returns what is still missing."""
    client = ctx.context.state.new_client
    for name, value in (("first_name", first_name), ("last_name", last_name)):
        if value.strip():
            setattr(client, name, value.strip())
    for name, value in (("phone", phone), ("email", email), ("address", address)):
        if value.strip():
            setattr(client, name, normalize_spoken(value.strip()))
    if note.strip():
        client.notes.append(note.strip())
    missing = client.missing_fields
    recorded = ", ".join(f"{k}: {v}" for k, v in client.to_json().items() if v and k != "notes")
    return f"Recorded — {recorded}." + (f" Still needed: {', '.join(missing)}." if missing else " All required details are in.")


def build(model: Model | str) -> Agent[TurnContext]:
    return Agent[TurnContext](
        name="new_clients",
        handoff_description="Creates a new customer or lead from free text or a voice memo.",
        instructions=prompts.for_agent("new_clients"),
        tools=[record_customer_details],
        model=model,
    )

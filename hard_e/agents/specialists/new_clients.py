"""NewClients: gathers a new customer's details from free text or a voice memo, asks only for what is
missing, and ends with a "Review & create" button that opens the `/new-customer` form prefilled."""

from __future__ import annotations

from agents import Agent, RunContextWrapper, function_tool
from agents.models.interface import Model

from hard_e.agents import prompts
from hard_e.agents.context import TurnContext
from hard_e.agents.extraction import normalize_spoken
from hard_e.agents.intake import LEAD_SOURCES, TRADES, format_phone
from hard_e.agents.intake.keywords import canonical_lead_source, canonical_trade
from hard_e.agents.state import NewClientState

LABELS = {
    "first_name": "first name",
    "last_name": "last name",
    "phone": "phone or email",
    "address": "property address",
    "trades": "trade(s)",
    "lead_source": "lead source",
}


@function_tool
async def record_customer_details(
    ctx: RunContextWrapper[TurnContext],
    first_name: str = "",
    last_name: str = "",
    phone: str = "",
    email: str = "",
    address: str = "",
    trades: list[str] | None = None,
    lead_source: str = "",
    note: str = "",
) -> str:
    """Record details of the new customer as the user gives them (spoken forms such as "emily at demo dot
    com" or "five five five…" are fine). Pass only what was said. `address` is one line: street, city,
    state and zip. `trades` from: roofing, siding, windows, gutters, solar. `lead_source` is how we met
    them: door_knock, storm_canvass, referral, website, phone_in, home_show, repeat_customer, social.
    Returns what is recorded and what is still missing."""
    client = ctx.context.state.new_client
    for name, value in (("first_name", first_name), ("last_name", last_name)):
        if value.strip():
            setattr(client, name, value.strip())
    if phone.strip():
        spoken = normalize_spoken(phone.strip())
        client.phone = format_phone(spoken) or spoken
    if email.strip():
        client.email = normalize_spoken(email.strip()).replace(" ", "").lower()
    if address.strip():
        client.address = normalize_spoken(address.strip())
    for trade in trades or []:
        known = trade.strip().lower() if trade.strip().lower() in TRADES else canonical_trade(trade)
        if known and known not in client.trades:
            client.trades.append(known)
    said = lead_source.strip().lower()
    if said and (source := said if said in LEAD_SOURCES else canonical_lead_source(said.replace("_", " "))):
        client.lead_source = source
    if note.strip():
        client.notes.append(note.strip())
    if client.first_name or client.last_name:
        ctx.context.review = review_values(client)
    return summary(client)


def summary(client: NewClientState) -> str:
    recorded = ", ".join(f"{k}: {', '.join(v) if isinstance(v, list) else v}" for k, v in client.to_json().items() if v and k != "notes")
    missing = client.missing_fields
    ask = f" Still needed: {', '.join(LABELS[m] for m in missing)}." if missing else " All required details are in."
    return (
        f"Recorded — {recorded}.{ask} The rep gets a Review & create button that opens the new-customer form "
        "with these details; the customer is created only when they submit it."
    )


def review_values(client: NewClientState) -> dict[str, object]:
    """The new-customer form's values, from what the conversation gathered."""
    return {
        "first_name": client.first_name,
        "last_name": client.last_name,
        "email": client.email,
        "phone": client.phone,
        "address": client.address,
        "trade": list(client.trades),
        "lead_source": client.lead_source,
        "notes": "\n".join(client.notes),
    }


def build(model: Model | str) -> Agent[TurnContext]:
    return Agent[TurnContext](
        name="new_clients",
        handoff_description="Creates a new customer or lead from free text or a voice memo.",
        instructions=prompts.for_agent("new_clients"),
        tools=[record_customer_details],
        model=model,
    )

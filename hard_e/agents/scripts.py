"""The `/script` workflow's brain side: finding the customer or job as the rep types, turning the form
into the Scripting agent's first request and state, and the note an approved version becomes."""

from __future__ import annotations

from hard_e.agents.crm.resolve import find_jobs
from hard_e.agents.ports import CRM
from hard_e.agents.state import ScriptDraftState
from hard_e.errors import CrmUnavailable, StoreUnavailable

MAX_OPTIONS = 20
KIND_NAMES = {"call": "standard call script", "primer_video": "primer video script"}
LENGTHS = {"short": "about 30 seconds spoken", "medium": "about a minute spoken", "long": "about two minutes spoken"}


async def customer_options(crm: CRM, query: str) -> list[tuple[str, str]]:
    """(value, text) choices for what the rep has typed so far: each matching job ("job:4709"), or a
    customer without jobs ("customer:1005"). A CRM that can't answer gives no choices."""
    if len(query.strip()) < 2:
        return []
    try:
        found = await find_jobs(crm, query)
    except (CrmUnavailable, StoreUnavailable):
        return []
    options = [(f"job:{job.id}", f"{job.customer_name} — {job.name} ({job.stage})") for job in found.jobs]
    if not found.jobs:  # several customers matched, or one without jobs: pick the customer
        options += [(f"customer:{c.id}", f"{c.name} (customer {c.id})") for c in found.customers]
    return [(value, text[:75]) for value, text in options[:MAX_OPTIONS]]


def script_state(*, kind: str, customer: str, customer_text: str, tone: str, length: str, key_points: str) -> ScriptDraftState:
    job_id = customer.removeprefix("job:") if customer.startswith("job:") else ""
    return ScriptDraftState(
        kind=kind if kind in KIND_NAMES else "call",
        customer=customer_text,
        job_id=job_id,
        tone=tone,
        length=LENGTHS.get(length, length),
        key_points=key_points.strip(),
    )


def script_request(state: ScriptDraftState) -> str:
    """The first message of the script's thread, as if the rep had typed it."""
    parts = [f"Write a {KIND_NAMES.get(state.kind, 'call script')} for {state.customer}"]
    if state.job_id:
        parts.append(f"(job {state.job_id}; look it up with job_status)")
    parts.append(f". Tone: {state.tone or 'friendly'}; length: {state.length or 'about a minute spoken'}.")
    if state.key_points:
        parts.append(f" Key points: {state.key_points}")
    return " ".join(parts).replace(" .", ".")


def approved_note(state: ScriptDraftState, revision: int) -> str | None:
    """The job note an approved version becomes, or None when there is no such version."""
    text = state.version(revision)
    if text is None:
        return None
    return f"[Internal] Approved {KIND_NAMES.get(state.kind, 'script')} (version {revision}):\n{text}"


def approval_summary(job_label: str, revision: int) -> str:
    return f"Save version {revision} of the script as a note on {job_label}"

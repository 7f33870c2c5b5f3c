"""CRM: customers, jobs, stages and notes, in Leap or the local CRM (the `CRM` port).

Reads answer at once; writes (a note, a new customer, a stage move) are only proposed here and
happen when the rep who asked clicks Confirm. Every tool first checks that the turn is private (a
DM or the terminal) and that the asker may use the CRM; a CRM that fails ends the turn with one
clear sentence (`UserFacingError`), never a guess.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from agents import Agent, RunContextWrapper, function_tool
from agents.models.interface import Model

from hard_e.agents import prompts
from hard_e.agents.context import TurnContext
from hard_e.agents.crm import wording
from hard_e.agents.crm.actions import ADD_NOTE, CREATE_CUSTOMER, MOVE_STAGE, CrmActions
from hard_e.agents.crm.describe import customer_details as describe_customer
from hard_e.agents.crm.describe import customer_line, job_line, job_ref, note_lines
from hard_e.agents.crm.resolve import find_customers as resolve_customers
from hard_e.agents.crm.resolve import find_jobs, open_jobs
from hard_e.agents.ports import CRM
from hard_e.errors import CrmUnavailable, StoreUnavailable, UserFacingError
from hard_e.records import STAGES, Job

T = TypeVar("T")
MAX_NOTE = 5000
MAX_LISTED = 25


async def _crm(ctx: RunContextWrapper[TurnContext]) -> CRM:
    """The CRM, once the turn may see it: private, and the asker allowed (checked once a turn)."""
    c = ctx.context
    if c.crm is None:
        raise UserFacingError(wording.NO_CRM)
    if not c.turn.private:
        raise UserFacingError(wording.NOT_PRIVATE)
    if not c.crm_checked:
        if c.crm_access is not None and (reason := await c.crm_access.refusal(c.turn.user_id)) is not None:
            raise UserFacingError(wording.refused(reason))
        c.crm_checked = True
    return c.crm


async def _ask(crm: CRM, call: Callable[[], Awaitable[T]]) -> T:
    """Run one CRM call; its failure becomes the sentence the rep reads."""
    try:
        return await call()
    except CrmUnavailable as exc:
        raise UserFacingError(wording.unavailable(crm.name, exc)) from None
    except StoreUnavailable:
        raise UserFacingError(wording.STORE_DOWN) from None


def _actions(ctx: RunContextWrapper[TurnContext]) -> CrmActions:
    if ctx.context.crm_actions is None:
        raise UserFacingError(wording.NO_CRM)
    return ctx.context.crm_actions


@function_tool(failure_error_function=None)  # a CRM failure ends the turn with its own sentence
async def find_customers(ctx: RunContextWrapper[TurnContext], query: str) -> str:
    """Find customers by name, email, phone number or address. Returns each match's name, customer id,
    town and rep. Use customer_details for contact data and jobs."""
    crm = await _crm(ctx)
    found = await _ask(crm, lambda: resolve_customers(crm, query))
    if not found:
        return f"No customer in {crm.name} matches {query!r}."
    return "\n".join(customer_line(c) for c in found)


@function_tool(failure_error_function=None)  # a CRM failure ends the turn with its own sentence
async def customer_details(ctx: RunContextWrapper[TurnContext], customer: str) -> str:
    """A customer's contact details (phone, email, address), lead source, the note on their record, and
    each of their jobs with its stage and since when. Use a name, email, phone or customer id."""
    crm = await _crm(ctx)

    async def look_up() -> str:
        matches = [c] if customer.strip().isdigit() and (c := await crm.customer(customer.strip())) else []
        matches = matches or await resolve_customers(crm, customer)
        if not matches:
            return f"No customer in {crm.name} matches {customer!r}."
        if len(matches) > 1:
            return "Several customers match; ask which one:\n" + "\n".join(customer_line(m) for m in matches)
        one = matches[0]
        return describe_customer(one, await crm.jobs(customer_id=one.id))

    return await _ask(crm, look_up)


@function_tool(failure_error_function=None)  # a CRM failure ends the turn with its own sentence
async def job_status(ctx: RunContextWrapper[TurnContext], customer_or_job: str) -> str:
    """Current stage of a customer's job and since when, its rep, estimate and latest note. Use a
    customer's name ("Okafor"), a job number ("4723") or a job's name. When the customer has several
    jobs, all are listed: ask the rep which one if it matters."""
    crm = await _crm(ctx)

    async def look_up() -> str:
        found = await find_jobs(crm, customer_or_job)
        if not found.jobs:
            if len(found.customers) > 1:
                return "Several customers match; ask which one:\n" + "\n".join(customer_line(c) for c in found.customers)
            if found.customers:
                return f"{customer_line(found.customers[0])} has no jobs in {crm.name}."
            return f"No customer or job in {crm.name} matches {customer_or_job!r}."
        lines = []
        for job in found.jobs[:MAX_LISTED]:
            latest = await crm.notes(job.id, limit=1)
            lines.append(job_line(job) + (f"\n  latest note: {note_lines(latest)[2:]}" if latest else "\n  no notes yet"))
        if len(open_jobs(found.jobs)) > 1:
            lines.append(f"({len(open_jobs(found.jobs))} open jobs: ask which one if the question is about one.)")
        return "\n".join(lines)

    return await _ask(crm, look_up)


@function_tool(failure_error_function=None)  # a CRM failure ends the turn with its own sentence
async def jobs_by_stage(ctx: RunContextWrapper[TurnContext], stage: str | None = None, rep: str | None = None) -> str:
    """Jobs at a pipeline stage and/or belonging to a rep, most recently moved first. Stages: Lead,
    Appointment Set, Inspection, Estimate Sent, Contract Signed, Production, Completed, Lost. A rep is
    a full, first or last name."""
    crm = await _crm(ctx)
    stages = [stage] if stage else []
    jobs = await _ask(crm, lambda: crm.jobs(stages=stages, rep=rep, limit=MAX_LISTED))
    scope = " and ".join(p for p in (f"at {stage}" if stage else "", f"for {rep}" if rep else "") if p) or "in the pipeline"
    if not jobs:
        return f"No jobs {scope} in {crm.name}."
    more = " (the first 25)" if len(jobs) >= MAX_LISTED else ""
    return f"Jobs {scope}{more}:\n" + "\n".join(f"- {job_line(j)}" for j in jobs)


@function_tool(failure_error_function=None)  # a CRM failure ends the turn with its own sentence
async def job_notes(ctx: RunContextWrapper[TurnContext], job: str, limit: int = 5) -> str:
    """A job's most recent notes, newest first. Use a job number, or a customer's name when they have
    one job."""
    crm = await _crm(ctx)
    one = await _one_job(crm, job)
    if isinstance(one, str):
        return one
    notes = await _ask(crm, lambda: crm.notes(one.id, limit=max(1, min(limit, 20))))
    return f"Notes on {job_ref(one)}:\n{note_lines(notes)}"


@function_tool(failure_error_function=None)  # a CRM failure ends the turn with its own sentence
async def add_note(ctx: RunContextWrapper[TurnContext], job: str, note: str) -> str:
    """Propose adding a note to a job. Nothing is written now: the rep gets Confirm/Cancel buttons and
    the note is added only when they confirm. Start the note with a tag such as [Call], [Text],
    [Email], [Visit] or [Internal]."""
    crm = await _crm(ctx)
    text = note.strip()
    if not text:
        return "The note is empty; ask the rep what it should say."
    if len(text) > MAX_NOTE:
        return f"That note is over {MAX_NOTE} characters; ask the rep to shorten it."
    one = await _one_job(crm, job)
    if isinstance(one, str):
        return one
    summary = f"Add a note to {job_ref(one)} — {one.customer_name}:\n> {text}"
    return await _propose(ctx, ADD_NOTE, {"job_id": one.id, "text": text}, summary)


@function_tool(failure_error_function=None)  # a CRM failure ends the turn with its own sentence
async def move_stage(ctx: RunContextWrapper[TurnContext], job: str, stage: str) -> str:
    """Propose moving a job to another pipeline stage (Lead, Appointment Set, Inspection, Estimate Sent,
    Contract Signed, Production, Completed, Lost). Nothing changes until the rep confirms."""
    crm = await _crm(ctx)
    if not crm.can_move_stages:
        return f"{crm.name} offers no way for me to move a job's stage; the rep has to move it in {crm.name} itself."
    wanted = next((s for s in STAGES if s.lower() == stage.strip().lower()), None)
    if wanted is None:
        return f"{stage!r} is not a stage. The stages are: {', '.join(STAGES)}."
    one = await _one_job(crm, job)
    if isinstance(one, str):
        return one
    if one.stage == wanted:
        return f"{job_ref(one)} is already at {wanted}."
    summary = f"Move {job_ref(one)} — {one.customer_name} from *{one.stage}* to *{wanted}*"
    return await _propose(ctx, MOVE_STAGE, {"job_id": one.id, "stage": wanted}, summary)


@function_tool(failure_error_function=None)  # a CRM failure ends the turn with its own sentence
async def create_customer(
    ctx: RunContextWrapper[TurnContext],
    first_name: str,
    last_name: str,
    email: str | None = None,
    phone: str | None = None,
    street: str | None = None,
    city: str | None = None,
    state: str | None = None,
    zip_code: str | None = None,
    trades: list[str] | None = None,
    lead_source: str | None = None,
    note: str | None = None,
) -> str:
    """Propose creating a customer in the CRM from details already in written form (emails with @,
    phone digits). Nothing is created until the rep confirms."""
    await _crm(ctx)
    if not (first_name.strip() or last_name.strip()):
        return "A customer needs a name; ask the rep for it."
    address = {"street": street or "", "city": city or "", "state": state or "", "zip": zip_code or ""}
    payload: dict[str, Any] = {
        "first_name": first_name.strip(),
        "last_name": last_name.strip(),
        "email": email,
        "phone": phone,
        "address": address,
        "trades": trades or [],
        "lead_source": lead_source,
        "note": note,
    }
    shown = [f"*{first_name} {last_name}*".strip()]
    shown += [
        f"{label}: {value}" for label, value in (("email", email), ("phone", phone), ("lead source", lead_source), ("note", note)) if value
    ]
    place = ", ".join(p for p in (street, city, " ".join(x for x in (state, zip_code) if x)) if p)
    if place:
        shown.append(f"address: {place}")
    if trades:
        shown.append(f"trades: {', '.join(trades)}")
    return await _propose(ctx, CREATE_CUSTOMER, payload, "Create a customer:\n" + "\n".join(shown))


async def _one_job(crm: CRM, reference: str) -> Job | str:
    """The one job `reference` means, or what to tell the model when it means none or several."""
    found = await _ask(crm, lambda: find_jobs(crm, reference))
    candidates = open_jobs(found.jobs) or found.jobs
    if len(candidates) == 1:
        return candidates[0]
    if len(candidates) > 1:
        return "That matches several jobs; ask the rep which one:\n" + "\n".join(f"- {job_line(j)}" for j in candidates[:MAX_LISTED])
    if found.customers:
        return "That matches several customers; ask which one:\n" + "\n".join(customer_line(c) for c in found.customers)
    return f"No job in {crm.name} matches {reference!r}."


async def _propose(ctx: RunContextWrapper[TurnContext], kind: str, payload: dict[str, Any], summary: str) -> str:
    actions = _actions(ctx)
    try:
        proposal = await actions.propose(ctx.context.turn, kind, payload, summary)
    except StoreUnavailable:
        raise UserFacingError(wording.STORE_DOWN) from None
    ctx.context.proposals.append(proposal)
    return (
        "Proposed, not done yet: the rep now sees this change with Confirm and Cancel buttons, and it "
        "happens only if they click Confirm (within 24 hours). Tell them briefly what you proposed.\n" + summary
    )


TOOLS = [find_customers, customer_details, job_status, jobs_by_stage, job_notes, add_note, move_stage, create_customer]


def build(model: Model | str) -> Agent[TurnContext]:
    return Agent[TurnContext](
        name="crm",
        handoff_description="Looks up and updates specific customers, jobs, stages and notes in the CRM (Leap).",
        instructions=prompts.for_agent("crm"),
        tools=list(TOOLS),
        model=model,
    )

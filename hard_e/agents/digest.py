"""The morning digest: a rep's jobs whose stage has outlasted its service level, with what is due.

Service levels follow the company's CRM stage definitions (knowledge/crm_stage_definitions.md):
a Lead gets its first call by the next business day; an Appointment Set job moves once the visit has
happened; an Inspection has its written estimate within 48 hours; an Estimate Sent job is followed up
on day 1, 3, 7, 14 and 30, re-priced after 30 days and closed as Lost after 45 days without a reply;
a Contract Signed job is handed to production within 2 business days; a Completed job gets its
referral ask within 7 days; a Lost job its 90-day follow-up. Slack-free; the CRM is read through its port.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from hard_e.agents.ports import CRM
from hard_e.records import Job

# Estimate Sent: the follow-up cadence (day of the stage: the touch due).
ESTIMATE_TOUCHES = {1: "day-1 call", 3: "day-3 text", 7: "day-7 call", 14: "day-14 call and email", 30: "day-30 call"}
DIGEST_LIMIT = 15  # lines in one digest; the rest are counted
STAGES_WATCHED = ("Lead", "Appointment Set", "Inspection", "Estimate Sent", "Contract Signed", "Completed", "Lost")


@dataclass(frozen=True)
class FollowUp:
    job: Job
    days: int  # in its stage
    due: str  # what the service level asks for now


def follow_up(job: Job, now: datetime) -> FollowUp | None:
    """What `job` needs today by its stage's service level; None when it is within it."""
    if job.stage_changed_at is None:
        return None
    changed = job.stage_changed_at if job.stage_changed_at.tzinfo else job.stage_changed_at.replace(tzinfo=UTC)
    days = (now - changed).days
    due: str | None = None
    if job.stage == "Lead" and days >= 1:
        due = "first call is overdue (due by the next business day)"
    elif job.stage == "Appointment Set" and job.appointment_at is not None:
        visit = job.appointment_at if job.appointment_at.tzinfo else job.appointment_at.replace(tzinfo=UTC)
        if (now - visit).days >= 1:
            due = f"the visit was {visit:%b %-d}: move it to Inspection, or rebook it"
    elif job.stage == "Inspection" and days >= 2:
        due = "written estimate is overdue (due within 48 hours of the visit)"
    elif job.stage == "Estimate Sent":
        if days > 45:
            due = "45 days without a reply: close it as Lost with a reason, or re-engage"
        elif days > 30:
            due = "estimate has expired (valid 30 days): re-price before they sign"
        elif days in ESTIMATE_TOUCHES:
            due = f"{ESTIMATE_TOUCHES[days]} is due today"
    elif job.stage == "Contract Signed" and days >= 3:
        due = "hand-off to production is overdue (within 2 business days)"
    elif job.stage == "Completed" and days <= 7:
        due = "ask for a referral (within 7 days of completion)"
    elif job.stage == "Lost" and 90 <= days < 97:
        due = "90-day follow-up: see if they are ready now"
    return FollowUp(job, days, due) if due else None


async def follow_ups(crm: CRM, rep: str, now: datetime | None = None) -> list[FollowUp]:
    """`rep`'s jobs that need a follow-up today, the longest waiting first."""
    now = now or datetime.now(UTC)
    jobs = await crm.jobs(rep=rep, stages=STAGES_WATCHED, limit=200)
    due = [f for job in jobs if (f := follow_up(job, now)) is not None]
    return sorted(due, key=lambda f: -f.days)


def digest_text(first_name: str, items: Sequence[FollowUp]) -> str:
    """The DM: one line per job, linked when the CRM has pages."""
    if not items:
        return f"Good morning, {first_name}! Nothing in your pipeline is past its service level today. :white_check_mark:"
    count = f"{len(items)} job needs" if len(items) == 1 else f"{len(items)} jobs need"
    lines = [f"Good morning, {first_name}! {count} a follow-up today:"]
    for item in items[:DIGEST_LIMIT]:
        job = item.job
        name = f"<{job.url}|{job.name}>" if job.url else job.name
        who = f" ({job.customer_name})" if job.customer_name and job.customer_name not in job.name else ""
        lines.append(f"• *{name}*{who}: {job.stage}, {item.days} day{'s' if item.days != 1 else ''}: {item.due}")
    if len(items) > DIGEST_LIMIT:
        lines.append(f'…and {len(items) - DIGEST_LIMIT} more. Ask me "which of my jobs need a follow-up?" for the rest.')
    lines.append("_Turn this off with `/hard-e digest off`._")
    return "\n".join(lines)

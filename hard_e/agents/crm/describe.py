"""CRM records as short text: what the CRM agent's tools hand the model and what a quick lookup shows.
Pure functions, no I/O. Every job line names the customer, the job, its stage and since when."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from hard_e.records import Customer, Job, Note


def when(at: datetime | None) -> str:
    """'Mon Oct 27, 2025' (the record's own offset; the day is what a rep needs)."""
    return f"{at:%a %b} {at.day}, {at.year}" if at is not None else "an unknown date"


def money(amount: int | None) -> str:
    return f"${amount:,}" if amount is not None else "no estimate yet"


def job_ref(job: Job) -> str:
    """'job 4723 (Okafor roof replacement)', with its link when the CRM has pages."""
    ref = f"job {job.number or job.id} ({job.name})"
    return f"{ref} <{job.url}>" if job.url else ref


def job_line(job: Job) -> str:
    """One line a rep can act on: customer, job, stage and since when, rep, estimate."""
    parts = [
        f"{job.customer_name or 'customer ' + job.customer_id} — {job_ref(job)}",
        f"stage {job.stage} since {when(job.stage_changed_at)}",
    ]
    if job.rep:
        parts.append(f"rep {job.rep}")
    parts.append(f"estimate {money(job.amount)}")
    if job.lost_reason:
        parts.append(f"lost reason {job.lost_reason}")
    if job.appointment_at:
        parts.append(f"appointment {when(job.appointment_at)} at {job.appointment_at:%H:%M}")
    return "; ".join(parts)


def customer_line(customer: Customer) -> str:
    """Who they are in one line: name, id, town, rep (contact details stay in `customer_details`)."""
    place = ", ".join(p for p in (customer.address.city, customer.address.state) if p)
    bits = [f"{customer.name} (customer {customer.id})"]
    if place:
        bits.append(place)
    if customer.rep:
        bits.append(f"rep {customer.rep}")
    return " — ".join(bits)


def customer_details(customer: Customer, jobs: Sequence[Job]) -> str:
    lines = [customer_line(customer)]
    for label, value in (
        ("phone", customer.phone),
        ("email", customer.email),
        ("address", str(customer.address) or None),
        ("company", customer.company),
        ("lead source", customer.lead_source),
        ("trades", ", ".join(customer.trades) or None),
        ("customer since", when(customer.created_at) if customer.created_at else None),
        ("note on the record", customer.note),
    ):
        if value:
            lines.append(f"{label}: {value}")
    lines.append(f"jobs ({len(jobs)}):" if jobs else "jobs: none")
    lines.extend(f"- {job_line(job)}" for job in jobs)
    return "\n".join(lines)


def note_lines(notes: Sequence[Note]) -> str:
    if not notes:
        return "No notes on this job yet."
    return "\n".join(f"- {when(n.created_at)}, {n.author or 'unknown author'}: {n.text}" for n in notes)

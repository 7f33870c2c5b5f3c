"""`/hard-e crm <query>`: matching customers and their jobs with stages, straight from the CRM, no
model call. Contact details stay out: the reply is a pointer, the DM answer holds the details."""

from __future__ import annotations

from hard_e.agents.crm import wording
from hard_e.agents.crm.describe import customer_line, job_line
from hard_e.agents.crm.resolve import find_jobs
from hard_e.agents.ports import CRM
from hard_e.errors import CrmUnavailable, StoreUnavailable

MAX_JOBS = 10
USAGE = "Tell me who or what to look up: `/hard-e crm Okafor`, `/hard-e crm 4723` or `/hard-e crm emily@example.com`."


async def quick_lookup(crm: CRM, query: str) -> str:
    """Markdown lines: the customers `query` matches, each with their jobs' stages, or the job it names."""
    if not query.strip():
        return USAGE
    try:
        found = await find_jobs(crm, query)
        if found.jobs:
            lines = [f"• {job_line(job)}" for job in found.jobs[:MAX_JOBS]]
            more = len(found.jobs) - MAX_JOBS
            return (
                f"*{crm.name[:1].upper() + crm.name[1:]}* — {query.strip()}:\n"
                + "\n".join(lines)
                + (f"\n…and {more} more." if more > 0 else "")
            )
        if len(found.customers) == 1:
            return f"• {customer_line(found.customers[0])} — no jobs yet."
        if found.customers:
            lines = [f"• {customer_line(c)}" for c in found.customers]
            return f"Several customers match {query.strip()!r}; try a fuller name:\n" + "\n".join(lines)
    except CrmUnavailable as exc:
        return wording.unavailable(crm.name, exc)
    except StoreUnavailable:
        return wording.STORE_DOWN
    return f"Nothing in {crm.name} matches {query.strip()!r}."

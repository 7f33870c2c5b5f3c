"""From what a rep calls a job ("the Okafor job", "#4723", "Dunn") to the records it may mean."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from hard_e.agents.ports import CRM
from hard_e.records import Customer, Job

_JOB_NUMBER = re.compile(r"^(?:job\s*)?(?:#|no\.?\s*|number\s*)?(\d{3,10})$", re.IGNORECASE)
_FILLER = re.compile(
    r"^(?:the|a|an|our|my|mrs?\.?|ms\.?|dr\.?)\s+|"
    r"(?:'s|’s|s')(?=\s|$)|"
    r"\s+(?:job|jobs|project|account|family|house|home|place|household|customer|lead|deal|thing)$",
    re.IGNORECASE,
)
MAX_CUSTOMERS = 5


@dataclass(frozen=True)
class Found:
    """What a reference matched: the jobs it names, or the customers when it named none of their jobs."""

    jobs: list[Job] = field(default_factory=list)
    customers: list[Customer] = field(default_factory=list)


def clean_reference(reference: str) -> str:
    """'the Okafors' job' → 'Okafors' (find_customers drops a plural 's' when nothing matches)."""
    text = " ".join(reference.split()).strip(" ?.!,:;\"'")
    previous = None
    while previous != text:
        previous, text = text, _FILLER.sub("", text).strip()
    return text


async def find_customers(crm: CRM, reference: str) -> list[Customer]:
    """Customers a name, email or phone means; a family name in the plural ("the Okafors") too."""
    name = clean_reference(reference)
    if not name:
        return []
    found = await crm.find_customers(name, limit=MAX_CUSTOMERS)
    if not found and name.lower().endswith("s") and len(name) > 2:  # "the Wus"
        found = await crm.find_customers(name[:-1], limit=MAX_CUSTOMERS)
    return found


async def find_jobs(crm: CRM, reference: str) -> Found:
    """The jobs `reference` means: a job number, or the jobs of the one customer it names."""
    name = clean_reference(reference)
    number = _JOB_NUMBER.match(name)
    if number:
        job = await crm.job(number[1])
        return Found(jobs=[job] if job is not None else [])
    customers = await find_customers(crm, name)
    if len(customers) == 1:
        return Found(jobs=await crm.jobs(customer_id=customers[0].id), customers=customers)
    if customers:
        return Found(customers=customers)
    return Found(jobs=await crm.jobs(keyword=name, limit=MAX_CUSTOMERS))  # a job's own name ("Elm Street roof")


OPEN_STAGES_EXCLUDED = ("Completed", "Lost")


def open_jobs(jobs: list[Job]) -> list[Job]:
    return [job for job in jobs if job.stage not in OPEN_STAGES_EXCLUDED]

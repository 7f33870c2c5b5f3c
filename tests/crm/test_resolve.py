"""What a rep calls a job, resolved against the sample company in the local CRM."""

from __future__ import annotations

import pytest

from hard_e.agents.crm.lookup import USAGE, quick_lookup
from hard_e.agents.crm.resolve import clean_reference, find_jobs
from hard_e.store.crm import LocalCRM
from hard_e.store.crm_import import SAMPLE_DIR, import_crm


@pytest.fixture
async def crm(engine) -> LocalCRM:
    await import_crm(engine, SAMPLE_DIR)
    return LocalCRM(engine)


@pytest.mark.parametrize(
    ("said", "meant"),
    [("the Okafor job", "Okafor"), ("the Okafors' job", "Okafor"), ("Mrs. Castillo's house", "Castillo"), ("the Dunn thing", "Dunn"),
     ("#4723", "#4723"), ("emily@demo.com", "emily@demo.com")],
)
def test_filler_words_are_dropped_from_a_reference(said, meant):
    assert clean_reference(said) == meant


@pytest.mark.parametrize(("said", "jobs"), [("the Wus", 1), ("the Wus' job", 1), ("Okafor", 1), ("the Dunn thing", 2), ("job 4723", 1)])
async def test_a_reference_finds_the_jobs_it_means(crm, said, jobs):
    found = await find_jobs(crm, said)
    assert len(found.jobs) == jobs, [j.name for j in found.jobs]


async def test_a_quick_lookup_of_nothing_explains_itself(crm):
    assert await quick_lookup(crm, "  ") == USAGE
    assert await quick_lookup(crm, "Featherstonehaugh") == "Nothing in the local CRM matches 'Featherstonehaugh'."

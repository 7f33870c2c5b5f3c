"""The local CRM on a real database (SQLite, and PostgreSQL when HARDE_TEST_POSTGRES_URL is set):
importing the sample, searching it, and the writes a rep confirms. Plus `hard-e crm import` as an
admin runs it."""

from __future__ import annotations

import asyncio
import json
import shutil
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from hard_e.bot.config import Settings
from hard_e.errors import StoreUnavailable
from hard_e.records import STAGES, Address, NewCustomer
from hard_e.store.crm import LocalCRM
from hard_e.store.crm_import import SAMPLE_DIR, CrmImportError, import_crm
from hard_e.store.db import create_engine
from tests.processes import hard_e

MOUNTAIN_DST = timezone(timedelta(hours=-6))  # Denver in October
CENTRAL_DST = timezone(timedelta(hours=-5))  # Dallas in May
OPEN = set(STAGES) - {"Completed", "Lost"}


@pytest.fixture
async def crm(engine):
    report = await import_crm(engine, SAMPLE_DIR)
    assert report.ok, report.problems
    return LocalCRM(engine)


def counts(report) -> dict[str, tuple[int, int, int, int]]:
    return {kind: (c.added, c.updated, c.unchanged, c.skipped) for kind, c in report.counts.items()}


def copy_sample(tmp_path):
    folder = tmp_path / "crm"
    shutil.copytree(SAMPLE_DIR, folder)
    return folder


def edit(folder, name, change):
    path = folder / name
    records = json.loads(path.read_text())
    change(records)
    path.write_text(json.dumps(records))


# --- Import ---------------------------------------------------------------------------------------


async def test_the_sample_imports_once_and_again_changes_nothing(engine, tmp_path):
    first = await import_crm(engine, SAMPLE_DIR)
    assert counts(first) == {"users": (6, 0, 0, 0), "customers": (43, 0, 0, 0), "jobs": (50, 0, 0, 0), "notes": (82, 0, 0, 0)}
    assert first.ok and first.missing == []
    again = await import_crm(engine, SAMPLE_DIR)
    assert counts(again) == {"users": (0, 0, 6, 0), "customers": (0, 0, 43, 0), "jobs": (0, 0, 50, 0), "notes": (0, 0, 82, 0)}
    assert again.summary().startswith("users 0 added, 0 updated, 6 unchanged, 0 skipped; customers 0 added")

    folder = copy_sample(tmp_path)
    edit(folder, "customers.json", lambda cs: cs[0].update(phone="303-555-0199"))
    edited = await import_crm(engine, folder)
    assert counts(edited)["customers"] == (0, 1, 42, 0)
    assert {kind: c[1] for kind, c in counts(edited).items()} == {"users": 0, "customers": 1, "jobs": 0, "notes": 0}
    crm = LocalCRM(engine)
    assert (await crm.customer("1001")).phone == "303-555-0199"
    assert [c.id for c in await crm.find_customers("303 555 0199")] == ["1001"]
    assert await crm.find_customers("303-555-0175") == []


async def test_bad_records_are_skipped_with_a_reason_naming_file_index_and_field_never_the_value(engine, tmp_path):
    folder = tmp_path / "crm"
    folder.mkdir()
    secret = "SECRET-VALUE"
    customers = [
        {"id": 1, "first_name": "Ada", "last_name": "Quill", "phone": "720-555-0110"},
        {"first_name": "No", "last_name": "Id"},
        {"id": 3, "first_name": "Bad", "last_name": "Email", "email": secret},
        "not a record",
        {"id": 1, "first_name": "Twice", "last_name": secret},
        {"id": 6, "first_name": "Ben", "last_name": "Quill", "created_at": secret},
        {"id": 7, "first_name": 7, "last_name": "Quill"},
    ]
    jobs = [
        {"id": 10, "customer_id": 1, "name": "Quill roof", "stage": "estimate SENT", "stage_changed_at": "2025-10-01T09:00:00-06:00"},
        {"id": 11, "customer_id": 1, "name": "Quill gutters", "stage": secret},
        {"id": 12, "customer_id": 999, "name": "Orphan", "stage": "Lead"},
        {"id": 13, "customer_id": 1, "name": "Naive", "stage": "Lead", "stage_changed_at": "2025-10-01T09:00:00"},
        {"id": 14, "customer_id": 1, "name": "Costly", "stage": "Lead", "estimate_amount": "12k"},
    ]
    (folder / "customers.json").write_text(json.dumps(customers))
    (folder / "jobs.json").write_text(json.dumps(jobs))
    (folder / "notes.json").write_text('[{"id": 20, "job_id": 10, ')

    report = await import_crm(engine, folder)

    assert report.missing == ["users.json"]
    assert counts(report)["customers"] == (1, 0, 0, 6)
    assert counts(report)["jobs"] == (1, 0, 0, 4)
    assert report.problems == [
        "notes.json: not valid JSON (line 1, column 27)",
        "customers.json[1]: id is missing",
        "customers.json[2]: email is not an email address",
        "customers.json[3]: is not an object",
        "customers.json[4]: id repeats record 0",
        "customers.json[5]: created_at is not an ISO 8601 date or date-time",
        "customers.json[6]: first_name is not text",
        "jobs.json[1]: stage is not one of the CRM's stages",
        "jobs.json[3]: stage_changed_at has no UTC offset",
        "jobs.json[4]: estimate_amount is not a whole number of dollars",
        "jobs.json[2]: customer_id names no customer in the CRM",
    ]
    assert secret not in "\n".join(report.problems) and not report.ok
    assert report.summary() == (
        "customers 1 added, 0 updated, 0 unchanged, 6 skipped; jobs 1 added, 0 updated, 0 unchanged, 4 skipped; "
        "notes 0 added, 0 updated, 0 unchanged, 0 skipped"
    )
    crm = LocalCRM(engine)
    job = await crm.job("10")
    assert job is not None and job.stage == "Estimate Sent" and job.customer_name == "Ada Quill"
    assert await crm.users() == []


async def test_a_missing_folder_or_one_without_crm_files_cannot_be_imported(engine, tmp_path):
    with pytest.raises(CrmImportError, match="is not a folder"):
        await import_crm(engine, tmp_path / "nowhere")
    with pytest.raises(CrmImportError, match="holds none of users.json"):
        await import_crm(engine, tmp_path)


# --- Reads ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "Lindqvist",
        "lindqvist",
        "PAUL LINDQVIST",
        "Paul",
        "303-555-0175",
        "303 555 0175",
        "(303) 555-0175",
        "+1 303.555.0175",
        "Paul.Lindqvist@Example.com",
        "1408 Clear Creek",
        "0175",
    ],
)
async def test_customers_are_found_by_name_phone_email_and_address(crm, query):
    found = await crm.find_customers(query)
    assert [c.id for c in found] == ["1001"]
    paul = found[0]
    assert paul.name == "Paul Lindqvist" and paul.phone == "303-555-0175" and paul.rep == "Luis Ortega"
    assert paul.address == Address("1408 Clear Creek Drive", "Golden", "CO", "80401")
    assert paul.trades == ("roofing", "gutters") and paul.lead_source == "repeat_customer"


async def test_an_exact_last_name_ranks_first_and_accents_and_case_do_not_matter(crm):
    await crm.create_customer(NewCustomer(first_name="Dunn", last_name="Aaronson"))
    await crm.create_customer(NewCustomer(first_name="Amy", last_name="Dunnaway"))
    await crm.create_customer(NewCustomer(first_name="José", last_name="Núñez"))
    assert [c.name for c in await crm.find_customers("dunn")] == ["Patrick Dunn", "Dunn Aaronson", "Amy Dunnaway"]
    assert [c.name for c in await crm.find_customers("dunn", limit=1)] == ["Patrick Dunn"]
    assert [c.name for c in await crm.find_customers("JOSE NUNEZ")] == ["José Núñez"]
    assert [c.name for c in await crm.find_customers("Golden")] == ["Trevor Banks", "Paul Lindqvist"]
    assert await crm.find_customers("nobody by that name") == []
    assert await crm.find_customers("   ") == [] and await crm.find_customers("100%_") == []


async def test_dunn_has_two_open_jobs(crm):
    (dunn,) = await crm.find_customers("Dunn")
    jobs = await crm.jobs(customer_id=dunn.id)
    assert [(j.id, j.name) for j in jobs] == [("4724", "Dunn gutter replacement"), ("4723", "Dunn roof replacement")]
    assert all(j.stage in OPEN and j.customer_name == "Patrick Dunn" for j in jobs)
    assert [j.id for j in await crm.jobs(keyword="the dunn")] == [] and [j.id for j in await crm.jobs(keyword="DUNN")] == ["4724", "4723"]
    roof = await crm.job("4723")
    assert roof == jobs[1]
    assert (roof.number, roof.url, roof.amount, roof.rep, roof.trade) == ("4723", None, 11550, "Luis Ortega", "roofing")
    assert roof.address == dunn.address
    assert await crm.job("#4723") == roof and await crm.job("4799") is None and await crm.job("dunn") is None


async def test_jobs_by_stage_and_rep_latest_stage_change_first(crm):
    estimates = await crm.jobs(stages=["estimate sent"])
    assert len(estimates) == 8 and {j.stage for j in estimates} == {"Estimate Sent"}
    changed = [j.stage_changed_at for j in estimates]
    assert changed == sorted(changed, reverse=True)
    closed = await crm.jobs(stages=["Lost", "COMPLETED"], limit=100)
    assert len(closed) == 22
    luis = await crm.jobs(rep="Luis Ortega", limit=100)
    assert len(luis) == 13 and {j.rep for j in luis} == {"Luis Ortega"}
    assert await crm.jobs(rep="luis", limit=100) == luis and await crm.jobs(rep="ORTEGA", limit=100) == luis
    assert [j.id for j in await crm.jobs(stages=["Estimate Sent"], rep="Luis")] == ["4745", "4724", "4723"]
    assert await crm.jobs(rep="Nobody Here") == []
    assert await crm.jobs(stages=["Won"]) == []
    assert len(await crm.jobs()) == 25 and len(await crm.jobs(limit=3)) == 3
    assert [j.id for j in await crm.jobs(keyword="4723")] == ["4723"]
    assert await crm.stages() == list(STAGES)
    users = await crm.users()
    assert len(users) == 6 and users[0].name == "Karen Holt" and users[0].role == "Director of Sales"


async def test_notes_come_newest_first(crm):
    notes = await crm.notes("4723", limit=10)
    assert [n.id for n in notes] == ["7050", "7037"]
    assert notes[0].author == "Luis Ortega" and notes[0].text.startswith("[Call] Patrick leans toward Preferred")
    assert [n.id for n in await crm.notes("4723", limit=1)] == ["7050"]
    assert await crm.notes("4799") == [] and await crm.notes("x") == []


async def test_times_keep_their_offset_and_instant(crm):
    roof = await crm.job("4723")
    assert roof.stage_changed_at == datetime(2025, 10, 3, 13, 30, tzinfo=MOUNTAIN_DST)
    assert roof.stage_changed_at.utcoffset() == timedelta(hours=-6)
    assert roof.appointment_at.isoformat() == "2025-10-01T14:00:00-06:00"
    okoye = await crm.job("4702")
    assert okoye.stage_changed_at.isoformat() == "2025-05-02T15:00:00-05:00"
    assert okoye.stage_changed_at == datetime(2025, 5, 2, 20, 0, tzinfo=UTC) == datetime(2025, 5, 2, 15, 0, tzinfo=CENTRAL_DST)
    (note,) = await crm.notes("4723", limit=1)
    assert note.created_at.isoformat() == "2025-10-17T14:10:00-06:00"
    paul = await crm.customer("1001")
    assert paul.created_at == datetime(2022, 5, 16, tzinfo=UTC) and paul.created_at.date() == date(2022, 5, 16)


# --- Writes ---------------------------------------------------------------------------------------


async def test_add_note_puts_it_on_top_stamped_now(crm):
    before = datetime.now(UTC)
    note = await crm.add_note("4723", "  [Call] Patrick wants the Preferred roof after all.  ", author="Luis Ortega")
    assert (note.id, note.job_id, note.author) == ("7083", "4723", "Luis Ortega")
    assert note.text == "[Call] Patrick wants the Preferred roof after all."
    assert note.created_at.tzinfo is not None and before - timedelta(seconds=1) <= note.created_at <= datetime.now(UTC)
    assert (await crm.notes("4723"))[0] == note
    assert (await crm.add_note("4724", "Second")).id == "7084"
    with pytest.raises(ValueError, match='There is no job "4799"'):
        await crm.add_note("4799", "Nowhere")
    with pytest.raises(ValueError, match="needs some text"):
        await crm.add_note("4723", "   ")


async def test_create_customer_takes_the_next_id(crm):
    new = NewCustomer(
        first_name="Rosa",
        last_name="Delgado",
        email="rosa@example.org",
        phone="720-555-0142",
        address=Address("88 Aspen Way", "Arvada", "CO", "80002"),
        trades=("roofing",),
        lead_source="website",
        note="Prefers texts.",
        rep="Priya Nair",
    )
    created = await crm.create_customer(new)
    assert created.id == "1044" and created.name == "Rosa Delgado" and created.rep == "Priya Nair"
    assert created.trades == ("roofing",) and created.note == "Prefers texts." and created.created_at.tzinfo is not None
    assert await crm.customer("1044") == created
    assert await crm.find_customers("720 555 0142") == [created] and await crm.find_customers("88 aspen way") == [created]
    with pytest.raises(ValueError, match="needs a first or last name"):
        await crm.create_customer(NewCustomer(first_name=" ", last_name=""))


async def test_move_stage_validates_the_stage_and_stamps_the_change(crm):
    before = datetime.now(UTC)
    moved = await crm.move_stage("4723", "contract SIGNED")
    assert moved.stage == "Contract Signed" and moved.stage_changed_at >= before - timedelta(seconds=1)
    assert (await crm.job("4723")) == moved
    assert (await crm.jobs(stages=["Contract Signed"]))[0] == moved  # the latest change
    assert await crm.move_stage("4723", "Contract Signed") == moved  # already there: nothing changes

    lost = next(j for j in await crm.jobs(stages=["Lost"]) if j.lost_reason)
    revived = await crm.move_stage(lost.id, "Estimate Sent")
    assert revived.lost_reason is None

    with pytest.raises(ValueError) as unknown:
        await crm.move_stage("4724", "Won")
    assert str(unknown.value) == (
        '"Won" is not a stage in the local CRM. The stages are: Lead, Appointment Set, Inspection, Estimate Sent, '
        "Contract Signed, Production, Completed, Lost."
    )
    assert (await crm.job("4724")).stage == "Estimate Sent"
    with pytest.raises(ValueError, match='no job "4799"'):
        await crm.move_stage("4799", "Lead")
    with pytest.raises(ValueError, match="No job was given"):
        await crm.move_stage(None, "Lead")


async def test_concurrent_writers_each_get_an_id_of_their_own(crm, database_url):
    other = create_engine(Settings.from_env({"DATABASE_URL": database_url}, dotenv=None).database_url)
    try:
        crms = [crm, LocalCRM(other)]
        notes = await asyncio.gather(*(crms[i % 2].add_note("4723", f"note {i}") for i in range(12)))
        customers = await asyncio.gather(*(crms[i % 2].create_customer(NewCustomer(f"New{i}", "Racer")) for i in range(6)))
    finally:
        await other.dispose()
    assert sorted(int(n.id) for n in notes) == list(range(7083, 7095))
    assert sorted(int(c.id) for c in customers) == list(range(1044, 1050))
    assert len(await crm.notes("4723", limit=50)) == 14


async def test_a_database_without_the_crm_tables_is_unavailable_not_a_crash(database_url):
    engine = create_engine(Settings.from_env({"DATABASE_URL": database_url}, dotenv=None).database_url)  # never migrated
    try:
        crm = LocalCRM(engine)
        with pytest.raises(StoreUnavailable):
            await crm.find_customers("Dunn")
        with pytest.raises(StoreUnavailable):
            await crm.add_note("4723", "hello")
        with pytest.raises(StoreUnavailable):
            await import_crm(engine, SAMPLE_DIR)
    finally:
        await engine.dispose()


# --- The command --------------------------------------------------------------------------------------


def test_crm_import_sample_reports_counts_then_unchanged(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'crm.db'}", "HARDE_DATA_DIR": str(tmp_path)}
    first = hard_e("crm", "import", "--sample", env=env, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith(f"CRM imported from {SAMPLE_DIR} in ")
    assert (
        "users 6 added, 0 updated, 0 unchanged, 0 skipped; customers 43 added, 0 updated, 0 unchanged, 0 skipped; "
        "jobs 50 added, 0 updated, 0 unchanged, 0 skipped; notes 82 added, 0 updated, 0 unchanged, 0 skipped.\n"
    ) in first.stdout
    again = hard_e("crm", "import", "--sample", env=env, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert (
        "users 0 added, 0 updated, 6 unchanged, 0 skipped; customers 0 added, 0 updated, 43 unchanged, 0 skipped; "
        "jobs 0 added, 0 updated, 50 unchanged, 0 skipped; notes 0 added, 0 updated, 82 unchanged, 0 skipped.\n"
    ) in again.stdout
    assert "Traceback" not in first.stderr + again.stderr


def test_crm_import_needs_exactly_one_source_and_fails_on_a_missing_folder_or_skipped_record(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'crm.db'}", "HARDE_DATA_DIR": str(tmp_path)}
    neither = hard_e("crm", "import", env=env, cwd=tmp_path)
    both = hard_e("crm", "import", str(tmp_path), "--sample", env=env, cwd=tmp_path)
    assert neither.returncode == both.returncode == 2
    assert "give a folder or --sample" in neither.stderr and "give a folder or --sample" in both.stderr

    missing = hard_e("crm", "import", str(tmp_path / "nowhere"), env=env, cwd=tmp_path)
    assert missing.returncode == 1 and "is not a folder" in missing.stderr and "Traceback" not in missing.stderr

    folder = copy_sample(tmp_path)
    edit(folder, "notes.json", lambda notes: notes[3].pop("text"))
    skipped = hard_e("crm", "import", str(folder), env=env, cwd=tmp_path)
    assert skipped.returncode == 1, skipped.stderr
    assert "notes 81 added, 0 updated, 0 unchanged, 1 skipped." in skipped.stdout
    assert "  skipped: notes.json[3]: text is missing\n" in skipped.stdout

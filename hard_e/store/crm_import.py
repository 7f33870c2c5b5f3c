"""Import a CRM from JSON files into the local CRM's tables: `hard-e crm import PATH | --sample`.

A folder holds any of users.json, customers.json, jobs.json and notes.json, each a list of records in
the shapes `crm_sample/README.md` describes; a missing file leaves that kind as it is. Every record is
checked, and one that does not pass is skipped with a reason naming its file, index and field (never
a value: the files hold customers' details). Records are matched by id: a new id is added, a changed
record updated, an identical one left alone, so importing the same folder twice changes nothing.
Nothing is ever deleted. The whole import is one transaction.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Table, insert, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hard_e.errors import StoreUnavailable
from hard_e.store.crm import CUSTOMERS, JOBS, MAX_ID, MAX_NOTE, NOTES, USERS, canonical_stage, customer_keys, search_key, split_time

SAMPLE_DIR = Path(__file__).with_name("crm_sample")  # Brightwater Home Exteriors, fictional (its README.md)

KINDS = ("users", "customers", "jobs", "notes")  # in the order they are imported: a job needs its customer
MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_TEXT = 1_000  # characters of a name, address part, rep, ...
MAX_AMOUNT = 10**12
_BATCH = 500


class CrmImportError(Exception):
    """The folder cannot be imported at all (missing, or none of the files in it). Safe to print."""


@dataclass
class KindCounts:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0

    def summary(self) -> str:
        return f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged, {self.skipped} skipped"


@dataclass
class ImportReport:
    folder: Path
    counts: dict[str, KindCounts] = field(default_factory=lambda: {kind: KindCounts() for kind in KINDS})
    missing: list[str] = field(default_factory=list)  # files not in the folder: their kinds were left alone
    problems: list[str] = field(default_factory=list)  # why records (or whole files) were skipped
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        return "; ".join(f"{kind} {self.counts[kind].summary()}" for kind in KINDS if f"{kind}.json" not in self.missing)


async def import_crm(engine: AsyncEngine, folder: Path) -> ImportReport:
    """Add and update the records of `folder`'s files. Raises CrmImportError when there is nothing to
    import, StoreUnavailable when the database fails (then nothing was changed)."""
    started = time.perf_counter()
    report, loaded = await asyncio.to_thread(_read_folder, folder)
    try:
        async with engine.begin() as conn:
            for kind in KINDS:
                if kind in loaded:
                    await _import_kind(conn, kind, loaded[kind], report)
    except (SQLAlchemyError, OSError) as exc:
        raise StoreUnavailable(f"CRM import failed ({type(exc).__name__})") from exc
    report.seconds = time.perf_counter() - started
    return report


def _read_folder(folder: Path) -> tuple[ImportReport, dict[str, list[Any]]]:
    """The report to fill, and each kind's records as read from its file (absent when missing or unreadable)."""
    if not folder.is_dir():
        raise CrmImportError(f"{folder} is not a folder.")
    report = ImportReport(folder)
    loaded: dict[str, list[Any]] = {}
    for kind in KINDS:
        path = folder / f"{kind}.json"
        if not path.is_file():
            report.missing.append(path.name)
            continue
        records = _read(path, report)
        if records is not None:
            loaded[kind] = records
    if len(report.missing) == len(KINDS):
        raise CrmImportError(f"{folder} holds none of {', '.join(f'{kind}.json' for kind in KINDS)}.")
    return report, loaded


def _read(path: Path, report: ImportReport) -> list[Any] | None:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            report.problems.append(f"{path.name}: larger than {MAX_FILE_BYTES >> 20} MB")
            return None
        data = json.loads(path.read_bytes().decode("utf-8"))
    except OSError as exc:
        report.problems.append(f"{path.name}: could not be read ({exc.strerror or type(exc).__name__})")
        return None
    except UnicodeDecodeError:
        report.problems.append(f"{path.name}: not UTF-8 text")
        return None
    except json.JSONDecodeError as exc:  # its message says where, never what
        report.problems.append(f"{path.name}: not valid JSON (line {exc.lineno}, column {exc.colno})")
        return None
    if not isinstance(data, list):
        report.problems.append(f"{path.name}: not a JSON list of records")
        return None
    return data


# --- Checking records ---------------------------------------------------------------------------------


class _Invalid(Exception):
    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field} {problem}")


class _Fields:
    """One record's fields, read with checks; a failed check raises _Invalid naming the field."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw

    def id(self, name: str = "id") -> int:
        value = self.raw.get(name)
        if value is None:
            raise _Invalid(name, "is missing")
        if isinstance(value, bool) or not isinstance(value, int):
            raise _Invalid(name, "is not a whole number")
        if not 0 < value <= MAX_ID:
            raise _Invalid(name, f"is not between 1 and {MAX_ID}")
        return value

    def text(self, name: str, *, required: bool = False, limit: int = MAX_TEXT) -> str | None:
        return _text(name, self.raw.get(name), required=required, limit=limit)

    def time(self, name: str) -> tuple[datetime | None, int | None]:
        """An ISO 8601 date-time with its UTC offset, or a date alone (read as midnight UTC)."""
        value = self.raw.get(name)
        if value is None or value == "":
            return None, None
        if not isinstance(value, str):
            raise _Invalid(name, "is not an ISO 8601 date or date-time")
        try:
            if len(value.strip()) == 10:
                day = date.fromisoformat(value.strip())
                at = datetime(day.year, day.month, day.day, tzinfo=UTC)
            else:
                at = datetime.fromisoformat(value.strip())
        except ValueError:
            raise _Invalid(name, "is not an ISO 8601 date or date-time") from None
        if at.utcoffset() is None:
            raise _Invalid(name, "has no UTC offset")
        return split_time(at)

    def amount(self, name: str) -> int | None:
        value = self.raw.get(name)
        if value is None:
            return None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise _Invalid(name, "is not a whole number of dollars")
        if not 0 <= value < MAX_AMOUNT:
            raise _Invalid(name, "is out of range")
        return value

    def strings(self, name: str) -> list[str]:
        value = self.raw.get(name)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise _Invalid(name, "is not a list of text")
        return [v.strip() for v in value if v.strip()]


def _text(name: str, value: Any, *, required: bool = False, limit: int = MAX_TEXT) -> str | None:
    """Text, stripped (short fields also get their runs of whitespace collapsed); blank is None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise _Invalid(name, "is missing")
        return None
    if not isinstance(value, str):
        raise _Invalid(name, "is not text")
    if len(value) > limit:
        raise _Invalid(name, f"is longer than {limit:,} characters")
    return " ".join(value.split()) if limit <= MAX_TEXT else value.strip()


def _user(f: _Fields) -> dict[str, Any]:
    return {
        "id": f.id(),
        "first_name": f.text("first_name", required=True),
        "last_name": f.text("last_name", required=True),
        "email": f.text("email"),
        "role": f.text("role"),
        "branch": f.text("branch"),
    }


def _customer(f: _Fields) -> dict[str, Any]:
    customer_id = f.id()
    first, last, company = f.text("first_name") or "", f.text("last_name") or "", f.text("company")
    if not (first or last or company):
        raise _Invalid("first_name", "and last_name are both missing")
    email = f.text("email")
    if email is not None and "@" not in email:
        raise _Invalid("email", "is not an email address")
    phone = f.text("phone")
    if phone is not None and not 7 <= sum(ch.isdigit() for ch in phone) <= 15:
        raise _Invalid("phone", "does not have 7 to 15 digits")
    raw_address = f.raw.get("address")
    if raw_address is not None and not isinstance(raw_address, dict):
        raise _Invalid("address", "is not an object")
    address = {part: _text(f"address.{part}", (raw_address or {}).get(part)) or "" for part in ("street", "city", "state", "zip")}
    created_at, created_at_offset = f.time("created_at")
    return {
        "id": customer_id,
        "first_name": first,
        "last_name": last,
        "email": email,
        "phone": phone,
        **address,
        "company": company,
        "rep": f.text("assigned_rep"),
        "lead_source": f.text("lead_source"),
        "trades": f.strings("trades"),
        "note": f.text("notes", limit=MAX_NOTE),
        "created_at": created_at,
        "created_at_offset": created_at_offset,
        **customer_keys(first_name=first, last_name=last, company=company, email=email, phone=phone, **address),
    }


def _job(f: _Fields) -> dict[str, Any]:
    job_id, customer_id = f.id(), f.id("customer_id")
    name = f.text("name", required=True) or ""
    stage = canonical_stage(f.text("stage", required=True))
    if stage is None:
        raise _Invalid("stage", "is not one of the CRM's stages")
    stage_changed_at, stage_changed_at_offset = f.time("stage_changed_at")
    appointment_at, appointment_at_offset = f.time("appointment_at")
    return {
        "id": job_id,
        "customer_id": customer_id,
        "name": name,
        "trade": f.text("trade"),
        "stage": stage,
        "stage_changed_at": stage_changed_at,
        "stage_changed_at_offset": stage_changed_at_offset,
        "amount": f.amount("estimate_amount"),
        "rep": f.text("assigned_rep"),
        "appointment_at": appointment_at,
        "appointment_at_offset": appointment_at_offset,
        "lost_reason": f.text("lost_reason"),
        "call_ids": f.strings("call_ids"),
        "name_key": search_key(name),
    }


def _note(f: _Fields) -> dict[str, Any]:
    created_at, created_at_offset = f.time("created_at")
    return {
        "id": f.id(),
        "job_id": f.id("job_id"),
        "author": f.text("author"),
        "created_at": created_at,
        "created_at_offset": created_at_offset,
        "text": f.text("text", required=True, limit=MAX_NOTE),
    }


# (table, how to read a record, the parent it needs: (its column, the parent's table, what to call it))
_KINDS: dict[str, tuple[Table, Callable[[_Fields], dict[str, Any]], tuple[str, Table, str] | None]] = {
    "users": (USERS, _user, None),
    "customers": (CUSTOMERS, _customer, None),
    "jobs": (JOBS, _job, ("customer_id", CUSTOMERS, "customer")),
    "notes": (NOTES, _note, ("job_id", JOBS, "job")),
}


# --- Writing ---------------------------------------------------------------------------------------------


async def _import_kind(conn: AsyncConnection, kind: str, records: list[Any], report: ImportReport) -> None:
    table, read, parent = _KINDS[kind]
    counts, file = report.counts[kind], f"{kind}.json"

    def skip(index: int, reason: str) -> None:
        counts.skipped += 1
        report.problems.append(f"{file}[{index}]: {reason}")

    rows: dict[int, tuple[int, dict[str, Any]]] = {}  # id → (index in the file, row)
    for index, raw in enumerate(records):
        if not isinstance(raw, dict):
            skip(index, "is not an object")
            continue
        try:
            row = read(_Fields(raw))
        except _Invalid as exc:
            skip(index, str(exc))
            continue
        if row["id"] in rows:
            skip(index, f"id repeats record {rows[row['id']][0]}")
            continue
        rows[row["id"]] = (index, row)
    if parent is not None:
        column, parent_table, called = parent
        present = await _existing_ids(conn, parent_table, {row[column] for _, row in rows.values()})
        for row_id, (index, row) in list(rows.items()):
            if row[column] not in present:
                skip(index, f"{column} names no {called} in the CRM")
                del rows[row_id]

    stored = await _stored(conn, table, list(rows))
    added: list[dict[str, Any]] = []
    for row_id, (_, row) in sorted(rows.items()):
        before = stored.get(row_id)
        if before is None:
            added.append(row)
        elif all(before.get(key) == value for key, value in _comparable(row).items()):
            counts.unchanged += 1
        else:
            await conn.execute(update(table).where(table.c.id == row_id).values(row))
            counts.updated += 1
    for start in range(0, len(added), _BATCH):
        await conn.execute(insert(table), added[start : start + _BATCH])
    counts.added += len(added)


async def _existing_ids(conn: AsyncConnection, table: Table, ids: Iterable[int]) -> set[int]:
    wanted, found = sorted(set(ids)), set[int]()
    for start in range(0, len(wanted), _BATCH):
        batch = wanted[start : start + _BATCH]
        found.update((await conn.scalars(select(table.c.id).where(table.c.id.in_(batch)))).all())
    return found


async def _stored(conn: AsyncConnection, table: Table, ids: list[int]) -> dict[int, dict[str, Any]]:
    """The rows stored under `ids`, comparable with `_comparable` of a row read from a file."""
    stored: dict[int, dict[str, Any]] = {}
    for start in range(0, len(ids), _BATCH):
        batch = ids[start : start + _BATCH]
        for row in await conn.execute(select(table).where(table.c.id.in_(batch))):
            stored[row.id] = _comparable(dict(row._mapping))
    return stored


def _comparable(row: dict[str, Any]) -> dict[str, Any]:
    """Times as aware UTC (SQLite hands them back naive), JSON lists as lists."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        if isinstance(value, datetime):
            value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        elif isinstance(value, tuple):
            value = list(value)
        out[key] = value
    return out

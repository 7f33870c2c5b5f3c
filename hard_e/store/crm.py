"""The local CRM: customers, jobs, notes and users kept in Hard-E's own database, behind the same `CRM`
port as Leap (agents/ports.py), for a company without Leap and for demos and tests.

Fill it with `hard-e crm import` (store/crm_import.py). Ids are the CRM's integers, shown as strings;
a new record gets its table's largest id + 1.

Times. Each is stored as the instant in UTC (so ordering and comparing work on SQLite and PostgreSQL
alike) plus the UTC offset it was given in, and read back in that offset: an appointment booked for
10:00-06:00 reads back as 10:00-06:00, not as 16:00 UTC. What Hard-E writes itself (a note, a stage
change, a new customer) is stamped in UTC. A date given without a time is read as midnight UTC.

Search. Names, emails and addresses are compared as casefolded, accent-free copies kept beside them
(`search_key`), so "NUNEZ" finds "Núñez" on both backends; phone numbers are compared digits only.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, TypeVar, cast

from sqlalchemy import ColumnElement, Row, Select, Table, and_, case, false, func, insert, or_, select, text, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hard_e.errors import StoreUnavailable
from hard_e.records import STAGES, Address, CrmUser, Customer, Job, NewCustomer, Note
from hard_e.store.db import writing
from hard_e.store.locks import advisory_key
from hard_e.store.models import CrmCustomerRow, CrmJobRow, CrmNoteRow, CrmUserRow, utcnow

USERS = cast(Table, CrmUserRow.__table__)
CUSTOMERS = cast(Table, CrmCustomerRow.__table__)
JOBS = cast(Table, CrmJobRow.__table__)
NOTES = cast(Table, CrmNoteRow.__table__)

MAX_LIMIT = 200  # rows one read returns at most, whatever the caller asks
MAX_QUERY_TERMS = 8
MAX_ID = 2**31 - 1  # the id columns are 32-bit INTEGERs
MAX_NOTE = 10_000  # characters
MIN_PHONE_DIGITS = 7  # a query of only digits and phone punctuation with this many digits is a phone number
WRITE_ATTEMPTS = 3  # should two writers still pick the same new id (an import racing a write), the loser tries again

_PHONE_QUERY = re.compile(r"\+?[0-9\s().\-]+")
_NOT_DIGIT = re.compile(r"[^0-9]")

T = TypeVar("T")


# --- Shared with the importer -----------------------------------------------------------------------


def search_key(text: str | None) -> str:
    """`text` as searches compare it: accents dropped, casefolded, whitespace collapsed."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text)
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).casefold().split())


def phone_digits(phone: str | None) -> str | None:
    """A phone number's digits, without the North American country code: "+1 (303) 555-0175" → "3035550175"."""
    digits = _NOT_DIGIT.sub("", phone or "")
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    return digits or None


def canonical_stage(stage: str | None) -> str | None:
    """The stage as STAGES spells it ("contract signed" → "Contract Signed"); None when it is none of them."""
    wanted = search_key(stage)
    return next((s for s in STAGES if search_key(s) == wanted), None)


def split_time(value: datetime | None) -> tuple[datetime | None, int | None]:
    """(the instant in UTC, the offset it was given in, in minutes). A naive time is an error."""
    if value is None:
        return None, None
    offset = value.utcoffset()
    if offset is None:
        raise ValueError("a time needs its UTC offset")
    return value.astimezone(UTC), round(offset.total_seconds() / 60)


def join_time(at: datetime | None, offset: int | None) -> datetime | None:
    """The stored instant back in the offset it was given in (SQLite hands back naive UTC)."""
    if at is None:
        return None
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(timezone(timedelta(minutes=offset or 0)))


def full_name(first: str | None, last: str | None, company: str | None, customer_id: int) -> str:
    """What `Customer.name` says, from the columns."""
    return " ".join(p for p in (first, last) if p) or company or f"customer {customer_id}"


def customer_keys(
    *,
    first_name: str,
    last_name: str,
    company: str | None,
    email: str | None,
    phone: str | None,
    street: str,
    city: str,
    state: str,
    zip: str,
) -> dict[str, Any]:
    """The search columns of a customer row."""
    digits = phone_digits(phone)
    name = search_key(f"{first_name} {last_name}") or search_key(company)
    haystack = (first_name, last_name, company, email, digits, street, city, state, zip)
    return {
        "last_key": search_key(last_name),
        "name_key": name,
        "email_key": search_key(email) or None,
        "phone_digits": digits,
        "search_key": " ".join(k for k in map(search_key, haystack) if k),
    }


def parse_id(value: str | int | None) -> int | None:
    """A record id as the CRM's tools get it ("4723", "#4723"); None for anything that cannot be one."""
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        text = str(value or "").strip().lstrip("#").strip()
        if not text.isascii() or not text.isdigit():
            return None
        number = int(text)
    return number if 0 < number <= MAX_ID else None


# --- The CRM ----------------------------------------------------------------------------------------


class LocalCRM:
    """The `CRM` port over the crm_* tables. Database failures raise `StoreUnavailable`; a write the
    CRM cannot make (an unknown job or stage, a customer without a name) raises `ValueError` with a
    message fit to show a rep."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    @property
    def name(self) -> str:
        return "the local CRM"

    @property
    def can_move_stages(self) -> bool:
        return True

    # --- Reads ---------------------------------------------------------------------------------

    async def find_customers(self, query: str, *, limit: int = 10) -> list[Customer]:
        """Customers whose name, email, phone or address matches every word of `query`. Exact matches
        first (last name, full name, email, phone), then first names, then names starting so."""
        wanted = search_key(query)
        if not wanted or limit <= 0:
            return []
        c = CUSTOMERS.c
        digits = phone_digits(query) if _PHONE_QUERY.fullmatch(query.strip()) else None
        where: ColumnElement[bool]
        if digits and len(digits) >= MIN_PHONE_DIGITS:
            where = c.phone_digits.contains(digits, autoescape=True)
            rank = case((c.phone_digits == digits, 0), else_=1)
        else:
            terms = list(dict.fromkeys(wanted.split()))[:MAX_QUERY_TERMS]
            where = and_(*(c.search_key.contains(term, autoescape=True) for term in terms))
            rank = case(
                (or_(c.last_key == wanted, c.name_key == wanted, c.email_key == wanted), 0),
                (c.name_key.startswith(f"{wanted} ", autoescape=True), 1),
                (or_(c.last_key.startswith(wanted, autoescape=True), c.name_key.startswith(wanted, autoescape=True)), 2),
                else_=3,
            )
        statement = select(CUSTOMERS).where(where).order_by(rank, c.last_key, c.name_key, c.id).limit(min(limit, MAX_LIMIT))
        async with self._connect() as conn:
            rows = (await conn.execute(statement)).all()
        return [customer_record(row) for row in rows]

    async def customer(self, customer_id: str) -> Customer | None:
        number = parse_id(customer_id)
        if number is None:
            return None
        async with self._connect() as conn:
            row = (await conn.execute(select(CUSTOMERS).where(CUSTOMERS.c.id == number))).first()
        return customer_record(row) if row is not None else None

    async def jobs(
        self,
        *,
        customer_id: str | None = None,
        stages: Sequence[str] = (),
        rep: str | None = None,
        keyword: str | None = None,
        limit: int = 25,
    ) -> list[Job]:
        """Jobs matching every filter given, the latest stage change first. `stages` are matched by
        name whatever their case; `rep` is a user's full, first or last name; `keyword` matches the
        job's name, its customer's name or the job's id."""
        if limit <= 0:
            return []
        j, c = JOBS.c, CUSTOMERS.c
        statement = _JOB_SELECT
        if customer_id is not None:
            number = parse_id(customer_id)
            if number is None:
                return []
            statement = statement.where(j.customer_id == number)
        if stages:
            wanted = {s for s in map(canonical_stage, stages) if s is not None}
            if not wanted:
                return []
            statement = statement.where(j.stage.in_(sorted(wanted)))
        for term in list(dict.fromkeys(search_key(keyword).split()))[:MAX_QUERY_TERMS]:
            matches = [j.name_key.contains(term, autoescape=True), c.name_key.contains(term, autoescape=True)]
            if (number := parse_id(term)) is not None:
                matches.append(j.id == number)
            statement = statement.where(or_(*matches))
        statement = statement.order_by(j.stage_changed_at.desc().nulls_last(), j.id.desc()).limit(min(limit, MAX_LIMIT))
        async with self._connect() as conn:
            if rep is not None and rep.strip():
                statement = statement.where(await _rep_filter(conn, rep))
            rows = (await conn.execute(statement)).all()
        return [job_record(row) for row in rows]

    async def job(self, job_id: str) -> Job | None:
        number = parse_id(job_id)
        if number is None:
            return None
        async with self._connect() as conn:
            return await _job(conn, number)

    async def notes(self, job_id: str, *, limit: int = 5) -> list[Note]:
        """The job's notes, newest first."""
        number = parse_id(job_id)
        if number is None or limit <= 0:
            return []
        n = NOTES.c
        statement = (
            select(NOTES).where(n.job_id == number).order_by(n.created_at.desc().nulls_last(), n.id.desc()).limit(min(limit, MAX_LIMIT))
        )
        async with self._connect() as conn:
            rows = (await conn.execute(statement)).all()
        return [note_record(row) for row in rows]

    async def stages(self) -> list[str]:
        return list(STAGES)

    async def users(self) -> list[CrmUser]:
        async with self._connect() as conn:
            rows = (await conn.execute(select(USERS).order_by(USERS.c.id))).all()
        return [user_record(row) for row in rows]

    # --- Writes (only ever for an action a rep confirmed) ----------------------------------------

    async def add_note(self, job_id: str, text: str, *, author: str | None = None) -> Note:
        body = text.strip()
        if not body:
            raise ValueError("A note needs some text.")
        if len(body) > MAX_NOTE:
            raise ValueError(f"That note is too long for the local CRM (at most {MAX_NOTE:,} characters).")
        number = _job_id_or_raise(job_id)
        writer = author.strip() if author and author.strip() else None

        async def write(conn: AsyncConnection) -> Note:
            await _claim(conn, NOTES)
            if await conn.scalar(select(JOBS.c.id).where(JOBS.c.id == number)) is None:
                raise ValueError(_no_job(job_id))
            note_id = await _next_id(conn, NOTES)
            at, offset = split_time(utcnow())
            values = {"id": note_id, "job_id": number, "author": writer, "created_at": at, "created_at_offset": offset, "text": body}
            await conn.execute(insert(NOTES).values(values))
            return Note(id=str(note_id), job_id=str(number), text=body, author=writer, created_at=join_time(at, offset))

        return await self._write(write)

    async def create_customer(self, new: NewCustomer) -> Customer:
        first, last = new.first_name.strip(), new.last_name.strip()
        if not (first or last):
            raise ValueError("A new customer needs a first or last name.")
        email = (new.email or "").strip() or None
        if email is not None and "@" not in email:
            raise ValueError("That email address is missing its @.")
        phone = (new.phone or "").strip() or None
        a = new.address
        address = {"street": a.street.strip(), "city": a.city.strip(), "state": a.state.strip(), "zip": a.zip.strip()}
        at, offset = split_time(utcnow())
        columns: dict[str, Any] = {
            "first_name": first,
            "last_name": last,
            "email": email,
            "phone": phone,
            **address,
            "company": None,
            "rep": (new.rep or "").strip() or None,
            "lead_source": (new.lead_source or "").strip() or None,
            "trades": [t.strip() for t in new.trades if t.strip()],
            "note": (new.note or "").strip() or None,
            "created_at": at,
            "created_at_offset": offset,
            **customer_keys(first_name=first, last_name=last, company=None, email=email, phone=phone, **address),
        }

        async def write(conn: AsyncConnection) -> Customer:
            await _claim(conn, CUSTOMERS)
            customer_id = await _next_id(conn, CUSTOMERS)
            await conn.execute(insert(CUSTOMERS).values(id=customer_id, **columns))
            row = (await conn.execute(select(CUSTOMERS).where(CUSTOMERS.c.id == customer_id))).one()
            return customer_record(row)

        return await self._write(write)

    async def move_stage(self, job_id: str, stage: str) -> Job:
        """Move the job to `stage` (any case) and stamp the change now; moving a job to the stage it
        is at changes nothing. Leaving Lost clears the lost reason."""
        wanted = canonical_stage(stage)
        if wanted is None:
            shown = " ".join(str(stage).split())[:40]
            raise ValueError(f'"{shown}" is not a stage in the local CRM. The stages are: {", ".join(STAGES)}.')
        number = _job_id_or_raise(job_id)

        async def write(conn: AsyncConnection) -> Job:
            current = await conn.scalar(select(JOBS.c.stage).where(JOBS.c.id == number))
            if current is None:
                raise ValueError(_no_job(job_id))
            if current != wanted:
                at, offset = split_time(utcnow())
                values: dict[str, Any] = {"stage": wanted, "stage_changed_at": at, "stage_changed_at_offset": offset}
                if wanted != "Lost":
                    values["lost_reason"] = None
                await conn.execute(update(JOBS).where(JOBS.c.id == number).values(values))
            job = await _job(conn, number)
            assert job is not None  # in this transaction, just read
            return job

        return await self._write(write)

    # --- Plumbing --------------------------------------------------------------------------------

    @asynccontextmanager
    async def _connect(self) -> AsyncIterator[AsyncConnection]:
        try:
            async with self._engine.connect() as conn:
                yield conn
        except (SQLAlchemyError, OSError) as exc:
            raise StoreUnavailable(f"local CRM read failed ({type(exc).__name__})") from exc

    async def _write(self, work: Callable[[AsyncConnection], Awaitable[T]]) -> T:
        """Run `work` in a transaction of its own; a clash over a new id is tried again."""
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            try:
                async with writing(self._engine) as conn:
                    return await work(conn)
            except IntegrityError as exc:
                if attempt == WRITE_ATTEMPTS:
                    raise StoreUnavailable(f"local CRM write failed ({type(exc).__name__})") from exc
            except (SQLAlchemyError, OSError) as exc:
                raise StoreUnavailable(f"local CRM write failed ({type(exc).__name__})") from exc
        raise AssertionError("unreachable")


# --- Rows to records --------------------------------------------------------------------------------

_JOB_SELECT: Select[Any] = select(
    JOBS,
    CUSTOMERS.c.first_name.label("customer_first_name"),
    CUSTOMERS.c.last_name.label("customer_last_name"),
    CUSTOMERS.c.company.label("customer_company"),
    CUSTOMERS.c.street.label("customer_street"),
    CUSTOMERS.c.city.label("customer_city"),
    CUSTOMERS.c.state.label("customer_state"),
    CUSTOMERS.c.zip.label("customer_zip"),
).join(CUSTOMERS, CUSTOMERS.c.id == JOBS.c.customer_id)


def customer_record(row: Row[Any]) -> Customer:
    return Customer(
        id=str(row.id),
        first_name=row.first_name,
        last_name=row.last_name,
        email=row.email,
        phone=row.phone,
        address=Address(row.street, row.city, row.state, row.zip),
        company=row.company,
        rep=row.rep,
        lead_source=row.lead_source,
        trades=tuple(row.trades or ()),
        note=row.note,
        created_at=join_time(row.created_at, row.created_at_offset),
    )


def job_record(row: Row[Any]) -> Job:
    """A job from a `_JOB_SELECT` row: the address is its customer's (jobs are at the customer's home)."""
    return Job(
        id=str(row.id),
        customer_id=str(row.customer_id),
        name=row.name,
        stage=row.stage,
        customer_name=full_name(row.customer_first_name, row.customer_last_name, row.customer_company, row.customer_id),
        number=str(row.id),
        trade=row.trade,
        stage_changed_at=join_time(row.stage_changed_at, row.stage_changed_at_offset),
        rep=row.rep,
        amount=row.amount,
        address=Address(row.customer_street, row.customer_city, row.customer_state, row.customer_zip),
        appointment_at=join_time(row.appointment_at, row.appointment_at_offset),
        lost_reason=row.lost_reason,
        url=None,
    )


def note_record(row: Row[Any]) -> Note:
    return Note(
        id=str(row.id),
        job_id=str(row.job_id),
        text=row.text,
        author=row.author,
        created_at=join_time(row.created_at, row.created_at_offset),
    )


def user_record(row: Row[Any]) -> CrmUser:
    return CrmUser(id=str(row.id), first_name=row.first_name, last_name=row.last_name, email=row.email, role=row.role, branch=row.branch)


async def _job(conn: AsyncConnection, number: int) -> Job | None:
    row = (await conn.execute(_JOB_SELECT.where(JOBS.c.id == number))).first()
    return job_record(row) if row is not None else None


async def _rep_filter(conn: AsyncConnection, rep: str) -> ColumnElement[bool]:
    """Jobs of the users whose full, first or last name is `rep`; failing that, of a rep of exactly that name."""
    wanted = search_key(rep)
    users = (await conn.execute(select(USERS.c.first_name, USERS.c.last_name))).all()
    names = [
        f"{u.first_name} {u.last_name}".strip()
        for u in users
        if wanted in (search_key(f"{u.first_name} {u.last_name}"), search_key(u.first_name), search_key(u.last_name))
    ]
    if names:
        return JOBS.c.rep.in_(names)
    return func.lower(JOBS.c.rep) == " ".join(rep.split()).lower()


async def _claim(conn: AsyncConnection, table: Table) -> None:
    """Make this transaction the table's only writer until it ends, so the id `_next_id` picks stays
    free: PostgreSQL takes a transaction-scoped advisory lock, SQLite its write lock (a write that
    changes nothing, as the transaction's first statement, so the busy timeout covers the wait)."""
    if conn.dialect.name == "postgresql":
        await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": advisory_key(table.name, b"crm-id")})
    else:
        await conn.execute(update(table).where(false()).values(id=table.c.id))


async def _next_id(conn: AsyncConnection, table: Table) -> int:
    """The table's largest id + 1; call `_claim` first."""
    return int(await conn.scalar(select(func.max(table.c.id))) or 0) + 1


def _job_id_or_raise(job_id: str) -> int:
    number = parse_id(job_id)
    if number is None:
        raise ValueError(_no_job(job_id))
    return number


def _no_job(job_id: str | None) -> str:
    shown = " ".join(str(job_id or "").split())[:40]
    return f'There is no job "{shown}" in the local CRM.' if shown else "No job was given."

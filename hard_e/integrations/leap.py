"""The CRM port over Leap's public REST API (JobProgress API v3): customers, jobs, job notes, lookups.

Sources (read before writing the calls):

- Leap's API reference, https://docs.api.jobprogress.com/ (OpenAPI): customers
  https://docs.api.jobprogress.com/api/customer.json, jobs .../api/job.json, job notes
  .../api/job-note.json, lookups .../#/GET-workflow-stages, .../#/GET-company-users and
  `GET /company/trades`. Read through two public digests of it: MindCloud's "Leap: Native API
  Reference" (github.com/mindcloud-inc/universal-api-reference; the 20 endpoints with their
  methods, paths, query and body fields, e.g. `limit` up to 100, `page`, `query` on customers,
  `keyword` on jobs, `note` on job notes) and a "JobProgress / Leap API — verified reference" read from the spec (base URL,
  Bearer token, `{data, meta.pagination.{total,count,per_page,current_page,total_pages}, status}`,
  60 requests per minute then 429, job `includes[]`, the `stages[]` filter on `GET /jobs`).
- Field names of the objects, the filters the list endpoints take, the 60/minute throttle and the
  validation status (412), as public integration code and field reports show them:
  customer `first_name`, `last_name`, `company_name`, `email`, `note`, `referred_by_type`,
  `created_at`, includes `address`, `phones`, `rep`; job `name`, `number`, `customer_id`,
  `description`, `current_stage{name,code}`, `stage_last_modified`, includes `customer`, `reps`,
  `estimators`, `address`, `trades`; note `note`, `stage_code`, `created_at`, include `created_by`;
  stage `code`, `name`, `position`; user `first_name`, `last_name`, `email`, `group`, include
  `role`. Included relations come wrapped as `{"data": ...}`; the mapping takes them wrapped or bare.
- Leap's job pages, `{site}/app/#/customer-jobs/{customer_id}/job/{job_id}/overview`: JobProgress's
  config (`site_job_url`) and integrations that link to them.

Endpoints used (base `https://api.jobprogress.com/api/v3`, `Authorization: Bearer <token>`):

- `GET /customers` (find): `query` ("search customers by email and full name"), `limit`, `page`,
  `includes[]` = address, phones, rep.
- `GET /customers/{id}` (one customer): the same `includes[]`.
- `POST /customers` (create), form fields: `first_name`, `last_name`, `email`, `note`,
  `phones[0][label]`, `phones[0][number]`, `address[address]`, `address[city]`, `address[zip]`,
  `referred_by_type`, `referred_by_note`, `rep_id`.
- `GET /jobs` (list): `customer_id`, `keyword`, `stages[]` (stage codes), `limit`, `page`,
  `includes[]` = customer, reps, address, trades.
- `GET /jobs/{id}` (one job): the same `includes[]`.
- `GET /jobs/{id}/notes` (a job's notes): `limit`, `page`, `includes[]` = created_by.
- `POST /jobs/{id}/notes` (add a note), form field: `note`.
- Lookups: `GET /workflow/stages`, `GET /company/users` (`includes[]` = division, for the branch),
  `GET /company/trades`.

Decisions where the docs are silent:

- Writes are sent as form fields with bracketed keys, as the docs show them (not JSON).
- `stages[]` takes workflow stage codes; callers give names, so the first filtered `jobs()` call
  reads `/workflow/stages` once (cached for the client's life) to turn names into codes. A name Leap
  doesn't know matches nothing. Results are also checked against the names client-side.
- `rep` is matched client-side: the documented job filters have no rep name, so `jobs(rep=...)`
  reads pages of 100 (at most `MAX_PAGES`) and keeps jobs whose job reps, estimators or customer rep
  carry that name (full name, or first or last name alone; case-insensitive).
- `Job.rep` is the first job rep, else the first estimator, else the customer's rep. `Job.trade` is
  the first trade. `Job.amount` comes from `amount` or the `financial_details` include when Leap
  sends one (it's not in the default job object). `appointment_at` and `lost_reason` have no field
  in the public job object and stay None.
- `Job.url` is `{web_url}/app/#/customer-jobs/{customer_id}/job/{job_id}/overview` when `web_url`
  (the site root, e.g. `https://www.jobprogress.com`) is given; else None.
- The order of a job's notes is not documented (public integration code applies none, i.e. oldest
  first), so `notes()` reads all of the job's notes (pages of 100, at most `MAX_PAGES`) and returns
  the newest `limit` by `created_at`, then id. A job's notes usually fit one page: one request.
- A note is written as the token's user (the API has no author field); with `author` given, the
  text ends with a line "— {author} (via Hard-E)" so the rep's name travels with it.
- `create_customer`: Leap customers have no trades (jobs do) and no free lead source, so the trades go
  into the note ("Trades: roofing, gutters") and the lead source into `referred_by_type=other`
  with `referred_by_note` (read back the same way: `Customer.lead_source` is `referred_by_note` when
  the type is "other", else the type). A rep is sent as `rep_id`, looked up by name in
  `/company/users` (one extra request, only when a rep is given). The state is left out: Leap wants
  a `state_id` from its own country/state lookups. What Leap's answer leaves out is filled from what
  was sent.
- Naive times from Leap are taken as UTC; dates become midnight UTC.
- `move_stage`: Leap documents no public endpoint to move a job's stage, so it raises
  `CrmUnsupported` without a request.

Transport: one aiohttp session per client, opened on first use inside the running loop, closed by
`aclose()`. A client-side limiter keeps each client below Leap's 60 requests a minute per token
(`per_minute`, default 50, in any rolling `window` seconds). `timeout` bounds each logical request:
the wait for the limiter, every attempt and every backoff together. 429, 5xx and connection errors
are retried (at most `max_retries` times) with exponential backoff, honouring `Retry-After` up to
`MAX_RETRY_AFTER` seconds (past that, or past the deadline, it gives up). A POST is retried only when
Leap can't have acted on it (429, or a connection that never opened), so a note is never written
twice. Failures raise `CrmUnavailable(reason)`: "unauthorized", "rate_limited", "timeout",
"unreachable", "server_error", "bad_response" or "rejected". Logs carry the method, path, status and
attempt only (for a rejected write, the names of the fields Leap complained about) — never the
token, a body, a name or a note's text.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import aiohttp

from hard_e.errors import CrmUnavailable, CrmUnsupported
from hard_e.integrations.failures import failure_reason
from hard_e.records import Address, CrmUser, Customer, Job, NewCustomer, Note

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.jobprogress.com/api/v3"
DEFAULT_TIMEOUT = 10.0
DEFAULT_MAX_RETRIES = 3
DEFAULT_PER_MINUTE = 50  # Leap allows 60 a minute per token; stay clear of it
MAX_RETRY_AFTER = 10.0  # a Retry-After longer than this is not worth holding a rep's answer for
PAGE_SIZE = 100  # Leap's largest `limit`
MAX_PAGES = 20  # no listing reads more pages than this, whatever the meta says

CUSTOMER_INCLUDES = ("address", "phones", "rep")
USER_INCLUDES = ("division",)
JOB_INCLUDES = ("customer", "reps", "address", "trades")
NOTE_INCLUDES = ("created_by",)

Params = list[tuple[str, str]]
Json = dict[str, Any]


class RateLimiter:
    """At most `per_window` requests in any rolling `window` seconds of `clock`.

    A request holds its slot from `acquire` until `release` and for `window` seconds after that, so
    whenever Leap receives it (between the two) and however long it takes, Leap can never count more
    of our requests in one of its windows than we allowed in ours.
    """

    POLL = 0.02  # how often a waiter looks again while every slot is held by a request in flight

    def __init__(self, per_window: int, window: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        if per_window < 1 or window <= 0:
            raise ValueError("the limiter needs per_window >= 1 and window > 0")
        self.per_window = per_window
        self.window = window
        self._clock = clock
        self._slots: list[list[float]] = []  # [time the request finished], inf while it is in flight

    def delay(self) -> float:
        """Seconds until a slot is free (0 when one is free now; inf while all are held in flight)."""
        now = self._clock()
        self._slots = [slot for slot in self._slots if slot[0] > now - self.window]
        if len(self._slots) < self.per_window:
            return 0.0
        return max(0.0, min(slot[0] for slot in self._slots) + self.window - now)

    async def acquire(self, deadline: float) -> list[float]:
        """A slot, waiting for one until `deadline` (on `clock`); `CrmUnavailable("rate_limited")` past it."""
        while True:
            wait = self.delay()
            if wait <= 0:
                slot = [math.inf]
                self._slots.append(slot)
                return slot
            now = self._clock()
            if now + min(wait, self.POLL) > deadline or (wait != math.inf and now + wait > deadline):
                raise CrmUnavailable("rate_limited")
            await asyncio.sleep(min(wait, self.POLL) if wait == math.inf else wait)

    def release(self, slot: list[float]) -> None:
        """The request that took `slot` is done; its window starts now."""
        slot[0] = self._clock()


class LeapCRM:
    """The `CRM` port over Leap's API v3. One instance per token; reuse it, then `aclose()` it."""

    def __init__(
        self,
        token: str,
        base_url: str | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        per_minute: int = DEFAULT_PER_MINUTE,
        web_url: str | None = None,
        window: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        backoff: float = 0.5,
    ) -> None:
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        self._token = token
        self.base_url = (base_url or DEFAULT_BASE_URL).rstrip("/")
        self.web_url = web_url.rstrip("/") if web_url else None
        self._timeout = timeout
        self._max_retries = max(0, max_retries)
        self._backoff = max(0.0, backoff)
        self._clock = clock
        self.limiter = RateLimiter(per_minute, window, clock)
        self._session: aiohttp.ClientSession | None = None
        self._session_loop: asyncio.AbstractEventLoop | None = None
        self._stage_codes: dict[str, str] | None = None  # casefolded stage name -> code

    def __repr__(self) -> str:
        return f"LeapCRM(base_url={self.base_url!r})"

    @property
    def name(self) -> str:
        return "Leap"

    @property
    def can_move_stages(self) -> bool:
        """Leap's public API documents no way to move a job to another stage."""
        return False

    async def aclose(self) -> None:
        session, self._session = self._session, None
        if session is not None and not session.closed:
            await session.close()

    # -- customers -------------------------------------------------------------------------

    async def find_customers(self, query: str, *, limit: int = 10) -> list[Customer]:
        if limit <= 0 or not query.strip():
            return []
        params: Params = [("query", query.strip()), *_includes(CUSTOMER_INCLUDES)]
        rows = await self._pages("/customers", params, limit=limit)
        return [c for c in (map_customer(row) for row in rows) if c is not None]

    async def customer(self, customer_id: str) -> Customer | None:
        body = await self._get(f"/customers/{_path_id(customer_id)}", _includes(CUSTOMER_INCLUDES))
        if body is None:
            return None
        return map_customer(_record_of(body, "/customers/{id}"))

    async def create_customer(self, new: NewCustomer) -> Customer:
        form: Params = [("first_name", new.first_name), ("last_name", new.last_name)]
        if new.email:
            form.append(("email", new.email))
        if new.phone:
            form += [("phones[0][label]", "cell"), ("phones[0][number]", _digits(new.phone))]
        addr = new.address
        for key, value in (("address", addr.street), ("city", addr.city), ("zip", addr.zip)):
            if value:
                form.append((f"address[{key}]", value))
        note = "\n".join(p for p in (new.note or "", f"Trades: {', '.join(new.trades)}" if new.trades else "") if p)
        if note:
            form.append(("note", note))
        if new.lead_source:
            form += [("referred_by_type", "other"), ("referred_by_note", new.lead_source)]
        if new.rep:
            rep_id = await self._user_id(new.rep)
            if rep_id is not None:
                form.append(("rep_id", rep_id))
        body = await self._post("/customers", form)
        customer = map_customer(_record_of(body, "/customers", keys=("customer", "data")))
        if customer is None:
            log.warning("leap POST /customers: the response carries no customer id")
            raise CrmUnavailable("bad_response")
        # Leap's answer wins; what it leaves out is what we sent.
        return replace(
            customer,
            first_name=customer.first_name or new.first_name,
            last_name=customer.last_name or new.last_name,
            email=customer.email or new.email,
            phone=customer.phone or new.phone,
            address=Address(
                street=customer.address.street or new.address.street,
                city=customer.address.city or new.address.city,
                state=customer.address.state or new.address.state,
                zip=customer.address.zip or new.address.zip,
            ),
            rep=customer.rep or new.rep,
            lead_source=customer.lead_source or new.lead_source,
            trades=customer.trades or new.trades,
            note=customer.note or new.note,
        )

    # -- jobs ------------------------------------------------------------------------------

    async def jobs(
        self,
        *,
        customer_id: str | None = None,
        stages: Sequence[str] = (),
        rep: str | None = None,
        keyword: str | None = None,
        limit: int = 25,
    ) -> list[Job]:
        if limit <= 0:
            return []
        params: Params = []
        if customer_id:
            params.append(("customer_id", customer_id))
        if keyword and keyword.strip():
            params.append(("keyword", keyword.strip()))
        wanted = {s.casefold() for s in stages if s.strip()}
        if wanted:
            codes = await self._stage_codes_for(wanted)
            if not codes:
                return []  # no stage Leap knows by those names: nothing can match
            params += [("stages[]", code) for code in codes]
        params += _includes(JOB_INCLUDES)

        def keep(row: Json) -> bool:
            if wanted and _stage_name(row).casefold() not in wanted:
                return False
            return rep is None or _has_rep(row, rep)

        rows = await self._pages("/jobs", params, limit=limit, keep=keep, page_size=PAGE_SIZE if rep else None)
        return [j for j in (self.map_job(row) for row in rows) if j is not None]

    async def job(self, job_id: str) -> Job | None:
        body = await self._get(f"/jobs/{_path_id(job_id)}", _includes(JOB_INCLUDES))
        if body is None:
            return None
        return self.map_job(_record_of(body, "/jobs/{id}"))

    async def move_stage(self, job_id: str, stage: str) -> Job:
        raise CrmUnsupported("Leap's public API has no endpoint to move a job's stage")

    # -- notes -----------------------------------------------------------------------------

    async def notes(self, job_id: str, *, limit: int = 5) -> list[Note]:
        if limit <= 0:
            return []
        path = f"/jobs/{_path_id(job_id)}/notes"
        rows = await self._pages(path, _includes(NOTE_INCLUDES), limit=PAGE_SIZE * MAX_PAGES, page_size=PAGE_SIZE)
        notes = [n for n in (map_note(row, job_id) for row in rows) if n is not None]
        notes.sort(key=_note_order, reverse=True)
        return notes[:limit]

    async def add_note(self, job_id: str, text: str, *, author: str | None = None) -> Note:
        body_text = f"{text}\n— {author} (via Hard-E)" if author else text
        body = await self._post(f"/jobs/{_path_id(job_id)}/notes", [("note", body_text)])
        note = map_note(_record_of(body, "/jobs/{id}/notes", keys=("data", "note")), job_id)
        if note is None:
            log.warning("leap POST /jobs/{id}/notes: the response carries no note id")
            raise CrmUnavailable("bad_response")
        if author and note.author is None:
            note = replace(note, author=author)
        return note

    # -- lookups ---------------------------------------------------------------------------

    async def stages(self) -> list[str]:
        rows = await self._stage_rows()
        return [name for name, _ in rows]

    async def users(self) -> list[CrmUser]:
        rows = await self._pages("/company/users", _includes(USER_INCLUDES), limit=PAGE_SIZE * MAX_PAGES, page_size=PAGE_SIZE)
        return [u for u in (map_user(row) for row in rows) if u is not None]

    async def trades(self) -> list[str]:
        """The company's trade names (`GET /company/trades`)."""
        rows = await self._pages("/company/trades", [], limit=PAGE_SIZE * MAX_PAGES, page_size=PAGE_SIZE)
        return [name for name in (_text(row.get("name")) for row in rows) if name]

    async def _stage_rows(self) -> list[tuple[str, str]]:
        rows = await self._pages("/workflow/stages", [], limit=PAGE_SIZE * MAX_PAGES, page_size=PAGE_SIZE)
        ordered = sorted(enumerate(rows), key=lambda pair: (_number(pair[1].get("position"), pair[0]), pair[0]))
        out: list[tuple[str, str]] = []
        for _, row in ordered:
            name = _text(row.get("name"))
            if name:
                out.append((name, _text(row.get("code")) or _text(row.get("id")) or name))
        self._stage_codes = {name.casefold(): code for name, code in out}
        return out

    async def _stage_codes_for(self, names: set[str]) -> list[str]:
        if self._stage_codes is None:
            await self._stage_rows()
        codes = self._stage_codes or {}
        return [codes[n] for n in sorted(names) if n in codes]

    async def _user_id(self, full_name: str) -> str | None:
        for user in await self.users():
            if _name_matches(full_name, user.first_name, user.last_name):
                return user.id
        log.info("leap: the rep given for a new customer is not a Leap user; sent without rep_id")
        return None

    # -- mapping that needs the client's settings ----------------------------------------------

    def map_job(self, raw: Any) -> Job | None:
        job = map_job(raw)
        if job is None or self.web_url is None or not job.customer_id:
            return job
        url = f"{self.web_url}/app/#/customer-jobs/{job.customer_id}/job/{job.id}/overview"
        return replace(job, url=url)

    # -- HTTP ------------------------------------------------------------------------------

    async def _pages(
        self,
        path: str,
        params: Params,
        *,
        limit: int,
        keep: Callable[[Json], bool] | None = None,
        page_size: int | None = None,
    ) -> list[Json]:
        """Records from a paginated listing, following `meta.pagination` until `limit` are kept.

        Stops at the last page, at an empty page, when the meta is missing or makes no sense (a page
        number Leap didn't serve), or after `MAX_PAGES` pages.
        """
        size = max(1, min(PAGE_SIZE, page_size or limit))
        out: list[Json] = []
        for page in range(1, MAX_PAGES + 1):
            body = await self._get(path, [*params, ("limit", str(size)), ("page", str(page))])
            if body is None:  # the parent (e.g. the job) doesn't exist
                return out
            if not isinstance(body, dict) or not isinstance(body.get("data"), list):
                log.warning("leap GET %s: the response has no data list", path)
                raise CrmUnavailable("bad_response")
            if page > 1 and _served_page(body) not in (None, page):
                log.warning("leap GET %s: asked for page %s, got another; stopping", path, page)
                return out  # following a server that ignores `page` would read the same rows forever
            rows = [row for row in body["data"] if isinstance(row, dict)]
            for row in rows:
                if keep is None or keep(row):
                    out.append(row)
                    if len(out) >= limit:
                        return out
            if not rows or not _more_pages(body, page):
                return out
        log.info("leap GET %s: stopped after %s pages", path, MAX_PAGES)
        return out

    async def _get(self, path: str, params: Params) -> Any:
        return await self._request("GET", path, params=params)

    async def _post(self, path: str, form: Params) -> Any:
        body = await self._request("POST", path, form=form)
        if body is None:
            raise CrmUnavailable("rejected")  # a 404 on a write: the parent isn't there
        return body

    def _session_now(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        if self._session is None or self._session.closed or self._session_loop is not loop:
            # A session belongs to the loop it was made in; a client used from a new loop gets a new one.
            headers = {"Authorization": f"Bearer {self._token}", "Accept": "application/json"}
            self._session = aiohttp.ClientSession(headers=headers)
            self._session_loop = loop
        return self._session

    async def _request(self, method: str, path: str, *, params: Params | None = None, form: Params | None = None) -> Any:
        """The JSON body of a 2xx answer, or None for a 404. Everything else raises `CrmUnavailable`."""
        deadline = self._clock() + self._timeout
        url = self.base_url + path
        attempt = 0
        while True:
            attempt += 1
            try:
                slot = await self.limiter.acquire(deadline)
            except CrmUnavailable:
                log.warning("leap %s %s: no request slot free before the deadline (attempt %s)", method, path, attempt)
                raise
            remaining = deadline - self._clock()
            retry_after: str | None = None
            status = 0
            try:
                if remaining <= 0:
                    raise TimeoutError
                session = self._session_now()
                request_timeout = aiohttp.ClientTimeout(total=remaining)
                async with session.request(method, url, params=params, data=form, timeout=request_timeout) as resp:
                    status = resp.status
                    retry_after = resp.headers.get("Retry-After")
                    raw = await resp.read()
            except TimeoutError:
                log.warning("leap %s %s: timed out (attempt %s)", method, path, attempt)
                raise CrmUnavailable("timeout") from None
            except aiohttp.ClientConnectorError as exc:
                # Nothing reached Leap: safe to retry, writes included.
                log.warning("leap %s %s: can't connect (%s, attempt %s)", method, path, type(exc).__name__, attempt)
                reason, retryable = "unreachable", True
            except aiohttp.ClientError as exc:
                log.warning("leap %s %s: connection failed (%s, attempt %s)", method, path, type(exc).__name__, attempt)
                reason, retryable = "unreachable", method == "GET"
            else:
                log.info("leap %s %s -> %s (attempt %s)", method, path, status, attempt)
                if 200 <= status < 300:
                    return _parse_json(raw, method, path)
                if status == 404:
                    return None
                reason, retryable = _failure(status, method)
                if reason == "rejected":
                    fields = _invalid_fields(raw)
                    log.warning("leap %s %s -> %s: rejected%s", method, path, status, f" (fields: {', '.join(fields)})" if fields else "")
            finally:
                self.limiter.release(slot)  # the slot's window starts when Leap is done with the request
            if not retryable or attempt > self._max_retries:
                log.warning("leap %s %s: giving up, %s after %s attempt(s)", method, path, reason, attempt)
                raise CrmUnavailable(reason)
            delay = _retry_delay(retry_after, self._backoff * 2 ** (attempt - 1))
            if delay is None or self._clock() + delay >= deadline:
                log.warning("leap %s %s: giving up, %s (no time to wait %ss)", method, path, reason, retry_after or "backoff")
                raise CrmUnavailable(reason)
            await asyncio.sleep(delay)


# -- status handling -------------------------------------------------------------------------------


def _failure(status: int, method: str) -> tuple[str, bool]:
    """(reason, retryable) for a non-2xx, non-404 status."""
    reason = failure_reason(status)
    if reason == "rate_limited":
        return reason, True  # Leap turned it away: nothing was done, a write may be retried too
    if reason == "server_error":
        return reason, method == "GET"  # a write may have happened; never write twice
    return reason, False


def _retry_delay(retry_after: str | None, fallback: float) -> float | None:
    """Seconds to wait before the next attempt, or None when the server asks for longer than we'll wait."""
    if retry_after is None:
        return min(fallback, MAX_RETRY_AFTER)
    value = retry_after.strip()
    try:
        wanted = float(value)
    except ValueError:
        try:
            wanted = (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds()
        except (TypeError, ValueError, IndexError):
            return min(fallback, MAX_RETRY_AFTER)
    if wanted != wanted or wanted > MAX_RETRY_AFTER:  # NaN or too long
        return None
    return max(0.0, wanted)


def _parse_json(raw: bytes, method: str, path: str) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        log.warning("leap %s %s: the body is not JSON (%s bytes)", method, path, len(raw))
        raise CrmUnavailable("bad_response") from None


def _invalid_fields(raw: bytes) -> list[str]:
    """Names of the fields a validation error names (Laravel-style `errors` / `error.validation`), never values."""
    try:
        body = json.loads(raw)
    except ValueError:
        return []
    if not isinstance(body, dict):
        return []
    candidates = [body.get("errors"), body.get("validation")]
    error = body.get("error")
    if isinstance(error, dict):
        candidates += [error.get("validation"), error.get("errors")]
    for found in candidates:
        if isinstance(found, dict) and found:
            return sorted(str(k) for k in found)[:20]
    return []


def _pagination(body: Json) -> Json | None:
    meta = body.get("meta")
    pagination = meta.get("pagination") if isinstance(meta, dict) else None
    return pagination if isinstance(pagination, dict) else None


def _served_page(body: Json) -> int | None:
    pagination = _pagination(body)
    return _number(pagination.get("current_page"), 0) if pagination and "current_page" in pagination else None


def _more_pages(body: Json, page: int) -> bool:
    """Whether a page after `page` exists; False when the meta is missing or doesn't add up."""
    pagination = _pagination(body)
    if pagination is None:
        return False
    if _served_page(body) not in (None, page):
        return False
    return page < _number(pagination.get("total_pages"), 0)


# -- mapping Leap JSON to records ------------------------------------------------------------------


def map_customer(raw: Any) -> Customer | None:
    """A `Customer` from a Leap customer object; None when it has no id."""
    if not isinstance(raw, dict) or _text(raw.get("id")) is None:
        return None
    rep = _unwrap(raw.get("rep"))
    return Customer(
        id=_text(raw.get("id")) or "",
        first_name=_text(raw.get("first_name")) or "",
        last_name=_text(raw.get("last_name")) or "",
        email=_text(raw.get("email")),
        phone=_first_phone(raw),
        address=map_address(raw.get("address")),
        company=_text(raw.get("company_name")),
        rep=_person(rep),
        lead_source=_lead_source(raw),
        trades=tuple(_names(raw.get("trades"))),
        note=_text(raw.get("note")),
        created_at=parse_time(raw.get("created_at")),
    )


def map_job(raw: Any) -> Job | None:
    """A `Job` from a Leap job object (no `url`: `LeapCRM.map_job` adds it); None when it has no id."""
    if not isinstance(raw, dict) or _text(raw.get("id")) is None:
        return None
    job_id = _text(raw.get("id")) or ""
    customer = _unwrap(raw.get("customer"))
    customer_id = _text(raw.get("customer_id")) or (_text(customer.get("id")) if isinstance(customer, dict) else None) or ""
    number = _text(raw.get("number"))
    trades = _names(raw.get("trades"))
    description = _text(raw.get("description"))
    name = (
        _text(raw.get("name"))
        or (description.splitlines()[0][:80] if description else None)
        or (f"Job {number}" if number else f"job {job_id}")
    )
    return Job(
        id=job_id,
        customer_id=customer_id,
        name=name,
        stage=_stage_name(raw),
        customer_name=_customer_name(customer),
        number=number,
        trade=trades[0] if trades else None,
        stage_changed_at=parse_time(raw.get("stage_last_modified") or raw.get("stage_changed_date")),
        rep=_job_rep(raw),
        amount=_amount(raw),
        address=map_address(raw.get("address")),
    )


def map_note(raw: Any, job_id: str) -> Note | None:
    """A `Note` from a Leap job note; None when it has no id."""
    if not isinstance(raw, dict) or _text(raw.get("id")) is None:
        return None
    return Note(
        id=_text(raw.get("id")) or "",
        job_id=_text(raw.get("job_id")) or job_id,
        text=_text(raw.get("note")) or "",
        author=_person(_unwrap(raw.get("created_by"))),
        created_at=parse_time(raw.get("created_at")),
    )


def map_user(raw: Any) -> CrmUser | None:
    """A `CrmUser` from a Leap company user; None when it has no id."""
    if not isinstance(raw, dict) or _text(raw.get("id")) is None:
        return None
    roles = _names(raw.get("role"))
    divisions = _names(raw.get("divisions")) or _names(raw.get("division"))
    return CrmUser(
        id=_text(raw.get("id")) or "",
        first_name=_text(raw.get("first_name")) or "",
        last_name=_text(raw.get("last_name")) or "",
        email=_text(raw.get("email")),
        role=roles[0] if roles else _text(raw.get("group")),
        branch=divisions[0] if divisions else None,
    )


def map_address(raw: Any) -> Address:
    raw = _unwrap(raw)
    if not isinstance(raw, dict):
        return Address()
    street = ", ".join(p for p in (_text(raw.get("address")), _text(raw.get("address_line_1"))) if p)
    state = _unwrap(raw.get("state"))
    if isinstance(state, dict):
        state = state.get("code") or state.get("abbreviation") or state.get("name")
    return Address(street=street, city=_text(raw.get("city")) or "", state=_text(state) or "", zip=_text(raw.get("zip")) or "")


def parse_time(raw: Any) -> datetime | None:
    """An aware datetime from Leap's ISO 8601, `Y-m-d H:i:s` or date strings (or `{date, timezone}`)."""
    zone: Any = UTC
    if isinstance(raw, dict):
        try:
            zone = ZoneInfo(str(raw.get("timezone") or "UTC"))
        except (KeyError, ValueError):
            zone = UTC
        raw = raw.get("date")
    if not isinstance(raw, str) or not raw.strip():
        return None
    text = raw.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=zone)


def _unwrap(value: Any) -> Any:
    """An included relation without Fractal's `{"data": ...}` wrapper."""
    if isinstance(value, dict) and set(value) <= {"data", "meta"} and "data" in value:
        return value["data"]
    return value


def _text(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return str(int(value)) if float(value).is_integer() else str(value)
    if isinstance(value, str):
        return value.strip() or None
    return None


def _number(value: Any, default: int) -> int:
    if isinstance(value, bool):
        return default
    if isinstance(value, int):
        return value
    if isinstance(value, float | str):
        try:
            return int(float(value))
        except ValueError:
            return default
    return default


def _names(value: Any) -> list[str]:
    """Names from a list of strings or of `{name}` objects, wrapped or bare."""
    value = _unwrap(value)
    if isinstance(value, dict | str):
        value = [value]
    if not isinstance(value, list):
        return []
    out: list[str] = []
    for item in value:
        name = _text(item) if not isinstance(item, dict) else _text(item.get("name"))
        if name:
            out.append(name)
    return out


def _person(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, str):
        return value.strip() or None
    if not isinstance(value, dict):
        return None
    full = " ".join(p for p in (_text(value.get("first_name")), _text(value.get("last_name"))) if p)
    return full or _text(value.get("full_name")) or _text(value.get("name"))


def _people(value: Any) -> list[Json]:
    value = _unwrap(value)
    if isinstance(value, dict):
        return [value]
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _lead_source(raw: Json) -> str | None:
    """`referred_by_type`, or for "other" the free text of `referred_by_note` that says what it was."""
    kind = _text(raw.get("referred_by_type"))
    note = _text(raw.get("referred_by_note"))
    if note and (kind is None or kind.casefold() == "other"):
        return note
    return kind


def _first_phone(raw: Json) -> str | None:
    for phone in _people(raw.get("phones")):
        number = _text(phone.get("number"))
        if number:
            return number
    return _text(raw.get("phone"))


def _customer_name(customer: Any) -> str:
    if not isinstance(customer, dict):
        return ""
    return _person(customer) or _text(customer.get("company_name")) or ""


def _stage_name(raw: Json) -> str:
    stage = _unwrap(raw.get("current_stage"))
    if isinstance(stage, dict):
        return _text(stage.get("name")) or ""
    return _text(stage) or _text(raw.get("stage")) or ""


def _job_rep(raw: Json) -> str | None:
    for key in ("reps", "estimators"):
        for person in _people(raw.get(key)):
            name = _person(person)
            if name:
                return name
    customer = _unwrap(raw.get("customer"))
    return _person(_unwrap(customer.get("rep"))) if isinstance(customer, dict) else None


def _has_rep(raw: Json, rep: str) -> bool:
    people = _people(raw.get("reps")) + _people(raw.get("estimators"))
    customer = _unwrap(raw.get("customer"))
    if isinstance(customer, dict):
        people += _people(customer.get("rep"))
    return any(_name_matches(rep, _text(p.get("first_name")) or "", _text(p.get("last_name")) or "") for p in people)


def _name_matches(wanted: str, first: str, last: str) -> bool:
    want = " ".join(wanted.split()).casefold()
    if not want:
        return False
    full = " ".join(p for p in (first, last) if p).casefold()
    return want in {full, first.casefold(), last.casefold()}


def _amount(raw: Json) -> int | None:
    for value in (raw.get("amount"), _financial(raw.get("financial_details"))):
        if isinstance(value, bool) or value is None:
            continue
        try:
            return round(float(value))
        except (TypeError, ValueError):
            continue
    return None


def _financial(value: Any) -> Any:
    value = _unwrap(value)
    if isinstance(value, list):
        value = value[0] if value else None
    return value.get("total_job_amount") if isinstance(value, dict) else None


def _note_order(note: Note) -> tuple[datetime, int]:
    return (note.created_at or datetime.min.replace(tzinfo=UTC), _number(note.id, 0))


def _record_of(body: Any, what: str, keys: Iterable[str] = ("data",)) -> Any:
    if isinstance(body, dict):
        for key in keys:
            if isinstance(body.get(key), dict):
                return body[key]
        if "id" in body:  # a bare object
            return body
    log.warning("leap %s: the response holds no record", what)
    raise CrmUnavailable("bad_response")


def _includes(names: Iterable[str]) -> Params:
    return [("includes[]", name) for name in names]


def _path_id(value: str) -> str:
    """An id as one path segment (Leap's ids are integers; anything else just finds nothing)."""
    return quote(str(value).strip(), safe="")


def _digits(phone: str) -> str:
    digits = "".join(ch for ch in phone if ch.isdigit())
    return digits[1:] if len(digits) == 11 and digits.startswith("1") else digits

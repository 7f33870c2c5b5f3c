"""A fake of Leap's public REST API ("JobProgress API v3"), seeded from the sample CRM, for tests.

What the published material says, and what this fake follows
============================================================

Sources (as returned by the search tool; the official site is docs.api.jobprogress.com):

[D1] JobProgress API v3 introduction (https://docs.api.jobprogress.com/; its text is also kept in a
     public repository): base URL ``https://api.jobprogress.com/api/v3``; every call needs
     ``Authorization: Bearer YOUR_ACCESS_TOKEN`` (a token an admin generates under Settings -> Developer);
     "Most of our GET APIs support ... an ``includes[]`` param", e.g. ``/jobs?includes[]=address&includes[]=customer``
     ("a list of valid include values is provided in the individual sections"); "Data Limit": list endpoints
     return 10 items by default, changed with ``limit``, "up to 100 items per request"; the Errors table:
     200, 401 "Your API key is wrong or API key is missing", 403, 404, 405, 413 "Bad Request -- Your request
     data is invalid", 429 "Too Many Requests -- You're requesting too much! Slow down!", 500, 503 "We're
     temporarily offline for maintenance". It gives no JSON shape for errors.
[D2] Per-endpoint summaries of the official reference (mindcloud-inc/universal-api-reference,
     apis/l/leap/native-api/README.md and actions/*.md, linking https://docs.api.jobprogress.com/api/customer.json,
     .../api/job.json, .../api/job-note.json, .../#/GET-workflow-stages, .../#/GET-company-users):
     ``GET /customers`` takes ``limit`` ("up to 100"), ``page`` and ``query`` ("Search customers by email and
     full name"); ``POST /customers`` (form-encoded) needs ``first_name``, ``last_name`` and a first phone
     (label + number), with optional ``email`` and ``note``; ``GET /customers/{id}``; ``GET /jobs`` takes
     ``keyword``, ``limit``, ``page``; ``GET /jobs/{id}``; ``GET/POST /jobs/{id}/notes`` (POST is multipart
     with a required ``note``); ``PUT /jobs/notes/{noteId}``; ``PUT /jobs/{id}`` (body: customer, description,
     trade, address; no stage); ``GET /workflow/stages``, ``GET /company/users``, ``GET /company/trades``,
     ``GET /divisions``. No endpoint moves a job to another stage.
[D3] The same repository's apis/l/leap/universal-api/openapi.json, which wraps Leap's replies: a single
     record is ``{data, status}``, a list ``{data, meta, status}`` ("meta: pagination metadata returned by
     Leap"), a created customer ``{customer, message, status}``, an added note ``{data, message, status}``.
[D4] JobProgress's own WordPress plugin (github.com/jobprogress/wp_jp_plugin): customers carry ``phones``
     as a list of ``{label, number, ext}`` and an ``address`` with ``address, address_line_1, city,
     state_id, country_id, zip``; replies carry ``status`` in the body.
[D5] Public integration code found in the code index (not documentation): ``meta.pagination.total``;
     ``includes[]=reps`` arrives as ``reps.data`` (the Fractal ``{"data": ...}`` wrapping of included
     resources); jobs have ``number``, ``current_stage``, ``division_id``; ``job_ids[]`` filters jobs;
     customers are fetched with ``includes[]=phones&includes[]=address&includes[]=rep``; one field report
     says a rejected POST came back **412**, that phone labels must be one of ``home, cell, phone, office,
     fax, other`` (lower case) and that numbers must be 8-12 digits (no ``+``).
[D6] Zapier's JobProgress pages (https://zapier.com/apps/jobprogress/integrations/roofr/1608186/...): a job
     number looks like ``8888-9999-01``.
[D7] A public integration's notes on the official docs: "list endpoints are paginated and commonly support
     includes[]", "rate limit is 60 requests/minute". No source found gives the 429 body, a Retry-After
     header, or names for job filters by customer or stage; those come from the project's issue.

Followed here: the base path ``/api/v3``, Bearer auth, ``includes[]``, ``page``/``limit`` with default 10
and cap 100, the list/record/create envelopes of [D3], the pagination meta ``{total, count, per_page,
current_page, total_pages, links}`` (Fractal's, which [D5] and the project's issue agree on), the customer
phone/address shapes of [D4], the validation facts of [D2]/[D5], and the messages of the [D1] error table.

Where the docs leave room, each reading is a constructor option of `FakeLeap` (see its docstring):
the JSON shape of errors (``error_style``), the status of a validation error (``validation_status``: the
project chose 422; [D1] lists 413 and [D5] saw 412), the 429 body (``rate_limit_body``) and Retry-After
precision (``retry_after_format``), whether "60 a minute" is a sliding or a clock-minute window
(``limit_mode``), parameter names the docs do not give (``params``: strict takes ``customer_id`` and
``stages[]`` with stage codes; lenient adds other spellings, stage names, and ``query``/``keyword`` on
both), how wide customer search is (``customer_search``), whether related records need ``includes[]``
(``includes``) and how they are wrapped (``include_wrap``), whether a phone is required to create a
customer (``require_phone``) and under which key the created record comes back (``create_key``).

Invented where nothing was found (each is marked in the code): stage codes and colours, trade/division/
state ids, the job ``number`` pattern, ``stage_changed_date``, ``amount``, and the note ``created_by`` object.
"""

from __future__ import annotations

import asyncio
import collections
import copy
import importlib.resources
import itertools
import json
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from aiohttp import web

from ._server import FakeServer, Req

API_PREFIX = "/api/v3"
# Stalls never outlive this, whatever the script says (keeps a broken test bounded).
MAX_STALL_SECONDS = 30.0

# -- reference data (invented values; the real ones are per-company) ---------------------------------

# The sample company's eight stages (crm_stage_definitions.md) as a Leap workflow. Codes are opaque
# strings, as in Leap; clients must map by `name` (or look the codes up at /workflow/stages).
STAGES: tuple[dict[str, Any], ...] = (
    {"code": "590001", "name": "Lead", "color": "#9e9e9e", "position": 1},
    {"code": "590002", "name": "Appointment Set", "color": "#2196f3", "position": 2},
    {"code": "590003", "name": "Inspection", "color": "#00bcd4", "position": 3},
    {"code": "590004", "name": "Estimate Sent", "color": "#ff9800", "position": 4},
    {"code": "590005", "name": "Contract Signed", "color": "#8bc34a", "position": 5},
    {"code": "590006", "name": "Production", "color": "#673ab7", "position": 6},
    {"code": "590007", "name": "Completed", "color": "#4caf50", "position": 7},
    {"code": "590008", "name": "Lost", "color": "#f44336", "position": 8},
)
STAGE_CODES: dict[str, str] = {s["name"]: s["code"] for s in STAGES}

# Sample trade (lower case) -> Leap company trade. Leap's trade names are upper case.
TRADES: dict[str, dict[str, Any]] = {
    "roofing": {"id": 1, "name": "ROOFING"},
    "gutters": {"id": 2, "name": "GUTTERS"},
    "windows": {"id": 3, "name": "WINDOWS"},
    "siding": {"id": 4, "name": "SIDING"},
    "solar": {"id": 5, "name": "SOLAR"},
}

# Sample branch -> Leap division.
DIVISIONS: dict[str, dict[str, Any]] = {
    "Dallas-Fort Worth": {"id": 1, "name": "Dallas-Fort Worth", "code": "DFW"},
    "Denver": {"id": 2, "name": "Denver", "code": "DEN"},
}

_COUNTRY = {"id": 1, "name": "United States", "code": "US"}
_STATES: dict[str, dict[str, Any]] = {
    "CO": {"id": 6, "name": "Colorado", "code": "CO"},
    "TX": {"id": 43, "name": "Texas", "code": "TX"},
}
_STATES_BY_ID = {s["id"]: s for s in _STATES.values()}

# [D5]: the published prospect/customer spec allows only these phone labels.
PHONE_LABELS = ("home", "cell", "phone", "office", "fax", "other")

# Messages from the [D1] error table.
DOC_MESSAGES: dict[int, str] = {
    401: "Unauthorized -- Your API key is wrong or API key is missing.",
    403: "Forbidden -- The resource requested is hidden for administrators only.",
    404: "Not Found -- The specified resource could not be found.",
    405: "Method Not Allowed -- You tried to access a resource with an invalid method.",
    412: "Bad Request -- Your request data is invalid.",
    413: "Bad Request -- Your request data is invalid.",
    422: "Bad Request -- Your request data is invalid.",
    429: "Too Many Requests -- You're requesting too much! Slow down!",
    500: "Internal Server Error -- Something went wrong while processing the request.",
    503: "Service Unavailable -- We're temporarily offline for maintenance.",
}
_OAUTH_CODES = {
    401: "access_denied",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    429: "too_many_requests",
    500: "server_error",
    503: "temporarily_unavailable",
}

_BODY = web.RequestKey("leap_body", dict)

JOB_INCLUDES = frozenset({"customer", "customer.address", "customer.phones", "customer.rep", "address", "reps", "trades", "division"})
CUSTOMER_INCLUDES = frozenset({"address", "phones", "rep"})
USER_INCLUDES = frozenset({"division"})

ErrorStyle = Literal["envelope", "error_object", "oauth2"]


@dataclass(frozen=True)
class LeapCall:
    """One request as the fake answered it. `query` keeps repeated keys (``includes[]``) as lists."""

    method: str
    path: str
    query: dict[str, list[str]]
    body: dict[str, Any]
    status: int
    at: float  # time.monotonic() when the request arrived


@dataclass(frozen=True)
class _Plan:
    kind: Literal["fail", "stall"]
    status: int = 500
    retry_after: str | None = None
    seconds: float = 0.0


@dataclass
class _Customer:
    id: int
    first_name: str
    last_name: str
    email: str | None = None
    company_name: str | None = None
    phones: list[dict[str, Any]] = field(default_factory=list)
    address: dict[str, Any] | None = None
    rep_id: int | None = None
    note: str | None = None
    created_at: str | None = None

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


@dataclass
class _Job:
    id: int
    number: str
    name: str
    customer_id: int
    trade_ids: list[int]
    rep_ids: list[int]
    division_id: int | None
    amount: int | None
    stage_code: str
    stage_changed_date: str | None


@dataclass
class _Note:
    id: int
    job_id: int
    note: str
    stage_code: str | None
    created_by: int | None
    created_at: str


class _ApiError(Exception):
    def __init__(self, status: int, message: str | None = None, errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(message or DOC_MESSAGES.get(status, "error"))
        self.status = status
        self.message = message or DOC_MESSAGES.get(status, "error")
        self.errors = errors


def _digits(text: str | None) -> str:
    return re.sub(r"\D", "", text or "")


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _nest(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Form fields with bracketed names (``phones[0][label]``, ``includes[]``) -> nested dicts/lists."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        head, _, rest = key.partition("[")
        parts = [head] + (re.findall(r"\[([^\]]*)\]", "[" + rest) if rest else [])
        node: Any = root
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            if part == "":  # "name[]": append
                if not isinstance(node, list):
                    break
                node.append(value if last else {})
                node = node[-1]
                continue
            if not isinstance(node, dict):
                break
            if last:
                node[part] = value
            else:
                nxt_is_list = parts[i + 1] == ""
                node = node.setdefault(part, [] if nxt_is_list else {})
    return _listify(root)


def _listify(node: Any) -> Any:
    if isinstance(node, dict):
        node = {k: _listify(v) for k, v in node.items()}
        if node and all(k.isdigit() for k in node):
            return [node[k] for k in sorted(node, key=int)]
        return node
    if isinstance(node, list):
        return [_listify(v) for v in node]
    return node


class FakeLeap(FakeServer):
    """Fake Leap CRM API v3 on 127.0.0.1, seeded from ``hard_e/store/crm_sample``.

    Point the client at `api_url` (``http://127.0.0.1:PORT/api/v3``, what ``LEAP_API_URL`` would hold) and
    send ``Authorization: Bearer <token>``. Every request is recorded (`requests`, `history`).

    Routes (all under ``/api/v3``; anything else is 404, a known path with another method 405):

    * ``GET /customers`` -- list, newest id first. Search: ``query`` (``keyword`` too with
      ``params="lenient"``). ``includes[]``: ``address``, ``phones``, ``rep``.
    * ``POST /customers`` -- create. JSON, form-urlencoded or multipart. Fields: ``first_name``*,
      ``last_name``*, ``phones`` (JSON list of ``{label, number, ext}``, or form ``phones[0][label]``/
      ``phones[0][number]``, or flat ``phone_0_label``/``phone_0_number``)* unless ``require_phone=False``,
      ``email``, ``company_name``, ``note``, ``rep_id``, ``address`` (``{address, address_line_1, city,
      state_id | state (code), zip}`` or form ``address[city]`` ...). Labels: home, cell, phone, office, fax,
      other; numbers 8-12 digits after dropping spaces, dashes, dots and parentheses (a ``+`` fails).
      200 ``{<create_key>: customer with all includes, "message": ..., "status": 200}``; invalid ->
      `validation_status` with ``errors`` {field: [messages]} (``first_name``, ``last_name``, ``phones``,
      ``phones.N.number``, ``phones.N.label``, ``email``).
    * ``GET /customers/{id}`` -- ``{"data": customer, "status": 200}``; unknown -> 404.
    * ``GET /jobs`` -- list, newest id first. ``keyword`` (job name, job number, job id, customer full name;
      ``query`` too when lenient), ``customer_id``, ``stages[]`` (stage codes), ``job_ids[]``. Lenient also
      takes ``customer_ids[]``, ``stages``/``stage``/``stage_code`` and stage names (any case), and
      comma-separated values. Unknown parameters and include names are ignored, as a real API would. ``includes[]``:
      ``customer`` (and ``customer.address``/``customer.phones``/``customer.rep``), ``address``, ``reps``,
      ``trades``, ``division``.
    * ``GET /jobs/{id}`` -- ``{"data": job, "status": 200}``.
    * ``GET /jobs/{id}/notes`` -- notes, newest first; 404 for an unknown job.
    * ``POST /jobs/{id}/notes`` -- body ``note`` (multipart, form or JSON), optional ``stage_code``
      (defaults to the job's current stage). 200 ``{"data": note, "message": ..., "status": 200}``;
      404 unknown job (checked first); `validation_status` when ``note`` is missing or blank.
    * ``GET /workflow/stages``, ``GET /company/users`` (``includes[]=division``), ``GET /company/trades``,
      ``GET /divisions`` -- lookups, paginated like every list.
    * No route changes a job's stage (Leap publishes none): e.g. ``POST /jobs/4701/stage`` is 404 and
      ``PUT /jobs/4701`` is 405. A test can move a stage "by hand in Leap" with `set_stage`.

    Shapes. List: ``{"data": [...], "meta": {"pagination": {"total", "count", "per_page", "current_page",
    "total_pages", "links": {"previous"?, "next"?}}}, "status": 200}``; ``page`` < 1 or junk -> 1, a page
    past the end is empty, ``total_pages`` >= 1; ``limit`` junk/< 1 -> `page_size_default`, above
    `max_per_page` -> capped (``per_page`` shows the cap). Customer: ``id, first_name, last_name,
    full_name, company_name, email, additional_emails, is_commercial, note, rep_id, created_at`` (+
    ``address`` {address, address_line_1, city, state_id, state {id, name, code}, zip, country_id,
    country}, ``phones`` [{label, number, ext}], ``rep`` user). Job: ``id, number, name, description,
    customer_id, division_id, same_as_customer_address, amount, current_stage {code, name, color},
    stage_changed_date`` (+ includes). Note: ``id, job_id, note, stage_code, created_by {id, first_name,
    last_name, full_name} | null, created_at, updated_at``. Stage: ``code, name, color, position``. User:
    ``id, first_name, last_name, full_name, email, active, role, division_id``. Trade: ``id, name``.
    Division: ``id, name, code``. An included resource is ``{"data": ...}`` (``include_wrap="data"``,
    Fractal) or bare (``"bare"``); a missing one (no address, no rep) is ``null``.

    Seed (``seed=True``; with ``False`` only stages, trades, divisions and users exist). Sample ids are
    kept: users 101-106, customers 1001-1043, jobs 4701-4750, notes 7001-7082; new customers and notes
    continue from 7083 upward (one counter). Customer ``phone`` "303-555-0175" -> ``phones`` [{"label":
    "cell", "number": "3035550175", "ext": null}]; ``address.street`` -> ``address.address``; ``notes`` ->
    ``note``; ``assigned_rep`` -> ``rep_id`` (user by full name); ``created_at`` kept; ``trades`` and
    ``lead_source`` have no Leap customer field and are dropped. Job ``stage`` -> ``current_stage`` via
    `STAGES`; ``trade`` -> ``trades`` via `TRADES`; ``assigned_rep`` -> ``reps`` and ``division_id`` (the
    rep's branch, `DIVISIONS`); ``estimate_amount`` -> ``amount``; ``stage_changed_at`` ->
    ``stage_changed_date``; ``name`` -> ``name`` and ``description``; ``number`` is
    ``"{customer_id}-{job_id}-{nn}"`` (nn = the job's place among the customer's jobs, like "8888-9999-01"
    [D6]); ``appointment_at``, ``lost_reason`` and ``call_ids`` are not exposed (Leap keeps appointments
    elsewhere; every sample Lost job records its reason in a note). Note ``text`` -> ``note``; ``author`` ->
    ``created_by``. Users keep ``role``; ``branch`` -> ``division_id``. Notes added through the API are
    by ``token_user_id`` (101, Karen Holt, an admin: only admins can make tokens [D1]).

    Order of checks for each request: `down` -> Bearer token (401; consumes no script, not rate-counted)
    -> scripted `stall`/`fail` (FIFO; a failure is not rate-counted) -> rate limit (429) -> route (404/405/
    422/200; these all count against the limit).

    Constructor options (defaults first):

    * ``token="leap-test"``; ``extra_tokens=()`` more valid tokens, each with its own rate budget.
    * ``per_minute=60`` accepted requests per token per `window`; ``None``/0 disables the limit.
    * ``window=60.0`` seconds (use e.g. 0.3 in tests).
    * ``limit_mode="rolling"``: a request is refused while `per_minute` requests were accepted in the last
      `window` seconds; Retry-After = until the oldest of them leaves the window. ``"fixed"``: counters
      reset when the wall clock crosses a multiple of `window` (each minute's start); Retry-After = until
      then. Refused requests do not count.
    * ``clock=None``: a callable returning seconds, used by the limiter instead of time.monotonic (rolling)
      / time.time (fixed), for deterministic tests.
    * ``retry_after_format="int"``: Retry-After in whole seconds, rounded up, at least 1 (HTTP's form);
      ``"float"``: seconds with 3 decimals (handy with short windows).
    * ``rate_limit_body="json"``: the 429 body in `error_style`; ``"text"``: plain text message; ``"empty"``.
    * ``ratelimit_headers=False``: ``True`` adds ``X-RateLimit-Limit``/``X-RateLimit-Remaining`` to
      rate-counted replies (Laravel's throttle does; Leap documents none).
    * ``page_size_default=10``, ``max_per_page=100`` [D1].
    * ``params="strict"``: only ``query`` (customers), ``keyword`` (jobs), ``customer_id``, ``stages[]``
      with codes, ``job_ids[]``, ``includes[]``, ``limit``. ``"lenient"``: the alternatives listed above,
      plus ``includes`` (comma-separated) and ``per_page`` for ``limit``.
    * ``customer_search="wide"``: name, email, phone digits, street, city, state code, zip (the project's
      wish); ``"documented"``: full name and email only [D2]. A term matches when it is a substring of one
      field, or when each of its words is; 4+ digits also match phone digits.
    * ``includes="on_request"``: related records only when named in ``includes[]`` [D1]; ``"always"``:
      every include above is always present.
    * ``include_wrap="data"`` (Fractal ``{"data": ...}`` [D5]) or ``"bare"``.
    * ``error_style="envelope"``: ``{"status": N, "message": "<[D1] text>"}`` (+ ``"errors"``);
      ``"error_object"``: ``{"error": {"status_code": N, "message": ...}}`` (+ ``"errors"`` inside);
      ``"oauth2"``: ``{"error": "access_denied", "error_description": ...}`` (OAuth2 server style; +
      ``"errors"``). 401 replies also carry ``WWW-Authenticate: Bearer``.
    * ``validation_status=422`` (the project's choice; 412 [D5] or 413 [D1] are the other readings).
    * ``require_phone=True`` [D2]; ``False`` accepts a customer with no phone.
    * ``create_key="customer"`` [D3]; ``"data"`` for the reading where the created record is ``data``.
    * ``token_user_id=101``; ``seed=True``.

    Knobs: `fail` (next N authenticated requests get a status), `stall` (next one hangs), `down` (``"refuse"``:
    listening socket closed and kept-alive connections dropped, so clients see connection errors;
    ``"503"``: every request gets 503 with the [D1] maintenance message), `up`, `set_stage`,
    `reset_rate_limit`. Inspection: `requests` (base-class `Req`: path, parsed body, headers), `history`
    (`LeapCall` with method, query and status), `calls` (count by path prefix), `customer`, `job`,
    `notes_for` (API JSON with every include).
    """

    def __init__(
        self,
        token: str = "leap-test",
        *,
        per_minute: int | None = 60,
        window: float = 60.0,
        limit_mode: Literal["rolling", "fixed"] = "rolling",
        clock: Callable[[], float] | None = None,
        retry_after_format: Literal["int", "float"] = "int",
        rate_limit_body: Literal["json", "text", "empty"] = "json",
        ratelimit_headers: bool = False,
        page_size_default: int = 10,
        max_per_page: int = 100,
        seed: bool = True,
        extra_tokens: tuple[str, ...] | list[str] = (),
        token_user_id: int = 101,
        params: Literal["strict", "lenient"] = "strict",
        customer_search: Literal["wide", "documented"] = "wide",
        includes: Literal["on_request", "always"] = "on_request",
        include_wrap: Literal["data", "bare"] = "data",
        error_style: ErrorStyle = "envelope",
        validation_status: int = 422,
        require_phone: bool = True,
        create_key: Literal["customer", "data"] = "customer",
    ) -> None:
        super().__init__()
        choices = {
            "limit_mode": (limit_mode, ("rolling", "fixed")),
            "retry_after_format": (retry_after_format, ("int", "float")),
            "rate_limit_body": (rate_limit_body, ("json", "text", "empty")),
            "params": (params, ("strict", "lenient")),
            "customer_search": (customer_search, ("wide", "documented")),
            "includes": (includes, ("on_request", "always")),
            "include_wrap": (include_wrap, ("data", "bare")),
            "error_style": (error_style, ("envelope", "error_object", "oauth2")),
            "create_key": (create_key, ("customer", "data")),
        }
        for name, (value, allowed) in choices.items():
            if value not in allowed:
                raise ValueError(f"{name} must be one of {allowed}, not {value!r}")
        if window <= 0 or page_size_default < 1 or max_per_page < 1:
            raise ValueError("window, page_size_default and max_per_page must be positive")
        self.token = token
        self.tokens = frozenset((token, *extra_tokens))
        self.per_minute = per_minute
        self.window = float(window)
        self.limit_mode = limit_mode
        self.retry_after_format = retry_after_format
        self.rate_limit_body = rate_limit_body
        self.ratelimit_headers = ratelimit_headers
        self.page_size_default = page_size_default
        self.max_per_page = max_per_page
        self.token_user_id = token_user_id
        self.params = params
        self.customer_search = customer_search
        self.includes_mode = includes
        self.include_wrap = include_wrap
        self.error_style: ErrorStyle = error_style
        self.validation_status = validation_status
        self.require_phone = require_phone
        self.create_key = create_key
        self._clock = clock

        self._plans: collections.deque[_Plan] = collections.deque()
        self._down: Literal["refuse", "503"] | None = None
        self._rolling: dict[str, collections.deque[float]] = {}
        self._fixed: dict[str, tuple[int, int]] = {}
        self._history: list[LeapCall] = []
        self._methods: list[str] = []  # parallel to the base class's `_requests`

        self._users: dict[int, dict[str, Any]] = {}
        self._customers: dict[int, _Customer] = {}
        self._jobs: dict[int, _Job] = {}
        self._notes: dict[int, _Note] = {}
        self._load(seed)

    # -- seeding ------------------------------------------------------------------------------------

    def _load(self, seed: bool) -> None:
        sample = importlib.resources.files("hard_e.store") / "crm_sample"

        def read(name: str) -> list[dict[str, Any]]:
            return list(json.loads((sample / f"{name}.json").read_text(encoding="utf-8")))

        for u in read("users"):
            self._users[int(u["id"])] = {
                "id": int(u["id"]),
                "first_name": u["first_name"],
                "last_name": u["last_name"],
                "full_name": f"{u['first_name']} {u['last_name']}",
                "email": u.get("email"),
                "active": True,
                "role": u.get("role"),
                "division_id": DIVISIONS[u["branch"]]["id"] if u.get("branch") in DIVISIONS else None,
            }
        top = max(self._users)
        if seed:
            for c in read("customers"):
                a = c.get("address") or {}
                self._customers[int(c["id"])] = _Customer(
                    id=int(c["id"]),
                    first_name=c["first_name"],
                    last_name=c["last_name"],
                    email=c.get("email"),
                    phones=[{"label": "cell", "number": _digits(c["phone"]), "ext": None}] if c.get("phone") else [],
                    address=self._address(a.get("street", ""), a.get("city", ""), a.get("state"), None, a.get("zip", "")) if a else None,
                    rep_id=self._user_id(c.get("assigned_rep")),
                    note=c.get("notes"),
                    created_at=c.get("created_at"),
                )
            seq: collections.Counter[int] = collections.Counter()
            for j in read("jobs"):
                cid = int(j["customer_id"])
                seq[cid] += 1
                rep = self._user_id(j.get("assigned_rep"))
                self._jobs[int(j["id"])] = _Job(
                    id=int(j["id"]),
                    number=f"{cid}-{j['id']}-{seq[cid]:02d}",  # invented pattern, shaped like [D6]
                    name=j["name"],
                    customer_id=cid,
                    trade_ids=[TRADES[j["trade"]]["id"]] if j.get("trade") in TRADES else [],
                    rep_ids=[rep] if rep is not None else [],
                    division_id=self._users[rep]["division_id"] if rep is not None else None,
                    amount=j.get("estimate_amount"),
                    stage_code=STAGE_CODES[j["stage"]],
                    stage_changed_date=j.get("stage_changed_at"),
                )
            for n in read("notes"):
                self._notes[int(n["id"])] = _Note(
                    id=int(n["id"]),
                    job_id=int(n["job_id"]),
                    note=n["text"],
                    stage_code=None,  # the sample does not say which stage the job was in
                    created_by=self._user_id(n.get("author")),
                    created_at=n["created_at"],
                )
            top = max(top, *self._customers, *self._jobs, *self._notes)
        self._ids = itertools.count(top + 1)

    def _user_id(self, full_name: str | None) -> int | None:
        for uid, u in self._users.items():
            if u["full_name"] == full_name:
                return uid
        return None

    @staticmethod
    def _address(street: str, city: str, state_code: str | None, state_id: Any, zip_: str) -> dict[str, Any]:
        state = None
        if state_code and str(state_code).upper() in _STATES:
            state = _STATES[str(state_code).upper()]
        elif state_id not in (None, ""):
            try:
                state = _STATES_BY_ID.get(int(state_id))
            except (TypeError, ValueError):
                state = None
            if state is None:
                state = {"id": state_id, "name": None, "code": None}
        elif state_code:
            state = {"id": None, "name": None, "code": str(state_code).upper()}
        return {
            "address": street or "",
            "address_line_1": "",
            "city": city or "",
            "state_id": state["id"] if state else None,
            "state": copy.deepcopy(state),
            "zip": str(zip_ or ""),
            "country_id": _COUNTRY["id"],
            "country": dict(_COUNTRY),
        }

    # -- scripting knobs ----------------------------------------------------------------------------

    @property
    def api_url(self) -> str:
        """``http://127.0.0.1:PORT/api/v3``: what the client's Leap base URL should hold."""
        return self.base_url + API_PREFIX

    def fail(self, status: int = 500, times: int = 1, retry_after: str | float | None = None) -> None:
        """Answer the next `times` authenticated requests with `status` (error body; optional Retry-After)."""
        ra = None if retry_after is None else str(retry_after)
        with self._lock:
            self._plans.extend(_Plan("fail", status=status, retry_after=ra) for _ in range(times))

    def stall(self, seconds: float) -> None:
        """Hold the next authenticated request for `seconds` (at most 30), then answer it normally."""
        with self._lock:
            self._plans.append(_Plan("stall", seconds=min(max(seconds, 0.0), MAX_STALL_SECONDS)))

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._plans)

    def down(self, mode: Literal["refuse", "503"] = "refuse") -> None:
        """Go down: ``"refuse"`` closes the listening socket (connection refused; kept-alive connections
        are dropped on their next request); ``"503"`` answers every request 503."""
        if mode not in ("refuse", "503"):
            raise ValueError("mode must be 'refuse' or '503'")
        with self._lock:
            was, self._down = self._down, mode
        if mode == "refuse" and was != "refuse":
            self._on_loop(self._close_sites())
        elif mode == "503" and was == "refuse":
            self._on_loop(self._open_site())

    def up(self) -> None:
        """Come back on the same port."""
        with self._lock:
            was, self._down = self._down, None
        if was == "refuse":
            self._on_loop(self._open_site())

    def set_stage(self, job_id: int, stage: str) -> None:
        """Move a job as a person would in Leap's own UI (the API offers no way). `stage`: name or code."""
        code = STAGE_CODES.get(stage, stage)
        if code not in STAGE_CODES.values():
            raise ValueError(f"unknown stage {stage!r}")
        with self._lock:
            job = self._jobs[int(job_id)]
            job.stage_code = code
            job.stage_changed_date = _now_iso()

    def reset_rate_limit(self) -> None:
        with self._lock:
            self._rolling.clear()
            self._fixed.clear()

    # -- inspection -----------------------------------------------------------------------------------

    @property
    def history(self) -> list[LeapCall]:
        with self._lock:
            return list(self._history)

    def calls(self, path_prefix: str = "", method: str | None = None) -> int:
        """How many requests hit a path starting with `path_prefix` (``/jobs`` or ``/api/v3/jobs``)."""
        prefix = path_prefix if path_prefix.startswith(API_PREFIX) else API_PREFIX + path_prefix
        want = method.upper() if method else None
        with self._lock:
            pairs = list(zip(self._requests, self._methods, strict=True))
        return sum(1 for r, m in pairs if r.path.startswith(prefix) and want in (None, m))

    def customer(self, customer_id: int) -> dict[str, Any]:
        """The customer as ``GET /customers/{id}`` with every include would show it (KeyError if unknown)."""
        with self._lock:
            return self._customer_json(self._customers[int(customer_id)], CUSTOMER_INCLUDES)

    def job(self, job_id: int) -> dict[str, Any]:
        with self._lock:
            return self._job_json(self._jobs[int(job_id)], JOB_INCLUDES)

    def notes_for(self, job_id: int) -> list[dict[str, Any]]:
        """The job's notes, newest first, as ``GET /jobs/{id}/notes`` shows them."""
        with self._lock:
            return [self._note_json(n) for n in self._job_notes(int(job_id))]

    # -- lifecycle helpers (server loop) --------------------------------------------------------------

    def _on_loop(self, coro: Any) -> None:
        if self._loop is None or not self.running:
            coro.close()
            return
        asyncio.run_coroutine_threadsafe(coro, self._loop).result(5.0)

    async def _close_sites(self) -> None:
        if self._runner is not None:
            for site in list(self._runner.sites):
                await site.stop()

    async def _open_site(self) -> None:
        if self._runner is not None and not self._runner.sites:
            await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    # -- HTTP plumbing --------------------------------------------------------------------------------

    def _build_app(self) -> web.Application:
        app = web.Application(middlewares=[self._middleware])
        p = API_PREFIX
        app.router.add_get(p + "/customers", self._list_customers)
        app.router.add_post(p + "/customers", self._create_customer)
        app.router.add_get(p + "/customers/{id}", self._get_customer)
        app.router.add_get(p + "/jobs", self._list_jobs)
        app.router.add_get(p + "/jobs/{id}", self._get_job)
        app.router.add_get(p + "/jobs/{id}/notes", self._list_notes)
        app.router.add_post(p + "/jobs/{id}/notes", self._add_note)
        app.router.add_get(p + "/workflow/stages", self._list_stages)
        app.router.add_get(p + "/company/users", self._list_users)
        app.router.add_get(p + "/company/trades", self._list_trades)
        app.router.add_get(p + "/divisions", self._list_divisions)
        return app

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Callable[[web.Request], Any]) -> web.StreamResponse:
        at = time.monotonic()
        body = await self._read_body(request)
        request[_BODY] = body
        headers = {k.lower(): v for k, v in request.headers.items()}
        with self._lock:
            self._requests.append(Req(request.path, copy.deepcopy(body), headers, at))
            self._methods.append(request.method)
            down = self._down
        resp = await self._answer(request, handler, down)
        query = {k: request.query.getall(k) for k in dict.fromkeys(request.query.keys())}
        with self._lock:
            self._history.append(LeapCall(request.method, request.path, query, copy.deepcopy(body), resp.status, at))
        return resp

    async def _answer(self, request: web.Request, handler: Callable[[web.Request], Any], down: str | None) -> web.StreamResponse:
        if down == "refuse":  # a kept-alive connection reached us after down(): drop it
            if request.transport is not None:
                request.transport.close()
            return web.Response(status=503)
        if down == "503":
            return self._error(503)
        token = self._bearer(request)
        if token is None or token not in self.tokens:
            resp = self._error(401)
            resp.headers["WWW-Authenticate"] = "Bearer"
            return resp
        with self._lock:
            plan = self._plans.popleft() if self._plans else None
        if plan is not None and plan.kind == "stall":
            if not await self._sleep(plan.seconds):
                return self._error(503)  # server stopping
        elif plan is not None:
            resp = self._error(plan.status)
            if plan.retry_after is not None:
                resp.headers["Retry-After"] = plan.retry_after
            return resp
        allowed, wait, remaining = self._admit(token)
        if not allowed:
            resp = self._too_many()
            resp.headers["Retry-After"] = self._format_retry_after(wait)
            self._limit_headers(resp, 0)
            return resp
        try:
            resp = await handler(request)
        except _ApiError as exc:
            resp = self._error(exc.status, exc.message, exc.errors)
        except web.HTTPMethodNotAllowed:
            resp = self._error(405)
        except web.HTTPNotFound:
            resp = self._error(404)
        self._limit_headers(resp, remaining)
        return resp

    @staticmethod
    def _bearer(request: web.Request) -> str | None:
        scheme, _, value = request.headers.get("Authorization", "").partition(" ")
        return value.strip() if scheme.lower() == "bearer" and value.strip() else None

    async def _read_body(self, request: web.Request) -> dict[str, Any]:
        if not request.body_exists:
            return {}
        if request.content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
            form = await request.post()
            return _nest([(k, v) for k, v in form.items() if isinstance(v, str)])
        raw = await request.read()
        try:
            data = json.loads(raw) if raw else {}
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}

    # -- rate limiting -------------------------------------------------------------------------------

    def _admit(self, token: str) -> tuple[bool, float, int]:
        """(allowed, seconds until a slot frees, remaining after this one)."""
        limit = self.per_minute
        if not limit:
            return True, 0.0, -1
        with self._lock:
            if self.limit_mode == "rolling":
                now = self._clock() if self._clock else time.monotonic()
                hits = self._rolling.setdefault(token, collections.deque())
                while hits and hits[0] <= now - self.window:
                    hits.popleft()
                if len(hits) >= limit:
                    return False, hits[0] + self.window - now, 0
                hits.append(now)
                return True, 0.0, limit - len(hits)
            now = self._clock() if self._clock else time.time()
            index = math.floor(now / self.window)
            seen_index, count = self._fixed.get(token, (index, 0))
            if seen_index != index:
                count = 0
            if count >= limit:
                return False, (index + 1) * self.window - now, 0
            self._fixed[token] = (index, count + 1)
            return True, 0.0, limit - count - 1

    def _format_retry_after(self, seconds: float) -> str:
        if self.retry_after_format == "float":
            return f"{max(seconds, 0.001):.3f}"
        return str(max(1, math.ceil(seconds)))

    def _limit_headers(self, resp: web.StreamResponse, remaining: int) -> None:
        if self.ratelimit_headers and self.per_minute:
            resp.headers["X-RateLimit-Limit"] = str(self.per_minute)
            resp.headers["X-RateLimit-Remaining"] = str(max(remaining, 0))

    def _too_many(self) -> web.Response:
        if self.rate_limit_body == "text":
            return web.Response(status=429, text=DOC_MESSAGES[429])
        if self.rate_limit_body == "empty":
            return web.Response(status=429)
        return self._error(429)

    # -- replies -------------------------------------------------------------------------------------------

    def _error(self, status: int, message: str | None = None, errors: dict[str, list[str]] | None = None) -> web.Response:
        message = message or DOC_MESSAGES.get(status, "Error")
        body: dict[str, Any]
        if self.error_style == "envelope":
            body = {"status": status, "message": message}
            if errors:
                body["errors"] = errors
        elif self.error_style == "error_object":
            inner: dict[str, Any] = {"status_code": status, "message": message}
            if errors:
                inner["errors"] = errors
            body = {"error": inner}
        else:
            body = {"error": _OAUTH_CODES.get(status, "invalid_request"), "error_description": message}
            if errors:
                body["errors"] = errors
        return web.json_response(body, status=status)

    def _wrap(self, value: Any) -> Any:
        if value is None:
            return None
        return {"data": value} if self.include_wrap == "data" else value

    def _includes(self, request: web.Request, allowed: frozenset[str]) -> frozenset[str]:
        if self.includes_mode == "always":
            return allowed
        names = list(request.query.getall("includes[]", []))
        if self.params == "lenient":
            names += request.query.getall("includes", [])
            names = [part for name in names for part in name.split(",")]
        wanted = {n.strip().lower() for n in names if n.strip()}
        wanted |= {n.split(".", 1)[0] for n in wanted if "." in n}  # customer.phones implies customer
        return frozenset(wanted & allowed)

    def _values(self, request: web.Request, names: tuple[str, ...]) -> list[str]:
        out: list[str] = []
        for name in names:
            for v in request.query.getall(name, []):
                out += [p.strip() for p in v.split(",")] if self.params == "lenient" else [v.strip()]
        return [v for v in out if v]

    def _term(self, request: web.Request, documented: str) -> str | None:
        names = (documented,) if self.params == "strict" else (documented, "keyword" if documented == "query" else "query")
        for name in names:
            value = request.query.get(name, "").strip()
            if value:
                return value
        return None

    def _page(self, request: web.Request, items: list[Any], render: Callable[[Any], dict[str, Any]]) -> web.Response:
        limit = self._int(request.query.get("limit"))
        if limit is None and self.params == "lenient":  # some integrations send `per_page` [D5]
            limit = self._int(request.query.get("per_page"))
        if limit is None or limit < 1:
            limit = self.page_size_default
        limit = min(limit, self.max_per_page)
        page = self._int(request.query.get("page"))
        if page is None or page < 1:
            page = 1
        total = len(items)
        total_pages = max(1, math.ceil(total / limit))
        chunk = items[(page - 1) * limit : page * limit]
        links: dict[str, str] = {}
        if page > 1:
            links["previous"] = str(request.url.update_query({"page": str(min(page - 1, total_pages))}))
        if page < total_pages:
            links["next"] = str(request.url.update_query({"page": str(page + 1)}))
        pagination = {
            "total": total,
            "count": len(chunk),
            "per_page": limit,
            "current_page": page,
            "total_pages": total_pages,
            "links": links,
        }
        return web.json_response({"data": [render(x) for x in chunk], "meta": {"pagination": pagination}, "status": 200})

    @staticmethod
    def _int(value: Any) -> int | None:
        try:
            return int(str(value).strip())
        except (TypeError, ValueError):
            return None

    def _path_id(self, request: web.Request) -> int:
        value = self._int(request.match_info["id"])
        if value is None:
            raise _ApiError(404)
        return value

    # -- JSON renderers (call with the lock held) -----------------------------------------------------------

    def _user_json(self, uid: int | None, inc: frozenset[str] = frozenset()) -> dict[str, Any] | None:
        if uid is None or uid not in self._users:
            return None
        d = dict(self._users[uid])
        if "division" in inc:
            d["division"] = self._wrap(self._division_json(d["division_id"]))
        return d

    @staticmethod
    def _division_json(division_id: int | None) -> dict[str, Any] | None:
        for div in DIVISIONS.values():
            if div["id"] == division_id:
                return dict(div)
        return None

    def _customer_json(self, c: _Customer, inc: frozenset[str]) -> dict[str, Any]:
        d: dict[str, Any] = {
            "id": c.id,
            "first_name": c.first_name,
            "last_name": c.last_name,
            "full_name": c.full_name,
            "company_name": c.company_name or "",
            "email": c.email,
            "additional_emails": [],
            "is_commercial": False,
            "note": c.note,
            "rep_id": c.rep_id,
            "created_at": c.created_at,
        }
        if "address" in inc:
            d["address"] = self._wrap(copy.deepcopy(c.address))
        if "phones" in inc:
            d["phones"] = self._wrap(copy.deepcopy(c.phones))
        if "rep" in inc:
            d["rep"] = self._wrap(self._user_json(c.rep_id))
        return d

    def _stage_json(self, code: str | None) -> dict[str, Any] | None:
        for s in STAGES:
            if s["code"] == code:
                return {"code": s["code"], "name": s["name"], "color": s["color"]}
        return None

    def _job_json(self, j: _Job, inc: frozenset[str]) -> dict[str, Any]:
        d: dict[str, Any] = {
            "id": j.id,
            "number": j.number,
            "name": j.name,
            "description": j.name,
            "customer_id": j.customer_id,
            "division_id": j.division_id,
            "same_as_customer_address": 1,
            "amount": j.amount,  # invented name: the docs found show no amount field
            "current_stage": self._stage_json(j.stage_code),
            "stage_changed_date": j.stage_changed_date,  # invented name
        }
        cust = self._customers.get(j.customer_id)
        if "customer" in inc:
            sub = frozenset(n.split(".", 1)[1] for n in inc if n.startswith("customer."))
            d["customer"] = self._wrap(self._customer_json(cust, sub) if cust else None)
        if "address" in inc:
            d["address"] = self._wrap(copy.deepcopy(cust.address) if cust else None)
        if "reps" in inc:
            d["reps"] = self._wrap([u for u in (self._user_json(r) for r in j.rep_ids) if u])
        if "trades" in inc:
            d["trades"] = self._wrap([dict(t) for t in TRADES.values() if t["id"] in j.trade_ids])
        if "division" in inc:
            d["division"] = self._wrap(self._division_json(j.division_id))
        return d

    def _note_json(self, n: _Note) -> dict[str, Any]:
        user = self._users.get(n.created_by) if n.created_by is not None else None
        author = {k: user[k] for k in ("id", "first_name", "last_name", "full_name")} if user else None
        return {
            "id": n.id,
            "job_id": n.job_id,
            "note": n.note,
            "stage_code": n.stage_code,
            "created_by": author,  # invented shape
            "created_at": n.created_at,
            "updated_at": n.created_at,
        }

    def _job_notes(self, job_id: int) -> list[_Note]:
        return sorted((n for n in self._notes.values() if n.job_id == job_id), key=lambda n: n.id, reverse=True)

    # -- search -------------------------------------------------------------------------------------------

    @staticmethod
    def _matches(term: str, fields: list[str], phones: tuple[str, ...] | list[str] = ()) -> bool:
        term = " ".join(term.lower().split())
        low = [f.lower() for f in fields if f]
        if any(term in f for f in low):
            return True
        digits = _digits(term)
        if len(digits) >= 4 and any(digits in p for p in phones):
            return True
        words = term.split()
        return len(words) > 1 and all(any(w in f for f in low) for w in words)

    def _customer_matches(self, c: _Customer, term: str) -> bool:
        fields = [c.full_name, c.first_name, c.last_name, c.email or ""]
        if self.customer_search == "documented":
            return self._matches(term, fields)
        a = c.address or {}
        state = (a.get("state") or {}).get("code") or ""
        fields += [a.get("address", ""), a.get("city", ""), state, a.get("zip", "")]
        return self._matches(term, fields, [p["number"] for p in c.phones])

    def _job_matches(self, j: _Job, term: str) -> bool:
        cust = self._customers.get(j.customer_id)
        return self._matches(term, [j.name, j.number, str(j.id), cust.full_name if cust else ""])

    # -- handlers ---------------------------------------------------------------------------------------

    async def _list_customers(self, request: web.Request) -> web.Response:
        term = self._term(request, "query")
        inc = self._includes(request, CUSTOMER_INCLUDES)
        with self._lock:
            items = sorted(self._customers.values(), key=lambda c: c.id, reverse=True)
            if term:
                items = [c for c in items if self._customer_matches(c, term)]
            return self._page(request, items, lambda c: self._customer_json(c, inc))

    async def _get_customer(self, request: web.Request) -> web.Response:
        cid = self._path_id(request)
        inc = self._includes(request, CUSTOMER_INCLUDES)
        with self._lock:
            c = self._customers.get(cid)
            if c is None:
                raise _ApiError(404)
            return web.json_response({"data": self._customer_json(c, inc), "status": 200})

    async def _create_customer(self, request: web.Request) -> web.Response:
        body: dict[str, Any] = request[_BODY]
        errors: dict[str, list[str]] = {}

        def text(key: str) -> str:
            value = body.get(key)
            return str(value).strip() if value is not None else ""

        first, last, email = text("first_name"), text("last_name"), text("email")
        if not first:
            errors["first_name"] = ["The first name field is required."]
        if not last:
            errors["last_name"] = ["The last name field is required."]
        if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
            errors["email"] = ["The email must be a valid email address."]

        phones = self._phones_from(body)
        if not phones and self.require_phone:
            errors["phones"] = ["The phones field is required."]
        clean: list[dict[str, Any]] = []
        for i, p in enumerate(phones):
            label = str(p.get("label") or "").strip()
            number = re.sub(r"[\s\-().]", "", str(p.get("number") or ""))
            if label not in PHONE_LABELS:
                errors[f"phones.{i}.label"] = [f"The selected phones.{i}.label is invalid."]
            if not re.fullmatch(r"\d{8,12}", number):
                errors[f"phones.{i}.number"] = [f"The phones.{i}.number must be between 8 and 12 digits."]
            ext = p.get("ext")
            clean.append({"label": label, "number": number, "ext": str(ext) if ext not in (None, "") else None})
        if errors:
            raise _ApiError(self.validation_status, errors=errors)

        address = self._address_from(body)
        rep_id = self._int(body.get("rep_id"))
        with self._lock:
            c = _Customer(
                id=next(self._ids),
                first_name=first,
                last_name=last,
                email=email or None,
                company_name=text("company_name") or None,
                phones=clean,
                address=address,
                rep_id=rep_id if rep_id in self._users else None,
                note=text("note") or None,
                created_at=_now_iso(),
            )
            self._customers[c.id] = c
            record = self._customer_json(c, CUSTOMER_INCLUDES)
        return web.json_response({self.create_key: record, "message": "Customer saved successfully.", "status": 200})

    @staticmethod
    def _phones_from(body: dict[str, Any]) -> list[dict[str, Any]]:
        phones = body.get("phones")
        if isinstance(phones, dict):  # {"0": {...}} that _listify could not turn into a list
            phones = list(phones.values())
        out = [p for p in phones if isinstance(p, dict)] if isinstance(phones, list) else []
        i = 0
        while f"phone_{i}_number" in body or f"phone_{i}_label" in body:  # [D2]'s flattened spelling
            out.append({"label": body.get(f"phone_{i}_label"), "number": body.get(f"phone_{i}_number"), "ext": body.get(f"phone_{i}_ext")})
            i += 1
        return [p for p in out if any(str(v or "").strip() for v in p.values())]

    def _address_from(self, body: dict[str, Any]) -> dict[str, Any] | None:
        a = body.get("address")
        if isinstance(a, dict):
            street = str(a.get("address") or a.get("street") or "")
            city, state, state_id, zip_ = a.get("city"), a.get("state"), a.get("state_id"), a.get("zip")
            line1 = str(a.get("address_line_1") or "")
        elif isinstance(a, str) and a.strip():  # flat form: address=..&city=..&state_id=..&zip=..
            street, city, state, state_id, zip_ = a, body.get("city"), body.get("state"), body.get("state_id"), body.get("zip")
            line1 = ""
        else:
            return None
        if isinstance(state, dict):
            state = state.get("code")
        out = self._address(street.strip(), str(city or "").strip(), state, state_id, str(zip_ or "").strip())
        out["address_line_1"] = line1
        return out

    async def _list_jobs(self, request: web.Request) -> web.Response:
        lenient = self.params == "lenient"
        term = self._term(request, "keyword")
        cust_params = ("customer_id", "customer_ids[]", "customer_ids") if lenient else ("customer_id",)
        stage_params = ("stages[]", "stages", "stage_code", "stage", "stage_codes[]") if lenient else ("stages[]",)
        cust_ids = {self._int(v) for v in self._values(request, cust_params)}
        stage_values = self._values(request, stage_params)
        job_ids = {self._int(v) for v in self._values(request, ("job_ids[]",))}
        names = {s["name"].lower(): s["code"] for s in STAGES}
        codes = {names.get(v.lower(), v) if lenient else v for v in stage_values}
        inc = self._includes(request, JOB_INCLUDES)
        with self._lock:
            items = sorted(self._jobs.values(), key=lambda j: j.id, reverse=True)
            if cust_ids:
                items = [j for j in items if j.customer_id in cust_ids]
            if stage_values:
                items = [j for j in items if j.stage_code in codes]
            if job_ids:
                items = [j for j in items if j.id in job_ids]
            if term:
                items = [j for j in items if self._job_matches(j, term)]
            return self._page(request, items, lambda j: self._job_json(j, inc))

    async def _get_job(self, request: web.Request) -> web.Response:
        jid = self._path_id(request)
        inc = self._includes(request, JOB_INCLUDES)
        with self._lock:
            j = self._jobs.get(jid)
            if j is None:
                raise _ApiError(404)
            return web.json_response({"data": self._job_json(j, inc), "status": 200})

    async def _list_notes(self, request: web.Request) -> web.Response:
        jid = self._path_id(request)
        with self._lock:
            if jid not in self._jobs:
                raise _ApiError(404)
            return self._page(request, self._job_notes(jid), self._note_json)

    async def _add_note(self, request: web.Request) -> web.Response:
        jid = self._path_id(request)
        body: dict[str, Any] = request[_BODY]
        with self._lock:
            job = self._jobs.get(jid)
            if job is None:
                raise _ApiError(404)
            text = str(body.get("note") or "").strip()
            if not text:
                raise _ApiError(self.validation_status, errors={"note": ["The note field is required."]})
            stage = str(body.get("stage_code") or "") or job.stage_code
            note = _Note(next(self._ids), jid, text, stage, self.token_user_id, _now_iso())
            self._notes[note.id] = note
            data = self._note_json(note)
        return web.json_response({"data": data, "message": "Note added successfully.", "status": 200})

    async def _list_stages(self, request: web.Request) -> web.Response:
        return self._page(request, list(STAGES), dict)

    async def _list_users(self, request: web.Request) -> web.Response:
        inc = self._includes(request, USER_INCLUDES)
        with self._lock:
            return self._page(request, sorted(self._users), lambda uid: self._user_json(uid, inc) or {})

    async def _list_trades(self, request: web.Request) -> web.Response:
        return self._page(request, sorted(TRADES.values(), key=lambda t: t["id"]), dict)

    async def _list_divisions(self, request: web.Request) -> web.Response:
        return self._page(request, sorted(DIVISIONS.values(), key=lambda d: d["id"]), dict)

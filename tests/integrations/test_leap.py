"""`LeapCRM` against the fake Leap API (tests/fakes/leap_server.py), seeded from the sample CRM."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Iterator
from datetime import datetime

import pytest
from aiohttp import web

from hard_e.errors import CrmUnavailable, CrmUnsupported
from hard_e.integrations.leap import LeapCRM, RateLimiter
from hard_e.records import Address, NewCustomer
from tests.fakes.leap_server import FakeLeap, LeapCall

WEB = "https://www.jobprogress.com"


@pytest.fixture
def leap() -> Iterator[FakeLeap]:
    with FakeLeap() as fake:
        yield fake


@pytest.fixture
async def crm(leap: FakeLeap) -> AsyncIterator[LeapCRM]:
    client = LeapCRM(leap.token, leap.api_url, web_url=WEB)
    yield client
    await client.aclose()


def gets(fake: FakeLeap, path: str) -> list[LeapCall]:
    return [c for c in fake.history if c.method == "GET" and c.path == "/api/v3" + path]


# -- reads ---------------------------------------------------------------------------------------


async def test_name_is_leap(crm: LeapCRM) -> None:
    assert crm.name == "Leap"


async def test_find_customer_by_name(crm: LeapCRM, leap: FakeLeap) -> None:
    [grace] = await crm.find_customers("Okafor")
    assert (grace.id, grace.name) == ("1008", "Grace Okafor")
    assert grace.phone == "3035550181"
    assert grace.address == Address("21940 East Ida Avenue", "Aurora", "CO", "80015")
    assert grace.rep == "Priya Nair"
    assert grace.created_at is not None and grace.created_at.tzinfo is not None
    [call] = leap.history
    assert call.query["query"] == ["Okafor"]
    assert sorted(call.query["includes[]"]) == ["address", "phones", "rep"]
    assert call.query["limit"] == ["10"] and call.query["page"] == ["1"]


async def test_customer_by_id_and_unknown_is_none(crm: LeapCRM) -> None:
    dunn = await crm.customer("1020")
    assert dunn is not None and dunn.name == "Patrick Dunn"
    assert await crm.customer("999999") is None


async def test_dunn_has_two_open_jobs(crm: LeapCRM, leap: FakeLeap) -> None:
    [dunn] = await crm.find_customers("Dunn")
    jobs = await crm.jobs(customer_id=dunn.id)
    assert {j.name for j in jobs} == {"Dunn roof replacement", "Dunn gutter replacement"}
    assert {j.stage for j in jobs} == {"Estimate Sent"}
    assert all(j.customer_name == "Patrick Dunn" and j.rep == "Luis Ortega" for j in jobs)
    [call] = gets(leap, "/jobs")
    assert call.query["customer_id"] == ["1020"]
    assert "customer" in call.query["includes[]"]


async def test_job_status_with_customer_included(crm: LeapCRM, leap: FakeLeap) -> None:
    job = await crm.job("4709")
    assert job is not None
    assert (job.name, job.stage, job.customer_id, job.customer_name) == (
        "Okafor roof replacement",
        "Contract Signed",
        "1008",
        "Grace Okafor",
    )
    assert (job.trade, job.rep, job.amount) == ("ROOFING", "Priya Nair", 21450)
    assert job.stage_changed_at == datetime.fromisoformat("2025-10-28T17:45:00-06:00")
    assert job.address.city == "Aurora"
    assert job.url == f"{WEB}/app/#/customer-jobs/1008/job/4709/overview"
    [call] = leap.history
    assert set(call.query["includes[]"]) >= {"customer", "reps", "trades"}
    assert await crm.job("999999") is None


async def test_job_url_needs_web_url(leap: FakeLeap) -> None:
    client = LeapCRM(leap.token, leap.api_url)
    try:
        job = await client.job("4709")
        assert job is not None and job.url is None
    finally:
        await client.aclose()


async def test_jobs_by_stage_name_send_codes(crm: LeapCRM, leap: FakeLeap) -> None:
    signed = await crm.jobs(stages=["Contract Signed"])
    assert signed and {j.stage for j in signed} == {"Contract Signed"}
    await crm.jobs(stages=["contract signed", "Production"])  # the stage list is read once
    assert len(gets(leap, "/workflow/stages")) == 1
    first, second = gets(leap, "/jobs")
    assert first.query["stages[]"] == ["590005"]
    assert sorted(second.query["stages[]"]) == ["590005", "590006"]
    assert await crm.jobs(stages=["No Such Stage"]) == []
    assert len(gets(leap, "/jobs")) == 2  # nothing can match: no request


async def test_jobs_by_rep_match_client_side(crm: LeapCRM) -> None:
    jobs = await crm.jobs(rep="marcus bell", limit=100)
    assert jobs and {j.rep for j in jobs} == {"Marcus Bell"}
    assert await crm.jobs(rep="Nobody Here") == []


async def test_jobs_by_keyword(crm: LeapCRM, leap: FakeLeap) -> None:
    jobs = await crm.jobs(keyword="Franklin")
    assert [j.name for j in jobs] == ["Franklin roof replacement"]
    assert gets(leap, "/jobs")[0].query["keyword"] == ["Franklin"]


async def test_stages_and_users(crm: LeapCRM) -> None:
    assert await crm.stages() == [
        "Lead",
        "Appointment Set",
        "Inspection",
        "Estimate Sent",
        "Contract Signed",
        "Production",
        "Completed",
        "Lost",
    ]
    users = {u.name: u for u in await crm.users()}
    assert len(users) == 6
    assert users["Karen Holt"].role == "Director of Sales"
    assert users["Priya Nair"].branch == "Denver"
    assert users["Priya Nair"].email == "priya.nair@brightwater.example.com"


async def test_trades_lookup(crm: LeapCRM) -> None:
    assert "ROOFING" in await crm.trades()


# -- notes ---------------------------------------------------------------------------------------


async def test_notes_newest_first(crm: LeapCRM, leap: FakeLeap) -> None:
    notes = await crm.notes("4709", limit=2)
    assert len(notes) == 2
    assert notes[0].created_at is not None and notes[1].created_at is not None
    assert notes[0].created_at >= notes[1].created_at
    assert all(n.job_id == "4709" and n.author == "Priya Nair" and n.text for n in notes)
    assert await crm.notes("999999") == []


async def test_add_note(crm: LeapCRM, leap: FakeLeap) -> None:
    note = await crm.add_note("4709", "[Call] Grace confirmed the Tuesday start.", author="Priya Nair")
    assert note.id and note.job_id == "4709"
    assert note.text.startswith("[Call] Grace confirmed the Tuesday start.")
    assert note.author  # Leap's answer names the token's user
    [post] = [c for c in leap.history if c.method == "POST"]
    assert post.path == "/api/v3/jobs/4709/notes"
    assert post.body["note"].endswith("— Priya Nair (via Hard-E)")
    latest = (await crm.notes("4709", limit=1))[0]
    assert latest.id == note.id


async def test_add_note_to_unknown_job_is_rejected(crm: LeapCRM) -> None:
    with pytest.raises(CrmUnavailable) as exc:
        await crm.add_note("999999", "hello")
    assert exc.value.reason == "rejected"


# -- create a customer ---------------------------------------------------------------------------


async def test_create_customer(crm: LeapCRM, leap: FakeLeap) -> None:
    new = NewCustomer(
        first_name="Rosa",
        last_name="Delgado",
        email="rosa.delgado@example.com",
        phone="(972) 555-0142",
        address=Address("812 Pecan Hollow Drive", "Plano", "TX", "75024"),
        trades=("roofing", "gutters"),
        lead_source="website",
        note="Hail damage on the north slope.",
        rep="Marcus Bell",
    )
    made = await crm.create_customer(new)
    assert made.id and made.name == "Rosa Delgado"
    assert made.email == "rosa.delgado@example.com" and made.phone == "9725550142"
    assert (made.address.street, made.address.city, made.address.zip) == ("812 Pecan Hollow Drive", "Plano", "75024")
    assert made.rep == "Marcus Bell"
    assert made.trades == ("roofing", "gutters") and made.lead_source == "website"
    stored = leap.customer(int(made.id))
    assert stored["phones"]["data"][0] == {"label": "cell", "number": "9725550142", "ext": None}
    assert stored["rep_id"] == 104
    assert "Trades: roofing, gutters" in stored["note"]
    [post] = [c for c in leap.history if c.method == "POST"]
    assert post.body["first_name"] == "Rosa" and post.body["phones"][0]["label"] == "cell"
    found = await crm.find_customers("Delgado")
    assert made.id in [c.id for c in found]


async def test_rejected_customer_logs_field_names_not_values(crm: LeapCRM, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="hard_e.integrations.leap")
    with pytest.raises(CrmUnavailable) as exc:
        await crm.create_customer(NewCustomer(first_name="Zed", last_name="Quarry"))  # Leap needs a phone
    assert exc.value.reason == "rejected"
    assert "phones" in caplog.text
    assert "Quarry" not in caplog.text and "required" not in caplog.text


# -- pagination ----------------------------------------------------------------------------------


async def test_pagination_followed_across_pages() -> None:
    with FakeLeap(max_per_page=5) as fake:
        client = LeapCRM(fake.token, fake.api_url)
        try:
            found = await client.find_customers("example", limit=12)  # every customer's email matches
            assert len(found) == 12 and len({c.id for c in found}) == 12
            assert [c.query["page"] for c in gets(fake, "/customers")] == [["1"], ["2"], ["3"]]
            assert len(await client.users()) == 6  # 2 pages of 5
            assert len(await client.jobs(limit=50)) == 50  # 10 pages of 5
        finally:
            await client.aclose()


async def test_a_bad_meta_never_loops() -> None:
    """A server that ignores `page` and claims 1000 pages: page 2 comes back as page 1, and reading stops."""
    hits = 0

    async def customers(request: web.Request) -> web.Response:
        nonlocal hits
        hits += 1
        pagination = {"total": 100000, "count": 1, "per_page": 1, "current_page": 1, "total_pages": 1000}
        return web.json_response({"data": [{"id": 1, "first_name": "A", "last_name": "B"}], "meta": {"pagination": pagination}})

    app = web.Application()
    app.router.add_get("/customers", customers)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    client = LeapCRM("t", f"http://127.0.0.1:{runner.addresses[0][1]}")
    try:
        assert len(await client.find_customers("a", limit=50)) == 1
        assert hits == 2
    finally:
        await client.aclose()
        await runner.cleanup()


# -- failures ------------------------------------------------------------------------------------


async def test_wrong_token_is_unauthorized(leap: FakeLeap) -> None:
    client = LeapCRM("not-the-token", leap.api_url)
    try:
        with pytest.raises(CrmUnavailable) as exc:
            await client.find_customers("Okafor")
        assert exc.value.reason == "unauthorized"
        assert len(leap.history) == 1  # not retried
    finally:
        await client.aclose()


async def test_429_retry_after_is_honoured(crm: LeapCRM, leap: FakeLeap) -> None:
    leap.fail(429, times=2, retry_after="0.3")
    job = await crm.job("4709")
    assert job is not None and job.stage == "Contract Signed"
    calls = leap.history
    assert [c.status for c in calls] == [429, 429, 200]
    assert calls[1].at - calls[0].at >= 0.29 and calls[2].at - calls[1].at >= 0.29


async def test_429_asking_too_long_gives_up_at_once(crm: LeapCRM, leap: FakeLeap) -> None:
    leap.fail(429, retry_after="60")
    started = time.monotonic()
    with pytest.raises(CrmUnavailable) as exc:
        await crm.job("4709")
    assert exc.value.reason == "rate_limited"
    assert time.monotonic() - started < 1.0 and len(leap.history) == 1


async def test_5xx_is_retried_for_reads_not_for_writes(crm: LeapCRM, leap: FakeLeap) -> None:
    leap.fail(500, times=1)
    assert await crm.job("4709") is not None
    assert [c.status for c in leap.history] == [500, 200]
    leap.fail(500, times=1)
    with pytest.raises(CrmUnavailable) as exc:
        await crm.add_note("4709", "once only")
    assert exc.value.reason == "server_error"
    assert sum(1 for c in leap.history if c.method == "POST") == 1


async def test_maintenance_503_is_server_error_after_retries(leap: FakeLeap) -> None:
    client = LeapCRM(leap.token, leap.api_url, max_retries=2, backoff=0.01)
    leap.down("503")
    try:
        with pytest.raises(CrmUnavailable) as exc:
            await client.jobs()
        assert exc.value.reason == "server_error"
        assert len(leap.history) == 3
    finally:
        await client.aclose()


async def test_outage_fails_fast(leap: FakeLeap) -> None:
    client = LeapCRM(leap.token, leap.api_url, timeout=2.0)
    leap.down()
    started = time.monotonic()
    try:
        with pytest.raises(CrmUnavailable) as exc:
            await client.find_customers("Okafor")
        assert exc.value.reason == "unreachable"
        assert time.monotonic() - started < 2.5
    finally:
        await client.aclose()
        leap.up()


async def test_a_stalled_call_times_out(leap: FakeLeap) -> None:
    client = LeapCRM(leap.token, leap.api_url, timeout=0.5)
    leap.stall(5)
    started = time.monotonic()
    try:
        with pytest.raises(CrmUnavailable) as exc:
            await client.job("4709")
        assert exc.value.reason == "timeout"
        assert time.monotonic() - started < 1.5
    finally:
        await client.aclose()


async def test_bad_json_is_bad_response() -> None:
    async def jobs(request: web.Request) -> web.Response:
        return web.Response(text="<html>oops</html>", content_type="text/html")

    app = web.Application()
    app.router.add_get("/jobs/1", jobs)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    client = LeapCRM("t", f"http://127.0.0.1:{runner.addresses[0][1]}")
    try:
        with pytest.raises(CrmUnavailable) as exc:
            await client.job("1")
        assert exc.value.reason == "bad_response"
    finally:
        await client.aclose()
        await runner.cleanup()


# -- rate limiting -------------------------------------------------------------------------------


async def test_limiter_keeps_a_burst_of_70_below_leaps_limit() -> None:
    window = 0.5
    with FakeLeap(per_minute=60, window=window, retry_after_format="float") as fake:
        client = LeapCRM(fake.token, fake.api_url, per_minute=50, window=window, max_retries=0)
        started = time.monotonic()
        try:
            jobs = await asyncio.gather(*(client.job(str(4701 + i % 50)) for i in range(70)))
        finally:
            await client.aclose()
        assert all(j is not None for j in jobs)
        statuses = [c.status for c in fake.history]
        assert len(statuses) == 70 and statuses.count(429) == 0
        assert time.monotonic() - started >= window  # the last 20 waited for the window to roll


async def test_without_the_limiter_the_same_burst_is_throttled() -> None:
    """The control for the test above: the fake does refuse a burst the client lets through."""
    with FakeLeap(per_minute=60, window=5.0, retry_after_format="float") as fake:
        client = LeapCRM(fake.token, fake.api_url, per_minute=1000, max_retries=0)
        try:
            results = await asyncio.gather(*(client.job("4709") for _ in range(70)), return_exceptions=True)
        finally:
            await client.aclose()
        refused = [r for r in results if isinstance(r, CrmUnavailable)]
        assert len(refused) == 10 and {r.reason for r in refused} == {"rate_limited"}


async def test_waiting_for_the_limiter_is_bounded_by_the_timeout() -> None:
    now = [0.0]
    limiter = RateLimiter(2, window=60.0, clock=lambda: now[0])
    for _ in range(2):
        limiter.release(await limiter.acquire(deadline=10.0))
    assert limiter.delay() == 60.0
    with pytest.raises(CrmUnavailable) as exc:
        await limiter.acquire(deadline=10.0)
    assert exc.value.reason == "rate_limited"
    now[0] = 61.0
    assert limiter.delay() == 0.0


# -- what Leap can't do, and what a lookup costs ---------------------------------------------------


async def test_move_stage_is_unsupported_without_a_request(crm: LeapCRM, leap: FakeLeap) -> None:
    with pytest.raises(CrmUnsupported):
        await crm.move_stage("4709", "Production")
    assert leap.requests == []


async def test_status_of_the_okafor_job_costs_three_requests(crm: LeapCRM, leap: FakeLeap) -> None:
    [customer] = await crm.find_customers("Okafor")
    [job] = await crm.jobs(customer_id=customer.id)
    notes = await crm.notes(job.id, limit=3)
    assert job.stage == "Contract Signed" and len(notes) == 3
    assert [c.path for c in leap.history] == ["/api/v3/customers", "/api/v3/jobs", "/api/v3/jobs/4709/notes"]


async def test_logs_carry_no_token_names_or_text(crm: LeapCRM, leap: FakeLeap, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="hard_e.integrations.leap")
    [customer] = await crm.find_customers("Okafor")
    await crm.add_note("4709", "Secret pricing detail 12345")
    leap.fail(429, retry_after="0.05")
    await crm.notes("4709")
    assert "leap GET /customers -> 200" in caplog.text
    for secret in (leap.token, "Okafor", "Grace", "Secret pricing", customer.phone or "-"):
        assert secret not in caplog.text

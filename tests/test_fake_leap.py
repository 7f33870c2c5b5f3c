"""FakeLeap behaves as Leap's published API v3 does (see tests/fakes/leap_server.py for the sources).

Driven with plain `requests` over real HTTP. Rate-limit tests use an injected clock or sub-second windows.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.fakes.leap_server import STAGE_CODES, FakeLeap

AUTH = {"Authorization": "Bearer leap-test"}


@pytest.fixture
def leap() -> Iterator[FakeLeap]:
    with FakeLeap() as fake:
        yield fake


def get(fake: FakeLeap, path: str, params: Any = None, headers: dict[str, str] | None = None, **kw: Any) -> requests.Response:
    return requests.get(fake.api_url + path, params=params, headers=AUTH if headers is None else headers, timeout=5, **kw)


def post(fake: FakeLeap, path: str, headers: dict[str, str] | None = None, **kw: Any) -> requests.Response:
    return requests.post(fake.api_url + path, headers=AUTH if headers is None else headers, timeout=5, **kw)


def ids(resp: requests.Response) -> list[int]:
    assert resp.status_code == 200, resp.text
    return [row["id"] for row in resp.json()["data"]]


class Clock:
    def __init__(self, t: float = 0.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


# -- auth ----------------------------------------------------------------------------------------------

ROUTES = [
    ("GET", "/customers"),
    ("GET", "/customers/1001"),
    ("POST", "/customers"),
    ("GET", "/jobs"),
    ("GET", "/jobs/4701"),
    ("GET", "/jobs/4701/notes"),
    ("POST", "/jobs/4701/notes"),
    ("GET", "/workflow/stages"),
    ("GET", "/company/users"),
    ("GET", "/company/trades"),
    ("GET", "/divisions"),
    ("POST", "/jobs/4701/stage"),  # no such route: still 401 first
]


def test_every_route_needs_the_bearer_token(leap: FakeLeap) -> None:
    bad_headers: list[dict[str, str]] = [
        {},
        {"Authorization": "Bearer nope"},
        {"Authorization": "leap-test"},
        {"Authorization": "Basic leap-test"},
    ]
    for method, path in ROUTES:
        for headers in bad_headers:
            r = requests.request(method, leap.api_url + path, headers=headers, data={"note": "x"}, timeout=5)
            assert r.status_code == 401, (method, path, headers)
            assert r.json() == {"status": 401, "message": "Unauthorized -- Your API key is wrong or API key is missing."}
            assert r.headers["WWW-Authenticate"] == "Bearer"
    assert get(leap, "/customers/1001", headers={"Authorization": "bearer leap-test"}).status_code == 200  # scheme is case-insensitive
    # Rejected requests are recorded but use none of the token's budget.
    assert leap.calls("/customers") == len(bad_headers) * 3 + 1
    with FakeLeap(per_minute=1) as fake:
        for _ in range(3):
            assert get(fake, "/jobs", headers={}).status_code == 401
        assert get(fake, "/jobs").status_code == 200


def test_oauth2_and_error_object_readings_of_the_error_body() -> None:
    with FakeLeap(error_style="oauth2") as fake:
        body = get(fake, "/jobs", headers={}).json()
        assert body == {"error": "access_denied", "error_description": "Unauthorized -- Your API key is wrong or API key is missing."}
    with FakeLeap(error_style="error_object") as fake:
        assert get(fake, "/jobs/1", headers=AUTH).json() == {
            "error": {"status_code": 404, "message": "Not Found -- The specified resource could not be found."}
        }


# -- envelopes and pagination ------------------------------------------------------------------------------


def test_list_envelope_defaults_to_ten_items(leap: FakeLeap) -> None:
    body = get(leap, "/customers").json()
    assert body["status"] == 200 and len(body["data"]) == 10
    page = body["meta"]["pagination"]
    assert {k: page[k] for k in ("total", "count", "per_page", "current_page", "total_pages")} == {
        "total": 43,
        "count": 10,
        "per_page": 10,
        "current_page": 1,
        "total_pages": 5,
    }
    assert "previous" not in page["links"] and page["links"]["next"].endswith("page=2")
    single = get(leap, "/customers/1001").json()
    assert single["status"] == 200 and single["data"]["full_name"] == "Paul Lindqvist"


@pytest.mark.parametrize(("path", "total"), [("/customers", 43), ("/jobs", 50), ("/jobs/4703/notes", None), ("/workflow/stages", 8)])
def test_pagination_meta_is_consistent_across_pages(leap: FakeLeap, path: str, total: int | None) -> None:
    limit = 3 if path != "/customers" else 7
    first = get(leap, path, {"limit": limit}).json()["meta"]["pagination"]
    total = first["total"] if total is None else total
    assert first["total"] == total and first["per_page"] == limit
    seen: list[int] = []
    for page in range(1, first["total_pages"] + 1):
        body = get(leap, path, {"limit": limit, "page": page}).json()
        meta = body["meta"]["pagination"]
        assert meta["total"] == total and meta["total_pages"] == first["total_pages"] and meta["current_page"] == page
        assert meta["count"] == len(body["data"]) == min(limit, total - (page - 1) * limit)
        assert ("next" in meta["links"]) == (page < meta["total_pages"]) and ("previous" in meta["links"]) == (page > 1)
        seen += [row.get("id", row.get("position")) for row in body["data"]]
    assert len(seen) == len(set(seen)) == total
    past = get(leap, path, {"limit": limit, "page": first["total_pages"] + 1}).json()
    assert past["data"] == [] and past["meta"]["pagination"]["count"] == 0


def test_limit_is_capped_at_100_and_junk_falls_back_to_defaults(leap: FakeLeap) -> None:
    body = get(leap, "/jobs", {"limit": 500}).json()
    assert len(body["data"]) == 50 and body["meta"]["pagination"]["per_page"] == 100
    body = get(leap, "/jobs", {"limit": "lots", "page": "-3"}).json()
    assert body["meta"]["pagination"]["per_page"] == 10 and body["meta"]["pagination"]["current_page"] == 1
    with FakeLeap(page_size_default=4, max_per_page=20) as fake:
        assert get(fake, "/jobs").json()["meta"]["pagination"]["per_page"] == 4
        assert get(fake, "/jobs", {"limit": 50}).json()["meta"]["pagination"]["per_page"] == 20


# -- rate limiting -------------------------------------------------------------------------------------------


def test_rolling_window_refuses_the_61st_request_and_recovers_as_old_ones_age_out() -> None:
    clock = Clock(100.0)
    with FakeLeap(per_minute=3, window=1.0, clock=clock, retry_after_format="float") as fake:
        for t in (100.0, 100.5, 100.6):
            clock.t = t
            assert get(fake, "/company/trades").status_code == 200
        clock.t = 100.8
        r = get(fake, "/company/trades")
        assert r.status_code == 429 and r.headers["Retry-After"] == "0.200"  # the 100.0 hit leaves at 101.0
        assert r.json() == {"status": 429, "message": "Too Many Requests -- You're requesting too much! Slow down!"}
        clock.t = 101.05  # one slot back (100.0 aged out), not three
        assert get(fake, "/company/trades").status_code == 200
        assert get(fake, "/company/trades").status_code == 429
        clock.t = 101.7  # 100.5 and 100.6 gone too
        assert [get(fake, "/company/trades").status_code for _ in range(3)] == [200, 200, 429]


def test_fixed_window_resets_at_each_window_start() -> None:
    clock = Clock(120.9)  # window 60 s: the minute 120..180
    with FakeLeap(per_minute=2, limit_mode="fixed", clock=clock) as fake:
        assert [get(fake, "/jobs").status_code for _ in range(3)] == [200, 200, 429]
        clock.t = 179.2
        r = get(fake, "/jobs")
        assert r.status_code == 429 and r.headers["Retry-After"] == "1"  # 0.8 s to the next minute, rounded up
        clock.t = 180.0  # new minute: a full budget at once, unlike the rolling reading
        assert [get(fake, "/jobs").status_code for _ in range(3)] == [200, 200, 429]


def test_real_time_rolling_window_refuses_then_recovers() -> None:
    with FakeLeap(per_minute=4, window=0.5, ratelimit_headers=True) as fake:
        codes = [get(fake, "/workflow/stages").status_code for _ in range(5)]
        assert codes == [200, 200, 200, 200, 429]
        assert fake.history[-1].status == 429
        time.sleep(0.5)
        r = get(fake, "/workflow/stages")
        assert r.status_code == 200 and r.headers["X-RateLimit-Limit"] == "4" and r.headers["X-RateLimit-Remaining"] == "3"


def test_real_time_fixed_window_refuses_then_recovers() -> None:
    window = 0.3
    with FakeLeap(per_minute=4, window=window, limit_mode="fixed") as fake:
        for _ in range(3):  # a loaded machine may stretch the burst across a boundary: then try again
            time.sleep(window - time.time() % window + 0.005)
            start = time.time() // window
            codes = [get(fake, "/workflow/stages").status_code for _ in range(5)]
            if time.time() // window == start:
                break
            fake.reset_rate_limit()
        assert codes == [200, 200, 200, 200, 429]
        time.sleep(window - time.time() % window + 0.005)
        assert get(fake, "/workflow/stages").status_code == 200


def test_the_budget_is_per_token_and_429_body_readings() -> None:
    with FakeLeap(per_minute=1, extra_tokens=("other",), rate_limit_body="text") as fake:
        assert get(fake, "/jobs").status_code == 200
        r = get(fake, "/jobs")
        assert r.status_code == 429 and r.text == "Too Many Requests -- You're requesting too much! Slow down!"
        assert int(r.headers["Retry-After"]) >= 59
        assert get(fake, "/jobs", headers={"Authorization": "Bearer other"}).status_code == 200
        fake.reset_rate_limit()
        assert get(fake, "/jobs").status_code == 200
    with FakeLeap(per_minute=0) as fake:  # limit disabled
        assert all(get(fake, "/company/trades").status_code == 200 for _ in range(5))


# -- search, filters, includes ------------------------------------------------------------------------------


def test_customer_search_uses_query(leap: FakeLeap) -> None:
    assert ids(get(leap, "/customers", {"query": "lindqvist"})) == [1001]
    assert ids(get(leap, "/customers", {"query": "paul.lindqvist@example.com"})) == [1001]
    assert ids(get(leap, "/customers", {"query": "Paul Lindqvist"})) == [1001]
    assert ids(get(leap, "/customers", {"query": "303-555-0175"})) == [1001]  # phone, any formatting
    assert ids(get(leap, "/customers", {"query": "Clear Creek"})) == [1001]  # street
    assert ids(get(leap, "/customers", {"query": "Dunn Wheat Ridge"})) == [1020]  # words across fields
    assert get(leap, "/customers", {"query": "zzz-nobody"}).json()["meta"]["pagination"]["total"] == 0
    # `keyword` is the jobs' parameter: strict mode ignores it here, as a real API ignores unknown ones.
    assert get(leap, "/customers", {"keyword": "lindqvist"}).json()["meta"]["pagination"]["total"] == 43


def test_search_readings() -> None:
    with FakeLeap(params="lenient") as fake:
        assert ids(get(fake, "/customers", {"keyword": "lindqvist"})) == [1001]
        lindqvist_jobs = ids(get(fake, "/jobs", {"keyword": "lindqvist"}))
        assert 4701 in lindqvist_jobs and ids(get(fake, "/jobs", {"query": "lindqvist"})) == lindqvist_jobs
    with FakeLeap() as fake:  # strict: `query` is the customers' parameter, ignored on jobs
        assert get(fake, "/jobs", {"query": "lindqvist"}).json()["meta"]["pagination"]["total"] == 50
    with FakeLeap(customer_search="documented") as fake:  # [D2]: full name and email only
        assert ids(get(fake, "/customers", {"query": "paul lindqvist"})) == [1001]
        assert ids(get(fake, "/customers", {"query": "303-555-0175"})) == []
        assert ids(get(fake, "/customers", {"query": "Golden"})) == []


def test_job_filters_and_keyword(leap: FakeLeap) -> None:
    dunn = ids(get(leap, "/jobs", {"customer_id": 1020}))
    assert len(dunn) == 2 and all(leap.job(j)["customer_id"] == 1020 for j in dunn)
    assert sorted(ids(get(leap, "/jobs", {"keyword": "Dunn"}))) == sorted(dunn)  # customer name
    inspection = get(leap, "/jobs", {"stages[]": STAGE_CODES["Inspection"], "limit": 100}).json()["data"]
    assert len(inspection) == 4 and {j["current_stage"]["name"] for j in inspection} == {"Inspection"}
    both = get(leap, "/jobs", {"stages[]": [STAGE_CODES["Inspection"], STAGE_CODES["Lead"]], "limit": 100})
    assert len(ids(both)) == 7
    assert get(leap, "/jobs", {"stages[]": "Inspection"}).json()["data"] == []  # strict: codes only
    number = leap.job(4701)["number"]
    assert ids(get(leap, "/jobs", {"keyword": number})) == [4701]
    assert ids(get(leap, "/jobs", {"job_ids[]": [4701, 4702]})) == [4702, 4701]
    assert ids(get(leap, "/jobs", {"customer_id": 1020, "stages[]": STAGE_CODES["Lost"]})) == []
    with FakeLeap(params="lenient") as fake:
        assert len(ids(get(fake, "/jobs", {"stage": "inspection,lead", "limit": 100}))) == 7
        assert sorted(ids(get(fake, "/jobs", {"customer_ids[]": "1020"}))) == sorted(dunn)
        assert "phones" in get(fake, "/customers/1001", {"includes": "phones,address"}).json()["data"]
        assert get(fake, "/jobs", {"per_page": 3}).json()["meta"]["pagination"]["per_page"] == 3


def test_related_records_come_only_with_includes(leap: FakeLeap) -> None:
    bare = get(leap, "/jobs/4701").json()["data"]
    assert bare["customer_id"] == 1001 and bare["current_stage"] == {
        "code": STAGE_CODES["Completed"],
        "name": "Completed",
        "color": "#4caf50",
    }
    assert not {"customer", "address", "reps", "trades"} & bare.keys()
    full = get(leap, "/jobs/4701", {"includes[]": ["customer", "reps", "trades", "address"]}).json()["data"]
    assert full["customer"]["data"]["first_name"] == "Paul" and "phones" not in full["customer"]["data"]
    assert [r["full_name"] for r in full["reps"]["data"]] == ["Luis Ortega"]
    assert full["trades"]["data"] == [{"id": 1, "name": "ROOFING"}]
    assert full["address"]["data"]["city"] == "Golden" and full["address"]["data"]["state"]["code"] == "CO"
    nested = get(leap, "/jobs", {"customer_id": 1001, "includes[]": "customer.phones"}).json()["data"][0]
    assert nested["customer"]["data"]["phones"]["data"] == [{"label": "cell", "number": "3035550175", "ext": None}]
    customer = get(leap, "/customers/1001", {"includes[]": ["phones", "address", "rep"]}).json()["data"]
    assert customer["rep"]["data"]["full_name"] == "Luis Ortega" and customer["address"]["data"]["zip"] == "80401"
    assert "phones" not in get(leap, "/customers/1001", {"includes": "phones"}).json()["data"]  # strict: includes[] only


def test_include_readings() -> None:
    with FakeLeap(includes="always", include_wrap="bare") as fake:
        job = get(fake, "/jobs/4701").json()["data"]
        assert job["customer"]["full_name"] == "Paul Lindqvist" and job["customer"]["phones"][0]["number"] == "3035550175"
        assert job["division"] == {"id": 2, "name": "Denver", "code": "DEN"}


# -- writes ---------------------------------------------------------------------------------------------------


def test_create_customer_validates_the_documented_fields(leap: FakeLeap) -> None:
    r = post(leap, "/customers", data={"email": "not-an-email"})
    assert r.status_code == 422
    assert set(r.json()["errors"]) == {"first_name", "last_name", "phones", "email"}
    r = post(
        leap, "/customers", json={"first_name": "Ada", "last_name": "Quill", "phones": [{"label": "Mobile", "number": "+13035550101"}]}
    )
    assert r.status_code == 422 and set(r.json()["errors"]) == {"phones.0.label", "phones.0.number"}
    assert leap.calls("/customers", "POST") == 2 and get(leap, "/customers").json()["meta"]["pagination"]["total"] == 43


def test_create_customer_form_encoded_and_json(leap: FakeLeap) -> None:
    form = {
        "first_name": "Ada",
        "last_name": "Quill",
        "email": "ada.quill@example.com",
        "note": "Storm damage on the north slope.",
        "phones[0][label]": "cell",
        "phones[0][number]": "303-555-0101",
        "address[address]": "12 Aspen Lane",
        "address[city]": "Lakewood",
        "address[state_id]": "6",
        "address[zip]": "80226",
        "rep_id": "105",
    }
    r = post(leap, "/customers", data=form)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == 200 and body["message"]
    made = body["customer"]
    assert made["id"] > 7082 and made["full_name"] == "Ada Quill" and made["rep_id"] == 105
    assert made["phones"]["data"] == [{"label": "cell", "number": "3035550101", "ext": None}]
    assert made["address"]["data"]["state"]["code"] == "CO" and made["address"]["data"]["address"] == "12 Aspen Lane"
    assert get(leap, f"/customers/{made['id']}").json()["data"]["email"] == "ada.quill@example.com"
    assert ids(get(leap, "/customers", {"query": "Quill"})) == [made["id"]]
    assert leap.requests[-3].body["phones"] == [{"label": "cell", "number": "303-555-0101"}]  # recorded, parsed

    r = post(leap, "/customers", json={"first_name": "Bo", "last_name": "Reyes", "phone_0_label": "home", "phone_0_number": "4695550102"})
    assert r.status_code == 200 and r.json()["customer"]["id"] == made["id"] + 1


def test_create_customer_readings() -> None:
    with FakeLeap(require_phone=False, create_key="data", validation_status=412) as fake:
        r = post(fake, "/customers", json={"first_name": "No", "last_name": "Phone"})
        assert r.status_code == 200 and r.json()["data"]["phones"]["data"] == []
        r = post(fake, "/customers", json={"last_name": "Phone"})
        assert r.status_code == 412 and r.json()["errors"] == {"first_name": ["The first name field is required."]}


def test_job_notes_list_and_add(leap: FakeLeap) -> None:
    before = get(leap, "/jobs/4701/notes").json()
    assert before["meta"]["pagination"]["total"] == len(before["data"]) == 3
    assert before["data"][0]["created_by"]["full_name"] == "Luis Ortega"
    r = post(leap, "/jobs/4701/notes", files={"note": (None, "[Call] Customer asked about gutter guards.")})  # multipart, as documented
    assert r.status_code == 200, r.text
    note = r.json()["data"]
    assert note["job_id"] == 4701 and note["stage_code"] == STAGE_CODES["Completed"] and note["created_by"]["id"] == 101
    after = get(leap, "/jobs/4701/notes").json()["data"]
    assert after[0] == note and len(after) == 4 and leap.notes_for(4701)[0]["note"].startswith("[Call]")
    assert post(leap, "/jobs/4701/notes", data={"note": "[Text] urlencoded works too"}).status_code == 200
    assert post(leap, "/jobs/4701/notes", json={"note": "[Email] and JSON"}).status_code == 200

    r = post(leap, "/jobs/9999/notes", files={"note": (None, "hello")})
    assert r.status_code == 404 and r.json()["status"] == 404
    assert get(leap, "/jobs/9999/notes").status_code == 404
    for blank in ({"note": "   "}, {}):
        r = post(leap, "/jobs/4701/notes", data=blank)
        assert r.status_code == 422 and r.json()["errors"] == {"note": ["The note field is required."]}
    assert len(leap.notes_for(4701)) == 6


def test_there_is_no_way_to_move_a_job_to_another_stage(leap: FakeLeap) -> None:
    attempts = [
        ("POST", "/jobs/4705/stage"),
        ("PUT", "/jobs/4705/stage"),
        ("PATCH", "/jobs/4705/stages"),
        ("POST", "/jobs/4705/move"),
        ("PUT", "/jobs/4705/current_stage"),
        ("POST", "/workflow/stages"),
    ]
    before = leap.job(4705)["current_stage"]
    for method, path in attempts:
        r = requests.request(method, leap.api_url + path, headers=AUTH, json={"stage_code": STAGE_CODES["Lost"]}, timeout=5)
        assert r.status_code in (404, 405), (method, path)
        assert r.json()["status"] == r.status_code
    assert requests.request("POST", leap.api_url + "/jobs/4705/stage", headers=AUTH, timeout=5).status_code == 404
    assert requests.put(leap.api_url + "/jobs/4705", headers=AUTH, json={"stage": "Lost"}, timeout=5).status_code == 405
    assert leap.job(4705)["current_stage"] == before
    leap.set_stage(4705, "Lost")  # what a person does in Leap's own screens
    assert get(leap, "/jobs/4705").json()["data"]["current_stage"]["name"] == "Lost"


# -- lookups --------------------------------------------------------------------------------------------------


def test_lookups(leap: FakeLeap) -> None:
    stages = get(leap, "/workflow/stages").json()["data"]
    assert [s["name"] for s in stages] == list(STAGE_CODES) and [s["code"] for s in stages] == list(STAGE_CODES.values())
    users = get(leap, "/company/users", {"includes[]": "division"}).json()["data"]
    assert [u["id"] for u in users] == [101, 102, 103, 104, 105, 106]
    assert users[0]["full_name"] == "Karen Holt" and users[0]["division"]["data"]["name"] == "Dallas-Fort Worth"
    assert [t["name"] for t in get(leap, "/company/trades").json()["data"]] == ["ROOFING", "GUTTERS", "WINDOWS", "SIDING", "SOLAR"]
    assert [d["name"] for d in get(leap, "/divisions").json()["data"]] == ["Dallas-Fort Worth", "Denver"]
    with FakeLeap(seed=False) as empty:
        assert get(empty, "/customers").json()["meta"]["pagination"] == {
            "total": 0,
            "count": 0,
            "per_page": 10,
            "current_page": 1,
            "total_pages": 1,
            "links": {},
        }
        assert len(get(empty, "/company/users").json()["data"]) == 6


# -- knobs ----------------------------------------------------------------------------------------------------


def test_fail_consumes_only_authenticated_requests(leap: FakeLeap) -> None:
    leap.fail(503, times=2, retry_after=7)
    assert get(leap, "/jobs", headers={}).status_code == 401
    for _ in range(2):
        r = get(leap, "/jobs")
        assert r.status_code == 503 and r.headers["Retry-After"] == "7"
        assert r.json() == {"status": 503, "message": "Service Unavailable -- We're temporarily offline for maintenance."}
    assert get(leap, "/jobs").status_code == 200 and leap.pending == 0
    leap.fail(429)
    r = get(leap, "/jobs")
    assert r.status_code == 429 and "Retry-After" not in r.headers
    assert [c.status for c in leap.history] == [401, 503, 503, 200, 429]


def test_stall_holds_the_next_request(leap: FakeLeap) -> None:
    leap.stall(0.4)
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.get(leap.api_url + "/jobs/4701", headers=AUTH, timeout=0.1)
    assert get(leap, "/jobs/4701").status_code == 200
    leap.stall(0.15)
    started = time.monotonic()
    assert get(leap, "/jobs/4701").status_code == 200 and time.monotonic() - started >= 0.15


def test_down_and_up(leap: FakeLeap) -> None:
    session = requests.Session()
    assert session.get(leap.api_url + "/jobs", headers=AUTH, timeout=5).status_code == 200  # a kept-alive connection
    leap.down()
    with pytest.raises(requests.exceptions.ConnectionError):
        session.get(leap.api_url + "/jobs", headers=AUTH, timeout=2)
    with pytest.raises(requests.exceptions.ConnectionError):
        get(leap, "/jobs")
    leap.up()
    assert get(leap, "/jobs").status_code == 200
    leap.down("503")
    r = get(leap, "/jobs")
    assert r.status_code == 503 and r.json()["message"].startswith("Service Unavailable")
    leap.up()
    assert get(leap, "/jobs").status_code == 200
    session.close()


def test_recorded_requests_and_calls(leap: FakeLeap) -> None:
    get(leap, "/jobs", {"keyword": "Dunn", "includes[]": ["customer", "reps"]})
    get(leap, "/jobs/4701/notes")
    post(leap, "/jobs/4701/notes", data={"note": "[Internal] hi"})
    assert leap.calls("/jobs") == 3 and leap.calls("/api/v3/jobs/4701/notes", "POST") == 1 and leap.calls("/customers") == 0
    first = leap.history[0]
    assert first.method == "GET" and first.query == {"keyword": ["Dunn"], "includes[]": ["customer", "reps"]} and first.status == 200
    assert leap.requests[-1].body == {"note": "[Internal] hi"} and leap.requests[-1].headers["authorization"] == "Bearer leap-test"


def test_bad_options_are_refused() -> None:
    with pytest.raises(ValueError):
        FakeLeap(limit_mode="sliding")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        FakeLeap(window=0)

"""Call transcripts: loaded from a folder or S3 into tables, malformed files skipped with a reason,
and every aggregate equal to counts made by hand from the 15 sample calls in tests/data/transcripts.

The expected figures below were counted by hand from the sample files (and checked twice); they are
written out literally on purpose, so the test does not share logic with the code it checks.
"""

from __future__ import annotations

import json
import logging
import shutil
from datetime import date
from pathlib import Path

import pytest
from agents.testing import ScriptedModel, assistant_message, function_call
from agents.tool_context import ToolContext
from sqlalchemy import inspect, select

from hard_e.agents.agents_flow import run_agents
from hard_e.agents.context import TurnContext
from hard_e.agents.events import ToolFinished, ToolStarted
from hard_e.agents.history import History
from hard_e.agents.specialists import TOOL_STATUS, analysis, build_team
from hard_e.agents.transcripts import TranscriptError, load_transcripts, parse_transcript
from hard_e.integrations.document_sources import FolderSource, S3Source, SourceError, s3_client
from hard_e.integrations.transcript_sources import transcript_source
from hard_e.store.models import TranscriptCall, TranscriptObjection, TranscriptTechnique
from hard_e.store.transcript_store import (
    GroupCount,
    LostReason,
    ObjectionCount,
    Overview,
    TechniqueRate,
    TradeValue,
    TranscriptStore,
)
from tests.brain import Collect, turn
from tests.conftest import sqlite_only
from tests.processes import hard_e

SAMPLES = Path(__file__).parents[1] / "data" / "transcripts"
ALL_IDS = [f"BWC-25-{n:03d}" for n in range(1, 16)]


@pytest.fixture
def folder(tmp_path) -> Path:
    """A writable copy of the 15 sample transcripts."""
    copy = tmp_path / "transcripts"
    shutil.copytree(SAMPLES, copy)
    for path in copy.iterdir():
        path.chmod(0o644)
    return copy


@pytest.fixture
async def store(engine) -> TranscriptStore:
    report = await load_transcripts(FolderSource(SAMPLES, extensions=frozenset({".json"})), engine)
    assert (report.loaded, report.skipped, report.calls) == (15, [], 15)
    return TranscriptStore(engine)


def sample(call_id: str = "BWC-25-001") -> dict:
    return json.loads((SAMPLES / f"{call_id}.json").read_text(encoding="utf-8"))


def write(folder: Path, name: str, doc: dict | bytes) -> Path:
    path = folder / name
    path.write_bytes(doc if isinstance(doc, bytes) else json.dumps(doc, indent=2).encode())
    return path


async def call_ids(engine) -> list[str]:
    async with engine.connect() as conn:
        return list((await conn.scalars(select(TranscriptCall.call_id).order_by(TranscriptCall.call_id))).all())


# --- Loading ------------------------------------------------------------------------------------


async def test_folder_load_stores_the_fifteen_calls_and_ignores_other_files(engine, folder):
    (folder / "SCHEMA.md").write_text("# Distilled transcript schema\n")
    (folder / ".BWC-25-099.json").write_text("{}")  # hidden: an editor's swap file, say

    report = await load_transcripts(transcript_source(str(folder)), engine)

    assert (report.loaded, report.unchanged, report.removed, report.skipped, report.calls) == (15, 0, 0, [], 15)
    assert await call_ids(engine) == ALL_IDS
    async with engine.connect() as conn:
        call = (await conn.execute(select(TranscriptCall).where(TranscriptCall.call_id == "BWC-25-005"))).one()
        objections = (await conn.execute(
            select(TranscriptObjection.position, TranscriptObjection.type, TranscriptObjection.resolved)
            .where(TranscriptObjection.call_id == "BWC-25-005").order_by(TranscriptObjection.position)
        )).all()
        techniques = set((await conn.scalars(
            select(TranscriptTechnique.technique).where(TranscriptTechnique.call_id == "BWC-25-005")
        )).all())
        columns = await conn.run_sync(lambda c: {col["name"] for col in inspect(c).get_columns("transcript_calls")})
    assert (call.date, call.branch, call.rep, call.trade, call.call_type, call.lead_source) == (
        date(2025, 8, 26), "Denver", "Priya Nair", "siding", "estimate_review", "home_show"
    )
    assert (call.duration_minutes, call.outcome, call.lost_reason, call.deal_value, call.sentiment) == (
        57, "lost", "Price", 32500, sample("BWC-25-005")["sentiment"]["overall"]
    )
    assert call.source_uri == str(folder / "BWC-25-005.json")
    assert objections == [(0, "spouse_approval", True), (1, "price", False)]
    assert techniques == {"feel_felt_found", "warranty_emphasis"}
    # Customer contact details stay in the files.
    assert not columns & {"customer", "name", "phone", "email", "address", "city", "state", "zip"}


async def test_reload_skips_unchanged_files_replaces_an_edited_one_and_drops_a_deleted_one(engine, folder):
    await load_transcripts(transcript_source(str(folder)), engine)
    edited = sample("BWC-25-013")  # pending windows call, $7,500 → won at $7,800
    edited.update(outcome="won", deal_value=7800)
    write(folder, "BWC-25-013.json", edited)
    (folder / "BWC-25-002.json").unlink()  # the lost roofing call (Competitor, $15,225)

    report = await load_transcripts(transcript_source(str(folder)), engine)

    assert (report.loaded, report.unchanged, report.removed, report.skipped, report.calls) == (1, 13, 1, [], 14)
    assert "BWC-25-002" not in await call_ids(engine)
    store = TranscriptStore(engine)
    overview = await store.overview()
    assert (overview.calls, overview.by_outcome) == (14, {"won": 8, "lost": 4, "pending": 2})
    lost = {c.type: c.calls for c in await store.objection_counts("lost")}
    assert lost == {"price": 3, "timing": 2, "insurance": 1, "spouse_approval": 1, "financing": 1}
    windows = next(v for v in await store.deal_value_by_trade("won") if v.trade == "windows")
    assert (windows.calls, windows.total) == (2, 22500)
    assert "isolate_objection" not in {r.technique for r in await store.win_rate_by_technique()}
    assert [r.reason for r in await store.lost_reasons()] == ["Price", "Insurance denied", "Timing/Postponed"]

    again = await load_transcripts(transcript_source(str(folder)), engine)
    assert (again.loaded, again.unchanged, again.removed) == (0, 14, 0)


def _set(path: str, value):
    def mutate(doc: dict) -> None:
        *parents, last = path.split(".")
        target = doc
        for key in parents:
            target = target[int(key)] if isinstance(target, list) else target[key]
        target[last] = value
    return mutate


def _drop(key: str):
    return lambda doc: doc.pop(key)


MALFORMED = [
    ("missing_field", _drop("outcome"), "missing required field outcome"),
    ("missing_nested_field", lambda d: d["objections"][1].pop("resolved"), "missing required field objections[1].resolved"),
    ("bad_outcome", _set("outcome", "maybe"), "outcome is not one of: won, lost, pending"),
    ("bad_trade", _set("trade", "Roofing"), "trade is not one of: roofing, siding, windows, gutters, solar"),
    ("bad_branch", _set("branch", "Austin"), "branch is not one of: Dallas-Fort Worth, Denver"),
    ("bad_objection_type", _set("objections.0.type", "budget"), "objections[0].type is not one of: price, timing,"),
    ("bad_technique", lambda d: d["techniques_used"].append("hard_sell"), "techniques_used[5] is not one of:"),
    ("repeated_technique", lambda d: d["techniques_used"].append("trial_close") or d["techniques_used"].append("trial_close"),
     "techniques_used lists a technique more than once"),
    ("deal_value_as_text", _set("deal_value", "20150"), "deal_value must be a whole number"),
    ("deal_value_with_cents", _set("deal_value", 20150.5), "deal_value must be a whole number"),
    ("duration_as_bool", _set("duration_minutes", True), "duration_minutes must be a whole number"),
    ("negative_value", _set("deal_value", -5), "deal_value must be between 0 and"),
    ("resolved_as_text", _set("objections.0.resolved", "yes"), "objections[0].resolved must be true or false"),
    ("objections_not_a_list", _set("objections", {"type": "price"}), "objections must be an array"),
    ("lost_reason_on_won_call", _set("lost_reason", "Price"), "lost_reason is only allowed when outcome is lost"),
    ("us_date", _set("date", "08/04/2025"), "date is not in the form YYYY-MM-DD"),
    ("impossible_date", _set("date", "2025-02-30"), "date is not a real calendar date"),
    ("bad_call_id", _set("call_id", "call-1"), "call_id is not in the form BWC-<yy>-<nnn>"),
    ("bad_phone", _set("customer.phone", "4695550121"), "customer.phone is not in the form NNN-NNN-NNNN"),
    ("bad_sentiment", _set("sentiment.end", "mixed"), "sentiment.end is not one of: positive, neutral, negative"),
    ("moment_time", _set("key_moments.1.time", "24m30s"), "key_moments[1].time is not in the form MM:SS"),
]


@pytest.mark.parametrize("mutate, reason", [m[1:] for m in MALFORMED], ids=[m[0] for m in MALFORMED])
def test_schema_violations_are_named_by_field(mutate, reason):
    doc = sample("BWC-25-001")
    mutate(doc)
    with pytest.raises(TranscriptError) as raised:
        parse_transcript("BWC-25-001.json", json.dumps(doc).encode())
    assert str(raised.value).startswith(reason)


def test_lost_reason_is_optional_on_a_lost_call_and_null_means_none():
    doc = sample("BWC-25-002")
    assert parse_transcript("BWC-25-002.json", json.dumps(doc).encode()).lost_reason == "Competitor"
    doc.pop("lost_reason")
    assert parse_transcript("BWC-25-002.json", json.dumps(doc).encode()).lost_reason is None
    doc["lost_reason"] = None
    assert parse_transcript("BWC-25-002.json", json.dumps(doc).encode()).lost_reason is None


async def test_malformed_files_are_skipped_counted_and_logged_without_their_content(engine, folder, caplog):
    secret = "Ray handles the house stuff"  # a customer's words, from BWC-25-001
    def broken(call_id: str, mutate) -> dict:
        doc = sample("BWC-25-001")
        doc["call_id"] = call_id
        mutate(doc)
        return doc

    write(folder, "BWC-25-901.json", b'{"call_id": "BWC-25-901", "objections": [' + secret.encode() + b"]")
    write(folder, "BWC-25-902.json", broken("BWC-25-902", _drop("trade")))
    write(folder, "BWC-25-903.json", broken("BWC-25-903", _set("call_type", "zoom")))
    write(folder, "BWC-25-904.json", broken("BWC-25-904", _set("duration_minutes", "84")))
    write(folder, "BWC-25-905.json", broken("BWC-25-905", _set("lost_reason", "Price")))
    write(folder, "BWC-25-906.json", json.dumps(broken("BWC-25-906", lambda d: None)).encode("utf-16"))
    not_utf8 = json.dumps(broken("BWC-25-907", lambda d: None)).replace(secret, "Ra\udcffy").encode("utf-8", "surrogateescape")
    write(folder, "BWC-25-907.json", not_utf8)
    write(folder, "BWC-25-908.json", sample("BWC-25-003"))  # a copy under another call's name
    write(folder, "BWC-25-909.json", b"[1, 2, 3]")
    caplog.set_level(logging.INFO)

    report = await load_transcripts(transcript_source(str(folder)), engine)

    assert (report.loaded, report.unchanged, report.removed, report.calls) == (15, 0, 0, 15)
    reasons = {Path(uri).name: reason for uri, reason in report.skipped}
    assert reasons.pop("BWC-25-907.json").startswith("not UTF-8 (invalid byte at offset ")
    assert reasons == {
        "BWC-25-901.json": "not valid JSON (Expecting value at line 1, column 42)",  # at the unquoted words
        "BWC-25-902.json": "missing required field trade",
        "BWC-25-903.json": "call_type is not one of: in_home_appointment, estimate_review, phone_follow_up",
        "BWC-25-904.json": "duration_minutes must be a whole number",
        "BWC-25-905.json": "lost_reason is only allowed when outcome is lost",
        "BWC-25-906.json": "not UTF-8 (invalid byte at offset 0)",
        "BWC-25-908.json": "the file name must be the call_id followed by .json",
        "BWC-25-909.json": "the file must hold one JSON object",
    }
    assert await call_ids(engine) == ALL_IDS
    warnings = [r.getMessage() for r in caplog.records if r.name.startswith("hard_e.agents.transcripts") and r.levelno == logging.WARNING]
    assert len(warnings) == 9
    assert f"transcript {folder / 'BWC-25-902.json'} skipped: missing required field trade" in warnings
    logged = caplog.text
    assert secret not in logged and "Teresa" not in logged and "469-555-0121" not in logged


async def test_a_file_edited_into_a_malformed_one_keeps_its_loaded_version(engine, folder):
    await load_transcripts(transcript_source(str(folder)), engine)
    path = folder / "BWC-25-007.json"
    path.write_bytes(path.read_bytes()[:200])  # a half-written upload

    report = await load_transcripts(transcript_source(str(folder)), engine)

    [(uri, reason)] = report.skipped
    assert uri == str(path) and reason.startswith("not valid JSON") and reason.endswith("; its previously loaded version is kept")
    assert (report.loaded, report.unchanged, report.removed, report.calls) == (0, 14, 0, 15)
    assert (await TranscriptStore(engine).overview()).by_outcome["won"] == 7


async def test_the_same_call_in_two_files_is_loaded_once(engine, folder):
    (folder / "copies").mkdir()
    shutil.copy(folder / "BWC-25-004.json", folder / "copies" / "BWC-25-004.json")

    report = await load_transcripts(transcript_source(str(folder)), engine)

    # Files are taken in URI order, so the copy in the subfolder is the one left out.
    assert report.skipped == [
        (str(folder / "copies" / "BWC-25-004.json"), f"call_id BWC-25-004 is already loaded from {folder / 'BWC-25-004.json'}")
    ]
    assert (report.loaded, report.calls) == (15, 15)


async def test_a_source_that_cannot_be_listed_changes_nothing(engine, folder, tmp_path):
    await load_transcripts(transcript_source(str(folder)), engine)
    folder.rename(tmp_path / "elsewhere")

    with pytest.raises(SourceError, match="does not exist"):
        await load_transcripts(transcript_source(str(folder)), engine)

    assert await call_ids(engine) == ALL_IDS


def test_transcript_uri_picks_the_source():
    assert isinstance(transcript_source("/srv/transcripts"), FolderSource)
    assert isinstance(transcript_source("file:///srv/transcripts"), FolderSource)
    s3 = transcript_source("s3://calls/distilled/", client=object())
    assert isinstance(s3, S3Source) and (s3.bucket, s3.prefix, s3.extensions) == ("calls", "distilled/", frozenset({".json"}))
    for bad in ("s3:///nobucket", "https://example.com/calls", "  "):
        with pytest.raises(ValueError):
            transcript_source(bad)


# --- S3 (moto's server on 127.0.0.1) ------------------------------------------------------------


async def test_s3_prefix_loads_incrementally_by_etag(engine, s3_server):
    client = s3_client()
    client.create_bucket(Bucket="harde-calls")
    for path in SAMPLES.glob("*.json"):
        client.put_object(Bucket="harde-calls", Key=f"distilled/{path.name}", Body=path.read_bytes())
    client.put_object(Bucket="harde-calls", Key="distilled/SCHEMA.md", Body=b"# Schema\n")
    client.put_object(Bucket="harde-calls", Key="distilled/BWC-25-950.json", Body=b"{not json")
    client.put_object(Bucket="harde-calls", Key="elsewhere/BWC-25-016.json", Body=b"{}")
    source = transcript_source("s3://harde-calls/distilled/")
    assert isinstance(source, S3Source)

    report = await load_transcripts(source, engine)

    assert (report.loaded, report.unchanged, report.removed, report.calls) == (15, 0, 0, 15)
    reason = "not valid JSON (Expecting property name enclosed in double quotes at line 1, column 2)"
    assert report.skipped == [("s3://harde-calls/distilled/BWC-25-950.json", reason)]
    async with engine.connect() as conn:
        uri = await conn.scalar(select(TranscriptCall.source_uri).where(TranscriptCall.call_id == "BWC-25-009"))
    assert uri == "s3://harde-calls/distilled/BWC-25-009.json"

    edited = sample("BWC-25-009")
    edited["deal_value"] = 17000
    client.put_object(Bucket="harde-calls", Key="distilled/BWC-25-009.json", Body=json.dumps(edited).encode())
    client.delete_object(Bucket="harde-calls", Key="distilled/BWC-25-012.json")
    client.delete_object(Bucket="harde-calls", Key="distilled/BWC-25-950.json")

    report = await load_transcripts(source, engine)

    assert (report.loaded, report.unchanged, report.removed, report.skipped, report.calls) == (1, 13, 1, [], 14)
    solar_lost = [v for v in await TranscriptStore(engine).deal_value_by_trade("lost") if v.trade in ("solar", "windows")]
    assert [(v.trade, v.total) for v in solar_lost] == [("windows", 17000)]


async def test_an_unreachable_bucket_is_a_source_error(engine, s3_server):
    with pytest.raises(SourceError, match="NoSuchBucket"):
        await load_transcripts(transcript_source("s3://no-such-bucket/x/"), engine)


# --- Aggregates, against counts made by hand from the 15 sample files -------------------------------


async def test_overview_counts_calls_per_outcome_branch_rep_and_lead_source(store):
    assert await store.overview() == Overview(
        calls=15, by_outcome={"won": 7, "lost": 5, "pending": 3}, first_date=date(2025, 8, 4), last_date=date(2025, 10, 30)
    )
    assert await store.calls_by("branch") == [
        GroupCount("Dallas-Fort Worth", 8, 5, 2, 1),
        GroupCount("Denver", 7, 2, 3, 2),
    ]
    assert await store.calls_by("rep") == [
        GroupCount("Dana Whitfield", 4, 3, 0, 1),
        GroupCount("Marcus Bell", 4, 2, 2, 0),
        GroupCount("Priya Nair", 4, 1, 2, 1),
        GroupCount("Luis Ortega", 3, 1, 1, 1),
    ]
    assert await store.calls_by("lead_source") == [
        GroupCount("website", 4, 2, 1, 1),
        GroupCount("phone_in", 3, 1, 1, 1),
        GroupCount("referral", 2, 2, 0, 0),
        GroupCount("storm_canvass", 2, 1, 1, 0),
        GroupCount("door_knock", 1, 0, 0, 1),
        GroupCount("home_show", 1, 0, 1, 0),
        GroupCount("repeat_customer", 1, 1, 0, 0),
        GroupCount("social", 1, 0, 1, 0),
    ]


async def test_objection_counts_by_outcome_match_the_hand_count(store):
    # type: calls raising it, of which resolved, then the calls' outcomes won / lost / pending.
    assert await store.objection_counts() == [
        ObjectionCount("price", 10, 6, 4, 4, 2),
        ObjectionCount("timing", 5, 3, 2, 2, 1),
        ObjectionCount("spouse_approval", 4, 3, 2, 1, 1),
        ObjectionCount("competitor_quote", 3, 1, 1, 1, 1),
        ObjectionCount("financing", 3, 1, 1, 1, 1),
        ObjectionCount("insurance", 3, 2, 2, 1, 0),
        ObjectionCount("need", 1, 1, 1, 0, 0),
        ObjectionCount("trust", 1, 1, 1, 0, 0),
    ]
    # What comes up most in lost deals: price in 4 of the 5 (002, 005, 009, 012), never resolved.
    assert await store.objection_counts("lost") == [
        ObjectionCount("price", 4, 0, 0, 4, 0),
        ObjectionCount("timing", 2, 0, 0, 2, 0),
        ObjectionCount("competitor_quote", 1, 0, 0, 1, 0),
        ObjectionCount("financing", 1, 0, 0, 1, 0),
        ObjectionCount("insurance", 1, 0, 0, 1, 0),
        ObjectionCount("spouse_approval", 1, 1, 0, 1, 0),
    ]
    assert [(c.type, c.calls, c.resolved) for c in await store.objection_counts("won")] == [
        ("price", 4, 4), ("insurance", 2, 2), ("spouse_approval", 2, 2), ("timing", 2, 2),
        ("competitor_quote", 1, 1), ("financing", 1, 1), ("need", 1, 1), ("trust", 1, 1),
    ]
    assert [(c.type, c.calls, c.resolved) for c in await store.objection_counts("pending")] == [
        ("price", 2, 2), ("competitor_quote", 1, 0), ("financing", 1, 0), ("spouse_approval", 1, 0), ("timing", 1, 1),
    ]
    with pytest.raises(ValueError):
        await store.objection_counts("maybe")


async def test_win_rate_by_technique_leaves_pending_calls_out_of_the_rate(store):
    rates = await store.win_rate_by_technique()
    assert rates == [
        TechniqueRate("good_better_best", 9, 7, 0, 2),
        TechniqueRate("monthly_payment_reframe", 8, 5, 1, 2),
        TechniqueRate("warranty_emphasis", 7, 4, 1, 2),
        TechniqueRate("inspection_photos", 5, 3, 1, 1),
        TechniqueRate("cost_of_waiting", 4, 2, 1, 1),
        TechniqueRate("third_party_proof", 4, 3, 1, 0),
        TechniqueRate("feel_felt_found", 3, 0, 3, 0),
        TechniqueRate("involve_decision_maker", 3, 2, 0, 1),
        TechniqueRate("trial_close", 2, 2, 0, 0),
        TechniqueRate("isolate_objection", 1, 0, 1, 0),
    ]
    by_name = {r.technique: r.win_rate for r in rates}
    assert by_name["good_better_best"] == 1.0  # 7 of 7 decided; its 2 pending calls don't count
    assert by_name["monthly_payment_reframe"] == pytest.approx(5 / 6)
    assert by_name["cost_of_waiting"] == pytest.approx(2 / 3)
    assert by_name["feel_felt_found"] == 0.0
    assert TechniqueRate("x", 2, 0, 0, 2).win_rate is None


async def test_deal_value_by_trade_matches_the_hand_sums(store):
    assert await store.deal_value_by_trade() == [
        TradeValue("roofing", 6, 99230, pytest.approx(99230 / 6), 13600, 20150),
        TradeValue("siding", 2, 52900, 26450.0, 20400, 32500),
        TradeValue("solar", 2, 46020, 23010.0, 21240, 24780),
        TradeValue("windows", 3, 39000, 13000.0, 7500, 16800),
        TradeValue("gutters", 2, 9060, 4530.0, 4100, 4960),
    ]
    assert await store.deal_value_by_trade("won") == [
        TradeValue("roofing", 3, 55780, pytest.approx(55780 / 3), 17550, 20150),
        TradeValue("solar", 1, 24780, 24780.0, 24780, 24780),
        TradeValue("siding", 1, 20400, 20400.0, 20400, 20400),
        TradeValue("windows", 1, 14700, 14700.0, 14700, 14700),
        TradeValue("gutters", 1, 4100, 4100.0, 4100, 4100),
    ]
    assert await store.deal_value_by_trade("lost") == [
        TradeValue("siding", 1, 32500, 32500.0, 32500, 32500),
        TradeValue("roofing", 2, 28825, 14412.5, 13600, 15225),
        TradeValue("solar", 1, 21240, 21240.0, 21240, 21240),
        TradeValue("windows", 1, 16800, 16800.0, 16800, 16800),
    ]


async def test_lost_reasons_match_the_hand_count(store):
    assert await store.lost_reasons() == [
        LostReason("Price", 2, 53740),  # 005 ($32,500) and 012 ($21,240)
        LostReason("Competitor", 1, 15225),
        LostReason("Insurance denied", 1, 13600),
        LostReason("Timing/Postponed", 1, 16800),
    ]


async def test_quotes_for_an_objection_type_come_newest_first_with_their_calls(store):
    lost_price = await store.quotes("price", "lost", limit=10)
    assert lost_price.total == 4
    assert [(q.call_id, q.outcome, q.resolved) for q in lost_price.quotes] == [
        ("BWC-25-012", "lost", False), ("BWC-25-009", "lost", False), ("BWC-25-005", "lost", False), ("BWC-25-002", "lost", False),
    ]
    first = lost_price.quotes[0]
    assert (first.date, first.rep) == (date(2025, 10, 14), sample("BWC-25-012")["rep"])
    price = next(o for o in sample("BWC-25-012")["objections"] if o["type"] == "price")
    assert (first.quote, first.handled_how) == (price["quote"], price["handled_how"])

    spouse = await store.quotes("spouse_approval", limit=3)
    assert spouse.total == 4
    assert [q.call_id for q in spouse.quotes] == ["BWC-25-014", "BWC-25-010", "BWC-25-005"]  # 001 (oldest) left out
    assert (await store.quotes("need", "lost")).total == 0


# --- The Analysis agent's tools ---------------------------------------------------------------------


async def invoke(tool, transcripts, **arguments) -> str:
    payload = json.dumps(arguments)
    context = ToolContext(
        TurnContext(turn=turn("analysis"), transcripts=transcripts),
        tool_name=tool.name, tool_call_id="call-1", tool_arguments=payload,
    )
    return await tool.on_invoke_tool(context, payload)


async def test_analysis_agent_answers_lost_deal_objections_from_the_counts(store, engine):
    model = ScriptedModel([
        [function_call("transfer_to_analysis", {}, call_id="h1")],
        [function_call("objections_by_outcome", {"outcome": "lost"}, call_id="t1")],
        [assistant_message("Price came up in 4 of 5 lost calls (BWC-25-002, -005, -009, -012).")],
    ])
    team = build_team(lambda name: model)
    context = TurnContext(turn=turn("what objections come up most in lost deals?"), transcripts=store)
    sink = Collect()

    answer = await run_agents(team["triage"], context, History(engine).session("T1:C1:9.0"), sink, tracing=False)

    assert answer.last_agent == "analysis" and answer.text.startswith("Price came up in 4 of 5 lost calls")
    assert ToolStarted("objections_by_outcome", "Counting objections across our calls…") in sink.events
    assert ToolFinished("objections_by_outcome") in sink.events
    tool_output = str(model.calls[2].input)
    assert "based on 5 lost calls (of 15 loaded)" in tool_output and "price | 4 of 5 | 0" in tool_output


async def test_objections_tool_prints_counts_with_their_base(store):
    text = await invoke(analysis.objections_by_outcome, store, outcome="lost")
    assert text == (
        "Objections on lost calls, based on 5 lost calls (of 15 loaded). A type counts once per call.\n"
        "type | lost calls raising it | resolved on the call\n"
        "price | 4 of 5 | 0\n"
        "timing | 2 of 5 | 0\n"
        "competitor_quote | 1 of 5 | 0\n"
        "financing | 1 of 5 | 0\n"
        "insurance | 1 of 5 | 0\n"
        "spouse_approval | 1 of 5 | 1"
    )
    everything = (await invoke(analysis.objections_by_outcome, store)).split("\n")
    assert everything[0] == "Objections on all calls, based on 15 calls (7 won, 5 lost, 3 pending). A type counts once per call."
    assert everything[1:3] == ["type | calls | won | lost | pending | resolved on the call", "price | 10 | 4 | 4 | 2 | 6"]


async def test_win_rate_tool_states_the_rule_and_the_overall_rate(store):
    lines = (await invoke(analysis.win_rate_by_technique, store)).split("\n")
    assert lines[0].startswith("Win rate by technique = won ÷ (won + lost); pending calls")
    assert lines[1] == "Based on 15 calls (7 won, 5 lost, 3 pending); overall win rate 58% (7 of 12)."
    assert "good_better_best | 9 | 7 | 0 | 2 | 100% (7 of 7)" in lines
    assert "monthly_payment_reframe | 8 | 5 | 1 | 2 | 83% (5 of 6)" in lines
    assert "feel_felt_found | 3 | 0 | 3 | 0 | 0% (0 of 3)" in lines


async def test_deal_value_tool_totals_each_trade(store):
    lines = (await invoke(analysis.deal_value_by_trade, store, outcome="won")).split("\n")
    assert lines[0] == "Deal value by trade on won calls (contract amounts), based on 7 won calls (of 15 loaded)."
    assert lines[2] == "roofing | 3 | $55,780 | $18,593 | $17,550 | $20,150"
    assert lines[-1] == "all trades | 7 | $119,760 | $17,109 | $4,100 | $24,780"


async def test_quotes_tool_quotes_customers_with_call_ids(store):
    text = await invoke(analysis.objection_quotes, store, objection_type="price", outcome="lost", limit=2)
    lines = text.split("\n")
    assert lines[0] == "price objections on lost calls: 4 found among 5 lost calls (of 15 loaded); showing 2, newest call first."
    assert lines[1] == f"1. BWC-25-012 (lost, 2025-10-14, {sample('BWC-25-012')['rep']}), not resolved"
    price = next(o for o in sample("BWC-25-012")["objections"] if o["type"] == "price")
    assert lines[2] == f"   Customer: \"{price['quote']}\""
    assert lines[4].startswith("2. BWC-25-009 (lost, 2025-09-23, ") and len(lines) == 7
    assert await invoke(analysis.objection_quotes, store, objection_type="need", outcome="lost") == (
        "No need objections on lost calls, among 5 lost calls (of 15 loaded)."
    )


async def test_overview_tool_lists_lost_reasons_and_reps(store):
    text = await invoke(analysis.transcript_overview, store)
    assert text.startswith(
        "Call transcripts loaded: 15 calls (7 won, 5 lost, 3 pending) from 2025-08-04 to 2025-10-30; win rate 58% (7 of 12)"
    )
    assert "Lost reasons (5 lost calls): Price 2 ($53,740); Competitor 1 ($15,225);" in text
    assert "Dallas-Fort Worth | 8 | 5 | 2 | 1" in text and "Luis Ortega | 3 | 1 | 1 | 1" in text


async def test_tools_say_when_no_transcripts_are_loaded(engine):
    empty = TranscriptStore(engine)
    for tool in analysis.TOOLS:
        arguments = {"objection_type": "price"} if tool.name == "objection_quotes" else {}
        for transcripts in (None, empty):
            assert await invoke(tool, transcripts, **arguments) == analysis.NOT_LOADED
        assert tool.name in TOOL_STATUS


# --- Command line -------------------------------------------------------------------------------




@sqlite_only  # loading on PostgreSQL: the tests above
def test_transcripts_load_prints_counts_and_each_skipped_file(tmp_path, folder, database_url):
    write(folder, "BWC-25-777.json", b"{\"call_id\": ")
    env = {"HARDE_TRANSCRIPTS_URI": str(folder), "HARDE_DATA_DIR": str(tmp_path / "data"), "DATABASE_URL": database_url}

    first = hard_e("transcripts", "load", env=env, cwd=tmp_path)

    assert first.returncode == 0, first.stderr
    lines = first.stdout.splitlines()
    assert lines[0].startswith(f"Transcripts loaded from {folder} in ")
    assert lines[0].endswith(": 15 loaded, 0 unchanged, 0 removed, 1 skipped; 15 calls in total.")
    assert lines[1:] == [f"  skipped: {folder / 'BWC-25-777.json'}: not valid JSON (Expecting value at line 1, column 13)"]

    (folder / "BWC-25-015.json").unlink()
    second = hard_e("transcripts", "load", env=env, cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert ": 0 loaded, 14 unchanged, 1 removed, 1 skipped; 14 calls in total." in second.stdout
    assert "Traceback" not in first.stderr + second.stderr


def test_transcripts_load_without_a_usable_source_says_what_to_set(tmp_path):
    data = {"HARDE_DATA_DIR": str(tmp_path / "data")}
    unset = hard_e("transcripts", "load", env=data, cwd=tmp_path)
    assert unset.returncode == 1 and "Set HARDE_TRANSCRIPTS_URI" in unset.stderr

    missing = hard_e("transcripts", "load", env={**data, "HARDE_TRANSCRIPTS_URI": str(tmp_path / "nowhere")}, cwd=tmp_path)
    assert missing.returncode == 1
    assert f"Could not load transcripts from {tmp_path / 'nowhere'}: the folder does not exist" in missing.stderr

    wrong = hard_e("transcripts", "load", env={**data, "HARDE_TRANSCRIPTS_URI": "https://example.com/calls"}, cwd=tmp_path)
    assert wrong.returncode == 1 and "folder path or s3://bucket/prefix" in wrong.stderr
    assert "Traceback" not in unset.stderr + missing.stderr + wrong.stderr


async def test_in_slack_a_lost_deal_question_is_answered_from_the_loaded_counts(bot_factory, fake_slack, fake_openai):
    from hard_e.bot.scheduler import load_transcripts as scheduled_load
    from tests import slack_events as se
    bot = await bot_factory(HARDE_TRANSCRIPTS_URI=str(SAMPLES))
    await scheduled_load(bot.services)  # what `hard-e run` does in the background at start, and the clock every 15 min
    fake_openai.reply_tool_call("objections_by_outcome", {"outcome": "lost"})
    fake_openai.reply("Price: 4 of our 5 lost calls, and none of those price objections got resolved.")
    event = se.mention("what objections come up most in lost deals?")
    await bot.send_event(event)
    await bot.settle()

    assert "price | 4 of 5 | 0" in str(fake_openai.requests[1].body["input"])
    [reply] = fake_slack.messages(channel="C1", thread_ts=event["ts"])
    assert reply.text == "Price: 4 of our 5 lost calls, and none of those price objections got resolved."

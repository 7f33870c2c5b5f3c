"""Usage analytics: the queries on a known set of turn-log rows (SQLite and PostgreSQL), what a rep's Home
lists, the chart files per workspace, and the chart images themselves."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime, timedelta

import pytest
from PIL import Image
from sqlalchemy import insert

from hard_e.handlers.home import CHART_ORDER, HomeAnalytics, Links, build_home_view, usage_summary_text
from hard_e.integrations.charts import render_usage_charts
from hard_e.store.analytics import Analytics, ChartFile, percentile
from hard_e.store.models import Conversation, CrmPendingAction, TurnLog, TurnVote

NOW = datetime(2026, 12, 14, 15, 0, tzinfo=UTC)  # the window: Dec 1 to Dec 14 (UTC days)


def turn(at: datetime = NOW, *, team: str = "T1", flow: str | None = "direct", agent: str | None = None, outcome: str = "answered",
         total_ms: int | None = 1000, first_visible_ms: int | None = 300, cost: float = 0.0, tokens: tuple[int, int] = (0, 0),
         tools: list[str] | None = None, user: str = "U1") -> dict:  # fmt: skip
    """A turn-log row as the turn recorder writes it (never the question's text)."""
    return {
        "team_id": team, "user_id": user, "place": "im", "conversation_key": f"{team}:D1:dm", "answer_ts": None,
        "flow": flow, "agent": agent, "rule": None, "agents": [agent] if agent else [], "tools": tools, "models": ["gpt-4.1"],
        "input_tokens": tokens[0], "output_tokens": tokens[1], "cost_usd": cost, "first_token_ms": None,
        "first_visible_ms": first_visible_ms, "total_ms": total_ms, "outcome": outcome, "question": None, "created_at": at,
    }  # fmt: skip


KNOWN_TURNS = [
    # today, Dec 14
    turn(total_ms=1000, first_visible_ms=300, cost=0.01, tokens=(100, 20)),
    turn(flow="agents", agent="crm", total_ms=3000, first_visible_ms=800, cost=0.05, tokens=(900, 80), tools=["find_customer", "add_note"]),
    turn(NOW - timedelta(hours=14, minutes=59), flow="agents", agent="knowledge", outcome="error:timeout", total_ms=60000,
         first_visible_ms=None, tools=["search_knowledge"]),  # fmt: skip  (00:01 UTC, still today)
    # Dec 12
    turn(NOW - timedelta(days=2), flow="agents", agent="knowledge", total_ms=2000, first_visible_ms=500, cost=0.02,
         tools=["search_knowledge", "search_knowledge"]),  # fmt: skip
    turn(NOW - timedelta(days=2), flow=None, outcome="refused", total_ms=None, first_visible_ms=None),
    # Dec 1, the window's first instant
    turn(datetime(2026, 12, 1, tzinfo=UTC), total_ms=4000, first_visible_ms=900, cost=0.03, tokens=(1000, 100)),
    turn(datetime(2026, 12, 1, 8, tzinfo=UTC), flow=None, outcome="limited", total_ms=None, first_visible_ms=None),
]
OUTSIDE_TURNS = [
    turn(datetime(2026, 11, 30, 23, 59, 59, tzinfo=UTC), cost=5.0, tools=["search_knowledge"]),  # the day before the window
    turn(team="T2", cost=7.0, tools=["web_search"]),  # another workspace
]


async def add_turns(engine, rows: list[dict]) -> list[int]:
    ids = []
    async with engine.begin() as conn:
        for row in rows:
            ids.append((await conn.execute(insert(TurnLog).values(**row).returning(TurnLog.id))).scalar_one())
    return ids


async def add_votes(engine, votes: list[tuple[int, str, int]]) -> None:
    async with engine.begin() as conn:
        for turn_id, user, vote in votes:
            await conn.execute(insert(TurnVote).values(turn_id=turn_id, user_id=user, vote=vote, comment=None, voted_at=NOW))


async def add_known_usage(engine) -> None:
    """KNOWN_TURNS and OUTSIDE_TURNS, with votes: 👍👍 and 👎 inside the window, two outside it."""
    inside = await add_turns(engine, KNOWN_TURNS)
    outside = await add_turns(engine, OUTSIDE_TURNS)
    votes = [(inside[0], "U1", 1), (inside[0], "U2", 1), (inside[1], "U1", -1), (outside[0], "U1", 1), (outside[1], "U3", -1)]
    await add_votes(engine, votes)


def conversation(
    key: str, *, user: str = "U1", channel_type: str = "channel", updated_at: datetime = NOW, workflow: str | None = None
) -> dict:
    team, channel, thread = key.split(":")
    return {
        "key": key, "team_id": team, "channel_id": channel, "thread_ts": thread, "channel_type": channel_type, "user_id": user,
        "created_at": updated_at, "updated_at": updated_at, "active_workflow": workflow, "last_agent": None, "workflow_state": None,
    }  # fmt: skip


def pending_action(action_id: str, *, user: str = "U1", status: str = "pending", expires_at: datetime = NOW + timedelta(hours=20),
                   channel: str = "D1", message_ts: str | None = "1800000050.000100", key: str = "T1:D1:dm") -> dict:  # fmt: skip
    return {
        "id": action_id, "kind": "add_note", "payload": {"job_id": 4723}, "requested_by": user, "team_id": "T1",
        "conversation_key": key, "channel": channel, "message_ts": message_ts, "created_at": NOW - timedelta(hours=1),
        "expires_at": expires_at, "status": status,
    }  # fmt: skip


async def add_rep_activity(engine, now: datetime = NOW) -> None:
    """U1's conversations (a channel thread, the DM, a script draft, a console session), U2's, and U1's in
    another workspace; CRM confirmations pending, expired, done, and U2's."""
    rows = [
        conversation("T1:C1:1800000001.000100", updated_at=now - timedelta(minutes=5)),
        conversation("T1:D1:dm", channel_type="im", updated_at=now - timedelta(hours=1)),
        conversation("T1:D1:1800000002.000100", channel_type="im", updated_at=now - timedelta(hours=2), workflow="scripting"),
        conversation("console:console:cli-1", channel_type="console", updated_at=now),
        conversation("T1:C1:1800000003.000100", user="U2", updated_at=now, workflow="new_clients"),
        conversation("T2:C9:1800000004.000100", updated_at=now),
    ]
    rows[3]["team_id"] = "T1"  # a console session of U1's under the same team id: still not a Slack link
    actions = [
        pending_action("p-open", message_ts="1800000002.000900", key="T1:D1:1800000002.000100", expires_at=now + timedelta(hours=20)),
        pending_action("p-expired", expires_at=now - timedelta(minutes=1)),
        pending_action("p-done", status="done", expires_at=now + timedelta(hours=20)),
        pending_action("p-other", user="U2", expires_at=now + timedelta(hours=20)),
    ]
    async with engine.begin() as conn:
        await conn.execute(insert(Conversation), rows)
        await conn.execute(insert(CrmPendingAction), actions)


# -- the queries -------------------------------------------------------------------------------------


async def test_usage_summary_counts_the_known_turns(engine):
    await add_known_usage(engine)
    summary = await Analytics(engine).usage_summary("T1", now=NOW)

    assert summary.days == 14 and (summary.first_day, summary.last_day) == (date(2026, 12, 1), date(2026, 12, 14))
    per_day = {d.day: d.questions for d in summary.per_day}
    assert len(per_day) == 14 and list(per_day) == [date(2026, 12, 1) + timedelta(days=n) for n in range(14)]
    assert {d: n for d, n in per_day.items() if n} == {date(2026, 12, 1): 2, date(2026, 12, 12): 2, date(2026, 12, 14): 3}
    assert summary.questions == 7 and summary.today.questions == 3

    assert summary.mix == (("direct", 2), ("knowledge", 2), ("unrouted", 2), ("crm", 1))
    # Answered turns only: total 1000, 2000, 3000, 4000 ms; first visible 300, 500, 800, 900 ms (nearest rank).
    assert (summary.total_ms.p50, summary.total_ms.p95, summary.total_ms.count) == (2000, 4000, 4)
    assert (summary.first_visible_ms.p50, summary.first_visible_ms.p95) == (500, 900)
    assert (summary.errors, summary.refused, summary.limited) == (1, 1, 1)
    assert summary.error_rate == pytest.approx(1 / 7)
    assert (summary.votes_up, summary.votes_down) == (2, 1) and summary.thumbs_up_ratio == pytest.approx(2 / 3)
    # Turns that used each tool (a tool called twice in one turn counts once).
    assert summary.top_tools == (("search_knowledge", 2), ("add_note", 1), ("find_customer", 1))
    assert summary.cost_usd == pytest.approx(0.11) and summary.today.cost_usd == pytest.approx(0.06)
    assert {d.day: d.cost_usd for d in summary.per_day}[date(2026, 12, 12)] == pytest.approx(0.02)
    assert (summary.input_tokens, summary.output_tokens) == (2000, 200)
    assert summary.today.total_ms.p50 == 1000 and summary.per_day[1].total_ms.p50 is None


async def test_an_empty_workspace_has_zero_filled_days_and_no_ratios(engine):
    summary = await Analytics(engine).usage_summary("T1", now=NOW, days=7)
    assert [d.questions for d in summary.per_day] == [0] * 7
    assert summary.error_rate is None and summary.thumbs_up_ratio is None and summary.total_ms.p50 is None
    assert usage_summary_text(summary) == "No questions in the last 7 days."


def test_percentiles_are_nearest_rank():
    assert percentile(list(range(100, 0, -1)), 50) == 50 and percentile(list(range(1, 101)), 95) == 95
    assert percentile([7], 95) == 7 and percentile([], 50) is None
    assert percentile([10, 20, 30], 50) == 20 and percentile([10, 20, 30], 95) == 30


async def test_workspaces_with_turns_in_the_window(engine):
    await add_known_usage(engine)
    assert await Analytics(engine).teams_with_turns(now=NOW) == ["T1", "T2"]
    assert await Analytics(engine).teams_with_turns(now=NOW + timedelta(days=30)) == []


async def test_recent_for_a_rep_lists_only_their_own(engine):
    await add_rep_activity(engine)
    activity = await Analytics(engine).recent_for_user("T1", "U1", now=NOW)
    assert [c.key for c in activity.conversations] == ["T1:C1:1800000001.000100", "T1:D1:dm"]
    assert [(c.key, c.active_workflow) for c in activity.drafts] == [("T1:D1:1800000002.000100", "scripting")]
    assert [p.id for p in activity.pending] == ["p-open"]
    assert activity.pending[0].expires_at == NOW + timedelta(hours=20)
    other = await Analytics(engine).recent_for_user("T1", "U2", now=NOW)
    assert [c.key for c in other.drafts] == ["T1:C1:1800000003.000100"] and other.conversations == ()
    assert [p.id for p in other.pending] == ["p-other"]


async def test_recent_conversations_are_capped_newest_first(engine):
    rows = [conversation(f"T1:C1:18000000{n:02d}.000100", updated_at=NOW - timedelta(minutes=n)) for n in range(12)]
    async with engine.begin() as conn:
        await conn.execute(insert(Conversation), rows)
    activity = await Analytics(engine).recent_for_user("T1", "U1", limit=8, now=NOW)
    assert [c.key for c in activity.conversations] == [r["key"] for r in rows[:8]]


async def test_chart_files_are_replaced_per_workspace(engine):
    analytics = Analytics(engine)
    assert await analytics.chart_files("T1") == {}
    first = {name: f"F1{name.upper()}" for name in CHART_ORDER}
    assert await analytics.replace_chart_files("T1", first, at=NOW) == []
    await analytics.replace_chart_files("T2", {"questions": "F2Q"}, at=NOW)
    second = {**first, "questions": "FNEWQ", "spend": "FNEWS"}
    replaced = await analytics.replace_chart_files("T1", second, at=NOW + timedelta(days=1))
    assert sorted(replaced) == ["F1QUESTIONS", "F1SPEND"], "ids still in use are not given back for deletion"
    stored = await analytics.chart_files("T1")
    assert {n: c.file_id for n, c in stored.items()} == second
    assert stored["questions"].rendered_at == NOW + timedelta(days=1)
    assert {n: c.file_id for n, c in (await analytics.chart_files("T2")).items()} == {"questions": "F2Q"}


# -- the charts --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def charts():
    days = [date(2026, 12, 1) + timedelta(days=n) for n in range(14)]
    arguments = dict(
        days=days,
        questions=[2, 0, 0, 5, 9, 14, 3, 0, 1, 7, 8, 2, 0, 3],
        mix=[("direct", 30), ("knowledge", 12), ("crm", 6), ("scripting", 4), ("new_clients", 1), ("unrouted", 1)],
        spend_usd=[0.03, 0, 0, 0.4, 0.9, 1.2, 0.2, 0, 0.05, 0.7, 0.66, 0.1, 0, 0.06],
        p50_ms=[2000, None, None, 1800, 2100, 2500, 1900, None, 1500, 2000, 2200, 1700, None, 1000],
        p95_ms=[4000, None, None, 6000, 7000, 9500, 5000, None, 1500, 6100, 6500, 4000, None, 3000],
    )
    return render_usage_charts(**arguments), render_usage_charts(**arguments)


def test_charts_are_small_pngs_of_the_expected_size(charts):
    first, again = charts
    assert [c.name for c in first] == list(CHART_ORDER)
    for chart in first:
        image = Image.open(io.BytesIO(chart.png))
        assert image.format == "PNG" and image.size == (640, 280)
        image.verify()
        assert len(chart.png) < 100_000, f"{chart.name} is {len(chart.png)} bytes"
        assert chart.title and 0 < len(chart.alt_text) <= 2000
    assert [c.png for c in first] == [c.png for c in again], "the same data draws the same bytes"
    assert "Dec 06 14" in first[0].alt_text and "direct 30" in first[1].alt_text


# -- the view (pure) ---------------------------------------------------------------------------------


async def test_an_admins_home_fits_slack_limits_and_references_the_files(engine):
    await add_known_usage(engine)
    await add_rep_activity(engine)
    analytics = Analytics(engine)
    summary = await analytics.usage_summary("T1", now=NOW)
    activity = await analytics.recent_for_user("T1", "U1", now=NOW)
    files = {name: ChartFile(name, f"F{n}", NOW) for n, name in enumerate(CHART_ORDER)}
    view = build_home_view(
        model_ready=True, activity=activity, links=Links("T1", "https://acme.slack.com/"), analytics=HomeAnalytics(summary, files)
    )
    assert view["type"] == "home" and len(view["blocks"]) <= 100
    assert all(len(b.get("text", {}).get("text", "")) <= 3000 for b in view["blocks"])
    images = [b for b in view["blocks"] if b["type"] == "image"]
    assert [b["slack_file"] for b in images] == [{"id": f"F{n}"} for n in range(4)]
    assert all("image_url" not in b and b["alt_text"] for b in images)
    text = json.dumps(view)
    assert "*Questions:* 7" in text and "p50 2.0s" in text and "14.3%" in text and ":+1: 67%" in text and "$0.11" in text
    assert "https://acme.slack.com/archives/C1/p1800000001000100" in text  # the thread's root message
    assert "https://acme.slack.com/archives/D1|Open" in text  # the running DM: the conversation itself
    # The confirmation is a reply in a DM thread: its permalink opens the thread.
    assert "https://acme.slack.com/archives/D1/p1800000002000900?thread_ts=1800000002.000100&cid=D1" in text
    assert "Script draft" in text and "Add a CRM note" in text


def test_links_fall_back_to_the_documented_redirect_without_the_workspace_url():
    assert Links("T1").message("C1", "1.2") == "https://slack.com/app_redirect?channel=C1&team=T1"

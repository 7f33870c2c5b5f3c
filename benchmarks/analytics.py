"""How long do the App Home's usage analytics take at 1,000 recorded turns, on SQLite and PostgreSQL?

For each --database-url (default `sqlite`: a SQLite file in a temporary folder; a `postgresql://` URL is
used as an admin URL: a throwaway database is created on that server and dropped afterwards), on a
fresh, migrated database:
  record       --turns turn-log rows (default 1,000), one transaction each as turns are recorded,
               spread over the last 30 days (about half inside the 14-day window) across 20 reps,
               with a realistic route/agent mix, tools, latencies, costs and 3% errors; then votes
               on about a fifth of them, 60 conversations and 10 pending CRM confirmations
  summary      the usage query (Analytics.usage_summary: two queries, figures in Python)
  recent       a rep's recent conversations, drafts and pending confirmations (three queries)
  render       the four chart PNGs drawn by matplotlib (the first draw, which imports matplotlib,
               is reported on its own)
  home cached  the whole App Home for an admin with the charts already uploaded: the queries, the
               view, and views.publish to a local fake Slack (tests/fakes) — what opening the tab costs
  home redraw  Refresh: draw, upload (files.getUploadURLExternal, the POSTs, completeUploadExternal
               to the fake), check the files are processed (files.info), replace the stored ids,
               delete the old files, then the whole App Home as above
Each step after `record` runs --runs times (default 20) after one warm-up; p50/p95/max in ms.

Run from the repo root:
  .venv/bin/python benchmarks/analytics.py [--database-url URL ...] [--turns N] [--runs N] [--json]
  .venv/bin/python benchmarks/analytics.py --database-url sqlite --database-url postgresql://postgres@127.0.0.1:5432/test
A PostgreSQL URL names the server (and an account that may create databases): the turns go to a throwaway
database there, dropped afterwards. A server that does not answer is skipped with a message.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import random
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import insert
from sqlalchemy.engine import make_url

from benchmarks.databases import postgres_answers, throwaway_postgres
from hard_e.bot.config import Settings
from hard_e.handlers.home import Links, publish_home, refresh_team_charts
from hard_e.integrations.charts import Chart, render_usage_charts
from hard_e.store.analytics import Analytics
from hard_e.store.db import create_engine
from hard_e.store.migrate import upgrade
from hard_e.store.models import Conversation, CrmPendingAction, TurnLog, TurnVote, utcnow
from tests.fakes import FakeSlack

TEAM, ADMIN, TOKEN = "T1", "UADMIN", "xoxb-bench"
ROUTES = [("direct", None, 55), ("agents", "knowledge", 15), ("agents", "crm", 12), ("agents", "scripting", 6),
          ("agents", "new_clients", 4), ("agents", "web_search", 4), ("agents", "analysis", 3), ("agents", "triage", 1)]  # fmt: skip
TOOLS = {
    "knowledge": ["search_knowledge"], "crm": ["find_customer", "job_status", "add_note"], "scripting": ["update_script", "find_customer"],
    "new_clients": ["normalize_contact", "create_customer"], "web_search": ["web_search"], "analysis": ["transcript_stats"],
}  # fmt: skip


def turn_row(rng: random.Random, now: Any) -> dict[str, Any]:
    flow, agent, _ = rng.choices(ROUTES, weights=[w for *_, w in ROUTES])[0]
    roll = rng.random()
    outcome = "error:timeout" if roll < 0.03 else "refused" if roll < 0.04 else "limited" if roll < 0.05 else "answered"
    total = int(rng.lognormvariate(7.8 if flow == "direct" else 8.6, 0.5))  # ~2.4 s direct, ~5.4 s agents
    tools = rng.sample(TOOLS.get(agent or "", []), k=min(len(TOOLS.get(agent or "", [])), rng.randint(0, 2))) if agent else []
    tokens_in, tokens_out = rng.randint(800, 6000), rng.randint(80, 900)
    return {
        "team_id": TEAM, "user_id": f"U{rng.randint(1, 20):03d}", "place": rng.choice(["im", "channel", "slash"]),
        "conversation_key": f"{TEAM}:C1:{rng.randint(1, 400)}.000100", "answer_ts": None,
        "flow": None if outcome in ("refused", "limited") else flow, "agent": agent, "rule": None, "agents": [agent] if agent else [],
        "tools": tools, "models": ["gpt-4.1"], "input_tokens": tokens_in, "output_tokens": tokens_out,
        "cost_usd": round(tokens_in * 2e-6 + tokens_out * 8e-6, 6), "first_token_ms": int(total * 0.2),
        "first_visible_ms": int(total * 0.3), "total_ms": total, "outcome": outcome, "question": None,
        "created_at": now - timedelta(seconds=rng.uniform(0, 30 * 86400)),
    }  # fmt: skip


async def record(engine: Any, turns: int, rng: random.Random) -> list[float]:
    """The turns (one transaction each, as a turn is recorded), votes, conversations and confirmations;
    the per-turn insert times in ms."""
    now = utcnow()
    times, ids = [], []
    for _ in range(turns):
        started = time.perf_counter()
        async with engine.begin() as conn:
            ids.append((await conn.execute(insert(TurnLog).values(**turn_row(rng, now)).returning(TurnLog.id))).scalar_one())
        times.append((time.perf_counter() - started) * 1000)
    votes = [{"turn_id": i, "user_id": "U001", "vote": 1 if rng.random() < 0.8 else -1, "comment": None, "voted_at": now}
             for i in rng.sample(ids, k=turns // 5)]  # fmt: skip
    conversations = [
        {"key": f"{TEAM}:C{n % 7}:{1_800_000_000 + n}.000100", "team_id": TEAM, "channel_id": f"C{n % 7}",
         "thread_ts": f"{1_800_000_000 + n}.000100", "channel_type": "channel", "user_id": ADMIN if n % 3 == 0 else f"U{n % 20:03d}",
         "created_at": now, "updated_at": now - timedelta(minutes=n), "active_workflow": "scripting" if n % 10 == 0 else None,
         "last_agent": None, "workflow_state": None}
        for n in range(60)
    ]  # fmt: skip
    pending = [
        {"id": f"p{n}", "kind": "add_note", "payload": {}, "requested_by": ADMIN if n % 2 == 0 else "U001", "team_id": TEAM,
         "conversation_key": f"{TEAM}:D1:dm", "channel": "D1", "message_ts": f"{1_800_000_100 + n}.000100", "created_at": now,
         "expires_at": now + timedelta(hours=20 - n * 3), "status": "pending"}
        for n in range(10)
    ]  # fmt: skip
    async with engine.begin() as conn:
        await conn.execute(insert(TurnVote), votes)
        await conn.execute(insert(Conversation), conversations)
        await conn.execute(insert(CrmPendingAction), pending)
    return times


async def timed(runs: int, step: Callable[[], Awaitable[object]]) -> list[float]:
    await step()  # warm-up: connections, caches
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        await step()
        times.append((time.perf_counter() - started) * 1000)
    return times


def stats(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)

    def rank(p: float) -> float:
        return ordered[max(1, math.ceil(p / 100 * len(ordered))) - 1]

    return {"runs": len(ordered), "p50_ms": round(rank(50), 2), "p95_ms": round(rank(95), 2), "max_ms": round(ordered[-1], 2)}


class Unavailable(Exception):
    """A PostgreSQL server that does not answer: that backend is skipped."""


@asynccontextmanager
async def database(url: str) -> AsyncIterator[tuple[str, str]]:
    """(backend name, URL of the database) for `url`: "sqlite" is a temporary file, a SQLite URL that file
    (it should be new: the turns are added to it), a PostgreSQL URL a throwaway database on that server."""
    if url == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield "sqlite", f"sqlite+aiosqlite:///{Path(folder) / 'analytics.db'}"
        return
    if url.startswith("sqlite"):
        yield "sqlite", Settings.from_env({"DATABASE_URL": url}, dotenv=None).database_url
        return
    admin = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    if (problem := await postgres_answers(admin)) is not None:
        raise Unavailable(f"PostgreSQL at {make_url(url).render_as_string()} does not answer: {problem}")
    async with throwaway_postgres(admin) as fresh:
        yield "postgresql", fresh


async def bench(url: str, turns: int, runs: int, seed: int) -> dict[str, Any]:
    async with database(url) as (backend, fresh):
        engine = create_engine(fresh)
        try:
            await upgrade(engine)
            rng = random.Random(seed)
            results: dict[str, Any] = {"backend": backend, "turns": turns}
            results["record"] = stats(await record(engine, turns, rng))
            analytics = Analytics(engine)
            summary = await analytics.usage_summary(TEAM)
            results["window"] = {"questions": summary.questions, "votes": summary.votes_up + summary.votes_down}
            results["summary"] = stats(await timed(runs, lambda: analytics.usage_summary(TEAM)))
            results["recent"] = stats(await timed(runs, lambda: analytics.recent_for_user(TEAM, ADMIN)))

            def draw() -> list[Chart]:
                return render_usage_charts(
                    days=[d.day for d in summary.per_day], questions=[d.questions for d in summary.per_day], mix=summary.mix,
                    spend_usd=[d.cost_usd for d in summary.per_day], p50_ms=[d.total_ms.p50 for d in summary.per_day],
                    p95_ms=[d.total_ms.p95 for d in summary.per_day],
                )  # fmt: skip

            started = time.perf_counter()
            charts = await asyncio.to_thread(draw)
            results["render_first"] = round((time.perf_counter() - started) * 1000, 1)
            results["png_bytes"] = {chart.name: len(chart.png) for chart in charts}
            results["render"] = stats(await timed(runs, lambda: asyncio.to_thread(draw)))

            settings = Settings.from_env({"DATABASE_URL": fresh, "HARDE_ADMIN_USERS": ADMIN, "OPENAI_API_KEY": "sk-bench"}, dotenv=None)
            services: Any = SimpleNamespace(engine=engine, settings=settings)
            links = Links(TEAM, "https://bench.slack.com/")
            with FakeSlack(token=TOKEN, team_id=TEAM) as fake:
                client = AsyncWebClient(token=TOKEN, base_url=fake.url)
                await refresh_team_charts(client, services, TEAM)
                results["home_cached"] = stats(await timed(runs, lambda: publish_home(client, services, user=ADMIN, links=links)))

                async def redraw() -> None:
                    await refresh_team_charts(client, services, TEAM)
                    await publish_home(client, services, user=ADMIN, links=links, draw_missing=False)

                results["home_redraw"] = stats(await timed(runs, redraw))
                view = fake.home_view(ADMIN) or {}
                results["view_blocks"] = len(view.get("blocks", []))
                results["images"] = sum(1 for b in view.get("blocks", []) if b.get("type") == "image")
            return results
        finally:
            await engine.dispose()


def show(results: dict[str, Any]) -> None:
    print(f"\n{results['backend']}: {results['turns']:,} turns recorded, {results['window']['questions']:,} in the 14-day window, "
          f"{results['window']['votes']} votes on them")  # fmt: skip
    print(f"  {'step':<22}{'runs':>6}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}")
    labels = {"record": "record (per turn)", "summary": "usage summary query", "recent": "recent for a rep",
              "render": "render 4 charts", "home_cached": "App Home, charts cached", "home_redraw": "App Home, redrawn"}  # fmt: skip
    for key, label in labels.items():
        row = results[key]
        print(f"  {label:<22}{row['runs']:>6}{row['p50_ms']:>10.1f}{row['p95_ms']:>10.1f}{row['max_ms']:>10.1f}")
    sizes = ", ".join(f"{name} {size / 1024:.0f} KB" for name, size in results["png_bytes"].items())
    print(f"  first render (imports matplotlib): {results['render_first']:.0f} ms; PNGs: {sizes}")
    print(f"  admin's view: {results['view_blocks']} blocks, {results['images']} images")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    where = "`sqlite` (a temporary file; the default), a SQLite URL or a PostgreSQL admin URL; repeatable"
    parser.add_argument("--database-url", action="append", help=where)
    parser.add_argument("--turns", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    everything = []
    for url in args.database_url or ["sqlite"]:
        try:
            results = asyncio.run(bench(url, args.turns, args.runs, args.seed))
        except Unavailable as exc:
            print(f"\nskipped: {exc}", file=sys.stderr)
            continue
        everything.append(results)
        if not args.json:
            show(results)
    if args.json:
        print(json.dumps(everything, indent=2))

if __name__ == "__main__":
    main()

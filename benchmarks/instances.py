"""How many events a second do two Hard-E web processes answer together, against one?

The set-up of tests/test_many_instances.py, reused: the fake Slack and fake OpenAI servers (tests/fakes) in
threads of this process, a throwaway PostgreSQL database, and real child processes -- `hard-e run --http`
(HARDE_SCHEDULER=off, each its own 127.0.0.1 port) and one `hard-e clock`. Two layouts, each with fresh
fakes and a fresh database:
  2 web   two web processes, HARDE_SLACK_RATE_SHARE=0.5 each (together, one workspace's limits);
  1 web   one web process, HARDE_SLACK_RATE_SHARE=1.
The fake Slack enforces Slack's published rate limits (`FakeSlack.published_limits()`), for the workspace
as a whole, so both layouts live within the same limits; calls over them get HTTP 429 (counted). With
--unlimited it enforces none, and every process gets the whole of Hard-E's own budgets (share 1, and
HARDE_SLACK_EDITS_PER_MINUTE=10000): what the processes themselves can do, Slack aside.

Workload. N signed `app_mention` events (--events, default 200), each starting its own thread, each in a
channel of its own (many reps, each in a DM or channel of theirs) or spread over --channels channels (Slack
allows about one message a second per channel, and each process keeps to its HARDE_SLACK_RATE_SHARE of
that), sent to the web processes in turn with at most --concurrency POSTs in flight (default 50): a burst. Each takes the direct
flow (knowledge-base passages, one streamed model call); the fake model answers at once with one short
sentence in --chunk-size pieces. Before measuring, 2 mentions per web process go through the whole flow
(imports, pools and Bolt's auth.test warm), and the fake Slack's rate counting starts afresh.

Figures:
  events/s   N / (first event sent → last thread showing its final answer).
  latency    per event, sent → the first accepted Slack call (chat.postMessage or chat.update) after which
             a message in its thread reads exactly the final answer (p50 / p99 / max, ms).
  ack        the event POST's HTTP round trip (p50 / p99, ms; Slack retries after 3 s).
  per web    turns each web process answered (its /metrics), and the CPU seconds each child used during
             the measured burst (this machine's core count bounds what a second process can add).

Run from the repository root (about a minute with the defaults):
  .venv/bin/python benchmarks/instances.py [--events 200] [--channels N] [--concurrency 50]
      [--unlimited] [--postgres-url URL] [--layouts 2,1] [--json]
--postgres-url defaults to HARDE_TEST_POSTGRES_URL, else postgresql://postgres@127.0.0.1:5432/test.
Exits 1 when an event got no answer within --timeout seconds, or a thread shows the answer twice.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp

from benchmarks.databases import postgres_answers, throwaway_postgres
from benchmarks.stream_latency import percentile
from tests import slack_events as se
from tests.conftest import BOT_TOKEN
from tests.fakes import FakeOpenAI, FakeSlack
from tests.test_many_instances import Fleet, Process, counter, deliver, fleet_env

ANSWER = "Lead with the inspection, then the warranty; book the follow-up before you leave."
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"


@dataclass
class Result:
    layout: str
    events: int
    seconds: float  # first sent → last final answer visible
    events_per_second: float
    latency_ms: dict[str, float]
    ack_ms: dict[str, float]
    answered_by: list[int]  # turns per web process
    cpu_seconds: dict[str, float]  # per child process (and this one, running the fakes), during the burst
    ratelimited: int  # Slack calls the fake answered with 429
    model_requests: int
    unanswered: int
    extra_replies: int  # threads showing the answer more than once


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def summary(values: list[float]) -> dict[str, float]:
    ms = [v * 1000 for v in values] or [0.0]
    return {"p50": round(percentile(ms, 0.5), 1), "p99": round(percentile(ms, 0.99), 1), "max": round(max(ms), 1)}


def final_shown(fake_slack: FakeSlack) -> dict[tuple[str, str], float]:
    """(channel, thread ts) → when Slack first received a call leaving a message of that thread reading ANSWER."""
    shown: dict[tuple[str, str], float] = {}
    for call in fake_slack.calls:
        if not call.ok or call.method not in ("chat.postMessage", "chat.update") or call.params.get("text") != ANSWER:
            continue
        channel = str(call.params.get("channel"))
        if call.method == "chat.postMessage":
            thread = call.params.get("thread_ts")
        else:
            thread = fake_slack.message(channel, str(call.params.get("ts"))).thread_ts
        if thread:
            shown.setdefault((channel, str(thread)), call.at)
    return shown


async def warm_up(http: aiohttp.ClientSession, webs: list[Process], fake_slack: FakeSlack) -> None:
    events = [(web, se.mention("warm-up: any tips for a first visit?", channel=f"CW{n}")) for n, web in enumerate(webs * 2)]
    for web, event in events:
        assert await deliver(http, web, se.envelope(event)) == 200
    deadline = time.monotonic() + 60
    while len(final_shown(fake_slack)) < len(events):
        if time.monotonic() > deadline:
            raise SystemExit("error: the warm-up mentions got no answer within 60 s")
        await asyncio.sleep(0.05)


async def burst(args: argparse.Namespace, layout: str, webs: list[Process], fleet: Fleet, fake_slack, fake_openai) -> Result:
    channels = args.channels or args.events
    events = [se.mention(f"question {n}: how should I open a door knock?", channel=f"C{n % channels:04d}") for n in range(args.events)]
    sent: dict[tuple[str, str], float] = {}
    acks: list[float] = []
    gate = asyncio.Semaphore(args.concurrency)
    children = {p.name: p.proc.pid for p in fleet.processes if p.running}
    cpu_before = {name: cpu_seconds(pid) for name, pid in children.items()} | {"fakes + this": time.process_time()}
    requests_before = len(fake_openai.requests)

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=args.concurrency, keepalive_timeout=2)) as http:

        async def send(n: int, event: dict) -> None:
            async with gate:
                sent[(event["channel"], event["ts"])] = started = time.monotonic()
                status = await deliver(http, webs[n % len(webs)], se.envelope(event))
                acks.append(time.monotonic() - started)
                if status != 200:
                    raise SystemExit(f"error: an event was answered with HTTP {status}")

        first_sent = time.monotonic()
        await asyncio.gather(*(send(n, event) for n, event in enumerate(events)))
        deadline = time.monotonic() + args.timeout
        while True:
            shown = {key: at for key, at in final_shown(fake_slack).items() if key in sent}
            if len(shown) == len(sent) or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.05)
        cpu_after = {name: cpu_seconds(pid) for name, pid in children.items()} | {"fakes + this": time.process_time()}
        answered_by = [int(await counter(http, web, "harde_slack_events", outcome="answered")) - 2 for web in webs]  # less the warm-up's

    latencies = [shown[key] - sent[key] for key in shown]
    seconds = (max(shown.values()) - first_sent) if shown else float("inf")
    # Stale messages an answer posted anew replaces wait for chat.delete's budget; two answers are a fault.
    extra = sum(sum(m.text == ANSWER for m in fake_slack.messages(channel=channel, thread_ts=ts)) > 1 for channel, ts in shown)
    return Result(
        layout=layout,
        events=args.events,
        seconds=round(seconds, 2),
        events_per_second=round(len(shown) / seconds, 1) if shown else 0.0,
        latency_ms=summary(latencies),
        ack_ms=summary(acks),
        answered_by=answered_by,
        cpu_seconds={name: round(cpu_after[name] - cpu_before[name], 1) for name in cpu_before},
        ratelimited=fake_slack.ratelimited_count,
        model_requests=len(fake_openai.requests) - requests_before,
        unanswered=len(sent) - len(shown),
        extra_replies=extra,
    )


async def run_layout(args: argparse.Namespace, web_count: int) -> Result:
    layout = f"{web_count} web + clock"
    with (
        FakeSlack(token=BOT_TOKEN, team_id=se.TEAM, bot_user_id=se.BOT_USER) as fake_slack,
        FakeOpenAI(api_key="sk-test") as fake_openai,
        tempfile.TemporaryDirectory(prefix="hard-e-instances-") as workdir,
    ):
        if not args.unlimited:
            fake_slack.published_limits()
        fake_openai.default_reply, fake_openai.default_chunk_size = ANSWER, args.chunk_size
        async with throwaway_postgres(args.postgres_url) as database_url:
            budgets = {"HARDE_SLACK_RATE_SHARE": str(round(1 / web_count, 3))}
            if args.unlimited:
                budgets = {"HARDE_SLACK_RATE_SHARE": "1", "HARDE_SLACK_EDITS_PER_MINUTE": "10000", "HARDE_SLACK_EDIT_BURST": "1000"}
            fleet = Fleet(Path(workdir), fleet_env(fake_slack, fake_openai, database_url, Path(workdir), **budgets))
            try:
                started = time.monotonic()
                *webs, _ = await asyncio.gather(*(fleet.web(f"web-{n + 1}") for n in range(web_count)), fleet.clock("clock"))
                print(f"  {layout}: processes up in {time.monotonic() - started:.1f} s", file=sys.stderr)
                async with aiohttp.ClientSession() as http:
                    await warm_up(http, webs, fake_slack)
                if not args.unlimited:
                    fake_slack.published_limits()  # count the burst's minute afresh
                return await burst(args, layout, webs, fleet, fake_slack, fake_openai)
            finally:
                await fleet.close()


def table(results: list[Result]) -> str:
    lines = [f"{'layout':<16}{'events/s':>9}{'seconds':>9}  {'latency p50 / p99 / max ms':>28}  {'ack p50 / p99 ms':>17}  429s  turns"]
    for r in results:
        latency = f"{r.latency_ms['p50']:,.0f} / {r.latency_ms['p99']:,.0f} / {r.latency_ms['max']:,.0f}"
        ack = f"{r.ack_ms['p50']:,.0f} / {r.ack_ms['p99']:,.0f}"
        lines.append(
            f"{r.layout:<16}{r.events_per_second:>9.1f}{r.seconds:>9.2f}  {latency:>28}  {ack:>17}  {r.ratelimited:>4}  {r.answered_by}"
        )
    lines.append("\nCPU seconds used during the burst:")
    lines += [f"  {r.layout}: " + ", ".join(f"{name} {seconds}" for name, seconds in r.cpu_seconds.items()) for r in results]
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=200, help="mentions in the burst (default 200)")
    parser.add_argument("--channels", type=int, default=0, help="channels they are spread over (default: one per event)")
    parser.add_argument("--concurrency", type=int, default=50, help="event POSTs in flight at most (default 50)")
    parser.add_argument("--chunk-size", type=int, default=16, help="characters per streamed model delta (default 16)")
    parser.add_argument("--layouts", default="2,1", help="web process counts to run, in order (default 2,1)")
    parser.add_argument("--unlimited", action="store_true", help="no Slack rate limits, whole budgets for every process")
    parser.add_argument("--postgres-url", default=os.environ.get("HARDE_TEST_POSTGRES_URL") or DEFAULT_POSTGRES)
    parser.add_argument("--timeout", type=float, default=180.0, help="seconds to wait for every answer (default 180)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    return parser.parse_args(argv)


async def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if (problem := await postgres_answers(args.postgres_url)) is not None:
        print(f"error: PostgreSQL at --postgres-url does not answer: {problem}", file=sys.stderr)
        return 1
    print("$ " + " ".join(["python", "benchmarks/instances.py", *(argv if argv is not None else sys.argv[1:])]))
    limits = "no Slack rate limits" if args.unlimited else "the fake Slack enforcing Slack's published limits"
    print(
        f"{args.events} mentions over {args.channels or args.events} channels, at most {args.concurrency} POSTs in flight; direct "
        f"flow, the fake model answering at once; PostgreSQL; {limits}; {os.cpu_count()} CPUs"
    )
    results = [await run_layout(args, int(count)) for count in args.layouts.split(",")]
    print(json.dumps([asdict(r) for r in results], indent=2) if args.json else table(results))
    bad = [r for r in results if r.unanswered or r.extra_replies]
    for r in bad:
        problem = f"{r.unanswered} event(s) unanswered, {r.extra_replies} thread(s) answered more than once"
        print(f"error: {r.layout}: {problem}", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))

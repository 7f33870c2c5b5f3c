"""How fast do streamed answers reach Slack when many people mention Hard-E at once?

Starts the fake Slack and fake OpenAI servers (tests/fakes) and Hard-E in HTTP mode on
127.0.0.1, exactly as the end-to-end tests do, with a temporary SQLite database unless
--database-url is given. The fake model streams one fixed answer (--chars characters of
plain prose, --chunk-size characters every --token-interval seconds: by default 1,600
characters, 4 characters every 20 ms = 200 characters/s, about 8 s of streaming). N signed
`app_mention` events, each in its own channel, are POSTed concurrently; the script waits
until every reply shows the whole answer (or nothing can change any more), then reads the
fakes' records. The fakes run in threads of this process, so their time.monotonic() stamps
compare with ours.

The fake Slack enforces Slack's Tier-3 limit on chat.update in every run (a token bucket of
--tier3-burst calls refilled at --tier3-per-minute; default 20 and 50/min, 0 turns it off)
and answers calls over it with HTTP 429 + Retry-After. Hard-E's own edit budget is left at
its defaults (HARDE_SLACK_EDITS_PER_MINUTE=50, HARDE_SLACK_EDIT_BURST=20).

Modes:
  Hard-E (default)  the project's own Slack sink (EditStream and its workspace rate budget).
  --naive           a comparison sink defined here and patched into Services.sink for
                    the run: the same "_Thinking…_" placeholder via chat.postMessage, then a
                    plain client.chat_update with the full text every 20 text deltas, awaited
                    inline; no budget, no pacing, errors are counted and ignored; the final
                    answer is one chat.update with no retry.
  --matrix          both modes at 1, 10 and 30 concurrent streams (--levels), each run with
                    fresh fakes and a fresh temporary database, printed as one table with the
                    goals checked underneath.

Before the events go out, the script makes one Agents SDK session on Hard-E's engine: the SDK
registers an engine listener when its first session is made, and doing that while turns open
pool connections can lose turns ("deque mutated during iteration"). --cold-start skips this.

A Hard-E reply counts as complete once its thread shows exactly the expected final text;
the wait ends when all are complete, or when no turn is in flight any more, or after
--timeout. A naive run also stops --grace seconds after the last model stream ended, since
some of its replies never complete.

Figures, per reply (p50 / p99 / max, in milliseconds):
  ack                 HTTP round trip of the event POST (Slack retries after 3 s).
  event→placeholder   from sending the event to Slack receiving the "Thinking…" post.
  token→visible       from the model writing its first token to Slack accepting the first
                      call that shows answer text (not the placeholder).
  model done→final    ("completion lag") from the model ending its stream to Slack accepting
                      the call that carries the complete answer. Replies whose thread never
                      ends up showing the exact answer are counted as incomplete and left out.
  event→final         from sending the event to that same call (the whole turn).
Totals: Slack Web API calls per reply (auth.test excluded), chat.update calls per reply (all
attempts, including those answered 429), calls answered 429 by the fake Slack, replies whose
final text is exact, the wall time of the run (first event sent → end of the wait), and the
peak RSS of this process -- which also hosts both fakes, so it is an upper bound for Hard-E.

Run from the repo root:
  .venv/bin/python benchmarks/stream_latency.py [--mentions N] [--naive] [--chars C]
      [--chunk-size K] [--token-interval S] [--tier3-per-minute R] [--tier3-burst B]
      [--database-url URL] [--timeout S] [--grace S] [--hard-e-env NAME=VALUE]... [--cold-start] [--json]
  .venv/bin/python benchmarks/stream_latency.py --matrix [--levels 1,10,30] [...] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import resource
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from slack_sdk.errors import SlackApiError
from sqlalchemy.engine import make_url

from hard_e.agents.events import Event, Failed, Final, TextDelta, Thinking
from hard_e.agents.history import History
from hard_e.bot.formatting import markdown_to_mrkdwn
from hard_e.bot.services import Services
from hard_e.bot.slack_sink import Where
from hard_e.bot.streaming import PIECE_LIMIT, PLACEHOLDER
from tests import slack_events as se
from tests.conftest import BOT_TOKEN, bot_env, start_bot
from tests.fakes import FakeOpenAI, FakeSlack

PROSE = (
    "Start with the homeowner, not the roof. Ask what made them call today and listen for the real "
    "worry behind the question, because a leak over the nursery is a different conversation from a "
    "few missing shingles on the garage. Walk the property with them and take photos on their phone "
    "as well as yours, so the evidence is already in their hands when the adjuster calls. Explain "
    "what you see in plain words and point at it. When you talk about price, anchor on the full "
    "replacement first and then show the repair option, so the choice feels like theirs and not a "
    "pitch. If the insurance claim is still open, do not guess at coverage; offer to meet the "
    "adjuster on site and write down the date before you leave. Financing belongs in the same "
    "breath as the estimate, because most families decide on the monthly payment rather than on the "
    "total. Before you pull out of the driveway, agree on one next step with a day and a time, "
    "send a short text that repeats it, and put a reminder in the calendar. Follow up the next "
    "morning with the photos and a two line summary. Homeowners rarely say no to a roofer who "
    "shows up when promised, keeps every promise small, and makes the next step easy to say yes to."
)
METRICS = {
    "ack": "ack (event POST round trip)",
    "placeholder": "event → placeholder",
    "first_visible": "first token → first visible text",
    "completion_lag": "model done → final answer",
    "turn": "event → final answer",
}
HARD_E, NAIVE = "Hard-E", "naive"
NAIVE_EDIT_EVERY = 20  # text deltas ("tokens") between the naive sink's edits
GOAL_NO_429_AT = 30
GOAL_LAG_AT, GOAL_LAG_P99_S = 10, 2.0

log = logging.getLogger("benchmark.naive")


# -- the naive comparison sink -----------------------------------------------------------------


@dataclass
class NaiveStats:
    edits: int = 0
    edit_errors: int = 0
    final_errors: int = 0


class NaiveSink:
    """What a first attempt at streaming into Slack looks like: edit the placeholder with the whole
    text every NAIVE_EDIT_EVERY deltas, inline, with no budget and no pacing; one final edit, no retry."""

    def __init__(self, client, where: Where, stats: NaiveStats) -> None:
        self._client = client
        self._where = where
        self._stats = stats
        self._ts: str | None = None
        self._text = ""
        self._deltas = 0

    async def send(self, event: Event) -> None:
        if isinstance(event, Thinking):
            try:
                response = await self._client.chat_postMessage(
                    channel=self._where.channel, thread_ts=self._where.thread_ts, text=PLACEHOLDER)
                self._ts = response["ts"]
            except SlackApiError as exc:
                log.warning("naive placeholder failed: %s", exc.response.get("error"))
        elif isinstance(event, TextDelta):
            self._text += event.text
            self._deltas += 1
            if self._deltas % NAIVE_EDIT_EVERY == 0:
                await self._show(markdown_to_mrkdwn(self._text), final=False)
        elif isinstance(event, Final):
            await self._show(markdown_to_mrkdwn(event.text), final=True)
        elif isinstance(event, Failed):
            await self._show(f":warning: {event.message}", final=True)

    async def _show(self, text: str, *, final: bool) -> None:
        try:
            if self._ts is None:
                if final:  # no placeholder to edit: post the answer instead
                    await self._client.chat_postMessage(
                        channel=self._where.channel, thread_ts=self._where.thread_ts, text=text)
                return
            self._stats.edits += 1
            await self._client.chat_update(channel=self._where.channel, ts=self._ts, text=text)
        except SlackApiError as exc:
            if final:
                self._stats.final_errors += 1
            else:
                self._stats.edit_errors += 1
            log.debug("naive %s edit failed: %s", "final" if final else "progress", exc.response.get("error"))


@contextlib.contextmanager
def naive_sinks(stats: NaiveStats):
    """Give every turn the naive sink instead of Hard-E's, for the run."""
    original = Services.sink
    Services.sink = lambda self, client, turn: NaiveSink(client, Where.for_turn(turn), stats)  # type: ignore[method-assign]
    try:
        yield
    finally:
        Services.sink = original  # type: ignore[method-assign]


# -- running --------------------------------------------------------------------------------------


def answer_of(chars: int) -> str:
    """About `chars` characters of prose, cut at a word boundary."""
    text = "\n\n".join([PROSE] * (chars // len(PROSE) + 1))[: chars + 1]
    return text.rsplit(" ", 1)[0].rstrip() if len(text) > chars else text


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


async def send(bot, event: dict) -> tuple[float, float, int]:
    """(sent at, ack seconds, HTTP status) of one event POST."""
    start = time.monotonic()
    response = await bot.send_event(event)
    return start, time.monotonic() - start, response.status


def last_text(slack: FakeSlack, event: dict) -> str | None:
    msgs = slack.messages(channel=event["channel"], thread_ts=event["ts"])
    return msgs[-1].text if msgs else None


async def wait_until_done(args, mode: str, bot, slack: FakeSlack, model: FakeOpenAI, events, expected: str,
                          started: float) -> str:
    """Poll until nothing more can be learnt; returns why the wait ended. Bounded by --timeout."""
    deadline = started + args.timeout
    while True:
        await asyncio.sleep(0.05)
        now = time.monotonic()
        if all(last_text(slack, e) == expected for e in events):
            return "all complete"
        streams = model.streams
        ended = [s.finished_at for s in streams if s.finished_at is not None]
        streams_done = len(ended) >= len(events)
        # A turn lost before it started (no model stream) must not hold the wait: once every turn
        # that did start has ended and a few seconds have passed, nothing more will happen.
        if (streams_done or now - started >= 3.0) and len(ended) == len(streams) \
                and bot.services.idle:
            return "no turn in flight"
        if mode == NAIVE and streams_done and now >= max(ended) + args.grace:
            return f"grace period ({args.grace:g} s after the last model stream)"
        if now >= deadline:
            return f"timeout ({args.timeout:g} s)"


async def run(args: argparse.Namespace, mode: str, mentions: int) -> dict:
    answer = answer_of(args.chars)
    expected = markdown_to_mrkdwn(answer)  # what Slack shows; identical for plain prose
    if len(expected) > PIECE_LIMIT:
        raise SystemExit(f"error: --chars must keep the answer in one Slack message (≤ {PIECE_LIMIT} characters)")
    fake_slack = FakeSlack(token=BOT_TOKEN, team_id=se.TEAM, bot_user_id=se.BOT_USER)
    fake_model = FakeOpenAI(api_key="sk-test")
    stats = NaiveStats()
    with tempfile.TemporaryDirectory(prefix="hard-e-bench-") as tmp, fake_slack as slack, fake_model as model:
        model.default_reply, model.default_chunk_size = answer, args.chunk_size
        model.default_delay = args.token_interval
        if args.tier3_per_minute > 0:
            slack.set_rate_limit("chat.update", per_minute=args.tier3_per_minute, burst=args.tier3_burst)
        database_url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        bot = await start_bot(bot_env(slack, model, database_url, Path(tmp), **dict(args.hard_e_env)))
        if not args.cold_start:
            # The Agents SDK adds a "connect" listener to the engine when its first session is made;
            # done while other turns open pool connections, that races ("deque mutated during
            # iteration", the turn is lost). Make that first session now, outside the measurement.
            History(bot.services.engine).session("bench-warm-up")
        settings = bot.services.settings
        budget = (settings.slack_edits_per_minute, settings.slack_edit_burst, settings.slack_rate_share)
        try:
            with naive_sinks(stats) if mode == NAIVE else contextlib.nullcontext():
                base = int(time.time())  # fresh message ts per run, so a reused database has no duplicates
                events = [
                    se.mention(f"[bench-{i:03d}] How do I turn a storm inspection into a signed job?",
                               channel=f"CBENCH{i:04d}", ts=f"{base}.{i:06d}")
                    for i in range(mentions)
                ]
                started = time.monotonic()
                sends = await asyncio.gather(*(send(bot, event) for event in events))
                if bad := [status for _, _, status in sends if status != 200]:
                    raise SystemExit(f"error: {len(bad)} event POST(s) were not acknowledged with 200: {bad[:5]}")
                ended_by = await wait_until_done(args, mode, bot, slack, model, events, expected, started)
                wall = time.monotonic() - started
                # What Slack and the model had seen when the wait ended; shutting down may add more.
                seen = Seen(slack.calls, [last_text(slack, e) for e in events], model.requests, model.streams)
        finally:
            await bot.stop()  # lets turns still in flight finish (Services.drain), then cancels them
        result = measure(args, mode, seen, events, sends, expected, database_url)
        result["wall_s"] = round(wall, 2)
        result["wait_ended_by"] = ended_by
        result["parameters"]["hard_e_budget"] = {"per_minute": budget[0], "burst": budget[1], "share": budget[2]}
        if mode == NAIVE:
            result["naive"] = {"edits": stats.edits, "edit_errors": stats.edit_errors, "final_errors": stats.final_errors}
        return result


def _describe(text: str | None) -> str:
    return "no reply" if text is None else "placeholder" if text == PLACEHOLDER else f"{len(text)} chars shown"


@dataclass(frozen=True)
class Seen:
    calls: list  # the fake Slack's Call records
    finals: list[str | None]  # what each thread's last message showed, per event
    requests: list  # the fake model's Req records
    streams: list  # ... and its StreamRecords


def measure(args, mode: str, seen: Seen, events, sends, expected: str, database_url: str) -> dict:
    calls, finals = seen.calls, seen.finals
    # Requests and stream records are appended together, in the same order, by the fake.
    streamed = [r for r in seen.requests if r.body.get("stream")]
    by_marker = {}
    # Not strict: a streamed request the fake failed or stalled has no stream record.
    for req, stream in zip(streamed, seen.streams, strict=False):
        body = json.dumps(req.body)
        for i in range(len(events)):
            if f"[bench-{i:03d}]" in body and not stream.aborted:
                by_marker[i] = stream  # a retried request replaces an earlier one
    samples: dict[str, list[float]] = {key: [] for key in METRICS}
    edits, ok_edits, stuck = [], [], []
    never_visible = lost = 0
    for i, (event, (sent_at, ack, _)) in enumerate(zip(events, sends, strict=True)):
        mine = [c for c in calls if c.params.get("channel") == event["channel"]]
        shown = [c for c in mine if c.ok and c.method in ("chat.postMessage", "chat.update")]
        edits.append(sum(1 for c in mine if c.method == "chat.update"))
        ok_edits.append(sum(1 for c in mine if c.method == "chat.update" and c.ok))
        samples["ack"].append(ack)
        placeholder = next((c for c in shown if c.params.get("text") == PLACEHOLDER), None)
        if placeholder is not None:
            samples["placeholder"].append(placeholder.at - sent_at)
        stream = by_marker.get(i)
        if stream is None or stream.first_delta_at is None or stream.finished_at is None:
            # The turn never reached the model (or the stream broke): nothing to time against.
            lost += 1
            stuck.append(f"{event['channel']}: {_describe(finals[i])}, no completed model stream")
            continue
        visible = next((c for c in shown if c.params.get("text") not in (None, PLACEHOLDER)), None)
        if visible is None:
            never_visible += 1
        else:
            samples["first_visible"].append(visible.at - stream.first_delta_at)
        final = next((c for c in shown if c.params.get("text") == expected), None)
        if finals[i] != expected or final is None:
            stuck.append(f"{event['channel']}: {_describe(finals[i])}")
            continue
        samples["completion_lag"].append(final.at - stream.finished_at)
        samples["turn"].append(final.at - sent_at)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, bytes on macOS
    url = make_url(database_url)

    def stats(values: list[float]) -> dict | None:
        if not values:
            return None
        return {q: round(1000 * f(values), 1) for q, f in
                (("p50", lambda v: percentile(v, 0.5)), ("p99", lambda v: percentile(v, 0.99)), ("max", max))}

    n = len(events)
    return {
        "mode": mode,
        "parameters": {
            "mentions": n, "answer_chars": len(expected), "chunk_size": args.chunk_size,
            "token_interval_s": args.token_interval,
            "tier3_chat_update": ({"per_minute": args.tier3_per_minute, "burst": args.tier3_burst}
                                  if args.tier3_per_minute > 0 else None),
            "database": "sqlite (temporary)" if not args.database_url else url.render_as_string(hide_password=True),
        },
        "latency_ms": {key: stats(values) for key, values in samples.items()},
        "complete": len(samples["completion_lag"]),
        "incomplete": stuck,
        "never_visible": never_visible,
        "lost_turns": lost,
        "slack_calls_per_reply": round(sum(1 for c in calls if c.method != "auth.test") / n, 2),
        "edits_per_reply": {"mean": round(sum(edits) / n, 2), "max": max(edits), "ok_mean": round(sum(ok_edits) / n, 2)},
        "ratelimited_answers": sum(1 for c in calls if c.status == 429),
        "peak_rss_mib": round(rss / (1024 * 1024 if sys.platform == "darwin" else 1024), 1),
    }


# -- printing ---------------------------------------------------------------------------------------


def describe_parameters(p: dict) -> str:
    stream_s = -(-p["answer_chars"] // p["chunk_size"]) * p["token_interval_s"]
    tier3 = p["tier3_chat_update"]
    limit = f"chat.update limited to {tier3['per_minute']:g}/min burst {tier3['burst']}" if tier3 else "no Slack rate limit"
    b = p["hard_e_budget"]
    share = f" × share {b['share']:g}" if b["share"] != 1 else ""
    return (f"{p['answer_chars']}-char answer, {p['chunk_size']} chars every {p['token_interval_s'] * 1000:g} ms "
            f"(~{stream_s:.1f} s of streaming) · fake Slack: {limit} · Hard-E budget {b['per_minute']:g}/min "
            f"burst {b['burst']}{share} · database {p['database']}")


def print_single(result: dict) -> None:
    p = result["parameters"]
    print(f"{p['mentions']} concurrent mentions, {result['mode']} sink · {describe_parameters(p)}")
    print(f"{'metric':<34}{'p50':>9}{'p99':>9}{'max':>9}  (ms)")
    for key, label in METRICS.items():
        row = result["latency_ms"][key]
        if row is None:
            print(f"{label:<34}{'—':>9}{'—':>9}{'—':>9}")
        else:
            print(f"{label:<34}{row['p50']:>9.1f}{row['p99']:>9.1f}{row['max']:>9.1f}")
    e = result["edits_per_reply"]
    print(f"Slack calls per reply {result['slack_calls_per_reply']:g} · chat.update per reply {e['mean']:g} "
          f"(max {e['max']}, {e['ok_mean']:g} accepted) · 429 answers {result['ratelimited_answers']} · "
          f"exact final {result['complete']}/{p['mentions']} · wall {result['wall_s']:.1f} s · "
          f"peak RSS {result['peak_rss_mib']:g} MiB")
    print_incomplete([result])


def _pair(stats: dict | None, key: str = "p50", other: str = "p99") -> str:
    if stats is None:
        return "—"
    return f"{stats[key]:,.0f} / {stats[other]:,.0f}"


def print_matrix(results: list[dict]) -> None:
    print(describe_parameters(results[0]["parameters"]))
    head = (f"{'streams':>7}  {'mode':<7}{'429s':>6}{'edits/reply':>13}{'exact':>8}"
            f"{'first visible ms':>20}{'completion lag ms':>21}{'wall s':>8}")
    print(head)
    print(f"{'':>7}  {'':<7}{'':>6}{'(accepted)':>13}{'':>8}{'p50 / p99':>20}{'p50 / p99':>21}")
    print("-" * len(head))
    notes = []
    for r in results:
        n = r["parameters"]["mentions"]
        e = r["edits_per_reply"]
        edits = f"{e['mean']:.1f} ({e['ok_mean']:.1f})"
        lag = _pair(r["latency_ms"]["completion_lag"])
        if r["incomplete"]:
            lag += " *"
            notes.append(f"* {r['mode']} at {n}: {len(r['incomplete'])} of {n} replies never showed the exact final "
                         f"text; completion lag is over the {r['complete']} that did.")
        fv = _pair(r["latency_ms"]["first_visible"])
        if r["never_visible"]:
            fv += " †"
            notes.append(f"† {r['mode']} at {n}: {r['never_visible']} of {n} replies never showed any answer text; "
                         f"first visible is over the rest.")
        if r["lost_turns"]:
            notes.append(f"‡ {r['mode']} at {n}: {r['lost_turns']} turns never completed a model stream (see the log); "
                         f"they count as incomplete and are left out of both latency columns.")
        print(f"{n:>7}  {r['mode']:<7}{r['ratelimited_answers']:>6}{edits:>13}{r['complete']:>4}/{n:<3}"
              f"{fv:>20}{lag:>21}{r['wall_s']:>8.1f}")
    for note in notes:
        print(note)
    print("Waits ended by: " + "; ".join(f"{r['mode']}@{r['parameters']['mentions']}: {r['wait_ended_by']}" for r in results))
    for line in goal_lines(results):
        print(line)


def goal_lines(results: list[dict]) -> list[str]:
    lines = []
    hard_e = {r["parameters"]["mentions"]: r for r in results if r["mode"] == HARD_E}
    if (r := hard_e.get(GOAL_NO_429_AT)) is not None:
        n429 = r["ratelimited_answers"]
        lines.append(f"{'PASS' if n429 == 0 else 'FAIL'}: Hard-E at {GOAL_NO_429_AT} streams got {n429} ratelimited "
                     f"(429) answers (goal: 0)")
    if (r := hard_e.get(GOAL_LAG_AT)) is not None:
        lag, n = r["latency_ms"]["completion_lag"], r["parameters"]["mentions"]
        if r["incomplete"] or lag is None:
            lines.append(f"FAIL: Hard-E at {GOAL_LAG_AT} streams: {len(r['incomplete'])} of {n} replies never "
                         f"completed (goal: completion-lag p99 < {GOAL_LAG_P99_S:g} s)")
        else:
            p99 = lag["p99"] / 1000
            lines.append(f"{'PASS' if p99 < GOAL_LAG_P99_S else 'FAIL'}: Hard-E completion-lag p99 at {GOAL_LAG_AT} "
                         f"streams {p99:.2f} s (goal: < {GOAL_LAG_P99_S:g} s)")
    return lines


def print_incomplete(results: list[dict]) -> None:
    for r in results:
        if r["incomplete"]:
            shown = ", ".join(r["incomplete"][:5])
            print(f"{r['mode']} at {r['parameters']['mentions']}: {len(r['incomplete'])} replies incomplete, left out of "
                  f"the final-answer figures ({shown}{', …' if len(r['incomplete']) > 5 else ''}); "
                  f"wait ended by {r['wait_ended_by']}")


# -- main ------------------------------------------------------------------------------------------


async def run_matrix(args) -> list[dict]:
    results = []
    for level in args.levels:
        for mode in (HARD_E, NAIVE):
            print(f"running {mode} at {level} concurrent streams…", file=sys.stderr, flush=True)
            results.append(await run(args, mode, level))
    return results


def env_setting(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError("expected NAME=VALUE")
    return name, value


def levels(text: str) -> list[int]:
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError("a comma-separated list of positive integers") from None
    if not values or any(v < 1 for v in values):
        raise argparse.ArgumentTypeError("a comma-separated list of positive integers")
    return values


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentions", type=int, default=10, help="concurrent app_mention events (default 10)")
    parser.add_argument("--naive", action="store_true", help="use the naive comparison sink instead of Hard-E's")
    parser.add_argument("--matrix", action="store_true",
                        help="run both sinks at each of --levels concurrent streams and print one table")
    parser.add_argument("--levels", type=levels, default=[1, 10, 30],
                        help="concurrency levels for --matrix (default 1,10,30)")
    parser.add_argument("--chars", type=int, default=1600, help="approximate answer length (default 1600)")
    parser.add_argument("--chunk-size", type=int, default=4, help="characters per streamed delta (default 4)")
    parser.add_argument("--token-interval", type=float, default=0.02, help="seconds between deltas (default 0.02)")
    parser.add_argument("--tier3-per-minute", type=float, default=50.0,
                        help="chat.update calls per minute the fake Slack allows (default 50; 0: no limit)")
    parser.add_argument("--tier3-burst", type=int, default=20, help="chat.update burst the fake Slack allows (default 20)")
    parser.add_argument("--database-url", help="database to use instead of a temporary SQLite file")
    parser.add_argument("--timeout", type=float, default=120.0,
                        help="seconds to wait for the replies of one run (default 120)")
    parser.add_argument("--grace", type=float, default=5.0,
                        help="naive runs stop this long after the last model stream ended (default 5)")
    parser.add_argument("--hard-e-env", type=env_setting, action="append", default=[], metavar="NAME=VALUE",
                        help="extra environment for Hard-E, e.g. HARDE_SLACK_RATE_SHARE=0.9 (repeatable)")
    parser.add_argument("--cold-start", action="store_true",
                        help="skip the warm-up of the Agents SDK session (reproduces a start-up race)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    if args.mentions < 1 or args.chars < 1 or args.chunk_size < 1 or args.token_interval < 0:
        parser.error("--mentions, --chars and --chunk-size must be positive, --token-interval not negative")
    if args.tier3_per_minute < 0 or args.tier3_burst < 1 or args.timeout <= 0 or args.grace < 0:
        parser.error("--tier3-per-minute must not be negative, --tier3-burst and --timeout positive, --grace not negative")
    if args.matrix and args.naive:
        parser.error("--matrix already runs the naive sink next to Hard-E's")
    if args.matrix and args.database_url:
        parser.error("--matrix needs a fresh database per run: leave out --database-url")
    if args.matrix:
        results = asyncio.run(run_matrix(args))
        if args.json:
            print(json.dumps({"runs": results, "goals": goal_lines(results)}, indent=2, ensure_ascii=False))
        else:
            print_matrix(results)
        return
    result = asyncio.run(run(args, NAIVE if args.naive else HARD_E, args.mentions))
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        print_single(result)
    if result["incomplete"] and not args.naive:
        sys.exit(1)


if __name__ == "__main__":
    main()

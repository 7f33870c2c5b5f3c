"""How fast, and how cleanly, do streamed answers reach Slack when many people mention Hard-E at once?

What it measures is what a person in Slack sees, whatever Hard-E does to get there: a "_Thinking…_"
placeholder or a reaction on the rep's message or an assistant status as the acknowledgement; the
answer posted with chat.postMessage and edited with chat.update, or streamed with chat.startStream /
appendStream / stopStream; the final text as a last chat.update or as a new message with the old one
deleted (chat.delete) and the reaction removed (reactions.remove). The script replays the fake Slack's
record of accepted calls, message by message, and notes when each thread first showed what.

Harness. Each run starts the fake Slack and fake OpenAI servers (tests/fakes) and Hard-E in HTTP mode
on 127.0.0.1, as the end-to-end tests do, with a fresh temporary SQLite database (unless
--database-url is given for a single run). The fakes run in threads of this process, so their
time.monotonic() stamps compare with ours. The fake Slack enforces Slack's published rate limits for
every method a bot calls (`FakeSlack.published_limits(model)`: chat.update 50/min Tier 3,
chat.postMessage about 1/s per channel, reactions.add Tier 3, reactions.remove Tier 2, chat.delete
Tier 3, assistant.threads.setStatus Tier 3, chat.startStream/stopStream Tier 2, appendStream Tier 4,
...) and answers calls over them with HTTP 429 + Retry-After, counted under one of its two models:
  window   at most the published number of accepted calls in any rolling minute (and, per channel,
           in any rolling second) -- the strict reading, and the one the latency goals are set for;
  bucket   a token bucket of the fake's burst size refilled at the published rate.
--rate-model window|bucket|both (default both) chooses; every model gets its own runs and table.

Workload (defaults). The fake model answers every streamed request with the same ~2,000 characters of
plain prose (--chars): first token after 0.5 s (--first-token-delay), then 4 characters
(--chunk-size) every 20 ms (--token-interval), so about 10 s of streaming. Each run first sends
--warmups (3) single mentions one after the other, each in a channel of its own, waiting for each to
finish (not measured; a shorter answer, --warmup-chars, to keep runs short), so that imports, pools
and the Agents SDK are warm. The rate-limit counting of the fake is then started afresh
(published_limits again), so the warm-up's calls do not eat into the measured minute. Then N signed
`app_mention` events are POSTed at once: by default each in its own channel; with --one-channel all
N threads are in ONE channel (where chat.postMessage's ~1/s per-channel limit bites;
--channels both runs both layouts). Levels 1, 10 and 30 (--levels).

The wait: until every thread shows the whole answer in some message (or no turn is in flight any
more, or --timeout), then up to --settle seconds more (default 60, ending as soon as it is done) for tidy-up -- deletes, reaction
removal, stopping a stream -- ending early once every thread is tidy and Hard-E is idle. A naive run
also stops --grace seconds after the last model stream ended, since some of its replies never
complete. Then the fakes' records are read; nothing after that moment counts.

Modes (both run in a matrix, one after the other, each with fresh fakes, bot and database):
  Hard-E   the project's own Slack sink, whatever it does.
  naive    a comparison sink defined here and patched into Services.sink for the run: a
           "_Thinking…_" placeholder via chat.postMessage, then a plain chat.update with the full text
           every 20 text deltas, awaited inline; no budget, no pacing, errors counted and ignored; the
           final answer is one chat.update with no retry.

Figures, per reply (milliseconds; the tables show p50 / p99, --json adds max):
  ack             HTTP round trip of the event POST (Slack retries an event not acked within 3 s).
  ack visible     from sending the event to the first accepted call that shows the rep something
                  happened: reactions.add on the event's message, assistant.threads.setStatus (with
                  a status) on its thread, or a chat.postMessage (or chat.startStream) in its thread.
  first visible   from the model writing its first token to the first accepted call after which
                  the thread shows the answer's first 8 characters (a chat.postMessage, chat.update,
                  chat.startStream, chat.appendStream or chat.stopStream whose resulting message
                  text contains them).
  completion lag  from the model ending its stream to the first accepted call after which consecutive
                  messages in the thread show exactly the whole answer (compared after rendering it with
                  markdown_to_mrkdwn, as Slack shows it; plain prose renders to itself).
  event → final   (JSON only) from sending the event to that same call: the whole turn.
Per run: exact replies -- threads that, once the run settled, hold bot messages that read, one after
the other, as exactly the answer (whitespace at the joins aside: under contention an answer may come
in a few finished pieces; no placeholder or partial left, no stream left open) and no reaction of the
bot left on the rep's message; messages an answer ends in (mean / max); Slack Web API calls per reply by method (all attempts of the
measured part, auth.test excluded; "429" counts the attempts answered HTTP 429); 429 answers in the
measured part; the wall time (first event sent → end of the wait). Replies that never show text or
never complete are left out of the latency figure they lack, and footnoted.

Goals, checked underneath each table for Hard-E (p99 where one figure is given):
  window model  1 stream: first visible ≤ 0.4 s;
                10 streams: first visible p50 ≤ 0.6 s, p99 ≤ 1.5 s; completion lag p50 ≤ 0.3 s, p99 ≤ 1 s;
                30 streams: first visible p50 ≤ 1 s, p99 ≤ 3 s; completion lag p50 ≤ 0.5 s, p99 ≤ 2 s;
                            30/30 exact; zero 429s;
                every level: ack visible p99 ≤ 150 ms.
  bucket model  every level: zero 429s and every reply exact.
Goals of a level that was not run are skipped. The latency goals are for N threads in N channels; with
--channels one they are printed as INFO next to the figure: each thread's answer is a message in the one
channel, which takes about one a second (a burst of 3), so the last of N threads can't show words before
about N - 3 seconds whatever the bot does. Exact replies and zero 429s are checked in both layouts.

Before the events go out, the script makes one Agents SDK session on Hard-E's engine (the SDK registers
an engine listener on its first session; doing that while turns open pool connections can lose turns).
--cold-start skips this.

Run from the repo root:
  .venv/bin/python benchmarks/stream_latency.py                     # the matrix: everything, ~6 min
  .venv/bin/python benchmarks/stream_latency.py --levels 1,3 --rate-model window      # a quick look
  .venv/bin/python benchmarks/stream_latency.py --one-channel [--levels ...] [--json]
  .venv/bin/python benchmarks/stream_latency.py --mentions N [--naive] [--rate-model window] [--database-url URL]
Other options: --channels separate|one|both, --chars, --chunk-size, --token-interval,
--first-token-delay, --warmups, --warmup-chars, --timeout, --settle, --grace,
--hard-e-env NAME=VALUE (repeatable), --cold-start, --json.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import logging
import re
import resource
import sys
import tempfile
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.engine import make_url

from hard_e.agents.events import Event, Failed, Final, TextDelta, Thinking
from hard_e.agents.history import History
from hard_e.bot.formatting import markdown_to_mrkdwn
from hard_e.bot.services import Services
from tests import slack_events as se
from tests.conftest import BOT_TOKEN, bot_env, start_bot
from tests.fakes import FakeOpenAI, FakeSlack

try:  # Hard-E's streaming code is being reworked; these two are only used for checks and the naive sink.
    from hard_e.bot.streaming import PIECE_LIMIT, PLACEHOLDER
except ImportError:  # pragma: no cover
    PIECE_LIMIT, PLACEHOLDER = 3500, "_Thinking…_"

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
    "ack_visible": "event → acknowledgement visible",
    "first_visible": "first token → first visible text",
    "completion_lag": "model done → whole answer shown",
    "turn": "event → whole answer shown",
    "longest_stall": "longest wait for the visible answer to grow (first visible → whole)",
}
HARD_E, NAIVE = "Hard-E", "naive"
SEPARATE, ONE = "separate", "one"
LAYOUT_LABEL = {SEPARATE: "N mentions in N separate channels", ONE: "N threads in ONE channel"}
RATE_MODEL_LABEL = {"window": "at most the published calls in any rolling minute", "bucket": "token buckets at the published rates"}
NAIVE_EDIT_EVERY = 20  # text deltas ("tokens") between the naive sink's edits
VISIBLE_PREFIX = 8  # characters of the answer that count as "the answer is showing"
WARMUP_TIMEOUT = 30.0  # seconds past its stream's length that one warm-up answer may take
ONE_CHANNEL = "CBENCHALL"
TEXT_CALLS = frozenset({"chat.postMessage", "chat.update", "chat.startStream", "chat.appendStream", "chat.stopStream"})
CREATE_CALLS = frozenset({"chat.postMessage", "chat.startStream"})
MARKER = re.compile(r"\[bench-(\d{3})\]")

# Goals for Hard-E: (rate model, level or None for every level, metric, quantile, limit in seconds).
LATENCY_GOALS = [
    ("window", 1, "first_visible", "p99", 0.4),
    ("window", 10, "first_visible", "p50", 0.6),
    ("window", 10, "first_visible", "p99", 1.5),
    ("window", 10, "completion_lag", "p50", 0.3),
    ("window", 10, "completion_lag", "p99", 1.0),
    ("window", 30, "first_visible", "p50", 1.0),
    ("window", 30, "first_visible", "p99", 3.0),
    ("window", 30, "completion_lag", "p50", 0.5),
    ("window", 30, "completion_lag", "p99", 2.0),
    ("window", None, "ack_visible", "p99", 0.15),
]
# (rate model, level or None for every level): every reply exact and no 429 answers.
EXACT_AND_NO_429_GOALS = [("window", 30), ("bucket", None)]

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

    def __init__(self, client, channel: str, thread_ts: str | None, stats: NaiveStats) -> None:
        self._client = client
        self._channel = channel
        self._thread_ts = thread_ts
        self._stats = stats
        self._ts: str | None = None
        self._text = ""
        self._deltas = 0

    async def send(self, event: Event) -> None:
        if isinstance(event, Thinking):
            if self._ts is not None:
                return
            try:
                response = await self._client.chat_postMessage(channel=self._channel, thread_ts=self._thread_ts, text=PLACEHOLDER)
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
                    await self._client.chat_postMessage(channel=self._channel, thread_ts=self._thread_ts, text=text)
                return
            self._stats.edits += 1
            await self._client.chat_update(channel=self._channel, ts=self._ts, text=text)
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

    def sink(self, client, turn):
        # A naive bot has no budget: the same token and session, without Hard-E's budgeted client.
        plain = AsyncWebClient(token=client.token, base_url=client.base_url, session=client.session)
        return NaiveSink(plain, turn.channel_id, getattr(turn, "reply_thread_ts", None), stats)

    Services.sink = sink  # type: ignore[method-assign]
    try:
        yield
    finally:
        Services.sink = original  # type: ignore[method-assign]


# -- the model -----------------------------------------------------------------------------------------


class BenchModel(FakeOpenAI):
    """The fake model, answering every request with `default_reply` after `first_token_delay` seconds
    (the stock fake only applies a first-token delay to replies queued one by one with reply())."""

    first_token_delay = 0.0

    def _next_plan(self):
        plan = super()._next_plan()
        return dataclasses.replace(plan, first_token_delay=self.first_token_delay) if plan.kind == "reply" else plan


# -- helpers --------------------------------------------------------------------------------------------


def answer_of(chars: int) -> str:
    """About `chars` characters of prose, cut at a word boundary."""
    text = "\n\n".join([PROSE] * (chars // len(PROSE) + 1))[: chars + 1]
    return text.rsplit(" ", 1)[0].rstrip() if len(text) > chars else text


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def ts_key(ts: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in str(ts).split("."))
    except ValueError:
        return (0,)


def call_channel(call) -> str | None:
    channel = call.params.get("channel") or call.params.get("channel_id")
    return str(channel) if channel else None


def stream_text(params: dict) -> str:
    """The text a chat.*Stream call adds, as the fake reads it: markdown_text plus markdown_text chunks."""
    chunks = params.get("chunks") or []
    parts = [str(c.get("text", "")) for c in chunks if isinstance(c, dict) and c.get("type") == "markdown_text"]
    return str(params.get("markdown_text") or "") + "".join(parts)


def ratelimited_total(slack: FakeSlack) -> int:
    """The fake's count of 429 answers (a property or a method, depending on the fake's version)."""
    count = getattr(slack, "ratelimited_count", None)
    if callable(count):
        count = count()
    return int(count) if count is not None else sum(1 for c in slack.calls if c.status == 429)


def bot_idle(bot) -> bool:
    return bool(getattr(bot.services, "idle", True))


@dataclass(frozen=True)
class Thread:
    """One mention's thread: its channel and the rep's message (= the thread) ts."""

    channel: str
    ts: str


def read_in_order(texts) -> str:
    """What messages say read one after the other, whitespace at their joins aside: under contention
    Hard-E may show an answer as a few finished pieces (cut at paragraph, line or sentence ends)."""
    return " ".join(" ".join(str(text).split()) for text in texts)


def shows_whole(texts: list[str], expected: str) -> bool:
    """Some run of consecutive messages reads as exactly the whole answer."""
    want = read_in_order([expected])
    return any(read_in_order(texts[i:j]) == want for i in range(len(texts)) for j in range(i + 1, len(texts) + 1))


def shown_prefix(texts: list[str], expected: str) -> int:
    """The most of the answer (in normalised characters) that a run of consecutive messages shows from its start."""
    want = read_in_order([expected])
    return max((_common_prefix(read_in_order(texts[i:]), want) for i in range(len(texts))), default=0)


def thread_state(slack: FakeSlack, thread: Thread, expected: str) -> tuple[bool, bool, str]:
    """(shows the whole answer somewhere, exact and tidy, description) of a thread as it is now."""
    msgs = [m for m in slack.messages(channel=thread.channel, thread_ts=thread.ts) if m.user == slack.bot_user_id]
    texts = [m.text for m in msgs]
    shows = shows_whole(texts, expected)
    reactions = slack.reactions(thread.channel, thread.ts)
    problems = []
    if not msgs:
        problems.append("no reply")
    elif read_in_order(texts) != read_in_order([expected]):
        kinds = ["placeholder" if t == PLACEHOLDER else "answer" if t == expected else f"{len(t)} chars" for t in texts]
        problems.append(f"{len(msgs)} message(s) ({' + '.join(kinds)}) not reading as the answer")
    if msgs and any(m.streaming for m in msgs):
        problems.append("stream not stopped")
    if reactions:
        problems.append("reaction " + ", ".join(f":{r}:" for r in reactions) + " left")
    return shows, not problems, "; ".join(problems) or "exact"


# -- one run -------------------------------------------------------------------------------------------


@dataclass
class Seen:
    """What Slack and the model had seen when the wait ended."""

    calls: list  # the fake Slack's Call records
    messages: dict[str, list]  # channel -> the fake's Message snapshots (deleted ones included) in ts order
    states: list[tuple[bool, bool, str]]  # thread_state() per thread
    requests: list  # the fake model's Req records
    streams: list  # ... and its StreamRecords
    replies: list[int] = field(default_factory=list)  # bot messages per thread at the end


def snapshot(slack: FakeSlack, model: FakeOpenAI, threads: list[Thread], expected: str) -> Seen:
    """Read the fakes consistently: retried until no Slack call lands while reading."""
    for _ in range(20):
        calls = slack.calls
        messages = {}
        for channel in sorted({t.channel for t in threads}):
            known = {m.ts: m for m in slack.messages(channel=channel)}
            for c in calls:  # deleted messages: only the calls that touched them know their ts
                ts = str(c.params.get("ts") or "")
                if ts and ts not in known and c.ok and c.method not in CREATE_CALLS and call_channel(c) == channel:
                    with contextlib.suppress(KeyError):
                        known[ts] = slack.message(channel, ts)
            messages[channel] = sorted(known.values(), key=lambda m: ts_key(m.ts))
        states = [thread_state(slack, t, expected) for t in threads]
        replies = [sum(m.user == slack.bot_user_id for m in slack.messages(channel=t.channel, thread_ts=t.ts)) for t in threads]
        if len(slack.calls) == len(calls):
            return Seen(calls, messages, states, model.requests, model.streams, replies)
        time.sleep(0.01)
    return Seen(calls, messages, states, model.requests, model.streams, replies)


async def send(bot, event: dict) -> tuple[float, float, int]:
    """(sent at, ack seconds, HTTP status) of one event POST."""
    start = time.monotonic()
    response = await bot.send_event(event)
    return start, time.monotonic() - start, response.status


async def wait_until_done(
    args, mode: str, bot, slack: FakeSlack, model: FakeOpenAI, threads: list[Thread], expected: str, started: float, streams_before: int
) -> str:
    """Poll until every thread shows the answer (or nothing more can happen), then let the replies settle
    (bounded by --settle); returns why the wait ended. Bounded by --timeout overall."""
    deadline = started + args.timeout
    ended_by = None
    while ended_by is None:
        await asyncio.sleep(0.05)
        now = time.monotonic()
        states = [thread_state(slack, t, expected) for t in threads]
        if all(shows for shows, _, _ in states):
            ended_by = "all complete"
            break
        streams = model.streams[streams_before:]
        ended = [s.finished_at for s in streams if s.finished_at is not None]
        streams_done = len(ended) >= len(threads)
        # A turn lost before it started (no model stream) must not hold the wait: once every turn
        # that did start has ended and a few seconds have passed, nothing more will happen.
        if (streams_done or now - started >= 3.0) and len(ended) == len(streams) and bot_idle(bot):
            ended_by = "no turn in flight"
        elif mode == NAIVE and streams_done and now >= max(ended) + args.grace:
            ended_by = f"grace period ({args.grace:g} s after the last model stream)"
        elif now >= deadline:
            return f"timeout ({args.timeout:g} s)"
    settle_until = min(time.monotonic() + args.settle, deadline)
    if mode == NAIVE and bot_idle(bot):
        return ended_by  # the naive sink tidies nothing after its turn
    while True:
        tidying = bool(getattr(bot.services, "tidying", False))  # Hard-E's own clean-up still pending
        if all(tidy for _, tidy, _ in (thread_state(slack, t, expected) for t in threads)) and bot_idle(bot) and not tidying:
            return f"{ended_by}, then tidy"
        if time.monotonic() >= settle_until:
            return f"{ended_by}, then settle limit ({args.settle:g} s)"
        await asyncio.sleep(0.05)


async def warm_up(args, bot, slack: FakeSlack, model: BenchModel, base: int) -> list[str]:
    """--warmups single answers, one after the other, each in its own channel; returns problems seen."""
    problems = []
    answer = answer_of(args.warmup_chars)
    expected = markdown_to_mrkdwn(answer)
    model.default_reply = answer
    stream_s = args.first_token_delay + len(answer) / args.chunk_size * args.token_interval
    for i in range(args.warmups):
        thread = Thread(f"CWARM{i:04d}", f"{base - 1000}.{i:06d}")
        event = se.mention(f"[warm-{i}] What should I bring to a roof inspection?", channel=thread.channel, ts=thread.ts)
        _, _, status = await send(bot, event)
        deadline = time.monotonic() + stream_s + WARMUP_TIMEOUT
        state = (False, False, "no reply")
        while time.monotonic() < deadline:
            await asyncio.sleep(0.05)
            state = thread_state(slack, thread, expected)
            if state[1] and bot_idle(bot):
                break
        if status != 200 or not state[1]:
            problems.append(f"warm-up {i + 1}: HTTP {status}, {state[2]}")
    return problems


async def run(args: argparse.Namespace, mode: str, mentions: int, rate_model: str, layout: str) -> dict:
    answer = answer_of(args.chars)
    expected = markdown_to_mrkdwn(answer)  # what Slack shows; identical for plain prose
    fake_slack = FakeSlack(token=BOT_TOKEN, team_id=se.TEAM, bot_user_id=se.BOT_USER)
    fake_model = BenchModel(api_key="sk-test")
    stats = NaiveStats()
    with tempfile.TemporaryDirectory(prefix="hard-e-bench-") as tmp, fake_slack as slack, fake_model as model:
        model.default_chunk_size, model.default_delay = args.chunk_size, args.token_interval
        model.first_token_delay = args.first_token_delay
        slack.published_limits(rate_model)
        database_url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        bot = await start_bot(bot_env(slack, model, database_url, Path(tmp), **dict(args.hard_e_env)))
        settings = bot.services.settings
        hard_e_settings = {
            name: getattr(settings, name)
            for name in ("streaming", "slack_edits_per_minute", "slack_edit_burst", "slack_rate_share")
            if hasattr(settings, name)
        }
        if not args.cold_start:
            # The Agents SDK adds a "connect" listener to the engine when its first session is made;
            # done while other turns open pool connections, that races ("deque mutated during
            # iteration", the turn is lost). Make that first session now, outside the measurement.
            History(bot.services.engine).session("bench-warm-up")
        try:
            with naive_sinks(stats) if mode == NAIVE else contextlib.nullcontext():
                base = int(time.time())  # fresh message ts per run, so a reused database has no duplicates
                warmup_problems = await warm_up(args, bot, slack, model, base)
                warmup_429 = ratelimited_total(slack)
                model.default_reply = answer
                slack.published_limits(rate_model)  # count the measured part afresh
                streams_before = len(model.streams)
                threads = [Thread(ONE_CHANNEL if layout == ONE else f"CBENCH{i:04d}", f"{base}.{i:06d}") for i in range(mentions)]
                events = [
                    se.mention(f"[bench-{i:03d}] How do I turn a storm inspection into a signed job?", channel=t.channel, ts=t.ts)
                    for i, t in enumerate(threads)
                ]
                started = time.monotonic()
                sends = await asyncio.gather(*(send(bot, event) for event in events))
                if bad := [status for _, _, status in sends if status != 200]:
                    print(f"warning: {len(bad)} event POST(s) were not acknowledged with 200: {bad[:5]}", file=sys.stderr)
                ended_by = await wait_until_done(args, mode, bot, slack, model, threads, expected, started, streams_before)
                wall = time.monotonic() - started
                seen = snapshot(slack, model, threads, expected)
        finally:
            await bot.stop()  # lets turns still in flight finish (Services.drain), then cancels them
    result: dict[str, Any] = {
        "mode": mode,
        "rate_model": rate_model,
        "layout": layout,
        "wall_s": round(wall, 2),
        "wait_ended_by": ended_by,
        **measure(seen, threads, sends, expected, started),
        "warmup": {
            "answers": args.warmups,
            "chars": len(answer_of(args.warmup_chars)),
            "problems": warmup_problems,
            "ratelimited": warmup_429,
        },
    }
    result["parameters"] = {
        "mentions": mentions,
        "answer_chars": len(expected),
        "chunk_size": args.chunk_size,
        "token_interval_s": args.token_interval,
        "first_token_delay_s": args.first_token_delay,
        "database": "sqlite (temporary)" if not args.database_url else make_url(database_url).render_as_string(hide_password=True),
        "hard_e_settings": hard_e_settings,
        "hard_e_env": dict(args.hard_e_env),
    }
    if mode == NAIVE:
        result["naive"] = dataclasses.asdict(stats)
    return result


# -- measuring -------------------------------------------------------------------------------------


@dataclass
class Shown:
    """When one thread first showed what (monotonic times of the accepted calls)."""

    ack: float | None = None
    first_visible: float | None = None
    complete: float | None = None
    shown_chars: int = 0  # the most of the answer any of its messages has shown
    grew_at: list[float] = field(default_factory=list)  # when that grew


@dataclass
class _Msg:
    thread_ts: str | None
    text: str
    deleted: bool = False


@dataclass
class Replay:
    shown: dict[tuple[str, str], Shown] = field(default_factory=dict)  # (channel, thread ts) -> Shown
    warnings: list[str] = field(default_factory=list)


def replay(seen: Seen, threads: list[Thread], expected: str) -> Replay:
    """Walk the accepted calls in the order the fake handled them, keeping each bot message's text, and
    note per thread when it was first acknowledged, first showed the answer's start, and first showed
    the whole answer. Messages created by chat.postMessage / chat.startStream are matched, in order, to
    the fake's messages of that channel in ts order (checked against their first text)."""
    out = Replay({(t.channel, t.ts): Shown() for t in threads})
    prefix = expected[:VISIBLE_PREFIX]
    for channel, fake_msgs in seen.messages.items():
        msgs: dict[str, _Msg] = {}
        created = 0
        for call in seen.calls:
            if not call.ok or call_channel(call) != channel:
                continue
            p, method = call.params, call.method
            if method == "reactions.add":
                if (shown := out.shown.get((channel, str(p.get("timestamp"))))) is not None and shown.ack is None:
                    shown.ack = call.at
                continue
            if method == "assistant.threads.setStatus":
                if p.get("status") and (shown := out.shown.get((channel, str(p.get("thread_ts"))))) is not None and shown.ack is None:
                    shown.ack = call.at
                continue
            if method in CREATE_CALLS:
                text = str(p.get("text") or p.get("markdown_text") or "") if method == "chat.postMessage" else stream_text(p)
                if created >= len(fake_msgs):
                    out.warnings.append(f"{channel}: a {method} the fake has no message for")
                    created += 1
                    continue
                fake = fake_msgs[created]
                created += 1
                if fake.edits and fake.edits[0] != text:
                    out.warnings.append(f"{channel}: {method} #{created} does not match message {fake.ts}")
                msg = msgs[fake.ts] = _Msg(str(p["thread_ts"]) if p.get("thread_ts") else None, text)
            elif method in ("chat.update", "chat.appendStream", "chat.stopStream", "chat.delete"):
                msg = msgs.get(str(p.get("ts")))
                if msg is None:
                    out.warnings.append(f"{channel}: {method} of unknown message {p.get('ts')}")
                    continue
                if method == "chat.delete":
                    msg.deleted = True
                elif method == "chat.update":
                    text = p.get("text") if p.get("text") is not None else p.get("markdown_text")
                    if text is not None:
                        msg.text = str(text)
                else:
                    msg.text += stream_text(p)
            else:
                continue
            shown = out.shown.get((channel, msg.thread_ts or ""))
            if shown is None or msg.deleted:
                continue
            if method in CREATE_CALLS and shown.ack is None:
                shown.ack = call.at
            if method in TEXT_CALLS and prefix in msg.text and shown.first_visible is None:
                shown.first_visible = call.at
            thread_texts = [m.text for m in msgs.values() if m.thread_ts == msg.thread_ts and not m.deleted]
            if shown.complete is None and shows_whole(thread_texts, expected):
                shown.complete = call.at
            if method in TEXT_CALLS and (chars := shown_prefix(thread_texts, expected)) > shown.shown_chars:
                shown.shown_chars = chars
                shown.grew_at.append(call.at)
    return out


def _common_prefix(text: str, expected: str) -> int:
    n = 0
    for a, b in zip(text, expected, strict=False):
        if a != b:
            break
        n += 1
    return n


def longest_stall(shown: Shown) -> float | None:
    """The longest time the visible answer went without growing, from first visible to whole."""
    if shown.first_visible is None or shown.complete is None:
        return None
    times = [t for t in shown.grew_at if shown.first_visible <= t <= shown.complete]
    return max((b - a for a, b in zip(times, times[1:], strict=False)), default=0.0)


def match_streams(seen: Seen, mentions: int) -> dict[int, Any]:
    """Model stream per mention index, found by the [bench-NNN] marker of the request that opened it."""
    # Requests and stream records are appended together, in the same order, by the fake.
    streamed = [r for r in seen.requests if r.body.get("stream")]
    by_marker = {}
    # Not strict: a streamed request the fake failed or stalled has no stream record.
    for req, stream in zip(streamed, seen.streams, strict=False):
        markers = list(MARKER.finditer(json.dumps(req.body)))
        if markers and not stream.aborted:
            i = int(markers[-1].group(1))  # the latest message's marker, should other threads be in the context
            if i < mentions:
                by_marker[i] = stream  # a retried request replaces an earlier one
    return by_marker


def stats_ms(values: list[float]) -> dict | None:
    if not values:
        return None
    return {
        "p50": round(1000 * percentile(values, 0.5), 1),
        "p99": round(1000 * percentile(values, 0.99), 1),
        "max": round(1000 * max(values), 1),
    }


def measure(seen: Seen, threads: list[Thread], sends, expected: str, started: float) -> dict:
    shown = replay(seen, threads, expected)
    streams = match_streams(seen, len(threads))
    samples: dict[str, list[float]] = {key: [] for key in METRICS}
    not_exact, never_ack, never_visible, never_complete, lost = [], [], 0, 0, 0
    for i, (thread, (sent_at, ack, _), (_, tidy, why)) in enumerate(zip(threads, sends, seen.states, strict=True)):
        samples["ack"].append(ack)
        if not tidy:
            not_exact.append(f"{thread.channel}/{thread.ts}: {why}")
        s = shown.shown[(thread.channel, thread.ts)]
        if s.ack is not None:
            samples["ack_visible"].append(s.ack - sent_at)
        else:
            never_ack.append(i)
        if s.complete is not None:
            samples["turn"].append(s.complete - sent_at)
        if (stall := longest_stall(s)) is not None:
            samples["longest_stall"].append(stall)
        stream = streams.get(i)
        if stream is None or stream.first_delta_at is None or stream.finished_at is None:
            lost += 1  # the turn never reached the model (or the stream broke): nothing to time against
            continue
        if s.first_visible is None:
            never_visible += 1
        else:
            samples["first_visible"].append(s.first_visible - stream.first_delta_at)
        if s.complete is None:
            never_complete += 1
        else:
            samples["completion_lag"].append(s.complete - stream.finished_at)
    n = len(threads)
    measured = [c for c in seen.calls if c.at >= started and c.method != "auth.test"]
    by_method: dict[str, dict[str, float]] = {}
    for method, count in sorted(Counter(c.method for c in measured).items()):
        mine = [c for c in measured if c.method == method]
        by_method[method] = {
            "per_reply": round(count / n, 2),
            "accepted_per_reply": round(sum(1 for c in mine if c.ok) / n, 2),
            "ratelimited": sum(1 for c in mine if c.status == 429),
            "other_errors": sum(1 for c in mine if not c.ok and c.status != 429),
        }
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, bytes on macOS
    return {
        "latency_ms": {key: stats_ms(values) for key, values in samples.items()},
        "exact": n - len(not_exact),
        "not_exact": not_exact,
        "never_acknowledged": len(never_ack),
        "never_visible": never_visible,
        "never_complete": never_complete,
        "lost_turns": lost,
        "slack_calls_per_reply": round(len(measured) / n, 2),
        "messages_per_reply": {
            "mean": round(sum(seen.replies) / n, 2) if seen.replies else None,
            "max": max(seen.replies, default=None),
        },
        "calls_by_method": by_method,
        "ratelimited": sum(1 for c in measured if c.status == 429),
        "replay_warnings": shown.warnings[:20],
        "peak_rss_mib": round(rss / (1024 * 1024 if sys.platform == "darwin" else 1024), 1),
    }


# -- goals -----------------------------------------------------------------------------------------------


def goal_lines(results: list[dict]) -> list[str]:
    """PASS/FAIL lines for the goals that apply to `results` (Hard-E runs only)."""
    lines = []
    for r in results:
        if r["mode"] != HARD_E:
            continue
        n, model = r["parameters"]["mentions"], r["rate_model"]
        where = f"Hard-E, {model}, {n} stream{'s' if n != 1 else ''}{', one channel' if r['layout'] == ONE else ''}"
        if "error" in r:
            lines.append(f"FAIL: {where}: the run failed ({r['error']})")
            continue
        for goal_model, level, metric, q, limit in LATENCY_GOALS:
            if goal_model != model or (level is not None and level != n):
                continue
            label = METRICS[metric].split(" (")[0]
            stats = r["latency_ms"][metric]
            missing = {"first_visible": r["never_visible"], "completion_lag": r["never_complete"], "ack_visible": r["never_acknowledged"]}[
                metric
            ] + (r["lost_turns"] if metric != "ack_visible" else 0)
            if stats is None:
                lines.append(f"FAIL: {where}: {label} {q}: no reply got there (goal ≤ {limit * 1000:g} ms)")
                continue
            value = stats[q]
            ok = value <= limit * 1000 and not missing
            extra = f" ({missing} of {n} never got there)" if missing else ""
            if r["layout"] == ONE:
                # Every thread's answer is a message in the one channel, which takes about one a second
                # (a burst of 3): the last of N threads can't show words before about N - 3 seconds,
                # whatever the bot does. The latency goals are for N threads in N channels.
                lines.append(f"INFO: {where}: {label} {q} {value:,.0f} ms{extra} (the separate-channel goal is ≤ {limit * 1000:g} ms)")
                continue
            lines.append(f"{'PASS' if ok else 'FAIL'}: {where}: {label} {q} {value:,.0f} ms{extra} (goal ≤ {limit * 1000:g} ms)")
        for goal_model, level in EXACT_AND_NO_429_GOALS:
            if goal_model != model or (level is not None and level != n):
                continue
            lines.append(f"{'PASS' if r['exact'] == n else 'FAIL'}: {where}: {r['exact']}/{n} replies exact (goal {n}/{n})")
            lines.append(f"{'PASS' if r['ratelimited'] == 0 else 'FAIL'}: {where}: {r['ratelimited']} 429 answers (goal 0)")
    return lines


# -- printing ------------------------------------------------------------------------------------------------


def _pair(stats: dict | None) -> str:
    return "—" if stats is None else f"{stats['p50']:,.0f} / {stats['p99']:,.0f}"


def _short(method: str) -> str:
    return method.removeprefix("chat.").removeprefix("assistant.threads.")


def describe_parameters(p: dict) -> str:
    stream_s = p["first_token_delay_s"] + -(-p["answer_chars"] // p["chunk_size"]) * p["token_interval_s"]
    settings = ", ".join(f"{k}={v}" for k, v in {**p["hard_e_settings"], **p["hard_e_env"]}.items())
    return (
        f"{p['answer_chars']}-char answer: first token after {p['first_token_delay_s']:g} s, then {p['chunk_size']} chars every "
        f"{p['token_interval_s'] * 1000:g} ms (~{stream_s:.1f} s) · database {p['database']}"
        + (f" · Hard-E {settings}" if settings else "")
    )


def print_table(results: list[dict]) -> None:
    r0 = results[0]
    print(
        f"\n== rate model {r0['rate_model']} ({RATE_MODEL_LABEL.get(r0['rate_model'], '?')}), Slack's published limits · "
        f"{LAYOUT_LABEL[r0['layout']]}"
    )
    failed = [r for r in results if "error" in r]
    all_results, results = results, [r for r in results if "error" not in r]
    if results:
        print(describe_parameters(results[0]["parameters"]))
    head = (
        f"{'streams':>7}  {'mode':<7}{'ack p99':>9}{'ack visible':>14}{'first visible':>16}{'completion lag':>17}"
        f"{'exact':>9}{'429s':>6}{'calls/':>8}{'wall':>7}"
    )
    print(head)
    print(f"{'':>7}  {'':<7}{'ms':>9}{'p50/p99 ms':>14}{'p50/p99 ms':>16}{'p50/p99 ms':>17}{'':>9}{'':>6}{'reply':>8}{'s':>7}")
    print("-" * len(head))
    notes = []
    for r in failed:
        print(f"{r['parameters']['mentions']:>7}  {r['mode']:<7}  run failed: {r['error']}")
    for r in results:
        n = r["parameters"]["mentions"]
        lat = r["latency_ms"]
        cells = {}
        for key, missing in (
            ("ack_visible", r["never_acknowledged"]),
            ("first_visible", r["never_visible"]),
            ("completion_lag", r["never_complete"]),
        ):
            cells[key] = _pair(lat[key]) + (" *" if missing else "")
            if missing:
                notes.append(f"* {r['mode']} at {n}: {missing} of {n} replies never reached '{METRICS[key]}'; the figure is over the rest.")
        if r["lost_turns"]:
            notes.append(
                f"* {r['mode']} at {n}: {r['lost_turns']} turns never completed a model stream (see the log); "
                f"they are left out of the first-visible and completion figures."
            )
        ack = lat["ack"]["p99"] if lat["ack"] else float("nan")
        print(
            f"{n:>7}  {r['mode']:<7}{ack:>9,.0f}{cells['ack_visible']:>14}{cells['first_visible']:>16}{cells['completion_lag']:>17}"
            f"{r['exact']:>5}/{n:<3}{r['ratelimited']:>6}{r['slack_calls_per_reply']:>8.1f}{r['wall_s']:>7.1f}"
        )
    print("Longest wait for a visible answer to grow (first visible → whole), p50 / p99 ms:")
    for r in results:
        print(f"  {r['mode']}@{r['parameters']['mentions']}: {_pair(r['latency_ms'].get('longest_stall'))}")
    print("Messages an answer ends in (mean / max; one unless it was shown in finished pieces under contention):")
    for r in results:
        m = r.get("messages_per_reply") or {}
        print(f"  {r['mode']}@{r['parameters']['mentions']}: {m.get('mean')} / {m.get('max')}")
    print("Slack calls per reply by method (429 answers in brackets):")
    for r in results:
        parts = [
            f"{_short(m)} {v['per_reply']:g}" + (f" [{v['ratelimited']}]" if v["ratelimited"] else "")
            for m, v in r["calls_by_method"].items()
        ]
        print(f"  {r['mode']}@{r['parameters']['mentions']}: " + (", ".join(parts) or "none"))
    for r in results:
        if r["not_exact"]:
            shown = "; ".join(r["not_exact"][:3])
            notes.append(
                f"{r['mode']} at {r['parameters']['mentions']}: {len(r['not_exact'])} not exact ({shown}"
                f"{'; …' if len(r['not_exact']) > 3 else ''})"
            )
        if r["replay_warnings"]:
            notes.append(f"{r['mode']} at {r['parameters']['mentions']}: replay warnings: {'; '.join(r['replay_warnings'][:3])}")
        if r["warmup"]["problems"] or r["warmup"]["ratelimited"]:
            notes.append(
                f"{r['mode']} at {r['parameters']['mentions']}: warm-up: "
                f"{'; '.join(r['warmup']['problems']) or 'ok'}, {r['warmup']['ratelimited']} 429s"
            )
    for note in notes:
        print(note)
    print("Waits ended by: " + "; ".join(f"{r['mode']}@{r['parameters']['mentions']}: {r['wait_ended_by']}" for r in results))
    lines = goal_lines(all_results)
    if lines:
        print("Goals:")
        for line in lines:
            print("  " + line)


def groups(results: list[dict]) -> list[list[dict]]:
    keyed: dict[tuple[str, str], list[dict]] = {}
    for r in results:
        keyed.setdefault((r["rate_model"], r["layout"]), []).append(r)
    return list(keyed.values())


# -- main --------------------------------------------------------------------------------------------


async def run_all(args, modes: list[str], levels: list[int]) -> list[dict]:
    results = []
    for rate_model in args.rate_models:
        for layout in args.layouts:
            for level in levels:
                for mode in modes:
                    print(
                        f"running {mode} at {level} concurrent streams, {rate_model} model, {layout} channel(s)…",
                        file=sys.stderr,
                        flush=True,
                    )
                    try:
                        results.append(await run(args, mode, level, rate_model, layout))
                    except Exception as exc:  # a broken run (e.g. Hard-E mid-change) must not lose the others
                        traceback.print_exc()
                        error = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
                        results.append(
                            {"mode": mode, "rate_model": rate_model, "layout": layout, "parameters": {"mentions": level}, "error": error}
                        )
    return results


def env_setting(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError("expected NAME=VALUE")
    return name, value


def level_list(text: str) -> list[int]:
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError("a comma-separated list of positive integers") from None
    if not values or any(v < 1 for v in values) or any(v > 999 for v in values):
        raise argparse.ArgumentTypeError("a comma-separated list of integers from 1 to 999")
    return values


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--matrix",
        action="store_true",
        help="Hard-E and the naive sink at each of --levels (the default when --mentions/--naive are not given)",
    )
    parser.add_argument("--mentions", type=int, help="a single level of concurrent mentions (Hard-E only unless --naive)")
    parser.add_argument("--naive", action="store_true", help="with --mentions: the naive comparison sink instead of Hard-E's")
    parser.add_argument("--levels", type=level_list, default=[1, 10, 30], help="concurrency levels (default 1,10,30)")
    parser.add_argument(
        "--rate-model",
        choices=("window", "bucket", "both"),
        default="both",
        help="how the fake Slack counts its published limits (default both)",
    )
    parser.add_argument(
        "--channels",
        choices=(SEPARATE, ONE, "both"),
        default=SEPARATE,
        help="N mentions in N separate channels (default), all in one channel, or both layouts",
    )
    parser.add_argument("--one-channel", action="store_true", help="all N threads in ONE channel (= --channels one)")
    parser.add_argument("--chars", type=int, default=2000, help="approximate answer length (default 2000)")
    parser.add_argument("--chunk-size", type=int, default=4, help="characters per streamed delta (default 4)")
    parser.add_argument("--token-interval", type=float, default=0.02, help="seconds between deltas (default 0.02)")
    parser.add_argument("--first-token-delay", type=float, default=0.5, help="seconds before the first delta (default 0.5)")
    parser.add_argument("--warmups", type=int, default=3, help="sequential unmeasured answers before each run (default 3)")
    parser.add_argument("--warmup-chars", type=int, default=400, help="length of a warm-up answer (default 400)")
    parser.add_argument("--database-url", help="database to use instead of a temporary SQLite file (a single run only)")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for the replies of one run (default 120)")
    parser.add_argument(
        "--settle",
        type=float,
        default=60.0,
        help="at most this many seconds more, after the answers complete, for tidy-up (default 60; ends as soon as it is done)",
    )
    parser.add_argument("--grace", type=float, default=5.0, help="naive runs stop this long after the last model stream (default 5)")
    parser.add_argument(
        "--hard-e-env",
        type=env_setting,
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="extra environment for Hard-E, e.g. HARDE_STREAMING=native (repeatable)",
    )
    parser.add_argument("--cold-start", action="store_true", help="skip the warm-up of the Agents SDK session (reproduces a start-up race)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    if args.chars < VISIBLE_PREFIX or args.chunk_size < 1 or args.token_interval < 0 or args.first_token_delay < 0:
        parser.error(f"--chars must be at least {VISIBLE_PREFIX}, --chunk-size positive, the delays not negative")
    if args.warmups < 0 or args.warmup_chars < 1 or args.timeout <= 0 or args.settle < 0 or args.grace < 0:
        parser.error("--warmups, --settle and --grace must not be negative, --warmup-chars and --timeout positive")
    if len(markdown_to_mrkdwn(answer_of(args.chars))) > PIECE_LIMIT:
        parser.error(f"--chars must keep the answer in one Slack message (≤ {PIECE_LIMIT} characters)")
    if args.naive and args.mentions is None:
        parser.error("--naive needs --mentions (the matrix already runs the naive sink next to Hard-E's)")
    if args.matrix and args.mentions is not None:
        parser.error("--matrix runs --levels; leave out --mentions")
    if args.mentions is not None and args.mentions < 1:
        parser.error("--mentions must be positive")
    args.rate_models = ["window", "bucket"] if args.rate_model == "both" else [args.rate_model]
    channels = ONE if args.one_channel else args.channels
    args.layouts = [SEPARATE, ONE] if channels == "both" else [channels]
    single = args.mentions is not None
    modes = [NAIVE if args.naive else HARD_E] if single else [HARD_E, NAIVE]
    levels = [args.mentions] if single else args.levels
    if args.database_url and len(modes) * len(levels) * len(args.rate_models) * len(args.layouts) > 1:
        parser.error("--database-url is for a single run (--mentions N, one --rate-model, one layout): each run needs a fresh database")

    results = asyncio.run(run_all(args, modes, levels))
    if args.json:
        print(json.dumps({"runs": results, "goals": goal_lines(results)}, indent=2, ensure_ascii=False))
    else:
        for group in groups(results):
            print_table(group)
    if single and not args.naive and any(r.get("not_exact") or "error" in r for r in results):
        sys.exit(1)


if __name__ == "__main__":
    main()

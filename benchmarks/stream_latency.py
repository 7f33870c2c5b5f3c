"""How fast do streamed answers reach Slack when many people mention Hard-E at once?

Starts the fake Slack and fake OpenAI servers (tests/fakes) and Hard-E in HTTP mode on
127.0.0.1, exactly as the end-to-end tests do, with a temporary SQLite database unless
--database-url is given. The fake model streams one fixed answer (--chars characters of
plain prose, --chunk-size characters every --token-interval seconds). N signed
`app_mention` events, each in its own channel, are POSTed concurrently; the script waits
until every reply shows the whole answer, then reads the fakes' records. The fakes run
in threads of this process, so their time.monotonic() stamps compare with ours.

Figures, per reply (p50 / p99 / max, in milliseconds):
  ack                 HTTP round trip of the event POST (Slack retries after 3 s).
  event→placeholder   from sending the event to Slack receiving the "Thinking…" post.
  token→visible       from the model writing its first token to Slack receiving the
                      first edit that shows answer text.
  model done→final    from the model ending its stream to Slack receiving the call that
                      carries the complete answer.
  event→final         from sending the event to that same call (the whole turn).
Totals: Slack Web API calls per reply (auth.test excluded), chat.update calls per reply,
calls answered 429 by the fake Slack (it has no rate limits unless configured), and the
peak RSS of this process -- which also hosts both fakes, so it is an upper bound for
Hard-E itself.

Run from the repo root:
  .venv/bin/python benchmarks/stream_latency.py [--mentions N] [--chars C] [--chunk-size K]
      [--token-interval S] [--database-url URL] [--timeout S] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy.engine import make_url  # noqa: E402

from hard_e.bot.formatting import markdown_to_mrkdwn  # noqa: E402
from hard_e.bot.streaming import PLACEHOLDER, STREAM_LIMIT  # noqa: E402
from tests import slack_events as se  # noqa: E402
from tests.conftest import BOT_TOKEN, bot_env, start_bot  # noqa: E402
from tests.fakes import FakeOpenAI, FakeSlack  # noqa: E402

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


async def run(args: argparse.Namespace) -> dict:
    answer = answer_of(args.chars)
    expected = markdown_to_mrkdwn(answer)  # what Slack shows; identical for plain prose
    if len(expected) > STREAM_LIMIT:
        raise SystemExit(f"error: --chars must keep the answer in one Slack message (≤ {STREAM_LIMIT} characters)")
    fake_slack = FakeSlack(token=BOT_TOKEN, team_id=se.TEAM, bot_user_id=se.BOT_USER)
    fake_model = FakeOpenAI(api_key="sk-test")
    with tempfile.TemporaryDirectory(prefix="hard-e-bench-") as tmp, fake_slack as slack, fake_model as model:
        model.default_reply, model.default_chunk_size = answer, args.chunk_size
        model.default_delay = args.token_interval
        database_url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        bot = await start_bot(bot_env(slack, model, database_url, Path(tmp)))
        try:
            base = int(time.time())  # fresh message ts per run, so a reused database has no duplicates
            events = [
                se.mention(f"[bench-{i:03d}] How do I turn a storm inspection into a signed job?",
                           channel=f"CBENCH{i:04d}", ts=f"{base}.{i:06d}")
                for i in range(args.mentions)
            ]
            sends = await asyncio.gather(*(send(bot, event) for event in events))
            if bad := [status for _, _, status in sends if status != 200]:
                raise SystemExit(f"error: {len(bad)} event POST(s) were not acknowledged with 200: {bad[:5]}")
            try:
                await slack.wait_for_async(lambda: all(last_text(slack, e) == expected for e in events),
                                           timeout=args.timeout, interval=0.05)
            except AssertionError:
                stuck = [e for e in events if last_text(slack, e) != expected]
                shown = ", ".join(f"{e['channel']}: {_describe(last_text(slack, e))}" for e in stuck[:5])
                raise SystemExit(f"error: {len(stuck)} of {len(events)} replies did not complete within "
                                 f"{args.timeout:g} s ({shown}{', …' if len(stuck) > 5 else ''}); "
                                 f"429 answers so far: {slack.ratelimited_count}")
        finally:
            await bot.stop()
        return measure(args, slack, model, events, sends, expected, database_url)


def _describe(text: str | None) -> str:
    return "no reply" if text is None else "placeholder" if text == PLACEHOLDER else f"{len(text)} chars shown"


def find(calls, what: str, predicate, event: dict):
    call = next((c for c in calls if predicate(c)), None)
    if call is None:
        raise SystemExit(f"error: Slack never received the {what} for {event['channel']}")
    return call


def measure(args, slack: FakeSlack, model: FakeOpenAI, events, sends, expected: str, database_url: str) -> dict:
    calls = slack.calls
    # Requests and stream records are appended together, in the same order, by the fake.
    streamed = [r for r in model.requests if r.body.get("stream")]
    by_marker = {}
    for req, stream in zip(streamed, model.streams):
        body = json.dumps(req.body)
        for i in range(len(events)):
            if f"[bench-{i:03d}]" in body and not stream.aborted:
                by_marker[i] = stream  # a retried request replaces an earlier one
    samples: dict[str, list[float]] = {key: [] for key in METRICS}
    edits = []
    for i, (event, (sent_at, ack, _)) in enumerate(zip(events, sends)):
        mine = [c for c in calls if c.params.get("channel") == event["channel"]]
        shown = [c for c in mine if c.ok and c.method in ("chat.postMessage", "chat.update")]
        placeholder = find(shown, "placeholder", lambda c: c.params.get("text") == PLACEHOLDER, event)
        visible = find(shown, "first text", lambda c: c.params.get("text") not in (None, PLACEHOLDER), event)
        final = find(shown, "final answer", lambda c: c.params.get("text") == expected, event)
        if (stream := by_marker.get(i)) is None:
            raise SystemExit(f"error: no completed model stream carries the question sent to {event['channel']}")
        samples["ack"].append(ack)
        samples["placeholder"].append(placeholder.at - sent_at)
        samples["first_visible"].append(visible.at - stream.first_delta_at)
        samples["completion_lag"].append(final.at - stream.finished_at)
        samples["turn"].append(final.at - sent_at)
        edits.append(sum(1 for c in mine if c.method == "chat.update"))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, bytes on macOS
    url = make_url(database_url)
    return {
        "parameters": {
            "mentions": args.mentions, "answer_chars": len(expected), "chunk_size": args.chunk_size,
            "token_interval_s": args.token_interval,
            "database": "sqlite (temporary)" if not args.database_url else url.render_as_string(hide_password=True),
        },
        "latency_ms": {
            key: {q: round(1000 * f(values), 1) for q, f in
                  (("p50", lambda v: percentile(v, 0.5)), ("p99", lambda v: percentile(v, 0.99)), ("max", max))}
            for key, values in samples.items()
        },
        "slack_calls_per_reply": round(sum(1 for c in calls if c.method != "auth.test") / len(events), 2),
        "edits_per_reply": {"mean": round(sum(edits) / len(edits), 2), "max": max(edits)},
        "ratelimited_answers": slack.ratelimited_count,
        "peak_rss_mib": round(rss / (1024 * 1024 if sys.platform == "darwin" else 1024), 1),
    }


def print_table(result: dict) -> None:
    p = result["parameters"]
    stream_s = -(-p["answer_chars"] // p["chunk_size"]) * p["token_interval_s"]
    print(f"{p['mentions']} concurrent mentions · {p['answer_chars']}-char answer, {p['chunk_size']} chars every "
          f"{p['token_interval_s'] * 1000:g} ms (~{stream_s:.1f} s of streaming) · database {p['database']}")
    print(f"{'metric':<34}{'p50':>9}{'p99':>9}{'max':>9}  (ms)")
    for key, label in METRICS.items():
        row = result["latency_ms"][key]
        print(f"{label:<34}{row['p50']:>9.1f}{row['p99']:>9.1f}{row['max']:>9.1f}")
    e = result["edits_per_reply"]
    print(f"Slack calls per reply {result['slack_calls_per_reply']:g} · chat.update per reply {e['mean']:g} "
          f"(max {e['max']}) · 429 answers {result['ratelimited_answers']} · peak RSS {result['peak_rss_mib']:g} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentions", type=int, default=10, help="concurrent app_mention events (default 10)")
    parser.add_argument("--chars", type=int, default=1200, help="approximate answer length (default 1200)")
    parser.add_argument("--chunk-size", type=int, default=4, help="characters per streamed delta (default 4)")
    parser.add_argument("--token-interval", type=float, default=0.02, help="seconds between deltas (default 0.02)")
    parser.add_argument("--database-url", help="database to use instead of a temporary SQLite file")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for all replies (default 120)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    if args.mentions < 1 or args.chars < 1 or args.chunk_size < 1 or args.token_interval < 0:
        parser.error("--mentions, --chars and --chunk-size must be positive, --token-interval not negative")
    result = asyncio.run(run(args))
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        print_table(result)


if __name__ == "__main__":
    main()

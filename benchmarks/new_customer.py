"""How fast does the /new-customer form open and fill in, and how well does the no-model reader read?

1. Latency as a rep sees it. Starts the fake Slack and fake OpenAI servers (tests/fakes) on 127.0.0.1 in
   threads of this process, then the real `hard-e run --http` command as a child process against them,
   with a temporary SQLite database and data directory (`--database-url` for another database). Signed
   `/new-customer <text>` slash commands (form-encoded, as Slack posts them) go to its /slack/events, each
   with a fresh trigger id from the fake Slack and its own user, the texts taken in turn from
   tests/data/intake_messages.jsonl and intake_messages_unseen.jsonl (75 messy intake messages: dictation,
   typed notes, pasted forms). The fake model answers each structured-extraction request after
   --model-delay seconds with the reading of the message in that request: the set's expected record plus a
   note of what the customer wants (the sets record no notes). The fake's FIFO script cannot tell
   concurrent requests apart, so this script answers by content.

   Two runs on the same Hard-E process: the commands one after another (concurrency 1), then --concurrency
   at a time. A command holds its slot from its POST until its modal is on screen (the fake Slack received
   views.open), which is what the rep waits on; the model's reading arrives in the background, so model
   calls overlap in both runs (the table gives the peak number in flight). Before each run one warm-up
   command, left out of the figures, goes through the whole flow. After the last command the run waits
   until every modal opened and every expected refresh arrived, at most --model-delay + 15 s.

   Figures per command (p50 / p99 / max, milliseconds, all on this machine's monotonic clock; the fakes
   stamp calls on arrival):
     ack             the command POST's HTTP round trip (Slack shows an error after 3 s).
     modal open      POST → the fake Slack receiving views.open: the form on screen, prefilled by the
                     deterministic reader.
     fields refresh  POST → the fake Slack receiving views.update with the model's reading merged in. Only
                     commands whose refresh changes a field get one (computed here with Hard-E's own
                     form functions: `expected`); a form the reader already filled completely is left alone.
   Late opens: views.open calls that arrived more than 3 s after the trigger id was issued, or that the
   fake refused as expired. Must be 0.

2. Extraction accuracy of the deterministic reader (`deterministic_fields`, no model) on the three sets,
   scored with tests/intake/test_accuracy.py's own helpers (`rows`, `score`, `FIELDS`, the floors): a field
   is right when it equals the expected value (both empty counts; trades as sets); otherwise it was filled
   wrongly or left empty. The spoken set is scored on its contact rows, as the test does; its other rows
   must yield no contact field. Also the reader's time per message, measured in this process.

Run from the repo root (about 20 s with the defaults):
  .venv/bin/python benchmarks/new_customer.py [--commands 50] [--concurrency 10] [--model-delay 2.0]
      [--database-url URL] [--json]
Exits 1 when a modal opened late or not at all, or a command was not acknowledged with 200.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import signal
import socket
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp
from sqlalchemy.engine import make_url

from benchmarks.stream_latency import percentile
from hard_e.agents.crm.form import fill_blanks, form_from_fields, form_from_text
from hard_e.agents.intake import ClientFields, deterministic_fields, extract_client_fields, merge_fields
from tests import slack_events as se
from tests.conftest import BOT_TOKEN, bot_env
from tests.fakes import FakeOpenAI, FakeSlack
from tests.fakes.slack_server import TRIGGER_TTL
from tests.intake.test_accuracy import FIELDS, MESSAGES_FLOOR, SPOKEN_FLOOR, UNSEEN_FLOOR, rows, score
from tests.processes import BASE_ENV

COMMAND = "/new-customer"
INTAKE_SETS = ("intake_messages.jsonl", "intake_messages_unseen.jsonl")
WRITTEN_COPY = "\n\n---\n"  # extraction.py appends the spoken-numbers copy after this
MODEL_TIMEOUT = extract_client_fields.__kwdefaults__["timeout"]  # Hard-E gives up on the model after this
START_TIMEOUT = 60.0
SETTLE_EXTRA = 15.0
POLL = 0.005
METRICS = {"ack": "ack", "open": "modal open", "update": "fields refresh"}


# -- the model's side ----------------------------------------------------------------------------------


def note_for(expected: dict[str, Any]) -> str:
    trades = expected.get("trades") or []
    return f"Wants {' and '.join(trades)} work." if trades else "Wants an estimate."


def model_answer(expected: dict[str, Any]) -> ClientFields:
    """What a good model reads from the message: the set's expected record, and a note."""
    return ClientFields.model_validate({**expected, "notes": note_for(expected)})


def refresh_expected(text: str, answer: ClientFields) -> bool:
    """Does Hard-E's refresh change the prefilled form? (handlers/new_customer.py: open_form)"""
    prefill = form_from_text(text)
    return fill_blanks(prefill, form_from_fields(merge_fields(deterministic_fields(text), answer))) != prefill


class IntakeModel(FakeOpenAI):
    """The fake OpenAI, answering each structured-output request with the reading of the message it carries,
    `delay` seconds after it arrived (as the fake's `reply(..., first_token_delay=...)` would)."""

    def __init__(self, answers: dict[str, str], delay: float) -> None:
        super().__init__(api_key="sk-test")
        self._answers, self._delay = answers, delay

    async def _respond_json(self, request, plan, body, is_responses):
        message = body.get("input") if is_responses else ((body.get("messages") or [{}])[-1].get("content"))
        answer = self._answers.get(message.split(WRITTEN_COPY, 1)[0]) if isinstance(message, str) else None
        if answer is not None and plan.kind == "reply":
            plan = dataclasses.replace(plan, text=answer, tool_calls=(), first_token_delay=self._delay)
        return await super()._respond_json(request, plan, body, is_responses)


# -- Hard-E as a child process ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def hard_e_command() -> list[str]:
    script = Path(sys.executable).with_name("hard-e")
    return [str(script)] if script.exists() else [sys.executable, "-m", "hard_e"]


@contextlib.asynccontextmanager
async def hard_e_process(env: dict[str, str], workdir: Path, log_path: Path):
    """`hard-e run --http --port P` on 127.0.0.1, up once /healthz answers; SIGTERM (then SIGKILL) at the end."""
    port = free_port()
    command = [*hard_e_command(), "run", "--http", "--port", str(port)]
    with log_path.open("wb") as log:
        proc = await asyncio.create_subprocess_exec(*command, env={**BASE_ENV, **env}, cwd=workdir, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as http:
            deadline = time.monotonic() + START_TIMEOUT
            while True:
                if proc.returncode is not None:
                    raise SystemExit(f"error: hard-e exited with {proc.returncode} while starting:\n{tail(log_path)}")
                with contextlib.suppress(aiohttp.ClientError):
                    async with http.get(f"{url}/healthz") as r:
                        if r.status == 200:
                            break
                if time.monotonic() > deadline:
                    raise SystemExit(f"error: hard-e did not answer /healthz within {START_TIMEOUT:g} s:\n{tail(log_path)}")
                await asyncio.sleep(0.1)
        yield url, proc.pid, " ".join(["hard-e", *command[-4:]])
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(proc.wait(), timeout=30)
            except TimeoutError:
                proc.kill()
                await proc.wait()


def tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


# -- sending and watching ------------------------------------------------------------------------------------


@dataclass
class Sent:
    user: str
    trigger: str
    issued: float  # when the trigger id was minted (Slack's 3 s start)
    sent: float  # just before the POST
    ack: float  # POST round trip, seconds
    status: int
    expects_update: bool


@dataclass
class Watcher:
    """Reads the fake Slack's call log as it grows; tells waiting commands when their views.open arrived."""

    slack: FakeSlack
    seen: int = 0
    opens: dict[str, Any] = field(default_factory=dict)  # trigger id → Call
    updates: int = 0
    waiting: dict[str, asyncio.Event] = field(default_factory=dict)

    def poll(self) -> None:
        calls = self.slack.calls
        for call in calls[self.seen :]:
            if call.method == "views.open":
                trigger = str(call.params.get("trigger_id") or "")
                self.opens.setdefault(trigger, call)
                if (event := self.waiting.pop(trigger, None)) is not None:
                    event.set()
            elif call.method == "views.update":
                self.updates += 1
        self.seen = len(calls)

    async def run(self) -> None:
        while True:
            self.poll()
            await asyncio.sleep(POLL)

    async def opened(self, trigger: str, timeout: float) -> None:  # noqa: ASYNC109  a bounded wait, not a cancel scope
        if trigger in self.opens:
            return
        event = self.waiting.setdefault(trigger, asyncio.Event())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), timeout)


async def send_command(http: aiohttp.ClientSession, url: str, slack: FakeSlack, text: str, user: str, expects: bool) -> Sent:
    trigger = slack.issue_trigger(user)
    issued = time.monotonic()
    body = se.form_body(se.slash_command(COMMAND, text, user=user, channel="CNEWCUST", trigger_id=trigger))
    headers = se.sign(body, content_type=se.FORM)
    sent = time.monotonic()
    async with http.post(f"{url}/slack/events", data=body, headers=headers) as response:
        await response.read()
        status = response.status
    return Sent(user, trigger, issued, sent, time.monotonic() - sent, status, expects)


async def run_commands(
    http, url, slack, model, watcher: Watcher, texts, answers, *, phase: str, concurrency: int, model_delay: float
) -> tuple[list[Sent], float, int]:
    """Send len(texts) commands, `concurrency` at a time, each holding its slot until its modal opened; wait
    for the refreshes. Returns the commands, the wall time and the index of the phase's first model request."""
    first_request = len(model.requests)
    slots = asyncio.Semaphore(concurrency)
    # Worked out before the clock starts: Hard-E refreshes the form only when that changes a field.
    expects = [model_delay < MODEL_TIMEOUT and refresh_expected(t, ClientFields.model_validate_json(answers[t])) for t in texts]

    async def one(i: int, text: str) -> Sent:
        async with slots:
            done = await send_command(http, url, slack, text, f"U{phase}{i:04d}", expects[i])
            await watcher.opened(done.trigger, timeout=TRIGGER_TTL + 5)
            return done

    watcher.poll()
    updates_before = watcher.updates
    started = time.monotonic()
    sent = list(await asyncio.gather(*(one(i, text) for i, text in enumerate(texts))))
    deadline = time.monotonic() + model_delay + SETTLE_EXTRA
    wanted = sum(expects)
    while time.monotonic() < deadline:
        watcher.poll()
        if all(s.trigger in watcher.opens for s in sent) and watcher.updates - updates_before >= wanted:
            break
        await asyncio.sleep(0.02)
    wall = time.monotonic() - started
    await asyncio.sleep(0.2)  # a refresh nobody expected would land now
    watcher.poll()
    return sent, wall, first_request


def measure(
    slack: FakeSlack, model: FakeOpenAI, watcher: Watcher, sent: list[Sent], first_request: int, model_delay: float
) -> dict[str, Any]:
    view_of_user = {view.user: vid for vid, view in slack.views.items()}
    updates: dict[str, list[Any]] = {}
    for update in slack.calls_to("views.update"):
        updates.setdefault(str(update.params.get("view_id")), []).append(update)
    samples: dict[str, list[float]] = {key: [] for key in METRICS}
    late, not_opened, open_errors, update_errors, unexpected = [], [], [], [], 0
    got = 0
    for s in sent:
        samples["ack"].append(s.ack)
        call = watcher.opens.get(s.trigger)
        if call is None:
            not_opened.append(s.user)
            continue
        if call.at - s.issued > TRIGGER_TTL or call.error == "expired_trigger_id":
            late.append(f"{s.user}: arrived {1000 * (call.at - s.issued):.0f} ms after the trigger, {call.error or 'accepted'}")
        if not call.ok:
            open_errors.append(f"{s.user}: {call.error}")
            continue
        samples["open"].append(call.at - s.sent)
        mine = updates.get(view_of_user.get(s.user, ""), [])
        if mine:
            got += 1
            unexpected += not s.expects_update
            samples["update"].append(mine[0].at - s.sent)
            update_errors += [f"{s.user}: {c.error}" for c in mine if not c.ok]
    # Extraction requests of this phase, each in flight from its arrival for `model_delay` seconds.
    starts = sorted(r.at for r in model.requests[first_request:] if r.path.endswith(("/responses", "/chat/completions")))
    peak = max((sum(1 for t in starts if a <= t < a + model_delay) for a in starts), default=0)
    return {
        "latency_ms": {key: stats(values) for key, values in samples.items()},
        "late_opens": late,
        "not_opened": not_opened,
        "open_errors": open_errors,
        "not_acknowledged": [f"{s.user}: HTTP {s.status}" for s in sent if s.status != 200],
        "updates": {"expected": sum(s.expects_update for s in sent), "received": got, "unexpected": unexpected, "errors": update_errors},
        "model_requests": len(starts),
        "peak_model_calls_in_flight": peak,
    }


def stats(values: list[float]) -> dict[str, float] | None:
    if not values:
        return None
    return {
        "n": len(values),
        "p50": round(1000 * percentile(values, 0.5), 1),
        "p99": round(1000 * percentile(values, 0.99), 1),
        "max": round(1000 * max(values), 1),
    }


async def latency(args: argparse.Namespace) -> dict[str, Any]:
    intake = [row for name in INTAKE_SETS for row in rows(name)]
    answers = {row["text"]: model_answer(row["expected"]).model_dump_json() for row in intake}
    texts = [intake[i % len(intake)]["text"] for i in range(args.commands)]
    fake_slack = FakeSlack(token=BOT_TOKEN, team_id=se.TEAM, bot_user_id=se.BOT_USER)
    fake_model = IntakeModel(answers, args.model_delay)
    phases = [("sequential", "S", 1)] + ([("concurrent", "C", args.concurrency)] if args.concurrency > 1 else [])
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="hard-e-bench-") as tmp, fake_slack as slack, fake_model as model:
        database_url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        env = bot_env(slack, model, database_url, Path(tmp))
        log_path = Path(tmp) / "hard-e.log"
        async with hard_e_process(env, Path(tmp), log_path) as (url, pid, command), aiohttp.ClientSession() as http:
            watcher = Watcher(slack)
            poller = asyncio.create_task(watcher.run())
            try:
                for name, tag, concurrency in phases:
                    print(f"running {args.commands} commands, {concurrency} at a time…", file=sys.stderr, flush=True)
                    warm, _, warm_first = await run_commands(
                        http, url, slack, model, watcher, texts[:1], answers, phase=f"W{tag}", concurrency=1, model_delay=args.model_delay
                    )
                    sent, wall, first = await run_commands(
                        http, url, slack, model, watcher, texts, answers, phase=tag, concurrency=concurrency, model_delay=args.model_delay
                    )
                    result = measure(slack, model, watcher, sent, first, args.model_delay)
                    result["warm_up"] = measure(slack, model, watcher, warm, warm_first, args.model_delay)["latency_ms"]
                    results[name] = {"concurrency": concurrency, "commands": len(sent), "wall_s": round(wall, 2), **result}
            finally:
                poller.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await poller
        hard_e_log = tail(log_path, 200)
    problems = [line for line in hard_e_log.splitlines() if any(w in line for w in (" WARNING ", " ERROR ", "Traceback"))]
    return {
        "parameters": {
            "commands": args.commands,
            "concurrency": args.concurrency,
            "model_delay_s": args.model_delay,
            "hard_e": f"{command} (pid {pid})",
            "database": "sqlite (temporary)" if not args.database_url else make_url(database_url).render_as_string(hide_password=True),
            "texts": f"{len(intake)} intake messages ({', '.join(INTAKE_SETS)})",
        },
        "runs": results,
        "hard_e_log_problems": problems[:10],
    }


# -- accuracy ------------------------------------------------------------------------------------------------


def accuracy() -> dict[str, Any]:
    spoken = rows("intake_spoken_fields.jsonl")
    sets = [
        ("intake_messages", [(r["text"], r["expected"]) for r in rows("intake_messages.jsonl")], MESSAGES_FLOOR),
        ("intake_messages_unseen", [(r["text"], r["expected"]) for r in rows("intake_messages_unseen.jsonl")], UNSEEN_FLOOR),
        ("spoken_fields contact rows", [(r["input"], r["expected"]) for r in spoken if r["contact"]], SPOKEN_FLOOR),
    ]
    out: dict[str, Any] = {}
    for name, examples, floor in sets:
        n, scores = len(examples), score(examples)
        per_field: dict[str, dict[str, Any]] = {}
        for f, (acc, wrong) in scores.items():
            missed = round(n * (1 - acc)) - wrong
            per_field[f] = {"accuracy": round(acc, 4), "wrong": wrong, "empty": missed, "floor": floor[f]}
        slots = n * len(FIELDS)
        wrong_fields = sum(v["wrong"] for v in per_field.values())
        empty_fields = sum(v["empty"] for v in per_field.values())
        out[name] = {
            "messages": n,
            "fields": per_field,
            "filled_wrongly_share": round(wrong_fields / slots, 4),
            "left_empty_share": round(empty_fields / slots, 4),
            "below_floor": [f for f, v in per_field.items() if v["accuracy"] < v["floor"]],
        }
    others = [r for r in spoken if not r["contact"]]
    found = [
        r["id"]
        for r in others
        if any(getattr(deterministic_fields(r["input"]), f) for f in ("first_name", "last_name", "email", "phone", "street", "zip"))
    ]
    out["spoken_fields other rows"] = {"messages": len(others), "with_a_contact_field": found}
    texts = [t for _, examples, _ in sets for t, _ in examples] + [r["input"] for r in others]
    timings = []
    for text in texts:
        start = time.perf_counter()
        deterministic_fields(text)
        timings.append(time.perf_counter() - start)
    out["reader_time_ms"] = {
        "messages": len(texts),
        "mean": round(1000 * sum(timings) / len(timings), 3),
        "p99": round(1000 * percentile(timings, 0.99), 3),
        "max": round(1000 * max(timings), 3),
    }
    return out


# -- printing ------------------------------------------------------------------------------------------------


def checks(result: dict[str, Any]) -> list[str]:
    lines = []
    for name, run in result["latency"]["runs"].items():
        n = run["commands"]
        late, lost = run["late_opens"], run["not_opened"] + run["open_errors"]
        lines.append(
            f"{'PASS' if not late else 'FAIL'}: {name}: {len(late)} of {n} modals opened after Slack's "
            f"{TRIGGER_TTL:g}-second trigger window (goal: 0)" + (f" — {', '.join(late[:5])}" if late else "")
        )
        if lost:
            lines.append(f"FAIL: {name}: {len(lost)} of {n} modals never opened ({', '.join(lost[:5])})")
        if run["not_acknowledged"]:
            lines.append(f"FAIL: {name}: {len(run['not_acknowledged'])} commands not acknowledged with 200")
        u = run["updates"]
        if u["received"] != u["expected"] or u["errors"]:
            lines.append(
                f"NOTE: {name}: {u['received']} refreshes received, {u['expected']} expected "
                f"({u['unexpected']} unexpected, {len(u['errors'])} refused by Slack)"
            )
    for name, s in result["accuracy"].items():
        if s.get("below_floor"):
            lines.append(f"FAIL: reader accuracy on {name} below the test's floor: {', '.join(s['below_floor'])}")
    return lines


def failed(result: dict[str, Any]) -> bool:
    return any(
        run["late_opens"] or run["not_opened"] or run["open_errors"] or run["not_acknowledged"]
        for run in result["latency"]["runs"].values()
    )


def _cell(row: dict[str, float] | None) -> str:
    return "—" if row is None else f"{row['p50']:,.0f} / {row['p99']:,.0f} / {row['max']:,.0f}"


def print_report(result: dict[str, Any]) -> None:
    lat, p = result["latency"], result["latency"]["parameters"]
    print(
        f"/new-customer latency · {p['commands']} commands per run · model answers after {p['model_delay_s']:g} s · "
        f"{p['hard_e']} · database {p['database']} · {p['texts']}"
    )
    head = (
        f"{'run':<20}{'ack ms':>18}{'modal open ms':>22}{'fields refresh ms':>24}{'late':>7}"
        f"{'refreshes':>11}{'model peak':>12}{'wall s':>8}"
    )
    print(head)
    print(f"{'':<20}{'p50 / p99 / max':>18}{'p50 / p99 / max':>22}{'p50 / p99 / max':>24}{'opens':>7}{'got/exp':>11}{'in flight':>12}")
    print("-" * len(head))
    for run in lat["runs"].values():
        label = "one after another" if run["concurrency"] == 1 else f"{run['concurrency']} at a time"
        m, u = run["latency_ms"], run["updates"]
        print(
            f"{label:<20}{_cell(m['ack']):>18}{_cell(m['open']):>22}{_cell(m['update']):>24}{len(run['late_opens']):>7}"
            f"{u['received']:>5}/{u['expected']:<5}{run['peak_model_calls_in_flight']:>12}{run['wall_s']:>8.1f}"
        )
    for name, run in lat["runs"].items():
        w = run["warm_up"]
        print(
            f"warm-up command before the {name} run (not in the table): ack {_cell(w['ack'])}, "
            f"modal open {_cell(w['open'])}, refresh {_cell(w['update'])} ms"
        )
    if lat["hard_e_log_problems"]:
        print("Hard-E logged warnings or errors:\n  " + "\n  ".join(lat["hard_e_log_problems"]))

    acc = result["accuracy"]
    scored = [k for k in acc if "fields" in acc[k]]
    print()
    print("Deterministic reader, per-field accuracy (tests/intake/test_accuracy.py scoring; w = filled wrongly, e = left empty)")
    titles = [f"{k} ({acc[k]['messages']})" for k in scored]
    print(f"{'field':<14}" + "".join(f"{title:>32}" for title in titles))
    for f in FIELDS:
        cells = []
        for k in scored:
            v = acc[k]["fields"][f]
            flag = " <floor" if v["accuracy"] < v["floor"] else ""
            cells.append(f"{v['accuracy']:.2f} (w {v['wrong']}, e {v['empty']}){flag}")
        print(f"{f:<14}" + "".join(f"{c:>32}" for c in cells))
    print(f"{'filled wrongly':<14}" + "".join(f"{acc[k]['filled_wrongly_share']:>32.1%}" for k in scored))
    print(f"{'left empty':<14}" + "".join(f"{acc[k]['left_empty_share']:>32.1%}" for k in scored))
    print(f"{'below floor':<14}" + "".join(f"{', '.join(acc[k]['below_floor']) or 'none':>32}" for k in scored))
    other = acc["spoken_fields other rows"]
    t = acc["reader_time_ms"]
    print(
        f"spoken_fields non-contact rows: {len(other['with_a_contact_field'])} of {other['messages']} yield a contact field "
        f"(goal 0) · reader time per message over {t['messages']}: mean {t['mean']:.2f} ms, p99 {t['p99']:.2f} ms, "
        f"max {t['max']:.2f} ms"
    )
    print()
    for line in checks(result):
        print(line)


# -- main -----------------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commands", type=int, default=50, help="commands per run (default 50, at most 1000)")
    parser.add_argument("--concurrency", type=int, default=10, help="commands at a time in the second run (default 10; 1 skips that run)")
    parser.add_argument(
        "--model-delay", type=float, default=2.0, help="seconds the fake model takes to answer the extraction (default 2.0, at most 30)"
    )
    parser.add_argument("--database-url", help="database for Hard-E instead of a temporary SQLite file")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    if not 1 <= args.commands <= 1000 or not 1 <= args.concurrency <= args.commands:
        parser.error("--commands must be 1..1000 and --concurrency 1..--commands")
    if not 0 <= args.model_delay <= 30:
        parser.error("--model-delay must be 0..30 seconds")
    result: dict[str, Any] = {"latency": asyncio.run(latency(args)), "accuracy": accuracy()}
    result["checks"] = checks(result)
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        print_report(result)
    if failed(result):
        sys.exit(1)


if __name__ == "__main__":
    main()

"""Many instances, proven: two `hard-e run --http` processes and two `hard-e clock`s, real processes on one
fresh PostgreSQL database, serve one workspace against the fake Slack and OpenAI servers.

Events are spread over both web processes and each is delivered again to the other one (Slack's retries,
with X-Slack-Retry-Num, and the `message` twin of a mention); a modal and a Confirm button are submitted to
both at once. What Slack, the model and the database end up holding is the proof: one reply per event, one
turn at a time per thread, one customer, one note, each scheduled job once per slot (by a clock, never by
the web processes, whose scheduler is off), and no placeholder left by a web process killed mid-answer.

PostgreSQL only (`HARDE_TEST_POSTGRES_URL`): that is where processes share locks. The processes start once
and every check runs against them in order, as subtests of one test, so pytest-xdist cannot spread them
over workers that would each start their own set. A second test drives two instances' event ledgers into
writing one burst in opposite orders (which deadlocked on PostgreSQL before the ledger wrote in key order).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import signal
import socket
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from hard_e.bot.config import Settings
from hard_e.bot.recovery import INTERRUPTED, stale_after
from hard_e.bot.scheduler import JOBS
from hard_e.bot.streaming import PLACEHOLDER
from hard_e.store.crm_import import SAMPLE_DIR, import_crm
from hard_e.store.db import create_engine
from tests import slack_events as se
from tests.conftest import bot_env, start_bot
from tests.processes import BASE_ENV

pytestmark = pytest.mark.e2e

DATA = Path(__file__).parent / "data"
START_TIMEOUT = 90.0  # four processes importing the Agents SDK at once on a small, busy CI machine
ANSWER = "Lead with the inspection, then the warranty."
EVENTS = 24
QUESTION = "question {n}: how should I open a door knock?"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def wait_until(condition: Callable[[], Any], what: str, timeout: float = 20.0) -> Any:  # noqa: ASYNC109  a polling deadline
    """Poll `condition` (sync or async) until it is truthy; AssertionError naming `what` past the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if isinstance(value, Awaitable):
            value = await value
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:g} s")
        await asyncio.sleep(0.05)


# -- the processes ---------------------------------------------------------------------------------


@dataclass
class Process:
    """One `hard-e` child process; its stdout and stderr go to `log`."""

    name: str
    proc: asyncio.subprocess.Process
    log: Path
    url: str | None = None  # web processes: http://127.0.0.1:PORT

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    @property
    def running(self) -> bool:
        return self.proc.returncode is None

    def kill(self) -> None:
        if self.running:
            self.proc.kill()

    async def stop(self, grace: float = 3.0) -> None:
        """SIGTERM, then SIGKILL if it is still there after `grace` seconds (reaction removals can keep a
        draining web process busy for longer than a test should wait)."""
        if self.running:
            self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), grace)
            except TimeoutError:
                self.proc.kill()
        await self.proc.wait()


@dataclass
class Fleet:
    """Hard-E processes sharing one database, started as a process manager would; all ended by `close`."""

    workdir: Path
    env: dict[str, str]
    processes: list[Process] = field(default_factory=list)

    async def _spawn(self, name: str, args: list[str], extra: dict[str, str]) -> Process:
        log = self.workdir / f"{name}.log"
        with log.open("wb") as out:
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "hard_e", *args, env={**BASE_ENV, **self.env, **extra}, cwd=self.workdir,
                stdin=asyncio.subprocess.DEVNULL, stdout=out, stderr=out,
            )  # fmt: skip
        process = Process(name, proc, log)
        self.processes.append(process)
        return process

    async def web(self, name: str, **extra: str) -> Process:
        """`hard-e run --http --port P` with the scheduler off, up once /healthz answers 200."""
        port = free_port()
        process = await self._spawn(name, ["run", "--http", "--port", str(port)], {"HARDE_SCHEDULER": "off", **extra})
        process.url = f"http://127.0.0.1:{port}"
        async with aiohttp.ClientSession() as http:

            async def healthy() -> bool:
                assert process.running, f"{name} exited while starting:\n{process.output()[-3000:]}"
                with contextlib.suppress(aiohttp.ClientError):
                    async with http.get(f"{process.url}/healthz") as response:
                        return response.status == 200
                return False

            await wait_until(healthy, f"{name} answering /healthz", START_TIMEOUT)
        return process

    async def clock(self, name: str, **extra: str) -> Process:
        """`hard-e clock`, up once it says its jobs are scheduled."""
        process = await self._spawn(name, ["clock"], extra)

        def started() -> bool:
            assert process.running, f"{name} exited while starting:\n{process.output()[-3000:]}"
            return "Hard-E clock started" in process.output()

        await wait_until(started, f"{name} starting", START_TIMEOUT)
        return process

    async def close(self) -> None:
        await asyncio.gather(*(p.stop() for p in self.processes), return_exceptions=True)

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.output()[-2000:]}" for p in self.processes)


def fleet_env(fake_slack, fake_openai, database_url: str, workdir: Path, **extra: str) -> dict[str, str]:
    """What every process gets: the fakes, the shared database, knowledge and transcripts to sync, and
    half of Slack's limits each (two web processes serve the workspace)."""
    shared = {"HARDE_KB_DIR": str(DATA / "knowledge"), "HARDE_TRANSCRIPTS_URI": str(DATA / "transcripts"), "HARDE_SLACK_RATE_SHARE": "0.5"}
    return bot_env(fake_slack, fake_openai, database_url, workdir, **(shared | extra))


# -- talking to them as Slack does ---------------------------------------------------------------------


async def deliver(http: aiohttp.ClientSession, process: Process, payload: dict, *, retry: int | None = None) -> int:
    """POST an Events API payload, signed; `retry` adds Slack's X-Slack-Retry-Num/Reason headers."""
    body = se.body_of(payload)
    headers = se.sign(body)
    if retry is not None:
        headers |= {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
    async with http.post(f"{process.url}/slack/events", data=body, headers=headers) as response:
        await response.read()
        return response.status


async def interact(http: aiohttp.ClientSession, process: Process, body: str) -> tuple[int, dict]:
    """POST a form-encoded payload (a slash command, an interaction), signed; (status, JSON answer or {})."""
    async with http.post(f"{process.url}/slack/events", data=body, headers=se.sign(body, content_type=se.FORM)) as response:
        answer = await response.text()
        return response.status, json.loads(answer) if answer.strip() else {}


async def counter(http: aiohttp.ClientSession, process: Process, name: str, **labels: str) -> float:
    """The sum of a counter's samples in the process's /metrics whose labels include `labels`."""
    async with http.get(f"{process.url}/metrics") as response:
        exposition = await response.text()
    return sum(
        sample.value
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
        if sample.name == f"{name}_total" and labels.items() <= sample.labels.items()
    )


async def scalar(engine, sql: str, **params: Any) -> Any:
    async with engine.connect() as conn:
        return (await conn.execute(text(sql), params)).scalar()


def visible(fake_slack, channel: str, thread_ts: str) -> list[str]:
    return [m.text for m in fake_slack.messages(channel=channel, thread_ts=thread_ts)]


def shown_at(fake_slack, body: str) -> float:
    """When Slack first received `body` as a message's whole text (posted or edited in)."""
    return min(c.at for c in fake_slack.calls if c.ok and c.method in ("chat.postMessage", "chat.update") and c.params.get("text") == body)


def model_inputs(fake_openai) -> list[tuple[float, str]]:
    """(arrival, the request's input as text) of every model request, in order."""
    requests = [r for r in fake_openai.requests if r.path.endswith(("/responses", "/completions"))]
    return [(r.at, json.dumps(r.body.get("input") or r.body.get("messages"))) for r in requests]


# -- the test ---------------------------------------------------------------------------------------------


async def test_two_web_processes_and_two_clocks_serve_one_workspace(postgres_url, fake_slack, fake_openai, tmp_path, subtests):
    fake_openai.default_reply = ANSWER
    fake_slack.published_limits()  # Slack's own limits, for the whole workspace: both web processes together
    timeouts = {"HARDE_FIRST_TOKEN_TIMEOUT": "20", "HARDE_TURN_TIMEOUT": "30"}  # a shorter staleness threshold than the defaults
    fleet = Fleet(tmp_path, fleet_env(fake_slack, fake_openai, postgres_url, tmp_path, **timeouts))
    engine = create_engine(Settings.from_env({"DATABASE_URL": postgres_url}, dotenv=None).database_url)
    try:
        # All four start at once on an empty database: they take turns migrating it.
        # (The clocks log at debug level: that is where a clock says it left a slot to the other.)
        clocks = [fleet.clock(name, HARDE_LOG_LEVEL="debug") for name in ("clock-1", "clock-2")]
        web_a, web_b, *_ = await asyncio.gather(fleet.web("web-a"), fleet.web("web-b"), *clocks)
        await import_crm(engine, SAMPLE_DIR)  # the local CRM, with the sample company
        # Each server closes a connection idle for 5 s; the client lets go of it well before that.
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(keepalive_timeout=2)) as http:
            with subtests.test("a web process killed mid-answer leaves no placeholder after the sweep"):
                await check_killed_mid_answer(http, fleet, web_a, web_b, fake_slack, fake_openai, engine)
            # web-b's replacement serves from here on (started now if that check failed before it could).
            webs = (web_a, next((p for p in fleet.processes if p.name == "web-b2"), None) or await fleet.web("web-b2"))
            with subtests.test("exactly one reply per event"):
                await check_one_reply_per_event(http, webs, fake_slack, fake_openai, engine)
            with subtests.test("one turn at a time per thread"):
                await check_one_turn_at_a_time(http, webs, fake_slack, fake_openai)
            with subtests.test("a modal submitted to both processes creates one customer"):
                await check_one_customer(http, webs, fake_slack, engine)
            with subtests.test("a Confirm clicked on both processes writes once"):
                await check_one_crm_write(http, webs, fake_slack, fake_openai, engine)
            with subtests.test("each scheduled job runs once per slot, in a clock"):
                await check_jobs_once(http, fleet, webs, engine)
            with subtests.test("with HARDE_SLACK_RATE_SHARE=0.5 each, the two stay inside Slack's limits"):
                assert fake_slack.ratelimited_count == 0, [c for c in fake_slack.calls if c.status == 429][:5]
    finally:
        await fleet.close()
        await engine.dispose()


async def check_killed_mid_answer(http, fleet: Fleet, web_a: Process, web_b: Process, fake_slack, fake_openai, engine) -> None:
    """web-b is SIGKILLed while the model has yet to answer: its "Thinking…" placeholder stays in Slack. Once
    the placeholder is older than the staleness threshold, a sweep in another process ends it — here the
    web process that replaces web-b, as the Procfile's process manager or systemd's Restart= would, sweeping
    as it starts — and the thread is free for the next question."""
    fake_openai.reply("This answer never arrives.", first_token_delay=60)  # the model is still thinking when the process dies
    event = se.mention("what do I say at the door?", channel="C700")
    assert await deliver(http, web_b, se.envelope(event)) == 200
    await wait_until(lambda: visible(fake_slack, "C700", event["ts"]) == [PLACEHOLDER], "web-b's placeholder")
    await wait_until(lambda: any("what do I say at the door?" in body for _, body in model_inputs(fake_openai)), "the model asked")
    web_b.kill()
    await web_b.proc.wait()
    [placeholder] = fake_slack.messages(channel="C700", thread_ts=event["ts"])
    assert placeholder.text == PLACEHOLDER, "the killed process left its placeholder behind"

    # A placeholder ends only once it is older than stale_after(settings): HARDE_FIRST_TOKEN_TIMEOUT and
    # HARDE_TURN_TIMEOUT shorten it, but never under 64 s (a fixed 60 s margin), and each process sweeps at
    # start and then every 60 s. Rather than wait minutes, the record is dated back past the threshold.
    threshold = stale_after(SimpleNamespace(settings=Settings.from_env(fleet.env, dotenv=None)))  # type: ignore[arg-type]
    async with engine.begin() as conn:
        aged = await conn.execute(
            text(
                "UPDATE bot_messages SET created_at = created_at - make_interval(secs => :age)"
                " WHERE channel_id = 'C700' AND ts = :ts AND kind = 'placeholder'"
            ),
            {"age": (threshold + timedelta(seconds=5)).total_seconds(), "ts": placeholder.ts},
        )
    assert aged.rowcount == 1, "the placeholder is on record for the sweep"
    await fleet.web("web-b2")  # its first sweep runs as it starts
    await wait_until(lambda: fake_slack.message("C700", placeholder.ts).text == INTERRUPTED, "the stale placeholder ended", 15)

    edits = [c for c in fake_slack.calls_to("chat.update") if c.params.get("ts") == placeholder.ts]
    assert [c.params["text"] for c in edits] == [INTERRUPTED], "ended once, by one process"
    assert not [m for m in fake_slack.messages() if m.text == PLACEHOLDER], "no placeholder left anywhere in Slack"
    kind = await scalar(engine, "SELECT kind FROM bot_messages WHERE channel_id = 'C700' AND ts = :ts", ts=placeholder.ts)
    assert kind == "error"

    # The dead process held the thread's turn lock; PostgreSQL let go of it with its connection, so the
    # rep asking again in that thread is answered now, not told the thread is busy.
    again = se.message("what do I say at the door? (again)", channel="C700", thread_ts=event["ts"])
    assert await deliver(http, web_a, se.envelope(again)) == 200
    await wait_until(lambda: visible(fake_slack, "C700", event["ts"]) == [INTERRUPTED, ANSWER], "the thread answered again", 15)


async def check_one_reply_per_event(http, webs: tuple[Process, Process], fake_slack, fake_openai, engine) -> None:
    """Each mention goes to one web process, and Slack's retry and the mention's `message` twin to the other
    one: for half the events at the same moment (a race for the ledger), for the rest once the answer is
    in. Then a late second retry reaches the other one again."""

    async def tally(outcome: str) -> list[float]:  # the events each process took on, or turned away
        return [await counter(http, web, "harde_slack_events", outcome=outcome) for web in webs]

    answered_before, duplicates_before = await tally("answered"), sum(await tally("duplicate"))
    events = [se.mention(QUESTION.format(n=n), channel=f"C{100 + n}") for n in range(EVENTS)]
    envelopes = [se.envelope(event) for event in events]
    twins = [se.envelope(se.as_message_twin(event)) for event in events]
    now, later = [], []
    for n, (envelope, twin) in enumerate(zip(envelopes, twins, strict=True)):
        first, other = webs[n % 2], webs[1 - n % 2]
        now.append((first, envelope, None))
        # Racing events: whichever process inserts into the ledger first answers all of them (its batch of
        # requests lands first), so the events whose copies come later keep both processes answering.
        (now if n % 4 < 2 else later).extend([(other, envelope, 1), (other, twin, None)])
    assert set(await asyncio.gather(*(deliver(http, web, payload, retry=retry) for web, payload, retry in now))) == {200}

    def answered() -> bool:
        return all(visible(fake_slack, e["channel"], e["ts"]) == [ANSWER] for e in events)

    await wait_until(answered, f"{EVENTS} answers", 40)
    later += [(webs[1 - n % 2], envelope, 2) for n, envelope in enumerate(envelopes)]
    assert set(await asyncio.gather(*(deliver(http, web, payload, retry=retry) for web, payload, retry in later))) == {200}

    async def turned_away() -> bool:
        return sum(await tally("duplicate")) >= duplicates_before + 3 * EVENTS

    await wait_until(turned_away, "every retry and twin turned away")
    assert sum(await tally("duplicate")) == duplicates_before + 3 * EVENTS
    for event in events:
        assert [m.text for m in fake_slack.messages(channel=event["channel"])] == [ANSWER], f"one reply in {event['channel']}"
    asked = [body for _, body in model_inputs(fake_openai) for n in range(EVENTS) if QUESTION.format(n=n) in body]
    assert len(asked) == EVENTS, "the model was asked once per event"
    answered_by = [after - before for after, before in zip(await tally("answered"), answered_before, strict=True)]
    assert sum(answered_by) == EVENTS and all(answered_by), f"both processes answered: {answered_by}"
    assert await scalar(engine, "SELECT count(*) FROM processed_events WHERE key LIKE 'T1:C1__:%'") == EVENTS


async def check_one_turn_at_a_time(http, webs: tuple[Process, Process], fake_slack, fake_openai) -> None:
    """Two replies in one thread reach different processes at once: the later model request starts only
    after the earlier answer's final edit, and carries that answer in its history."""
    root = se.mention("any tips for a first visit?", channel="C900")
    await deliver(http, webs[0], se.envelope(root))
    await wait_until(lambda: visible(fake_slack, "C900", root["ts"]) == [ANSWER], "the thread's first answer")
    first, second = "Bring the hail report and the warranty sheet; start with the roof photos.", "Then book the inspection."
    fake_openai.reply(first, chunk_size=4, delay=0.08)  # streams for about 1.5 s
    fake_openai.reply(second)
    asks = ["what should I bring?", "how long should the visit take?"]
    replies = [se.message(ask, channel="C900", thread_ts=root["ts"]) for ask in asks]
    await asyncio.gather(*(deliver(http, web, se.envelope(reply)) for web, reply in zip(webs, replies, strict=True)))

    await wait_until(lambda: {first, second} <= set(visible(fake_slack, "C900", root["ts"])), "both replies answered", 30)
    requests = [(at, body) for at, body in model_inputs(fake_openai) if any(ask in body for ask in asks)]
    assert len(requests) == 2, requests
    (earlier_at, earlier), (later_at, later) = sorted(requests)
    assert sum(ask in earlier for ask in asks) == 1, "the first turn saw only its own question"
    assert later_at > shown_at(fake_slack, first), "the second turn started after the first answer's final edit"
    assert first in later and all(ask in later for ask in asks), "the second turn saw the first answer in its history"

    def settled() -> bool:  # an answer posted anew leaves its stale message until chat.delete's budget allows
        return sorted(visible(fake_slack, "C900", root["ts"])) == sorted([ANSWER, first, second])

    await wait_until(settled, "the thread holding the three answers, and only them", 30)


NEW_CUSTOMER = {
    "first_name": "Emily", "last_name": "Stone", "email": "emily@demo.com", "phone": "555-123-4567",
    "address": "2608 Copper Canyon Drive, Plano, TX 75024", "trade": ["roofing"], "lead_source": "door_knock",
}  # fmt: skip


async def check_one_customer(http, webs: tuple[Process, Process], fake_slack, engine) -> None:
    """/new-customer opens the form; its submission reaches both processes at once, and once more."""
    trigger = fake_slack.issue_trigger("U1")
    status, _ = await interact(http, webs[0], se.form_body(se.slash_command("/new-customer", trigger_id=trigger)))
    assert status == 200
    [view_id] = await wait_until(lambda: list(fake_slack.views), "the form open")
    values = {(key, "value"): value for key, value in NEW_CUSTOMER.items()}
    body = se.interaction_body(se.view_submission(fake_slack.view(view_id), values=values, check=False))
    answers = await asyncio.gather(interact(http, webs[0], body), interact(http, webs[1], body), interact(http, webs[1], body))
    assert all(status == 200 for status, _ in answers), answers

    def told() -> list[str]:
        return [m.text for m in fake_slack.messages(channel="D1") if m.text.startswith("Done")]

    await wait_until(told, "the rep told the customer is in")
    await asyncio.sleep(0.5)  # a second creation would tell the rep again right after
    assert len(told()) == 1 and "*Emily Stone* is in" in told()[0]
    assert await scalar(engine, "SELECT count(*) FROM crm_customers WHERE first_name = 'Emily' AND last_name = 'Stone'") == 1
    assert await scalar(engine, "SELECT count(*) FROM crm_outbox") == 1


NOTE = "[Call] Left a voicemail about the start date."
OKAFOR_JOB = 4709


async def check_one_crm_write(http, webs: tuple[Process, Process], fake_slack, fake_openai, engine) -> None:
    """The rep asks in their DM for a note; the Confirm click reaches both processes at once, and once more."""
    notes_before = await scalar(engine, "SELECT count(*) FROM crm_notes WHERE job_id = :job", job=OKAFOR_JOB)
    fake_openai.reply_tool_call("add_note", {"job": "the Okafor job", "note": NOTE})
    fake_openai.reply("I've drafted that note — confirm it below and I'll add it.")
    ask = se.message("add a note to the Okafor job: left a voicemail about the start date", channel="D3", channel_type="im", user="U3")
    assert await deliver(http, webs[0], se.envelope(ask)) == 200

    def confirmation():
        return next((m for m in fake_slack.messages(channel="D3") if m.blocks and any(b["type"] == "actions" for b in m.blocks)), None)

    message = await wait_until(confirmation, "the confirmation message", 30)
    [actions] = [b for b in message.blocks if b["type"] == "actions"]
    [confirm] = [e for e in actions["elements"] if e["action_id"] == "crm_confirm"]
    click = se.block_action(user="U3", action_id="crm_confirm", value=confirm["value"], channel="D3", message_ts=message.ts)
    body = se.interaction_body(click)
    answers = await asyncio.gather(interact(http, webs[0], body), interact(http, webs[1], body), interact(http, webs[0], body))
    assert all(status == 200 for status, _ in answers), answers

    await wait_until(lambda: fake_slack.message("D3", message.ts).text.startswith("Done — note added"), "the change shown as done")
    await asyncio.sleep(0.5)  # a second write would land right after
    done = [c for c in fake_slack.calls_to("chat.update") if c.params.get("ts") == message.ts and c.params["text"].startswith("Done")]
    assert len(done) == 1, "the confirmation was turned into its outcome once"
    assert await scalar(engine, "SELECT count(*) FROM crm_notes WHERE job_id = :job", job=OKAFOR_JOB) == notes_before + 1
    async with engine.connect() as conn:
        audit = (await conn.execute(text("SELECT slack_user, action, target, result FROM crm_audit ORDER BY id"))).all()
    assert [tuple(row) for row in audit] == [("U3", "add_note", f"job {OKAFOR_JOB}", "done")]


# What each job logs when it does its work (or finds another run of it under way); the outbox logs nothing.
WORK_LINES = {
    "retention": re.compile(r"scheduler: retention: "),
    "knowledge_sync": re.compile(r"scheduler: (knowledge synced in|knowledge sync skipped)"),
    "transcripts_load": re.compile(r"scheduler: (transcripts loaded in|transcript load skipped)"),
}


async def check_jobs_once(http, fleet: Fleet, webs: tuple[Process, Process], engine) -> None:
    """One job_runs row per (job, slot), all finished; each job did its work once per row, in a clock; both
    clocks fired every job (one ran it, the other stood aside); the web processes ran none."""
    async with engine.connect() as conn:
        rows = (await conn.execute(text("SELECT job, slot, outcome FROM job_runs ORDER BY job, slot"))).all()
    slots: dict[str, int] = {}
    for job, _, outcome in rows:
        assert outcome in ("ok", "running"), rows  # the outbox, every 30 s, may be at work right now
        slots[job] = slots.get(job, 0) + 1
    assert set(slots) == {job.name for job in JOBS}, rows

    clocks = [p for p in fleet.processes if p.name.startswith("clock")]
    for job, line in WORK_LINES.items():
        done = sum(len(line.findall(p.output())) for p in clocks)
        assert done == slots[job], f"{job}: {slots[job]} slot(s) claimed, work done {done} time(s)\n{fleet.logs()}"
        passed = sum(p.output().count(f"job {job}: slot taken by another process") for p in clocks)
        assert done + passed >= len(clocks), f"{job}: both clocks fired it"

    for web in webs:
        assert "scheduler off: jobs run in `hard-e clock` only" in web.output()
        assert not any(line.search(web.output()) for line in WORK_LINES.values()), f"{web.name} did a job's work"
        assert await counter(http, web, "harde_job_runs") == 0, f"{web.name} ran a job"


# Writing to the ledger made slow, so that two instances' writes of one burst overlap for sure: an opening
# event's key (channel COPEN…) takes 1 s, while the burst arrives and queues for each instance's next write;
# then every key takes 0.1 s.
SLOW_LEDGER = (
    "CREATE FUNCTION slow_ledger() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
    " PERFORM pg_sleep(CASE WHEN NEW.key LIKE '%:COPEN%' THEN 1 ELSE 0.1 END); RETURN NEW; END $$",
    "CREATE TRIGGER slow_ledger BEFORE INSERT ON processed_events FOR EACH ROW EXECUTE FUNCTION slow_ledger()",
)
BURST = 12


async def test_a_burst_whose_twins_reach_the_other_instance_in_another_order_gets_one_reply_each(
    postgres_url, fake_slack, fake_openai, tmp_path
):
    """Slack sends a channel mention twice, as `app_mention` and as `message`; behind a load balancer the two
    may reach different instances, and in a burst in another order. Each message still gets one reply.

    Two Hard-E instances in this process, each with its own database engine and event ledger as two
    processes have (what collides is their PostgreSQL connections), rather than two more child processes."""
    fake_openai.default_reply = ANSWER
    # Budgets to spare (Slack's limits are not what this is about): every answer is one message, edited.
    budgets = {"HARDE_SLACK_RATE_SHARE": "1", "HARDE_SLACK_EDITS_PER_MINUTE": "10000", "HARDE_SLACK_EDIT_BURST": "1000"}
    env = fleet_env(fake_slack, fake_openai, postgres_url, tmp_path, **budgets)
    first, second = await start_bot(env), await start_bot(env)
    try:
        async with first.services.engine.begin() as conn:
            for statement in SLOW_LEDGER:
                await conn.exec_driver_sql(statement)
        openers = [bot.send_event(se.mention("good morning", channel=f"COPEN{n}")) for n, bot in enumerate((first, second))]
        assert {response.status for response in await asyncio.gather(*openers)} == {200}
        await asyncio.sleep(0.2)  # both ledgers now writing their opener's key
        events = [se.mention(f"burst {n}: any tips for a first visit?", channel=f"C{500 + n}") for n in range(BURST)]
        # At the same moments: the mentions in order to one instance, their twins in reverse order to the other.
        pairs = zip(events, reversed(events), strict=True)
        deliveries = [d for event, twin in pairs for d in (first.send_event(event), second.send_event(se.as_message_twin(twin)))]
        assert {response.status for response in await asyncio.gather(*deliveries)} == {200}
        await wait_until(lambda: all(ANSWER in visible(fake_slack, e["channel"], e["ts"]) for e in events), "the answers", 30)
        await first.settle(30)
        await second.settle(30)
    finally:
        await first.stop()
        await second.stop()
    replies = {e["channel"]: [m.text for m in fake_slack.messages(channel=e["channel"])] for e in events}
    assert all(texts == [ANSWER] for texts in replies.values()), replies

"""Probe `hard-e run --http` with malformed and hostile requests, as an outsider would.

Starts the fake Slack and fake OpenAI servers (tests/fakes) on 127.0.0.1 and the real
`python -m hard_e run --http` process against them (a temporary SQLite database), then sends
about 130 requests: signed and unsigned, broken timestamps and signatures, bodies that don't
parse, events of the wrong shape, text that poisons storage (lone surrogates, NUL), a 1 MB
mention, junk floods, stalled bodies, slow headers and garbage request lines. Each probe states
what a careful server does; the table says what this one did. Afterwards it reads the process's
log for tracebacks, ERROR lines, secrets and message text, and checks that /healthz still says 200
and a normal mention is still answered.

Run from the repo root:
  .venv/bin/python benchmarks/probe_bad_input.py [--json]
Exit status 0 when every probe passed, 1 otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402

from tests import slack_events as se  # noqa: E402
from tests.conftest import BOT_TOKEN  # noqa: E402
from tests.fakes import FakeOpenAI, FakeSlack  # noqa: E402

SECRET_MARKERS = (BOT_TOKEN, se.SIGNING_SECRET, "sk-probe-key")
TEXT_MARKER = "zebra-quartz"  # in every probe message's text: must never reach the log


@dataclass
class Result:
    name: str
    expected: str
    got: str
    ok: bool


@dataclass
class Probe:
    url: str
    slack: FakeSlack
    openai: FakeOpenAI
    results: list[Result] = field(default_factory=list)

    def record(self, name: str, expected: str, got: str, ok: bool) -> None:
        self.results.append(Result(name, expected, got, ok))

    async def post(self, body: str | bytes, headers: dict[str, str]) -> int:
        async with aiohttp.ClientSession() as http:
            async with http.post(f"{self.url}/slack/events", data=body, headers=headers) as response:
                await response.read()
                return response.status

    async def signed(self, body: str, **headers: str) -> int:
        return await self.post(body, {**se.sign(body), **headers})

    async def settle(self, seconds: float = 0.5) -> None:
        await asyncio.sleep(seconds)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def read_log(log: Path) -> str:
    """The bot's log so far, read off the event loop."""
    return await asyncio.to_thread(log.read_text, errors="replace")


async def wait_for(predicate: Callable[[], bool], timeout: float = 15.0) -> bool:  # noqa: ASYNC109  polling deadline: answers False, not TimeoutError
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        await asyncio.sleep(0.05)
    return predicate()


# -- probes ---------------------------------------------------------------------------------------


async def verification(p: Probe) -> None:
    body = se.body_of(se.envelope(se.mention(f"{TEXT_MARKER} hello")))
    good = se.sign(body)
    cases = {
        "timestamp 'abc'": {**good, "X-Slack-Request-Timestamp": "abc"},
        "timestamp '1.5e9'": {**good, "X-Slack-Request-Timestamp": "1.5e9"},
        "timestamp empty": {**good, "X-Slack-Request-Timestamp": ""},
        "timestamp missing": {k: v for k, v in good.items() if k != "X-Slack-Request-Timestamp"},
        "timestamp 10 minutes old": se.sign(body, timestamp=int(time.time()) - 600),
        "timestamp 10 minutes ahead": se.sign(body, timestamp=int(time.time()) + 600),
        "signature missing": {k: v for k, v in good.items() if k != "X-Slack-Signature"},
        "signature garbled": {**good, "X-Slack-Signature": "v0=nothex"},
        "signature v1=": {**good, "X-Slack-Signature": good["X-Slack-Signature"].replace("v0=", "v1=")},
        "signature of another body": {**se.sign(body + " "), "Content-Type": "application/json"},
        "wrong signing secret": se.sign(body, secret="not-the-secret"),
    }
    for name, headers in cases.items():
        status = await p.post(body, headers)
        p.record(f"signed mention, {name}", "401", str(status), status == 401)
    for raw in ("{", "[1]", "payload=x", "", "null", "\xff\xfe"):
        status = await p.post(raw.encode("latin-1"), {"Content-Type": "application/json"})
        p.record(f"unsigned body {raw!r}", "401", str(status), status == 401)


async def malformed_but_signed(p: Probe) -> None:
    posts_before = len(p.slack.calls_to("chat.postMessage"))
    bodies = {
        "event is a string": json.dumps({**se.envelope({}), "event": "app_mention"}),
        "event is a list": json.dumps({**se.envelope({}), "event": [1, 2]}),
        "event is a number": json.dumps({**se.envelope({}), "event": 7}),
        "event is null": json.dumps({**se.envelope({}), "event": None}),
        "body is a list": "[1]",
        "body is a string": '"hello"',
        "body is not JSON": "{not json",
        "body is empty": "",
        "form payload not JSON": "payload=x",
        "form payload a list": "payload=%5B1%5D",
        "event_callback without event": '{"type": "event_callback"}',
        "unknown type": '{"type": "something_else"}',
    }
    for name, body in bodies.items():
        ctype = "application/x-www-form-urlencoded" if body.startswith("payload=") else "application/json"
        status = await p.signed(body, **{"Content-Type": ctype})
        p.record(f"signed, {name}", "400 or 200, never 500", str(status), status in (200, 400, 404))
    events = {
        "mention without ts": {k: v for k, v in se.mention(f"{TEXT_MARKER} a").items() if k != "ts"},
        "mention without channel": {k: v for k, v in se.mention(f"{TEXT_MARKER} b").items() if k != "channel"},
        "mention with user as an object": {**se.mention(f"{TEXT_MARKER} c"), "user": {"id": "U1"}},
        "mention with text as a list": {**se.mention(f"{TEXT_MARKER} d"), "text": ["x"]},
        "DM without ts": {k: v for k, v in se.message(f"{TEXT_MARKER} e", channel="D1", channel_type="im").items() if k != "ts"},
        "home opened without user": {"type": "app_home_opened", "tab": "home", "channel": "D1", "event_ts": "1.0"},
    }
    for name, event in events.items():
        status = await p.signed(se.body_of(se.envelope(event)))
        p.record(f"signed, {name}", "200 or 404, nothing posted", str(status), status in (200, 404))
    await p.settle()
    posted = len(p.slack.calls_to("chat.postMessage")) - posts_before
    p.record("nothing posted for the malformed events", "0 posts", f"{posted} posts", posted == 0)


async def poisoned_text(p: Probe) -> None:
    for name, text in (("a lone surrogate", f"{TEXT_MARKER} price for \ud800 shingles?"), ("a NUL", f"{TEXT_MARKER} roof\x00 please")):
        p.openai.reply("First answer.")
        event = se.mention(text)
        await p.signed(json.dumps(se.envelope(event), ensure_ascii=True))
        answered = await wait_for(
            lambda ts=event["ts"]: any(m.text == "First answer." for m in p.slack.messages(channel="C1", thread_ts=ts))
        )
        p.openai.reply("Second answer.")
        await p.signed(se.body_of(se.envelope(se.message(f"{TEXT_MARKER} and then?", thread_ts=event["ts"]))))
        again = await wait_for(
            lambda ts=event["ts"]: any(m.text == "Second answer." for m in p.slack.messages(channel="C1", thread_ts=ts))
        )
        p.record(f"mention holding {name}, then a reply", "both answered", f"first {answered}, reply {again}", answered and again)


async def huge_mention(p: Probe) -> None:
    p.openai.reply("The gist.")
    event = se.mention(f"{TEXT_MARKER} " + "blah " * 200_000)
    status = await p.signed(se.body_of(se.envelope(event)))
    told = await wait_for(lambda: any("very long" in m.text for m in p.slack.messages(channel="C1", thread_ts=event["ts"])))
    answered = any(m.text.startswith("The gist.") for m in p.slack.messages(channel="C1", thread_ts=event["ts"]))
    size = len(json.dumps(p.openai.last_request.body)) if p.openai.last_request else 0
    p.record(
        "a 1,000,000-character mention",
        "model request < 60 kB, rep told",
        f"{status}, {size:,} B, told {told}",
        answered and size < 60_000 and told,
    )
    big = "x" * (2 * 1024 * 1024)
    status = await p.signed(big)
    p.record("a 2 MB body", "413", str(status), status == 413)


async def junk_flood(p: Probe, log: Path) -> None:
    before = (await read_log(log)).count("\n")
    async with aiohttp.ClientSession() as http:
        kinds = [
            ("{", "application/json"),
            ("[1]", "application/json"),
            ("payload=x", "application/x-www-form-urlencoded"),
            ("junk", "text/plain"),
        ]
        for i in range(300):
            body, ctype = kinds[i % len(kinds)]
            async with http.post(f"{p.url}/slack/events", data=body, headers={"Content-Type": ctype}) as response:
                await response.read()
    await p.settle()
    lines = (await read_log(log)).splitlines()[before:]
    p.record("300 unsigned junk requests", "a handful of log lines", f"{len(lines)} new log lines", len(lines) <= 10)


async def stalled_bodies(p: Probe, log: Path, count: int = 200) -> None:
    host, port = "127.0.0.1", int(p.url.rsplit(":", 1)[1])
    before = (await read_log(log)).count("ERROR")
    writers = []
    for _ in range(count):
        reader, writer = await asyncio.open_connection(host, port)
        writer.write(b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{")
        await writer.drain()
        writers.append((reader, writer))
    started = time.monotonic()

    async def closed(reader: asyncio.StreamReader) -> float:
        try:
            async with asyncio.timeout(25):
                while await reader.read(4096):
                    pass
        except (TimeoutError, ConnectionError):
            return float("inf")
        return time.monotonic() - started

    times = sorted(await asyncio.gather(*(closed(r) for r, _ in writers)))
    for _, w in writers:
        w.close()
    await p.settle()
    errors = (await read_log(log)).count("ERROR") - before
    worst = times[-1]
    p.record(f"{count} connections announcing 100 kB, sending 1 byte", "all closed within ~10 s, no ERROR",
             f"last closed after {worst:.1f} s, {errors} ERROR", worst < 12 and errors == 0)


async def slow_headers(p: Probe, log: Path) -> None:
    host, port = "127.0.0.1", int(p.url.rsplit(":", 1)[1])
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(b"POST /slack/events HTTP/1.1\r\nHost: x\r\n")
    await writer.drain()
    started = time.monotonic()
    try:
        async with asyncio.timeout(25):
            while await reader.read(4096):
                pass
        took = time.monotonic() - started
    except (TimeoutError, ConnectionError):
        took = float("inf")
    writer.close()
    p.record("headers that never finish (slowloris)", "closed within ~10 s", f"{took:.1f} s", took < 12)
    before = await read_log(log)
    for line in (b"GARBAGE\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"):
        reader, writer = await asyncio.open_connection(host, port)
        writer.write(line)
        await writer.drain()
        try:
            async with asyncio.timeout(5):
                await reader.read(4096)
        except (TimeoutError, ConnectionError):
            pass
        writer.close()
    await p.settle()
    new = (await read_log(log))[len(before):]
    p.record("malformed request lines (garbage, HTTP/9.9, a TLS hello)", "no traceback, no ERROR",
             f"{new.count('Traceback')} tracebacks, {new.count('ERROR')} ERROR", "Traceback" not in new and "ERROR" not in new)


async def other_routes(p: Probe) -> None:
    async with aiohttp.ClientSession() as http:
        for method, path, expected in (("GET", "/slack/events", 405), ("GET", "/nowhere", 404), ("POST", "/healthz", 405)):
            async with http.request(method, f"{p.url}{path}") as response:
                p.record(f"{method} {path}", str(expected), str(response.status), response.status == expected)


async def still_healthy(p: Probe, log: Path) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{p.url}/healthz") as response:
            health = response.status
        async with http.get(f"{p.url}/metrics") as response:
            metrics = await response.text()
    p.record("/healthz after everything", "200", str(health), health == 200)
    leaked = [m for m in (*SECRET_MARKERS, TEXT_MARKER) if m in metrics]
    p.record("/metrics holds no secret or message text", "none", ", ".join(leaked) or "none", not leaked)
    p.openai.reply("Still here.")
    event = se.mention(f"{TEXT_MARKER} still there?")
    await p.signed(se.body_of(se.envelope(event)))
    answered = await wait_for(lambda: any(m.text == "Still here." for m in p.slack.messages(channel="C1", thread_ts=event["ts"])))
    p.record("a normal mention afterwards", "answered", str(answered), answered)
    text = await read_log(log)
    leaked = [m for m in (*SECRET_MARKERS, TEXT_MARKER) if m in text]
    p.record("the log holds no secret or message text", "none", ", ".join(leaked) or "none", not leaked)
    p.record("the log holds no traceback", "0", str(text.count("Traceback")), "Traceback" not in text)
    p.record("ERROR lines in the whole log", "0", str(text.count(" ERROR ")), " ERROR " not in text)


async def main(as_json: bool) -> int:
    slack = FakeSlack(token=BOT_TOKEN, team_id=se.TEAM, bot_user_id=se.BOT_USER)
    openai = FakeOpenAI(api_key="sk-probe-key")
    slack.start()
    openai.start()
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "hard-e.log"
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "OPENAI_", "HARDE_", "DATABASE_URL"))},
            "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": se.SIGNING_SECRET, "SLACK_API_URL": slack.url,
            "OPENAI_API_KEY": "sk-probe-key", "OPENAI_BASE_URL": openai.url, "HOST": "127.0.0.1",
            "HARDE_DATA_DIR": tmp, "PYTHONPATH": str(ROOT),  # this checkout's hard_e, whatever is installed
        }
        with log.open("wb") as out:
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "hard_e", "run", "--http", "--port", str(port), env=env, cwd=tmp,
                stdout=out, stderr=out,
            )
        p = Probe(f"http://127.0.0.1:{port}", slack, openai)
        try:
            async def up() -> bool:
                try:
                    async with aiohttp.ClientSession() as http, http.get(f"{p.url}/healthz") as r:
                        return r.status == 200
                except aiohttp.ClientError:
                    return False

            for _ in range(300):
                if await up():
                    break
                await asyncio.sleep(0.1)
            steps: list[Callable[[], Awaitable[None]]] = [
                lambda: verification(p), lambda: malformed_but_signed(p), lambda: poisoned_text(p),
                lambda: huge_mention(p), lambda: junk_flood(p, log), lambda: stalled_bodies(p, log),
                lambda: slow_headers(p, log), lambda: other_routes(p), lambda: still_healthy(p, log),
            ]
            for step in steps:
                await step()
        finally:
            proc.send_signal(signal.SIGTERM)
            await asyncio.wait_for(proc.wait(), timeout=40)
            slack.stop()
            openai.stop()
        p.record("SIGTERM", "exit 0", f"exit {proc.returncode}", proc.returncode == 0)
    if as_json:
        print(json.dumps([r.__dict__ for r in p.results], indent=2))
    else:
        width = max(len(r.name) for r in p.results)
        for r in p.results:
            print(f"{'ok  ' if r.ok else 'FAIL'} {r.name:<{width}}  expected {r.expected}; got {r.got}")
        print(f"\n{sum(r.ok for r in p.results)} of {len(p.results)} probes passed")
    return 0 if all(r.ok for r in p.results) else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    sys.exit(asyncio.run(main(parser.parse_args().json)))

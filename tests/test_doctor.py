"""`hard-e doctor` against the local fakes: one line per configured check, the fix for each problem,
exit status 1 on any problem, and never a secret in what it prints."""

from __future__ import annotations

import asyncio
import io
import json
import os
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import boto3
import pytest
import yaml

from hard_e.bot.config import Settings
from hard_e.bot.doctor import doctor
from hard_e.bot.doctor_checks import manifest_bot_scopes
from hard_e.store import migrate
from hard_e.store.db import create_engine
from tests.conftest import BOT_TOKEN, sqlite_only
from tests.fakes.elevenlabs_server import DEFAULT_VOICES, FakeElevenLabs
from tests.fakes.leap_server import FakeLeap
from tests.fakes.perplexity_server import FakePerplexity
from tests.fakes.shotstack_server import FakeShotstack
from tests.fakes.xai_server import FakeXAI
from tests.processes import hard_e

MANIFEST = Path(__file__).resolve().parents[1] / "manifest.yml"
BOT_SCOPES = frozenset(yaml.safe_load(MANIFEST.read_text())["oauth_config"]["scopes"]["bot"])
BUCKET = "hard-e-sources"
LEAP_TOKEN = "leap-secret-7f3a9c"
PPLX_KEY = "pplx-secret-51be02"
XAI_KEY = "xai-secret-0c44d1"
XI_KEY = "xi-secret-e93b7a"
SHOTSTACK_KEY = "ss-secret-2d81f0"
OPENAI_KEY = "sk-test"  # the fake_openai fixture's key


@dataclass
class World:
    """Every outside system Hard-E can use, faked on 127.0.0.1, and the environment pointing at them."""

    env: dict[str, str]
    slack: object
    leap: FakeLeap
    xai: FakeXAI

    def settings(self, **changes: str) -> Settings:
        return Settings.from_env({**self.env, **changes}, dotenv=None)

    @property
    def secrets(self) -> list[str]:
        return [BOT_TOKEN, "xapp-test", OPENAI_KEY, LEAP_TOKEN, PPLX_KEY, XAI_KEY, XI_KEY, SHOTSTACK_KEY, "testing"]


@pytest.fixture
def services() -> Iterator[tuple[FakeLeap, FakePerplexity, FakeXAI, FakeElevenLabs, FakeShotstack]]:
    fakes = (
        FakeLeap(token=LEAP_TOKEN),
        FakePerplexity(api_key=PPLX_KEY),
        FakeXAI(api_key=XAI_KEY),
        FakeElevenLabs(api_key=XI_KEY),
        FakeShotstack(api_key=SHOTSTACK_KEY, stage="stage"),
    )
    for fake in fakes:
        fake.start()
    try:
        yield fakes
    finally:
        for fake in fakes:
            fake.stop()


@pytest.fixture
def world(fake_slack, fake_openai, services, s3_server, engine, database_url, tmp_path) -> World:
    leap, perplexity, xai, elevenlabs, shotstack = services
    fake_slack.scopes = tuple(sorted(BOT_SCOPES))
    s3 = boto3.client("s3", endpoint_url=s3_server)
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key="kb/warranty.md", Body=b"# Warranty\n")
    s3.put_object(Bucket=BUCKET, Key="transcripts/call-1.json", Body=b"{}")
    env = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_APP_TOKEN": fake_slack.app_token,
        "SLACK_API_URL": fake_slack.url,
        "OPENAI_API_KEY": OPENAI_KEY,
        "OPENAI_BASE_URL": fake_openai.url,
        "HARDE_MODEL": "gpt-4.1",
        "HARDE_FAST_MODEL": "gpt-4.1-mini",
        "HARDE_MODEL_SCRIPTING": "gpt-4o",
        "HARDE_VISION_MODEL": "gpt-4.1",
        "HARDE_TRANSCRIBE_MODEL": "whisper-1",
        "LEAP_API_TOKEN": LEAP_TOKEN,
        "LEAP_API_URL": leap.api_url,
        "PERPLEXITY_API_KEY": PPLX_KEY,
        "PERPLEXITY_BASE_URL": perplexity.base_url,
        "XAI_API_KEY": XAI_KEY,
        "XAI_BASE_URL": xai.base_url,
        "ELEVENLABS_API_KEY": XI_KEY,
        "ELEVENLABS_BASE_URL": elevenlabs.base_url,
        "ELEVENLABS_VOICE_ID": DEFAULT_VOICES[0],
        "SHOTSTACK_API_KEY": SHOTSTACK_KEY,
        "SHOTSTACK_BASE_URL": shotstack.base_url,
        "SHOTSTACK_STAGE": "stage",
        "HARDE_KB_S3_URIS": f"s3://{BUCKET}/kb",
        "HARDE_TRANSCRIPTS_URI": f"s3://{BUCKET}/transcripts",
        "DATABASE_URL": database_url,
        "HARDE_DATA_DIR": str(tmp_path / "data"),
    }
    return World(env, fake_slack, leap, xai)


async def run_doctor(world: World, per_check: float = 5.0, **changes: str) -> tuple[int, str]:
    out = io.StringIO()
    code = await doctor(world.settings(**changes), per_check=per_check, out=out)
    text = out.getvalue()
    for secret in world.secrets + [v for k, v in changes.items() if k.endswith(("_TOKEN", "_KEY"))]:
        assert secret not in text, f"a secret was printed: {text}"
    assert "Traceback" not in text
    return code, text


def lines(text: str, status: str) -> dict[str, str]:
    """`{name: rest of the line}` for the lines with `status`."""
    found = {}
    for line in text.splitlines():
        if line.startswith(f"{status} ") and ": " in line:
            name, _, rest = line[len(status) :].strip().partition(": ")
            found[name] = rest
    return found


async def test_everything_configured_and_working_is_one_ok_line_each_and_exit_0(world, fake_openai):
    code, text = await run_doctor(world)

    assert code == 0, text
    ok = lines(text, "ok")
    [database] = [name for name in ok if name.startswith("Database (")]
    assert set(ok) == {
        "Slack bot token", "Slack scopes", "Slack Socket Mode", f"Model server (127.0.0.1:{fake_openai.port})",
        "Model gpt-4.1 (HARDE_MODEL, HARDE_VISION_MODEL)", "Model gpt-4.1-mini (HARDE_FAST_MODEL)",
        "Model gpt-4o (HARDE_MODEL_SCRIPTING)", "Model whisper-1 (HARDE_TRANSCRIBE_MODEL)",
        "Leap CRM", "Perplexity (web research)", "xAI (Grok voice pass)", "ElevenLabs (Listen)", "Shotstack (Render video)",
        f"S3 source s3://{BUCKET}/kb", f"S3 source s3://{BUCKET}/transcripts", database,
    }  # fmt: skip
    assert ok[database] == f"connected; the schema is at revision {migrate.head_revision()}, the newest"
    findings = [line for line in text.splitlines() if line and not line.startswith("No problems")]
    assert all(line.startswith("ok ") for line in findings), text  # one line per check, each ok
    assert f"all {len(BOT_SCOPES)} bot scopes in manifest.yml are granted" in text
    assert text.rstrip().endswith(f"No problems: {len(findings)} checks passed.")


async def test_a_revoked_slack_token_says_what_to_do(world):
    world.slack.revoke(BOT_TOKEN)

    code, text = await run_doctor(world)

    assert code == 1
    problem = lines(text, "problem")["Slack bot token"]
    assert problem.startswith("token revoked (token_revoked) — create a new bot token") and "set SLACK_BOT_TOKEN" in problem
    assert "Slack scopes" not in text  # nothing to compare once the token is refused
    assert "Slack Socket Mode" in lines(text, "ok")


async def test_missing_scopes_are_listed_with_reinstall_as_the_fix(world):
    world.slack.scopes = tuple(sorted(BOT_SCOPES - {"users:read.email", "reactions:write"}))

    code, text = await run_doctor(world)

    assert code == 1
    assert lines(text, "problem")["Slack scopes"] == (
        "missing reactions:write, users:read.email — add them to the app (OAuth & Permissions, or update it from "
        "manifest.yml) and reinstall the app to the workspace"
    )
    assert "Slack bot token" in lines(text, "ok")


@pytest.mark.parametrize("slack_answers", ["not_allowed_token_type", "invalid_auth"])
async def test_a_bot_token_given_as_the_app_token_is_called_out(world, slack_answers):
    world.slack.wrong_token_type_error = slack_answers  # Slack's documented error, and the other answer seen

    code, text = await run_doctor(world, SLACK_APP_TOKEN=BOT_TOKEN)

    assert code == 1
    problem = lines(text, "problem")["Slack Socket Mode"]
    assert problem.startswith(f"SLACK_APP_TOKEN holds a bot token (xoxb-…), not an app-level token ({slack_answers})")
    assert "create an app-level token with connections:write" in problem and "xapp-" in problem


async def test_an_unknown_model_is_a_problem_naming_its_variable(world):
    code, text = await run_doctor(world, HARDE_MODEL_SCRIPTING="gpt-imaginary")

    assert code == 1
    problem = lines(text, "problem")["Model gpt-imaginary (HARDE_MODEL_SCRIPTING)"]
    assert problem.startswith("the server has no model gpt-imaginary (it offers ")
    assert problem.endswith("— set HARDE_MODEL_SCRIPTING to a model the server offers")
    assert "Model gpt-4.1 (HARDE_MODEL, HARDE_VISION_MODEL)" in lines(text, "ok")


async def test_a_leap_token_leap_refuses(world):
    code, text = await run_doctor(world, LEAP_API_TOKEN="leap-revoked-0000")

    assert code == 1
    assert lines(text, "problem")["Leap CRM"] == (
        "the token was rejected (HTTP 401) — generate a new API token in Leap (Settings → Developer) and set LEAP_API_TOKEN"
    )


async def test_a_missing_bucket_is_named(world):
    code, text = await run_doctor(world, HARDE_KB_S3_URIS="s3://no-such-bucket/kb")

    assert code == 1
    problem = lines(text, "problem")["S3 source s3://no-such-bucket/kb"]
    assert problem.startswith("bucket no-such-bucket does not exist — check the bucket name in HARDE_KB_S3_URIS")
    assert f"S3 source s3://{BUCKET}/transcripts" in lines(text, "ok")


async def test_a_database_behind_the_newest_migration_says_run_db_upgrade(world, database_url, tmp_path):
    behind = f"sqlite:///{tmp_path / 'old.db'}" if database_url.startswith("sqlite") else database_url
    engine = create_engine(Settings.from_env({"DATABASE_URL": behind}, dotenv=None).database_url)
    if not behind.startswith("sqlite"):  # the world's PostgreSQL database is at head: take it back
        await migrate_down(engine, "0004")
    else:
        await migrate.upgrade(engine, "0004")
    await engine.dispose()

    code, text = await run_doctor(world, DATABASE_URL=behind)

    assert code == 1
    [problem] = [p for n, p in lines(text, "problem").items() if n.startswith("Database")]
    head = migrate.head_revision()
    assert problem == f"the schema is at revision 0004, behind {head} — run hard-e db upgrade (hard-e run also does it at start)"


async def migrate_down(engine, revision: str) -> None:
    from alembic import command

    cfg = migrate.alembic_config()

    def down(connection) -> None:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, revision)

    async with engine.begin() as connection:
        await connection.run_sync(down)


async def test_checks_that_get_no_answer_time_out_together_with_their_fix(world):
    world.leap.stall(10)
    world.slack.delay("auth.test", 10)

    started = time.monotonic()
    code, text = await run_doctor(world, per_check=0.5)
    took = time.monotonic() - started

    assert code == 1
    problems = lines(text, "problem")
    assert problems["Leap CRM"] == f"no answer from 127.0.0.1:{world.leap.port} within 0.5 s — check LEAP_API_URL"
    assert problems["Slack bot token"].startswith(f"no answer from 127.0.0.1:{world.slack.port} within 0.5 s — check SLACK_API_URL")
    assert took < 2.5, f"checks ran one after another ({took:.1f} s)"  # concurrently: about the slowest one


async def test_each_outside_service_says_which_setting_is_wrong(world):
    world.xai.key_blocked = True

    code, text = await run_doctor(
        world,
        PERPLEXITY_API_KEY="pplx-wrong-1",
        ELEVENLABS_VOICE_ID="no-such-voice",
        SHOTSTACK_STAGE="v1",  # a sandbox key on production
        OPENAI_API_KEY="sk-wrong-2",
    )

    assert code == 1
    problems = lines(text, "problem")
    assert problems["Perplexity (web research)"] == "the key was rejected (HTTP 401) — set PERPLEXITY_API_KEY to a valid key"
    assert problems["xAI (Grok voice pass)"].startswith("the key can't be used (api_key_blocked)")
    assert problems["ElevenLabs (Listen)"].startswith("no voice no-such-voice in this account — set ELEVENLABS_VOICE_ID")
    assert problems["Shotstack (Render video)"].startswith("the key was rejected on stage v1 (HTTP 403) — set SHOTSTACK_API_KEY")
    [server] = [n for n in problems if n.startswith("Model server")]
    assert problems[server] == "the key was rejected (HTTP 401) — set OPENAI_API_KEY to a valid key"
    assert not [n for n in problems if n.startswith("Model gpt")]  # no model lines once the key is refused


async def test_what_is_not_configured_is_said_and_is_not_a_problem(fake_openai, engine, database_url, tmp_path):
    env = {"OPENAI_API_KEY": OPENAI_KEY, "OPENAI_BASE_URL": fake_openai.url, "HARDE_TRANSCRIBE_MODEL": "whisper-1"}
    env |= {"DATABASE_URL": database_url, "HARDE_DATA_DIR": str(tmp_path)}
    out = io.StringIO()

    code = await doctor(Settings.from_env(env, dotenv=None), out=out)

    text = out.getvalue()
    assert code == 0, text
    assert set(lines(text, "not configured")) == {
        "Slack", "Leap CRM", "Perplexity (web research)", "ElevenLabs (Listen)", "Shotstack (Render video)", "Knowledge and transcripts",
    }  # fmt: skip
    assert lines(text, "off") == {"xAI (Grok voice pass)": "XAI_API_KEY is not set"}


def test_the_manifest_reader_finds_the_bot_scopes_yaml_does():
    assert manifest_bot_scopes(MANIFEST.read_text()) == BOT_SCOPES
    assert manifest_bot_scopes("oauth_config:\n  scopes:\n    user:\n      - chat:write\n") is None


@sqlite_only  # two process starts; the database check itself runs on both stores above
def test_the_command_exits_0_when_all_is_well_and_1_on_a_problem_printing_no_secret(world, tmp_path, database_url):
    aws = {k: v for k, v in os.environ.items() if k.startswith("AWS_")}  # moto, from the s3_server fixture
    env = {**world.env, **aws}

    well = hard_e("doctor", env=env, cwd=tmp_path)
    world.slack.revoke(BOT_TOKEN)
    unwell = hard_e("doctor", env=env, cwd=tmp_path)

    assert well.returncode == 0, well.stdout + well.stderr
    assert not lines(well.stdout, "problem") and "Slack scopes: all" in well.stdout
    assert unwell.returncode == 1
    assert "problem         Slack bot token: token revoked (token_revoked)" in unwell.stdout
    for output in (well.stdout + well.stderr, unwell.stdout + unwell.stderr):
        assert "Traceback" not in output
        assert not [secret for secret in world.secrets if secret in output]


# -- /healthz ----------------------------------------------------------------------------------------


async def test_healthz_reports_the_database(bot_factory):
    bot = await bot_factory()
    status, body = await bot.get("/healthz")
    assert status == 200 and json.loads(body) == {"status": "ok", "database": "ok"}

    await bot.services.engine.dispose()
    bot.services.engine = create_engine("postgresql+asyncpg://nobody@127.0.0.1:1/none")  # a database that is not there
    status, body = await bot.get("/healthz")
    assert status == 503
    assert json.loads(body) == {"status": "unavailable", "reasons": ["the database does not answer"], "database": "unavailable"}


async def test_socket_mode_serves_healthz_with_the_connection(fake_slack, fake_openai, database_url, tmp_path):
    from hard_e.bot import runner

    port = free_port()
    env = {
        "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_APP_TOKEN": fake_slack.app_token, "SLACK_API_URL": fake_slack.url,
        "OPENAI_API_KEY": OPENAI_KEY, "OPENAI_BASE_URL": fake_openai.url, "DATABASE_URL": database_url,
        "HARDE_DATA_DIR": str(tmp_path), "HOST": "127.0.0.1", "PORT": str(port), "HARDE_SCHEDULER": "off",
    }  # fmt: skip
    task = asyncio.create_task(runner.run(Settings.from_env(env, dotenv=None)))
    try:
        await until(lambda: fake_slack.socket_connected or task.done(), "connected")
        assert not task.done(), task
        async with aiohttp.ClientSession() as http:

            async def health() -> tuple[int, dict]:
                async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                    return response.status, await response.json()

            assert await health() == (200, {"status": "ok", "database": "ok", "socket_mode": "connected"})
            async with http.post(f"http://127.0.0.1:{port}/slack/events", data=b"{}") as response:
                assert response.status in (404, 405)  # Slack's requests come over the socket, never here

            fake_slack.fail_next("apps.connections.open", "internal_error", times=1000)  # no way back in
            fake_slack.close_sockets()
            await until_async(lambda: health(), lambda got: got[0] == 503, "disconnected")
            status, body = await health()
            assert status == 503 and body == {
                "status": "unavailable",
                "reasons": ["not connected to Slack (Socket Mode)"],
                "database": "ok",
                "socket_mode": "disconnected",
            }
    finally:
        task.cancel()
        await asyncio.wait({task}, timeout=10)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def until(predicate, what: str, timeout: float = 10.0) -> None:  # noqa: ASYNC109  polling deadline
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"not {what} within {timeout} s"
        await asyncio.sleep(0.02)


async def until_async(read, done, what: str, timeout: float = 10.0) -> None:  # noqa: ASYNC109  polling deadline
    deadline = time.monotonic() + timeout
    while not done(await read()):
        assert time.monotonic() < deadline, f"not {what} within {timeout} s"
        await asyncio.sleep(0.05)

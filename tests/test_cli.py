"""The `hard-e` command as an admin runs it: real processes, real ports."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time

import aiohttp

from tests import slack_events as se
from tests.conftest import BOT_TOKEN
from tests.processes import BASE_ENV, hard_e

KNOWLEDGE = os.path.join(os.path.dirname(__file__), "data", "knowledge")
TRANSCRIPTS = os.path.join(os.path.dirname(__file__), "data", "transcripts")



async def read_stderr_until(
    proc: asyncio.subprocess.Process,
    marker: bytes,
    timeout: float = 30,  # noqa: ASYNC109  applied with asyncio.timeout below, a default callers needn't repeat
) -> bytes:
    """What the process wrote to stderr up to and including the line with `marker`."""
    seen = b""
    async with asyncio.timeout(timeout):
        while marker not in seen:
            line = await proc.stderr.readline()
            assert line, seen.decode()
            seen += line
    return seen


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_run_without_slack_credentials_names_both_modes_and_what_each_needs(tmp_path):
    result = hard_e("run", env={"HARDE_DATA_DIR": str(tmp_path)}, cwd=tmp_path)
    assert result.returncode == 1
    first, *rest = result.stderr.splitlines()
    assert first == "Hard-E can't connect to Slack yet: set SLACK_BOT_TOKEN and SLACK_APP_TOKEN or SLACK_SIGNING_SECRET."
    text = "\n".join(rest)
    assert "Socket Mode (the manifest's default" in text and "needs SLACK_APP_TOKEN" in text
    assert "HTTP mode (`hard-e run --http`" in text and "needs SLACK_SIGNING_SECRET" in text
    assert "hard-e chat" in result.stderr and "Traceback" not in result.stderr


def test_run_http_without_a_signing_secret_names_only_that(tmp_path):
    result = hard_e("run", "--http", env={"SLACK_BOT_TOKEN": "xoxb-1", "HARDE_DATA_DIR": str(tmp_path)}, cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.splitlines()[0] == "Hard-E can't connect to Slack yet: set SLACK_SIGNING_SECRET."
    assert "SLACK_APP_TOKEN" not in result.stderr and "Every mode needs" not in result.stderr


def test_bare_hard_e_prints_help_and_version_works(tmp_path):
    bare = hard_e(env={}, cwd=tmp_path)
    assert bare.returncode == 0 and bare.stderr == ""
    assert bare.stdout.startswith("usage: hard-e") and all(c in bare.stdout for c in ("run", "chat", "kb", "transcripts"))
    version = hard_e("--version", env={}, cwd=tmp_path)
    assert version.returncode == 0 and re.fullmatch(r"hard-e \d+\.\d+\.\d+\S*\n", version.stdout)


def test_run_and_chat_help_list_the_variables_they_need(tmp_path):
    run = hard_e("run", "--help", env={}, cwd=tmp_path)
    chat = hard_e("chat", "--help", env={}, cwd=tmp_path)
    assert run.returncode == chat.returncode == 0
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "OPENAI_API_KEY", "DATABASE_URL", "PORT"):
        assert name in run.stdout, name
    assert "OPENAI_API_KEY" in chat.stdout and "OPENAI_BASE_URL" in chat.stdout and "SLACK_BOT_TOKEN" not in chat.stdout


def test_kb_sync_and_transcripts_load_report_their_result_once(tmp_path):
    env = {"HARDE_DATA_DIR": str(tmp_path), "HARDE_KB_DIR": KNOWLEDGE, "HARDE_TRANSCRIPTS_URI": TRANSCRIPTS}
    synced = hard_e("kb", "sync", env=env, cwd=tmp_path)
    loaded = hard_e("transcripts", "load", env=env, cwd=tmp_path)
    assert synced.returncode == loaded.returncode == 0, synced.stderr + loaded.stderr
    assert (synced.stdout + synced.stderr).count("11 added") == 1
    assert (loaded.stdout + loaded.stderr).count("15 loaded") == 1


def test_socket_mode_without_bot_token_names_it(tmp_path):
    result = hard_e("run", env={"SLACK_APP_TOKEN": "xapp-1"}, cwd=tmp_path)
    assert result.returncode == 1 and "SLACK_BOT_TOKEN" in result.stderr and "SLACK_SIGNING_SECRET" not in result.stderr


def test_malformed_setting_stops_start_up_naming_it(tmp_path):
    result = hard_e("run", env={"PORT": "eighty"}, cwd=tmp_path)
    assert result.returncode == 2 and "PORT" in result.stderr and "Traceback" not in result.stderr


def test_db_upgrade_creates_the_sqlite_database_under_the_data_dir(tmp_path):
    result = hard_e("db", "upgrade", env={"HARDE_DATA_DIR": str(tmp_path / "state")}, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(tmp_path / "state" / "hard_e.db") as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"conversations", "processed_events", "bot_messages", "agent_sessions", "agent_messages"} <= tables


def test_admin_commands_report_a_migration_in_one_line_and_keep_alembic_quiet(tmp_path, database_url):
    from hard_e.store.migrate import head_revision

    env = {"HARDE_KB_DIR": KNOWLEDGE, "HARDE_DATA_DIR": str(tmp_path), "DATABASE_URL": database_url}
    synced = hard_e("kb", "sync", env=env, cwd=tmp_path)  # a fresh database: every migration runs
    found = hard_e("kb", "search", "warranty", env=env, cwd=tmp_path)
    upgraded = hard_e("db", "upgrade", env=env, cwd=tmp_path)

    assert synced.returncode == found.returncode == upgraded.returncode == 0, synced.stderr + found.stderr
    assert found.stdout.startswith("1. ") and upgraded.stdout == "Database is up to date.\n"
    stderr = synced.stderr + found.stderr + upgraded.stderr
    assert "alembic" not in stderr and "Context impl" not in stderr and "DDL" not in stderr
    migrated = [line for line in synced.stderr.splitlines() if "database upgraded" in line]
    assert len(migrated) == 1 and f"database upgraded to {head_revision()} (applied 0001, " in migrated[0]
    assert "database upgraded" not in found.stderr + upgraded.stderr  # nothing left to apply


def test_debug_log_level_still_shows_alembic_at_work(tmp_path):
    result = hard_e("db", "upgrade", env={"HARDE_DATA_DIR": str(tmp_path), "HARDE_LOG_LEVEL": "debug"}, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "alembic.runtime.migration: Running upgrade  -> 0001" in result.stderr


def test_admin_commands_start_without_the_agents_sdk_openai_or_slack(tmp_path):
    """Importing the Agents SDK alone takes seconds; store-only commands must not pay for it."""
    script = (
        "import contextlib, sys\n"
        "from hard_e.bot.cli import main\n"
        "for argv in sys.argv[1:]:\n"
        "    with contextlib.suppress(SystemExit):\n"
        "        assert main(argv.split()) == 0, argv\n"
        "print(sorted(m for m in ('agents', 'openai', 'slack_bolt', 'slack_sdk') if m in sys.modules))\n"
    )
    commands = ["--help", "db upgrade", "kb sync", "kb search warranty", "transcripts load"]
    env = {**BASE_ENV, "HARDE_DATA_DIR": str(tmp_path), "HARDE_KB_DIR": KNOWLEDGE, "HARDE_TRANSCRIPTS_URI": TRANSCRIPTS}
    result = subprocess.run(
        [sys.executable, "-c", script, *commands], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "Transcripts loaded from" in result.stdout
    assert result.stdout.splitlines()[-1] == "[]"


def test_chat_streams_answers_and_keeps_history(tmp_path, fake_openai):
    fake_openai.reply("Knock, smile, listen.")
    fake_openai.reply("Then ask for the inspection.")
    env = {"OPENAI_API_KEY": "sk-test", "OPENAI_BASE_URL": fake_openai.url, "HARDE_DATA_DIR": str(tmp_path)}
    result = hard_e("chat", env=env, cwd=tmp_path, stdin="how do I door knock?\nand after that?\nexit\n")
    assert result.returncode == 0, result.stderr
    assert "hard-e> Knock, smile, listen." in result.stdout
    assert "hard-e> Then ask for the inspection." in result.stdout
    inputs = fake_openai.last_request.body["input"]
    assert [m["content"] for m in inputs] == ["how do I door knock?", "Knock, smile, listen.", "and after that?"]


def test_chat_without_a_model_explains_what_to_set(tmp_path):
    result = hard_e("chat", env={"HARDE_DATA_DIR": str(tmp_path)}, cwd=tmp_path, stdin="hi\n")
    assert result.returncode == 2 and "OPENAI_API_KEY" in result.stdout


async def test_run_http_serves_slack_then_stops_cleanly_on_sigterm(tmp_path, fake_slack, fake_openai):
    port = free_port()
    env = {
        **BASE_ENV, "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": se.SIGNING_SECRET,
        "SLACK_API_URL": fake_slack.url, "OPENAI_API_KEY": "sk-test", "OPENAI_BASE_URL": fake_openai.url,
        "HOST": "127.0.0.1", "HARDE_DATA_DIR": str(tmp_path),
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "hard_e", "run", "--http", "--port", str(port), env=env, cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    try:
        async with aiohttp.ClientSession() as http:
            deadline = time.monotonic() + 30
            while True:
                try:
                    async with http.get(f"http://127.0.0.1:{port}/healthz") as r:
                        if r.status == 200:
                            break
                except aiohttp.ClientError:
                    pass
                assert time.monotonic() < deadline, "server did not come up"
                await asyncio.sleep(0.1)
            fake_openai.reply("Served by the real process.")
            event = se.mention("are you up?")
            body = se.body_of(se.envelope(event))
            async with http.post(f"http://127.0.0.1:{port}/slack/events", data=body, headers=se.sign(body)) as r:
                assert r.status == 200
        await fake_slack.wait_for_async(
            lambda: [m.text for m in fake_slack.messages(channel="C1", thread_ts=event["ts"])] == ["Served by the real process."],
            timeout=15,
        )
    finally:
        proc.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(proc.communicate(), timeout=30)
    assert proc.returncode == 0, stderr.decode()[-2000:]


async def test_clock_process_runs_its_jobs_and_stops_on_sigterm(tmp_path):
    env = {**BASE_ENV, "HARDE_DATA_DIR": str(tmp_path), "HARDE_KB_DIR": KNOWLEDGE}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "hard_e", "clock", env=env, cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    try:
        # The jobs fire together at start: their lines come in any order.
        seen = await read_stderr_until(proc, b"retention:")
        if b"knowledge synced" not in seen:
            seen += await read_stderr_until(proc, b"knowledge synced")
    finally:
        proc.send_signal(signal.SIGTERM)
        await asyncio.wait_for(proc.wait(), timeout=30)
    assert proc.returncode == 0
    assert b"clock started" in seen and b"11 added" in seen


def test_rejected_bot_token_stops_start_up_with_a_clear_message(tmp_path, fake_slack):
    env = {"SLACK_BOT_TOKEN": "xoxb-wrong", "SLACK_SIGNING_SECRET": "s", "SLACK_API_URL": fake_slack.url,
           "HARDE_DATA_DIR": str(tmp_path), "HOST": "127.0.0.1", "PORT": str(free_port())}
    result = hard_e("run", env=env, cwd=tmp_path)
    assert result.returncode == 1
    assert "Slack rejected SLACK_BOT_TOKEN (invalid_auth)" in result.stderr and "Traceback" not in result.stderr


def test_rejected_app_token_stops_socket_mode_start_up(tmp_path, fake_slack):
    env = {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_APP_TOKEN": "xapp-wrong", "SLACK_API_URL": fake_slack.url,
           "HARDE_DATA_DIR": str(tmp_path)}
    result = hard_e("run", env=env, cwd=tmp_path)
    assert result.returncode == 1
    assert "Slack rejected SLACK_APP_TOKEN" in result.stderr and "Traceback" not in result.stderr


def test_port_in_use_is_reported_plainly(tmp_path, fake_slack):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": "s", "SLACK_API_URL": fake_slack.url,
               "HARDE_DATA_DIR": str(tmp_path), "HOST": "127.0.0.1"}
        result = hard_e("run", "--http", "--port", str(port), env=env, cwd=tmp_path)
    assert result.returncode == 1 and f"127.0.0.1:{port}" in result.stderr and "Traceback" not in result.stderr


async def test_sigterm_stops_socket_mode_even_while_slack_is_unreachable(tmp_path):
    env = {**BASE_ENV, "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_APP_TOKEN": "xapp-1",
           "SLACK_API_URL": f"http://127.0.0.1:{free_port()}/api/", "HARDE_DATA_DIR": str(tmp_path),
           "HOST": "127.0.0.1", "PORT": str(free_port())}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "hard_e", "run", env=env, cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    try:
        await read_stderr_until(proc, b"could not reach Slack to check SLACK_APP_TOKEN")
        await asyncio.sleep(0.5)  # now inside the connect-and-retry loop
    finally:
        proc.send_signal(signal.SIGTERM)
        await asyncio.wait_for(proc.wait(), timeout=15)
    assert proc.returncode == 0

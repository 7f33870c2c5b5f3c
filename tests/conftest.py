"""Shared fixtures: real fake servers, real databases, and Hard-E served over real HTTP."""

from __future__ import annotations

import asyncio
import os
import shutil
import threading
import uuid
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
import requests

from hard_e.bot.app import build_app
from hard_e.bot.config import Settings
from hard_e.bot.http_server import build_web_app, port_of, serve
from hard_e.bot.services import Services
from hard_e.store import migrate
from hard_e.store.db import create_engine
from tests import slack_events
from tests.fakes import FakeOpenAI, FakeSlack

BOT_TOKEN = "xoxb-test-token"
POSTGRES_URL = os.environ.get("HARDE_TEST_POSTGRES_URL")

BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])


def free_port() -> int:
    """A port nothing listens on right now, on the loopback."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session", autouse=True)
def no_certificate_authorities(tmp_path_factory):
    """Nothing here speaks TLS (every server is a fake on 127.0.0.1), so no CA is trusted: an empty
    SSL_CERT_DIR, and no SSL_CERT_FILE. Each HTTP client built (the model's, one per bot) then skips
    loading the system's CA bundle — 20 ms each, hundreds of bots — and a stray https:// call fails."""
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("SSL_CERT_FILE", raising=False)
        patch.setenv("SSL_CERT_DIR", str(tmp_path_factory.mktemp("no-certificate-authorities")))
        yield


# Fixtures that migrate the test's database before anything else touches it: `engine` as it is set up,
# the bot as it starts (Services.prepare). For a test that uses one of them, the fresh database starts as
# a copy of one migrated once in this test process, and their own upgrade finds it at head.
MIGRATED_AT_ONCE = {"engine", "bot_factory", "quick_bot", "socket_bot"}  # the last two: test_http_hardening, test_socket_mode


@dataclass
class MigratedTemplates:
    """A database of each kind brought to head once per test process (each pytest-xdist worker has its
    own), for fresh test databases to be copied from: a file copy on SQLite, CREATE DATABASE … TEMPLATE
    on PostgreSQL. Migrating every fresh database anew was a sixth of the suite's CPU time."""

    directory: Path
    sqlite: Path | None = None
    postgres: str | None = None  # a database name on POSTGRES_URL's server

    async def sqlite_file(self) -> Path:
        if self.sqlite is None:
            path = self.directory / "migrated.db"
            await _migrate(f"sqlite:///{path}")
            self.sqlite = path
        return self.sqlite

    async def postgres_database(self) -> str:
        if self.postgres is None:
            from sqlalchemy.engine import make_url

            name = f"harde_test_template_{uuid.uuid4().hex[:12]}"
            await _admin_execute(f'CREATE DATABASE "{name}"')
            await _migrate(make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False))
            self.postgres = name
        return self.postgres


async def _migrate(url: str) -> None:
    engine = create_engine(Settings.from_env({"DATABASE_URL": url}, dotenv=None).database_url)
    try:
        await migrate.upgrade(engine)
    finally:
        await engine.dispose()  # no connection may stay open on a template PostgreSQL copies


@pytest.fixture(scope="session")
def migrated_templates(tmp_path_factory):
    templates = MigratedTemplates(tmp_path_factory.mktemp("migrated"))
    yield templates
    if templates.postgres is not None:
        # A thread of its own: no event loop of pytest-asyncio's is touched at session end.
        drop = threading.Thread(target=asyncio.run, args=(_admin_execute(f'DROP DATABASE IF EXISTS "{templates.postgres}" WITH (FORCE)'),))
        drop.start()
        drop.join(30)


@pytest.fixture(params=BACKENDS)
async def database_url(request, tmp_path, migrated_templates):
    """A fresh database: a SQLite file, or a new PostgreSQL database dropped afterwards. Empty, unless the
    test migrates it at once anyway (MIGRATED_AT_ONCE): then it is already at head, a copy of a database
    migrated by the same code."""
    at_head = bool(MIGRATED_AT_ONCE & set(request.fixturenames))
    if request.param == "sqlite":
        path = tmp_path / "hard_e.db"
        if at_head:
            shutil.copyfile(await migrated_templates.sqlite_file(), path)
        yield f"sqlite:///{path}"
        return
    template = await migrated_templates.postgres_database() if at_head else None
    async with fresh_postgres_database(template=template) as url:
        yield url


# For a test that runs the `hard-e` command as a child process where the command, not the store, is the
# subject (its output, exit status, logging): the default store only. Each child process costs seconds of
# start-up; what the store does is proven on both by the tests that drive it directly.
sqlite_only = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
async def postgres_url():
    if not POSTGRES_URL:
        pytest.skip("HARDE_TEST_POSTGRES_URL is not set")
    async with fresh_postgres_database() as url:
        yield url


async def _admin_execute(statement: str) -> None:
    """Run one statement on POSTGRES_URL's database (CREATE/DROP DATABASE cannot run in a transaction)."""
    import asyncpg
    from sqlalchemy.engine import make_url

    conn = await asyncpg.connect(make_url(POSTGRES_URL).set(drivername="postgresql").render_as_string(hide_password=False))
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


@asynccontextmanager
async def fresh_postgres_database(template: str | None = None):
    """A new PostgreSQL database, dropped afterwards: empty, or a copy of the database `template`."""
    from sqlalchemy.engine import make_url

    name = f"harde_test_{uuid.uuid4().hex[:12]}"
    await _admin_execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        await _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
async def engine(database_url):
    """The store on a fresh database, migrated."""
    engine = create_engine(Settings.from_env({"DATABASE_URL": database_url}, dotenv=None).database_url)
    await migrate.upgrade(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
def s3_server(monkeypatch):
    """moto's S3 server on 127.0.0.1, with boto3 pointed at it through the standard AWS_* variables."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", f"http://{host}:{port}")
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    url = f"http://{host}:{port}"
    requests.post(f"{url}/moto-api/reset", timeout=5).raise_for_status()  # moto's state is per process
    yield url
    requests.post(f"{url}/moto-api/reset", timeout=5)
    server.stop()


@pytest.fixture
def fake_slack():
    with FakeSlack(token=BOT_TOKEN, team_id=slack_events.TEAM, bot_user_id=slack_events.BOT_USER) as server:
        yield server


@pytest.fixture
def fake_openai():
    with FakeOpenAI(api_key="sk-test") as server:
        yield server


def bot_env(fake_slack: FakeSlack, fake_openai: FakeOpenAI | None, database_url: str, tmp_path, **extra: str) -> dict[str, str]:
    env = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": slack_events.SIGNING_SECRET,
        "SLACK_API_URL": fake_slack.url,
        "HOST": "127.0.0.1",
        "DATABASE_URL": database_url,
        "HARDE_DATA_DIR": str(tmp_path / "data"),
    }
    if fake_openai is not None:
        env.update(OPENAI_API_KEY="sk-test", OPENAI_BASE_URL=fake_openai.url)
    env.update(extra)
    return env


def _bolt_listener(task: asyncio.Task) -> bool:
    """A listener Bolt started for an acknowledged event (slack_bolt's asyncio listener runner)."""
    return not task.done() and getattr(task.get_coro(), "__name__", "") == "run_ack_function_asynchronously"


@dataclass
class RunningBot:
    """Hard-E in HTTP mode on 127.0.0.1, as `hard-e run --http` would serve it."""

    services: Services
    url: str
    _runner: object
    _http: aiohttp.ClientSession

    async def post(self, payload: dict, *, headers: dict[str, str] | None = None, retry_num: int | None = None) -> aiohttp.ClientResponse:
        body = slack_events.body_of(payload)
        sent = slack_events.sign(body) if headers is None else headers
        if retry_num is not None:
            sent = {**sent, "X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"}
        async with self._http.post(f"{self.url}/slack/events", data=body, headers=sent) as response:
            await response.read()
            return response

    async def send_event(self, event: dict, **kwargs) -> aiohttp.ClientResponse:
        return await self.post(slack_events.envelope(event), **kwargs)

    async def click(self, payload: dict) -> aiohttp.ClientResponse:
        """Post an interaction payload (e.g. `slack_events.block_action(...)`) as Slack does: a signed form."""
        body = slack_events.interaction_body(payload)
        headers = slack_events.sign(body, content_type=slack_events.FORM)
        async with self._http.post(f"{self.url}/slack/events", data=body, headers=headers) as response:
            await response.read()
            return response

    async def get(self, path: str) -> tuple[int, str]:
        async with self._http.get(f"{self.url}{path}") as response:
            return response.status, await response.text()

    async def settle(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109  polling deadline, fails with AssertionError
        """Wait until no turn is in flight: none tracked by Hard-E, none Bolt has dispatched that has
        yet to start (Bolt acks an event, then runs its listener in a task of its own), and no clean-up
        after an answer (a stale message to delete, a reaction to remove) still pending."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        await asyncio.sleep(0)
        while not self.services.idle or self.services.tidying or any(map(_bolt_listener, asyncio.all_tasks())):
            if loop.time() > deadline:
                raise AssertionError("turns still in flight")
            await asyncio.sleep(0.02)

    async def stop(self) -> None:
        await self._runner.cleanup()
        await self._http.close()
        await self.services.aclose()


async def start_bot(env: dict[str, str]) -> RunningBot:
    settings = Settings.from_env(env, dotenv=None)
    services = Services.build(settings)
    await services.prepare()
    runner = await serve(build_web_app(build_app(services), services), "127.0.0.1", 0)
    return RunningBot(services, f"http://127.0.0.1:{port_of(runner)}", runner, aiohttp.ClientSession())


@pytest.fixture
async def bot_factory(fake_slack, fake_openai, database_url, tmp_path):
    """Start Hard-E (optionally several, or again after a 'restart') against the fakes."""
    bots: list[RunningBot] = []

    async def make(**extra: str) -> RunningBot:
        bot = await start_bot(bot_env(fake_slack, fake_openai, database_url, tmp_path, **extra))
        bots.append(bot)
        return bot

    yield make
    for bot in bots:
        if not bot._http.closed:
            await bot.stop()


@pytest.fixture
async def bot(bot_factory):
    return await bot_factory()


# End-to-end tests drive Hard-E as its users do: a running bot over real HTTP or Socket Mode (the
# `bot`/`bot_factory` fixtures), or the `hard-e` command as a child process. Everything else is a
# unit test of one piece against real databases and fake servers. `-m "not e2e"` runs only those.
E2E_FIXTURES = {"bot", "bot_factory"}
E2E_MODULES = {"test_cli", "test_console", "test_socket_mode", "test_http_hardening"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        function = getattr(item, "function", None)
        runs_the_command = function is not None and "hard_e" in function.__code__.co_names  # tests.processes.hard_e
        uses_a_bot = bool(E2E_FIXTURES & set(getattr(item, "fixturenames", ())))
        if uses_a_bot or runs_the_command or item.path.stem in E2E_MODULES:
            item.add_marker(pytest.mark.e2e)

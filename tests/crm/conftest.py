"""A running Hard-E with a CRM behind it: the local CRM loaded with the sample company, or Leap (the
fake Leap server seeded with the same company). Tests that take `crm_bot` run against both."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from hard_e.store.crm_import import SAMPLE_DIR, import_crm
from tests.conftest import RunningBot
from tests.fakes.leap_server import FakeLeap


@dataclass
class CrmBot:
    bot: RunningBot
    kind: str  # "local" or "leap"
    leap: FakeLeap | None = None


@pytest.fixture
def fake_leap() -> AsyncIterator[FakeLeap]:
    leap = FakeLeap().start()
    yield leap
    leap.stop()


@pytest.fixture(params=["local", "leap"])
async def crm_bot(request, bot_factory, fake_leap, database_url) -> CrmBot:
    if request.param == "leap" and database_url.startswith("postgresql"):
        # Leap keeps the CRM's records; what Hard-E stores around them (pending actions, the outbox)
        # runs on PostgreSQL in the local-CRM variant. Keeps the suite inside its time budget.
        pytest.skip("Leap variants run on SQLite")
    return await start_crm_bot(request.param, bot_factory, fake_leap)


async def start_crm_bot(kind: str, bot_factory, fake_leap: FakeLeap, **env: str) -> CrmBot:
    if kind == "leap":
        bot = await bot_factory(LEAP_API_TOKEN="leap-test", LEAP_API_URL=fake_leap.api_url, **env)
        return CrmBot(bot, kind, fake_leap)
    bot = await bot_factory(**env)
    await import_crm(bot.services.engine, SAMPLE_DIR)
    return CrmBot(bot, kind)

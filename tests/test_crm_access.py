"""Who may use the CRM, asked of the fake Slack over real HTTP: guests never, allow-lists when set,
and nobody when Slack cannot say (fail closed)."""

from __future__ import annotations

import asyncio
import logging

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from hard_e.agents.ports import CrmAccess
from hard_e.bot.crm_access import CrmAccessPolicy
from tests.conftest import BOT_TOKEN
from tests.fakes import FakeSlack


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def client(fake_slack: FakeSlack) -> AsyncWebClient:
    return AsyncWebClient(token=BOT_TOKEN, base_url=fake_slack.url)


def users_info_calls(fake_slack: FakeSlack) -> list[str]:
    return [call.params["user"] for call in fake_slack.calls_to("users.info")]


async def test_a_member_may_use_the_crm_when_no_list_is_set(fake_slack, client):
    access: CrmAccess = CrmAccessPolicy().bound(client)  # what the brain receives
    assert await access.refusal("U1") is None
    assert users_info_calls(fake_slack) == ["U1"]
    assert fake_slack.calls_to("usergroups.users.list") == []


@pytest.mark.parametrize("kind", ["restricted", "ultra_restricted", "both"])
async def test_guest_cannot_read_crm(fake_slack, client, kind):
    flags = {"restricted": kind in ("restricted", "both"), "ultra_restricted": kind in ("ultra_restricted", "both")}
    fake_slack.add_user("UGUEST", **flags)
    assert await CrmAccessPolicy().refusal(client, "UGUEST") == "guest"
    # An allow-list does not let a guest in either.
    assert await CrmAccessPolicy(["UGUEST"]).refusal(client, "UGUEST") == "guest"


async def test_allow_list_by_user(fake_slack, client):
    policy = CrmAccessPolicy(["UDANA", "WGRID"])
    assert await policy.refusal(client, "UDANA") is None
    assert await policy.refusal(client, "WGRID") is None
    assert await policy.refusal(client, "UOTHER") == "not_allowed"
    assert fake_slack.calls_to("usergroups.users.list") == []


async def test_allow_list_by_group(fake_slack, client):
    fake_slack.add_usergroup("SSALES", ["UDANA", "UREP"])
    fake_slack.add_usergroup("SOLD", ["UFORMER"], disabled=True)
    policy = CrmAccessPolicy(allowed_groups=["SOLD", "SSALES"])
    assert await policy.refusal(client, "UREP") is None
    assert await policy.refusal(client, "UFORMER") == "not_allowed"  # a disabled group lets nobody in
    fake_slack.disabled_usergroup_answer = "no_such_subteam"  # the other reading of a disabled group
    assert await CrmAccessPolicy(allowed_groups=["SOLD"]).refusal(client, "UFORMER") == "not_allowed"
    calls = fake_slack.calls_to("usergroups.users.list")
    assert all("include_disabled" not in call.params for call in calls)


async def test_in_neither_list_is_not_allowed(fake_slack, client):
    fake_slack.add_usergroup("SSALES", ["UREP"])
    policy = CrmAccessPolicy(["UDANA"], ["SSALES", "SMISTYPED"])
    assert await policy.refusal(client, "UDANA") is None
    assert await policy.refusal(client, "UREP") is None
    assert await policy.refusal(client, "UOTHER") == "not_allowed"


async def test_slack_failing_is_unverified_and_not_cached(fake_slack, client, caplog):
    caplog.set_level(logging.WARNING, logger="hard_e.bot.crm_access")
    fake_slack.add_user("UDANA", real_name="Dana Seller", email="dana@example.com")
    policy = CrmAccessPolicy(timeout=0.2)
    assert await policy.refusal(client, None) == "unverified"
    assert await policy.refusal(client, "") == "unverified"
    assert fake_slack.calls == []

    fake_slack.fail_next("users.info", error="internal_error", status=500)
    assert await policy.refusal(client, "UDANA") == "unverified"
    fake_slack.fail_next("users.info", error="ratelimited", status=429)
    assert await policy.refusal(client, "UDANA") == "unverified"
    fake_slack.delay("users.info", 0.5)
    assert await policy.refusal(client, "UDANA") == "unverified"  # timed out
    fake_slack.delay("users.info", 0)
    assert await policy.refusal(client, "UDANA") is None  # the failures were not cached
    # Four asked (the timed-out one is recorded when the fake finally answers it).
    await fake_slack.wait_for_async(lambda: users_info_calls(fake_slack) == ["UDANA"] * 4)

    logged = caplog.text
    assert "internal_error" in logged and "ratelimited" in logged and "timeout" in logged and "UDANA" in logged
    assert "Dana" not in logged.replace("UDANA", "") and "dana@example.com" not in logged

    fake_slack.add_usergroup("SSALES", ["UREP"])
    groups = CrmAccessPolicy(allowed_groups=["SSALES"])
    fake_slack.fail_next("usergroups.users.list", error="missing_scope")
    assert await groups.refusal(client, "UREP") == "unverified"
    assert "missing_scope" in caplog.text
    assert await groups.refusal(client, "UREP") is None


async def test_answers_are_cached_for_ttl(fake_slack, client):
    fake_slack.add_usergroup("SSALES", ["UREP"])
    clock = Clock()
    policy = CrmAccessPolicy(allowed_groups=["SSALES"], ttl=300, clock=clock)
    assert await policy.refusal(client, "UREP") is None
    assert await policy.bound(client).refusal("UREP") is None
    assert await policy.refusal(client, "UOTHER") == "not_allowed"  # the group's list is reused
    assert (users_info_calls(fake_slack), len(fake_slack.calls_to("usergroups.users.list"))) == (["UREP", "UOTHER"], 1)

    clock.now += 299
    fake_slack.add_user("UREP", restricted=True)  # Slack's answer changes; still within the ttl
    fake_slack.add_usergroup("SSALES", ["UOTHER"])
    assert await policy.refusal(client, "UREP") is None
    assert len(fake_slack.calls) == 3

    clock.now += 2
    assert await policy.refusal(client, "UREP") == "guest"
    assert await policy.refusal(client, "UOTHER") is None
    assert users_info_calls(fake_slack) == ["UREP", "UOTHER", "UREP", "UOTHER"]
    assert len(fake_slack.calls_to("usergroups.users.list")) == 2


async def test_concurrent_checks_of_one_user_make_one_call(fake_slack, client):
    fake_slack.add_usergroup("SSALES", ["UREP"])
    fake_slack.delay("users.info", 0.2)
    fake_slack.delay("usergroups.users.list", 0.2)
    policy = CrmAccessPolicy(allowed_groups=["SSALES"])
    impatient = asyncio.ensure_future(asyncio.wait_for(policy.refusal(client, "UREP"), 0.05))
    answers = await asyncio.gather(*(policy.refusal(client, "UREP") for _ in range(5)))
    with pytest.raises(TimeoutError):
        await impatient  # giving up did not cancel the lookup the others shared
    assert answers == [None] * 5
    assert users_info_calls(fake_slack) == ["UREP"]
    assert len(fake_slack.calls_to("usergroups.users.list")) == 1

"""The morning digest: reps who turned it on get one DM a day at HARDE_DIGEST_HOUR in their own time
zone, listing their CRM jobs past their stage's service level (the company's CRM stage definitions)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hard_e.agents.digest import follow_up
from hard_e.bot.digest_job import NO_MATCH, send_digests
from hard_e.records import Job
from hard_e.store.digests import DigestSubscriptions
from tests.crm.conftest import start_crm_bot

NOW = datetime(2025, 11, 2, 14, 0, tzinfo=UTC)  # a Sunday afternoon in the sample company's data


def job(stage: str, changed: datetime, **extra) -> Job:
    return Job(id="1", customer_id="1", name="Test roof", stage=stage, stage_changed_at=changed, **extra)


@pytest.mark.parametrize(
    ("stage", "days", "due"),
    [
        ("Lead", 0, None),
        ("Lead", 1, "first call is overdue"),
        ("Inspection", 1, None),
        ("Inspection", 2, "written estimate is overdue"),
        ("Estimate Sent", 2, None),
        ("Estimate Sent", 3, "day-3 text is due today"),
        ("Estimate Sent", 14, "day-14 call and email is due today"),
        ("Estimate Sent", 31, "estimate has expired"),
        ("Estimate Sent", 46, "45 days without a reply"),
        ("Contract Signed", 2, None),
        ("Contract Signed", 3, "hand-off to production is overdue"),
        ("Production", 40, None),
        ("Completed", 5, "ask for a referral"),
        ("Completed", 8, None),
        ("Lost", 92, "90-day follow-up"),
        ("Lost", 120, None),
    ],
)
def test_service_levels_of_the_stage_definitions(stage, days, due):
    from datetime import timedelta

    found = follow_up(job(stage, NOW - timedelta(days=days, hours=1)), NOW)
    assert (found.due if found else None) is None if due is None else due in found.due


def test_an_appointment_set_job_is_due_once_its_visit_has_passed():
    from datetime import timedelta

    booked = job("Appointment Set", NOW - timedelta(days=5), appointment_at=NOW + timedelta(days=1))
    missed = job("Appointment Set", NOW - timedelta(days=5), appointment_at=NOW - timedelta(days=2))
    assert follow_up(booked, NOW) is None
    assert "move it to Inspection" in follow_up(missed, NOW).due


@pytest.fixture(params=["local", "leap"])
async def digest_bot(request, bot_factory, fake_leap, database_url, fake_slack):
    if request.param == "leap" and database_url.startswith("postgresql"):
        pytest.skip("Leap variants run on SQLite")
    crm = await start_crm_bot(request.param, bot_factory, fake_leap, HARDE_DIGEST_HOUR="8")
    # Luis is in Denver (UTC-7 in November): 8 am there is 15:00 UTC.
    fake_slack.add_user("U1", real_name="Luis Ortega", email="luis.ortega@brightwater.example.com", tz="America/Denver")
    return crm.bot


def dms_to(fake_slack, user: str) -> list[str]:
    channels = {c.params.get("users") for c in fake_slack.calls_to("conversations.open")}
    assert channels <= {user, None}
    return [m.text for m in fake_slack.messages() if m.channel.startswith("D") and m.thread_ts is None]


async def test_a_subscribed_rep_gets_one_digest_a_day_at_their_hour(digest_bot, fake_slack, database_url):
    from tests.conftest import start_bot  # noqa: F401  (the second "clock" below shares the database)

    bot = digest_bot
    subscriptions = DigestSubscriptions(bot.services.engine)
    await subscriptions.set("T1", "U1", enabled=True)
    # 7 am in Denver: not yet.
    assert await send_digests(bot.services, now=NOW.replace(hour=14)) == 0
    at_eight = NOW.replace(hour=15, minute=5)
    assert await send_digests(bot.services, now=at_eight) == 1
    assert await send_digests(bot.services, now=at_eight.replace(minute=20)) == 0  # once a day
    [digest] = dms_to(fake_slack, "U1")
    assert digest.startswith("Good morning, Luis!")
    assert "Hale solar installation" in digest and "first call is overdue" in digest  # a Lead since Oct 27
    assert "Porter solar installation" in digest and "written estimate is overdue" in digest  # an Inspection since Oct 29
    assert "Farouk" not in digest  # Estimate Sent 2 days ago: no touch due today
    assert "Dana" not in digest and "Whitfield" not in digest  # only his own jobs
    # The next day, again; once turned off, never.
    assert await send_digests(bot.services, now=at_eight.replace(day=3)) == 1
    await subscriptions.set("T1", "U1", enabled=False)
    assert await send_digests(bot.services, now=at_eight.replace(day=4)) == 0


async def test_a_rep_not_in_the_crm_is_told_so_and_a_guest_gets_nothing(digest_bot, fake_slack):
    bot = digest_bot
    subscriptions = DigestSubscriptions(bot.services.engine)
    fake_slack.add_user("U2", real_name="Someone New", email="new@brightwater.example.com", tz="UTC")
    fake_slack.add_user("U3", real_name="Luis Ortega", email="luis.ortega@brightwater.example.com", tz="UTC", restricted=True)
    await subscriptions.set("T1", "U2", enabled=True)
    await subscriptions.set("T1", "U3", enabled=True)
    assert await send_digests(bot.services, now=NOW.replace(hour=8)) == 1
    assert [m.text for m in fake_slack.messages() if m.channel.startswith("D")] == [NO_MATCH]


async def test_reps_turn_the_digest_on_and_off_with_the_slash_command(bot):
    from tests.test_commands import post_command

    subscriptions = DigestSubscriptions(bot.services.engine)
    status, reply = await post_command(bot, "/hard-e", "digest on")
    assert status == 200 and reply["response_type"] == "ephemeral" and "Your morning digest is on" in reply["text"]
    assert "7 am your time" in reply["text"] and await subscriptions.enabled("T1", "U1")
    _, reply = await post_command(bot, "/hard-e", "  Digest  ")
    assert "is on" in reply["text"]
    _, reply = await post_command(bot, "/hard-e", "digest off")
    assert "is off" in reply["text"] and not await subscriptions.enabled("T1", "U1")
    _, reply = await post_command(bot, "/hard-e", "help")
    assert "/hard-e digest on" in reply["text"]

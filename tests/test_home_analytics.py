"""The App Home as reps and admins see it, end to end: Hard-E over HTTP against the fake Slack, on SQLite
and PostgreSQL. Admins get the usage summary and chart images (uploaded with the external upload methods,
shown by file id) and a Refresh button; everyone gets their own recent conversations, drafts and pending
confirmations; `/hard-e stats` and `/hard-e help`."""

from __future__ import annotations

import io
import json
import time
from datetime import UTC, datetime
from urllib.parse import urlencode

import aiohttp
from PIL import Image
from sqlalchemy import text

from hard_e.handlers import home
from hard_e.store.analytics import Analytics
from tests import slack_events as se
from tests.test_analytics import add_rep_activity, add_turns, add_votes, turn

ADMIN = "UADMIN"


async def admin_bot(bot_factory):
    return await bot_factory(HARDE_ADMIN_USERS=ADMIN)


async def add_usage(bot) -> None:
    """Today's turns in T1: two answered, one failed; one 👍."""
    now = datetime.now(UTC)
    ids = await add_turns(
        bot.services.engine,
        [
            turn(now, total_ms=1500, first_visible_ms=400, cost=0.02, tools=["search_knowledge"]),
            turn(now, flow="agents", agent="crm", total_ms=3500, first_visible_ms=900, cost=0.04, tools=["find_customer"]),
            turn(now, flow="agents", agent="knowledge", outcome="error:timeout", total_ms=None, first_visible_ms=None),
        ],
    )
    await add_votes(bot.services.engine, [(ids[0], "U1", 1)])


async def open_home(bot, fake_slack, user: str) -> dict:
    before = len(fake_slack.calls_to("views.publish"))
    await bot.send_event({"type": "app_home_opened", "user": user, "channel": "D1", "tab": "home", "event_ts": se.next_ts()})
    await bot.settle()
    await fake_slack.wait_for_async(lambda: len(fake_slack.calls_to("views.publish")) > before)
    return published(fake_slack, user)


def published(fake_slack, user: str) -> dict:
    view = fake_slack.home_view(user)
    assert view is not None, f"no Home view published for {user}"
    return view


def images(view: dict) -> list[dict]:
    return [b for b in view["blocks"] if b["type"] == "image"]


def home_click(user: str, *, view_id: str = "VHOME0000001", action_id: str = home.REFRESH) -> dict:
    """The block_actions payload Slack sends when `user` clicks a button in their Home tab
    (https://docs.slack.dev/reference/interaction-payloads/block_actions-payload): the container is the
    view, and there is no channel or message."""
    name = f"user.{user.lower()}"
    return {
        "type": "block_actions",
        "user": {"id": user, "username": name, "name": name, "team_id": se.TEAM},
        "api_app_id": se.APP_ID,
        "token": "legacy-verification-token",
        "container": {"type": "view", "view_id": view_id},
        "trigger_id": se.new_trigger_id(),
        "team": {"id": se.TEAM, "domain": se.DOMAIN},
        "enterprise": None,
        "is_enterprise_install": False,
        "view": {"id": view_id, "team_id": se.TEAM, "type": "home", "blocks": [], "private_metadata": "", "callback_id": "",
                 "state": {"values": {}}, "hash": "1.a", "app_id": se.APP_ID, "bot_id": se.BOT_ID},  # fmt: skip
        "actions": [
            {"action_id": action_id, "block_id": "analytics_actions", "text": {"type": "plain_text", "text": "Refresh", "emoji": True},
             "value": "charts", "type": "button", "action_ts": f"{time.time():.6f}"},  # fmt: skip
        ],
        "state": {"values": {}},
    }


async def slash(bot, text: str, *, user: str) -> dict:
    body = urlencode({**se.slash_command("/hard-e", text, user=user), "response_url": "http://127.0.0.1:9/unused"})
    headers = se.sign(body, content_type=se.FORM)
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{bot.url}/slack/events", data=body, headers=headers) as response:
            assert response.status == 200
            return json.loads(await response.text() or "{}")


# -- admins ------------------------------------------------------------------------------------------


async def test_an_admins_home_shows_the_summary_and_the_uploaded_charts(bot_factory, fake_slack):
    bot = await admin_bot(bot_factory)
    await add_usage(bot)
    view = await open_home(bot, fake_slack, ADMIN)

    shown = json.dumps(view)
    assert "Usage, last 14 days" in shown and "*Questions:* 3" in shown and "33.3%" in shown and ":+1: 100%" in shown
    assert "Hard-E, your sales colleague" in shown and "In a channel" in shown, "the help stays"
    uploads = fake_slack.uploads
    assert len(uploads) == 4 and {u.channel for u in uploads} == {None}, "private to the bot, posted nowhere"
    for upload in uploads:
        assert Image.open(io.BytesIO(upload.content)).size == (640, 280) and upload.filename.endswith(".png")
    assert [b["slack_file"]["id"] for b in images(view)] == [u.file_id for u in uploads]
    stored = await Analytics(bot.services.engine).chart_files(se.TEAM)
    assert sorted(c.file_id for c in stored.values()) == sorted(u.file_id for u in uploads)
    assert any(b["type"] == "actions" and b["elements"][0]["action_id"] == home.REFRESH for b in view["blocks"])

    again = await open_home(bot, fake_slack, ADMIN)
    assert len(fake_slack.uploads) == 4, "opening the tab again reuses the charts"
    assert [b["slack_file"]["id"] for b in images(again)] == [u.file_id for u in uploads]


async def test_refresh_by_an_admin_redraws_uploads_and_republishes(bot_factory, fake_slack):
    bot = await admin_bot(bot_factory)
    await add_usage(bot)
    first = [b["slack_file"]["id"] for b in images(await open_home(bot, fake_slack, ADMIN))]
    publishes = len(fake_slack.calls_to("views.publish"))

    await bot.click(home_click(ADMIN))
    await bot.settle()
    await fake_slack.wait_for_async(lambda: len(fake_slack.calls_to("views.publish")) > publishes)

    fresh = [u.file_id for u in fake_slack.uploads[4:]]
    assert len(fresh) == 4 and not set(fresh) & set(first)
    assert [b["slack_file"]["id"] for b in images(published(fake_slack, ADMIN))] == fresh
    assert fake_slack.deleted_files == set(first), "the replaced files are deleted"
    assert len(fake_slack.calls_to("files.completeUploadExternal")) == 2, "one completion per refresh for all four"


async def test_refresh_by_someone_else_does_nothing(bot_factory, fake_slack):
    bot = await admin_bot(bot_factory)
    await add_usage(bot)
    await bot.click(home_click("U1"))
    await bot.settle()
    assert fake_slack.uploads == [] and fake_slack.calls_to("views.publish") == []
    assert fake_slack.calls_to("files.getUploadURLExternal") == []


async def test_charts_slack_refuses_are_left_out_with_a_friendly_line(bot_factory, fake_slack, monkeypatch):
    """Slack finishes uploads asynchronously; a view naming an unprocessed file is refused. The Home then
    shows everything else, and says the charts are on their way."""
    monkeypatch.setattr(home, "FILE_READY_WAIT", 0.3)
    fake_slack.upload_processing_seconds = 60
    bot = await admin_bot(bot_factory)
    await add_usage(bot)
    view = await open_home(bot, fake_slack, ADMIN)
    assert images(view) == [] and "*Questions:* 3" in json.dumps(view)
    assert home.NOT_READY in json.dumps(view)
    assert fake_slack.calls_to("files.info"), "it waited for Slack to process the images"


async def test_an_upload_failure_or_a_broken_store_reads_as_a_friendly_line(bot_factory, fake_slack):
    bot = await admin_bot(bot_factory)
    await add_usage(bot)
    fake_slack.fail_next("files.getUploadURLExternal", error="internal_error")
    view = await open_home(bot, fake_slack, ADMIN)
    assert images(view) == [] and home.UPLOAD_FAILED in json.dumps(view) and "*Questions:* 3" in json.dumps(view)

    async with bot.services.engine.begin() as conn:
        await conn.execute(text("DROP TABLE turn_votes"))  # the usage query now fails
    view = await open_home(bot, fake_slack, ADMIN)
    shown = json.dumps(view)
    assert home.USAGE_DOWN in shown and "Traceback" not in shown and "Your recent conversations" in shown


# -- everyone ----------------------------------------------------------------------------------------


async def test_a_reps_home_shows_their_own_conversations_and_no_analytics(bot_factory, fake_slack):
    bot = await admin_bot(bot_factory)
    await add_usage(bot)
    await add_rep_activity(bot.services.engine, now=datetime.now(UTC))
    view = await open_home(bot, fake_slack, "U1")

    shown = json.dumps(view)
    assert "Usage" not in shown and images(view) == [] and fake_slack.uploads == []
    assert not any(b["type"] == "actions" for b in view["blocks"])
    base = f"https://{se.DOMAIN}.slack.com/archives"
    assert f"{base}/C1/p1800000001000100|Open" in shown and f"{base}/D1|Open" in shown
    assert "Script draft" in shown and f"{base}/D1/p1800000002000100|Continue" in shown
    assert f"{base}/D1/p1800000002000900?thread_ts=1800000002.000100&cid=D1|Review" in shown
    # U2's draft (C1 1800000003), the other workspace's thread and the console session are not U1's to see.
    assert "1800000003" not in shown and "C9" not in shown and "console" not in shown.lower()
    assert shown.count("|Review>") == 1, "expired and decided confirmations are not listed"


async def test_a_new_reps_home_says_how_to_start(bot, fake_slack):
    view = await open_home(bot, fake_slack, "U7")
    assert "Nothing yet" in json.dumps(view) and "Open drafts" not in json.dumps(view)


# -- /hard-e stats and help --------------------------------------------------------------------------


async def test_hard_e_stats_is_for_admins_only(bot_factory, fake_slack, fake_openai):
    bot = await admin_bot(bot_factory)
    await add_usage(bot)
    reply = await slash(bot, "stats", user=ADMIN)
    assert reply["response_type"] == "ephemeral"
    assert reply["text"].startswith("*Hard-E usage, last 14 days*") and "*Questions:* 3" in reply["text"]
    refused = await slash(bot, "STATS", user="U1")
    assert refused["response_type"] == "ephemeral" and "admins" in refused["text"] and "Questions" not in refused["text"]
    await bot.settle()
    assert fake_slack.messages() == [] and fake_openai.requests == [], "neither is answered as a question"


async def test_a_question_about_stats_is_still_a_question(bot, fake_slack, fake_openai):
    fake_openai.reply("We closed 14 jobs last month.")
    reply = await slash(bot, "stats for last month?", user="U1")
    await bot.settle()
    assert "our DM" in reply["text"] and fake_slack.messages()[-1].text == "We closed 14 jobs last month."


async def test_hard_e_help_lists_what_hard_e_can_do(bot, fake_openai):
    reply = await slash(bot, "help", user="U1")
    for feature in ("knowledge base", "CRM", "scripts", "voice memo", "web", "transcripts", "/hard-e stats", "Home"):
        assert feature in reply["text"], feature
    assert fake_openai.requests == []



# -- the daily job -----------------------------------------------------------------------------------


async def test_the_daily_job_redraws_the_bot_workspaces_charts(bot_factory, fake_slack):
    from hard_e.bot.charts import refresh_charts

    bot = await admin_bot(bot_factory)
    await refresh_charts(bot.services)
    assert fake_slack.uploads == [], "no turns, nothing to draw"

    await add_usage(bot)
    await add_turns(bot.services.engine, [turn(datetime.now(UTC), team="console")])  # `hard-e chat`: not a workspace
    await refresh_charts(bot.services)
    assert len(fake_slack.uploads) == 4 and {u.channel for u in fake_slack.uploads} == {None}
    analytics = Analytics(bot.services.engine)
    assert sorted(c.file_id for c in (await analytics.chart_files(se.TEAM)).values()) == sorted(u.file_id for u in fake_slack.uploads)
    assert await analytics.chart_files("console") == {}
    await refresh_charts(bot.services)
    assert len(fake_slack.uploads) == 8 and fake_slack.deleted_files == {u.file_id for u in fake_slack.uploads[:4]}

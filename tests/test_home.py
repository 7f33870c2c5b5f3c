"""The App Home tab."""

from __future__ import annotations

import json

from hard_e.handlers.home import build_home_view


def test_home_view_fits_slack_limits_and_warns_when_no_model():
    ready, unready = build_home_view(model_ready=True), build_home_view(model_ready=False)
    for view in (ready, unready):
        assert view["type"] == "home" and len(view["blocks"]) <= 100
        assert all(len(b.get("text", {}).get("text", "")) <= 3000 for b in view["blocks"])
        assert len(view["blocks"][0]["text"]["text"]) <= 150
    assert "OPENAI_API_KEY" not in json.dumps(ready) and "OPENAI_API_KEY" in json.dumps(unready)


async def test_opening_the_home_tab_publishes_the_view(bot, fake_slack):
    fake_slack.stub("views.publish", {"ok": True})
    await bot.send_event({"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "home", "event_ts": "1.0"})
    await fake_slack.wait_for_async(lambda: fake_slack.calls_to("views.publish"))
    [call] = fake_slack.calls_to("views.publish")
    assert call.params["user_id"] == "U1"
    view = call.params["view"] if isinstance(call.params["view"], dict) else json.loads(call.params["view"])
    assert view["blocks"][0]["text"]["text"] == "Hard-E, your sales colleague"


async def test_opening_the_messages_tab_publishes_nothing(bot, fake_slack):
    fake_slack.stub("views.publish", {"ok": True})
    await bot.send_event({"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "messages", "event_ts": "1.0"})
    await bot.settle()
    assert fake_slack.calls_to("views.publish") == []


async def test_a_home_event_without_a_usable_user_is_skipped_with_one_warning(bot, fake_slack, caplog):
    import logging

    caplog.set_level(logging.INFO)
    fake_slack.stub("views.publish", {"ok": True})
    for user in (None, {"id": "U1"}):
        event = {"type": "app_home_opened", "channel": "D1", "tab": "home", "event_ts": "1.0"}
        if user is not None:
            event["user"] = user
        await bot.send_event(event)
    await bot.settle()
    assert fake_slack.calls_to("views.publish") == []
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert len([r for r in caplog.records if "'user' field" in r.getMessage()]) == 2

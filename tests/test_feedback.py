"""👍 / 👎 under finished answers (never under errors or progress): one vote per person per answer,
changeable, stored with the turn; a 👎 opens a short modal for an optional comment."""

from __future__ import annotations

from hard_e.handlers.blocks import BAD, FEEDBACK, GOOD
from tests import slack_events as se

ANSWER = "Lead with the inspection, not the price."


def feedback_buttons(message) -> list[dict]:
    actions = [b for b in message.blocks or [] if b.get("type") == "context_actions"]
    return [e for b in actions for e in b["elements"] if e["type"] == "feedback_buttons"]


def click(fake_slack, message, *, user: str, value: str, thread_ts: str) -> dict:
    payload = se.block_action(user=user, action_id=FEEDBACK, value=value, channel="C1", message_ts=message.ts, thread_ts=thread_ts)
    payload["actions"][0]["type"] = "feedback_buttons"
    payload["trigger_id"] = fake_slack.issue_trigger(user)
    return payload


async def answered(bot, fake_slack, fake_openai):
    fake_openai.reply(ANSWER, chunk_size=8, delay=0.02)
    event = se.mention("how do I open a storm appointment?")
    await bot.send_event(event)
    await bot.settle()
    [reply] = fake_slack.messages(channel="C1", thread_ts=event["ts"])
    return event, reply


async def test_a_finished_answer_carries_the_feedback_buttons_and_an_error_does_not(bot, fake_slack, fake_openai):
    event, reply = await answered(bot, fake_slack, fake_openai)
    assert reply.text == ANSWER
    [buttons] = feedback_buttons(reply)
    assert (buttons["positive_button"]["value"], buttons["negative_button"]["value"]) == (GOOD, BAD)
    assert any(b["type"] == "section" and b["text"]["text"] == ANSWER for b in reply.blocks)
    # Progress edits never carried them: only the final one.
    assert all("feedback_buttons" not in str(c.params.get("blocks")) for c in fake_slack.calls_to("chat.update")[:-1])

    fake_openai.fail(500, times=3)
    failed = se.mention("and the financing rate?")
    await bot.send_event(failed)
    await bot.settle()
    [error] = fake_slack.messages(channel="C1", thread_ts=failed["ts"])
    assert error.text.startswith(":warning:") and feedback_buttons(error) == []


async def test_votes_are_one_per_person_changeable_and_a_thumbs_down_asks_why(bot, fake_slack, fake_openai):
    event, reply = await answered(bot, fake_slack, fake_openai)
    [turn] = await bot.services.turn_log.turns()

    await bot.click(click(fake_slack, reply, user="U1", value=GOOD, thread_ts=event["ts"]))
    await bot.settle()
    assert await bot.services.turn_log.votes(turn.id) == {"U1": (1, None)}
    assert [e["text"] for e in fake_slack.ephemerals("C1")] == ["Thanks, noted. :thumbsup:"]

    # U1 changes their mind: the vote is replaced and a modal asks what missed.
    await bot.click(click(fake_slack, reply, user="U1", value=BAD, thread_ts=event["ts"]))
    await bot.settle()
    assert await bot.services.turn_log.votes(turn.id) == {"U1": (-1, None)}
    [(view_id, modal)] = fake_slack.views.items()
    view = fake_slack.view(view_id)
    payload = se.view_submission(view, user="U1", values={"comment_text": "It ignored the hail damage part."})
    response = await bot.click(payload)
    assert response.status == 200
    await bot.settle()
    assert await bot.services.turn_log.votes(turn.id) == {"U1": (-1, "It ignored the hail damage part.")}

    # Someone else in the channel votes on the same answer: a vote of their own.
    await bot.click(click(fake_slack, reply, user="U2", value=GOOD, thread_ts=event["ts"]))
    await bot.settle()
    assert await bot.services.turn_log.votes(turn.id) == {"U1": (-1, "It ignored the hail damage part."), "U2": (1, None)}


async def test_a_malformed_or_unknown_click_is_answered_plainly_and_stores_nothing(bot, fake_slack, fake_openai):
    event, reply = await answered(bot, fake_slack, fake_openai)
    [turn] = await bot.services.turn_log.turns()
    bad = click(fake_slack, reply, user="U1", value="maybe", thread_ts=event["ts"])
    assert (await bot.click(bad)).status == 200
    unknown = click(fake_slack, reply, user="U1", value=GOOD, thread_ts=event["ts"])
    unknown["message"]["ts"] = unknown["container"]["message_ts"] = "1.000001"
    assert (await bot.click(unknown)).status == 200
    await bot.settle()
    assert await bot.services.turn_log.votes(turn.id) == {}
    from hard_e.handlers.feedback import NOT_FOUND

    assert [e["text"] for e in fake_slack.ephemerals("C1")] == [NOT_FOUND]

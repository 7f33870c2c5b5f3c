"""Answers shown in finished pieces when chat.update can't carry every answer under way.

Under contention an answer is shown as messages that each end at a paragraph, line or sentence end:
the last one grows by chat.update when a turn is free, and when none comes within the stall limit
the next piece is posted as a message of its own. The Slack face is driven with brain events
against the fake Slack, with chat.update's budget held by other streams; the 30-stream loads are in
tests/test_streaming_load.py.
"""

from __future__ import annotations

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from hard_e.agents.events import Failed, Final, TextDelta, Thinking
from hard_e.bot.metrics import Metrics
from hard_e.bot.rate_budget import RateBudgets
from hard_e.bot.slack_calls import SlackCalls
from hard_e.bot.slack_sink import Where
from hard_e.bot.splitting import LOOKAHEAD, SPACE, clean_head
from hard_e.bot.streaming import CURSOR, PLACEHOLDER, EditStream
from tests import slack_events as se
from tests.conftest import BOT_TOKEN
from tests.test_streaming_load import read_in_order

SENTENCES = [
    "Start with the homeowner, not the roof. ",
    "Ask what made them call today. ",
    "Listen for the worry behind the question.\n\n",
    "Walk the property with them and take photos. ",
    "Explain what you see in plain words. ",
    "Agree on one next step before you leave.",
]
ANSWER = "".join(SENTENCES)


def contended(fake_slack, *, others: int = 2) -> tuple[SlackCalls, RateBudgets]:
    """SlackCalls whose chat.update budget (2 at once, 6 a minute — the fake Slack counts the same)
    is wanted by `others` answers besides ours: too few turns for every first text and final."""
    fake_slack.rate_model = "bucket"
    fake_slack.set_rate_limit("chat.update", per_minute=6, burst=2)
    budgets = RateBudgets({"chat.update": (6.0, 2)})
    client = AsyncWebClient(token=BOT_TOKEN, base_url=fake_slack.url)
    calls = SlackCalls(client, team_id=se.TEAM, budgets=budgets, metrics=Metrics())
    for n in range(others):
        calls.join(f"other answer {n}", "chat.update")
    return calls, budgets


async def new_stream(bot, calls: SlackCalls, channel: str = "C1") -> tuple[EditStream, Where]:
    where = Where(channel=channel, thread_ts="1.0", conversation_key=f"{se.TEAM}:{channel}:1.0", team_id=se.TEAM, user_id="U1")
    await bot.services.store.ensure(key=where.conversation_key, team_id=se.TEAM, channel_id=channel, thread_ts="1.0",
                                    channel_type="channel", user_id="U1")
    return EditStream(calls, where, store=bot.services.store, edit_interval=0.05, stall_limit=0.4), where


def shown_texts(fake_slack, channel: str = "C1") -> list[str]:
    """Every text a rep could have seen in the thread, in order: each message's versions."""
    return [text for m in fake_slack.messages(channel=channel) for text in m.edits if text != PLACEHOLDER]


async def stall_then_finish(stream: EditStream, fake_slack) -> None:
    """Stream the middle of ANSWER (chat.update has no turn now), wait until it went on in a message of its
    own after the stall limit, then the rest and the final."""
    for sentence in SENTENCES[2:5]:
        await stream.send(TextDelta(sentence))
    await fake_slack.wait_for_async(lambda: len(fake_slack.messages(channel="C1")) == 2, timeout=5)
    await stream.send(TextDelta(SENTENCES[5]))
    await stream.send(Final(ANSWER))


async def test_under_contention_an_answer_grows_in_finished_pieces_and_ends_whole(bot, fake_slack):
    calls, budgets = contended(fake_slack)
    stream, where = await new_stream(bot, calls)
    await stream.send(Thinking())
    for sentence in SENTENCES[:2]:
        await stream.send(TextDelta(sentence))
    # The first piece ends where a sentence does, with no cursor: it never needs another edit.
    await fake_slack.wait_for_async(lambda: shown_texts(fake_slack) == ["Start with the homeowner, not the roof."])
    budgets.get(se.TEAM, "chat.update").take_now("other answer 0")  # chat.update now has no turn to give
    await stall_then_finish(stream, fake_slack)  # the next piece: a message of its own

    messages = fake_slack.messages(channel="C1")
    assert len(messages) >= 3
    assert read_in_order(m.text for m in messages) == read_in_order([ANSWER])
    assert messages[1].text.startswith("Ask what made them call today.")
    for text in shown_texts(fake_slack):
        assert CURSOR not in text and text.rstrip()[-1] in ".!?", text
    assert "feedback_buttons" in str(messages[-1].blocks) and all(m.blocks is None for m in messages[:-1])
    assert fake_slack.ratelimited_count == 0
    # On record as finished pieces of an answer: a restart's sweep of stale placeholders leaves them be.
    kinds = [m.kind for m in await bot.services.store.messages(where.conversation_key)]
    assert kinds == ["answer"] + ["continuation"] * (len(messages) - 1)
    assert stream.answer_ts == messages[-1].ts


async def test_a_failure_under_contention_adds_its_note_after_the_pieces_shown(bot, fake_slack):
    calls, _ = contended(fake_slack)
    stream, where = await new_stream(bot, calls)
    await stream.send(Thinking())
    for sentence in SENTENCES[:3]:
        await stream.send(TextDelta(sentence))
    await fake_slack.wait_for_async(lambda: bool(shown_texts(fake_slack)))
    await stream.send(Failed("The model stopped answering. Please ask me again."))

    texts = [m.text for m in fake_slack.messages(channel="C1")]
    assert read_in_order(texts).startswith(read_in_order([SENTENCES[0] + SENTENCES[1]]))
    assert texts[-1].endswith("_…The model stopped answering. Please ask me again._")
    assert PLACEHOLDER not in texts and all(CURSOR not in t for t in texts)
    kinds = [m.kind for m in await bot.services.store.messages(where.conversation_key)]
    assert "placeholder" not in kinds


async def test_a_first_sentence_too_long_to_wait_for_streams_as_usual(bot, fake_slack, monkeypatch):
    # No clean place to end a first piece within FIRST_PIECE_WAIT: the answer is shown as it grows,
    # with the cursor, and still ends exact.
    monkeypatch.setattr("hard_e.bot.streaming.FIRST_PIECE_WAIT", 0.3)
    calls, _ = contended(fake_slack, others=1)
    stream, _ = await new_stream(bot, calls)
    await stream.send(Thinking())
    words = "and then a long list of things to check on the roof " * 3
    await stream.send(TextDelta(words))
    await fake_slack.wait_for_async(lambda: any(CURSOR in t for t in shown_texts(fake_slack)), timeout=5)
    await stream.send(Final(words.strip() + "."))
    assert [m.text for m in fake_slack.messages(channel="C1")] == [words.strip() + "."]


@pytest.mark.parametrize(
    ("text", "head"),
    [
        ("Start with the homeowner, not the roof. Ask what made them", "Start with the homeowner, not the roof. "),
        ("Para one is here.\n\nPara two starts here and goes on", "Para one is here.\n\n"),
        ("- item one\n- item two\n- item three is long", "- item one\n- item two\n"),
        ("One. Two. Three is not finished", "One. Two. "),
    ],
)
def test_a_clean_head_ends_at_the_last_paragraph_line_or_sentence_end(text, head):
    assert clean_head(text, 3500) == (head, text[len(head):])


def test_a_clean_head_needs_the_text_after_its_boundary_written():
    assert clean_head("Start with the homeowner, not the roof. Ask", 3500) is None  # "Ask" could become "Ask…"
    assert clean_head("No boundary at all in this stretch of words", 3500) is None
    text = "First. " + "x" * LOOKAHEAD
    assert clean_head(text, 3500) == ("First. ", "x" * LOOKAHEAD)


def test_a_clean_head_inside_code_reopens_the_fence_for_the_rest():
    text = "Look:\n\n```python\nx = 1\ny = 2\nz = 3\nw = 4\n"
    head, rest = clean_head(text, 3500)
    assert head.endswith("y = 2\n") and rest.startswith("```python\n")


def test_a_clean_head_fits_the_limit():
    text = " ".join(f"Sentence number {i} is here." for i in range(60))
    head, rest = clean_head(text, 200)
    assert len(head) <= 200 and head.rstrip().endswith(".") and text.startswith(head)
    assert len(head) > 150  # the last sentence end that fits, not the first


async def test_a_placeholder_slack_will_not_edit_gives_way_to_a_posted_first_piece(bot, fake_slack):
    calls, _ = contended(fake_slack)
    stream, where = await new_stream(bot, calls)
    await stream.send(Thinking())
    fake_slack.fail_next("chat.update", error="cant_update_message")
    for sentence in SENTENCES:
        await stream.send(TextDelta(sentence))
    await fake_slack.wait_for_async(lambda: any(m.text != PLACEHOLDER for m in fake_slack.messages(channel="C1")))
    await stream.send(Final(ANSWER))
    await fake_slack.wait_for_async(lambda: all(m.text != PLACEHOLDER for m in fake_slack.messages(channel="C1")))

    messages = fake_slack.messages(channel="C1")
    assert read_in_order(m.text for m in messages) == read_in_order([ANSWER])
    [deleted] = [c.params["ts"] for c in fake_slack.calls_to("chat.delete") if c.ok]
    assert fake_slack.message("C1", deleted).edits == [PLACEHOLDER]  # the placeholder, removed
    kinds = [m.kind for m in await bot.services.store.messages(where.conversation_key)]
    assert kinds[0] == "replaced" and "placeholder" not in kinds


async def test_an_answer_streaming_as_usual_goes_on_in_pieces_when_it_can_neither_edit_nor_be_shown_anew(bot, fake_slack):
    # Streaming with the cursor (chat.update had room at its first words), then chat.update has no
    # progress turn and chat.delete none to show it anew: it goes on in pieces, and its first message,
    # sealed by its final edit, ends at the last sentence end it showed.
    fake_slack.rate_model = "bucket"
    fake_slack.set_rate_limit("chat.update", per_minute=6, burst=2)
    fake_slack.set_rate_limit("chat.delete", per_minute=6, burst=1)
    budgets = RateBudgets({"chat.update": (6.0, 2), "chat.delete": (6.0, 1)})
    calls = SlackCalls(AsyncWebClient(token=BOT_TOKEN, base_url=fake_slack.url), team_id=se.TEAM, budgets=budgets, metrics=Metrics())
    stream, where = await new_stream(bot, calls)
    await stream.send(Thinking())
    await stream.send(TextDelta(SENTENCES[0] + "Ask what made them"))
    await fake_slack.wait_for_async(lambda: any(CURSOR in t for t in shown_texts(fake_slack)))
    budgets.get(se.TEAM, "chat.delete").take_now("another answer's clean-up")
    await stream.send(TextDelta(SENTENCES[1][len("Ask what made them"):]))
    await stall_then_finish(stream, fake_slack)

    messages = fake_slack.messages(channel="C1")
    assert messages[0].text == "Start with the homeowner, not the roof."
    assert messages[1].text.startswith("Ask what made them call today.")
    assert read_in_order(m.text for m in messages) == read_in_order([ANSWER])
    assert all(CURSOR not in m.text for m in messages) and "feedback_buttons" in str(messages[-1].blocks)
    assert fake_slack.ratelimited_count == 0
    assert "placeholder" not in [m.kind for m in await bot.services.store.messages(where.conversation_key)]


def test_a_clean_head_before_a_point_falls_back_to_a_word_end_when_asked():
    text = "Crew siding inspection warranty claim siding estimate siding. Referral"
    assert clean_head(text, 3500, before=30) is None
    assert clean_head(text, 3500, before=30, least=SPACE) == ("Crew siding inspection ", text[len("Crew siding inspection "):])
    assert clean_head(text + " referral gutters", 3500, least=SPACE)[0].endswith("siding. ")  # a sentence end still wins

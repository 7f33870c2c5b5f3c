"""A voice memo in Slack, over real HTTP: files.info, the download from Slack's host with the bot token,
the transcription on the fake OpenAI server, the transcript quoted in the thread, then a routed answer.
Cached by file id: a retried event or a second process never transcribes twice."""

from __future__ import annotations

import pytest

from tests import slack_events as se
from tests.test_voice import clip, silence, tone

TRANSCRIPT = "What is our warranty on a full tear off?"
ANSWER = "Signature roofs carry a 25-year workmanship warranty."


@pytest.fixture(scope="module")
def memo(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return clip(tmp_path_factory.mktemp("memos") / "memo.m4a", [tone(1.5)])


def voice_clip(fake_slack, data: bytes) -> dict:
    return fake_slack.add_file(data, name="audio_message.m4a", mimetype="audio/mp4", filetype="m4a", subtype="slack_audio")


def memo_event(file: dict, *, ts: str | None = None, channel: str = "D1") -> dict:
    only_id = {"id": file["id"], "file_access": "check_file_info"}  # as some events carry it: resolve with files.info
    return se.message("", channel=channel, channel_type="im", ts=ts, subtype="file_share", files=[only_id])


def transcriptions(fake_openai) -> list:
    return [r for r in fake_openai.requests if r.path.endswith("/audio/transcriptions")]


async def test_a_voice_memo_is_transcribed_quoted_and_answered_as_if_typed(bot, fake_slack, fake_openai, memo):
    file = voice_clip(fake_slack, memo)
    fake_openai.transcribe_reply(TRANSCRIPT)
    fake_openai.reply(ANSWER)
    await bot.send_event(memo_event(file))
    await bot.settle()

    assert [c.params.get("file") for c in fake_slack.calls_to("files.info")] == [file["id"]]
    [download] = fake_slack.downloads
    assert download.headers["authorization"].startswith("Bearer ")
    [transcription] = transcriptions(fake_openai)
    assert transcription.body.get("model") == "gpt-transcribe"
    status, answer = fake_slack.messages(channel="D1")
    assert status.text.startswith(":studio_microphone: _Voice memo:_\n> What is our warranty")
    assert ":studio_microphone: _Transcribing your voice memo…_" in status.edits[0]
    assert answer.text == ANSWER
    assert fake_openai.requests[-1].body["input"][-1]["content"] == TRANSCRIPT  # answered as if typed


async def test_an_opus_webm_upload_goes_the_same_way(bot, fake_slack, fake_openai, tmp_path):
    from tests.integrations.test_audio import tone as tone48k
    from tests.integrations.test_audio import write_clip

    webm = write_clip(tmp_path / "memo.webm", [tone48k(1.0)] * 2, fmt="webm", codec="libopus").read_bytes()
    file = fake_slack.add_file(webm, name="memo.webm", mimetype="audio/webm", filetype="webm")
    fake_openai.transcribe_reply(TRANSCRIPT)
    fake_openai.reply(ANSWER)
    await bot.send_event(memo_event(file))
    await bot.settle()
    [transcription] = transcriptions(fake_openai)
    assert transcription.body["file"]["filename"] == "memo.webm"
    assert [m.text for m in fake_slack.messages(channel="D1")][-1] == ANSWER


async def test_a_retried_event_and_a_second_process_never_transcribe_twice(bot_factory, fake_slack, fake_openai, memo, database_url):
    first = await bot_factory()
    second = await bot_factory() if database_url.startswith("postgresql") else first
    file = voice_clip(fake_slack, memo)
    fake_openai.transcribe_reply(TRANSCRIPT)
    fake_openai.reply(ANSWER)
    fake_openai.reply(ANSWER)
    event = memo_event(file)
    await first.send_event(event)
    await first.send_event(event, retry_num=1)  # Slack's retry of the same event: one answer
    await first.settle()
    again = memo_event(file)  # the same file in a new message (an edit, a re-share) on another process
    await second.send_event(again)
    await second.settle()
    assert len(transcriptions(fake_openai)) == 1
    assert len(fake_slack.downloads) == 1, "the cache answers by file id before any download"
    assert [m.text for m in fake_slack.messages(channel="D1")].count(ANSWER) == 2


async def test_a_corrupt_memo_is_one_line_and_nothing_else_breaks(bot, fake_slack, fake_openai):
    file = voice_clip(fake_slack, b"\x00\x01 not audio at all" * 10)
    await bot.send_event(memo_event(file))
    await bot.settle()
    [status] = fake_slack.messages(channel="D1")
    assert status.text == "I couldn't read this audio. Try recording it again, or type the message."
    assert transcriptions(fake_openai) == []


async def test_a_failed_transcription_offers_try_again(bot, fake_slack, fake_openai, memo):
    file = voice_clip(fake_slack, memo)
    fake_openai.fail(500, times=3)
    await bot.send_event(memo_event(file))
    await bot.settle()
    [status] = fake_slack.messages(channel="D1")
    assert status.text == "I couldn't transcribe that voice memo just now."
    [button] = status.blocks[1]["elements"]
    assert button["text"]["text"] == "Try again"

    fake_openai.transcribe_reply(TRANSCRIPT)
    fake_openai.reply(ANSWER)
    await bot.click(se.block_action(user="U1", action_id=button["action_id"], value=button["value"], channel="D1", message_ts=status.ts))
    await bot.settle()
    assert fake_slack.messages(channel="D1")[-1].text == ANSWER


async def test_a_file_that_is_not_audio_gets_one_line(bot, fake_slack, fake_openai):
    pdf = fake_slack.add_file(b"%PDF-1.4", name="estimate.pdf", mimetype="application/pdf", filetype="pdf")
    await bot.send_event(se.message("", channel="D1", channel_type="im", subtype="file_share", files=[pdf]))
    await bot.settle()
    [line] = fake_slack.messages(channel="D1")
    assert line.text.startswith("I can take voice memos") and fake_openai.requests == []


def memo_mention(file: dict, *, channel: str = "C1") -> dict:
    """A voice clip posted in a channel with an @mention: Slack's app_mention carries the files."""
    return {**se.mention("", channel=channel), "files": [{"id": file["id"], "file_access": "check_file_info"}]}


async def test_a_long_memo_in_a_channel_is_cut_at_the_configured_length_and_answered_in_its_thread(
    bot_factory, fake_slack, fake_openai, tmp_path
):
    bot = await bot_factory(HARDE_AUDIO_CHUNK_MINUTES="0.5")
    long_memo = clip(tmp_path / "long.m4a", [*[tone(1.0)] * 4, silence(1.0)] * 8)  # 40 s: over half a minute
    file = voice_clip(fake_slack, long_memo)
    event = memo_mention(file)  # nothing scripted: the fake hears each chunk by its name, and answers its default
    await bot.send_event(event)
    await bot.settle()

    uploads = [t.body["file"]["filename"] for t in transcriptions(fake_openai)]
    assert sorted(uploads) == ["chunk-000.ogg", "chunk-001.ogg"]  # the fake hears each chunk by its name
    status, answer = fake_slack.messages(channel="C1")
    assert status.thread_ts == event["ts"] and answer.thread_ts == event["ts"]
    first, second = status.text.index("Transcript of chunk-000"), status.text.index("Transcript of chunk-001")
    assert first < second, "joined in clip order"
    assert answer.text == fake_openai.default_reply


async def test_try_again_in_a_channel_reuses_its_line_and_still_takes_a_crm_question_to_the_dm(bot, fake_slack, fake_openai, memo):
    from hard_e.store.crm_import import SAMPLE_DIR, import_crm

    await import_crm(bot.services.engine, SAMPLE_DIR)
    file = voice_clip(fake_slack, memo)
    fake_openai.fail(503, times=3)
    event = memo_mention(file)
    await bot.send_event(event)
    await bot.settle()
    [failed] = fake_slack.messages(channel="C1")
    [button] = failed.blocks[1]["elements"]

    fake_openai.transcribe_reply("What's the status of the Okafor job?")
    fake_openai.reply_tool_call("job_status", {"customer_or_job": "Okafor"})
    fake_openai.reply("The Okafor roof replacement is at Contract Signed since Oct 28.")
    click = se.block_action(user="U1", action_id=button["action_id"], value=button["value"], channel="C1", message_ts=failed.ts)
    await bot.click(click)
    await bot.click(click)  # a double click: the line has no button any more, and the memo is heard once
    await bot.settle()

    status, pointer = fake_slack.messages(channel="C1")
    assert status.ts == failed.ts and status.text.startswith(":studio_microphone: _Voice memo:_\n> What's the status")
    assert status.blocks == [] or "actions" not in [b["type"] for b in status.blocks]
    assert pointer.text.startswith(":lock: I've sent you the details in a DM")
    assert not any("Contract Signed" in version for m in fake_slack.messages(channel="C1") for version in m.edits)
    assert fake_slack.messages(channel="D1")[-1].text.endswith("Contract Signed since Oct 28.")
    assert len(transcriptions(fake_openai)) == 3 + 1

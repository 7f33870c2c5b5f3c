"""`OpenAIVoice` through the real openai SDK against the fake OpenAI server's `/v1/audio/speech`."""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Iterator

import pytest

from hard_e.errors import MediaUnavailable
from hard_e.integrations.openai_llm import build_client
from hard_e.integrations.openai_speech import MAX_INPUT_CHARS, OpenAIVoice
from hard_e.media import join_mp3, looks_like_mp3
from tests.fakes import FakeOpenAI
from tests.fakes.openai_server import fake_speech

KEY = "sk-test-speech-0123456789"
SCRIPT = "Hi, this is Dana from Summit Roofing. I saw the hail hit your street on Tuesday."


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(api_key=KEY) as server:
        yield server


def voice_for(fake: FakeOpenAI, *, api_key: str = KEY, timeout: float = 10.0, max_retries: int = 0, **options: str) -> OpenAIVoice:
    client = build_client(api_key=api_key, base_url=fake.url, timeout=timeout, max_retries=max_retries)
    return OpenAIVoice(client, **options)


def speech_requests(fake: FakeOpenAI) -> list[dict[str, object]]:
    return [r.body for r in fake.requests if r.path == "/v1/audio/speech"]


async def test_synthesize_sends_the_documented_request_and_returns_the_mp3(fake):
    audio = await voice_for(fake).synthesize(SCRIPT)

    assert audio == fake_speech(SCRIPT, "mp3")[0]
    assert looks_like_mp3(audio)
    [request] = fake.requests
    assert request.path == "/v1/audio/speech"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.body == {"model": "gpt-4o-mini-tts", "voice": "alloy", "input": SCRIPT, "response_format": "mp3"}


async def test_model_voice_and_instructions_are_sent_when_given(fake):
    voice = voice_for(fake, model="tts-1-hd", voice="marin", instructions="Warm and upbeat, like a friendly neighbour.")

    await voice.synthesize(SCRIPT)

    assert voice.name == "OpenAI"
    [body] = speech_requests(fake)
    assert (body["model"], body["voice"]) == ("tts-1-hd", "marin")
    assert body["instructions"] == "Warm and upbeat, like a friendly neighbour."


async def test_text_over_4096_characters_is_split_between_sentences_and_joined(fake):
    sentence = "Our crew can start the tear-off on Monday and have the new roof on by Wednesday afternoon. "
    script = (sentence * 50).strip()  # about 4,550 characters
    assert len(script) > MAX_INPUT_CHARS

    audio = await voice_for(fake).synthesize(script)

    first, second = (str(body["input"]) for body in speech_requests(fake))
    assert len(first) <= MAX_INPUT_CHARS and len(second) <= MAX_INPUT_CHARS
    assert first.endswith("afternoon.") and f"{first} {second}" == script
    assert audio == join_mp3([fake_speech(first, "mp3")[0], fake_speech(second, "mp3")[0]])


async def test_a_wrong_key_is_unauthorized(fake):
    with pytest.raises(MediaUnavailable) as caught:
        await voice_for(fake, api_key="sk-wrong").synthesize(SCRIPT)

    assert caught.value.reason == "unauthorized"


async def test_a_429_is_retried_by_the_client(fake):
    fake.fail(429, message="Rate limit reached for requests", code="rate_limit_exceeded")

    audio = await voice_for(fake, max_retries=1).synthesize(SCRIPT)

    assert audio == fake_speech(SCRIPT, "mp3")[0]
    assert len(speech_requests(fake)) == 2


async def test_a_rate_limit_that_lasts_is_rate_limited(fake):
    fake.fail(429, times=2)

    with pytest.raises(MediaUnavailable) as caught:
        await voice_for(fake, max_retries=1).synthesize(SCRIPT)

    assert caught.value.reason == "rate_limited"


@pytest.mark.parametrize(("status", "reason"), [(500, "server_error"), (503, "server_error"), (400, "rejected"), (404, "rejected")])
async def test_failures_map_to_short_reasons(fake, status, reason):
    fake.fail(status)

    with pytest.raises(MediaUnavailable) as caught:
        await voice_for(fake).synthesize(SCRIPT)

    assert caught.value.reason == reason


async def test_an_outage_fails_fast_as_unreachable():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = build_client(api_key=KEY, base_url=f"http://127.0.0.1:{port}/v1", timeout=5, max_retries=0)

    started = time.monotonic()
    with pytest.raises(MediaUnavailable) as caught:
        await OpenAIVoice(client).synthesize(SCRIPT)

    assert caught.value.reason == "unreachable"
    assert time.monotonic() - started < 1


async def test_a_stalled_answer_times_out(fake):
    fake.stall(5)

    started = time.monotonic()
    with pytest.raises(MediaUnavailable) as caught:
        await voice_for(fake, timeout=0.3).synthesize(SCRIPT)

    assert caught.value.reason == "timeout"
    assert time.monotonic() - started < 2


async def test_audio_cut_off_midway_is_not_passed_on(fake):
    fake.fail_midstream("ignored for speech")

    with pytest.raises(MediaUnavailable) as caught:
        await voice_for(fake).synthesize(SCRIPT)

    assert caught.value.reason == "unreachable"


async def test_logs_never_carry_the_text_or_the_key(fake, caplog):
    caplog.set_level(logging.DEBUG, logger="hard_e.integrations.openai_speech")
    fake.fail(500)

    with pytest.raises(MediaUnavailable):
        await voice_for(fake).synthesize(SCRIPT)

    assert "InternalServerError status=500" in caplog.text
    assert "Dana" not in caplog.text and KEY not in caplog.text

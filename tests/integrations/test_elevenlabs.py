"""`ElevenLabsVoice` over real HTTP against the fake ElevenLabs API (tests/fakes/elevenlabs_server.py)."""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest

from hard_e.errors import MediaUnavailable
from hard_e.integrations import elevenlabs
from hard_e.integrations.elevenlabs import ElevenLabsVoice, endpoint
from hard_e.media import join_mp3, looks_like_mp3
from tests.fakes.elevenlabs_server import DEFAULT_VOICES, FakeElevenLabs, fake_mp3

KEY = "xi-test-key-0123456789"
VOICE = DEFAULT_VOICES[0]
SCRIPT = "Hi, this is Dana from Summit Roofing. I saw the hail hit your street on Tuesday."


@pytest.fixture
def fake() -> Iterator[FakeElevenLabs]:
    with FakeElevenLabs(api_key=KEY) as server:
        yield server


def voice_for(fake: FakeElevenLabs, *, api_key: str = KEY, **options: Any) -> ElevenLabsVoice:
    options.setdefault("backoff", 0.01)
    options.setdefault("voice_id", VOICE)
    return ElevenLabsVoice(api_key, fake.base_url, **options)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- the request and the audio ------------------------------------------------------------------


async def test_synthesize_posts_the_documented_request_and_returns_the_mp3(fake):
    audio = await voice_for(fake).synthesize(SCRIPT)

    assert audio == fake_mp3(SCRIPT)
    assert looks_like_mp3(audio)
    [call] = fake.calls
    assert call.voice_id == VOICE
    assert call.output_format == "mp3_44100_128"
    assert call.body == {"text": SCRIPT, "model_id": "eleven_multilingual_v2"}
    [request] = fake.requests
    assert request.path == f"/v1/text-to-speech/{VOICE}"
    assert request.headers["xi-api-key"] == KEY
    assert request.headers["content-type"].startswith("application/json")


async def test_the_name_model_and_format_are_what_was_asked_for(fake):
    voice = voice_for(fake, model_id="eleven_flash_v2_5", output_format="mp3_22050_32")

    await voice.synthesize(SCRIPT)

    assert voice.name == "ElevenLabs"
    [call] = fake.calls
    assert (call.model_id, call.output_format) == ("eleven_flash_v2_5", "mp3_22050_32")


def test_a_base_url_with_or_without_v1_reaches_the_same_endpoint():
    assert endpoint("https://api.elevenlabs.io/v1/", "abc") == "https://api.elevenlabs.io/v1/text-to-speech/abc"
    assert endpoint(None, "a/b") == "https://api.elevenlabs.io/v1/text-to-speech/a%2Fb"


def test_only_mp3_formats_are_accepted():
    with pytest.raises(ValueError, match="mp3"):
        ElevenLabsVoice(KEY, voice_id=VOICE, output_format="pcm_16000")


# -- long text -------------------------------------------------------------------------------------


async def test_text_over_the_model_limit_is_split_between_sentences_and_the_parts_joined(fake):
    sentence = "Our crew can start the tear-off on Monday and have the new roof on by Wednesday afternoon. "
    script = (sentence * 120).strip()  # about 10,900 characters: over Multilingual v2's 10,000
    assert len(script) > 10_000

    audio = await voice_for(fake).synthesize(script)

    first, second = fake.calls
    assert all(len(call.text or "") <= 10_000 for call in fake.calls)
    assert (first.text or "").endswith("afternoon.") and (second.text or "").startswith("Our crew")
    assert f"{first.text} {second.text}" == script
    assert first.body["next_text"] == (second.text or "")[:300]
    assert second.body["previous_text"] == (first.text or "")[-300:]
    assert audio == join_mp3([fake_mp3(first.text or ""), fake_mp3(second.text or "")])
    assert audio.startswith(b"ID3") and audio.count(b"ID3\x04") == 1  # one tag, at the start


async def test_eleven_v3_is_split_at_its_smaller_limit(fake):
    script = " ".join(f"Sentence number {i} explains one more benefit of a metal roof." for i in range(120))

    await voice_for(fake, model_id="eleven_v3").synthesize(script)

    assert len(fake.calls) == 2 and all(len(c.text or "") <= 5_000 for c in fake.calls)


async def test_empty_text_is_refused_without_a_call(fake):
    with pytest.raises(MediaUnavailable) as caught:
        await voice_for(fake).synthesize("   ")

    assert caught.value.reason == "rejected"
    assert fake.requests == []


# -- failures ----------------------------------------------------------------------------------------


async def test_a_wrong_key_is_unauthorized_and_not_retried(fake):
    with pytest.raises(MediaUnavailable) as caught:
        await voice_for(fake, api_key="xi-wrong").synthesize(SCRIPT)

    assert caught.value.reason == "unauthorized"
    assert len(fake.requests) == 1


async def test_a_429_with_retry_after_is_waited_out_and_retried(fake):
    fake.fail(429, retry_after="0.3")

    started = time.monotonic()
    audio = await voice_for(fake).synthesize(SCRIPT)

    assert audio == fake_mp3(SCRIPT)
    first, second = fake.calls
    assert second.at - first.at >= 0.3
    assert time.monotonic() - started < 2


async def test_a_long_retry_after_is_capped(fake, monkeypatch):
    monkeypatch.setattr(elevenlabs, "MAX_RETRY_AFTER", 0.05)
    fake.fail(429, retry_after="3600")

    started = time.monotonic()
    await voice_for(fake).synthesize(SCRIPT)

    assert time.monotonic() - started < 1


async def test_a_rate_limit_that_lasts_gives_up_as_rate_limited(fake):
    fake.fail(429, times=5, code="concurrent_limit_exceeded")

    with pytest.raises(MediaUnavailable) as caught:
        await voice_for(fake).synthesize(SCRIPT)

    assert caught.value.reason == "rate_limited"
    assert len(fake.calls) == 3  # the first try and two retries


async def test_server_errors_are_retried_then_reported(fake):
    fake.fail(503, times=2)
    assert await voice_for(fake).synthesize(SCRIPT) == fake_mp3(SCRIPT)

    fake.fail(500, times=3)
    with pytest.raises(MediaUnavailable) as caught:
        await voice_for(fake).synthesize(SCRIPT)
    assert caught.value.reason == "server_error"


async def test_concurrent_requests_over_the_plan_limit_wait_their_turn():
    with FakeElevenLabs(api_key=KEY, concurrency_limit=1, latency=0.15) as fake:
        voice = voice_for(fake, backoff=0.1)
        first, second = await asyncio.gather(voice.synthesize("One line."), voice.synthesize("Another line."))

    assert (first, second) == (fake_mp3("One line."), fake_mp3("Another line."))
    assert fake.peak_inflight == 1


async def test_an_outage_fails_fast_as_unreachable():
    voice = ElevenLabsVoice(KEY, f"http://127.0.0.1:{closed_port()}", voice_id=VOICE, backoff=0.01)

    started = time.monotonic()
    with pytest.raises(MediaUnavailable) as caught:
        await voice.synthesize(SCRIPT)

    assert caught.value.reason == "unreachable"
    assert time.monotonic() - started < 1


async def test_a_stalled_answer_times_out(fake):
    fake.stall(5)

    started = time.monotonic()
    with pytest.raises(MediaUnavailable) as caught:
        await voice_for(fake, timeout=0.3).synthesize(SCRIPT)

    assert caught.value.reason == "timeout"
    assert time.monotonic() - started < 2


async def test_an_unknown_voice_is_rejected(fake):
    with pytest.raises(MediaUnavailable) as caught:
        await voice_for(fake, voice_id="no-such-voice").synthesize(SCRIPT)

    assert caught.value.reason == "rejected"


async def test_a_200_that_is_not_audio_is_a_bad_response(fake):
    fake.raw(b'{"detail": {"message": "surprise"}}')

    with pytest.raises(MediaUnavailable) as caught:
        await voice_for(fake).synthesize(SCRIPT)

    assert caught.value.reason == "bad_response"


async def test_logs_name_the_failure_but_never_the_text_or_the_key(fake, caplog):
    caplog.set_level(logging.DEBUG, logger="hard_e.integrations.elevenlabs")
    fake.fail(429, times=3)

    with pytest.raises(MediaUnavailable):
        await voice_for(fake).synthesize(SCRIPT)

    assert "status=429" in caplog.text and "rate_limit_exceeded" in caplog.text
    assert "Dana" not in caplog.text and KEY not in caplog.text

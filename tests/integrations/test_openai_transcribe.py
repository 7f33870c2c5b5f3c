"""`OpenAITranscriber` through the real openai SDK against the fake OpenAI server's `/v1/audio/transcriptions`."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator

import pytest
import requests

from hard_e.errors import MediaUnavailable
from hard_e.integrations.openai_llm import build_client
from hard_e.integrations.openai_transcribe import OpenAITranscriber
from tests.fakes import FakeOpenAI
from tests.fakes.openai_server import TRANSCRIPTION_MAX_BYTES, fake_transcript

KEY = "sk-test-transcribe-0123456789"
AUDIO = b"OggS" + bytes(range(256)) * 40  # the fake doesn't decode audio; these bytes stand in for a clip


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(api_key=KEY) as server:
        yield server


def transcriber_for(fake: FakeOpenAI, *, api_key: str = KEY, timeout: float = 10.0, model: str = "gpt-transcribe") -> OpenAITranscriber:
    # A long client timeout: the transcriber's own bound is what must hold.
    client = build_client(api_key=api_key, base_url=fake.url, timeout=60, max_retries=0)
    return OpenAITranscriber(client, model=model, timeout=timeout)


async def test_the_multipart_upload_carries_the_audio_and_the_model(fake):
    text = await transcriber_for(fake).transcribe(AUDIO, filename="memo.ogg")

    assert text == fake_transcript("memo.ogg", AUDIO)
    [request] = fake.requests
    assert request.path == "/v1/audio/transcriptions"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.headers["content-type"].startswith("multipart/form-data")
    assert request.body["model"] == "gpt-transcribe"
    assert request.body["response_format"] == "json"
    upload = request.body["file"]
    assert (upload["filename"], upload["size"]) == ("memo.ogg", len(AUDIO))
    assert upload["sha256"] == hashlib.sha256(AUDIO).hexdigest()


async def test_scripted_text_comes_back_and_the_model_is_a_setting(fake):
    fake.transcribe_reply("  Met the Hendersons, they want the quote by Friday.  ")

    text = await transcriber_for(fake, model="whisper-1").transcribe(AUDIO, filename="memo.m4a")

    assert text == "Met the Hendersons, they want the quote by Friday."
    assert fake.requests[0].body["model"] == "whisper-1"


@pytest.mark.parametrize(
    ("status", "reason"),
    [(401, "unauthorized"), (429, "rate_limited"), (500, "server_error"), (400, "rejected")],
)
async def test_api_errors_become_media_unavailable(fake, status, reason):
    fake.fail(status=status)
    with pytest.raises(MediaUnavailable) as caught:
        await transcriber_for(fake).transcribe(AUDIO, filename="memo.ogg")
    assert caught.value.reason == reason


async def test_a_wrong_key_is_unauthorized(fake):
    with pytest.raises(MediaUnavailable) as caught:
        await transcriber_for(fake, api_key="sk-wrong").transcribe(AUDIO, filename="memo.ogg")
    assert caught.value.reason == "unauthorized"


async def test_a_file_the_api_cannot_identify_is_rejected(fake):
    with pytest.raises(MediaUnavailable) as caught:
        await transcriber_for(fake).transcribe(AUDIO, filename="memo.txt")
    assert caught.value.reason == "rejected"


async def test_a_stalled_service_times_out_within_the_bound(fake):
    fake.stall(5)
    started = time.monotonic()
    with pytest.raises(MediaUnavailable) as caught:
        await transcriber_for(fake, timeout=0.3).transcribe(AUDIO, filename="memo.ogg")
    assert caught.value.reason == "timeout"
    assert time.monotonic() - started < 3


async def test_an_unreachable_service_is_unreachable():
    client = build_client(api_key=KEY, base_url="http://127.0.0.1:9/v1", timeout=2, max_retries=0)
    with pytest.raises(MediaUnavailable) as caught:
        await OpenAITranscriber(client).transcribe(AUDIO, filename="memo.ogg")
    assert caught.value.reason == "unreachable"


def test_the_fake_refuses_what_the_api_refuses(fake):
    url = f"{fake.url}/audio/transcriptions"
    auth = {"Authorization": f"Bearer {KEY}"}
    no_file = requests.post(url, headers=auth, files={"model": (None, "gpt-transcribe")}, timeout=10)
    no_model = requests.post(url, headers=auth, files={"file": ("memo.ogg", AUDIO)}, timeout=10)
    too_big = requests.post(
        url, headers=auth, data={"model": "gpt-transcribe"}, files={"file": ("memo.ogg", bytes(TRANSCRIPTION_MAX_BYTES + 1))}, timeout=30
    )
    assert (no_file.status_code, no_file.json()["error"]["message"]) == (400, "Missing required parameter: 'file'.")
    assert (no_model.status_code, no_model.json()["error"]["message"]) == (400, "Missing required parameter: 'model'.")
    assert too_big.status_code == 413
    assert "Maximum content size limit (26214400)" in too_big.json()["error"]["message"]
    assert fake.requests[-1].body["file"]["size"] == TRANSCRIPTION_MAX_BYTES + 1

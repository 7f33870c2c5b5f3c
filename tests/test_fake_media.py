"""The media fakes keep the services' published contracts (not our clients' assumptions): ElevenLabs
text-to-speech, OpenAI's `/v1/audio/speech` and Shotstack's Edit API render endpoints."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from hard_e.integrations.shotstack import build_edit
from hard_e.media import looks_like_mp3
from tests.fakes import FakeOpenAI
from tests.fakes.elevenlabs_server import DEFAULT_VOICES, FakeElevenLabs, fake_mp3
from tests.fakes.shotstack_server import FakeShotstack, validate_edit

XI_KEY = "xi-fake-key"
VOICE = DEFAULT_VOICES[0]


# -- ElevenLabs ----------------------------------------------------------------------------------


@pytest.fixture
def eleven() -> Iterator[FakeElevenLabs]:
    with FakeElevenLabs(api_key=XI_KEY) as fake:
        yield fake


def tts(fake: FakeElevenLabs, body: Any, *, voice: str = VOICE, key: str | None = XI_KEY, **params: str) -> requests.Response:
    headers = {"xi-api-key": key} if key is not None else {}
    return requests.post(f"{fake.base_url}/v1/text-to-speech/{voice}", json=body, params=params, headers=headers, timeout=5)


def test_elevenlabs_answers_mp3_by_default(eleven):
    r = tts(eleven, {"text": "Hello there."})

    assert r.status_code == 200
    assert r.headers["content-type"] == "audio/mpeg"
    assert r.content == fake_mp3("Hello there.") and r.content.startswith(b"ID3")
    assert r.headers["request-id"]


def test_elevenlabs_mp3_is_id3_then_whole_mpeg_frames_and_depends_on_the_text():
    audio = fake_mp3("A" * 100, id3=False)

    assert audio[:2] == b"\xff\xfb" and len(audio) == 10 * 417
    assert all(audio[i : i + 4] == b"\xff\xfb\x90\x64" for i in range(0, len(audio), 417))
    assert fake_mp3("one text") != fake_mp3("another text")
    tagged = fake_mp3("A" * 100)
    assert tagged.startswith(b"ID3\x04") and tagged.endswith(audio)


def test_elevenlabs_can_answer_without_an_id3_tag():
    with FakeElevenLabs(api_key=XI_KEY, id3=False) as fake:
        r = tts(fake, {"text": "Hello there."})
    assert r.content[:2] == b"\xff\xfb" and looks_like_mp3(r.content)


def test_elevenlabs_other_output_formats(eleven):
    wav = tts(eleven, {"text": "Hello there."}, output_format="wav_44100")
    assert wav.status_code == 200 and wav.content.startswith(b"RIFF") and wav.content[8:12] == b"WAVE"
    bad = tts(eleven, {"text": "Hello there."}, output_format="mp3_1000_1")
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["query", "output_format"]


@pytest.mark.parametrize("key", [None, "xi-wrong"])
def test_elevenlabs_refuses_a_missing_or_wrong_key_without_consuming_a_plan(eleven, key):
    eleven.fail(500)

    r = tts(eleven, {"text": "Hello there."}, key=key)

    assert r.status_code == 401
    assert r.json()["detail"]["code"] == "invalid_api_key" and r.json()["detail"]["status"] == "invalid_api_key"
    assert eleven.pending == 1 and eleven.calls == []


def test_elevenlabs_missing_text_is_a_422_validation_error(eleven):
    r = tts(eleven, {"model_id": "eleven_multilingual_v2"})

    assert r.status_code == 422
    [problem] = r.json()["detail"]
    assert problem["loc"] == ["body", "text"] and problem["type"] == "missing"


def test_elevenlabs_a_body_that_is_not_json_is_a_422(eleven):
    r = requests.post(f"{eleven.base_url}/v1/text-to-speech/{VOICE}", data=b"not json", headers={"xi-api-key": XI_KEY}, timeout=5)
    assert r.status_code == 422


@pytest.mark.parametrize(
    ("model_id", "limit"), [(None, 10_000), ("eleven_multilingual_v2", 10_000), ("eleven_v3", 5_000), ("eleven_flash_v2_5", 40_000)]
)
def test_elevenlabs_enforces_each_models_character_limit(eleven, model_id, limit):
    body: dict[str, Any] = {} if model_id is None else {"model_id": model_id}

    assert tts(eleven, {**body, "text": "x" * limit}).status_code == 200
    r = tts(eleven, {**body, "text": "x" * (limit + 1)})

    assert r.status_code == 400
    detail = r.json()["detail"]
    assert detail["code"] == "max_character_limit_exceeded" and detail["param"] == "text"
    assert f"has {limit + 1} characters" in detail["message"] and f"limit of {limit}" in detail["message"]


def test_elevenlabs_unknown_voice_and_model(eleven):
    r = tts(eleven, {"text": "Hi."}, voice="no-such-voice")
    assert r.status_code == 400 and r.json()["detail"]["code"] == "voice_not_found"
    r = tts(eleven, {"text": "Hi.", "model_id": "eleven_imaginary"})
    assert r.status_code == 400 and r.json()["detail"]["param"] == "model_id"
    with FakeElevenLabs(api_key=XI_KEY, unknown_voice_status=404) as fake:
        assert tts(fake, {"text": "Hi."}, voice="no-such-voice").status_code == 404


def test_elevenlabs_scripted_failures_are_consumed_in_order(eleven):
    eleven.fail(429, retry_after="2")
    eleven.fail(503)

    limited = tts(eleven, {"text": "Hi."})
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "2"
    assert limited.json()["detail"]["code"] == "rate_limit_exceeded"
    assert tts(eleven, {"text": "Hi."}).status_code == 503
    assert tts(eleven, {"text": "Hi."}).status_code == 200
    assert len(eleven.calls) == 3


def test_elevenlabs_records_each_call(eleven):
    tts(eleven, {"text": "Hi.", "model_id": "eleven_v3", "previous_text": "Before."}, output_format="mp3_22050_32")

    [call] = eleven.calls
    assert (call.voice_id, call.text, call.model_id, call.output_format) == (VOICE, "Hi.", "eleven_v3", "mp3_22050_32")
    assert call.body["previous_text"] == "Before."


def test_elevenlabs_concurrency_limit_answers_429_concurrent_limit_exceeded():
    with FakeElevenLabs(api_key=XI_KEY, concurrency_limit=1, latency=0.3) as fake:
        results: list[requests.Response] = []
        slow = threading.Thread(target=lambda: results.append(tts(fake, {"text": "First."})))
        slow.start()
        fake.wait_for(lambda: fake.peak_inflight == 1)
        second = tts(fake, {"text": "Second."})
        slow.join()

    assert second.status_code == 429 and second.json()["detail"]["code"] == "concurrent_limit_exceeded"
    assert results[0].status_code == 200


# -- OpenAI speech --------------------------------------------------------------------------------


@pytest.fixture
def oai() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(api_key="sk-fake") as fake:
        yield fake


def speech(fake: FakeOpenAI, body: Any, key: str = "sk-fake") -> requests.Response:
    return requests.post(f"{fake.url}/audio/speech", json=body, headers={"Authorization": f"Bearer {key}"}, timeout=5)


def test_openai_speech_answers_audio_and_records_the_request(oai):
    body = {"model": "gpt-4o-mini-tts", "voice": "alloy", "input": "Hello there."}

    r = speech(oai, body)

    assert r.status_code == 200 and r.headers["content-type"] == "audio/mpeg"
    assert looks_like_mp3(r.content) and r.content[:4] == b"\xff\xf3\x84\xc4"
    assert oai.last_request is not None and oai.last_request.body == body
    wav = speech(oai, {**body, "response_format": "wav"})
    assert wav.headers["content-type"] == "audio/wav" and wav.content.startswith(b"RIFF")
    custom = speech(oai, {**body, "voice": {"id": "voice_1234"}})
    assert custom.status_code == 200


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"input": "x" * 4097}, "string_above_max_length"),
        ({"voice": None}, "invalid_type"),
        ({"response_format": "ogg"}, "invalid_value"),
        ({"speed": 5}, "invalid_value"),
    ],
)
def test_openai_speech_refuses_what_the_api_documents_as_invalid(oai, change, code):
    r = speech(oai, {"model": "tts-1", "voice": "alloy", "input": "Hi.", **change})
    assert r.status_code == 400 and r.json()["error"]["code"] == code


def test_openai_speech_needs_model_input_voice_and_the_key(oai):
    r = speech(oai, {"model": "tts-1", "input": "Hi."})
    assert r.status_code == 400 and "'voice'" in r.json()["error"]["message"]
    assert speech(oai, {"model": "tts-1", "voice": "alloy", "input": "Hi."}, key="sk-wrong").status_code == 401
    assert speech(oai, {"model": "tts-1", "voice": "alloy", "input": "x" * 4096}).status_code == 200


def test_openai_speech_uses_the_scripted_failures(oai):
    oai.fail(429, message="Rate limit reached", code="rate_limit_exceeded")
    r = speech(oai, {"model": "tts-1", "voice": "alloy", "input": "Hi."})
    assert r.status_code == 429 and r.json()["error"]["type"] == "requests"


# -- Shotstack -------------------------------------------------------------------------------------

SS_KEY = "ss-fake-key"


@pytest.fixture
def shot() -> Iterator[FakeShotstack]:
    with FakeShotstack(api_key=SS_KEY, stage="stage", stage_seconds=10) as fake:
        yield fake


def render(fake: FakeShotstack, edit: Any, *, stage: str = "stage", key: str = SS_KEY, prefix: str = "/edit") -> requests.Response:
    return requests.post(f"{fake.base_url}{prefix}/{stage}/render", json=edit, headers={"x-api-key": key}, timeout=5)


def poll(fake: FakeShotstack, render_id: str, **params: str) -> requests.Response:
    return requests.get(f"{fake.base_url}/edit/stage/render/{render_id}", params=params, headers={"x-api-key": SS_KEY}, timeout=5)


EDIT = {
    "timeline": {"tracks": [{"clips": [{"asset": {"type": "title", "text": "Hello"}, "start": 0, "length": 5}]}]},
    "output": {"format": "mp4", "resolution": "sd"},
}


def test_shotstack_queues_a_valid_edit(shot):
    r = render(shot, EDIT)

    assert r.status_code == 201
    payload = r.json()
    assert payload["success"] is True and payload["message"] == "Created"
    assert payload["response"]["message"] == "Render Successfully Queued"
    assert [x.id for x in shot.renders] == [payload["response"]["id"]]


def test_shotstack_accepts_the_older_base_without_edit(shot):
    assert render(shot, EDIT, prefix="").status_code == 201


def test_our_script_edit_passes_shotstacks_schema():
    assert validate_edit(build_edit("One line. Another line!", title="A title")) == []


def one_clip(**clip: Any) -> dict[str, Any]:
    return {"timeline": {"tracks": [{"clips": [clip]}]}, "output": {"format": "mp4"}}


CLIP = ["timeline", "tracks", 0, "clips", 0]


@pytest.mark.parametrize(
    ("edit", "path", "kind"),
    [
        ({"output": {"format": "mp4"}}, ["timeline"], "any.required"),
        ({"timeline": {"tracks": []}}, ["output"], "any.required"),
        ({**EDIT, "colour": "red"}, ["colour"], "object.unknown"),
        ({**EDIT, "output": {"resolution": "sd"}}, ["output", "format"], "any.required"),
        ({**EDIT, "output": {"format": "mov"}}, ["output", "format"], "any.only"),
        (one_clip(asset={"type": "title", "text": "x"}, start=0), [*CLIP, "length"], "any.required"),
        (one_clip(asset={"type": "text"}, start=0, length=1), [*CLIP, "asset", "text"], "any.required"),
        (one_clip(asset={"type": "video"}, start="auto", length="end"), [*CLIP, "asset", "src"], "any.required"),
        (one_clip(asset={"type": "title", "text": "x"}, start=-1, length=1), [*CLIP, "start"], "alternatives.match"),
        (one_clip(asset={"type": "hologram"}, start=0, length=1), [*CLIP, "asset", "type"], "any.only"),
    ],
)
def test_shotstack_refuses_an_edit_against_its_schema(shot, edit, path, kind):
    r = render(shot, edit)

    assert r.status_code == 400
    payload = r.json()
    assert payload["success"] is False and payload["message"] == "Bad Request"
    [problem] = payload["response"]["error"]["details"]
    assert (problem["path"], problem["type"]) == (path, kind)
    assert shot.renders == []


def test_shotstack_errors_can_be_a_plain_message():
    with FakeShotstack(api_key=SS_KEY, error_style="message") as fake:
        r = render(fake, {"output": {"format": "mp4"}})
    assert r.status_code == 400 and r.json()["response"] == '"timeline" is required'


@pytest.mark.parametrize(("stage", "key"), [("stage", "ss-wrong"), ("v1", SS_KEY)])
def test_shotstack_forbids_a_wrong_key_or_the_other_stages_url(shot, stage, key):
    r = render(shot, EDIT, stage=stage, key=key)
    assert r.status_code == 403 and r.json() == {"message": "Forbidden"}


def test_shotstack_render_moves_through_its_states_to_a_url(shot):
    render_id = render(shot, EDIT).json()["response"]["id"]

    states = []
    for _ in range(5):
        states.append(poll(shot, render_id, data="false").json()["response"])
        shot.advance(10)

    assert [s["status"] for s in states] == ["queued", "fetching", "rendering", "saving", "done"]
    assert all(s["url"] is None for s in states[:-1])
    done = states[-1]
    assert done["url"] == shot.output_url(render_id) and done["url"].endswith(f"/{render_id}.mp4")
    assert done["duration"] == 5.0 and "data" not in done and "error" not in done
    assert done["id"] == render_id and done["owner"] == "fakeowner1"
    assert poll(shot, render_id).json()["response"]["data"] == EDIT  # data is included unless data=false


def test_shotstack_can_go_through_preprocessing():
    with FakeShotstack(api_key=SS_KEY, stage_seconds=10, preprocessing=True) as fake:
        render_id = render(fake, EDIT).json()["response"]["id"]
        states = []
        for _ in range(6):
            states.append(fake.status_of(render_id))
            fake.advance(10)
    assert states == ["queued", "fetching", "preprocessing", "rendering", "saving", "done"]


def test_shotstack_failed_render_reports_its_error(shot):
    shot.fail_next_render(error="Download Error")
    failing = render(shot, EDIT).json()["response"]["id"]
    fine = render(shot, EDIT).json()["response"]["id"]

    states = []
    for _ in range(4):
        states.append(shot.status_of(failing))
        shot.advance(10)
    final = poll(shot, failing).json()["response"]

    assert states == ["queued", "fetching", "rendering", "failed"]
    assert (final["status"], final["error"], final["url"]) == ("failed", "Download Error", None)
    assert shot.status_of(fine) == "done"


def test_shotstack_zero_stage_seconds_finishes_at_once():
    with FakeShotstack(api_key=SS_KEY, stage_seconds=0) as fake:
        render_id = render(fake, EDIT).json()["response"]["id"]
        assert poll(fake, render_id).json()["response"]["status"] == "done"


def test_shotstack_unknown_or_malformed_render_ids(shot):
    assert poll(shot, "2abd5c11-0f3d-4c6d-ba20-235fc9b8e8b7").status_code == 404
    assert poll(shot, "not-a-uuid").status_code == 400


def test_shotstack_rate_limit_and_scripted_failures(shot):
    shot.fail(429, retry_after="1")
    r = render(shot, EDIT)
    assert r.status_code == 429 and r.json() == {"message": "Too Many Requests"} and r.headers["Retry-After"] == "1"
    assert render(shot, EDIT).status_code == 201

    with FakeShotstack(api_key=SS_KEY, requests_per_second=1) as limited:
        assert render(limited, EDIT).status_code == 201
        assert render(limited, EDIT).status_code == 429

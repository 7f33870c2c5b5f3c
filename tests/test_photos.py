"""A job-site photo end to end: prepared (no GPS leaves Hard-E), described by the vision model, noted."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator

import pytest
from PIL import ExifTags, Image

from hard_e.agents import prompts
from hard_e.agents.photos import describe_photo, photo_note
from hard_e.errors import MediaUnavailable
from hard_e.integrations.images import ImageUnreadable
from hard_e.integrations.openai_llm import CHAT_COMPLETIONS, RESPONSES, build_client
from hard_e.integrations.openai_vision import OpenAIVision
from tests.fakes import FakeOpenAI

KEY = "sk-test-photos"
NOTES = "Damage type: wind-lifted shingles on the ridge.\nMeasurements: none visible."


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(api_key=KEY) as server:
        yield server


def describer(fake: FakeOpenAI, api: str = RESPONSES) -> OpenAIVision:
    return OpenAIVision(build_client(api_key=KEY, base_url=fake.url, max_retries=0), api=api, model="gpt-4.1")


def roof_photo_with_gps(width: int = 3000, height: int = 2000) -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneCo"
    exif[ExifTags.IFD.GPSInfo] = {ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (39.0, 44.0, 30.0)}
    out = io.BytesIO()
    Image.new("RGB", (width, height), (90, 70, 60)).save(out, format="JPEG", exif=exif)
    return out.getvalue()


def sent_image(fake: FakeOpenAI) -> bytes:
    [request] = fake.requests
    [message] = request.body["input"]
    url = next(part["image_url"] for part in message["content"] if part["type"] == "input_image")
    return base64.b64decode(url.removeprefix("data:image/jpeg;base64,"))


@pytest.mark.parametrize("api", [RESPONSES, CHAT_COMPLETIONS])
async def test_a_photo_comes_back_as_the_models_notes(fake, api):
    fake.reply(NOTES)

    notes = await describe_photo(roof_photo_with_gps(), describer=describer(fake, api))

    assert notes == NOTES
    [seen] = fake.images
    assert seen.mime == "image/jpeg" and seen.size > 0


async def test_the_model_gets_a_small_photo_without_gps_and_the_photo_prompt(fake):
    fake.reply(NOTES)

    await describe_photo(roof_photo_with_gps(), describer=describer(fake))

    with Image.open(io.BytesIO(sent_image(fake))) as sent:
        assert sent.size == (1600, 1067)
        assert len(sent.getexif()) == 0 and "exif" not in sent.info
    assert b"PhoneCo" not in sent_image(fake)
    assert fake.requests[0].body["instructions"] == prompts.load("photo")


def test_the_prompt_asks_for_what_a_rep_on_a_roof_needs():
    prompt = prompts.load("photo").lower()

    for item in ("damage type", "materials", "measurements", "safety concerns", "check on site"):
        assert item in prompt
    assert "only measurements you can actually read" in prompt
    assert "never estimate or invent" in prompt


async def test_a_corrupt_photo_is_unreadable_and_never_sent(fake):
    with pytest.raises(ImageUnreadable):
        await describe_photo(b"\xff\xd8\xff\xe0 truncated", describer=describer(fake))
    assert fake.requests == []


async def test_a_vision_failure_reaches_the_caller_as_media_unavailable(fake):
    fake.fail(status=503)

    with pytest.raises(MediaUnavailable) as caught:
        await describe_photo(roof_photo_with_gps(400, 300), describer=describer(fake))
    assert caught.value.reason == "server_error"


def test_photo_note_is_the_crm_note_text():
    assert photo_note("  Damage type: hail.\n") == "[Visit] Photo notes: Damage type: hail."

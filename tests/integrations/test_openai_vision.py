"""`OpenAIVision` through the real openai SDK against the fake OpenAI server, on both wire protocols."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator

import aiohttp
import pytest
from PIL import Image

from hard_e.errors import MediaUnavailable
from hard_e.integrations.openai_llm import CHAT_COMPLETIONS, RESPONSES, build_client
from hard_e.integrations.openai_vision import OpenAIVision, data_url
from tests.fakes import FakeOpenAI

KEY = "sk-test-vision-0123456789"
NOTES = "Damage type: hail bruising on the south slope."
INSTRUCTIONS = "Describe the roof damage."


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(api_key=KEY) as server:
        yield server


@pytest.fixture(scope="module")
def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (120, 80, 40)).save(out, format="JPEG")
    return out.getvalue()


def vision_for(fake: FakeOpenAI, api: str, *, api_key: str = KEY, timeout: float = 10.0) -> OpenAIVision:
    client = build_client(api_key=api_key, base_url=fake.url, timeout=timeout, max_retries=0)
    return OpenAIVision(client, api=api, model="gpt-4.1")


async def test_responses_sends_the_photo_as_an_input_image_data_url_and_stores_nothing(fake, jpeg):
    fake.reply(NOTES)

    notes = await vision_for(fake, RESPONSES).describe(jpeg, mime="image/jpeg", instructions=INSTRUCTIONS)

    assert notes == NOTES
    [request] = fake.requests
    assert request.path == "/v1/responses"
    assert request.body["store"] is False and request.body["instructions"] == INSTRUCTIONS
    assert "stream" not in request.body or request.body["stream"] is False
    [message] = request.body["input"]
    image = next(part for part in message["content"] if part["type"] == "input_image")
    assert image["image_url"] == "data:image/jpeg;base64," + base64.b64encode(jpeg).decode()
    [seen] = fake.images
    assert (seen.mime, seen.size, seen.where) == ("image/jpeg", len(jpeg), "input[0].content[1].image_url")


async def test_chat_completions_sends_the_photo_as_an_image_url_part(fake, jpeg):
    fake.reply(NOTES)

    notes = await vision_for(fake, CHAT_COMPLETIONS).describe(jpeg, mime="image/jpeg", instructions=INSTRUCTIONS)

    assert notes == NOTES
    [request] = fake.requests
    assert request.path == "/v1/chat/completions"
    system, user = request.body["messages"]
    assert system == {"role": "system", "content": INSTRUCTIONS}
    image = next(part for part in user["content"] if part["type"] == "image_url")
    assert image["image_url"]["url"] == data_url(jpeg, "image/jpeg")
    [seen] = fake.images
    assert (seen.mime, seen.size, seen.where) == ("image/jpeg", len(jpeg), "messages[1].content[1].image_url.url")


@pytest.mark.parametrize("api", [RESPONSES, CHAT_COMPLETIONS])
async def test_bytes_that_are_not_the_named_image_are_refused_as_rejected(fake, api):
    with pytest.raises(MediaUnavailable) as caught:
        await vision_for(fake, api).describe(b"not a jpeg", mime="image/jpeg", instructions=INSTRUCTIONS)

    assert caught.value.reason == "rejected"
    [seen] = fake.images
    assert seen.size == len(b"not a jpeg")


@pytest.mark.parametrize(
    ("status", "reason"),
    [(401, "unauthorized"), (429, "rate_limited"), (500, "server_error"), (400, "rejected"), (404, "rejected")],
)
@pytest.mark.parametrize("api", [RESPONSES, CHAT_COMPLETIONS])
async def test_api_failures_become_media_unavailable(fake, jpeg, api, status, reason):
    fake.fail(status=status)

    with pytest.raises(MediaUnavailable) as caught:
        await vision_for(fake, api).describe(jpeg, mime="image/jpeg", instructions=INSTRUCTIONS)

    assert caught.value.reason == reason


async def test_a_wrong_key_is_unauthorized(fake, jpeg):
    with pytest.raises(MediaUnavailable) as caught:
        await vision_for(fake, RESPONSES, api_key="sk-wrong").describe(jpeg, mime="image/jpeg", instructions=INSTRUCTIONS)
    assert caught.value.reason == "unauthorized"


async def test_a_stalled_server_times_out(fake, jpeg):
    fake.stall(5)

    with pytest.raises(MediaUnavailable) as caught:
        await vision_for(fake, CHAT_COMPLETIONS, timeout=0.5).describe(jpeg, mime="image/jpeg", instructions=INSTRUCTIONS)
    assert caught.value.reason == "timeout"


@pytest.mark.parametrize("api", [RESPONSES, CHAT_COMPLETIONS])
async def test_an_empty_answer_is_a_bad_response(fake, jpeg, api):
    fake.reply("   ")

    with pytest.raises(MediaUnavailable) as caught:
        await vision_for(fake, api).describe(jpeg, mime="image/jpeg", instructions=INSTRUCTIONS)
    assert caught.value.reason == "bad_response"


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("data:image/jpeg,not-base64-marked", "invalid_image_url"),
        ("data:image/jpeg;base64,@@@", "invalid_image_url"),
        ("data:text/plain;base64,aGVsbG8=", "invalid_image_format"),
    ],
)
async def test_the_fake_refuses_a_malformed_data_url_as_openai_does(fake, url, code):
    body = {"model": "m", "messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": url}}]}]}
    async with aiohttp.ClientSession() as http:
        headers = {"Authorization": f"Bearer {KEY}"}
        async with http.post(f"{fake.url}/chat/completions", json=body, headers=headers) as answer:
            status, error = answer.status, (await answer.json())["error"]

    assert (status, error["code"]) == (400, code)

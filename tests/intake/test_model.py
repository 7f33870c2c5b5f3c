"""extract_client_fields with the real StructuredModel over HTTP against the fake OpenAI server, on both
wire protocols (HARDE_OPENAI_API): the model's reading merged in, and every way the model can fail
falling back to the deterministic fields."""

from __future__ import annotations

import json
import logging
import time

import openai
import pytest
from pydantic import BaseModel

from hard_e.agents.intake import ClientFields, deterministic_fields, extract_client_fields
from hard_e.integrations.openai_llm import CHAT_COMPLETIONS, RESPONSES, NoStructuredAnswer, StructuredModel
from tests.fakes import FakeOpenAI

MEMO = (
    "Emily Stone emily at demo dot com five five five one two three four five six seven, "
    "2608 Copper Canyon Dr in Plano, her neighbor Tom sent her"
)
ANSWER = {
    "first_name": "Emily",
    "last_name": "Stone",
    "email": "emily@demo.com",
    "phone": "555-123-4567",
    "street": "2608 Copper Canyon Drive",
    "city": "Plano",
    "state": "TX",
    "zip": None,
    "trades": [],
    "lead_source": "referral",
    "notes": "Referred by her neighbor Tom",
}

pytestmark = pytest.mark.parametrize("api", [RESPONSES, CHAT_COMPLETIONS])


def model(fake: FakeOpenAI, api: str) -> StructuredModel:
    # Strict response validation: every body the fake sends must parse as the SDK's own models.
    client = openai.AsyncOpenAI(api_key="sk-test", base_url=fake.url, max_retries=0, _strict_response_validation=True)
    return StructuredModel(client, api=api, model="gpt-fast")


async def test_the_models_fields_are_merged(fake_openai: FakeOpenAI, api: str):
    fake_openai.reply(json.dumps(ANSWER))
    extraction = await extract_client_fields(MEMO, model(fake_openai, api))

    assert extraction.used_model
    fields = extraction.fields
    assert (fields.first_name, fields.email, fields.phone) == ("Emily", "emily@demo.com", "555-123-4567")
    assert (fields.street, fields.city, fields.state, fields.lead_source) == ("2608 Copper Canyon Drive", "Plano", "TX", "referral")
    assert fields.notes == "Referred by her neighbor Tom"
    assert extraction.problems == {}


async def test_the_request_asks_for_the_schema_as_strict_structured_output(fake_openai: FakeOpenAI, api: str):
    fake_openai.reply(json.dumps(ANSWER))
    await extract_client_fields(MEMO, model(fake_openai, api))

    (request,) = fake_openai.requests
    body = request.body
    assert body["model"] == "gpt-fast"
    if api == RESPONSES:
        assert request.path == "/v1/responses" and body["store"] is False
        fmt = body["text"]["format"]
        instructions, text = body["instructions"], body["input"]
    else:
        assert request.path == "/v1/chat/completions"
        fmt = body["response_format"]["json_schema"]
        assert body["response_format"]["type"] == "json_schema"
        (system, user) = body["messages"]
        instructions, text = system["content"], user["content"]
    assert fmt["name"] == "ClientFields" and fmt["strict"] is True
    assert set(fmt["schema"]["required"]) == set(ClientFields.model_fields)
    assert "intake reader" in instructions
    assert MEMO in text and "emily@demo.com" in text  # the message, and its written-out copy


async def test_a_stalled_model_gives_the_deterministic_fields_within_the_timeout(fake_openai: FakeOpenAI, api: str):
    fake_openai.stall(10)
    start = time.monotonic()
    extraction = await extract_client_fields(MEMO, model(fake_openai, api), timeout=0.5)

    assert time.monotonic() - start < 2.0
    assert not extraction.used_model
    assert extraction.fields == deterministic_fields(MEMO)
    assert extraction.fields.email == "emily@demo.com" and extraction.fields.phone == "555-123-4567"


async def test_a_server_error_gives_the_deterministic_fields(fake_openai: FakeOpenAI, api: str):
    fake_openai.fail(500)
    extraction = await extract_client_fields(MEMO, model(fake_openai, api))
    assert not extraction.used_model and extraction.fields == deterministic_fields(MEMO)


@pytest.mark.parametrize(
    "reply",
    [
        '{"first_name": "Emily", "email": ',  # cut off
        "Sure! Emily Stone, emily@demo.com",  # not JSON
        json.dumps({**ANSWER, "trades": "roofing"}),  # JSON, not the schema
    ],
)
async def test_a_malformed_answer_gives_the_deterministic_fields(fake_openai: FakeOpenAI, api: str, reply: str):
    fake_openai.reply(reply)
    extraction = await extract_client_fields(MEMO, model(fake_openai, api))
    assert not extraction.used_model and extraction.fields == deterministic_fields(MEMO)


async def test_failures_are_logged_by_kind_never_with_the_text(fake_openai: FakeOpenAI, api: str, caplog: pytest.LogCaptureFixture):
    fake_openai.fail(500, message=f"upstream echoed: {MEMO}")
    fake_openai.reply("{not json")
    with caplog.at_level(logging.DEBUG):
        await extract_client_fields(MEMO, model(fake_openai, api))
        await extract_client_fields(MEMO, model(fake_openai, api))
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("hard_e"))
    assert "InternalServerError" in logged and "ValidationError" in logged
    assert "Emily" not in logged and "emily" not in logged and "555" not in logged


async def test_structured_model_returns_the_schema_instance(fake_openai: FakeOpenAI, api: str):
    fake_openai.reply(json.dumps(ANSWER))
    answer = await model(fake_openai, api).extract("Read it.", MEMO, ClientFields)
    assert answer == ClientFields.model_validate(ANSWER)


async def test_an_empty_answer_raises_no_structured_answer(fake_openai: FakeOpenAI, api: str):
    fake_openai.reply("")
    with pytest.raises((NoStructuredAnswer, ValueError)):
        await model(fake_openai, api).extract("Read it.", MEMO, ClientFields)


class Loose(BaseModel):
    extra: dict[str, str]  # an open object: strict mode cannot take it


async def test_a_schema_outside_strict_mode_is_refused_by_the_api(fake_openai: FakeOpenAI, api: str):
    with pytest.raises(openai.BadRequestError, match="additionalProperties"):
        await model(fake_openai, api).extract("Read it.", MEMO, Loose)


@pytest.mark.parametrize("text", ["", "   ", None])
async def test_nothing_to_read_never_calls_the_model(fake_openai: FakeOpenAI, api: str, text):
    extraction = await extract_client_fields(text, model(fake_openai, api))
    assert extraction.fields == ClientFields() and not extraction.used_model
    assert set(extraction.problems) == {"first_name", "last_name"}
    assert fake_openai.requests == []

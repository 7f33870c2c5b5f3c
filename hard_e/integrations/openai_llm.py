"""Streaming chat completions from OpenAI or any compatible server.

`HARDE_OPENAI_API` picks the wire protocol: the Responses API (OpenAI's own) or Chat
Completions (what most local model servers speak). Callers see only text deltas.
`StructuredModel` answers in a pydantic schema instead (structured outputs), over either protocol.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import TypeVar, cast

import openai
from openai import AsyncOpenAI
from openai.types.chat import ChatCompletionMessageParam, ChatCompletionSystemMessageParam, ChatCompletionUserMessageParam
from openai.types.responses import ResponseInputParam, ResponseTextDeltaEvent
from pydantic import BaseModel

from hard_e.errors import UserFacingError

log = logging.getLogger(__name__)

RESPONSES = "responses"
CHAT_COMPLETIONS = "chat_completions"


def build_client(*, api_key: str | None, base_url: str | None, timeout: float = 60.0, max_retries: int = 2) -> AsyncOpenAI:
    # Local servers usually need no key, but the client insists on one.
    return AsyncOpenAI(api_key=api_key or "not-needed", base_url=base_url, timeout=timeout, max_retries=max_retries)


class ChatModel:
    """One model behind one wire protocol, streaming text."""

    def __init__(self, client: AsyncOpenAI, *, api: str, model: str) -> None:
        self._client = client
        self._api = api
        self.model = model

    async def stream(self, instructions: str, messages: list[dict[str, str]]) -> AsyncIterator[str]:
        """Yield the answer's text as it arrives. Failures become `UserFacingError`."""
        try:
            if self._api == CHAT_COMPLETIONS:
                async for delta in self._stream_chat(instructions, messages):
                    yield delta
            else:
                async for delta in self._stream_responses(instructions, messages):
                    yield delta
        except openai.APIError as exc:
            raise user_facing(exc) from exc

    async def _stream_responses(self, instructions: str, messages: list[dict[str, str]]) -> AsyncIterator[str]:
        stream = await self._client.responses.create(
            model=self.model, instructions=instructions, input=_as_responses_input(messages), stream=True, store=False
        )
        async with stream:
            async for event in stream:
                kind = event.type
                if isinstance(event, ResponseTextDeltaEvent):
                    if event.delta:
                        yield event.delta
                elif kind in ("response.failed", "error"):
                    log.warning("model stream reported %s", kind)
                    raise UserFacingError(MODEL_TROUBLE)
                elif kind == "response.incomplete":
                    log.info("model response incomplete")
                    return

    async def _stream_chat(self, instructions: str, messages: list[dict[str, str]]) -> AsyncIterator[str]:
        system: ChatCompletionSystemMessageParam = {"role": "system", "content": instructions}
        stream = await self._client.chat.completions.create(model=self.model, messages=[system, *_as_chat_messages(messages)], stream=True)
        async with stream:
            async for chunk in stream:
                for choice in chunk.choices or ():
                    if choice.delta and choice.delta.content:
                        yield choice.delta.content


SchemaT = TypeVar("SchemaT", bound=BaseModel)


class NoStructuredAnswer(ValueError):
    """The model answered without an answer in the schema: a refusal, or nothing to parse."""


class StructuredModel:
    """One model behind one wire protocol, answering in a pydantic schema (OpenAI structured outputs:
    `text_format` on the Responses API, `response_format` on Chat Completions, both a strict JSON schema)."""

    def __init__(self, client: AsyncOpenAI, *, api: str, model: str) -> None:
        self._client = client
        self._api = api
        self.model = model

    async def extract(self, instructions: str, text: str, schema: type[SchemaT]) -> SchemaT:
        """The model's reading of `text` as a `schema` instance.

        Raises `openai.APIError` when the call fails, `NoStructuredAnswer` on a refusal or an empty answer,
        and pydantic's `ValidationError` when the answer is not valid JSON for `schema`.
        """
        if self._api == CHAT_COMPLETIONS:
            return await self._extract_chat(instructions, text, schema)
        response = await self._client.responses.parse(
            model=self.model, instructions=instructions, input=text, text_format=schema, store=False
        )
        parsed = response.output_parsed
        if parsed is None:
            refused = any(c.type == "refusal" for item in response.output if item.type == "message" for c in item.content)
            raise NoStructuredAnswer("refusal" if refused else f"no parsed output (status {response.status})")
        return parsed

    async def _extract_chat(self, instructions: str, text: str, schema: type[SchemaT]) -> SchemaT:
        system: ChatCompletionSystemMessageParam = {"role": "system", "content": instructions}
        user: ChatCompletionUserMessageParam = {"role": "user", "content": text}
        completion = await self._client.chat.completions.parse(model=self.model, messages=[system, user], response_format=schema)
        if not completion.choices:
            raise NoStructuredAnswer("no choices")
        message = completion.choices[0].message
        if message.refusal:
            raise NoStructuredAnswer("refusal")
        if message.parsed is None:
            raise NoStructuredAnswer("no parsed content")
        return message.parsed


# The messages are plain {"role", "content"} dicts (user and assistant turns), which both APIs take
# as they are; the casts only name the SDK's parameter types for them.
def _as_responses_input(messages: list[dict[str, str]]) -> ResponseInputParam:
    return cast(ResponseInputParam, messages)


def _as_chat_messages(messages: list[dict[str, str]]) -> list[ChatCompletionMessageParam]:
    return cast(list[ChatCompletionMessageParam], messages)


MODEL_TROUBLE = "I hit a snag talking to my language model. Give it a moment and ask me again."


def user_facing(exc: openai.APIError) -> UserFacingError:
    """A model API failure as a short message the user can be shown."""
    # Log the class and status only: error bodies can echo the prompt.
    status = getattr(exc, "status_code", None)
    log.warning("model call failed: %s status=%s", type(exc).__name__, status)
    if isinstance(exc, openai.APITimeoutError):
        return UserFacingError("My language model took too long to answer. Please try again in a moment.")
    if isinstance(exc, openai.APIConnectionError):
        return UserFacingError("I couldn't reach my language model just now. Please try again in a minute.")
    if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
        return UserFacingError(
            "My language model turned down my credentials, so I can't answer right now. An admin needs to check OPENAI_API_KEY."
        )
    if isinstance(exc, openai.RateLimitError):
        return UserFacingError("My language model is swamped right now. Try me again in a minute.")
    if isinstance(exc, openai.NotFoundError):
        return UserFacingError("The language model I'm configured to use isn't available. An admin needs to check HARDE_MODEL.")
    return UserFacingError(MODEL_TROUBLE)

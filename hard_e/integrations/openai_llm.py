"""Streaming chat completions from OpenAI or any compatible server.

`HARDE_OPENAI_API` picks the wire protocol: the Responses API (OpenAI's own) or Chat
Completions (what most local model servers speak). Callers see text deltas and, when they offer
functions (`stream_with_tools`), each function call once its arguments are complete.
`StructuredModel` answers in a pydantic schema instead (structured outputs), over either protocol.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncGenerator, AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar, cast

import openai
from openai import AsyncOpenAI, Omit, omit
from openai.types.chat import (
    ChatCompletionFunctionToolParam,
    ChatCompletionMessageParam,
    ChatCompletionSystemMessageParam,
    ChatCompletionUserMessageParam,
)
from openai.types.chat.chat_completion_chunk import ChoiceDeltaToolCall
from openai.types.responses import FunctionToolParam, ResponseInputParam, ResponseOutputItemDoneEvent, ResponseTextDeltaEvent
from openai.types.shared_params import FunctionDefinition
from pydantic import BaseModel

from hard_e.errors import UserFacingError
from hard_e.turn_report import model_used

log = logging.getLogger(__name__)

RESPONSES = "responses"
CHAT_COMPLETIONS = "chat_completions"


def build_client(*, api_key: str | None, base_url: str | None, timeout: float = 60.0, max_retries: int = 2) -> AsyncOpenAI:
    # Local servers usually need no key, but the client insists on one.
    return AsyncOpenAI(api_key=api_key or "not-needed", base_url=base_url, timeout=timeout, max_retries=max_retries)


class FunctionSpec(Protocol):
    """A function offered to the model: its name, what it is for (the model reads this) and its
    arguments as a strict JSON schema."""

    @property
    def name(self) -> str: ...
    @property
    def description(self) -> str: ...
    @property
    def parameters(self) -> Mapping[str, object]: ...


@dataclass(frozen=True)
class FunctionCall:
    """The model called an offered function; `arguments` parsed from its JSON (empty if not an object)."""

    name: str
    arguments: Mapping[str, object]


class ChatModel:
    """One model behind one wire protocol, streaming text."""

    def __init__(self, client: AsyncOpenAI, *, api: str, model: str) -> None:
        self._client = client
        self._api = api
        self.model = model

    async def stream(self, instructions: str, messages: list[dict[str, str]]) -> AsyncIterator[str]:
        """Yield the answer's text as it arrives. Failures become `UserFacingError`."""
        async for item in self.stream_with_tools(instructions, messages, ()):
            if isinstance(item, str):  # with no tools offered there are no calls to skip
                yield item

    async def stream_with_tools(
        self, instructions: str, messages: list[dict[str, str]], tools: Sequence[FunctionSpec]
    ) -> AsyncGenerator[str | FunctionCall, None]:
        """Yield text deltas as they arrive, and each call of one of `tools` once its arguments are
        complete. Failures become `UserFacingError`. A server that refuses the request because of its
        tools (some local models "do not support tools": HTTP 400) is asked again without them."""
        started = False
        try:
            async for item in self._stream(instructions, messages, tools):
                started = True
                yield item
        except openai.BadRequestError as exc:
            if not tools or started:
                raise user_facing(exc) from exc
            log.warning("model refused a request with tools (status %s); asking again without them", exc.status_code)
            try:
                async for item in self._stream(instructions, messages, ()):
                    yield item
            except openai.APIError as again:
                raise user_facing(again) from again
        except openai.APIError as exc:
            raise user_facing(exc) from exc

    def _stream(
        self, instructions: str, messages: list[dict[str, str]], tools: Sequence[FunctionSpec]
    ) -> AsyncIterator[str | FunctionCall]:
        if self._api == CHAT_COMPLETIONS:
            return self._stream_chat(instructions, messages, tools)
        return self._stream_responses(instructions, messages, tools)

    async def _stream_responses(
        self, instructions: str, messages: list[dict[str, str]], tools: Sequence[FunctionSpec]
    ) -> AsyncIterator[str | FunctionCall]:
        offered: list[FunctionToolParam] | Omit = [_responses_tool(t) for t in tools] if tools else omit
        stream = await self._client.responses.create(
            model=self.model,
            instructions=instructions,
            input=_as_responses_input(messages),
            tools=offered,
            stream=True,
            store=False,
        )
        async with stream:
            async for event in stream:
                kind = event.type
                if isinstance(event, ResponseTextDeltaEvent):
                    if event.delta:
                        yield event.delta
                elif isinstance(event, ResponseOutputItemDoneEvent):
                    # A function call's item is done once its arguments are (its `.done` event may lack the name).
                    if event.item.type == "function_call":
                        yield FunctionCall(event.item.name, _arguments(event.item.arguments))
                elif kind == "response.completed":
                    usage = getattr(getattr(event, "response", None), "usage", None)
                    if usage is not None:
                        model_used(self.model, usage.input_tokens, usage.output_tokens)
                elif kind in ("response.failed", "error"):
                    log.warning("model stream reported %s", kind)
                    raise UserFacingError(MODEL_TROUBLE)
                elif kind == "response.incomplete":
                    log.info("model response incomplete")
                    return

    async def _stream_chat(
        self, instructions: str, messages: list[dict[str, str]], tools: Sequence[FunctionSpec]
    ) -> AsyncIterator[str | FunctionCall]:
        system: ChatCompletionSystemMessageParam = {"role": "system", "content": instructions}
        offered: list[ChatCompletionFunctionToolParam] | Omit = [_chat_tool(t) for t in tools] if tools else omit
        stream = await self._client.chat.completions.create(
            model=self.model,
            messages=[system, *_as_chat_messages(messages)],
            tools=offered,
            stream=True,
            stream_options={"include_usage": True},  # a last chunk with the tokens, for the turn log
        )
        calls = _ChatCalls()
        async with stream:
            async for chunk in stream:
                if chunk.usage is not None:
                    model_used(self.model, chunk.usage.prompt_tokens, chunk.usage.completion_tokens)
                for choice in chunk.choices or ():
                    if choice.delta and choice.delta.content:
                        yield choice.delta.content
                    if choice.delta and choice.delta.tool_calls:
                        calls.add(choice.delta.tool_calls)
                    if choice.finish_reason is not None:
                        for request in calls.finished():
                            yield request
        for request in calls.finished():  # a server that never said why it stopped
            yield request


@dataclass
class _ChatCall:
    id: str | None
    name: str = ""
    arguments: str = ""


class _ChatCalls:
    """Function calls streamed in Chat Completions pieces: the first piece of a call carries its index,
    id and name, later pieces (same index) the next bit of its JSON arguments. Some compatible servers
    reuse index 0 for every call of a batch, told apart only by a new id."""

    def __init__(self) -> None:
        self._open: dict[int, _ChatCall] = {}
        self._done: list[_ChatCall] = []

    def add(self, pieces: list[ChoiceDeltaToolCall]) -> None:
        for piece in pieces:
            call = self._open.get(piece.index)
            if call is None or (piece.id and call.id and piece.id != call.id):
                if call is not None:
                    self._done.append(call)
                call = self._open[piece.index] = _ChatCall(piece.id)
            if piece.function is not None:
                call.name = call.name or (piece.function.name or "")
                call.arguments += piece.function.arguments or ""

    def finished(self) -> list[FunctionCall]:
        """The calls seen so far, in the order they started; each is returned once."""
        calls = [*self._done, *(self._open[i] for i in sorted(self._open))]
        self._open.clear()
        self._done.clear()
        return [FunctionCall(c.name, _arguments(c.arguments)) for c in calls if c.name]


def _arguments(text: str) -> Mapping[str, object]:
    """A call's JSON arguments as a dict; empty when they are not a JSON object."""
    try:
        value = json.loads(text) if text else {}
    except ValueError:
        return {}
    return cast(dict[str, object], value) if isinstance(value, dict) else {}


def _responses_tool(tool: FunctionSpec) -> FunctionToolParam:
    return {"type": "function", "name": tool.name, "description": tool.description, "parameters": dict(tool.parameters), "strict": True}


def _chat_tool(tool: FunctionSpec) -> ChatCompletionFunctionToolParam:
    function: FunctionDefinition = {"name": tool.name, "description": tool.description, "parameters": dict(tool.parameters), "strict": True}
    return {"type": "function", "function": function}


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
        if response.usage is not None:
            model_used(self.model, response.usage.input_tokens, response.usage.output_tokens)
        parsed = response.output_parsed
        if parsed is None:
            refused = any(c.type == "refusal" for item in response.output if item.type == "message" for c in item.content)
            raise NoStructuredAnswer("refusal" if refused else f"no parsed output (status {response.status})")
        return parsed

    async def _extract_chat(self, instructions: str, text: str, schema: type[SchemaT]) -> SchemaT:
        system: ChatCompletionSystemMessageParam = {"role": "system", "content": instructions}
        user: ChatCompletionUserMessageParam = {"role": "user", "content": text}
        completion = await self._client.chat.completions.parse(model=self.model, messages=[system, user], response_format=schema)
        if completion.usage is not None:
            model_used(self.model, completion.usage.prompt_tokens, completion.usage.completion_tokens)
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

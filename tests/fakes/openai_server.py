"""A scripted fake of the OpenAI Responses and Chat Completions APIs (JSON and SSE).

Wire formats follow the pydantic models in the installed `openai` package
(openai/types/responses/*.py, openai/types/chat/*.py); the tests validate them with
`_strict_response_validation=True`.
"""

from __future__ import annotations

import base64
import binascii
import collections
import copy
import hashlib
import itertools
import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any, Literal

from aiohttp import BodyPartReader, web

from ._server import FakeServer, Req

# Stalls never outlive this, whatever the script says (keeps a broken test bounded).
MAX_STALL_SECONDS = 60.0

# Models the fake lists (`GET /v1/models`) and retrieves (`GET /v1/models/{model}`); ids OpenAI
# publishes. Tests add or remove ids through `FakeOpenAI.models`.
DEFAULT_MODELS = (
    "gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano", "gpt-4o", "gpt-4o-mini",
    "gpt-4o-transcribe", "gpt-4o-mini-transcribe", "whisper-1", "gpt-4o-mini-tts", "tts-1",
)  # fmt: skip


@dataclass
class StreamRecord:
    """Timing of one streamed reply (accessors return copies)."""

    path: str
    text: str = ""  # text deltas actually written (tool-call arguments excluded)
    first_delta_at: float | None = None  # monotonic time the first delta was written
    finished_at: float | None = None  # monotonic time the stream ended (or was aborted)
    aborted: bool = False  # fail_midstream, or the client went away


@dataclass(frozen=True)
class ImageRecord:
    """One image content part a request carried: where it sat, its MIME type from the data URL
    (None for an http(s) URL, which is recorded but not fetched) and its decoded size in bytes."""

    path: str
    where: str  # e.g. "input[0].content[1].image_url" or "messages[1].content[1].image_url.url"
    mime: str | None
    size: int
    detail: str | None


@dataclass(frozen=True)
class ToolCall:
    name: str
    arguments: str  # JSON text, as the APIs send it
    call_id: str


@dataclass(frozen=True)
class _Plan:
    kind: Literal["reply", "fail", "stall", "midstream"]
    text: str = ""
    tool_calls: tuple[ToolCall, ...] = ()
    chunk_size: int = 4
    delay: float = 0.0
    first_token_delay: float = 0.0
    status: int = 500
    message: str = "boom"
    code: str | None = None
    seconds: float = 0.0
    after_chunks: int = 0


@dataclass(frozen=True)
class _Ev:
    """One SSE event; `delta` marks text/argument deltas for timing and abort logic."""

    name: str | None
    data: Any
    delta: Literal["text", "args"] | None = None
    piece: str = ""


def _chunks(text: str, size: int) -> list[str]:
    size = max(1, size)
    return [text[i : i + size] for i in range(0, len(text), size)]


def _tokens(value: Any) -> int:
    """Rough token estimate (~4 chars per token) so usage numbers are plausible."""
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return max(1, len(text) // 4) if text else 0


def _error_body(status: int, message: str, code: str | None) -> dict[str, Any]:
    if status == 429:
        err_type = "requests"
    elif status >= 500:
        err_type = "server_error"
    else:
        err_type = "invalid_request_error"
    return {"error": {"message": message, "type": err_type, "param": None, "code": code}}


class FakeOpenAI(FakeServer):
    """Fake OpenAI API. `url` is the `base_url` for AsyncOpenAI.

    Each request consumes one planned reply from a FIFO queue; with the queue
    empty it streams `default_reply`. Note the openai client retries 429/5xx by
    default, and a retry consumes the next plan.
    """

    def __init__(self, api_key: str = "sk-test") -> None:
        super().__init__()
        self.api_key = api_key
        self.default_reply: str = "Hello from the fake model."
        self.default_chunk_size: int = 4
        self.default_delay: float = 0.0
        self._plans: collections.deque[_Plan] = collections.deque()
        self._streams: list[StreamRecord] = []
        self._images: list[ImageRecord] = []
        self._ids = itertools.count(1)
        self.models: set[str] = set(DEFAULT_MODELS)

    @property
    def url(self) -> str:
        """`http://127.0.0.1:PORT/v1`."""
        return f"{self.base_url}/v1"

    # -- scripting --------------------------------------------------------------

    def reply(self, text: str, chunk_size: int = 4, delay: float = 0.0, first_token_delay: float = 0.0) -> None:
        """Answer with `text`, streamed in `chunk_size`-char deltas."""
        self._push(_Plan("reply", text=text, chunk_size=chunk_size, delay=delay, first_token_delay=first_token_delay))

    def reply_tool_call(
        self, name: str, arguments: dict[str, Any], call_id: str | None = None, chunk_size: int = 8, *, text: str = ""
    ) -> str:
        """Answer with one function call (after `text`, if given); returns its call_id."""
        return self.reply_tool_calls([(name, arguments, call_id)], chunk_size=chunk_size, text=text)[0]

    def reply_tool_calls(
        self, calls: list[tuple[str, dict[str, Any]] | tuple[str, dict[str, Any], str | None]], chunk_size: int = 8, *, text: str = ""
    ) -> list[str]:
        """Answer with several (parallel) function calls; returns their call_ids. With `text`, the
        model writes that first and then calls (both APIs allow text and calls in one answer: the
        Responses API as a message item before the function_call items, Chat Completions as content
        deltas before the tool_calls deltas, finish_reason "tool_calls")."""
        tool_calls = []
        for entry in calls:
            name, arguments = entry[0], entry[1]
            call_id = (entry[2] if len(entry) > 2 else None) or f"call_fake{next(self._ids):04d}"
            tool_calls.append(ToolCall(name, json.dumps(arguments), call_id))
        self._push(_Plan("reply", text=text, tool_calls=tuple(tool_calls), chunk_size=chunk_size))
        return [tc.call_id for tc in tool_calls]

    def transcribe_reply(self, text: str, delay: float = 0.0) -> None:
        """Answer the next transcription with `text`, after `delay` seconds."""
        self._push(_Plan("reply", text=text, delay=delay))

    def fail(self, status: int = 500, message: str = "boom", code: str | None = None, times: int = 1) -> None:
        """Answer the next `times` requests with an OpenAI-style error JSON."""
        for _ in range(times):
            self._push(_Plan("fail", status=status, message=message, code=code))

    def stall(self, seconds: float) -> None:
        """Send headers only, hold the connection `seconds` (bounded), then drop it."""
        self._push(_Plan("stall", seconds=min(seconds, MAX_STALL_SECONDS)))

    def fail_midstream(self, text: str, after_chunks: int = 2, chunk_size: int = 4) -> None:
        """Stream `after_chunks` deltas of `text`, then abort the connection."""
        self._push(_Plan("midstream", text=text, chunk_size=chunk_size, after_chunks=after_chunks))

    @property
    def pending(self) -> int:
        """Planned replies not yet consumed."""
        with self._lock:
            return len(self._plans)

    def reset(self) -> None:
        """Drop recorded requests/streams and unconsumed plans (defaults are kept)."""
        with self._lock:
            self._plans.clear()
            self._requests.clear()
            self._streams.clear()
            self._images.clear()

    def _push(self, plan: _Plan) -> None:
        with self._lock:
            self._plans.append(plan)

    def _next_plan(self) -> _Plan:
        with self._lock:
            if self._plans:
                return self._plans.popleft()
            return _Plan("reply", text=self.default_reply, chunk_size=self.default_chunk_size, delay=self.default_delay)

    # -- inspection ---------------------------------------------------------------

    @property
    def images(self) -> list[ImageRecord]:
        """Every image content part received, in order (requests refused for a bad image included)."""
        with self._lock:
            return list(self._images)

    @property
    def streams(self) -> list[StreamRecord]:
        with self._lock:
            return [replace(s) for s in self._streams]

    # -- HTTP plumbing ----------------------------------------------------------------

    def _build_app(self) -> web.Application:
        # aiohttp refuses bodies over 1 MiB by default; audio uploads are checked against OpenAI's limit instead.
        app = web.Application(client_max_size=2 * TRANSCRIPTION_MAX_BYTES)
        app.router.add_post("/v1/responses", self._handle)
        app.router.add_post("/v1/chat/completions", self._handle)
        app.router.add_post("/v1/audio/speech", self._handle_speech)
        app.router.add_post("/v1/audio/transcriptions", self._handle_transcription)
        app.router.add_get("/v1/models", self._handle_models)
        app.router.add_get("/v1/models/{model:.+}", self._handle_models)
        return app

    async def _handle_models(self, request: web.Request) -> web.StreamResponse:
        """List models, or retrieve one (OpenAI API reference, "Models": `GET /models` answers
        `{"object": "list", "data": [Model]}`, `GET /models/{model}` one `Model` {id, object "model",
        created, owned_by}; an id the key can't use is 404 with code `model_not_found`)."""
        _, headers = await self._record(request)
        if headers.get("authorization") != f"Bearer {self.api_key}":
            return web.json_response(_error_body(401, "Incorrect API key provided.", "invalid_api_key"), status=401)
        with self._lock:
            models = sorted(self.models)

        def model(model_id: str) -> dict[str, Any]:
            return {"id": model_id, "object": "model", "created": 1_700_000_000, "owned_by": "system"}

        wanted = request.match_info.get("model")
        if wanted is None:
            return web.json_response({"object": "list", "data": [model(m) for m in models]})
        if wanted not in models:
            message = f"The model `{wanted}` does not exist or you do not have access to it."
            return web.json_response(_error_body(404, message, "model_not_found"), status=404)
        return web.json_response(model(wanted))

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body, headers = await self._record(request)
        if not isinstance(body, dict):
            return web.json_response(_error_body(400, "Request body must be a JSON object.", None), status=400)
        if headers.get("authorization") != f"Bearer {self.api_key}":
            msg = "Incorrect API key provided."
            return web.json_response(_error_body(401, msg, "invalid_api_key"), status=401)
        if (schema_problem := _structured_output_problem(body, request.path)) is not None:
            return web.json_response(_error_body(400, schema_problem, None), status=400)
        images, image_problem = _image_parts(body, request.path)
        with self._lock:
            self._images.extend(images)
        if image_problem is not None:
            return web.json_response(_error_body(400, image_problem[0], image_problem[1]), status=400)

        plan = self._next_plan()
        stream = bool(body.get("stream"))
        if plan.kind == "fail":
            return web.json_response(_error_body(plan.status, plan.message, plan.code), status=plan.status)
        if plan.kind == "stall":
            return await self._stall(request, plan, stream)

        is_responses = request.path.endswith("/responses")
        if not stream:
            return await self._respond_json(request, plan, body, is_responses)
        events = self._responses_events(plan, body) if is_responses else self._chat_events(plan, body)
        return await self._stream(request, plan, events)

    async def _stall(self, request: web.Request, plan: _Plan, stream: bool) -> web.StreamResponse:
        content_type = "text/event-stream" if stream else "application/json"
        resp = web.StreamResponse(headers={"Content-Type": content_type})
        await resp.prepare(request)  # StreamResponse sends headers immediately
        await self._sleep(plan.seconds)
        self._abort(request)
        return resp

    @staticmethod
    def _abort(request: web.Request) -> None:
        # Dropping the socket (rather than ending the body) is what a dead upstream looks like;
        # aiohttp then swallows the ConnectionError from its own write_eof().
        if request.transport is not None:
            request.transport.abort()

    async def _respond_json(
        self, request: web.Request, plan: _Plan, body: dict[str, Any], is_responses: bool
    ) -> web.StreamResponse:
        await self._sleep(plan.first_token_delay)
        payload = self._response_json(plan, body) if is_responses else self._chat_json(plan, body)
        if plan.kind != "midstream":
            return web.json_response(payload)
        raw = json.dumps(payload).encode()
        resp = web.StreamResponse(headers={"Content-Type": "application/json"})
        await resp.prepare(request)
        await resp.write(raw[: len(raw) // 2])
        self._abort(request)
        return resp

    async def _stream(self, request: web.Request, plan: _Plan, events: Iterator[_Ev]) -> web.StreamResponse:
        record = StreamRecord(path=request.path)
        with self._lock:
            self._streams.append(record)
        resp = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
        await resp.prepare(request)
        deltas = 0
        try:
            for ev in events:
                if ev.delta is not None:
                    if plan.kind == "midstream" and deltas >= plan.after_chunks:
                        self._abort(request)
                        self._finish_record(record, aborted=True)
                        return resp
                    if not await self._sleep(plan.first_token_delay if deltas == 0 else plan.delay):
                        break  # server stopping
                await resp.write(self._encode(ev))
                if ev.delta is not None:
                    deltas += 1
                    with self._lock:
                        if record.first_delta_at is None:
                            record.first_delta_at = time.monotonic()
                        if ev.delta == "text":
                            record.text += ev.piece
            await resp.write_eof()
        except ConnectionError:
            self._finish_record(record, aborted=True)
            return resp
        self._finish_record(record, aborted=False)
        return resp

    def _finish_record(self, record: StreamRecord, aborted: bool) -> None:
        with self._lock:
            record.finished_at = time.monotonic()
            record.aborted = aborted

    @staticmethod
    def _encode(ev: _Ev) -> bytes:
        data = ev.data if isinstance(ev.data, str) else json.dumps(ev.data)
        prefix = f"event: {ev.name}\n" if ev.name else ""
        return f"{prefix}data: {data}\n\n".encode()

    # -- Responses API ------------------------------------------------------------------

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}_fake{next(self._ids):04d}"

    def _response_obj(self, body: dict[str, Any], response_id: str, created_at: int) -> dict[str, Any]:
        parallel = body.get("parallel_tool_calls")
        return {
            "id": response_id,
            "object": "response",
            "created_at": created_at,
            "status": "in_progress",
            "model": body.get("model") or "gpt-fake",
            "output": [],
            "parallel_tool_calls": True if parallel is None else bool(parallel),
            "tool_choice": body.get("tool_choice") or "auto",
            "tools": body.get("tools") or [],
            "instructions": body.get("instructions"),
            "previous_response_id": body.get("previous_response_id"),
            "metadata": body.get("metadata") or {},
            "temperature": body.get("temperature", 1.0),
            "top_p": body.get("top_p", 1.0),
            "max_output_tokens": body.get("max_output_tokens"),
            "text": body.get("text") or {"format": {"type": "text"}},  # the API echoes the request's text config
            "truncation": "disabled",
            "error": None,
            "incomplete_details": None,
            "usage": None,
        }

    @staticmethod
    def _response_usage(body: dict[str, Any], plan: _Plan) -> dict[str, Any]:
        input_tokens = _tokens(body.get("input") or "") + _tokens(body.get("instructions") or "")
        output_tokens = _tokens(plan.text) + sum(_tokens(tc.arguments) for tc in plan.tool_calls)
        return {
            "input_tokens": input_tokens,
            "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
            "output_tokens": output_tokens,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": input_tokens + output_tokens,
        }

    @staticmethod
    def _text_part(text: str) -> dict[str, Any]:
        return {"type": "output_text", "text": text, "annotations": [], "logprobs": []}

    def _output_items(self, plan: _Plan) -> list[dict[str, Any]]:
        """Completed output items: an assistant message (if any text) then function calls."""
        items: list[dict[str, Any]] = []
        if plan.text or not plan.tool_calls:
            items.append(
                {
                    "id": self._new_id("msg"),
                    "type": "message",
                    "status": "completed",
                    "role": "assistant",
                    "content": [self._text_part(plan.text)],
                }
            )
        for tc in plan.tool_calls:
            items.append(
                {
                    "id": self._new_id("fc"),
                    "type": "function_call",
                    "status": "completed",
                    "call_id": tc.call_id,
                    "name": tc.name,
                    "arguments": tc.arguments,
                }
            )
        return items

    def _response_json(self, plan: _Plan, body: dict[str, Any]) -> dict[str, Any]:
        created = int(time.time())
        resp = self._response_obj(body, self._new_id("resp"), created)
        resp.update(
            status="completed",
            completed_at=created,
            output=self._output_items(plan),
            usage=self._response_usage(body, plan),
        )
        return resp

    def _responses_events(self, plan: _Plan, body: dict[str, Any]) -> Iterator[_Ev]:
        seq = itertools.count()
        created = int(time.time())
        base = self._response_obj(body, self._new_id("resp"), created)

        def ev(kind: str, mark: Literal["text", "args"] | None = None, piece: str = "", /, **fields: Any) -> _Ev:
            return _Ev(kind, {"type": kind, "sequence_number": next(seq), **fields}, mark, piece)

        yield ev("response.created", response=copy.deepcopy(base))
        yield ev("response.in_progress", response=copy.deepcopy(base))

        items = self._output_items(plan)
        for index, item in enumerate(items):
            if item["type"] == "message":
                text = item["content"][0]["text"]
                added = {**item, "status": "in_progress", "content": []}
                where = {"item_id": item["id"], "output_index": index, "content_index": 0}
                yield ev("response.output_item.added", output_index=index, item=added)
                yield ev("response.content_part.added", part=self._text_part(""), **where)
                for piece in _chunks(text, plan.chunk_size):
                    yield ev("response.output_text.delta", "text", piece, delta=piece, logprobs=[], **where)
                yield ev("response.output_text.done", text=text, logprobs=[], **where)
                yield ev("response.content_part.done", part=self._text_part(text), **where)
            else:
                added = {**item, "status": "in_progress", "arguments": ""}
                where = {"item_id": item["id"], "output_index": index}
                yield ev("response.output_item.added", output_index=index, item=added)
                for piece in _chunks(item["arguments"], plan.chunk_size):
                    yield ev("response.function_call_arguments.delta", "args", piece, delta=piece, **where)
                done = {"arguments": item["arguments"], "name": item["name"]}
                yield ev("response.function_call_arguments.done", **done, **where)
            yield ev("response.output_item.done", output_index=index, item=item)

        final = {
            **base,
            "status": "completed",
            "completed_at": int(time.time()),
            "output": items,
            "usage": self._response_usage(body, plan),
        }
        yield ev("response.completed", response=final)

    # -- Chat Completions API --------------------------------------------------------------

    @staticmethod
    def _chat_usage(body: dict[str, Any], plan: _Plan) -> dict[str, Any]:
        prompt = _tokens(body.get("messages") or "")
        completion = _tokens(plan.text) + sum(_tokens(tc.arguments) for tc in plan.tool_calls)
        return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}

    def _chat_json(self, plan: _Plan, body: dict[str, Any]) -> dict[str, Any]:
        message: dict[str, Any] = {
            "role": "assistant",
            "content": plan.text if plan.text or not plan.tool_calls else None,
            "refusal": None,
            "annotations": [],
        }
        if plan.tool_calls:
            message["tool_calls"] = [
                {"id": tc.call_id, "type": "function", "function": {"name": tc.name, "arguments": tc.arguments}}
                for tc in plan.tool_calls
            ]
        return {
            "id": f"chatcmpl-fake{next(self._ids):04d}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model") or "gpt-fake",
            "system_fingerprint": "fp_fake",
            "choices": [
                {
                    "index": 0,
                    "message": message,
                    "logprobs": None,
                    "finish_reason": "tool_calls" if plan.tool_calls else "stop",
                }
            ],
            "usage": self._chat_usage(body, plan),
        }

    def _chat_events(self, plan: _Plan, body: dict[str, Any]) -> Iterator[_Ev]:
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        base = {
            "id": f"chatcmpl-fake{next(self._ids):04d}",
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": body.get("model") or "gpt-fake",
            "system_fingerprint": "fp_fake",
        }

        def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
            out = {**base, "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]}
            if include_usage:
                out["usage"] = None  # the real API sends null usage on every chunk but the last
            return out

        yield _Ev(None, chunk({"role": "assistant", "content": "", "refusal": None}))
        for piece in _chunks(plan.text, plan.chunk_size):
            yield _Ev(None, chunk({"content": piece}), "text", piece)
        for i, tc in enumerate(plan.tool_calls):
            head = {"index": i, "id": tc.call_id, "type": "function", "function": {"name": tc.name, "arguments": ""}}
            yield _Ev(None, chunk({"tool_calls": [head]}))
            for piece in _chunks(tc.arguments, plan.chunk_size):
                yield _Ev(None, chunk({"tool_calls": [{"index": i, "function": {"arguments": piece}}]}), "args", piece)
        yield _Ev(None, chunk({}, "tool_calls" if plan.tool_calls else "stop"))
        if include_usage:
            yield _Ev(None, {**base, "choices": [], "usage": self._chat_usage(body, plan)})
        yield _Ev(None, "[DONE]")

    # -- Audio API: speech --------------------------------------------------------------------
    # `POST /v1/audio/speech` as OpenAI documents it ("Create speech", platform.openai.com/docs/
    # api-reference/audio/createSpeech; the SDK's speech_create_params.py): `model`, `input` (at
    # most 4,096 characters) and `voice` required; `response_format` one of SPEECH_FORMATS
    # (default mp3), `speed` 0.25-4.0. The answer is the audio file itself. Scripted plans apply
    # as for text: `fail`, `stall`, `fail_midstream` (half the audio, then the socket drops).

    async def _handle_speech(self, request: web.Request) -> web.StreamResponse:
        body, headers = await self._record(request)
        if not isinstance(body, dict):
            return web.json_response(_error_body(400, "Request body must be a JSON object.", None), status=400)
        if headers.get("authorization") != f"Bearer {self.api_key}":
            return web.json_response(_error_body(401, "Incorrect API key provided.", "invalid_api_key"), status=401)
        problem = _speech_problem(body)
        if problem is not None:
            return web.json_response(_error_body(400, problem[0], problem[1]), status=400)
        plan = self._next_plan()
        if plan.kind == "fail":
            return web.json_response(_error_body(plan.status, plan.message, plan.code), status=plan.status)
        if plan.kind == "stall":
            return await self._stall(request, plan, False)
        audio, content_type = fake_speech(body["input"], body.get("response_format") or "mp3")
        if plan.kind != "midstream":
            return web.Response(body=audio, content_type=content_type)
        resp = web.StreamResponse(headers={"Content-Type": content_type, "Content-Length": str(len(audio))})
        await resp.prepare(request)
        await resp.write(audio[: len(audio) // 2])
        self._abort(request)
        return resp

    # -- Audio API: transcriptions ------------------------------------------------------------
    # `POST /v1/audio/transcriptions` as OpenAI documents it ("Create transcription", platform.openai.com/
    # docs/api-reference/audio/createTranscription; the "Speech to text" guide; the SDK's
    # transcription_create_params.py): multipart/form-data with `file` (flac, mp3, mp4, mpeg, mpga,
    # m4a, ogg, wav or webm, named by its extension; up to 25 MB) and `model` required; `response_format`
    # json (default, `{"text", "usage"}`) or text. A file over the limit gets 413, as the API answers
    # ("Maximum content size limit (26214400) exceeded"). The recorded body holds the form fields and,
    # for `file`, its filename, content type, size and SHA-256. With no plan the text is a
    # deterministic one naming the upload; `transcribe_reply`, `fail` and `stall` script it.

    async def _handle_transcription(self, request: web.Request) -> web.StreamResponse:
        at = time.monotonic()
        headers = {k.lower(): v for k, v in request.headers.items()}
        fields: dict[str, Any] = {}
        upload: bytes | None = None
        problem: tuple[int, str, str | None] | None = None
        if not request.content_type.startswith("multipart/form-data"):
            problem = (400, "Invalid Content-Type header: expected multipart/form-data.", None)
        else:
            problem, fields, upload = await _read_transcription_form(request)
        with self._lock:
            self._requests.append(Req(request.path, copy.deepcopy(fields), headers, at))
        if headers.get("authorization") != f"Bearer {self.api_key}":
            return web.json_response(_error_body(401, "Incorrect API key provided.", "invalid_api_key"), status=401)
        if problem is None:
            problem = _transcription_problem(fields)
        if problem is not None:
            status, message, code = problem
            return web.json_response(_error_body(status, message, code), status=status)
        assert upload is not None
        with self._lock:
            scripted = bool(self._plans)
        plan = self._next_plan() if scripted else _Plan("reply", text=fake_transcript(fields["file"]["filename"], upload))
        if plan.kind == "fail":
            return web.json_response(_error_body(plan.status, plan.message, plan.code), status=plan.status)
        if plan.kind == "stall":
            return await self._stall(request, plan, False)
        await self._sleep(plan.delay)
        text = plan.text or fake_transcript(fields["file"]["filename"], upload)
        if fields.get("response_format") == "text":
            return web.Response(text=text + "\n", content_type="text/plain")
        usage = {"type": "tokens", "input_tokens": 1 + len(upload) // 1000, "output_tokens": _tokens(text)}
        usage["total_tokens"] = usage["input_tokens"] + usage["output_tokens"]
        return web.json_response({"text": text, "usage": usage})


TRANSCRIPTION_MAX_BYTES = 25 * 1024 * 1024
TRANSCRIPTION_EXTENSIONS = ("flac", "mp3", "mp4", "mpeg", "mpga", "m4a", "ogg", "oga", "wav", "webm")
TRANSCRIPTION_FORMATS = ("json", "text")


async def _read_transcription_form(request: web.Request) -> tuple[tuple[int, str, str | None] | None, dict[str, Any], bytes | None]:
    """(problem, recorded fields, uploaded bytes) for a multipart transcription request."""
    fields: dict[str, Any] = {}
    upload: bytes | None = None
    try:
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader) or part.name is None:
                continue
            if part.filename is not None:
                upload = bytes(await part.read())
                fields[part.name] = {
                    "filename": part.filename,
                    "content_type": part.headers.get("Content-Type"),
                    "size": len(upload),
                    "sha256": hashlib.sha256(upload).hexdigest(),
                }
            else:
                fields[part.name] = await part.text()
    except (ValueError, web.HTTPException):
        return (400, "Could not parse multipart form.", None), fields, upload
    if upload is not None and len(upload) > TRANSCRIPTION_MAX_BYTES:
        message = f"Maximum content size limit ({TRANSCRIPTION_MAX_BYTES}) exceeded ({len(upload)} bytes read)"
        return (413, message, None), fields, upload
    return None, fields, upload


def _transcription_problem(fields: dict[str, Any]) -> tuple[int, str, str | None] | None:
    for key in ("file", "model"):
        if key not in fields:
            return 400, f"Missing required parameter: '{key}'.", "missing_required_parameter"
    if not isinstance(fields["file"], dict):
        return 400, "Invalid 'file': expected a file upload.", "invalid_type"
    extension = fields["file"]["filename"].rpartition(".")[2].lower()
    if extension not in TRANSCRIPTION_EXTENSIONS:
        return 400, f"Invalid file format. Supported formats: {list(TRANSCRIPTION_EXTENSIONS)}", "invalid_value"
    if fields["file"]["size"] == 0:
        return 400, "Audio file is empty.", "invalid_value"
    if fields.get("response_format", "json") not in TRANSCRIPTION_FORMATS:
        return 400, f"response_format '{fields['response_format']}' is not supported by this fake.", "unsupported_value"
    return None


def fake_transcript(filename: str, audio: bytes) -> str:
    """The deterministic text the fake hears in an upload with no scripted reply."""
    return f"Transcript of {filename}, {len(audio)} bytes, {hashlib.sha256(audio).hexdigest()[:12]}."


SPEECH_FORMATS = {
    "mp3": "audio/mpeg", "opus": "audio/ogg", "aac": "audio/aac", "flac": "audio/flac", "wav": "audio/wav", "pcm": "audio/pcm",
}  # fmt: skip
SPEECH_MAX_INPUT = 4096


def _speech_problem(body: dict[str, Any]) -> tuple[str, str | None] | None:
    """(message, code) for a speech request OpenAI would refuse, else None."""
    for key in ("model", "input", "voice"):
        if key not in body:
            return f"Missing required parameter: '{key}'.", "missing_required_parameter"
    voice = body["voice"]
    if not isinstance(body["input"], str) or not isinstance(body["model"], str):
        return "Invalid type for 'input' or 'model': expected a string.", "invalid_type"
    if not (isinstance(voice, str) or (isinstance(voice, dict) and isinstance(voice.get("id"), str))):
        return "Invalid 'voice': expected a voice name or an object with an 'id'.", "invalid_type"
    if len(body["input"]) > SPEECH_MAX_INPUT:
        return f"Invalid 'input': string too long. Expected a string with maximum length {SPEECH_MAX_INPUT}.", "string_above_max_length"
    if body.get("response_format", "mp3") not in SPEECH_FORMATS:
        return "Invalid value for 'response_format'.", "invalid_value"
    speed = body.get("speed", 1.0)
    if not isinstance(speed, int | float) or not 0.25 <= speed <= 4.0:
        return "Invalid 'speed': expected a number from 0.25 to 4.0.", "invalid_value"
    return None


def fake_speech(text: str, response_format: str) -> tuple[bytes, str]:
    """Deterministic audio-shaped bytes for `text`: MPEG frames for mp3, a format's magic bytes otherwise."""
    digest = hashlib.sha256(text.encode()).digest()
    if response_format == "mp3":
        frame = b"\xff\xf3\x84\xc4" + (digest * 6)[:188]  # MPEG-2 Layer III, 64 kbit/s at 24 kHz: 192-byte frames
        return frame * max(1, len(text) // 10), SPEECH_FORMATS["mp3"]
    magic = {"opus": b"OggS", "aac": b"\xff\xf1", "flac": b"fLaC", "wav": b"RIFF"}.get(response_format, b"")
    return magic + digest * max(1, len(text) // 8), SPEECH_FORMATS[response_format]


# -- Image inputs --------------------------------------------------------------------------------
# The "Images and vision" guide (developers.openai.com/api/docs/guides/images-vision) and the SDK's
# types: Responses takes `{"type": "input_image", "image_url": <URL or data URL>, "detail"}` in a
# message's content (response_input_image_param.py); Chat Completions takes `{"type": "image_url",
# "image_url": {"url", "detail"}}` (chat_completion_content_part_image_param.py). A data URL must be
# `data:<image MIME>;base64,<data>` with PNG, JPEG, WEBP or non-animated GIF; OpenAI answers 400 for
# a malformed one ("invalid_image_url"), a non-image MIME type ("invalid_image_format") and bytes it
# cannot decode as the image ("image_parse_error").

IMAGE_MIMES = {"image/png": (b"\x89PNG",), "image/jpeg": (b"\xff\xd8\xff",), "image/gif": (b"GIF87a", b"GIF89a"), "image/webp": (b"RIFF",)}
_DATA_URL = re.compile(r"data:(?P<mime>[\w.+-]+/[\w.+-]+);base64,(?P<data>.*)", re.DOTALL)


def _image_parts(body: dict[str, Any], path: str) -> tuple[list[ImageRecord], tuple[str, str] | None]:
    """The request's image parts, and the (message, code) of the first one OpenAI would refuse."""
    records: list[ImageRecord] = []
    if path.endswith("/responses"):
        turns, key = body.get("input"), "input"
    else:
        turns, key = body.get("messages"), "messages"
    if not isinstance(turns, list):
        return records, None
    for i, turn in enumerate(turns):
        content = turn.get("content") if isinstance(turn, dict) else None
        if not isinstance(content, list):
            continue
        for j, part in enumerate(content):
            if not isinstance(part, dict) or part.get("type") not in ("input_image", "image_url"):
                continue
            if part["type"] == "input_image":
                url, detail, where = part.get("image_url"), part.get("detail"), f"{key}[{i}].content[{j}].image_url"
            else:
                inner = part.get("image_url") if isinstance(part.get("image_url"), dict) else {}
                url, detail, where = inner.get("url"), inner.get("detail"), f"{key}[{i}].content[{j}].image_url.url"
            record, problem = _image_record(path, where, url, detail)
            if record is not None:
                records.append(record)
            if problem is not None:
                return records, problem
    return records, None


def _image_record(path: str, where: str, url: Any, detail: Any) -> tuple[ImageRecord | None, tuple[str, str] | None]:
    example = "(e.g. 'data:image/png;base64,aW1nIGJ5dGVzIGhlcmU=')"
    if not isinstance(url, str) or not url:
        return None, (f"Invalid type for '{where}': expected an image URL.", "invalid_type")
    if url.startswith(("http://", "https://")):
        return ImageRecord(path, where, None, 0, detail), None
    match = _DATA_URL.fullmatch(url)
    if match is None:
        message = f"Invalid image URL: '{where}'. Expected a base64-encoded data URL with an image MIME type {example}."
        return None, (message, "invalid_image_url")
    try:
        data = base64.b64decode(match["data"], validate=True)
    except (binascii.Error, ValueError):
        return None, (f"Invalid image URL: '{where}'. The data URL is not valid base64.", "invalid_image_url")
    record = ImageRecord(path, where, match["mime"], len(data), detail)
    if match["mime"] not in IMAGE_MIMES:
        return record, (f"Invalid MIME type '{match['mime']}' in '{where}'. Only image types are supported.", "invalid_image_format")
    if not data or not data.startswith(IMAGE_MIMES[match["mime"]]):
        return record, ("You uploaded an unsupported image. Please make sure your image is valid.", "image_parse_error")
    return record, None


# -- Structured outputs ------------------------------------------------------------------------
# A JSON-schema answer format (Responses: `text.format` {"type": "json_schema", "name", "schema",
# "strict"}; Chat Completions: `response_format` {"type": "json_schema", "json_schema": {...}}) is
# answered like any other request: the scripted reply is the message text (the JSON). With
# `strict: true` the API first refuses a schema outside the documented strict subset
# (platform.openai.com/docs/guides/structured-outputs, "Supported schemas"): the root is an object,
# not anyOf; every object sets additionalProperties false and lists every property in required;
# the name is 1-64 of a-z A-Z 0-9 _ -.


def _structured_output_problem(body: dict[str, Any], path: str) -> str | None:
    """The 400 message OpenAI would give for the request's JSON-schema answer format, else None."""
    if path.endswith("/responses"):
        fmt = (body.get("text") or {}).get("format") or {}
        where = "text.format"
    else:
        fmt = (body.get("response_format") or {}).get("json_schema") or {}
        where = "response_format"
        if (body.get("response_format") or {}).get("type") != "json_schema":
            fmt = {}
    if where == "text.format" and fmt.get("type") != "json_schema":
        return None
    if not fmt:
        return None
    name = fmt.get("name")
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", name):
        return f"Invalid '{where}.name': must be 1-64 characters of a-z, A-Z, 0-9, underscores and dashes."
    schema = fmt.get("schema")
    if not isinstance(schema, dict):
        return f"Missing required parameter: '{where}.schema'."
    if not fmt.get("strict"):
        return None
    if schema.get("type") != "object" or "anyOf" in schema:
        got = schema.get("type")
        return f"Invalid schema for response_format '{name}': schema must be a JSON Schema of 'type: \"object\"', got 'type: \"{got}\"'."
    problem = _strict_schema_problem(schema, ())
    return f"Invalid schema for response_format '{name}': {problem}" if problem else None


def _strict_schema_problem(node: Any, context: tuple[str, ...]) -> str | None:
    if isinstance(node, list):
        for i, item in enumerate(node):
            if problem := _strict_schema_problem(item, (*context, str(i))):
                return problem
        return None
    if not isinstance(node, dict):
        return None
    if node.get("type") == "object" or "properties" in node:
        properties = node.get("properties") or {}
        if node.get("additionalProperties") is not False:
            return f"In context={context}, 'additionalProperties' is required to be supplied and to be false."
        missing = [key for key in properties if key not in (node.get("required") or [])]
        if missing:
            return (
                f"In context={context}, 'required' is required to be supplied and to be an array including every key in properties."
                f" Missing '{missing[0]}'."
            )
    for key in ("properties", "$defs", "definitions"):
        for child_name, child in (node.get(key) or {}).items():
            if problem := _strict_schema_problem(child, (*context, key, child_name)):
                return problem
    for key in ("items", "anyOf"):
        if key in node and (problem := _strict_schema_problem(node[key], (*context, key))):
            return problem
    return None

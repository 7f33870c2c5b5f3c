"""A fake of ElevenLabs' text-to-speech endpoint, `POST /v1/text-to-speech/{voice_id}`.

Built from ElevenLabs' published contract, not from our client:

- "Create speech" (https://elevenlabs.io/docs/api-reference/text-to-speech/convert): header
  `xi-api-key`; JSON body with `text` (required), `model_id` (default `eleven_multilingual_v2`),
  optional `voice_settings`, `seed`, `previous_text`, `next_text`, ...; query `output_format`
  (`codec_sample_rate_bitrate`, default `mp3_44100_128`). 200 is the audio; 422 is FastAPI's
  validation error, `{"detail": [{"type", "loc", "msg", "input"}]}` (a missing `text`, an
  unknown `output_format`, a body that is not JSON).
- "Errors" (https://elevenlabs.io/docs/eleven-api/resources/errors): other errors are
  `{"detail": {"type", "code", "message", "status", "request_id", "param"}}`; 429 carries code
  `rate_limit_exceeded` or `concurrent_limit_exceeded`.
- Per-request character limits by model ("Models", and help article 19572237925521, which names
  `max_character_limit_exceeded` (400), `invalid_api_key` (401) and `voice_not_found`).

Where the docs leave room, the fake offers options: an unknown voice answers 400 (the help
article) or 404 (`unknown_voice_status`); the MP3 starts with an ID3v2 tag or straight with an
MPEG frame sync (`id3`); an optional concurrency limit answers 429 `concurrent_limit_exceeded`.
`type` values other than `validation_error` are this fake's guesses. No Retry-After unless scripted.
"""

from __future__ import annotations

import asyncio
import collections
import hashlib
import time
import uuid
from dataclasses import dataclass
from typing import Any, Literal

from aiohttp import web

from ._server import FakeServer

MAX_STALL_SECONDS = 30.0

# "Premade" voices from ElevenLabs' docs and examples (Rachel, George, Sarah).
DEFAULT_VOICES = ("21m00Tcm4TlvDq8ikWAM", "JBFqnCBsd6RMkjVDRZzb", "EXAVITQu4vr4xnSDxMaL")
DEFAULT_MODEL = "eleven_multilingual_v2"
CHARACTER_LIMITS = {
    "eleven_v3": 5_000,
    "eleven_multilingual_v2": 10_000,
    "eleven_multilingual_v1": 10_000,
    "eleven_monolingual_v1": 10_000,
    "eleven_flash_v2": 30_000,
    "eleven_turbo_v2": 30_000,
    "eleven_flash_v2_5": 40_000,
    "eleven_turbo_v2_5": 40_000,
}
OUTPUT_FORMATS = frozenset({
    "mp3_22050_32", "mp3_24000_48", "mp3_44100_32", "mp3_44100_64", "mp3_44100_96", "mp3_44100_128", "mp3_44100_192",
    "pcm_8000", "pcm_16000", "pcm_22050", "pcm_24000", "pcm_32000", "pcm_44100", "pcm_48000",
    "ulaw_8000", "alaw_8000",
    "opus_48000_32", "opus_48000_64", "opus_48000_96", "opus_48000_128", "opus_48000_192",
    "wav_8000", "wav_16000", "wav_22050", "wav_24000", "wav_32000", "wav_44100", "wav_48000",
})  # fmt: skip

# One MPEG-1 Layer III frame, 128 kbit/s at 44.1 kHz, no padding: 144 * 128000 / 44100 = 417 bytes.
_FRAME_HEADER = b"\xff\xfb\x90\x64"
_FRAME_BYTES = 417
CHARS_PER_FRAME = 10  # how much text one fake frame stands for (~26 ms of audio)


def fake_mp3(text: str, *, id3: bool = True) -> bytes:
    """Deterministic MP3-shaped bytes for `text`: an optional ID3v2.4 tag, then MPEG frames whose
    payload depends on the text (so different text gives different audio) and whose count grows
    with its length."""
    digest = hashlib.sha256(text.encode()).digest()
    payload = (digest * (_FRAME_BYTES // len(digest) + 1))[: _FRAME_BYTES - len(_FRAME_HEADER)]
    frames = (_FRAME_HEADER + payload) * max(1, len(text) // CHARS_PER_FRAME)
    if not id3:
        return frames
    encoder = b"\x03Lavf60.3.100\x00"  # a TSSE frame: UTF-8, the encoder's name
    frame = b"TSSE" + _syncsafe(len(encoder)) + b"\x00\x00" + encoder
    return b"ID3\x04\x00\x00" + _syncsafe(len(frame)) + frame + frames


def _syncsafe(n: int) -> bytes:
    return bytes((n >> shift) & 0x7F for shift in (21, 14, 7, 0))


def _audio(text: str, output_format: str, id3: bool) -> tuple[bytes, str]:
    """The body and content type for `output_format`."""
    codec = output_format.split("_", 1)[0]
    if codec == "mp3":
        return fake_mp3(text, id3=id3), "audio/mpeg"
    raw = hashlib.sha256(text.encode()).digest() * max(1, len(text) // 8)
    if codec == "wav":
        return b"RIFF" + len(raw).to_bytes(4, "little") + b"WAVE" + raw, "audio/wav"
    if codec == "opus":
        return b"OggS" + raw, "audio/ogg"
    return raw, "application/octet-stream"  # pcm, ulaw, alaw: raw samples


@dataclass(frozen=True)
class SpeechCall:
    """One text-to-speech request that passed authentication."""

    voice_id: str
    text: str | None
    model_id: str | None
    output_format: str | None
    body: dict[str, Any]
    at: float


@dataclass(frozen=True)
class _Plan:
    kind: Literal["fail", "stall", "raw"]
    status: int = 500
    retry_after: str | None = None
    code: str | None = None
    seconds: float = 0.0
    body: bytes = b""
    content_type: str = "application/json"


def _detail(status: int, code: str, message: str, *, kind: str, param: str | None = None) -> web.Response:
    detail = {"type": kind, "code": code, "message": message, "status": code, "request_id": uuid.uuid4().hex, "param": param}
    return web.json_response({"detail": detail}, status=status)


def _validation(loc: list[Any], kind: str, msg: str, value: Any) -> web.Response:
    return web.json_response({"detail": [{"type": kind, "loc": loc, "msg": msg, "input": value}]}, status=422)


class FakeElevenLabs(FakeServer):
    """Fake ElevenLabs API; `base_url` (no `/v1`) is what `ELEVENLABS_BASE_URL` would hold.

    Requests with the right key consume one scripted plan (`fail`, `stall`, `raw`) from a FIFO
    queue; with none queued they are answered as ElevenLabs would. A wrong key consumes nothing.
    """

    def __init__(
        self,
        api_key: str = "xi-test",
        *,
        voices: tuple[str, ...] = DEFAULT_VOICES,
        unknown_voice_status: int = 400,
        id3: bool = True,
        latency: float = 0.0,
        concurrency_limit: int | None = None,
    ) -> None:
        super().__init__()
        self.api_key = api_key
        self.voices = set(voices)
        self.unknown_voice_status = unknown_voice_status
        self.id3 = id3
        self.latency = latency
        self.concurrency_limit = concurrency_limit
        self._plans: collections.deque[_Plan] = collections.deque()
        self._calls: list[SpeechCall] = []
        self._inflight = 0
        self.peak_inflight = 0

    # -- scripting ----------------------------------------------------------------------------

    def fail(self, status: int = 500, *, times: int = 1, retry_after: str | None = None, code: str | None = None) -> None:
        """Answer the next `times` requests with an ElevenLabs error JSON (and a Retry-After)."""
        for _ in range(times):
            self._push(_Plan("fail", status=status, retry_after=retry_after, code=code))

    def stall(self, seconds: float) -> None:
        """Say nothing for `seconds` (bounded), then answer normally (a client should have given up)."""
        self._push(_Plan("stall", seconds=min(seconds, MAX_STALL_SECONDS)))

    def raw(self, body: bytes, content_type: str = "application/json") -> None:
        """Answer 200 with `body` as it is (e.g. JSON where audio belongs)."""
        self._push(_Plan("raw", body=body, content_type=content_type))

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._plans)

    def _push(self, plan: _Plan) -> None:
        with self._lock:
            self._plans.append(plan)

    def _next_plan(self) -> _Plan | None:
        with self._lock:
            return self._plans.popleft() if self._plans else None

    # -- inspection -----------------------------------------------------------------------------

    @property
    def calls(self) -> list[SpeechCall]:
        with self._lock:
            return list(self._calls)

    # -- HTTP -------------------------------------------------------------------------------------

    def _build_app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v1/text-to-speech/{voice_id}", self._handle)
        app.router.add_get("/v1/voices/{voice_id}", self._voice)
        return app

    async def _voice(self, request: web.Request) -> web.StreamResponse:
        """"Get voice" (`GET /v1/voices/{voice_id}`, header `xi-api-key`): the voice's metadata
        (`voice_id`, `name`, `category`, `labels`, ...); an unknown id answers as text-to-speech does."""
        _, headers = await self._record(request)
        if headers.get("xi-api-key") != self.api_key:
            return _detail(401, "invalid_api_key", "Invalid API key", kind="authentication_error")
        voice_id = request.match_info["voice_id"]
        if voice_id not in self.voices:
            return _detail(self.unknown_voice_status, "voice_not_found", "A voice with that id was not found.", kind="not_found_error")
        return web.json_response(
            {"voice_id": voice_id, "name": f"Voice {voice_id[:4]}", "category": "premade", "labels": {}, "description": None}
        )

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body, headers = await self._record(request)
        if headers.get("xi-api-key") != self.api_key:
            return _detail(401, "invalid_api_key", "Invalid API key", kind="authentication_error")
        voice_id = request.match_info["voice_id"]
        output_format = request.query.get("output_format", "mp3_44100_128")
        with self._lock:
            self._calls.append(
                SpeechCall(
                    voice_id=voice_id,
                    text=body.get("text") if isinstance(body, dict) else None,
                    model_id=body.get("model_id") if isinstance(body, dict) else None,
                    output_format=request.query.get("output_format"),
                    body=body if isinstance(body, dict) else {},
                    at=time.monotonic(),
                )
            )
        with self._lock:
            if self.concurrency_limit is not None and self._inflight >= self.concurrency_limit:
                return _detail(429, "concurrent_limit_exceeded", "Too many concurrent requests", kind="rate_limit_error")
            self._inflight += 1
            self.peak_inflight = max(self.peak_inflight, self._inflight)
        try:
            if self.latency:
                await asyncio.sleep(self.latency)
            return await self._answer(voice_id, body, output_format)
        finally:
            with self._lock:
                self._inflight -= 1

    async def _answer(self, voice_id: str, body: Any, output_format: str) -> web.StreamResponse:
        plan = self._next_plan()
        if plan is not None and plan.kind == "fail":
            return self._failure(plan)
        if plan is not None and plan.kind == "stall":
            if not await self._sleep(plan.seconds):
                return web.Response(status=503)  # server stopping
        if not isinstance(body, dict):
            return _validation(["body"], "json_invalid", "JSON decode error", None)
        text = body.get("text")
        if "text" not in body:
            return _validation(["body", "text"], "missing", "Field required", body)
        if not isinstance(text, str):
            return _validation(["body", "text"], "string_type", "Input should be a valid string", text)
        if output_format not in OUTPUT_FORMATS:
            return _validation(["query", "output_format"], "enum", "Input should be a valid output format", output_format)
        if voice_id not in self.voices:
            return _detail(self.unknown_voice_status, "voice_not_found", "A voice with that id was not found.", kind="not_found_error")
        model_id = body.get("model_id") or DEFAULT_MODEL
        limit = CHARACTER_LIMITS.get(model_id)
        if limit is None:
            message = f"The model '{model_id}' does not exist or cannot do text to speech."
            return _detail(400, "invalid_parameters", message, kind="validation_error", param="model_id")
        if len(text) > limit:
            message = f"This request's text has {len(text)} characters and exceeds the character limit of {limit} characters."
            return _detail(400, "max_character_limit_exceeded", message, kind="validation_error", param="text")
        if plan is not None and plan.kind == "raw":
            return web.Response(status=200, body=plan.body, content_type=plan.content_type)
        audio, content_type = _audio(text, output_format, self.id3)
        return web.Response(body=audio, content_type=content_type, headers={"request-id": uuid.uuid4().hex})

    @staticmethod
    def _failure(plan: _Plan) -> web.Response:
        if plan.status == 429:
            code = plan.code or "rate_limit_exceeded"
            resp = _detail(429, code, "Too many requests. Please slow down.", kind="rate_limit_error")
        elif plan.status in (401, 403):
            code = plan.code or ("invalid_api_key" if plan.status == 401 else "missing_permissions")
            resp = _detail(plan.status, code, "Scripted authorization failure.", kind="authentication_error")
        elif plan.status >= 500:
            resp = _detail(plan.status, plan.code or "internal_error", "Scripted server failure.", kind="internal_error")
        else:
            resp = _detail(plan.status, plan.code or "invalid_parameters", "Scripted request failure.", kind="validation_error")
        if plan.retry_after is not None:
            resp.headers["Retry-After"] = plan.retry_after
        return resp

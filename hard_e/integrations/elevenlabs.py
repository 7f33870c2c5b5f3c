"""Speech through ElevenLabs' text-to-speech API: text in, MP3 bytes out.

Sources:

- "Create speech", https://elevenlabs.io/docs/api-reference/text-to-speech/convert (its OpenAPI):
  `POST https://api.elevenlabs.io/v1/text-to-speech/{voice_id}`, header `xi-api-key`, JSON body
  with `text` (required), `model_id`, `previous_text`/`next_text` ("improve the speech's
  continuity when concatenating together multiple generations"), query `output_format`
  (`codec_sample_rate_bitrate`, default `mp3_44100_128`); 200 is the audio, 422 a validation
  error (`{"detail": [{"loc", "msg", "type"}]}`).
- "Errors", https://elevenlabs.io/docs/eleven-api/resources/errors: a JSON `detail` object
  (`type`, `code`, `message`, `status`, `request_id`, `param`); 4xx is the request, 500 the
  server; 429 means `rate_limit_exceeded` (back off) or `concurrent_limit_exceeded` (wait for
  running requests) — both are retried here with backoff.
- Per-request character limits, "Models" https://elevenlabs.io/docs/models and the help article
  "API - Error Code 400 or 401" https://help.elevenlabs.io/hc/en-us/articles/19572237925521
  (`max_character_limit_exceeded`): Eleven v3 5,000; Multilingual v2 and v1, English v1
  10,000; Flash/Turbo v2 30,000; Flash/Turbo v2.5 40,000.

Decisions where the docs are silent:

- Text over the model's limit is cut between sentences (`hard_e.media.speech_chunks`), each
  piece synthesized in order with its neighbours' nearest text as `previous_text`/`next_text`,
  and the MP3 parts joined (`join_mp3`). An unknown model gets the smallest limit (5,000).
- `Retry-After` is not documented for ElevenLabs; when a 429 or 5xx carries one it is honoured
  (seconds form, capped), else exponential backoff. Connection failures are not retried.
- A 200 whose body is not MP3 (JSON, empty) is "bad_response"; 401/403 "unauthorized" (also a
  spent quota, which ElevenLabs reports as 401 `quota_exceeded`; the log names the code).

Logs carry the status, the attempt and ElevenLabs' error code — never the text or the key.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from typing import Any
from urllib.parse import quote

import aiohttp

from hard_e.errors import MediaUnavailable
from hard_e.integrations.failures import failure_reason, retry_delay
from hard_e.media import join_mp3, looks_like_mp3, speech_chunks

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.elevenlabs.io"
DEFAULT_MODEL = "eleven_multilingual_v2"  # ElevenLabs' own quickstart model
DEFAULT_OUTPUT_FORMAT = "mp3_44100_128"  # the documented default
DEFAULT_TIMEOUT = 30.0
MAX_RETRIES = 2  # for 429 and 5xx only
MAX_RETRY_AFTER = 4.0  # a longer Retry-After is not worth holding the reply for
CONTEXT_CHARS = 300  # how much of a neighbouring piece goes in previous_text / next_text

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
FALLBACK_LIMIT = 5_000

_CODE = re.compile(r"[a-z_]{1,60}")


def endpoint(base_url: str | None, voice_id: str) -> str:
    """The text-to-speech URL for a base given with or without its `/v1`."""
    base = (base_url or DEFAULT_BASE_URL).rstrip("/")
    base = base.removesuffix("/v1")
    return f"{base}/v1/text-to-speech/{quote(voice_id, safe='')}"


class ElevenLabsVoice:
    """One ElevenLabs voice and model, speaking MP3."""

    def __init__(
        self,
        api_key: str,
        base_url: str | None = None,
        *,
        voice_id: str,
        model_id: str = DEFAULT_MODEL,
        output_format: str = DEFAULT_OUTPUT_FORMAT,
        timeout: float = DEFAULT_TIMEOUT,
        max_retries: int = MAX_RETRIES,
        backoff: float = 0.5,
        max_chars: int | None = None,
    ) -> None:
        if not voice_id:
            raise ValueError("ElevenLabsVoice needs a voice_id")
        if not output_format.startswith("mp3_"):
            raise ValueError("ElevenLabsVoice speaks MP3: output_format must be one of the mp3_* formats")
        self._api_key = api_key
        self.url = endpoint(base_url, voice_id)
        self.voice_id = voice_id
        self.model_id = model_id
        self.output_format = output_format
        self.max_chars = max_chars or CHARACTER_LIMITS.get(model_id, FALLBACK_LIMIT)
        self._timeout = timeout
        self._max_retries = max(0, min(max_retries, MAX_RETRIES))
        self._backoff = backoff

    def __repr__(self) -> str:
        return f"ElevenLabsVoice(url={self.url!r}, model_id={self.model_id!r})"

    @property
    def name(self) -> str:
        return "ElevenLabs"

    def request_bodies(self, text: str) -> list[dict[str, Any]]:
        """One request body per piece of `text`, each within the model's character limit."""
        pieces = speech_chunks(text, self.max_chars)
        bodies: list[dict[str, Any]] = []
        for i, piece in enumerate(pieces):
            body: dict[str, Any] = {"text": piece, "model_id": self.model_id}
            if i > 0:
                body["previous_text"] = pieces[i - 1][-CONTEXT_CHARS:]
            if i < len(pieces) - 1:
                body["next_text"] = pieces[i + 1][:CONTEXT_CHARS]
            bodies.append(body)
        return bodies

    async def synthesize(self, text: str) -> bytes:
        """`text` spoken as MP3. Every failure raises `MediaUnavailable`."""
        bodies = self.request_bodies(text)
        if not bodies:
            log.warning("elevenlabs: nothing to say (empty text)")
            raise MediaUnavailable("rejected")
        headers = {"xi-api-key": self._api_key, "Accept": "audio/mpeg"}
        parts: list[bytes] = []
        try:
            async with aiohttp.ClientSession() as session:
                for index, body in enumerate(bodies):
                    parts.append(await self._post(session, body, headers))
                    log.debug("elevenlabs: piece %s of %s spoken", index + 1, len(bodies))
        except TimeoutError:
            log.warning("elevenlabs timed out after %ss", self._timeout)
            raise MediaUnavailable("timeout") from None
        except aiohttp.ClientError as exc:
            log.warning("elevenlabs connection failed: %s", type(exc).__name__)
            raise MediaUnavailable("unreachable") from None
        return join_mp3(parts)

    async def _post(self, session: aiohttp.ClientSession, body: dict[str, Any], headers: dict[str, str]) -> bytes:
        params = {"output_format": self.output_format}
        timeout = aiohttp.ClientTimeout(total=self._timeout)
        attempt = 0
        while True:
            async with session.post(self.url, json=body, params=params, headers=headers, timeout=timeout) as resp:
                status, retry_after = resp.status, resp.headers.get("Retry-After")
                raw = await resp.read()
            if status == 200:
                if not looks_like_mp3(raw):
                    log.warning("elevenlabs sent %s bytes that are not MP3", len(raw))
                    raise MediaUnavailable("bad_response")
                return raw
            retryable = status == 429 or status >= 500
            if not retryable or attempt >= self._max_retries:
                log.warning("elevenlabs failed: status=%s code=%s attempts=%s", status, _error_code(raw), attempt + 1)
                raise MediaUnavailable(failure_reason(status))
            attempt += 1
            log.info("elevenlabs status=%s code=%s, retrying (%s of %s)", status, _error_code(raw), attempt, self._max_retries)
            await asyncio.sleep(retry_delay(retry_after, self._backoff * 2 ** (attempt - 1), cap=MAX_RETRY_AFTER))


def _error_code(raw: bytes) -> str:
    """ElevenLabs' error code (`detail.code`, else the legacy `detail.status`) when it is a plain
    identifier; validation errors give their `type`. Never the message, which may quote input."""
    try:
        detail = json.loads(raw).get("detail")
    except (ValueError, AttributeError):
        return "-"
    if isinstance(detail, list) and detail and isinstance(detail[0], dict):
        detail = {"code": detail[0].get("type")}
    if not isinstance(detail, dict):
        return "-"
    for key in ("code", "status"):
        value = detail.get(key)
        if isinstance(value, str) and _CODE.fullmatch(value):
            return value
    return "-"

"""Speech through OpenAI's Audio API (`POST /v1/audio/speech`): text in, MP3 bytes out.

Sources: "Create speech", https://platform.openai.com/docs/api-reference/audio/createSpeech, and
the "Text to speech" guide, https://developers.openai.com/api/docs/guides/text-to-speech, as the
installed SDK carries them (`openai/resources/audio/speech.py`, `types/audio/speech_create_params.py`):
`model` (`tts-1`, `tts-1-hd`, `gpt-4o-mini-tts`, `gpt-4o-mini-tts-2025-12-15`), `voice` (`alloy`,
`ash`, `ballad`, `coral`, `echo`, `fable`, `onyx`, `nova`, `sage`, `shimmer`, `verse`, `marin`,
`cedar`, or `{"id": ...}` for a custom voice), `input` of at most 4,096 characters, optional
`instructions` (not for `tts-1*`), `response_format` `mp3` (also opus, aac, flac, wav, pcm). The
response body is the audio file. The SDK notes the Speech API models are scheduled to shut down
on 2027-01-06 in favour of the Realtime API; `model` is a parameter so the switch is a setting.

Retries (429, 5xx, connection errors, honouring Retry-After) are the SDK client's, configured
where the client is built (`openai_llm.build_client`). Longer text is cut between sentences and
the MP3 parts joined, as for ElevenLabs. Failures raise `MediaUnavailable`; logs name the error
class and status, never the text or the key.
"""

from __future__ import annotations

import logging

import openai
from openai import AsyncOpenAI, omit

from hard_e.errors import MediaUnavailable
from hard_e.media import join_mp3, looks_like_mp3, speech_chunks

log = logging.getLogger(__name__)

DEFAULT_MODEL = "gpt-4o-mini-tts"
DEFAULT_VOICE = "alloy"
MAX_INPUT_CHARS = 4_096


class OpenAIVoice:
    """One OpenAI speech model and voice, speaking MP3."""

    def __init__(
        self, client: AsyncOpenAI, *, model: str = DEFAULT_MODEL, voice: str = DEFAULT_VOICE, instructions: str | None = None
    ) -> None:
        self._client = client
        self.model = model
        self.voice = voice
        self.instructions = instructions

    def __repr__(self) -> str:
        return f"OpenAIVoice(model={self.model!r}, voice={self.voice!r})"

    @property
    def name(self) -> str:
        return "OpenAI"

    async def synthesize(self, text: str) -> bytes:
        """`text` spoken as MP3. Every failure raises `MediaUnavailable`."""
        pieces = speech_chunks(text, MAX_INPUT_CHARS)
        if not pieces:
            log.warning("openai speech: nothing to say (empty text)")
            raise MediaUnavailable("rejected")
        parts: list[bytes] = []
        for piece in pieces:
            try:
                result = await self._client.audio.speech.create(
                    model=self.model,
                    voice=self.voice,
                    input=piece,
                    response_format="mp3",
                    instructions=self.instructions if self.instructions else omit,
                )
            except openai.APIError as exc:
                raise media_unavailable(exc) from None
            audio = result.content
            if not looks_like_mp3(audio):
                log.warning("openai speech sent %s bytes that are not MP3", len(audio))
                raise MediaUnavailable("bad_response")
            parts.append(audio)
        return join_mp3(parts)


def media_unavailable(exc: openai.APIError) -> MediaUnavailable:
    """An SDK failure as a `MediaUnavailable` with a short reason."""
    status = getattr(exc, "status_code", None)
    log.warning("openai speech failed: %s status=%s", type(exc).__name__, status)
    if isinstance(exc, openai.APITimeoutError):  # before its base class, APIConnectionError
        return MediaUnavailable("timeout")
    if isinstance(exc, openai.APIConnectionError):
        return MediaUnavailable("unreachable")
    if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
        return MediaUnavailable("unauthorized")
    if isinstance(exc, openai.RateLimitError):
        return MediaUnavailable("rate_limited")
    if isinstance(exc, openai.InternalServerError):
        return MediaUnavailable("server_error")
    if isinstance(exc, openai.APIStatusError):
        return MediaUnavailable("rejected")
    return MediaUnavailable("bad_response")

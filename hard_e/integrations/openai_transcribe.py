"""Speech to text through OpenAI's Audio API (`POST /v1/audio/transcriptions`): an audio file in, its text out.

Sources: "Create transcription", https://platform.openai.com/docs/api-reference/audio/createTranscription,
and the "Speech to text" guide, https://developers.openai.com/docs/guides/speech-to-text, as the
installed SDK carries them (`openai/resources/audio/transcriptions.py`,
`types/audio/transcription_create_params.py`): a multipart/form-data body with `file` (flac, mp3,
mp4, mpeg, mpga, m4a, ogg, wav or webm; the filename's extension tells the API the format; files up
to 25 MB) and `model` (`gpt-transcribe`; `whisper-1` and the `gpt-4o*-transcribe` models are
deprecated, shutting down 2027-02-26). `response_format` `json`, the one format every model offers,
answers `{"text": ...}`. Longer memos are cut before they get here (`agents/voice.py`).

Retries (429, 5xx, connection errors) are the SDK client's (`openai_llm.build_client`); each call is
bounded by `timeout`. Failures raise `MediaUnavailable`; logs name the error class and status, never
the audio or its text.
"""

from __future__ import annotations

import openai
from openai import AsyncOpenAI

from hard_e.errors import MediaUnavailable
from hard_e.integrations.openai_speech import media_unavailable

DEFAULT_MODEL = "gpt-transcribe"
MAX_UPLOAD_BYTES = 25 * 1024 * 1024
DEFAULT_TIMEOUT = 120.0  # a 25 MB upload and its transcription, on a slow link


class OpenAITranscriber:
    """One OpenAI transcription model."""

    def __init__(self, client: AsyncOpenAI, *, model: str = DEFAULT_MODEL, timeout: float = DEFAULT_TIMEOUT) -> None:
        self._client = client
        self.model = model
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"OpenAITranscriber(model={self.model!r})"

    async def transcribe(self, audio: bytes, *, filename: str) -> str:
        """The text spoken in `audio` (a file named `filename`, whose extension names its format).
        Every failure raises `MediaUnavailable`."""
        if not audio:
            raise MediaUnavailable("rejected")
        try:
            result = await self._client.audio.transcriptions.create(
                model=self.model, file=(filename, audio), response_format="json", timeout=self.timeout
            )
        except openai.APIError as exc:
            raise media_unavailable(exc) from None
        return result.text.strip()

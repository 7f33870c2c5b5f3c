"""Photo descriptions from an OpenAI vision model, over either wire protocol (`HARDE_OPENAI_API`).

The image goes inline as a base64 data URL ("Images and vision" guide,
https://developers.openai.com/api/docs/guides/images-vision, as the installed SDK types carry it):
on the Responses API an `input_image` content part whose `image_url` is the data URL
(`types/responses/response_input_image_param.py`, `detail` required), on Chat Completions an
`image_url` content part `{"url": data URL, "detail": ...}`
(`types/chat/chat_completion_content_part_image_param.py`). Responses calls set `store=False`:
a customer's photo is not kept on OpenAI's side for later retrieval.

Failures raise `MediaUnavailable` (the mapping of `openai_speech.media_unavailable`); an empty
answer is "bad_response". Logs name the error class and status, never the image or the answer.
"""

from __future__ import annotations

import base64
import logging
from typing import Final, Literal

import openai
from openai import AsyncOpenAI
from openai.types.chat import ChatCompletionContentPartParam, ChatCompletionMessageParam
from openai.types.responses import EasyInputMessageParam, ResponseInputImageParam, ResponseInputTextParam

from hard_e.errors import MediaUnavailable
from hard_e.integrations.openai_llm import CHAT_COMPLETIONS
from hard_e.integrations.openai_speech import media_unavailable

log = logging.getLogger(__name__)

# "high" keeps a shingle's granule loss or a hairline crack legible; the photo is already at most 1600 px.
DETAIL: Final[Literal["high"]] = "high"


def data_url(image: bytes, mime: str) -> str:
    """`image` as a `data:<mime>;base64,...` URL."""
    return f"data:{mime};base64,{base64.b64encode(image).decode('ascii')}"


class OpenAIVision:
    """One vision-capable model behind one wire protocol."""

    def __init__(self, client: AsyncOpenAI, *, api: str, model: str) -> None:
        self._client = client
        self._api = api
        self.model = model

    def __repr__(self) -> str:
        return f"OpenAIVision(api={self._api!r}, model={self.model!r})"

    async def describe(self, image: bytes, *, mime: str, instructions: str) -> str:
        """The model's description of `image`, as `instructions` ask. Every failure raises `MediaUnavailable`."""
        url = data_url(image, mime)
        try:
            text = await (
                self._describe_chat(url, instructions) if self._api == CHAT_COMPLETIONS else self._describe_responses(url, instructions)
            )
        except openai.APIError as exc:
            raise media_unavailable(exc) from None
        text = text.strip()
        if not text:
            log.warning("vision model answered with no text")
            raise MediaUnavailable("bad_response")
        return text

    async def _describe_responses(self, url: str, instructions: str) -> str:
        text: ResponseInputTextParam = {"type": "input_text", "text": "Describe this job-site photo."}
        image: ResponseInputImageParam = {"type": "input_image", "image_url": url, "detail": DETAIL}
        message: EasyInputMessageParam = {"role": "user", "content": [text, image]}
        response = await self._client.responses.create(model=self.model, instructions=instructions, input=[message], store=False)
        return response.output_text

    async def _describe_chat(self, url: str, instructions: str) -> str:
        parts: list[ChatCompletionContentPartParam] = [
            {"type": "text", "text": "Describe this job-site photo."},
            {"type": "image_url", "image_url": {"url": url, "detail": DETAIL}},
        ]
        messages: list[ChatCompletionMessageParam] = [{"role": "system", "content": instructions}, {"role": "user", "content": parts}]
        completion = await self._client.chat.completions.create(model=self.model, messages=messages)
        if not completion.choices:
            return ""
        return completion.choices[0].message.content or ""

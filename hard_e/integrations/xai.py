"""Optional Grok voice pass: xAI rewrites finished scripts and long answers in Hard-E's voice.

xAI's Responses API (`POST {base}/v1/responses`, default base `https://api.x.ai`) takes the same
request and returns the same `output` items as OpenAI's, so the openai client talks to it with
only the base URL changed (docs.x.ai: "Generate Text" and "Comparison with Chat Completions API").

Refinement is a nicety: any failure, or a rewrite that loses a link, a citation marker or a
number, leaves the original text standing. Logs name the failure kind only, never text or key.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable

import openai

from hard_e.integrations.openai_llm import build_client

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.x.ai"
# The model xAI's own "Generate Text" guide uses; callers may pass another.
DEFAULT_MODEL = "grok-4.3"
# A voice pass must not hold up the reply for long; past this the unrefined text goes out.
DEFAULT_TIMEOUT = 20.0

# A rewrite shorter than this share of the original has dropped content, not just words.
MIN_LENGTH_RATIO = 0.5

_URL = re.compile(r"https?://[^\s<>|()\[\]\"'`]+")
_CITATION = re.compile(r"\[\d{1,3}\]")
_NUMBER = re.compile(r"\d+(?:[.,:/-]\d+)*")


def api_base(base_url: str | None) -> str:
    """The openai client's base URL for an xAI base given with or without its `/v1`."""
    base = (base_url or DEFAULT_BASE_URL).rstrip("/")
    return base if base.endswith("/v1") else f"{base}/v1"


class RefineRejected(Exception):
    """The call worked but the rewrite can't be used; `args[0]` is the failure kind."""


class GrokRefiner:
    """Rewrites text in Hard-E's voice through Grok; returns the input whenever that goes wrong."""

    def __init__(
        self,
        api_key: str,
        base_url: str | None,
        *,
        instructions: Callable[[str], str],
        model: str = DEFAULT_MODEL,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self.model = model
        self.timeout = timeout
        self._instructions = instructions  # the system prompt for a kind of text; raises ValueError for an unknown kind
        # No retries: a retry would blow the time budget, and the original text is a fine fallback.
        self._client = build_client(api_key=api_key, base_url=api_base(base_url), timeout=timeout, max_retries=0)

    async def refine(self, text: str, *, kind: str) -> str:
        """`text` rewritten in Hard-E's voice, or `text` itself if the pass fails or loses anything."""
        system = self._instructions(kind)
        if not text.strip():
            return text
        try:
            async with asyncio.timeout(self.timeout):
                rewrite = await self._rewrite(text, system)
            check_rewrite(text, rewrite)
        except Exception as exc:
            log.warning("grok refinement skipped: %s", failure_kind(exc))
            return text
        return rewrite

    async def close(self) -> None:
        await self._client.close()

    async def _rewrite(self, text: str, system: str) -> str:
        # The system prompt goes in `input`: older xAI docs reject `instructions`, every version takes this.
        response = await self._client.responses.create(
            model=self.model,
            input=[
                {"role": "system", "content": system},
                {"role": "user", "content": text},
            ],
            store=False,  # customer details stay off xAI's servers (they keep responses 30 days by default)
        )
        status = getattr(response, "status", None)
        if status not in (None, "completed"):
            raise RefineRejected(f"status_{status}")
        try:
            rewrite = (response.output_text or "").strip()
        except (AttributeError, TypeError) as exc:  # JSON, but not a Response (no `output` list)
            raise RefineRejected("malformed_response") from exc
        if not rewrite:
            raise RefineRejected("empty_output")
        return rewrite


def check_rewrite(original: str, rewrite: str) -> None:
    """Raise `RefineRejected` if `rewrite` lost a link, citation marker or number, or most of the text."""
    if len(rewrite) < MIN_LENGTH_RATIO * len(original.strip()):
        raise RefineRejected("too_short")
    if not _urls(original) <= _urls(rewrite):
        raise RefineRejected("lost_link")
    for marker in set(_CITATION.findall(original)):
        if marker not in rewrite:
            raise RefineRejected("lost_citation")
    kept = set(_NUMBER.findall(rewrite))
    if any(number not in kept for number in _NUMBER.findall(original)):
        raise RefineRejected("lost_number")


def _urls(text: str) -> set[str]:
    # Sentence punctuation right after a bare link is not part of it.
    return {url.rstrip(".,;:!?") for url in _URL.findall(text)}


def failure_kind(exc: BaseException) -> str:
    """A short log-safe label for why refinement failed (no text, no key, no response body)."""
    if isinstance(exc, RefineRejected):
        return str(exc.args[0])
    if isinstance(exc, TimeoutError | openai.APITimeoutError):
        return "timeout"
    if isinstance(exc, openai.APIConnectionError):
        return "connection_error"
    if isinstance(exc, openai.APIStatusError):
        return f"http_{exc.status_code}"
    if isinstance(exc, openai.APIResponseValidationError | ValueError):
        return "malformed_response"
    return type(exc).__name__

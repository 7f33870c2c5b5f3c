"""Web search through Perplexity's Agent API: one question in, an answer with numbered sources out.

Perplexity retired the Sonar chat-completions endpoint; its current API is the Agent API
(docs.perplexity.ai: "Create Response", the OpenAPI for `POST /v1/responses`; "OpenAI
Compatibility", which names `POST /v1/agent` the canonical path and `/v1/responses` an accepted
alias; "Presets"; "Tools"). What this client relies on:

- Request: `POST {base}/v1/responses`, `Authorization: Bearer <key>`, JSON body with `input`
  (a string) and `preset` (e.g. "fast-search", "pro-search", "deep-research") or `model`
  ("provider/model"). Presets bundle the model, system prompt and the `web_search` tool; with
  only a model we send `tools: [{"type": "web_search"}]` ourselves. `stream` is left false.
- Response (`stream: false`): `{"id", "object": "response", "status", "model", "output": [...]}`.
  Output items are discriminated by `type`: `message` (role assistant, `content` parts of type
  `output_text` with `text` and `annotations`, e.g. `{"type": "url_citation", "url", "title"}`)
  and `search_results` (`results`: `{"id", "url", "title", "snippet", "date"}`). The text cites
  sources with markers like `[1]` that refer to a search result's `id` (cookbook "Streaming
  citations"). A failed response carries `status: "failed"` and `error: {"message", ...}`.
- Errors: plain HTTP statuses (401/403 key, 429 rate limit, 5xx server).

HTTP goes through aiohttp, a direct dependency. A session per search keeps the client free of
event-loop ties; searches are rare and slow next to a TCP handshake. Logs name the failure kind
and status only — never the question, the answer or the key.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from hard_e.errors import UserFacingError
from hard_e.integrations.failures import retry_delay

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.perplexity.ai"
# Balanced accuracy and latency (a few search steps) — the preset Perplexity recommends for most queries.
DEFAULT_PRESET = "pro-search"
DEFAULT_TIMEOUT = 45.0
MAX_RETRIES = 2  # for 429 and 5xx only
MAX_RETRY_AFTER = 4.0  # a Retry-After longer than this is not worth holding the reply for
MAX_CITATIONS = 20

TIMED_OUT = "Web search took too long to answer. Please try again in a moment."
UNREACHABLE = "I couldn't reach web search (Perplexity) just now. Please try again in a minute."
BAD_KEY = "Web search turned down my credentials, so I can't search the web right now. An admin needs to check PERPLEXITY_API_KEY."
RATE_LIMITED = "Web search is swamped right now. Try me again in a minute."
SERVER_TROUBLE = "Web search is having trouble on its end. Please try again in a few minutes."
REJECTED = "Web search turned down the request. An admin may need to check the Perplexity settings (PERPLEXITY_BASE_URL)."
UNREADABLE = "Web search sent back something I couldn't read. Please try again in a moment."
EMPTY = "Web search came back without an answer. Try asking it a different way."

_MARKER = re.compile(r"\[(\d{1,3})\]")


@dataclass(frozen=True)
class Citation:
    title: str
    url: str


@dataclass(frozen=True)
class WebAnswer:
    """The answer's text (with `[n]` markers) and its sources; `citations[n - 1]` is source `[n]`."""

    text: str
    citations: list[Citation] = field(default_factory=list)

    def as_text(self) -> str:
        """The answer followed by its numbered sources, as the WebSearch agent quotes them."""
        if not self.citations:
            return self.text
        sources = "\n".join(f"[{n}] {c.title or c.url} — {c.url}" for n, c in enumerate(self.citations, 1))
        return f"{self.text}\n\nSources:\n{sources}"


def endpoint(base_url: str | None) -> str:
    """The responses URL for a base given with or without its `/v1`."""
    base = (base_url or DEFAULT_BASE_URL).rstrip("/")
    if not base.endswith("/v1"):
        base += "/v1"
    return f"{base}/responses"


class PerplexitySearch:
    """Asks Perplexity's Agent API one question at a time."""

    def __init__(
        self,
        api_key: str,
        base_url: str | None = None,
        *,
        preset: str | None = DEFAULT_PRESET,
        model: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        max_retries: int = MAX_RETRIES,
        backoff: float = 0.5,
    ) -> None:
        if not preset and not model:
            raise ValueError("PerplexitySearch needs a preset or a model")
        self._api_key = api_key
        self.url = endpoint(base_url)
        self.preset = preset
        self.model = model
        self._timeout = timeout
        self._max_retries = max(0, min(max_retries, MAX_RETRIES))
        self._backoff = backoff

    def __repr__(self) -> str:
        return f"PerplexitySearch(url={self.url!r}, preset={self.preset!r}, model={self.model!r})"

    def request_body(self, question: str) -> dict[str, Any]:
        body: dict[str, Any] = {"input": question, "stream": False}
        if self.preset:
            body["preset"] = self.preset
        if self.model:
            body["model"] = self.model
        if not self.preset:
            body["tools"] = [{"type": "web_search"}]  # a bare model searches only with the tool enabled
        return body

    async def search(self, question: str) -> WebAnswer:
        """Research `question` on the web. Every failure becomes a `UserFacingError`."""
        payload = await self._post(self.request_body(question))
        return parse_response(payload)

    async def _post(self, body: dict[str, Any]) -> Any:
        headers = {"Authorization": f"Bearer {self._api_key}", "Accept": "application/json"}
        timeout = aiohttp.ClientTimeout(total=self._timeout)
        attempt = 0
        try:
            async with aiohttp.ClientSession(timeout=timeout) as session:
                while True:
                    async with session.post(self.url, json=body, headers=headers) as resp:
                        if resp.status == 200:
                            raw = await resp.read()
                            break
                        status, retry_after = resp.status, resp.headers.get("Retry-After")
                    retryable = status == 429 or status >= 500
                    if not retryable or attempt >= self._max_retries:
                        log.warning("web search failed: status=%s attempts=%s", status, attempt + 1)
                        raise UserFacingError(_status_message(status))
                    attempt += 1
                    log.info("web search status=%s, retrying (%s of %s)", status, attempt, self._max_retries)
                    await asyncio.sleep(retry_delay(retry_after, self._backoff * 2 ** (attempt - 1), cap=MAX_RETRY_AFTER))
        except TimeoutError:
            log.warning("web search timed out after %ss", self._timeout)
            raise UserFacingError(TIMED_OUT) from None
        except aiohttp.ClientError as exc:
            log.warning("web search connection failed: %s", type(exc).__name__)
            raise UserFacingError(UNREACHABLE) from None
        try:
            return json.loads(raw)
        except ValueError:
            log.warning("web search sent a body that is not JSON (%s bytes)", len(raw))
            raise UserFacingError(UNREADABLE) from None


def _status_message(status: int) -> str:
    if status in (401, 403):
        return BAD_KEY
    if status == 429:
        return RATE_LIMITED
    if status >= 500:
        return SERVER_TROUBLE
    return REJECTED


def parse_response(payload: Any) -> WebAnswer:
    """A `WebAnswer` from an Agent API response body; `UserFacingError` when it isn't one."""
    if not isinstance(payload, dict) or not isinstance(payload.get("output"), list):
        log.warning("web search response has no output list")
        raise UserFacingError(UNREADABLE)
    if payload.get("status") == "failed" or payload.get("error"):
        log.warning("web search response reported status=%s", payload.get("status"))
        raise UserFacingError(SERVER_TROUBLE)
    texts: list[str] = []
    results: list[tuple[int | None, Citation]] = []
    annotated: list[Citation] = []
    for item in payload["output"]:
        if not isinstance(item, dict):
            continue
        if item.get("type") == "search_results":
            for result in item.get("results") or ():
                citation = _citation(result)
                if citation is not None:
                    rid = result.get("id")
                    results.append((rid if isinstance(rid, int) and not isinstance(rid, bool) else None, citation))
        elif item.get("type") == "message":
            for part in item.get("content") or ():
                if not isinstance(part, dict) or part.get("type") != "output_text":
                    continue
                if isinstance(part.get("text"), str):
                    texts.append(part["text"])
                for annotation in part.get("annotations") or ():
                    if isinstance(annotation, dict) and annotation.get("type") == "url_citation":
                        citation = _citation(annotation)
                        if citation is not None:
                            annotated.append(citation)
    text = "".join(texts).strip()
    if not text:
        log.warning("web search response has no answer text")
        raise UserFacingError(EMPTY)
    text, citations = _number_sources(text, results)
    seen = {c.url for c in citations}
    for citation in annotated:  # sources cited only inline, not among the search results
        if citation.url not in seen:
            seen.add(citation.url)
            citations.append(citation)
    return WebAnswer(text=text, citations=citations[:MAX_CITATIONS])


def _citation(raw: Any) -> Citation | None:
    if not isinstance(raw, dict):
        return None
    url = raw.get("url")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        return None
    title = raw.get("title")
    return Citation(title=title.strip() if isinstance(title, str) else "", url=url)


def _number_sources(text: str, results: list[tuple[int | None, Citation]]) -> tuple[str, list[Citation]]:
    """Sources in `id` order, numbered from 1, with the text's `[id]` markers renumbered to match."""
    ids = [rid for rid, _ in results if rid is not None]
    if results and len(ids) == len(results) and len(set(ids)) == len(results):
        results = sorted(results, key=lambda pair: pair[0] or 0)  # every id is set here
    else:  # ids missing or repeated: the markers can't be trusted to point anywhere, keep order
        results = [(None, c) for _, c in results]
    number: dict[int, int] = {}  # the API's id -> our number
    index_of: dict[str, int] = {}  # url -> our number (a page found twice is one source)
    citations: list[Citation] = []
    for rid, citation in results:
        if citation.url not in index_of:
            citations.append(citation)
            index_of[citation.url] = len(citations)
        if rid is not None:
            number[rid] = index_of[citation.url]
    if any(old != new for old, new in number.items()):
        text = _MARKER.sub(lambda m: f"[{number.get(int(m.group(1)), m.group(1))}]", text)
    return text, citations

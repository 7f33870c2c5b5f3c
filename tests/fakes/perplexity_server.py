"""A scripted fake of Perplexity's Agent API (`POST /v1/responses`, alias of `/v1/agent`; JSON only).

Shapes follow Perplexity's OpenAPI for "Create Response": the request needs `input` and one of
`model`, `models` or `preset`; the reply is a Response whose `output` holds a `search_results`
item (`results` with `id`, `url`, `title`, `snippet`, `date`) and an assistant `message` with one
`output_text` part whose text cites sources as `[id]` (optionally with `url_citation` annotations).
"""

from __future__ import annotations

import collections
import itertools
import time
from dataclasses import dataclass
from typing import Any, Literal

from aiohttp import web

from ._server import FakeServer

# Stalls never outlive this, whatever the script says (keeps a broken test bounded).
MAX_STALL_SECONDS = 30.0


@dataclass(frozen=True)
class _Plan:
    kind: Literal["reply", "fail", "stall", "malformed", "raw"]
    text: str = ""
    sources: tuple[tuple[str, str], ...] = ()
    ids: tuple[int, ...] = ()
    annotations: bool = False
    status: int = 500
    retry_after: str | None = None
    seconds: float = 0.0
    body: Any = None


def _error(status: int, message: str, kind: str) -> web.Response:
    return web.json_response({"error": {"message": message, "type": kind, "code": status}}, status=status)


class FakePerplexity(FakeServer):
    """Fake Perplexity API. `base_url` (no `/v1`) is what `PERPLEXITY_BASE_URL` would hold.

    Each request consumes one planned reply from a FIFO queue; with the queue empty it answers
    `default_reply` with `default_sources`. A wrong or missing bearer key gets a 401 and consumes
    nothing.
    """

    def __init__(self, api_key: str = "pplx-test") -> None:
        super().__init__()
        self.api_key = api_key
        self.default_reply = "Here is what the web says [1]."
        self.default_sources: tuple[tuple[str, str], ...] = (("Example source", "https://example.com/source"),)
        self._plans: collections.deque[_Plan] = collections.deque()
        self._ids = itertools.count(1)

    # -- scripting --------------------------------------------------------------

    def reply(
        self,
        text: str,
        sources: list[tuple[str, str]] | tuple[tuple[str, str], ...] = (),
        *,
        ids: list[int] | None = None,
        annotations: bool = False,
    ) -> None:
        """Answer `text`, with `sources` as (title, url) search results numbered from 1 (or `ids`).

        `annotations=True` also puts each source on the text as a `url_citation` annotation.
        """
        ids_ = tuple(ids) if ids is not None else tuple(range(1, len(sources) + 1))
        if len(ids_) != len(sources):
            raise ValueError("one id per source")
        self._push(_Plan("reply", text=text, sources=tuple(sources), ids=ids_, annotations=annotations))

    def fail(self, status: int = 500, *, retry_after: str | None = None, times: int = 1) -> None:
        """Answer the next `times` requests with an error JSON and `status` (and a Retry-After)."""
        for _ in range(times):
            self._push(_Plan("fail", status=status, retry_after=retry_after))

    def stall(self, seconds: float) -> None:
        """Say nothing for `seconds` (bounded), then answer the default reply (a client should have given up)."""
        self._push(_Plan("stall", seconds=min(seconds, MAX_STALL_SECONDS)))

    def malformed(self, body: str = '{"id": "resp_broken", "output": [') -> None:
        """Answer 200 with a body that is not JSON."""
        self._push(_Plan("malformed", body=body))

    def raw(self, payload: Any) -> None:
        """Answer 200 with `payload` as JSON, whatever its shape."""
        self._push(_Plan("raw", body=payload))

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._plans)

    def _push(self, plan: _Plan) -> None:
        with self._lock:
            self._plans.append(plan)

    def _next_plan(self) -> _Plan:
        with self._lock:
            if self._plans:
                return self._plans.popleft()
        return self._default_plan()

    def _default_plan(self) -> _Plan:
        ids = tuple(range(1, len(self.default_sources) + 1))
        return _Plan("reply", text=self.default_reply, sources=self.default_sources, ids=ids)

    # -- inspection ---------------------------------------------------------------

    # -- HTTP plumbing ----------------------------------------------------------------

    def _build_app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v1/responses", self._handle)
        app.router.add_post("/v1/agent", self._handle)
        app.router.add_get("/v1/models", self._models)
        return app

    async def _models(self, request: web.Request) -> web.StreamResponse:
        """The Agent API's models (docs.perplexity.ai, "Available Models" and the cookbook's
        `GET /v1/models`): `{"object": "list", "data": [Model]}`, each `Model` {id "provider/model",
        object "model", created, owned_by}; the bearer key is checked like every other call."""
        await self._record(request)
        if request.headers.get("Authorization") != f"Bearer {self.api_key}":
            return _error(401, "Invalid API key", "authentication_error")
        ids = ("perplexity/sonar", "openai/gpt-5.1", "anthropic/claude-sonnet-4-6", "xai/grok-4-1-fast-non-reasoning")
        data = [{"id": i, "object": "model", "created": 0, "owned_by": i.split("/")[0]} for i in ids]
        return web.json_response({"object": "list", "data": data})

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body, _ = await self._record(request)

        if request.headers.get("Authorization") != f"Bearer {self.api_key}":
            return _error(401, "Invalid API key", "authentication_error")
        if not isinstance(body, dict) or "input" not in body:
            return _error(400, "input is required", "invalid_request_error")
        if not any(body.get(k) for k in ("model", "models", "preset")):
            return _error(400, "one of model, models or preset is required", "invalid_request_error")
        if body.get("stream"):
            return _error(400, "this fake does not stream", "invalid_request_error")

        plan = self._next_plan()
        if plan.kind == "fail":
            resp = _error(plan.status, "scripted failure", "rate_limit_error" if plan.status == 429 else "api_error")
            if plan.retry_after is not None:
                resp.headers["Retry-After"] = plan.retry_after
            return resp
        if plan.kind == "stall":
            if not await self._sleep(plan.seconds):
                return web.Response(status=503)  # server stopping
            plan = self._default_plan()
        if plan.kind == "malformed":
            return web.Response(status=200, text=plan.body, content_type="application/json")
        if plan.kind == "raw":
            return web.json_response(plan.body)
        return web.json_response(self._response_json(plan, body))

    def _response_json(self, plan: _Plan, body: dict[str, Any]) -> dict[str, Any]:
        results = [
            {"id": rid, "url": url, "title": title, "snippet": f"From {title}.", "date": "2026-05-01", "source": "web"}
            for rid, (title, url) in zip(plan.ids, plan.sources, strict=True)
        ]
        annotations = []
        if plan.annotations:
            annotations = [
                {"type": "url_citation", "url": url, "title": title, "start_index": 0, "end_index": len(plan.text)}
                for title, url in plan.sources
            ]
        output: list[dict[str, Any]] = []
        if results:
            output.append({"type": "search_results", "queries": [str(body.get("input"))], "results": results})
        output.append({
            "type": "message",
            "id": f"msg_fake{next(self._ids):04d}",
            "status": "completed",
            "role": "assistant",
            "content": [{"type": "output_text", "text": plan.text, "annotations": annotations}],
        })
        return {
            "id": f"resp_fake{next(self._ids):04d}",
            "object": "response",
            "created_at": int(time.time()),
            "status": "completed",
            "model": body.get("model") or "openai/gpt-5.1",
            "output": output,
            "usage": {
                "input_tokens": 40,
                "output_tokens": max(1, len(plan.text) // 4),
                "total_tokens": 40 + max(1, len(plan.text) // 4),
                "cost": {"currency": "USD", "input_cost": 0.0, "output_cost": 0.0, "total_cost": 0.0},
            },
        }

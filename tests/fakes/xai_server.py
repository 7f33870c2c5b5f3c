"""A scripted fake of xAI's Responses API (`POST /v1/responses`, non-streaming JSON).

The reply follows the Response object both xAI and the openai package use: an `output` list of
typed items, here an optional `reasoning` item (Grok 4 models reason) then an assistant `message`
with one `output_text` part.
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
    kind: Literal["reply", "fail", "stall", "malformed", "wrong_shape", "empty"]
    text: str = ""
    status: int = 500
    seconds: float = 0.0
    response_status: str = "completed"


class FakeXAI(FakeServer):
    """Fake xAI API. `base_url` (no `/v1`) is what `XAI_BASE_URL` would hold.

    Each request consumes one planned reply from a FIFO queue; with the queue empty it echoes
    the last input message back, which is a rewrite that keeps everything.
    """

    def __init__(self, api_key: str = "xai-test") -> None:
        super().__init__()
        self.api_key = api_key
        self.reasoning = True  # put a reasoning item before the message, as Grok 4 models do
        self._plans: collections.deque[_Plan] = collections.deque()
        self._ids = itertools.count(1)

    # -- scripting --------------------------------------------------------------

    def reply(self, text: str, *, status: str = "completed") -> None:
        """Answer with `text` as the rewrite (`status="incomplete"` mimics a cut-off answer)."""
        self._push(_Plan("reply", text=text, response_status=status))

    def fail(self, status: int = 500, times: int = 1) -> None:
        """Answer the next `times` requests with an error JSON and `status`."""
        for _ in range(times):
            self._push(_Plan("fail", status=status))

    def stall(self, seconds: float) -> None:
        """Say nothing for `seconds` (bounded), then reply with the echo."""
        self._push(_Plan("stall", seconds=min(seconds, MAX_STALL_SECONDS)))

    def malformed(self) -> None:
        """200 with a JSON content type and a body that is not JSON."""
        self._push(_Plan("malformed"))

    def wrong_shape(self) -> None:
        """200 with valid JSON that is not a Response object (no `output` list)."""
        self._push(_Plan("wrong_shape"))

    def empty(self) -> None:
        """A completed response whose output holds no text."""
        self._push(_Plan("empty"))

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

    # -- inspection -----------------------------------------------------------------

    # -- HTTP plumbing ------------------------------------------------------------------

    def _build_app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v1/responses", self._handle)
        return app

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body, headers = await self._record(request)
        if not isinstance(body, dict):
            return _error(400, "Request body must be a JSON object.")
        if headers.get("authorization") != f"Bearer {self.api_key}":
            # xAI answers a bad key with 400, not 401 (seen in continuedev/continue#10778).
            return _error(400, "Incorrect API key provided. You can obtain an API key from https://console.x.ai.")

        plan = self._next_plan() or _Plan("reply", text=_last_input_text(body))
        if plan.kind == "fail":
            return _error(plan.status, "The service is having trouble.")
        if plan.kind == "malformed":
            return web.Response(status=200, text='{"id": "resp_1", "output": [', content_type="application/json")
        if plan.kind == "wrong_shape":
            return web.json_response({"id": "resp_odd", "object": "response"})
        if plan.kind == "stall":
            if not await self._sleep(plan.seconds):
                return web.Response(status=503)
            plan = _Plan("reply", text=_last_input_text(body))
        return web.json_response(self._response(body, plan))

    def _response(self, body: dict[str, Any], plan: _Plan) -> dict[str, Any]:
        created = int(time.time())
        output: list[dict[str, Any]] = []
        if self.reasoning:
            output.append({"id": f"rs_fake{next(self._ids):04d}", "type": "reasoning", "summary": [], "status": "completed"})
        if plan.kind == "reply":
            output.append(
                {
                    "id": f"msg_fake{next(self._ids):04d}",
                    "type": "message",
                    "role": "assistant",
                    "status": "completed",
                    "content": [{"type": "output_text", "text": plan.text, "annotations": [], "logprobs": []}],
                }
            )
        return {
            "id": f"resp_fake{next(self._ids):04d}",
            "object": "response",
            "created_at": created,
            "completed_at": created,
            "status": plan.response_status,
            "model": body.get("model") or "grok-fake",
            "output": output,
            "parallel_tool_calls": True,
            "tool_choice": "auto",
            "tools": [],
            "store": body.get("store", True),
            "temperature": body.get("temperature"),
            "top_p": body.get("top_p"),
            "text": {"format": {"type": "text"}},
            "error": None,
            "incomplete_details": {"reason": "max_output_tokens"} if plan.response_status == "incomplete" else None,
            "usage": {
                "input_tokens": 100,
                "input_tokens_details": {"cached_tokens": 0},
                "output_tokens": max(1, len(plan.text) // 4),
                "output_tokens_details": {"reasoning_tokens": 10},
                "total_tokens": 110 + len(plan.text) // 4,
            },
        }


def _last_input_text(body: dict[str, Any]) -> str:
    items = body.get("input")
    if isinstance(items, str):
        return items
    for item in reversed(items or []):
        content = item.get("content") if isinstance(item, dict) else None
        if isinstance(content, str):
            return content
    return ""


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"code": f"http_{status}", "error": message}, status=status)

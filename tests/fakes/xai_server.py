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
        # `GET /v1/api-key` (xAI REST API reference, "API Key"): the key's flags, set by an admin.
        self.key_blocked = False
        self.key_disabled = False
        self.team_blocked = False
        self.models: set[str] = {"grok-4.3", "grok-4", "grok-3", "grok-3-mini"}  # `GET /v1/models/{model}`
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
        app.router.add_get("/v1/api-key", self._api_key_info)
        app.router.add_get("/v1/models/{model:.+}", self._model)
        return app

    async def _api_key_info(self, request: web.Request) -> web.StreamResponse:
        """The calling key's information (xAI's OpenAPI `ApiKey`: redacted key, ids, `acls`,
        `api_key_blocked`, `api_key_disabled`, `team_blocked`); 400 for a key xAI doesn't know."""
        _, headers = await self._record(request)
        if headers.get("authorization") != f"Bearer {self.api_key}":
            return _error(400, "Incorrect API key provided. You can obtain an API key from https://console.x.ai.")
        return web.json_response({
            "redacted_api_key": f"xai-...{self.api_key[-4:]}",
            "user_id": "59fbe5f2-040b-46d5-8325-868bb8f23eb2",
            "name": "Fake key",
            "create_time": "2024-01-01T12:55:18.139305Z",
            "modify_time": "2024-08-28T17:20:12.343321Z",
            "modified_by": "3d38b4dc-4eb7-4785-ae26-c3fa8997ffc7",
            "team_id": "5ea6f6bd-7815-4b8a-9135-28b2d7ba6722",
            "acls": ["api-key:model:*", "api-key:endpoint:*"],
            "api_key_id": "ae1e1841-4326-4b36-a8a9-8a1a7237db11",
            "team_blocked": self.team_blocked,
            "api_key_blocked": self.key_blocked,
            "api_key_disabled": self.key_disabled,
        })

    async def _model(self, request: web.Request) -> web.StreamResponse:
        """One model (OpenAI-compatible `Model`: id, object, created, owned_by); 404 when unknown."""
        _, headers = await self._record(request)
        if headers.get("authorization") != f"Bearer {self.api_key}":
            return _error(400, "Incorrect API key provided. You can obtain an API key from https://console.x.ai.")
        model_id = request.match_info["model"]
        if model_id not in self.models:
            return _error(404, f"The model {model_id} does not exist or your team does not have access to it.")
        return web.json_response({"id": model_id, "object": "model", "created": 1_743_724_800, "owned_by": "xai"})

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

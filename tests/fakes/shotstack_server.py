"""A fake of Shotstack's Edit API render endpoints: `POST /edit/{stage}/render` and
`GET /edit/{stage}/render/{id}` (also under the older base without `/edit`).

Built from Shotstack's published contract (https://shotstack.io/docs/api/, OpenAPI at
github.com/shotstack/oas-api-definition), not from our client:

- Auth: header `x-api-key`; a key belongs to one stage (`stage` sandbox or `v1` production).
  A missing or wrong key, or a key used on the other stage, gets 403 `{"message": "Forbidden"}`
  (the API gateway's answer; community.shotstack.io/t/403-api-error-message-forbidden/38).
- The Edit is validated as `schemas/edit.yaml` says: `timeline` and `output` required, no other
  keys than timeline/output/merge/callback/disk/instance; `timeline.tracks[]` each with `clips[]`;
  each clip `asset`, `start` (seconds or "auto"), `length` (seconds or "auto"/"end"); an asset
  `type` from the documented set, `text`/`title` assets need `text`, media assets `src`;
  `output.format` (mp4, gif, mp3, jpg, png, bmp) and, when given, `resolution` and `aspectRatio`.
  A failure is 400 `{"success": false, "message": "Bad Request", "response": ...}`; the docs
  say only "an error message", so `error_style` offers the detailed shape integration code reads
  (`response.error.details[]` with `message`, `path`, `type`) or a plain string.
- POST answers 201 `{"success": true, "message": "Created", "response": {"message": "Render
  Successfully Queued", "id": <uuid>}}`. GET answers 200 with RenderResponseData: `id`, `owner`,
  `plan`, `status`, `error` (when failed), `duration`, `renderTime`, `url` (only when done),
  `poster`, `thumbnail`, `data` (the Edit, unless `data=false`), `created`, `updated`.
- A render moves queued → fetching → rendering → saving → done, `stage_seconds` each (optionally
  through `preprocessing` too, which the current docs list), or ends `failed` after rendering
  when `fail_next_render(error=...)` was called. An id that is not a UUID is 400; unknown, 404.
- Rate limits per plan (1 request/second free, 10 paid): `requests_per_second` turns on a
  one-second window answering 429 `{"message": "Too Many Requests"}`.

Time comes from `time.monotonic()` plus whatever `advance(seconds)` added, so tests need not sleep.
"""

from __future__ import annotations

import collections
import re
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from aiohttp import web

from ._server import FakeServer

MAX_STALL_SECONDS = 30.0
STAGES = ("v1", "stage")
EDIT_KEYS = frozenset({"timeline", "output", "merge", "callback", "disk", "instance"})
ASSET_TYPES = frozenset({
    "video", "image", "text", "rich-text", "audio", "luma", "caption", "html", "title", "shape", "svg",
    "text-to-image", "image-to-video", "text-to-speech",
})  # fmt: skip
# The field each common asset type cannot do without (textasset.yaml, titleasset.yaml, videoasset.yaml, ...).
REQUIRED_FIELD = {"text": "text", "title": "text", "rich-text": "text", "video": "src", "image": "src", "audio": "src", "luma": "src"}
FORMATS = frozenset({"mp4", "gif", "mp3", "jpg", "png", "bmp"})
RESOLUTIONS = frozenset({"preview", "mobile", "sd", "hd", "1080"})
ASPECT_RATIOS = frozenset({"16:9", "9:16", "1:1", "4:5", "4:3"})
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")

ErrorStyle = Literal["details", "message"]


@dataclass
class Render:
    """One queued render (accessors return copies)."""

    id: str
    stage: str
    edit: dict[str, Any]
    submitted_at: float  # on the fake's clock
    created: str
    fail_error: str | None = None
    stages: tuple[str, ...] = ("queued", "fetching", "rendering", "saving")
    polls: int = 0


@dataclass(frozen=True)
class _Plan:
    kind: Literal["fail", "stall"]
    status: int = 500
    retry_after: str | None = None
    seconds: float = 0.0


@dataclass(frozen=True)
class _Issue:
    message: str
    path: list[str | int]
    type: str
    context: dict[str, Any] = field(default_factory=dict)


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class FakeShotstack(FakeServer):
    """Fake Shotstack Edit API; `base_url` is what `SHOTSTACK_BASE_URL` would hold.

    Authorised requests consume one scripted plan (`fail`, `stall`) from a FIFO queue; with none
    queued they are answered as Shotstack would. A wrong key consumes nothing.
    """

    def __init__(
        self,
        api_key: str = "ss-test",
        *,
        stage: str = "stage",
        stage_seconds: float = 1.0,
        preprocessing: bool = False,
        error_style: ErrorStyle = "details",
        requests_per_second: float | None = None,
        owner: str = "fakeowner1",
    ) -> None:
        super().__init__()
        if stage not in STAGES:
            raise ValueError(f"stage must be one of {STAGES}")
        self.api_key = api_key
        self.stage = stage
        self.stage_seconds = stage_seconds
        self.preprocessing = preprocessing
        self.error_style: ErrorStyle = error_style
        self.requests_per_second = requests_per_second
        self.owner = owner
        self._offset = 0.0
        self._renders: dict[str, Render] = {}
        self._plans: collections.deque[_Plan] = collections.deque()
        self._failures: collections.deque[str] = collections.deque()
        self._recent: collections.deque[float] = collections.deque()

    # -- scripting ----------------------------------------------------------------------------

    def fail_next_render(self, error: str = "Render failed: an asset could not be fetched.") -> None:
        """The next render submitted ends `failed` with `error` instead of `done`."""
        with self._lock:
            self._failures.append(error)

    def fail(self, status: int = 500, *, times: int = 1, retry_after: str | None = None) -> None:
        """Answer the next `times` authorised requests with `status` (429: Too Many Requests)."""
        for _ in range(times):
            self._push(_Plan("fail", status=status, retry_after=retry_after))

    def stall(self, seconds: float) -> None:
        """Say nothing for `seconds` (bounded), then answer normally."""
        self._push(_Plan("stall", seconds=min(seconds, MAX_STALL_SECONDS)))

    def advance(self, seconds: float) -> None:
        """Move the fake's clock forward: renders progress as if `seconds` had passed."""
        with self._lock:
            self._offset += seconds

    def _push(self, plan: _Plan) -> None:
        with self._lock:
            self._plans.append(plan)

    def _next_plan(self) -> _Plan | None:
        with self._lock:
            return self._plans.popleft() if self._plans else None

    def _now(self) -> float:
        return time.monotonic() + self._offset

    # -- inspection -------------------------------------------------------------------------------

    @property
    def renders(self) -> list[Render]:
        with self._lock:
            return [Render(**vars(r)) for r in self._renders.values()]

    def output_url(self, render_id: str) -> str:
        return f"https://shotstack-api-{self.stage}-output.s3-ap-southeast-2.amazonaws.com/{self.owner}/{render_id}.mp4"

    def status_of(self, render_id: str) -> str:
        with self._lock:
            return self._state(self._renders[render_id])

    def _state(self, render: Render) -> str:
        elapsed = self._now() - render.submitted_at
        step = len(render.stages) if self.stage_seconds <= 0 else int(elapsed // self.stage_seconds)
        if step < len(render.stages):
            return render.stages[step]
        return "failed" if render.fail_error is not None else "done"

    # -- HTTP ---------------------------------------------------------------------------------------

    def _build_app(self) -> web.Application:
        app = web.Application()
        for prefix in ("/edit/{stage}", "/{stage}"):  # the current base and the older one without /edit
            app.router.add_post(prefix + "/render", self._submit)
            app.router.add_get(prefix + "/render/{id}", self._status)
            app.router.add_get(prefix + "/templates", self._templates)
        return app

    async def _templates(self, request: web.Request) -> web.StreamResponse:
        """"List Templates" (`paths/templates.yaml`): `TemplateListResponse` {success, message "OK",
        response: {owner, templates: [{id, name, created, updated}]}}; this fake keeps no templates."""
        _, headers = await self._record(request)
        if (refusal := await self._gate(request, headers)) is not None:
            return refusal
        return web.json_response({"success": True, "message": "OK", "response": {"owner": self.owner, "templates": []}})

    async def _gate(self, request: web.Request, headers: dict[str, str]) -> web.StreamResponse | None:
        """Auth, rate limit and scripted plans; None when the request may go ahead."""
        if request.match_info["stage"] not in STAGES:
            return web.json_response({"message": "Not Found"}, status=404)
        if headers.get("x-api-key") != self.api_key or request.match_info["stage"] != self.stage:
            return web.json_response({"message": "Forbidden"}, status=403)
        if self.requests_per_second is not None:
            now = time.monotonic()
            with self._lock:
                while self._recent and now - self._recent[0] >= 1.0:
                    self._recent.popleft()
                if len(self._recent) >= self.requests_per_second:
                    return web.json_response({"message": "Too Many Requests"}, status=429)
                self._recent.append(now)
        plan = self._next_plan()
        if plan is not None and plan.kind == "fail":
            message = "Too Many Requests" if plan.status == 429 else "Internal server error"
            resp = web.json_response({"message": message}, status=plan.status)
            if plan.retry_after is not None:
                resp.headers["Retry-After"] = plan.retry_after
            return resp
        if plan is not None and plan.kind == "stall" and not await self._sleep(plan.seconds):
            return web.Response(status=503)
        return None

    async def _submit(self, request: web.Request) -> web.StreamResponse:
        body, headers = await self._record(request)
        if (refusal := await self._gate(request, headers)) is not None:
            return refusal
        issues = validate_edit(body)
        if issues:
            return self._bad_request(issues)
        with self._lock:
            error = self._failures.popleft() if self._failures else None
            stages = ("queued", "fetching", "preprocessing", "rendering", "saving") if self.preprocessing else Render.stages
            if error is not None:  # a failed render stops after rendering
                stages = stages[: stages.index("rendering") + 1]
            render = Render(str(uuid.uuid4()), self.stage, body, self._now(), _now_iso(), error, stages)
            self._renders[render.id] = render
        queued = {"message": "Render Successfully Queued", "id": render.id}
        return web.json_response({"success": True, "message": "Created", "response": queued}, status=201)

    async def _status(self, request: web.Request) -> web.StreamResponse:
        _, headers = await self._record(request)
        if (refusal := await self._gate(request, headers)) is not None:
            return refusal
        render_id = request.match_info["id"]
        if not _UUID.match(render_id):
            return self._bad_request([_Issue('"id" must be a valid GUID', ["id"], "string.guid")])
        with self._lock:
            render = self._renders.get(render_id)
            if render is None:
                return web.json_response({"success": False, "message": "Not Found", "response": "Render not found"}, status=404)
            render.polls += 1
            state = self._state(render)
        data: dict[str, Any] = {
            "id": render.id,
            "owner": self.owner,
            "plan": "basic" if self.stage == "v1" else "sandbox",
            "status": state,
            "url": self.output_url(render.id) if state == "done" else None,
            "poster": None,
            "thumbnail": None,
            "created": render.created,
            "updated": _now_iso(),
        }
        if state == "failed":
            data["error"] = render.fail_error
        if state == "done":
            data.update(duration=_timeline_seconds(render.edit), renderTime=1234.5)
        if request.query.get("data", "true").lower() != "false":
            data["data"] = render.edit
        return web.json_response({"success": True, "message": "OK", "response": data})

    def _bad_request(self, issues: list[_Issue]) -> web.Response:
        if self.error_style == "message":
            response: Any = issues[0].message
        else:
            details = [{"message": i.message, "path": i.path, "type": i.type, "context": i.context} for i in issues]
            response = {"error": {"name": "ValidationError", "details": details}}
        return web.json_response({"success": False, "message": "Bad Request", "response": response}, status=400)


def _timeline_seconds(edit: dict[str, Any]) -> float:
    ends = [
        clip["start"] + clip["length"]
        for track in edit["timeline"]["tracks"]
        for clip in track["clips"]
        if isinstance(clip.get("start"), int | float) and isinstance(clip.get("length"), int | float)
    ]
    return float(max(ends, default=0.0))


def _required(path: list[str | int]) -> _Issue:
    key = str(path[-1])
    return _Issue(f'"{key}" is required', path, "any.required", {"label": key, "key": key})


def _seconds(value: Any) -> float | None:
    """A number of seconds, or None for anything else (booleans included)."""
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def validate_edit(body: Any) -> list[_Issue]:
    """What is wrong with an Edit, as Shotstack's schema has it (the first problems found)."""
    if not isinstance(body, dict):
        return [_Issue('"value" must be of type object', [], "object.base")]
    issues: list[_Issue] = []
    for key in body:
        if key not in EDIT_KEYS:
            issues.append(_Issue(f'"{key}" is not allowed', [key], "object.unknown", {"key": key}))
    timeline, output = body.get("timeline"), body.get("output")
    if timeline is None:
        issues.append(_required(["timeline"]))
    elif not isinstance(timeline, dict) or not isinstance(timeline.get("tracks"), list):
        issues.append(_required(["timeline", "tracks"]))
    else:
        for t, track in enumerate(timeline["tracks"]):
            clips = track.get("clips") if isinstance(track, dict) else None
            if not isinstance(clips, list):
                issues.append(_required(["timeline", "tracks", t, "clips"]))
                continue
            for c, clip in enumerate(clips):
                issues.extend(_clip_issues(clip, ["timeline", "tracks", t, "clips", c]))
    if output is None:
        issues.append(_required(["output"]))
    elif not isinstance(output, dict) or "format" not in output:
        issues.append(_required(["output", "format"]))
    else:
        for key, allowed in (("format", FORMATS), ("resolution", RESOLUTIONS), ("aspectRatio", ASPECT_RATIOS)):
            if key in output and output[key] not in allowed:
                issues.append(_Issue(f'"{key}" must be one of [{", ".join(sorted(allowed))}]', ["output", key], "any.only"))
    return issues


def _clip_issues(clip: Any, path: list[str | int]) -> list[_Issue]:
    if not isinstance(clip, dict):
        return [_Issue('"value" must be of type object', path, "object.base")]
    issues = [_required([*path, key]) for key in ("asset", "start", "length") if key not in clip]
    start, length, asset = clip.get("start"), clip.get("length"), clip.get("asset")
    start_s, length_s = _seconds(start), _seconds(length)
    if "start" in clip and not ((start_s is not None and start_s >= 0) or start == "auto"):
        issues.append(_Issue('"start" must be a number of seconds >= 0 or "auto"', [*path, "start"], "alternatives.match"))
    if "length" in clip and not ((length_s is not None and length_s > 0) or length in ("auto", "end")):
        issues.append(_Issue('"length" must be a number of seconds > 0, "auto" or "end"', [*path, "length"], "alternatives.match"))
    if isinstance(asset, dict):
        kind = asset.get("type")
        if kind not in ASSET_TYPES:
            issues.append(_Issue('"type" must be a known asset type', [*path, "asset", "type"], "any.only"))
        elif (needed := REQUIRED_FIELD.get(kind)) is not None and not isinstance(asset.get(needed), str):
            issues.append(_required([*path, "asset", needed]))
    elif "asset" in clip:
        issues.append(_Issue('"asset" must be of type object', [*path, "asset"], "object.base"))
    return issues

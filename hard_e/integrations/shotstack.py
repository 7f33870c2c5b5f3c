"""Script videos through Shotstack's Edit API: a title card and the script as captions, rendered
in the background, then polled until done or failed.

Sources: the API reference https://shotstack.io/docs/api/ (its OpenAPI is
github.com/shotstack/oas-api-definition: `paths/render.yaml`, `paths/renderid.yaml`,
`schemas/edit.yaml`, `timeline.yaml`, `track.yaml`, `clip.yaml`, `textasset.yaml`, `output.yaml`,
`responses/renderresponsedata.yaml`); "Request API Keys"
https://shotstack.io/docs/guide/getting-started/request-api-keys; "Render your first video"
https://shotstack.io/learn/render-your-first-video-shotstack-api. What this client relies on:

- Base `https://api.shotstack.io/edit/{version}`: `v1` is production, `stage` the watermarked
  sandbox; each has its own key, sent as the `x-api-key` header (a key used on the other stage
  gets 403 "Forbidden", community.shotstack.io/t/403-api-error-message-forbidden/38).
- `POST /render` with an Edit: `timeline` (`background` colour, `tracks[]` of `clips[]`, each
  clip `asset`, `start`, `length` in seconds) and `output` (`format` mp4, `resolution` sd =
  1024x576 @ 25fps). Answer 201 `{"success", "message": "Created", "response": {"message",
  "id"}}`.
- `GET /render/{id}` (`data=false` leaves out the echoed Edit): `{"success", "message",
  "response": {"id", "status", "url", "error", ...}}`; status is queued, fetching,
  preprocessing, rendering, saving, done or failed; `url` only when done (a temporary URL, 24h).
- Rate limits are per plan (1 request/second on free, 10 on paid, render and polling together;
  community.shotstack.io/t/too-many-requests-exception/573); over them, 429.

Decisions where the docs are silent or leave room:

- Captions use the `text` asset (TitleAsset is deprecated in favour of it; TextAsset is marked
  deprecated for `rich-text` but "continues to function"), one clip per sentence or two, shown
  for a reading-speed length, on one track above the colour background.
- `submit` retries only 429 (refused before anything was queued): a 5xx after a POST may still
  have queued a billable render. `status` retries 429 and 5xx. `Retry-After` is honoured when
  sent (capped), else exponential backoff; connection failures are not retried.
- A base URL that already ends in `/edit/<version>` is used as is; otherwise `/edit/{stage}` is added.

Failures raise `MediaUnavailable`; logs name the status and attempt, never the script or the key.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import re
from typing import Any
from urllib.parse import quote

import aiohttp

from hard_e.errors import MediaUnavailable
from hard_e.integrations.failures import failure_reason, retry_delay
from hard_e.media import RENDER_STATES, RenderStatus, speech_chunks

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.shotstack.io"
STAGES = ("v1", "stage")
DEFAULT_TIMEOUT = 20.0
MAX_RETRIES = 2
MAX_RETRY_AFTER = 4.0

BACKGROUND = "#12263A"
FONT = "Open Sans"
TITLE_SECONDS = 3.0
CAPTION_CHARS = 140  # about two lines at 36px across an SD frame
WORDS_PER_SECOND = 2.5  # a comfortable reading pace
MIN_CAPTION_SECONDS = 2.5
MAX_CAPTION_SECONDS = 10.0

_EDIT_ROOT = re.compile(r"/edit/[^/]+$")


def edit_root(base_url: str | None, stage: str) -> str:
    """`{base}/edit/{stage}`, unless the base already names its Edit API version."""
    base = (base_url or DEFAULT_BASE_URL).rstrip("/")
    return base if _EDIT_ROOT.search(base) else f"{base}/edit/{stage}"


def caption_seconds(text: str) -> float:
    """How long a caption stays up: long enough to read, within bounds, in tenths of a second."""
    seconds = len(text.split()) / WORDS_PER_SECOND
    return math.ceil(min(max(seconds, MIN_CAPTION_SECONDS), MAX_CAPTION_SECONDS) * 10) / 10


def build_edit(script: str, *, title: str, resolution: str = "sd") -> dict[str, Any]:
    """The Edit for a script video: a title card, then the script as timed captions."""
    clips: list[dict[str, Any]] = [_text_clip(title.strip() or "Script", start=0.0, length=TITLE_SECONDS, size=56, weight=700)]
    start = TITLE_SECONDS
    for caption in speech_chunks(script, CAPTION_CHARS):
        length = caption_seconds(caption)
        clips.append(_text_clip(caption, start=start, length=length, size=36, weight=400, boxed=True))
        start = round(start + length, 1)
    return {
        "timeline": {"background": BACKGROUND, "tracks": [{"clips": clips}]},
        "output": {"format": "mp4", "resolution": resolution},
    }


def _text_clip(text: str, *, start: float, length: float, size: int, weight: int, boxed: bool = False) -> dict[str, Any]:
    asset: dict[str, Any] = {
        "type": "text",
        "text": text,
        "width": 900,
        "height": 400,
        "font": {"family": FONT, "color": "#ffffff", "size": size, "weight": weight},
        "alignment": {"horizontal": "center", "vertical": "center"},
    }
    if boxed:
        asset["background"] = {"color": "#000000", "opacity": 0.5, "padding": 16, "borderRadius": 8}
    return {"asset": asset, "start": start, "length": length}


class ShotstackRenderer:
    """Renders script videos on Shotstack and reports on them."""

    def __init__(
        self,
        api_key: str,
        base_url: str | None = None,
        *,
        stage: str = "v1",
        timeout: float = DEFAULT_TIMEOUT,
        max_retries: int = MAX_RETRIES,
        backoff: float = 0.5,
        resolution: str = "sd",
    ) -> None:
        if stage not in STAGES:
            raise ValueError(f"stage must be one of {', '.join(STAGES)}")
        self._api_key = api_key
        self.root = edit_root(base_url, stage)
        self.resolution = resolution
        self._timeout = timeout
        self._max_retries = max(0, min(max_retries, MAX_RETRIES))
        self._backoff = backoff

    def __repr__(self) -> str:
        return f"ShotstackRenderer(root={self.root!r})"

    async def submit(self, script: str, *, title: str) -> str:
        """Queue a render of `script` under `title`; returns the render id."""
        edit = build_edit(script, title=title, resolution=self.resolution)
        payload = await self._call("POST", f"{self.root}/render", json_body=edit)
        data = payload.get("response") if isinstance(payload, dict) else None
        render_id = data.get("id") if isinstance(data, dict) else None
        if not isinstance(render_id, str) or not render_id:
            log.warning("shotstack render answer has no id")
            raise MediaUnavailable("bad_response")
        return render_id

    async def status(self, render_id: str) -> RenderStatus:
        """Where the render stands now."""
        url = f"{self.root}/render/{quote(render_id, safe='')}"
        payload = await self._call("GET", url, params={"data": "false"})
        data = payload.get("response") if isinstance(payload, dict) else None
        state = data.get("status") if isinstance(data, dict) else None
        if not isinstance(data, dict) or state not in RENDER_STATES:
            log.warning("shotstack status answer has no known status")
            raise MediaUnavailable("bad_response")
        link = data.get("url")
        error = data.get("error")
        return RenderStatus(
            status=state,
            url=link if state == "done" and isinstance(link, str) and link else None,
            error=(error if isinstance(error, str) and error else "render failed") if state == "failed" else None,
        )

    async def _call(self, method: str, url: str, *, json_body: Any = None, params: dict[str, str] | None = None) -> Any:
        headers = {"x-api-key": self._api_key, "Accept": "application/json"}
        timeout = aiohttp.ClientTimeout(total=self._timeout)
        attempt = 0
        try:
            async with aiohttp.ClientSession(timeout=timeout) as session:
                while True:
                    async with session.request(method, url, json=json_body, params=params, headers=headers) as resp:
                        status, retry_after = resp.status, resp.headers.get("Retry-After")
                        raw = await resp.read()
                    if 200 <= status < 300:
                        break
                    retryable = status == 429 or (status >= 500 and method == "GET")
                    if not retryable or attempt >= self._max_retries:
                        log.warning("shotstack %s failed: status=%s attempts=%s", method, status, attempt + 1)
                        raise MediaUnavailable(failure_reason(status))
                    attempt += 1
                    log.info("shotstack %s status=%s, retrying (%s of %s)", method, status, attempt, self._max_retries)
                    await asyncio.sleep(retry_delay(retry_after, self._backoff * 2 ** (attempt - 1), cap=MAX_RETRY_AFTER))
        except TimeoutError:
            log.warning("shotstack %s timed out after %ss", method, self._timeout)
            raise MediaUnavailable("timeout") from None
        except aiohttp.ClientError as exc:
            log.warning("shotstack %s connection failed: %s", method, type(exc).__name__)
            raise MediaUnavailable("unreachable") from None
        try:
            return json.loads(raw)
        except ValueError:
            log.warning("shotstack sent a body that is not JSON (%s bytes)", len(raw))
            raise MediaUnavailable("bad_response") from None

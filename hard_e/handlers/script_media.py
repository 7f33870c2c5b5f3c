"""Listen and Render video under a saved script version (the buttons of `blocks.build_script_actions`):
the version read aloud as an MP3 in its thread, or, for a primer video script, rendered as a video
whose link follows in the thread once it is ready. Only the rep the script belongs to may click."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import aiohttp
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.web.async_client import AsyncWebClient

from hard_e.agents.ports import VideoRenderer, Voice
from hard_e.agents.state import ScriptDraftState, WorkflowState
from hard_e.agents.turn import DM_THREAD
from hard_e.errors import MediaUnavailable
from hard_e.handlers.blocks import SCRIPT_LISTEN, SCRIPT_RENDER, read_script_action_value
from hard_e.store.errors import STORE_ERRORS

if TYPE_CHECKING:
    from hard_e.bot.services import Services

log = logging.getLogger(__name__)

POLL_EVERY = 5.0  # seconds between status checks of a render
RENDER_LIMIT = 600.0  # how long a render is waited for
POLL_FAILURES = 3  # status checks in a row that may fail before the wait is given up
GOODBYE_WAIT = 3.0  # of the 5 s shutdown gives a cancelled watch, to tell the rep

NO_VOICE = "Voice isn't set up here: an admin sets ELEVENLABS_API_KEY, or OpenAI TTS is used when OPENAI_API_KEY is set."
NO_RENDERER = "The video service isn't configured (SHOTSTACK_API_KEY)."
NOT_PRIMER = "Render video is for primer video scripts only."
NOT_YOURS = "Only the rep this script was written for can use its buttons."
GONE = "I can't find that version of the script any more."
STORE_DOWN = "My database isn't answering right now. Please click again in a minute."
RECORDING = "I'm already recording version {rev}; it will show up in the thread shortly."
RENDERING = "Version {rev} is already rendering; I'll post the link in the thread when it's ready."

# What went wrong, as the end of a sentence that names the service ("MediaUnavailable.reason").
TROUBLE = {
    "unauthorized": "{service} turned down my key, so an admin needs to check it.",
    "rate_limited": "{service} is busy right now; please try again in a minute.",
    "timeout": "{service} took too long to answer; please try again in a minute.",
    "unreachable": "I couldn't reach {service} just now; please try again in a minute.",
    "server_error": "{service} had a problem on its side; please try again in a minute.",
    "rejected": "{service} wouldn't take this version of the script.",
    "bad_response": "{service} sent back something I couldn't use; please try again in a minute.",
}
VIDEO_SERVICE = "the video service"

Job = tuple[str, int]  # (conversation key, revision)


def trouble(service: str, reason: str) -> str:
    return TROUBLE.get(reason, "{service} isn't working just now; please try again in a minute.").format(service=service)


@dataclass(frozen=True)
class ScriptClick:
    """A click on Listen or Render video: who clicked, the thread to answer in, which version."""

    user: str
    channel: str
    thread_ts: str | None  # None: the top level of a DM
    key: str
    revision: int

    @property
    def job(self) -> Job:
        return self.key, self.revision


def read_click(body: dict[str, Any], action: dict[str, Any]) -> ScriptClick | None:
    """The click from a block_actions payload, or None when it lacks its user, channel or version."""
    user = (body.get("user") or {}).get("id")
    channel = (body.get("container") or {}).get("channel_id") or (body.get("channel") or {}).get("id")
    found = read_script_action_value(action.get("value"))
    if not (isinstance(user, str) and user and isinstance(channel, str) and channel and found):
        return None
    key, revision = found
    return ScriptClick(user, channel, thread_of(body, key), key, revision)


def thread_of(body: dict[str, Any], key: str) -> str | None:
    """The thread the button's message is in, else the conversation's own (none for a top-level DM)."""
    for ts in ((body.get("message") or {}).get("thread_ts"), (body.get("container") or {}).get("thread_ts")):
        if isinstance(ts, str) and ts:
            return ts
    parts = key.split(":", 2)  # team:channel:thread_ts
    return parts[2] if len(parts) == 3 and parts[2] and parts[2] != DM_THREAD else None


def register(app: AsyncApp, services: Services, *, poll_every: float | None = None, render_limit: float | None = None) -> None:
    media = ScriptMedia(
        services,
        poll_every=POLL_EVERY if poll_every is None else poll_every,
        render_limit=RENDER_LIMIT if render_limit is None else render_limit,
    )

    async def handle_script_listen(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        if (click := read_click(body, action)) is None:
            log.warning("skipped a Listen click: the payload lacks its user, channel or script version")
            return
        if (current := asyncio.current_task()) is not None:
            services.track(current)
        await media.listen(click, client)

    async def handle_script_render(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        if (click := read_click(body, action)) is None:
            log.warning("skipped a Render video click: the payload lacks its user, channel or script version")
            return
        if (current := asyncio.current_task()) is not None:
            services.track(current)
        await media.render(click, client)

    app.action(SCRIPT_LISTEN)(handle_script_listen)
    app.action(SCRIPT_RENDER)(handle_script_render)


@dataclass
class ScriptMedia:
    """Listen and Render video for one running app. A version being recorded or rendered is remembered
    (in this process) so a second click says so rather than paying for the same work twice."""

    services: Services
    poll_every: float = POLL_EVERY
    render_limit: float = RENDER_LIMIT
    _recording: set[Job] = field(default_factory=set)
    _rendering: set[Job] = field(default_factory=set)

    async def listen(self, click: ScriptClick, client: AsyncWebClient) -> None:
        """The version read aloud by the configured voice, posted as an MP3 in the script's thread."""
        if (found := await self._version(click, client)) is None:
            return
        voice = self.services.voice
        if voice is None:
            await _tell(client, click, NO_VOICE)
            return
        # Checked and marked with no await between, so of two quick clicks exactly one records.
        if click.job in self._recording:
            await _tell(client, click, RECORDING.format(rev=click.revision))
            return
        self._recording.add(click.job)
        try:
            await self._record(voice, *found, click, client)
        finally:
            self._recording.discard(click.job)

    async def _record(self, voice: Voice, script: ScriptDraftState, text: str, click: ScriptClick, client: AsyncWebClient) -> None:
        rev = click.revision
        status_ts = await _post(client, click, f"Recording version {rev}…")
        try:
            audio = await voice.synthesize(text)
        except MediaUnavailable as exc:
            log.warning("could not record a script version: %s said %s", voice.name, exc.reason)
            await _replace(client, click, status_ts, f"I couldn't record version {rev}: {trouble(voice.name, exc.reason)}")
            return
        title = f"Script v{rev} — {script.customer}" if script.customer else f"Script v{rev}"
        try:
            await client.files_upload_v2(
                channel=click.channel, thread_ts=click.thread_ts, content=audio, filename=f"script-v{rev}.mp3", title=title
            )
        except (SlackApiError, SlackRequestError, aiohttp.ClientError, TimeoutError) as exc:
            reason = exc.response.get("error") if isinstance(exc, SlackApiError) else type(exc).__name__
            log.warning("could not upload a script recording: %s", reason)
            failed = f"I recorded version {rev} but Slack wouldn't take the file; please click Listen again."
            await _replace(client, click, status_ts, failed)
            return
        await _replace(client, click, status_ts, f"Version {rev}, read by {voice.name}:", post_if_gone=False)

    async def render(self, click: ScriptClick, client: AsyncWebClient) -> None:
        """A primer script's version rendered as a video; its link follows in the thread when ready."""
        if (found := await self._version(click, client)) is None:
            return
        script, text = found
        if script.kind != "primer_video":
            await _tell(client, click, NOT_PRIMER)
            return
        renderer = self.services.renderer
        if renderer is None:
            await _tell(client, click, NO_RENDERER)
            return
        # Checked and marked with no await between, so of two quick clicks exactly one renders.
        if click.job in self._rendering:
            await _tell(client, click, RENDERING.format(rev=click.revision))
            return
        self._rendering.add(click.job)
        watching = False
        try:
            watching = await self._start_render(renderer, script, text, click, client)
        finally:
            if not watching:
                self._rendering.discard(click.job)

    async def _start_render(
        self, renderer: VideoRenderer, script: ScriptDraftState, text: str, click: ScriptClick, client: AsyncWebClient
    ) -> bool:
        """Submit the render and start watching it in the background; False when nothing is being watched."""
        rev = click.revision
        try:
            render_id = await renderer.submit(text, title=f"For {script.customer}" if script.customer else "A quick primer")
        except MediaUnavailable as exc:
            log.warning("could not start a script video: %s", exc.reason)
            await _post(client, click, f"I couldn't start the video for version {rev}: {trouble(VIDEO_SERVICE, exc.reason)}")
            return False
        # Watched (and tracked, so shutdown waits for it) before the rep is told it's rendering; the
        # watch itself starts once they have been told, so its outcome always comes second.
        told = asyncio.Event()
        self.services.track(asyncio.create_task(self._watch(renderer, render_id, click, client, told)))
        try:
            await _post(client, click, f"Rendering the video for version {rev}…")
        finally:
            told.set()
        return True

    async def _watch(
        self, renderer: VideoRenderer, render_id: str, click: ScriptClick, client: AsyncWebClient, told: asyncio.Event
    ) -> None:
        try:
            await told.wait()
            await _post(client, click, await self._outcome(renderer, render_id, click.revision))
        except asyncio.CancelledError:  # shutting down: say so, briefly, rather than go quiet
            goodbye = f"I had to stop waiting for the video for version {click.revision}; please click Render video again."
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(_post(client, click, goodbye), GOODBYE_WAIT)
            raise
        finally:
            self._rendering.discard(click.job)

    async def _outcome(self, renderer: VideoRenderer, render_id: str, rev: int) -> str:
        """Poll the render every `poll_every` seconds, for at most `render_limit`; what the rep reads."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.render_limit
        failures = 0
        while (left := deadline - loop.time()) > 0:
            await asyncio.sleep(min(self.poll_every, left))
            try:
                status = await renderer.status(render_id)
            except MediaUnavailable as exc:
                failures += 1
                log.warning("a script video's status check failed (%s in a row): %s", failures, exc.reason)
                if failures >= POLL_FAILURES or exc.reason == "unauthorized":
                    return f"I lost track of the video for version {rev}: {trouble(VIDEO_SERVICE, exc.reason)}"
                continue
            failures = 0
            if status.status == "done" and status.url:
                link = _link(status.url, "watch it")
                return f":clapper: The video for version {rev} is ready: {link} (the link is temporary, so save a copy)."
            if status.finished:
                kind = error_kind(status.error)
                log.warning("a script video failed to render: %s", kind)
                return f"The video for version {rev} didn't render ({kind}); please click Render video to try again."
        log.warning("gave up waiting for a script video after %ss", self.render_limit)
        return (
            f"The video for version {rev} still wasn't ready after {_duration(self.render_limit)}, so I stopped waiting; "
            "please click Render video to try again."
        )

    async def _version(self, click: ScriptClick, client: AsyncWebClient) -> tuple[ScriptDraftState, str] | None:
        """The script and the clicked version's text, when the clicker may have them; else the clicker
        is told why not (privately) and None is returned."""
        try:
            conversation = await self.services.store.get(click.key)
        except STORE_ERRORS as exc:
            log.warning("could not load a script for a button: %s", type(exc).__name__)
            await _tell(client, click, STORE_DOWN)
            return None
        if conversation is None:
            await _tell(client, click, GONE)
            return None
        owner = conversation.user_id
        if owner is None and conversation.channel_type == "im":
            owner = await _dm_owner(client, conversation.channel_id)
        if owner != click.user:
            await _tell(client, click, NOT_YOURS)
            return None
        script = WorkflowState.from_json(conversation.workflow_state).script
        text = script.version(click.revision)
        if not text or not text.strip():
            await _tell(client, click, GONE)
            return None
        return script, text


def error_kind(error: str | None) -> str:
    """A short kind for a failed render, from Shotstack's error: its lead-in ("Render failed: …" gives
    "render failed"), letters and spaces only, so nothing of a long message or a URL reaches the rep."""
    lead = (error or "").split(":", 1)[0].split(".", 1)[0]
    words = "".join(ch if ch.isalnum() or ch in " -" else " " for ch in lead).split()
    kind = " ".join(words)[:60].strip().lower()
    return kind or "render failed"


def _link(url: str, text: str) -> str:
    if url.startswith(("https://", "http://")) and not any(ch in url for ch in "<>| "):
        return f"<{url}|{text}>"
    return url


def _duration(seconds: float) -> str:
    if seconds >= 60:
        minutes = round(seconds / 60)
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"{seconds:g} seconds"


async def _dm_owner(client: AsyncWebClient, channel: str) -> str | None:
    """The person on the other side of Hard-E's DM `channel`, or None when Slack won't say."""
    try:
        info = await client.conversations_info(channel=channel)
    except SlackApiError as exc:
        log.warning("could not tell whose DM a script is in: %s", exc.response.get("error"))
        return None
    user = (info.get("channel") or {}).get("user")
    return user if isinstance(user, str) and user else None


async def _tell(client: AsyncWebClient, click: ScriptClick, text: str) -> None:
    """Only the clicker sees it."""
    try:
        await client.chat_postEphemeral(channel=click.channel, user=click.user, thread_ts=click.thread_ts, text=text)
    except SlackApiError as exc:
        log.warning("could not answer a script button privately: %s", exc.response.get("error"))


async def _post(client: AsyncWebClient, click: ScriptClick, text: str) -> str | None:
    """A line in the script's thread; its ts, or None when Slack refused it."""
    try:
        response = await client.chat_postMessage(channel=click.channel, thread_ts=click.thread_ts, text=text)
    except SlackApiError as exc:
        log.warning("could not post in a script's thread: %s", exc.response.get("error"))
        return None
    ts = response.get("ts")
    return ts if isinstance(ts, str) else None


async def _replace(client: AsyncWebClient, click: ScriptClick, ts: str | None, text: str, *, post_if_gone: bool = True) -> None:
    """Turn the status line into `text` (so no "Recording…" is left hanging); a new line if it can't be."""
    if ts is not None:
        try:
            await client.chat_update(channel=click.channel, ts=ts, text=text)
            return
        except SlackApiError as exc:
            log.warning("could not update a script status line: %s", exc.response.get("error"))
    if post_if_gone:
        await _post(client, click, text)

"""Voice memos: a message carrying an audio file is transcribed — the status shows it — and the
transcript is quoted in the thread and then answered exactly as if the rep had typed it (routing,
workflows, the CRM's privacy rules). Files come only from Slack's own hosts (bot/slack_files.py).
Transcripts are kept by Slack file id (and content), so a retried event or a second process never
transcribes the same memo twice."""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from hard_e.agents.turn import Turn
from hard_e.agents.voice import content_hash, transcribe_memo
from hard_e.errors import MediaUnavailable, StoreUnavailable
from hard_e.handlers.answering import answer_where_allowed, first_delivery
from hard_e.handlers.photos import describe_files
from hard_e.handlers.slack_files import FileRefused, SlackFileError, download_slack_file, is_audio, is_image, resolve_file
from hard_e.handlers.status_line import post, show
from hard_e.integrations.audio import AudioUnreadable
from hard_e.store.errors import STORE_ERRORS

if TYPE_CHECKING:
    from hard_e.bot.services import Services

log = logging.getLogger(__name__)

TRY_AGAIN = "voice_try_again"
TRANSCRIBING = ":studio_microphone: _Transcribing your voice memo…_"
UNREADABLE = "I couldn't read this audio. Try recording it again, or type the message."
NOT_AUDIO = "I can take voice memos (m4a, mp3, wav, ogg, webm, flac) and job-site photos (jpeg, png, webp, heic)."
NO_TRANSCRIBER = "I can't transcribe voice memos here: no language model is connected. Please type the message instead."
QUOTE_LIMIT = 1500  # characters of transcript quoted in the thread; the whole text goes along as a file
TRANSCRIBE_TROUBLE = {
    "timeout": "Transcribing took too long, so I stopped.",
    "rate_limited": "The transcription service is busy right now.",
    "unauthorized": "The transcription service turned down my credentials (an admin needs to check OPENAI_API_KEY).",
    "too_large": "That recording is larger than I can take.",
}


def register(app: AsyncApp, services: Services) -> None:
    async def handle_try_again(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        await try_again(body, action, client, services)

    app.action(TRY_AGAIN)(handle_try_again)


async def answer_with_files(
    turn: Turn, typed: str, files: list[dict[str, Any]], client: AsyncWebClient, services: Services, *, kind: str, started: float
) -> None:
    """A message with files: voice memos are transcribed and answered as typed text (with whatever was
    typed beside them); other files get one line saying what Hard-E can take, and typed text its answer."""
    if not await first_delivery(turn, client, services, kind=kind):
        return
    known = []
    for file in files:
        if isinstance(file, dict):
            try:
                known.append(await resolve_file(client, file))  # some events carry only the file's id
            except SlackFileError as exc:
                log.warning("a shared file could not be looked up: %s", exc.reason)
    memos = [f for f in known if is_audio(f)]
    photos = [f for f in known if is_image(f)]
    if photos and not memos:
        seen = await describe_files(turn, photos, client, services)
        if typed and seen:
            context = "\n\n".join(f"(A photo they sent, as described: {d})" for d in seen)
            await answer_where_allowed(dataclasses.replace(turn, text=f"{typed}\n\n{context}"), client, services, started=started)
        return
    if not memos:
        where = {"channel": turn.channel_id, "thread_ts": turn.reply_thread_ts or turn.message_ts}
        await post(client, NOT_AUDIO, where)
        if typed:
            await answer_where_allowed(dataclasses.replace(turn, text=typed), client, services, started=started)
        return
    transcripts = [t for f in memos if (t := await transcribe_file(turn, f, client, services))]
    if transcripts:
        await answer_where_allowed(with_transcript(turn, typed, "\n\n".join(transcripts)), client, services, started=started)


def try_again_button(retry: dict[str, Any]) -> dict[str, Any]:
    button = {"type": "button", "action_id": TRY_AGAIN, "text": {"type": "plain_text", "text": "Try again"}, "value": json.dumps(retry)}
    return {"type": "actions", "elements": [button]}


def quote(transcript: str) -> str:
    """The transcript as the thread shows it: a quote, shortened when long (the full text is attached)."""
    text = transcript.strip()
    shown = text if len(text) <= QUOTE_LIMIT else text[:QUOTE_LIMIT].rsplit(" ", 1)[0] + " …"
    return ":studio_microphone: _Voice memo:_\n" + "\n".join(f"> {line}" for line in shown.splitlines() or [shown])


async def transcribe_file(
    turn: Turn, file: dict[str, Any], client: AsyncWebClient, services: Services, *, status: str | None = None, attempt: int = 0
) -> str | None:
    """The memo's transcript (cached by file id), shown in the thread — on the status line `status` when
    given (Try again reuses its message), else on a new one; None when the rep was told why not."""
    where = {"channel": turn.channel_id, "thread_ts": turn.reply_thread_ts or turn.message_ts}
    if status is None:
        status = await post(client, TRANSCRIBING, where)
    else:
        await show(client, where, status, TRANSCRIBING)  # the button goes at once: a second click finds none
    file_key = f"{turn.team_id}:{file.get('id')}"
    cache = services.audio_transcripts
    try:
        transcript = await cache.get(file_key) if cache is not None and file.get("id") else None
    except StoreUnavailable:
        transcript = None
    if transcript is None:
        if services.transcriber is None or cache is None:
            await show(client, where, status, NO_TRANSCRIBER)
            return None
        try:
            resolved = await resolve_file(client, file)
            audio = await download_slack_file(
                resolved,
                token=services.settings.slack_bot_token.get() if services.settings.slack_bot_token else "",
                api_url=services.settings.slack_api_url,
                max_bytes=services.settings.audio_max_mb * 1024 * 1024,
            )
            digest = content_hash(audio)
            transcript = await cache.find_by_hash(digest)
            if transcript is None:
                transcript = await transcribe_memo(
                    audio,
                    filename=str(resolved.get("name") or "memo.m4a"),
                    transcriber=services.transcriber,
                    max_chunk_seconds=services.settings.audio_chunk_minutes * 60,
                )
            await cache.put(file_key, digest, transcript)
        except FileRefused as exc:
            log.warning("voice memo refused: %s", exc.reason)
            text = (
                "That recording is larger than I can take."
                if exc.reason == "too_large"
                else NOT_AUDIO
                if exc.reason == "wrong_type"
                else UNREADABLE
            )
            await show(client, where, status, text)
            return None
        except AudioUnreadable:
            await show(client, where, status, UNREADABLE)
            return None
        except (MediaUnavailable, SlackFileError, StoreUnavailable) as exc:
            reason = getattr(exc, "reason", type(exc).__name__)
            log.warning("voice memo not transcribed: %s", reason)
            trouble = TRANSCRIBE_TROUBLE.get(str(reason), "I couldn't transcribe that voice memo just now.")
            await show(client, where, status, trouble, extra=[try_again_button({"file": file.get("id"), "attempt": attempt + 1})])
            return None
    if not transcript.strip():
        await show(client, where, status, "I couldn't hear any words in that recording.")
        return None
    await show(client, where, status, quote(transcript))
    if len(transcript) > QUOTE_LIMIT:
        try:
            thread = where["thread_ts"]
            title = "Voice memo (full text)"
            await client.files_upload_v2(
                content=transcript, filename="voice-memo.txt", title=title, channel=turn.channel_id, thread_ts=thread
            )
        except SlackApiError as exc:
            log.warning("could not attach the full transcript: %s", exc.response.get("error"))
    return transcript


def with_transcript(turn: Turn, typed: str, transcript: str) -> Turn:
    """The turn the rep would have typed: their words, then what they said."""
    text = f"{typed}\n\n{transcript}".strip() if typed else transcript
    return dataclasses.replace(turn, text=text)


async def try_again(body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient, services: Services) -> None:
    """Try again: transcribe the same file on the same status line and answer it where it may be answered
    (a CRM question asked in a channel still goes to the DM)."""
    try:
        value = json.loads(str(action.get("value") or "{}"))
    except ValueError:
        return
    container, user = body.get("container") or {}, (body.get("user") or {}).get("id")
    channel, team = container.get("channel_id"), (body.get("team") or {}).get("id") or ""
    message = body.get("message") or {}
    thread = message.get("thread_ts") or container.get("message_ts")
    file_id = value.get("file") if isinstance(value, dict) else None
    if not (isinstance(channel, str) and isinstance(thread, str) and isinstance(file_id, str) and isinstance(user, str)):
        return
    turn = Turn(
        team_id=team,
        channel_id=channel,
        thread_ts=thread,
        message_ts=f"retry:{file_id}",
        user_id=user,
        text="",
        channel_type="im" if str(channel).startswith("D") else "channel",
    )
    status = container.get("message_ts")
    attempt = value.get("attempt") if isinstance(value.get("attempt"), int) else 0
    try:
        # A double click (or two people clicking) sends the same button twice: one retry per attempt.
        if not await services.events.first_time(f"voice-retry:{team}:{channel}:{status}:{attempt}"):
            return
    except STORE_ERRORS as exc:
        log.warning("event ledger unavailable for a Try again: %s", type(exc).__name__)
    transcript = await transcribe_file(
        turn, {"id": file_id}, client, services, status=status if isinstance(status, str) else None, attempt=attempt
    )
    if transcript is not None:
        await answer_where_allowed(with_transcript(turn, "", transcript), client, services, started=time.monotonic())

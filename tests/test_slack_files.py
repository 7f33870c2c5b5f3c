"""Downloading files reps post in Slack: the bot token reaches Slack's file host and nothing else.

Everything runs over real HTTP against the fake Slack; a canary server stands in for any other host
and must never see a request.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from slack_sdk.web.async_client import AsyncWebClient

from hard_e.bot.config import Settings
from hard_e.handlers.slack_files import (
    MAX_REDIRECTS,
    FileRefused,
    allowed_origins,
    check_url,
    download_slack_file,
    is_audio,
    is_image,
    resolve_file,
)
from tests.fakes import FakeSlack
from tests.fakes._server import FakeServer

TOKEN = "xoxb-test"
MB = 1024 * 1024
CLIP = b"\x00\x00\x00\x20ftypM4A " + bytes(range(256)) * 40


class Canary(FakeServer):
    """Any other host: answers everything with bytes that look like audio, and records who asked."""

    def _build_app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._any)
        return app

    async def _any(self, request: web.Request) -> web.Response:
        await self._record(request)
        return web.Response(body=b"canary", content_type="audio/mp4")


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack(token=TOKEN) as fake:
        yield fake


@pytest.fixture
def canary() -> Iterator[Canary]:
    with Canary() as server:
        yield server


def voice_clip(slack: FakeSlack, content: bytes = CLIP, **kwargs: Any) -> dict[str, Any]:
    return slack.add_file(content, name="audio_message.mp4", mimetype="video/mp4", filetype="mp4", subtype="slack_audio", **kwargs)


async def download(slack: FakeSlack, file: dict[str, Any], *, max_bytes: int = 10 * MB, **kwargs: Any) -> bytes:
    return await download_slack_file(file, token=TOKEN, api_url=slack.url, max_bytes=max_bytes, timeout=10, **kwargs)


async def test_voice_clip_downloads_with_the_bot_token(slack: FakeSlack) -> None:
    clip = voice_clip(slack)
    assert await download(slack, clip) == CLIP
    (req,) = slack.downloads
    assert req.headers["authorization"] == f"Bearer {TOKEN}"
    assert req.path.endswith("/download/audio_message.mp4")  # url_private_download preferred


async def test_url_private_is_used_when_there_is_no_download_url(slack: FakeSlack) -> None:
    clip = voice_clip(slack)
    del clip["url_private_download"]
    assert await download(slack, clip) == CLIP
    assert slack.downloads[0].path.endswith("/audio_message.mp4") and "/download/" not in slack.downloads[0].path


async def test_file_on_another_host_is_refused_and_the_canary_never_hears_of_it(slack: FakeSlack, canary: Canary) -> None:
    clip = voice_clip(slack)
    clip["url_private_download"] = f"{canary.base_url}/files-pri/T1-F1/download/clip.mp4"
    with pytest.raises(FileRefused) as refused:
        await download(slack, clip)
    assert refused.value.reason == "host_not_allowed"
    assert canary.requests == [] and slack.downloads == []


async def test_redirect_off_slack_is_refused_and_the_canary_sees_no_request(slack: FakeSlack, canary: Canary) -> None:
    clip = voice_clip(slack)
    slack.redirect_download(clip["id"], f"{canary.base_url}/steal")
    with pytest.raises(FileRefused) as refused:
        await download(slack, clip)
    assert refused.value.reason == "redirect_not_allowed"
    assert len(slack.downloads) == 1 and canary.requests == []


async def test_redirect_within_slack_is_followed_with_the_token(slack: FakeSlack) -> None:
    first, second = voice_clip(slack, b"old"), voice_clip(slack)
    slack.redirect_download(first["id"], second["url_private_download"])
    assert await download(slack, first) == CLIP
    assert [r.headers["authorization"] for r in slack.downloads] == [f"Bearer {TOKEN}"] * 2


async def test_endless_redirects_stop(slack: FakeSlack) -> None:
    clip = voice_clip(slack)
    slack.redirect_download(clip["id"], clip["url_private_download"])
    with pytest.raises(FileRefused) as refused:
        await download(slack, clip)
    assert refused.value.reason == "too_many_redirects" and len(slack.downloads) == MAX_REDIRECTS + 1


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://10.0.0.1/files-pri/T1-F1/clip.m4a", "host_not_allowed"),
        ("http://[::1]:{port}/files-pri/T1-F1/clip.m4a", "host_not_allowed"),
        ("http://169.254.169.254/latest/meta-data/", "host_not_allowed"),
        ("http://127.0.0.1:{port}/files-pri/T1-F1/clip.m4a", "host_not_allowed"),  # loopback, but not the API's port
        ("http://files.slack.com/files-pri/T1-F1/clip.m4a", "host_not_allowed"),  # not https
        ("https://files.slack.com:8443/files-pri/T1-F1/clip.m4a", "host_not_allowed"),
        ("https://files.slack.com.evil.test/files-pri/T1-F1/clip.m4a", "host_not_allowed"),
        ("https://files.slack.com@evil.test/files-pri/T1-F1/clip.m4a", "bad_url"),
        ("ftp://files.slack.com/clip.m4a", "bad_url"),
        ("/files-pri/T1-F1/clip.m4a", "bad_url"),
    ],
)
async def test_urls_off_the_allow_list_are_refused_before_any_io(
    slack: FakeSlack, canary: Canary, monkeypatch: pytest.MonkeyPatch, url: str, reason: str
) -> None:
    async def no_requests(*_args: Any, **_kwargs: Any) -> None:
        raise AssertionError("a request was made")

    monkeypatch.setattr(aiohttp.ClientSession, "_request", no_requests)
    clip = voice_clip(slack)
    clip["url_private_download"] = url.format(port=canary.port)
    with pytest.raises(FileRefused) as refused:
        await download(slack, clip)
    assert refused.value.reason == reason
    assert canary.requests == [] and slack.downloads == []


def test_files_slack_com_is_allowed_over_https() -> None:
    origins = allowed_origins("https://slack.com/api/")
    assert check_url("https://files.slack.com/files-pri/T1-F1/download/clip.m4a", origins).host == "files.slack.com"
    with pytest.raises(FileRefused):
        check_url("https://slack-files.com/T1-F1-abc", origins)


async def test_declared_size_too_large_is_refused_before_download(slack: FakeSlack) -> None:
    clip = voice_clip(slack, size=200 * MB)
    with pytest.raises(FileRefused) as refused:
        await download(slack, clip, max_bytes=100 * MB)
    assert refused.value.reason == "too_large" and slack.downloads == []


@pytest.mark.parametrize("chunked", [True, False], ids=["streamed", "content-length"])
async def test_a_file_larger_than_it_claims_is_stopped(slack: FakeSlack, chunked: bool) -> None:
    clip = voice_clip(slack, bytes(300_000), size=1_000, chunked=chunked)
    with pytest.raises(FileRefused) as refused:
        await download(slack, clip, max_bytes=100_000)
    assert refused.value.reason == "too_large" and len(slack.downloads) == 1


async def test_wrong_type_is_refused_before_download(slack: FakeSlack) -> None:
    pdf = slack.add_file(b"%PDF-1.7", name="contract.pdf", mimetype="application/pdf", filetype="pdf")
    with pytest.raises(FileRefused) as refused:
        await download(slack, pdf)
    assert refused.value.reason == "wrong_type" and slack.downloads == []
    photo = slack.add_file(b"\x89PNG", name="roof.png", mimetype="image/png", filetype="png")
    assert await download(slack, photo, allowed_types=is_image) == b"\x89PNG"


async def test_slack_sign_in_page_is_not_taken_for_the_file(slack: FakeSlack) -> None:
    clip = voice_clip(slack)
    with pytest.raises(FileRefused) as refused:
        await download_slack_file(clip, token="xoxb-wrong", api_url=slack.url, max_bytes=MB)
    assert refused.value.reason == "not_authorized"
    assert slack.downloads[0].headers["authorization"] == "Bearer xoxb-wrong"


async def test_redirect_to_sign_in_is_refused_without_following(slack: FakeSlack) -> None:
    slack.unauthorized_download = "redirect_to_login"
    clip = voice_clip(slack)
    with pytest.raises(FileRefused) as refused:
        await download_slack_file(clip, token="xoxb-wrong", api_url=slack.url, max_bytes=MB)
    assert refused.value.reason == "redirect_not_allowed" and len(slack.downloads) == 1


async def test_file_given_only_by_id_is_resolved_with_files_info(slack: FakeSlack) -> None:
    clip = voice_clip(slack)
    # As Slack sends it where the event may not carry the file (e.g. Slack Connect).
    event_file = {"id": clip["id"], "mode": "file_access", "file_access": "check_file_info", "created": 0, "timestamp": 0, "user": ""}
    client = AsyncWebClient(token=TOKEN, base_url=slack.url)
    resolved = await resolve_file(client, event_file)
    assert resolved["url_private_download"] == clip["url_private_download"] and resolved["subtype"] == "slack_audio"
    assert [c.method for c in slack.calls] == ["files.info"]
    assert await download(slack, resolved) == CLIP
    assert await resolve_file(client, clip) == clip  # a full object needs no call
    assert len(slack.calls) == 1
    with pytest.raises(FileRefused) as refused:
        await resolve_file(client, {"id": "FNOPE", "file_access": "check_file_info"})
    assert refused.value.reason == "file_not_found"


@pytest.mark.parametrize(
    ("file", "audio", "image"),
    [
        ({"subtype": "slack_audio", "mimetype": "video/mp4", "filetype": "mp4"}, True, False),
        ({"subtype": "slack_audio", "mimetype": "audio/webm", "filetype": "webm"}, True, False),
        ({"mimetype": "audio/x-m4a", "filetype": "m4a"}, True, False),
        ({"mimetype": "audio/mpeg", "filetype": "mp3"}, True, False),
        ({"mimetype": "audio/wav", "filetype": "wav"}, True, False),
        ({"mimetype": "audio/ogg", "filetype": "ogg"}, True, False),
        ({"mimetype": "application/octet-stream", "filetype": "opus"}, True, False),
        ({"mimetype": "audio/flac", "filetype": "flac"}, True, False),
        ({"mimetype": "video/mp4", "filetype": "mp4"}, False, False),  # a video upload, not a voice clip
        ({"mimetype": "application/pdf", "filetype": "pdf"}, False, False),
        ({"mimetype": "image/jpeg", "filetype": "jpg"}, False, True),
        ({"mimetype": "image/heic", "filetype": "heic"}, False, True),
        ({"mimetype": "image/webp", "filetype": "webp"}, False, True),
        ({"mimetype": "image/svg+xml", "filetype": "svg"}, False, False),
    ],
)
def test_audio_and_image_classification(file: dict[str, Any], audio: bool, image: bool) -> None:
    assert (is_audio(file), is_image(file)) == (audio, image)


def test_audio_size_limit_setting() -> None:
    assert Settings.from_env({}, dotenv=None).audio_max_mb == 100
    assert Settings.from_env({"HARDE_AUDIO_MAX_MB": "25"}, dotenv=None).audio_max_mb == 25


def test_audio_chunk_length_setting() -> None:
    from hard_e.bot.config import ConfigError

    assert Settings.from_env({}, dotenv=None).audio_chunk_minutes == 10
    assert Settings.from_env({"HARDE_AUDIO_CHUNK_MINUTES": "2.5"}, dotenv=None).audio_chunk_minutes == 2.5
    for bad in ("0", "ten", "120"):
        with pytest.raises(ConfigError, match="HARDE_AUDIO_CHUNK_MINUTES"):
            Settings.from_env({"HARDE_AUDIO_CHUNK_MINUTES": bad}, dotenv=None)

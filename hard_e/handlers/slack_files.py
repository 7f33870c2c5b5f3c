"""Downloading the files reps post in Slack (voice memos first), without ever leaking the bot token.

Slack serves a file's bytes at its `url_private` / `url_private_download` (on files.slack.com) to a
request that carries the bot token as `Authorization: Bearer`; without it Slack answers its sign-in
page as HTML (https://docs.slack.dev/reference/objects/file-object). Because the URL comes from an
event payload, it is checked before the token goes anywhere: only files.slack.com (https) and the
origin of SLACK_API_URL (so tests can point at a fake) are allowed, every redirect hop is checked the
same way, and type and size are checked before and while downloading.

Some events carry only a file's id (`"file_access": "check_file_info"`, e.g. in Slack Connect
channels); `resolve_file` asks files.info for the rest.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Callable, Mapping
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from yarl import URL

log = logging.getLogger(__name__)

SLACK_FILES_HOST = "files.slack.com"
MAX_REDIRECTS = 5
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024

# Slack voice clips are `subtype: slack_audio`, often labelled video/mp4 or video/webm; audio uploads
# carry an audio/* mimetype or one of these filetypes.
AUDIO_FILETYPES = frozenset({"m4a", "mp3", "mpga", "wav", "ogg", "oga", "opus", "flac", "aac", "weba"})
IMAGE_MIMETYPES = frozenset({"image/jpeg", "image/png", "image/heic", "image/heif", "image/webp"})
IMAGE_FILETYPES = frozenset({"jpg", "jpeg", "png", "heic", "heif", "webp"})


class SlackFileError(Exception):
    """A Slack file could not be fetched; `reason` is a short code, safe to log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class FileRefused(SlackFileError):
    """We will not fetch this file: a host off the allow-list, wrong type, too large, not authorized, gone."""


class FileUnavailable(SlackFileError):
    """Slack did not serve the file just now (network, timeout, 5xx): a retry may work."""


def _text(file: Mapping[str, Any], key: str) -> str:
    return str(file.get(key) or "").strip().lower()


def is_audio(file: Mapping[str, Any]) -> bool:
    """A Slack voice clip or an uploaded audio file."""
    if _text(file, "subtype") == "slack_audio" or _text(file, "media_display_type") == "audio":
        return True
    return _text(file, "mimetype").startswith("audio/") or _text(file, "filetype") in AUDIO_FILETYPES


def is_image(file: Mapping[str, Any]) -> bool:
    """A photo: JPEG, PNG, HEIC or WebP (not GIF or SVG)."""
    return _text(file, "mimetype") in IMAGE_MIMETYPES or _text(file, "filetype") in IMAGE_FILETYPES


def _origin(url: URL) -> tuple[str, str, int | None]:
    return (url.scheme, (url.host or "").lower().rstrip("."), url.port)


def allowed_origins(api_url: str) -> frozenset[tuple[str, str, int | None]]:
    """files.slack.com over https, and the origin SLACK_API_URL points at."""
    return frozenset({("https", SLACK_FILES_HOST, 443), _origin(URL(api_url))})


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def check_url(raw: str, origins: frozenset[tuple[str, str, int | None]], *, reason: str = "host_not_allowed") -> URL:
    """The parsed URL when it may receive the bot token; else FileRefused (logged with the host only)."""
    try:
        url = URL(raw)
    except (TypeError, ValueError):
        log.warning("slack file refused: malformed url")
        raise FileRefused("bad_url") from None
    host = (url.host or "").lower()
    if not url.absolute or url.scheme not in ("http", "https") or url.user is not None or url.password is not None:
        log.warning("slack file refused: %s (host %s)", "bad_url", host or "none")
        raise FileRefused("bad_url")
    if _origin(url) not in origins:
        log.warning("slack file refused: %s (host %s%s)", reason, host, ", an IP address" if _is_ip(host) else "")
        raise FileRefused(reason)
    return url


def check_file(file: Mapping[str, Any], *, max_bytes: int, allowed_types: Callable[[Mapping[str, Any]], bool]) -> None:
    """Refuse from the file object alone: gone, wrong type, or declared too large."""
    if _text(file, "mode") in ("tombstone", "hidden_by_limit"):
        raise FileRefused("file_gone")
    if not allowed_types(file):
        log.info(
            "slack file refused: wrong_type (%s, %s)", _text(file, "mimetype") or "no mimetype", _text(file, "filetype") or "no filetype"
        )
        raise FileRefused("wrong_type")
    size = file.get("size")
    if isinstance(size, int) and size > max_bytes:
        raise FileRefused("too_large")


async def resolve_file(client: AsyncWebClient, file: Mapping[str, Any]) -> dict[str, Any]:
    """The full file object: `file` itself when it carries a download URL, else files.info's answer."""
    if file.get("file_access") != "check_file_info" and (file.get("url_private_download") or file.get("url_private")):
        return dict(file)
    file_id = str(file.get("id") or "")
    if not file_id:
        raise FileRefused("no_file_id")
    try:
        response = await client.files_info(file=file_id)
    except SlackApiError as exc:
        error = str(exc.response.get("error") or "")
        if error in ("file_not_found", "file_deleted", "access_denied"):
            raise FileRefused(error) from None
        raise FileUnavailable(error or "files_info_failed") from None
    except (aiohttp.ClientError, TimeoutError):
        raise FileUnavailable("files_info_failed") from None
    found = response.get("file")
    if not isinstance(found, dict):
        raise FileUnavailable("files_info_failed")
    return found


async def download_slack_file(
    file: Mapping[str, Any],
    *,
    token: str,
    api_url: str,
    max_bytes: int,
    allowed_types: Callable[[Mapping[str, Any]], bool] = is_audio,
    timeout: float = 120.0,  # noqa: ASYNC109  passed to aiohttp as the whole download's limit
) -> bytes:
    """The file's bytes, fetched with the bot token from an allowed Slack host only.

    Raises FileRefused (host, type, size, sign-in page, 4xx) or FileUnavailable (network, 5xx).
    """
    check_file(file, max_bytes=max_bytes, allowed_types=allowed_types)
    raw = file.get("url_private_download") or file.get("url_private")
    if not isinstance(raw, str) or not raw:
        raise FileRefused("no_url")
    origins = allowed_origins(api_url)
    url = check_url(raw, origins)
    headers = {"Authorization": f"Bearer {token}"}
    client_timeout = aiohttp.ClientTimeout(total=timeout, sock_connect=min(timeout, 15.0))
    try:
        # No cookie jar and no proxy from the environment: the token goes to the checked host only.
        async with aiohttp.ClientSession(timeout=client_timeout, cookie_jar=aiohttp.DummyCookieJar(), trust_env=False) as http:
            for _hop in range(MAX_REDIRECTS + 1):
                async with http.get(url, headers=headers, allow_redirects=False) as response:
                    if response.status in _REDIRECTS:
                        location = response.headers.get("Location", "")
                        url = check_url(str(url.join(URL(location))), origins, reason="redirect_not_allowed")
                        continue
                    return await _read(response, max_bytes)
    except (aiohttp.ClientError, TimeoutError):
        raise FileUnavailable("download_failed") from None
    raise FileRefused("too_many_redirects")


async def _read(response: aiohttp.ClientResponse, max_bytes: int) -> bytes:
    if response.status in (401, 403, 404, 410):
        raise FileRefused("not_authorized" if response.status in (401, 403) else "file_gone")
    if response.status != 200:
        raise FileUnavailable(f"http_{response.status}")
    if response.content_type in ("text/html", "application/xhtml+xml"):
        # Slack's sign-in page: the token was missing, wrong, or cannot see this file.
        raise FileRefused("not_authorized")
    if response.content_length is not None and response.content_length > max_bytes:
        raise FileRefused("too_large")
    body = bytearray()
    async for chunk in response.content.iter_chunked(_CHUNK):
        body += chunk
        if len(body) > max_bytes:  # the declared size may lie
            raise FileRefused("too_large")
    return bytes(body)

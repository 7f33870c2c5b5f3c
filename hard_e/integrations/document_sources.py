"""Where documents live — the knowledge base's and the call transcripts': a folder (the embedded
default) or S3 prefixes.

A source lists its documents with a version (S3 ETag, or a file's mtime and size) so a sync can
skip what has not changed, and reads one document's bytes on demand. boto3 is blocking, so every
S3 call runs in `asyncio.to_thread`; so does file-system work.
"""

from __future__ import annotations

import asyncio
import builtins
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Protocol, runtime_checkable
from urllib.parse import urlparse

# The document kinds `hard_e.integrations.documents` can read.
EXTENSIONS = frozenset({".md", ".txt", ".pdf", ".docx", ".html"})


class SourceError(Exception):
    """A source could not be listed or read; the message is safe to show and log (no content)."""


@dataclass(frozen=True)
class SourceDocument:
    uri: str  # absolute path, or s3://bucket/key
    name: str  # file name: its extension says how to parse it, its stem is the fallback title
    version: str  # S3 ETag, or "mtime_ns-size" for a file
    size: int


@runtime_checkable
class DocumentSource(Protocol):
    uri: str  # identifies the source itself: the folder's path or s3://bucket/prefix

    async def list(self) -> list[SourceDocument]: ...

    async def read(self, doc: SourceDocument) -> bytes: ...


def is_indexable(name: str, extensions: frozenset[str] = EXTENSIONS) -> bool:
    return not name.startswith(".") and PurePosixPath(name).suffix.lower() in extensions


class FolderSource:
    """Every md, txt, pdf, docx and html file (or other `extensions`) under a folder, recursively;
    hidden files and folders skipped."""

    def __init__(self, path: Path | str, *, extensions: frozenset[str] = EXTENSIONS) -> None:
        self.path = Path(path).expanduser().resolve()
        self.uri = str(self.path)
        self.extensions = extensions

    def __repr__(self) -> str:
        return f"FolderSource({self.uri!r})"

    async def list(self) -> list[SourceDocument]:
        return await asyncio.to_thread(self._list)

    def _list(self) -> builtins.list[SourceDocument]:  # `list` is the method here
        if not self.path.is_dir():
            raise SourceError("the folder does not exist or is not a folder")
        docs: list[SourceDocument] = []

        def walk_error(exc: OSError) -> None:
            raise SourceError(f"the folder could not be read ({exc.strerror or type(exc).__name__})")

        for root, dirs, files in os.walk(self.path, onerror=walk_error):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(files):
                if not is_indexable(name, self.extensions):
                    continue
                path = Path(root, name)
                try:
                    stat = path.stat()
                except OSError:
                    continue  # vanished (or a broken link) between listing and stat
                if not path.is_file():
                    continue
                docs.append(SourceDocument(str(path), name, f"{stat.st_mtime_ns}-{stat.st_size}", stat.st_size))
        return docs

    async def read(self, doc: SourceDocument) -> bytes:
        try:
            return await asyncio.to_thread(Path(doc.uri).read_bytes)
        except OSError as exc:
            raise SourceError(f"could not read the file ({exc.strerror or type(exc).__name__})") from None


class S3Source:
    """Every md, txt, pdf, docx and html object (or other `extensions`) under `s3://bucket/prefix`."""

    def __init__(self, uri: str, client: Any, *, extensions: frozenset[str] = EXTENSIONS) -> None:
        parsed = urlparse(uri)
        if parsed.scheme != "s3" or not parsed.netloc:
            raise ValueError("an S3 source needs an s3://bucket/prefix URI")
        self.uri = uri
        self.bucket = parsed.netloc
        self.prefix = parsed.path.lstrip("/")
        self.extensions = extensions
        self._client = client

    def __repr__(self) -> str:
        return f"S3Source({self.uri!r})"

    async def list(self) -> list[SourceDocument]:
        try:
            return await asyncio.to_thread(self._list)
        except Exception as exc:
            raise SourceError(f"listing failed ({_s3_reason(exc)})") from None

    def _list(self) -> builtins.list[SourceDocument]:  # `list` is the method here
        docs: list[SourceDocument] = []
        paginator = self._client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix):
            for obj in page.get("Contents", ()):
                key = obj["Key"]
                # Hidden below the prefix: a dot-named object or one inside a dot-named "folder".
                below = key[len(self.prefix) :]
                if key.endswith("/") or any(part.startswith(".") for part in below.split("/") if part):
                    continue
                name = key.rsplit("/", 1)[-1]
                if not is_indexable(name, self.extensions):
                    continue
                etag = str(obj.get("ETag", "")).strip('"')
                docs.append(SourceDocument(f"s3://{self.bucket}/{key}", name, etag, int(obj.get("Size", 0))))
        return docs

    async def read(self, doc: SourceDocument) -> bytes:
        key = doc.uri.removeprefix(f"s3://{self.bucket}/")

        def _get() -> bytes:
            response = self._client.get_object(Bucket=self.bucket, Key=key)
            with response["Body"] as body:
                data: bytes = body.read()
                return data

        try:
            return await asyncio.to_thread(_get)
        except Exception as exc:
            raise SourceError(f"could not read the object ({_s3_reason(exc)})") from None


def _s3_reason(exc: Exception) -> str:
    """An S3 failure in a few words: the error code and S3's message, never a payload."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict) and "Error" in response:
        error = response["Error"]
        code, message = error.get("Code", "error"), error.get("Message", "")
        return f"{code}: {message}" if message else str(code)
    return type(exc).__name__ + (f": {exc}" if type(exc).__module__.startswith("botocore") else "")


def s3_client(env: Mapping[str, str] | None = None) -> Any:
    """A boto3 S3 client from the standard AWS settings.

    boto3 reads `AWS_ENDPOINT_URL_S3` by itself (botocore's service-specific endpoint setting);
    passing it explicitly keeps it working even when `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` is set.
    """
    import boto3
    from botocore.config import Config

    env = os.environ if env is None else env
    endpoint = (env.get("AWS_ENDPOINT_URL_S3") or "").strip() or None
    config = Config(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=5, read_timeout=30)
    return boto3.session.Session().client("s3", endpoint_url=endpoint, config=config)


def build_sources(
    folder: str | Path | None, s3_uris: Sequence[str] = (), *, env: Mapping[str, str] | None = None, client: Any = None
) -> list[DocumentSource]:
    """A folder source (`HARDE_KB_DIR`) and one source per `s3://bucket/prefix` (one S3 client shared)."""
    sources: list[DocumentSource] = []
    if folder is not None:
        sources.append(FolderSource(folder))
    if s3_uris:
        client = client if client is not None else s3_client(env)
        sources.extend(S3Source(uri, client) for uri in s3_uris)
    return sources

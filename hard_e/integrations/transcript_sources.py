"""Where distilled call transcripts live: one folder or one S3 prefix of `<call_id>.json` files.

The listing and reading are the knowledge sources' own (`FolderSource`, `S3Source`), filtered to
JSON files, so a SCHEMA.md or README beside the transcripts is not taken for one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlparse

from hard_e.integrations.document_sources import DocumentSource, FolderSource, S3Source, s3_client

TRANSCRIPT_EXTENSIONS = frozenset({".json"})


def transcript_source(uri: str, *, env: Mapping[str, str] | None = None, client: Any = None) -> DocumentSource:
    """The source `HARDE_TRANSCRIPTS_URI` names: `s3://bucket/prefix`, or else a folder path.

    Raises ValueError (a message safe to show) for an S3 URI without a bucket or another URL scheme.
    """
    uri = uri.strip()
    scheme = urlparse(uri).scheme.lower()
    if scheme == "s3":
        if not urlparse(uri).netloc:
            raise ValueError("an S3 transcripts URI needs a bucket: s3://bucket/prefix")
        return S3Source(uri, client if client is not None else s3_client(env), extensions=TRANSCRIPT_EXTENSIONS)
    if scheme not in ("", "file") and len(scheme) > 1:  # one letter: a Windows drive, not a scheme
        raise ValueError("the transcripts URI must be a folder path or s3://bucket/prefix")
    path = uri.removeprefix("file://") if scheme == "file" else uri
    if not path:
        raise ValueError("the transcripts URI is empty")
    return FolderSource(path, extensions=TRANSCRIPT_EXTENSIONS)

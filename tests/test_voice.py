"""Voice memos to text: a short memo in one call, a long one cut at pauses and joined in order."""

from __future__ import annotations

import asyncio
import math
import tempfile
from pathlib import Path

import av
import pytest
from av.audio.frame import AudioFrame

from hard_e.agents.voice import content_hash, transcribe_memo
from hard_e.errors import MediaUnavailable
from hard_e.integrations.audio import AudioUnreadable
from hard_e.integrations.openai_llm import build_client
from hard_e.integrations.openai_transcribe import OpenAITranscriber
from tests.fakes import FakeOpenAI

RATE = 16000


def tone(seconds: float, hz: float = 440.0) -> bytes:
    samples = round(seconds * RATE)
    return b"".join(round(8000 * math.sin(2 * math.pi * hz * i / RATE)).to_bytes(2, "little", signed=True) for i in range(samples))


def silence(seconds: float) -> bytes:
    return bytes(2 * round(seconds * RATE))


def clip(path: Path, segments: list[bytes]) -> bytes:
    """AAC in MP4, as Slack records a voice clip; returns the file's bytes."""
    with av.open(str(path), "w", format="mp4") as out:
        stream = out.add_stream("aac", rate=RATE)
        stream.codec_context.layout = "mono"
        pts = 0
        for data in segments:
            frame = AudioFrame(format="s16", layout="mono", samples=len(data) // 2)
            frame.planes[0].update(data)
            frame.sample_rate = RATE
            frame.pts = pts
            pts += frame.samples
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path.read_bytes()


class RecordingTranscriber:
    """A `Transcriber` that hears each file's name, and notes how many calls ran at once."""

    def __init__(self, fail_on: str | None = None) -> None:
        self.calls: list[tuple[str, int]] = []
        self.running = 0
        self.most_at_once = 0
        self.fail_on = fail_on

    async def transcribe(self, audio: bytes, *, filename: str) -> str:
        self.calls.append((filename, len(audio)))
        self.running += 1
        self.most_at_once = max(self.most_at_once, self.running)
        try:
            await asyncio.sleep(0.02)
            if filename == self.fail_on:
                raise MediaUnavailable("server_error")
            return f"heard {filename}"
        finally:
            self.running -= 1


@pytest.fixture(scope="module")
def short_memo(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return clip(tmp_path_factory.mktemp("clips") / "short.m4a", [tone(2.0)])


@pytest.fixture(scope="module")
def long_memo(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """Five 4 s tones with 1 s pauses between: 24 s in all."""
    second = tone(1.0)
    speech = [second] * 4
    pause = [silence(1.0)]
    return clip(tmp_path_factory.mktemp("clips") / "long.m4a", [*speech, *pause] * 4 + speech)


@pytest.fixture(autouse=True)
def own_temp_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    where = tmp_path / "tmp"
    where.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(where))
    return where


async def test_a_short_memo_is_one_call_with_the_file_as_sent(short_memo, own_temp_dir):
    transcriber = RecordingTranscriber()

    text = await transcribe_memo(short_memo, filename="audio_message.m4a", transcriber=transcriber)

    assert text == "heard audio_message.m4a"
    assert transcriber.calls == [("audio_message.m4a", len(short_memo))]
    assert list(own_temp_dir.iterdir()) == []


async def test_a_long_memo_is_cut_and_the_parts_joined_in_order(long_memo, own_temp_dir):
    transcriber = RecordingTranscriber()

    text = await transcribe_memo(long_memo, filename="memo.m4a", transcriber=transcriber, max_chunk_seconds=8, concurrency=2)

    names = sorted(name for name, _ in transcriber.calls)
    assert len(names) >= 3
    assert names == [f"chunk-{n:03d}.ogg" for n in range(len(names))]
    assert text == " ".join(f"heard {name}" for name in names)
    assert 1 < transcriber.most_at_once <= 2
    assert list(own_temp_dir.iterdir()) == []


async def test_a_memo_over_the_upload_limit_is_re_encoded_before_it_is_sent(short_memo):
    transcriber = RecordingTranscriber()

    await transcribe_memo(short_memo, filename="memo.m4a", transcriber=transcriber, max_upload_bytes=len(short_memo) - 1)

    [(name, size)] = transcriber.calls
    assert name == "chunk-000.ogg"
    assert 0 < size


async def test_a_corrupt_file_is_unreadable_and_nothing_is_sent(own_temp_dir):
    transcriber = RecordingTranscriber()
    corrupt = b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 8

    with pytest.raises(AudioUnreadable):
        await transcribe_memo(corrupt, filename="memo.m4a", transcriber=transcriber)

    assert transcriber.calls == []
    assert list(own_temp_dir.iterdir()) == []


async def test_a_failing_chunk_fails_the_memo_and_cleans_up(long_memo, own_temp_dir):
    transcriber = RecordingTranscriber(fail_on="chunk-001.ogg")

    with pytest.raises(MediaUnavailable):
        await transcribe_memo(long_memo, filename="memo.m4a", transcriber=transcriber, max_chunk_seconds=8)

    assert list(own_temp_dir.iterdir()) == []


async def test_a_long_memo_through_the_openai_transcriber(long_memo):
    with FakeOpenAI(api_key="sk-test") as fake:
        transcriber = OpenAITranscriber(build_client(api_key="sk-test", base_url=fake.url, max_retries=0), timeout=10)

        text = await transcribe_memo(long_memo, filename="memo.m4a", transcriber=transcriber, max_chunk_seconds=8)

        uploads = sorted((r.body["file"] for r in fake.requests), key=lambda upload: upload["filename"])
    assert len(uploads) >= 3
    assert all(r["size"] > 0 and r["filename"].endswith(".ogg") for r in uploads)
    assert text.count("Transcript of") == len(uploads)
    positions = [text.index(f"Transcript of {upload['filename']}, {upload['size']} bytes") for upload in uploads]
    assert positions == sorted(positions) and positions[0] == 0


def test_content_hash_is_the_sha256_of_the_audio():
    assert content_hash(b"") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert content_hash(b"a") != content_hash(b"b")

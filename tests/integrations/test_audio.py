"""Long voice memos: real clips synthesized with PyAV (AAC in MP4 as Slack records them, Opus in WebM), split and re-encoded."""

from __future__ import annotations

import math
from pathlib import Path

import av
import pytest
from av.audio.frame import AudioFrame

from hard_e.integrations.audio import AudioChunk, AudioUnreadable, join_transcripts, probe, split_and_encode

RATE = 16000


def tone(seconds: float, rate: int = RATE, hz: float = 440.0) -> bytes:
    samples = round(seconds * rate)
    return b"".join(round(8000 * math.sin(2 * math.pi * hz * i / rate)).to_bytes(2, "little", signed=True) for i in range(samples))


def silence(seconds: float, rate: int = RATE) -> bytes:
    return bytes(2 * round(seconds * rate))


def write_clip(path: Path, segments: list[bytes], *, fmt: str, codec: str, rate: int = RATE) -> Path:
    """Encode s16 mono segments (repeats are passed by reference, so a long clip costs little to build)."""
    with av.open(str(path), "w", format=fmt) as out:
        stream = out.add_stream(codec, rate=rate)
        stream.codec_context.layout = "mono"
        pts = 0
        for data in segments:
            for at in range(0, len(data), 2 * rate):  # one-second frames
                piece = data[at : at + 2 * rate]
                frame = AudioFrame(format="s16", layout="mono", samples=len(piece) // 2)
                frame.planes[0].update(piece)
                frame.sample_rate = rate
                frame.pts = pts
                pts += frame.samples
                out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path


@pytest.fixture(scope="module")
def one_second_tone() -> bytes:
    return tone(1.0)


@pytest.fixture(scope="module")
def tones_and_pauses(tmp_path_factory: pytest.TempPathFactory, one_second_tone: bytes) -> Path:
    """3 × 40 s of tone with 3 s of silence between: silences at 40–43 s and 83–86 s, 126 s in all."""
    speech = [one_second_tone] * 40
    path = tmp_path_factory.mktemp("clips") / "memo.m4a"
    return write_clip(path, [*speech, silence(3), *speech, silence(3), *speech], fmt="mp4", codec="aac")


def test_probe_reads_a_slack_voice_clip(tmp_path: Path, one_second_tone: bytes) -> None:
    clip = write_clip(tmp_path / "clip.m4a", [one_second_tone] * 3, fmt="mp4", codec="aac", rate=48000 // 3)
    info = probe(clip)
    assert info.codec == "aac"
    assert info.channels == 1
    assert info.sample_rate == 16000
    assert info.duration_seconds == pytest.approx(3.0, abs=0.1)


def test_probe_reads_opus_in_webm(tmp_path: Path, one_second_tone: bytes) -> None:
    clip = write_clip(tmp_path / "clip.webm", [one_second_tone] * 2, fmt="webm", codec="libopus")
    info = probe(clip)
    assert info.codec == "opus"
    assert info.duration_seconds == pytest.approx(2.0, abs=0.1)


def test_corrupt_file_is_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "memo.m4a"
    path.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 8)
    with pytest.raises(AudioUnreadable) as caught:
        probe(path)
    assert "couldn't read" in str(caught.value)


def test_empty_file_is_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "memo.m4a"
    path.write_bytes(b"")
    with pytest.raises(AudioUnreadable):
        probe(path)
    with pytest.raises(AudioUnreadable):
        split_and_encode(path, tmp_path)
    assert list(tmp_path.iterdir()) == [path]  # nothing left behind


def test_short_clip_is_one_chunk(tmp_path: Path, one_second_tone: bytes) -> None:
    clip = write_clip(tmp_path / "clip.webm", [one_second_tone] * 5, fmt="webm", codec="libopus")
    out = tmp_path / "out"
    out.mkdir()
    [chunk] = split_and_encode(clip, out)
    assert chunk.start_seconds == 0
    assert chunk.end_seconds == pytest.approx(5.0, abs=0.05)
    assert probe(chunk.path).duration_seconds == pytest.approx(5.0, abs=0.1)


def test_long_clip_is_cut_in_the_pauses(tmp_path: Path, tones_and_pauses: Path) -> None:
    chunks = split_and_encode(tones_and_pauses, tmp_path, max_chunk_seconds=45, overlap_seconds=2.0, search_window_seconds=20)

    assert len(chunks) == 3
    assert [c.start_seconds for c in chunks] == sorted(c.start_seconds for c in chunks)
    assert chunks[0].start_seconds == 0
    assert chunks[-1].end_seconds == pytest.approx(126.0, abs=0.1)
    # AAC's encoder delay shifts the decoded audio by a few tens of milliseconds, well inside the margins.
    pauses = [(40.0, 43.0), (83.0, 86.0)]
    for before, after, (quiet_from, quiet_to) in zip(chunks[:-1], chunks[1:], pauses, strict=True):
        assert after.start_seconds < before.end_seconds  # the overlap
        assert before.end_seconds - after.start_seconds == pytest.approx(2.0, abs=0.01)
        cut = (after.start_seconds + before.end_seconds) / 2
        assert quiet_from < cut < quiet_to
    for chunk in chunks:
        assert chunk.end_seconds - chunk.start_seconds <= 45
        info = probe(chunk.path)
        assert (info.codec, info.channels) == ("opus", 1)  # Opus always decodes at 48 kHz, whatever rate went in
        assert info.duration_seconds == pytest.approx(chunk.end_seconds - chunk.start_seconds, abs=0.1)
        assert chunk.path.stat().st_size < 45 * 4000  # about 24 kbit/s


def test_clip_without_pauses_still_fits_the_chunk_length(tmp_path: Path, one_second_tone: bytes) -> None:
    clip = write_clip(tmp_path / "clip.webm", [one_second_tone] * 30, fmt="webm", codec="libopus")
    chunks = split_and_encode(clip, tmp_path, max_chunk_seconds=12, overlap_seconds=1.0, search_window_seconds=4)
    assert len(chunks) == 3
    assert chunks[-1].end_seconds == pytest.approx(30.0, abs=0.05)
    for before, after in zip(chunks[:-1], chunks[1:], strict=True):
        assert before.end_seconds - after.start_seconds == pytest.approx(1.0, abs=0.01)
    for chunk in chunks:
        assert chunk.end_seconds - chunk.start_seconds <= 12
        assert probe(chunk.path).duration_seconds == pytest.approx(chunk.end_seconds - chunk.start_seconds, abs=0.1)


def test_mp3_target(tmp_path: Path, tones_and_pauses: Path) -> None:
    chunks = split_and_encode(tones_and_pauses, tmp_path, max_chunk_seconds=45, target="mp3")
    assert [c.path.suffix for c in chunks] == [".mp3"] * 3
    for chunk in chunks:
        info = probe(chunk.path)
        assert (info.codec, info.sample_rate, info.channels) == ("mp3", 16000, 1)
        assert chunk.path.stat().st_size < 45 * 5000


def test_settings_that_leave_no_room_are_refused(tmp_path: Path, tones_and_pauses: Path) -> None:
    with pytest.raises(ValueError):
        split_and_encode(tones_and_pauses, tmp_path, max_chunk_seconds=20, search_window_seconds=20)
    with pytest.raises(ValueError):
        split_and_encode(tones_and_pauses, tmp_path, target="ogg-opus", sample_rate=44100)


def chunk(start: float, end: float) -> AudioChunk:
    return AudioChunk(Path(f"chunk-{start}.ogg"), start, end)


def test_join_drops_the_words_heard_twice() -> None:
    parts = [
        (chunk(588, 1200), "the gutters on the north side. Then we can talk about the price"),
        (chunk(0, 600), "Hi Dana, about the roof. We'll start with the gutters on the North side,"),
    ]
    assert join_transcripts(parts) == (
        "Hi Dana, about the roof. We'll start with the gutters on the North side, Then we can talk about the price"
    )


def test_join_keeps_parts_without_shared_words() -> None:
    parts = [(chunk(0, 600), "First part."), (chunk(598, 900), "Second part."), (chunk(898, 950), "")]
    assert join_transcripts(parts) == "First part. Second part."


def test_join_ignores_a_coincidence_beyond_the_bound() -> None:
    words = " ".join(f"w{i}" for i in range(40))
    assert join_transcripts([(chunk(0, 600), words), (chunk(598, 1200), words)]) == f"{words} {words}"

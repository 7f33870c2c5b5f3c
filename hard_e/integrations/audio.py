"""Long voice memos: probe a clip, split it at pauses into compact chunks, join the chunk transcripts.

Speech-to-text APIs cap an upload (OpenAI's transcription endpoint takes files up to 25 MB and
lists flac, mp3, mp4, mpeg, mpga, m4a, ogg, wav and webm), so an hour-long memo is cut into
chunks of at most `max_chunk_seconds`, each re-encoded as 16 kHz mono Opus in Ogg (about 3 KB a
second at 24 kbit/s) or MP3.

Decoding and encoding go through PyAV (pyav.basswood-io.com: "Audio" cookbook, `av.open`,
`AudioResampler`, `OutputContainer.add_stream`), whose wheels bundle FFmpeg with libopus and
libmp3lame, so no system ffmpeg is needed. What this module relies on:

- `av.open(path)` raises an `av.FFmpegError` subclass (`InvalidDataError`, `FileNotFoundError`)
  for a file it can't open; `container.demux(stream)` yields packets and a final empty one;
  `packet.decode()` yields `AudioFrame`s and may raise `InvalidDataError` for a damaged packet.
- `AudioResampler(format="s16", layout="mono", rate=16000).resample(frame)` returns a list of
  frames (empty while it buffers; `resample(None)` flushes). A packed s16 mono frame holds its
  samples in native byte order in `frame.planes[0]`, `frame.samples * 2` bytes (the plane may be padded).
- An audio encoder re-frames its input to the codec's `frame_size` itself (PyAV 14+,
  `AudioCodecContext._prepare_frames_for_encode`), so any frame length may be encoded.

Splitting streams: frames are decoded, resampled to 16 kHz mono and written straight to the
current chunk's encoder, except for the last `search_window_seconds` (plus half the overlap)
before a nominal boundary, which are held back. At the boundary the cut goes at the quietest
100 ms block in that window (lowest RMS; the middle of the longest run of equally quiet blocks,
so a pause is cut in its middle). The chunk ends half an overlap after the cut and the next
starts half an overlap before it, so a word clipped by the cut is heard whole in one of them.
Memory stays at about `search_window_seconds` of 16-bit samples whatever the clip's length.

Everything here blocks (file I/O and codec work): async callers run it in `asyncio.to_thread`.
Nothing here logs; a clip's content and its transcripts are the customer's words.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import av
from av.audio.frame import AudioFrame
from av.audio.resampler import AudioResampler
from av.audio.stream import AudioStream
from av.container import OutputContainer

Target = Literal["ogg-opus", "mp3"]

BLOCK_SECONDS = 0.1  # RMS is measured over 100 ms blocks: shorter than a pause, longer than a pitch period
OPUS_RATES = frozenset({8000, 12000, 16000, 24000, 48000})
MP3_RATES = frozenset({8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000})
# Speech bit rates: Opus is transparent for speech near 24 kbit/s; MP3 needs a little more at 16 kHz.
BIT_RATES: dict[Target, int] = {"ogg-opus": 24_000, "mp3": 32_000}
MAX_OVERLAP_WORDS = 30  # a 2 s overlap holds about 5 spoken words; a longer match would be a coincidence
_BYTES_PER_SAMPLE = 2  # s16

UNREADABLE = "I couldn't read that audio file. It may be damaged or in a format I don't know — could you send it again?"
NO_AUDIO = "That file has no sound in it that I can read. Could you send the voice memo again?"


class AudioUnreadable(Exception):
    """The clip can't be decoded: damaged, empty, or without an audio stream. `str()` is safe to show a user."""

    def __init__(self, message: str = UNREADABLE) -> None:
        super().__init__(message)


@dataclass(frozen=True)
class AudioInfo:
    duration_seconds: float
    codec: str  # FFmpeg's codec name: "aac", "opus", "mp3", "vorbis", "pcm_s16le"…
    sample_rate: int
    channels: int


@dataclass(frozen=True)
class AudioChunk:
    """One re-encoded piece of a clip; the times are positions in the original clip."""

    path: Path
    start_seconds: float
    end_seconds: float


def probe(path: str | Path) -> AudioInfo:
    """Duration, codec, sample rate and channels of the clip's first audio stream.

    Decodes the first frame to prove the stream is readable. When the container states no
    duration (a WebM from a browser recorder often doesn't), the packets are read (not decoded)
    to find it. Raises `AudioUnreadable` for a damaged or empty file or one without audio.
    """
    try:
        with av.open(str(path)) as container:
            if not container.streams.audio:
                raise AudioUnreadable(NO_AUDIO)
            stream = container.streams.audio[0]
            codec = stream.codec.canonical_name  # "mp3", not the decoder's name "mp3float"
            sample_rate = stream.codec_context.sample_rate
            channels = stream.codec_context.channels
            if not _first_frame(container, stream):
                raise AudioUnreadable(NO_AUDIO)
            duration = _stated_duration(container, stream)
            if duration is None:
                container.seek(0)
                duration = _demuxed_duration(container, stream)
    except av.FFmpegError as exc:
        raise AudioUnreadable() from exc
    return AudioInfo(duration_seconds=duration, codec=codec, sample_rate=sample_rate, channels=channels)


def split_and_encode(
    path: str | Path,
    out_dir: str | Path,
    *,
    max_chunk_seconds: float = 600.0,
    overlap_seconds: float = 2.0,
    search_window_seconds: float = 20.0,
    target: Target = "ogg-opus",
    sample_rate: int = 16000,
) -> list[AudioChunk]:
    """Cut the clip at pauses into chunks of at most `max_chunk_seconds`, each a mono file in `out_dir`.

    Chunks come back in order; neighbours share `overlap_seconds` around each cut (see
    `join_transcripts`). A clip no longer than `max_chunk_seconds` gives one chunk. Blocking:
    run it in `asyncio.to_thread`. Raises `AudioUnreadable` when the clip can't be decoded;
    files already written for it are removed.
    """
    if target not in BIT_RATES:
        raise ValueError(f"unknown target {target!r}; use 'ogg-opus' or 'mp3'")
    if sample_rate not in (OPUS_RATES if target == "ogg-opus" else MP3_RATES):
        raise ValueError(f"{target} can't be encoded at {sample_rate} Hz")
    # Room for the search window and an overlap at each end keeps the overlap in the held samples at every cut.
    if not (0 <= overlap_seconds < search_window_seconds and search_window_seconds + 2 * overlap_seconds < max_chunk_seconds):
        raise ValueError(
            "need 0 <= overlap_seconds < search_window_seconds and search_window_seconds + 2 * overlap_seconds < max_chunk_seconds"
        )
    splitter = _Splitter(
        Path(out_dir),
        target=target,
        rate=sample_rate,
        max_chunk=round(max_chunk_seconds * sample_rate),
        half_overlap=round(overlap_seconds * sample_rate / 2),
        window=round(search_window_seconds * sample_rate),
    )
    try:
        for samples in _decoded_samples(path, sample_rate):
            splitter.feed(samples)
        return splitter.finish()
    except BaseException:
        splitter.discard()
        raise


def join_transcripts(parts: list[tuple[AudioChunk, str]]) -> str:
    """The chunk transcripts as one text, in clip order, with the words heard twice in an overlap said once.

    Where the end of the text so far and the start of the next part share a run of words
    (ignoring case and punctuation; at most `MAX_OVERLAP_WORDS`), the longest such run is
    dropped from the next part.
    """
    words: list[str] = []
    for _chunk, text in sorted(parts, key=lambda part: part[0].start_seconds):
        incoming = text.split()
        if not incoming:
            continue
        words.extend(incoming[_overlap(words, incoming) :])
    return " ".join(words)


def _overlap(before: list[str], after: list[str]) -> int:
    tail = [_norm(word) for word in before[-MAX_OVERLAP_WORDS:]]
    head = [_norm(word) for word in after[:MAX_OVERLAP_WORDS]]
    for size in range(min(len(tail), len(head)), 0, -1):
        if tail[-size:] == head[:size] and any(head[:size]):
            return size
    return 0


def _norm(word: str) -> str:
    return re.sub(r"[\W_]+", "", word.casefold())


# --- reading ---------------------------------------------------------------------------------


def _first_frame(container: av.container.InputContainer, stream: AudioStream) -> bool:
    for packet in container.demux(stream):
        try:
            if packet.decode():
                return True
        except av.InvalidDataError:
            continue
    return False


def _stated_duration(container: av.container.InputContainer, stream: AudioStream) -> float | None:
    if stream.duration is not None and stream.time_base is not None and stream.duration > 0:
        return float(stream.duration * stream.time_base)
    if container.duration is not None and container.duration > 0:
        return container.duration / av.time_base
    return None


def _demuxed_duration(container: av.container.InputContainer, stream: AudioStream) -> float:
    end = 0.0
    for packet in container.demux(stream):
        if packet.pts is not None and packet.time_base is not None:
            end = max(end, float((packet.pts + (packet.duration or 0)) * packet.time_base))
    return end


def _decoded_samples(path: str | Path, rate: int) -> Iterator[bytes]:
    """The clip's audio as 16-bit mono samples (native byte order) at `rate`, a frame's worth at a time."""
    try:
        container = av.open(str(path))
    except av.FFmpegError as exc:
        raise AudioUnreadable() from exc
    with container:
        if not container.streams.audio:
            raise AudioUnreadable(NO_AUDIO)
        stream = container.streams.audio[0]
        resampler = AudioResampler(format="s16", layout="mono", rate=rate)
        produced = False
        try:
            for packet in container.demux(stream):
                try:
                    frames = packet.decode()
                except av.InvalidDataError:
                    continue  # a damaged packet costs a few milliseconds of sound, as with the ffmpeg CLI
                for frame in frames:
                    for out in resampler.resample(frame):
                        produced = True
                        yield _samples(out)
            for out in resampler.resample(None):
                yield _samples(out)
        except av.FFmpegError as exc:
            raise AudioUnreadable() from exc
        if not produced:
            raise AudioUnreadable(NO_AUDIO)


def _samples(frame: AudioFrame) -> bytes:
    # Packed s16 in native byte order, the order `memoryview.cast("h")` reads; the plane may be padded.
    return bytes(frame.planes[0])[: frame.samples * _BYTES_PER_SAMPLE]


# --- cutting ---------------------------------------------------------------------------------


class _Splitter:
    """Holds back the search window before each nominal boundary; everything earlier goes to the encoder."""

    def __init__(self, out_dir: Path, *, target: Target, rate: int, max_chunk: int, half_overlap: int, window: int) -> None:
        self.out_dir = out_dir
        self.target: Target = target
        self.rate = rate
        self.max_chunk = max_chunk
        self.half_overlap = half_overlap
        self.window = window
        self.block = max(1, round(rate * BLOCK_SECONDS))
        self.chunks: list[AudioChunk] = []
        self.written: list[Path] = []
        self.start = 0  # sample where the current chunk starts
        self.held = bytearray()  # samples not yet encoded, beginning at `held_from`
        self.held_from = 0
        self.writer = self._open_writer()

    @property
    def nominal(self) -> int:
        # The chunk, ending half an overlap past the cut, stays within max_chunk.
        return self.start + self.max_chunk - self.half_overlap

    @property
    def hold_from(self) -> int:
        return self.nominal - self.window - self.half_overlap

    def feed(self, samples: bytes) -> None:
        self.held += samples
        # Cut once the overlap past the latest possible cut has arrived; a clip ending sooner is one chunk.
        while self.held_from + len(self.held) // _BYTES_PER_SAMPLE > self.nominal + self.half_overlap:
            self._cut()
        self._release(self.hold_from)

    def finish(self) -> list[AudioChunk]:
        end = self.held_from + len(self.held) // _BYTES_PER_SAMPLE
        self._release(end)
        self.writer.close()
        self.chunks.append(AudioChunk(self.written[-1], self.start / self.rate, end / self.rate))
        return self.chunks

    def discard(self) -> None:
        try:
            self.writer.close()
        except av.FFmpegError:
            pass
        for path in self.written:
            path.unlink(missing_ok=True)

    def _release(self, upto: int) -> None:
        """Encode held samples before `upto`."""
        count = min(upto - self.held_from, len(self.held) // _BYTES_PER_SAMPLE)
        if count <= 0:
            return
        size = count * _BYTES_PER_SAMPLE
        self.writer.write(bytes(self.held[:size]))
        del self.held[:size]
        self.held_from += count

    def _cut(self) -> None:
        window_start = max(self.start + self.half_overlap, self.nominal - self.window)
        cut = self._quietest(window_start, self.nominal)
        # The overlap [cut - half, cut + half) goes to both chunks; it is still held (see the check in split_and_encode).
        self._release(cut - self.half_overlap)
        self.writer.write(bytes(self.held[: 2 * self.half_overlap * _BYTES_PER_SAMPLE]))
        self.writer.close()
        self.chunks.append(AudioChunk(self.written[-1], self.start / self.rate, (cut + self.half_overlap) / self.rate))
        self.start = cut - self.half_overlap
        self.writer = self._open_writer()

    def _quietest(self, begin: int, end: int) -> int:
        """The sample at the middle of the longest run of quietest blocks between `begin` and `end`."""
        levels: list[tuple[int, float]] = []
        for at in range(begin, end - self.block + 1, self.block):
            offset = (at - self.held_from) * _BYTES_PER_SAMPLE
            levels.append((at, _rms(self.held[offset : offset + self.block * _BYTES_PER_SAMPLE])))
        if not levels:
            return end
        floor = min(level for _, level in levels)
        quiet = floor * 1.2 + 1.0  # "as quiet as the quietest", allowing for a noise floor that wavers
        best: tuple[int, int] = (0, 0)  # (length, index of first block)
        run = 0
        for index, (_, level) in enumerate(levels):
            run = run + 1 if level <= quiet else 0
            if run > best[0]:
                best = (run, index - run + 1)
        length, first = best
        return levels[first][0] + length * self.block // 2

    def _open_writer(self) -> _ChunkWriter:
        suffix = ".ogg" if self.target == "ogg-opus" else ".mp3"
        path = self.out_dir / f"chunk-{len(self.chunks):03d}{suffix}"
        self.written.append(path)
        return _ChunkWriter(path, self.target, self.rate)


def _rms(data: bytearray) -> float:
    values = memoryview(data).cast("h")
    if not values:
        return 0.0
    return math.sqrt(sum(v * v for v in values) / len(values))


# --- writing ---------------------------------------------------------------------------------


class _ChunkWriter:
    """One output file: s16 mono samples in, Opus-in-Ogg or MP3 out. Keeps the last half-overlap written."""

    def __init__(self, path: Path, target: Target, rate: int) -> None:
        self.rate = rate
        self.container: OutputContainer = av.open(str(path), "w", format="ogg" if target == "ogg-opus" else "mp3")
        self.stream: AudioStream = self.container.add_stream("libopus" if target == "ogg-opus" else "libmp3lame", rate=rate)
        self.stream.codec_context.layout = "mono"
        self.stream.codec_context.bit_rate = BIT_RATES[target]
        if target == "ogg-opus":
            self.stream.codec_context.options = {"application": "voip", "vbr": "constrained"}  # a predictable upload size
        self.pts = 0
        self.closed = False

    def write(self, data: bytes) -> None:
        if not data:
            return
        samples = len(data) // _BYTES_PER_SAMPLE
        frame = AudioFrame(format="s16", layout="mono", samples=samples)
        frame.planes[0].update(data)
        frame.sample_rate = self.rate
        frame.pts = self.pts
        self.pts += samples
        self.container.mux(self.stream.encode(frame))

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        try:
            self.container.mux(self.stream.encode(None))
        finally:
            self.container.close()

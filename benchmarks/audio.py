"""How long does an hour-long voice memo take to split and transcode, and how much memory does it need?

A seeded generator streams a speech-like clip of --minutes minutes (default 60) to a temporary file
as Slack records voice clips: AAC in MP4, 48 kHz mono. "Words" are 0.15–0.6 s tone bursts (a few
pitches, with a 10 ms fade in and out), separated by 40–200 ms gaps; every 5–15 words a sentence
pause of 0.4–1.2 s; a quiet noise floor (about -60 dBFS) runs under everything, so no pause is
digital silence. The clip is built a second at a time; nothing holds the whole clip.

Then `split_and_encode` runs on it with its defaults (10-minute chunks, 2 s overlap, cuts searched
in the 20 s before each boundary, 16 kHz mono Opus in Ogg; --target mp3 for MP3), timed on its own.
Reported: seconds to synthesize and to split, the real-time factor, peak RSS (`resource.getrusage`,
ru_maxrss) after synthesis and after the split, chunk count, the longest chunk, total output bytes
(and kbit/s), and how many cuts fell in a pause of the generated schedule (a cut inside a word would
split it).

Usage: .venv/bin/python benchmarks/audio.py [--minutes N] [--target ogg-opus|mp3] [--seed N] [--json]
"""

from __future__ import annotations

import argparse
import json
import math
import random
import resource
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import av
from av.audio.frame import AudioFrame

from hard_e.integrations.audio import split_and_encode

SOURCE_RATE = 48000
PITCHES = (140.0, 180.0, 220.0, 260.0)  # roughly the range of speaking voices' fundamentals


@dataclass
class Result:
    minutes: float
    target: str
    synth_seconds: float
    source_bytes: int
    split_seconds: float
    realtime_factor: float
    peak_rss_mb_after_synth: float
    peak_rss_mb_after_split: float
    chunks: int
    longest_chunk_seconds: float
    output_bytes: int
    output_kbit_per_s: float
    cuts_in_pauses: int
    cuts: int


def peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024  # bytes on macOS, KiB on Linux


def _s16(values: list[float]) -> bytes:
    return b"".join(max(-32768, min(32767, round(v))).to_bytes(2, sys.byteorder, signed=True) for v in values)


class SpeechLike:
    """Precomputed words and noise; `samples(seconds)` chains them into a schedule of words and pauses."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.noise = [self.rng.gauss(0, 30) for _ in range(SOURCE_RATE)]  # one second of noise floor, looped
        self.words: list[list[float]] = []
        for pitch in PITCHES:
            for seconds in (0.15, 0.3, 0.45, 0.6):
                count = round(seconds * SOURCE_RATE)
                fade = round(0.01 * SOURCE_RATE)
                envelope = [min(1.0, i / fade, (count - i) / fade) for i in range(count)]
                phase = [2 * math.pi * pitch * i / SOURCE_RATE for i in range(count)]
                # A fundamental and its third harmonic, so the level isn't a pure sine's.
                self.words.append([6000 * envelope[i] * (math.sin(p) + 0.4 * math.sin(3 * p)) for i, p in enumerate(phase)])
        self.pauses: list[tuple[float, float]] = []  # sentence pauses, in seconds

    def schedule(self, total_seconds: float) -> list[tuple[int, int]]:
        """(word index or -1 for a pause, samples) until the clip is long enough."""
        plan: list[tuple[int, int]] = []
        at = 0
        end = round(total_seconds * SOURCE_RATE)
        words_left = self.rng.randint(5, 15)
        while at < end:
            word = self.rng.randrange(len(self.words))
            plan.append((word, len(self.words[word])))
            at += len(self.words[word])
            words_left -= 1
            if words_left == 0:
                gap = round(self.rng.uniform(0.4, 1.2) * SOURCE_RATE)
                self.pauses.append((at / SOURCE_RATE, (at + gap) / SOURCE_RATE))
                words_left = self.rng.randint(5, 15)
            else:
                gap = round(self.rng.uniform(0.04, 0.2) * SOURCE_RATE)
            plan.append((-1, gap))
            at += gap
        return plan

    def write(self, path: Path, total_seconds: float) -> None:
        # Samples are built once as s16 bytes (each word with its own stretch of noise under it), then only concatenated.
        words = [_s16([v + self.noise[i % SOURCE_RATE] for i, v in enumerate(word)]) for word in self.words]
        noise = _s16(self.noise) * 2
        limit = 2 * round(total_seconds * SOURCE_RATE)
        second = 2 * SOURCE_RATE
        with av.open(str(path), "w", format="mp4") as out:
            stream = out.add_stream("aac", rate=SOURCE_RATE)
            stream.codec_context.layout = "mono"
            stream.codec_context.bit_rate = 64_000
            pts = 0
            pending = bytearray()
            written = 0
            for word, count in self.schedule(total_seconds):
                pending += words[word] if word >= 0 else noise[: 2 * count]
                while len(pending) >= second:  # a second at a time
                    pts = self._encode(out, stream, bytes(pending[:second]), pts)
                    del pending[:second]
                    written += second
            if pending and written < limit:
                pts = self._encode(out, stream, bytes(pending[: limit - written]), pts)
            out.mux(stream.encode(None))

    @staticmethod
    def _encode(out: av.container.OutputContainer, stream: av.audio.stream.AudioStream, data: bytes, pts: int) -> int:
        frame = AudioFrame(format="s16", layout="mono", samples=len(data) // 2)
        frame.planes[0].update(data)
        frame.sample_rate = SOURCE_RATE
        frame.pts = pts
        out.mux(stream.encode(frame))
        return pts + frame.samples


def run(minutes: float, target: str, seed: int) -> Result:
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "memo.m4a"
        speech = SpeechLike(seed)
        began = time.perf_counter()
        speech.write(source, minutes * 60)
        synth_seconds = time.perf_counter() - began
        rss_synth = peak_rss_mb()

        out_dir = Path(tmp) / "chunks"
        out_dir.mkdir()
        began = time.perf_counter()
        chunks = split_and_encode(source, out_dir, target=target)  # type: ignore[arg-type]
        split_seconds = time.perf_counter() - began
        rss_split = peak_rss_mb()

        cuts = [(after.start_seconds + before.end_seconds) / 2 for before, after in zip(chunks, chunks[1:], strict=False)]
        # AAC's encoder delay shifts the decoded clip by about 20 ms; allow it at each side of a pause.
        in_pauses = sum(any(begin - 0.03 <= cut <= end + 0.03 for begin, end in speech.pauses) for cut in cuts)
        output = sum(chunk.path.stat().st_size for chunk in chunks)
        return Result(
            minutes=minutes,
            target=target,
            synth_seconds=round(synth_seconds, 1),
            source_bytes=source.stat().st_size,
            split_seconds=round(split_seconds, 1),
            realtime_factor=round(minutes * 60 / split_seconds, 1),
            peak_rss_mb_after_synth=round(rss_synth, 1),
            peak_rss_mb_after_split=round(rss_split, 1),
            chunks=len(chunks),
            longest_chunk_seconds=round(max(c.end_seconds - c.start_seconds for c in chunks), 2),
            output_bytes=output,
            output_kbit_per_s=round(output * 8 / (minutes * 60) / 1000, 1),
            cuts_in_pauses=in_pauses,
            cuts=len(cuts),
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=60.0, help="length of the generated clip (default 60)")
    parser.add_argument("--target", choices=("ogg-opus", "mp3"), default="ogg-opus")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    result = run(args.minutes, args.target, args.seed)
    if args.json:
        print(json.dumps(asdict(result), indent=2))
        return
    source_mb = result.source_bytes / 1e6
    print(f"clip: {result.minutes:g} min speech-like AAC/MP4 48 kHz mono, {source_mb:.1f} MB, synthesized in {result.synth_seconds} s")
    print(
        f"split_and_encode ({result.target}, 10-min chunks): {result.split_seconds} s "
        f"({result.realtime_factor}× real time), {result.chunks} chunks, longest {result.longest_chunk_seconds} s"
    )
    output_mb = result.output_bytes / 1e6
    print(f"output: {output_mb:.2f} MB ({result.output_kbit_per_s} kbit/s); cuts in a pause: {result.cuts_in_pauses}/{result.cuts}")
    print(f"peak RSS: {result.peak_rss_mb_after_synth} MB after synthesis, {result.peak_rss_mb_after_split} MB after the split")


if __name__ == "__main__":
    main()

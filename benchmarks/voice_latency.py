"""One voice memo, as a rep sees it: the Slack event → the transcript visible in the thread.

Hard-E runs in HTTP mode against the fake Slack and the fake OpenAI server (tests/fakes); each memo is
a fresh Slack voice clip (AAC in MP4, synthesized with PyAV) whose event carries only the file's id, so
every run pays for files.info, the download from Slack's host, the transcription call and the thread
update. `--transcribe-delay` makes the fake transcription take that long (a real one takes seconds).

    .venv/bin/python benchmarks/voice_latency.py                 # 20 memos of 5 s, transcription instant
    .venv/bin/python benchmarks/voice_latency.py --transcribe-delay 1.5 --json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests import slack_events as se
from tests.conftest import BOT_TOKEN, bot_env, start_bot
from tests.fakes import FakeOpenAI, FakeSlack
from tests.test_voice import clip, tone

QUOTED = ":studio_microphone: _Voice memo:_"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def run(args: argparse.Namespace) -> dict[str, object]:
    with (
        tempfile.TemporaryDirectory() as tmp,
        FakeSlack(token=BOT_TOKEN, team_id=se.TEAM, bot_user_id=se.BOT_USER) as slack,
        FakeOpenAI() as model,
    ):
        memo = clip(Path(tmp) / "memo.m4a", [tone(args.seconds)])
        bot = await start_bot(bot_env(slack, model, f"sqlite+aiosqlite:///{tmp}/bench.db", Path(tmp)))
        waits: list[float] = []
        try:
            for n in range(args.memos):
                file = slack.add_file(
                    memo + bytes(n), name="audio_message.m4a", mimetype="audio/mp4", filetype="m4a", subtype="slack_audio"
                )
                model.transcribe_reply(f"memo number {n}: what's our warranty on a full tear off", delay=args.transcribe_delay)
                model.reply("Twenty-five years on workmanship.")
                channel = f"D{n + 100}"
                event = se.message("", channel=channel, channel_type="im", subtype="file_share", files=[{"id": file["id"]}])
                started = time.monotonic()
                await bot.send_event(event)
                for _ in range(int(30 / 0.005)):  # bounded: 30 s
                    if any(m.text.startswith(QUOTED) for m in slack.messages(channel=channel)):
                        break
                    await asyncio.sleep(0.005)
                waits.append((time.monotonic() - started) * 1000)
                await bot.settle()
        finally:
            await bot.stop()
    return {
        "memos": args.memos,
        "memo_seconds": args.seconds,
        "memo_bytes": len(memo),
        "transcribe_delay_ms": args.transcribe_delay * 1000,
        "event_to_transcript_ms": {
            "p50": round(statistics.median(waits), 1),
            "p99": round(percentile(waits, 0.99), 1),
            "max": round(max(waits), 1),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--memos", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each synthesized memo")
    parser.add_argument("--transcribe-delay", type=float, default=0.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = asyncio.run(run(args))
    if args.json:
        print(json.dumps(result, indent=2))
        return
    lat = result["event_to_transcript_ms"]
    assert isinstance(lat, dict)
    size = f"{result['memo_bytes']:,} bytes"
    print(f"{args.memos} voice memos of {args.seconds:.0f} s ({size}), transcription delay {args.transcribe_delay:.1f} s")
    print(f"event -> transcript visible in the thread: p50 {lat['p50']} ms, p99 {lat['p99']} ms, max {lat['max']} ms")


if __name__ == "__main__":
    main()

"""`hard-e clock`: the scheduler process (Procfile `clock`). Jobs run here, not in web processes,
so several web processes never run the same job twice."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from hard_e.bot.config import Settings
from hard_e.bot.services import Services
from hard_e.store.locks import exclusive

log = logging.getLogger(__name__)
R = TypeVar("R")

# Slack retries for minutes, not days: a week of event keys is ample for deduplication.
EVENT_RETENTION = timedelta(days=7)


async def prune_processed_events(services: Services) -> int:
    removed = await services.events.prune(EVENT_RETENTION)
    log.info("pruned %d processed event key(s)", removed)
    return removed


async def sync_knowledge(services: Services) -> None:
    """Incremental knowledge sync from the configured sources (a no-op when none are)."""
    from hard_e.integrations.document_sources import build_sources

    settings = services.settings
    if not settings.kb_configured:
        return
    report = await _exclusively(
        services, "kb-sync", "knowledge sync", lambda: services.knowledge.sync(build_sources(settings.kb_dir, settings.kb_s3_uris))
    )
    if report is not None:
        log.info("knowledge synced in %.1fs: %s", report.seconds, report.summary())


async def load_transcripts(services: Services) -> None:
    """Incremental transcript load from HARDE_TRANSCRIPTS_URI (a no-op when it is unset)."""
    from hard_e.agents.transcripts import load_transcripts as load
    from hard_e.integrations.transcript_sources import transcript_source

    uri = services.settings.transcripts_uri
    if not uri:
        return
    report = await _exclusively(services, "transcripts-load", "transcript load", lambda: load(transcript_source(uri), services.engine))
    if report is not None:
        log.info("transcripts loaded in %.1fs: %s; %d calls", report.seconds, report.summary(), report.calls)


async def _exclusively(services: Services, lock: str, what: str, work: Callable[[], Awaitable[R]]) -> R | None:
    """`work()` unless another process holds `lock` (then skipped); a failure is logged by its type
    only, and the job tries again next time. None when skipped or failed."""
    try:
        async with exclusive(services.engine, lock, wait=False) as ours:
            if not ours:
                log.info("%s skipped: another process is at it", what)
                return None
            return await work()
    except Exception as exc:
        log.error("%s failed: %s", what, type(exc).__name__)
        return None


async def work_outbox(services: Services) -> None:
    """New customers held back by a CRM outage, retried (with a Slack client for telling their reps)."""
    from hard_e.bot.outbox_worker import work_outbox as work

    await work(services, services.slack_client())


# (job, interval): each starts at once, runs one at a time, and a missed run is not made up twice.
JOBS: tuple[tuple[Callable[[Services], Awaitable[object]], timedelta], ...] = (
    (prune_processed_events, timedelta(hours=6)),
    (sync_knowledge, timedelta(minutes=15)),
    (load_transcripts, timedelta(minutes=15)),
    (work_outbox, timedelta(minutes=1)),
)


def build_scheduler(services: Services) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone=UTC)
    for job, every in JOBS:
        scheduler.add_job(
            job,
            "interval",
            seconds=every.total_seconds(),
            args=[services],
            id=job.__name__,
            next_run_time=datetime.now(UTC),
            coalesce=True,
            max_instances=1,
        )
    return scheduler


async def clock(settings: Settings) -> None:
    services = Services.build(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await services.prepare()
    scheduler = build_scheduler(services)
    scheduler.start()
    log.info("Hard-E clock started with %d job(s)", len(scheduler.get_jobs()))
    try:
        await stop.wait()
    finally:
        scheduler.shutdown(wait=False)
        await services.aclose()

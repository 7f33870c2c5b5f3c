"""Scheduled jobs: knowledge sync, transcript load, outbox retry, retention (and, with issue 14, digests
and chart refresh). They run in `hard-e clock` (Procfile `clock`) and, with HARDE_SCHEDULER=on (the
default, for a single process), inside `hard-e run` too. However many processes fire a job, a database
claim on its time slot lets exactly one of them run it (`hard_e/store/job_runs.py`)."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from hard_e.bot.charts import refresh_charts
from hard_e.bot.config import Settings
from hard_e.bot.digest_job import send_digests
from hard_e.bot.services import Services
from hard_e.store.job_runs import JobRuns
from hard_e.store.locks import exclusive
from hard_e.store.retention import EVENT_RETENTION, prune

log = logging.getLogger(__name__)
R = TypeVar("R")


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


async def retention(services: Services) -> None:
    """Drop what is older than HARDE_RETENTION_DAYS: conversations and their history, pending
    actions, finished outbox rows, voice transcripts, the turn log (and its question text)."""
    removed = await prune(services.engine, timedelta(days=services.settings.retention_days))
    log.info("retention: %s", ", ".join(f"{count} {name}" for name, count in removed.items() if count) or "nothing to remove")


@dataclass(frozen=True)
class Job:
    """A job the scheduler fires every `every`, at the same moments in every process (multiples of
    `every` since the epoch), so all clocks agree on its time slots and the first to claim one runs it."""

    name: str
    every: timedelta
    work: Callable[[Services], Awaitable[object]]

    def slot(self, at: datetime) -> int:
        """The slot a run fired at `at` belongs to (the nearest multiple of `every`)."""
        return round(at.timestamp() / self.every.total_seconds())


JOBS: tuple[Job, ...] = (
    Job("knowledge_sync", timedelta(minutes=15), sync_knowledge),
    Job("transcripts_load", timedelta(minutes=15), load_transcripts),
    Job("outbox", timedelta(seconds=30), work_outbox),
    Job("retention", timedelta(hours=6), retention),
    Job("digests", timedelta(minutes=15), send_digests),
    Job("charts", timedelta(days=1), refresh_charts),
)


async def run_job(services: Services, job: Job, at: datetime | None = None) -> str:
    """Run `job` once for the slot of `at` (now) unless another process has: "ran", "skipped",
    "failed" or "cancelled". A failure is logged by its kind and the job runs again in its next slot."""
    current = asyncio.current_task()
    if current is not None:
        _running.add(current)
    try:
        return await _run_job(services, job, job.slot(at or datetime.now(UTC)))
    except asyncio.CancelledError:
        # Shutting down: a claimed slot stays "running" and the next slot runs the job again. Not
        # re-raised: this task is the job's own, and APScheduler would log a cancelled job as a crash.
        log.info("job %s stopped by shutdown", job.name)
        return "cancelled"
    finally:
        if current is not None:
            _running.discard(current)


async def _run_job(services: Services, job: Job, slot: int) -> str:
    runs = services.job_runs or JobRuns(services.engine)
    try:
        if not await runs.claim(job.name, slot):
            log.debug("job %s: slot taken by another process", job.name)
            return "skipped"
    except Exception as exc:
        log.error("job %s not started: the store failed (%s); trying again next time", job.name, type(exc).__name__)
        return "failed"
    error: str | None = None
    try:
        await job.work(services)
    except Exception as exc:
        error = type(exc).__name__
        log.error("job %s failed: %s; it runs again at its next time", job.name, error)
    try:
        await runs.finish(job.name, slot, error=error)
    except Exception as exc:
        log.warning("job %s: could not record its end (%s)", job.name, type(exc).__name__)
    services.metrics.jobs.labels(job=job.name, outcome="failed" if error else "ok").inc()
    return "failed" if error else "ran"


_running: set[asyncio.Task[object]] = set()  # job runs under way in this process


async def stop(scheduler: AsyncIOScheduler) -> None:
    """No new runs, and the ones under way stopped and finished with (before the engine closes)."""
    scheduler.shutdown(wait=False)
    running = [task for task in _running if not task.done()]
    for task in running:
        task.cancel()
    await asyncio.gather(*running, return_exceptions=True)


def build_scheduler(services: Services, jobs: tuple[Job, ...] = JOBS) -> AsyncIOScheduler:
    """Each job fires at once, then at every multiple of its interval; one run at a time per process,
    and a missed run is not made up twice."""
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # a line per run is noise; ours say what matters
    scheduler = AsyncIOScheduler(timezone=UTC)
    epoch = datetime.fromtimestamp(0, UTC)
    for job in jobs:
        scheduler.add_job(
            run_job,
            IntervalTrigger(seconds=job.every.total_seconds(), start_date=epoch, timezone=UTC),
            args=[services, job],
            id=job.name,
            next_run_time=datetime.now(UTC),
            coalesce=True,
            max_instances=1,
            misfire_grace_time=int(job.every.total_seconds() // 2) or 1,
        )
    return scheduler


def start_in_run(services: Services) -> AsyncIOScheduler | None:
    """The jobs inside `hard-e run` when HARDE_SCHEDULER=on (they fire at once, then on schedule; a
    `hard-e clock` beside it never runs the same slot again); None when they are the clock's alone."""
    if not services.settings.scheduler:
        log.info("scheduler off: jobs run in `hard-e clock` only")
        return None
    scheduler = build_scheduler(services)
    scheduler.start()
    log.info("scheduler on: %d job(s) run in this process", len(scheduler.get_jobs()))
    return scheduler


async def clock(settings: Settings) -> None:
    services = Services.build(settings)
    stop_signal = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop_signal.set)
    await services.prepare(serving=False)
    scheduler = build_scheduler(services)
    scheduler.start()
    log.info("Hard-E clock started with %d job(s)", len(scheduler.get_jobs()))
    try:
        await stop_signal.wait()
    finally:
        await stop(scheduler)
        await services.aclose()

"""`hard-e run`: migrate, then serve Slack in Socket Mode or over HTTP until told to stop."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable

import aiohttp
from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from hard_e.bot.app import build_app
from hard_e.bot.config import Settings
from hard_e.bot.http_server import build_health_app, build_web_app, serve
from hard_e.bot.recovery import keep_sweeping
from hard_e.bot.scheduler import start_in_run
from hard_e.bot.scheduler import stop as stop_jobs
from hard_e.bot.services import Services

log = logging.getLogger(__name__)

REJECTED = {"invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive", "not_allowed_token_type"}


class StartupError(Exception):
    """Start-up cannot go on; the message says what to fix and is safe to print."""


async def verify_slack_credentials(client: AsyncWebClient, app_token: str | None) -> None:
    """Fail fast on tokens Slack rejects; a Slack that can't be reached is only warned about."""
    checks: list[tuple[str, Callable[[], Awaitable[AsyncSlackResponse]]]] = [("SLACK_BOT_TOKEN", client.auth_test)]
    if app_token is not None:
        checks.append(("SLACK_APP_TOKEN", lambda: client.apps_connections_open(app_token=app_token)))
    for name, call in checks:
        try:
            await call()
        except SlackApiError as exc:
            error = exc.response.get("error")
            if error in REJECTED:
                raise StartupError(f"Slack rejected {name} ({error}). Check the token in your environment or .env.") from None
            log.warning("Slack answered %s while checking %s; going on", error, name)
        except (TimeoutError, aiohttp.ClientError, OSError):
            log.warning("could not reach Slack to check %s; going on, Slack calls will be retried", name)


async def run(settings: Settings, *, force_http: bool = False, port: int | None = None) -> None:
    http = force_http or not settings.socket_mode
    services = Services.build(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    background: list[asyncio.Task[None]] = []
    schedulers: list[AsyncIOScheduler] = []

    def serving() -> None:
        # The jobs start once Slack can reach us (a port already taken stops start-up before them).
        if (scheduler := start_in_run(services)) is not None:
            schedulers.append(scheduler)

    log.debug("settings: %s", settings.describe())
    try:
        await services.prepare()
        if not settings.llm_configured:
            log.warning("no language model configured: set OPENAI_API_KEY or OPENAI_BASE_URL")
        bolt = build_app(services, socket_mode=not http)
        app_token = settings.slack_app_token.get() if settings.slack_app_token and not http else None
        await verify_slack_credentials(bolt.client, app_token)
        background.append(asyncio.create_task(keep_sweeping(services, bolt.client)))
        if http:
            await _serve_http(bolt, services, port or settings.port, stop, serving)
        else:
            await _serve_socket_mode(bolt, services, port or settings.port, stop, serving)
    finally:
        log.info("shutting down")
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        # Let them stop before the engine goes: a query cut off mid-dispose would never return.
        for scheduler in schedulers:
            await stop_jobs(scheduler)
        for task in background:
            task.cancel()
        await asyncio.gather(*background, return_exceptions=True)
        await services.aclose()


async def _serve_http(bolt: AsyncApp, services: Services, port: int, stop: asyncio.Event, serving: Callable[[], None]) -> None:
    try:
        runner = await serve(build_web_app(bolt, services), services.settings.host, port)
    except OSError as exc:
        raise StartupError(f"Can't listen on {services.settings.host}:{port} ({exc.strerror}). Set PORT or --port.") from None
    log.info("Hard-E listening for Slack over HTTP on %s:%s", services.settings.host, port)
    serving()
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


async def _serve_socket_mode(bolt: AsyncApp, services: Services, port: int, stop: asyncio.Event, serving: Callable[[], None]) -> None:
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

    settings = services.settings
    assert settings.slack_app_token is not None  # Socket Mode is chosen by its presence
    handler = AsyncSocketModeHandler(bolt, settings.slack_app_token.get())
    # The platform's health check, as in HTTP mode, with the connection's state; Socket Mode works without it.
    health = await _serve_health(build_health_app(services, handler.client.is_connected), settings.host, port)
    try:
        # Connecting retries on its own while Slack is unreachable; a stop signal still wins.
        connecting = asyncio.create_task(handler.connect_async())  # type: ignore[no-untyped-call]
        stopping = asyncio.create_task(stop.wait())
        try:
            await asyncio.wait({connecting, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            connecting.cancel()
            stopping.cancel()
        if not stop.is_set():
            log.info("Hard-E connected to Slack in Socket Mode")
            serving()
            await stop.wait()
    finally:
        await handler.close_async()  # type: ignore[no-untyped-call]
        if health is not None:
            await health.cleanup()


async def _serve_health(app: web.Application, host: str, port: int) -> web.AppRunner | None:
    try:
        runner = await serve(app, host, port)
    except OSError as exc:
        log.warning("can't serve /healthz on %s:%s (%s); going on without it (set PORT or --port)", host, port, exc.strerror)
        return None
    log.info("health check at http://%s:%s/healthz", host, port)
    return runner

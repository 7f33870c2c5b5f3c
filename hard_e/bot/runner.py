"""`hard-e run`: migrate, then serve Slack in Socket Mode or over HTTP until told to stop."""

from __future__ import annotations

import asyncio
import logging
import signal

from slack_bolt.async_app import AsyncApp

from hard_e.bot.app import build_app
from hard_e.bot.config import Settings
from hard_e.bot.http_server import build_web_app, serve
from hard_e.bot.recovery import keep_sweeping
from hard_e.bot.services import Services

log = logging.getLogger(__name__)


def missing_credentials_message(missing: list[str], *, http: bool) -> str:
    mode = "HTTP mode" if http else "Socket Mode"
    where = (
        "the Signing Secret from Basic Information (SLACK_SIGNING_SECRET)"
        if http
        else "your app-level token with connections:write (SLACK_APP_TOKEN)"
    )
    return (
        f"Hard-E can't connect to Slack yet: set {', '.join(missing)} ({mode}).\n"
        "  - Create the Slack app from manifest.yml and install it to your workspace; copy the\n"
        f"    Bot User OAuth Token (SLACK_BOT_TOKEN) and {where}.\n"
        "  - Put them in the environment or in a .env file (see .env.example).\n"
        "To talk to Hard-E without Slack, run `hard-e chat` (or `.venv/bin/hard-e chat`)."
    )


async def run(settings: Settings, *, force_http: bool = False, port: int | None = None) -> None:
    http = force_http or not settings.socket_mode
    services = Services.build(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    sweeper: asyncio.Task | None = None
    try:
        await services.prepare()
        if not settings.llm_configured:
            log.warning("no language model configured: set OPENAI_API_KEY or OPENAI_BASE_URL")
        bolt = build_app(services, socket_mode=not http)
        sweeper = asyncio.create_task(keep_sweeping(services, bolt.client))
        if http:
            await _serve_http(bolt, services, port or settings.port, stop)
        else:
            await _serve_socket_mode(bolt, settings, stop)
    finally:
        log.info("shutting down")
        if sweeper is not None:
            sweeper.cancel()
        await services.aclose()


async def _serve_http(bolt: AsyncApp, services: Services, port: int, stop: asyncio.Event) -> None:
    runner = await serve(build_web_app(bolt, services), services.settings.host, port)
    log.info("Hard-E listening for Slack over HTTP on %s:%s", services.settings.host, port)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


async def _serve_socket_mode(bolt: AsyncApp, settings: Settings, stop: asyncio.Event) -> None:
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

    handler = AsyncSocketModeHandler(bolt, settings.slack_app_token.get())
    await handler.connect_async()
    log.info("Hard-E connected to Slack in Socket Mode")
    try:
        await stop.wait()
    finally:
        await handler.close_async()

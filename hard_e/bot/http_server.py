"""HTTP mode: Slack's Events API on one URL, plus health and metrics for the platform."""

from __future__ import annotations

import logging

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp

from hard_e.bot.services import Services

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024  # Slack payloads are far smaller; refuse anything larger


def build_web_app(bolt: AsyncApp, services: Services) -> web.Application:
    async def slack_events(request: web.Request) -> web.Response:
        try:
            bolt_request = await to_bolt_request(request)
            bolt_response = await bolt.async_dispatch(bolt_request)
        except web.HTTPException:
            raise  # e.g. 413 for an oversized body
        except Exception as exc:
            log.error("could not handle a Slack request: %s", type(exc).__name__)
            return web.json_response({"error": "could not process the request"}, status=400)
        return await to_aiohttp_response(bolt_response)

    async def healthz(_: web.Request) -> web.Response:
        if await services.store_answers():
            return web.json_response({"status": "ok"})
        return web.json_response({"status": "store unavailable"}, status=503)

    async def metrics(_: web.Request) -> web.Response:
        response = web.Response(body=services.metrics.render())
        response.headers["Content-Type"] = services.metrics.content_type
        return response

    app = web.Application(client_max_size=MAX_BODY)
    app.router.add_post("/slack/events", slack_events)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    return app


async def serve(web_app: web.Application, host: str, port: int) -> web.AppRunner:
    """Start listening; the caller keeps the runner and calls `cleanup()` to stop."""
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner


def port_of(runner: web.AppRunner) -> int:
    """The bound port (useful when started on port 0)."""
    for site in runner.sites:
        server = getattr(site, "_server", None)
        if server and server.sockets:
            return server.sockets[0].getsockname()[1]
    raise RuntimeError("server is not listening")




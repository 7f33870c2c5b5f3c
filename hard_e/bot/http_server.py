"""HTTP mode: Slack's Events API on one URL, plus health and metrics for the platform (Socket Mode
serves the health check on its own: `build_health_app`).

Every request to /slack/events is read with a deadline, verified (see `request_guard`) and checked
for shape before Bolt parses it, so nothing a stranger sends can reach a listener, cost a 500 or
fill the log. A connection that never finishes its headers is closed by aiohttp's keep-alive timer,
which (since 3.10) also runs before the first request; it is set to the same deadline.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp

from hard_e.bot.request_guard import Rejections, payload_problem, verification_problem
from hard_e.bot.services import Services

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024  # Slack payloads are far smaller; refuse anything larger
REQUEST_TIMEOUT = 5.0  # seconds for a request's headers, and again for its body
# After a body we stopped reading (too slow, too large), aiohttp drains the rest before closing;
# its default (10 s) would keep a stalled connection open twice as long as the timeout itself.
LINGER = 1.0
UNVERIFIED = {"error": "request could not be verified as coming from Slack"}
REJECTIONS = web.AppKey("rejections", Rejections)


def build_web_app(
    bolt: AsyncApp, services: Services, *, body_timeout: float = REQUEST_TIMEOUT, clock: Callable[[], float] = time.time
) -> web.Application:
    rejections = Rejections(services.metrics.http_rejections)
    secret = services.settings.slack_signing_secret

    async def slack_events(request: web.Request) -> web.StreamResponse:
        try:
            body = await asyncio.wait_for(request.read(), body_timeout)
        except web.HTTPRequestEntityTooLarge:
            rejections.reject("too_large")
            raise
        except TimeoutError:
            rejections.reject("body_timeout")
            return _closing(web.json_response({"error": "request body too slow"}, status=408))
        except (ConnectionError, HttpProcessingError, asyncio.IncompleteReadError):
            rejections.reject("client_gone")  # nobody is left to answer
            return _closing(web.Response(status=400))
        if secret is not None and (problem := verification_problem(request.headers, body, secret.get(), now=clock())):
            rejections.reject(problem)
            return web.json_response(UNVERIFIED, status=401)
        if payload_problem(body, request.content_type) is not None:
            rejections.reject("malformed_payload")
            return web.json_response({"error": "not a payload Slack sends"}, status=400)
        try:
            bolt_request = await to_bolt_request(request)
            bolt_response = await bolt.async_dispatch(bolt_request)
        except Exception as exc:
            # Signed by Slack yet unusable: worth a line each time (it is not a stranger's junk).
            log.error("could not handle a Slack request: %s", type(exc).__name__)
            return web.json_response({"error": "could not process the request"}, status=400)
        return await to_aiohttp_response(bolt_response)

    async def metrics(_: web.Request) -> web.Response:
        response = web.Response(body=await services.render_metrics())
        response.headers["Content-Type"] = services.metrics.content_type
        return response

    app = web.Application(client_max_size=MAX_BODY)
    app[REJECTIONS] = rejections
    app.router.add_post("/slack/events", slack_events)
    app.router.add_get("/healthz", healthz_view(services))
    app.router.add_get("/metrics", metrics)
    return app


def build_health_app(services: Services, socket_connected: Callable[[], Awaitable[bool]]) -> web.Application:
    """What Socket Mode serves on HOST:PORT: `/healthz`, with the state of the Socket Mode connection.
    No Slack requests: those come over the websocket, so nothing unsigned is taken here."""
    app = web.Application(client_max_size=MAX_BODY)
    app[REJECTIONS] = Rejections(services.metrics.http_rejections)
    app.router.add_get("/healthz", healthz_view(services, socket_connected))
    return app


def healthz_view(
    services: Services, socket_connected: Callable[[], Awaitable[bool]] | None = None
) -> Callable[[web.Request], Awaitable[web.Response]]:
    """`GET /healthz`: 200 `{"status": "ok", "database": "ok"}` (in Socket Mode with `"socket_mode":
    "connected"`); "degraded" and why, still 200, when Hard-E runs but can't answer (no model); 503
    "unavailable" and why when the database does not answer or the Socket Mode connection is down."""

    async def healthz(_: web.Request) -> web.Response:
        database = await services.store_answers()
        parts = {"database": "ok" if database else "unavailable"}
        down = [] if database else ["the database does not answer"]
        if socket_connected is not None:
            connected = await socket_connected()
            parts["socket_mode"] = "connected" if connected else "disconnected"
            down += [] if connected else ["not connected to Slack (Socket Mode)"]
        if down:
            return web.json_response({"status": "unavailable", "reasons": down, **parts}, status=503)
        if reasons := services.degraded_reasons():
            return web.json_response({"status": "degraded", "reasons": reasons, **parts})
        return web.json_response({"status": "ok", **parts})

    return healthz


def _closing(response: web.StreamResponse) -> web.StreamResponse:
    response.force_close()
    return response


class ProtocolLogger(logging.Logger):
    """aiohttp's connection log for this server: a malformed request line or header (aiohttp logs a
    traceback at ERROR, or at DEBUG for a bad method) is counted as a rejection instead; the rest
    goes on to the "aiohttp" logger as before."""

    def __init__(self, rejections: Rejections) -> None:
        super().__init__("aiohttp.server")
        self.parent = logging.getLogger("aiohttp")
        self._rejections = rejections

    def _counted(self, exc_info: object) -> bool:
        exc = exc_info[1] if isinstance(exc_info, tuple) else exc_info
        if isinstance(exc, HttpProcessingError):
            self._rejections.reject("malformed_http")
            return True
        return False

    def debug(self, msg: object, *args: object, **kwargs: Any) -> None:
        if not self._counted(kwargs.get("exc_info")):
            super().debug(msg, *args, **kwargs)

    def exception(self, msg: object, *args: object, exc_info: Any = True, **kwargs: Any) -> None:
        if not self._counted(exc_info):
            super().exception(msg, *args, exc_info=exc_info, **kwargs)


async def serve(web_app: web.Application, host: str, port: int, *, header_timeout: float = REQUEST_TIMEOUT) -> web.AppRunner:
    """Start listening; the caller keeps the runner and calls `cleanup()` to stop."""
    runner = web.AppRunner(
        web_app,
        access_log=None,
        keepalive_timeout=header_timeout,
        lingering_time=LINGER,
        logger=ProtocolLogger(web_app[REJECTIONS]),
    )
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner


def port_of(runner: web.AppRunner) -> int:
    """The bound port (useful when started on port 0)."""
    for site in runner.sites:
        server = getattr(site, "_server", None)
        if server and server.sockets:
            return int(server.sockets[0].getsockname()[1])
    raise RuntimeError("server is not listening")

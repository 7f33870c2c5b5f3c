"""The Bolt app factory."""

from __future__ import annotations

import logging

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from hard_e import handlers
from hard_e.bot.bolt_logging import quiet_bolt
from hard_e.bot.budgeted_client import use_budgeted_clients
from hard_e.bot.services import Services

log = logging.getLogger(__name__)


def build_app(services: Services, *, socket_mode: bool = False) -> AsyncApp:
    settings = services.settings
    token = settings.slack_bot_token.get() if settings.slack_bot_token else None
    client = AsyncWebClient(token=token, base_url=settings.slack_api_url)
    signing_secret = settings.slack_signing_secret.get() if settings.slack_signing_secret else ""
    app = AsyncApp(
        # Named here: left unnamed, Bolt names the app after its caller's file by inspect.stack(), which
        # reads the source of every frame on the stack (tens of milliseconds for each app built).
        name="hard-e",
        client=client,
        signing_secret=signing_secret,
        # Socket Mode messages arrive over an authenticated websocket, not signed HTTP.
        request_verification_enabled=not socket_mode,
        logger=quiet_bolt(logging.getLogger("hard_e.bolt")),
    )
    use_budgeted_clients(app, services.budgets)  # before the listeners: every `client` they get is budgeted
    handlers.register(app, services)

    @app.error
    async def log_listener_error(error: Exception) -> None:
        # Type only: exception text from Slack payloads can carry message content.
        log.error("listener failed: %s", type(error).__name__)

    return app

"""Bolt listeners. Each feature module exposes `register(app, services)`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hard_e.handlers import actions, commands, feedback, home, messages, new_customer, photos, script, script_media, voice

if TYPE_CHECKING:
    from slack_bolt.async_app import AsyncApp

    from hard_e.bot.services import Services


def register(app: AsyncApp, services: Services) -> None:
    messages.register(app, services)
    home.register(app, services)
    commands.register(app, services)
    actions.register(app, services)
    feedback.register(app, services)
    new_customer.register(app, services)
    script_media.register(app, services)
    script.register(app, services)
    voice.register(app, services)
    photos.register(app, services)

"""The daily chart refresh (a scheduler job): the admins' App Home charts redrawn from the last 14
days and uploaded again, so opening the tab never waits for matplotlib. The drawing and uploading
itself lives with the App Home (`handlers/home.py`), which its Refresh button also runs; imports
point down only, so the handler cannot call into `bot/`, and this job calls it instead (as
`bot/outbox_worker.py` does)."""

from __future__ import annotations

import logging

from hard_e.bot.services import Services
from hard_e.handlers.home import refresh_team_charts
from hard_e.store.analytics import Analytics

log = logging.getLogger(__name__)


async def refresh_charts(services: Services) -> None:
    """Redraw the charts of the bot token's workspace when it had turns in the window. Other team
    ids in the turn log (the console's "console", a workspace the token is not installed in) are
    skipped: their files would land in the token's workspace. A failure (store, Slack) is raised for
    the scheduler to log by kind; the job runs again at its next time."""
    teams = await Analytics(services.engine).teams_with_turns()
    if not teams:
        log.info("charts: no turns in the window, nothing to draw")
        return
    client = services.slack_client()
    team = str((await client.auth_test()).get("team_id") or "")
    if team not in teams:
        log.info("charts: the bot's workspace had no turns in the window, nothing to draw")
        return
    outcome = await refresh_team_charts(client, services, team)
    log.info("charts: %s", outcome)

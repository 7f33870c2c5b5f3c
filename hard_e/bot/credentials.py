"""What `hard-e run` and `hard-e chat` need before they can start, checked before either imports Slack or
the Agents SDK (seconds of start-up): a missing setting is named at once."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hard_e.bot.config import Settings

NO_MODEL = "No language model configured: set OPENAI_API_KEY, or OPENAI_BASE_URL for a local model server.\n"

SOCKET_MODE_NEEDS = "SLACK_APP_TOKEN, an app-level token with\n    connections:write (Basic Information → App-Level Tokens)"
HTTP_MODE_NEEDS = "SLACK_SIGNING_SECRET\n    (Basic Information → App Credentials → Signing Secret)"


def missing_credentials_message(settings: Settings, *, force_http: bool) -> str | None:
    """What to set before `hard-e run` can connect, naming the mode(s) it applies to; None when ready.

    The mode follows the settings: `--http` or a signing secret without an app token is HTTP mode,
    an app token is Socket Mode (the manifest's default). With neither, both ways are offered."""
    bot_token = [] if settings.slack_bot_token else ["SLACK_BOT_TOKEN"]
    if force_http or (settings.slack_signing_secret and not settings.socket_mode):
        missing = bot_token + ([] if settings.slack_signing_secret else ["SLACK_SIGNING_SECRET"])
        ways = [f"HTTP mode needs {HTTP_MODE_NEEDS}."]
    elif settings.socket_mode:
        missing, ways = bot_token, [f"Socket Mode needs {SOCKET_MODE_NEEDS}."]
    else:
        missing = bot_token + ["SLACK_APP_TOKEN or SLACK_SIGNING_SECRET"]
        ways = [
            f"Socket Mode (the manifest's default, no public URL) needs {SOCKET_MODE_NEEDS}.",
            f"HTTP mode (`hard-e run --http`, behind a public URL) needs {HTTP_MODE_NEEDS}.",
        ]
    if not missing:
        return None
    lines = [f"Hard-E can't connect to Slack yet: set {' and '.join(missing)}."]
    if bot_token:
        lines.append("  - Every mode needs SLACK_BOT_TOKEN: the Bot User OAuth Token (OAuth & Permissions), after")
        lines.append("    creating the Slack app from manifest.yml and installing it to your workspace.")
    lines += [f"  - {way}" for way in ways]
    lines += [
        "Put them in the environment or in a .env file (see .env.example).",
        "To talk to Hard-E without Slack, run `hard-e chat` (or `.venv/bin/hard-e chat`).",
    ]
    return "\n".join(lines)

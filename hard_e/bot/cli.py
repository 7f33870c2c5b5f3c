"""The `hard-e` command (also `python -m hard_e`)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from hard_e.bot.config import ConfigError, Settings

# These libraries log request/response bodies or SQL parameters at DEBUG: message text, tokens.
QUIET_LOGGERS = (
    "hard_e.bolt", "slack_bolt", "slack_sdk", "openai", "httpx2", "httpx", "agents", "openai.agents",
    "aiosqlite", "asyncpg", "sqlalchemy", "aiohttp.access", "alembic.runtime.plugins", "botocore", "boto3",
)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="hard-e", description="Hard-E, the sales team's AI colleague in Slack.")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="start the bot (Socket Mode when SLACK_APP_TOKEN is set, else HTTP)")
    run.add_argument("--http", action="store_true", help="serve Slack's Events API over HTTP")
    run.add_argument("--port", type=int, help="HTTP port (default: PORT, else 3000)")
    sub.add_parser("chat", help="talk to Hard-E in the terminal")
    sub.add_parser("clock", help="run the scheduler process (housekeeping jobs)")
    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="apply migrations")
    return parser.parse_args(argv)


def configure_logging(level: str) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLogger().level))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        print(f"Configuration error: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level)
    if args.command == "run":
        from hard_e.bot.runner import StartupError, missing_credentials_message, run

        if args.port is not None and not 1 <= args.port <= 65535:
            print("Configuration error: --port must be between 1 and 65535", file=sys.stderr)
            return 2
        http = args.http or not settings.socket_mode
        missing = settings.missing_slack_settings(http=http)
        if missing:
            print(missing_credentials_message(missing, http=http), file=sys.stderr)
            return 1
        try:
            asyncio.run(run(settings, force_http=args.http, port=args.port))
        except StartupError as exc:
            print(str(exc), file=sys.stderr)
            return 1
        return 0
    if args.command == "chat":
        from hard_e.bot.console import chat

        return asyncio.run(chat(settings))
    if args.command == "clock":
        from hard_e.bot.scheduler import clock

        asyncio.run(clock(settings))
        return 0
    if args.command == "db":
        from hard_e.bot.services import Services

        async def upgrade() -> None:
            services = Services.build(settings)
            try:
                await services.prepare()
            finally:
                await services.aclose()

        asyncio.run(upgrade())
        print("Database is up to date.")
        return 0
    return 1


if __name__ == "__main__":
    sys.exit(main())

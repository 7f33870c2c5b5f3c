"""The `hard-e` command (also `python -m hard_e`).

Admin commands (`db`, `kb`, `transcripts`, `crm`) touch only the store: they must not import the Agents SDK,
openai or Slack (seconds of start-up), so those imports stay inside the `run`/`chat`/`clock` branches.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from hard_e.bot.config import ConfigError, Settings

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

# These libraries log request/response bodies or SQL parameters at DEBUG: message text, tokens.
QUIET_LOGGERS = (
    "hard_e.bolt",
    "slack_bolt",
    "slack_sdk",
    "openai",
    "httpx2",
    "httpx",
    "agents",
    "openai.agents",
    "aiosqlite",
    "asyncpg",
    "sqlalchemy",
    "aiohttp.access",
    "alembic.runtime.plugins",
    "botocore",
    "boto3",
)


MODEL_VARIABLES = """\
  OPENAI_API_KEY          the language model (or OPENAI_BASE_URL for a local OpenAI-compatible server)
  DATABASE_URL            PostgreSQL in production (default: SQLite under HARDE_DATA_DIR, ./data)
  HARDE_KB_DIR, HARDE_KB_S3_URIS, HARDE_TRANSCRIPTS_URI   knowledge and call transcripts (optional)
  PERPLEXITY_API_KEY, XAI_API_KEY                         web research, Grok voice pass (optional)"""
RUN_EPILOG = f"""environment (or a .env file; .env.example lists every setting):
  SLACK_BOT_TOKEN         Bot User OAuth Token (every mode)
  SLACK_APP_TOKEN         app-level token with connections:write (Socket Mode, the manifest's default)
  SLACK_SIGNING_SECRET    Signing Secret (HTTP mode: --http, or no SLACK_APP_TOKEN)
  HOST, PORT              where HTTP mode listens (default 0.0.0.0:3000)
{MODEL_VARIABLES}"""
CHAT_EPILOG = f"""environment (or a .env file; no Slack settings needed):
{MODEL_VARIABLES}"""


def version() -> str:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("hard-e")
    except PackageNotFoundError:
        return "unknown (not installed)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hard-e", description="Hard-E, the sales team's AI colleague in Slack.")
    parser.add_argument("--version", action="version", version=f"hard-e {version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    raw = argparse.RawDescriptionHelpFormatter
    run = sub.add_parser(
        "run",
        help="start the bot (Socket Mode when SLACK_APP_TOKEN is set, else HTTP)",
        description="Apply migrations, then serve Slack until stopped (Ctrl-C or SIGTERM).",
        epilog=RUN_EPILOG,
        formatter_class=raw,
    )
    run.add_argument("--http", action="store_true", help="serve Slack's Events API over HTTP")
    run.add_argument("--port", type=int, help="HTTP port (default: PORT, else 3000)")
    sub.add_parser(
        "chat",
        help="talk to Hard-E in the terminal",
        description="Talk to Hard-E in the terminal, without Slack.",
        epilog=CHAT_EPILOG,
        formatter_class=raw,
    )
    sub.add_parser("clock", help="run the scheduler process (housekeeping jobs)")
    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="apply migrations")
    kb = sub.add_parser("kb", help="knowledge base: index the configured sources, search the index")
    kb_sub = kb.add_subparsers(dest="kb_command", required=True)
    kb_sub.add_parser("sync", help="index new and changed documents, drop deleted ones (HARDE_KB_DIR, HARDE_KB_S3_URIS)")
    kb_search = kb_sub.add_parser("search", help="show the passages that best match a query, with their sources")
    kb_search.add_argument("query", help="what to look for")
    kb_search.add_argument("--limit", type=int, default=5, help="how many passages to show (default 5, at most 50)")
    transcripts = sub.add_parser("transcripts", help="call transcripts for the Analysis agent")
    transcripts_sub = transcripts.add_subparsers(dest="transcripts_command", required=True)
    transcripts_sub.add_parser("load", help="load new and changed transcript JSON files, drop deleted ones (HARDE_TRANSCRIPTS_URI)")
    crm = sub.add_parser("crm", help="the local CRM kept in Hard-E's database")
    crm_sub = crm.add_subparsers(dest="crm_command", required=True)
    crm_import = crm_sub.add_parser(
        "import",
        help="add and update users, customers, jobs and notes from JSON files",
        description="Import users.json, customers.json, jobs.json and notes.json (any of them) from a folder, "
        "matching records by id: importing the same files again changes nothing.",
    )
    crm_import.add_argument("path", nargs="?", help="the folder holding the JSON files")
    crm_import.add_argument("--sample", action="store_true", help="import the bundled sample CRM (a fictional company) instead")
    sub.add_parser(
        "doctor",
        help="check every configured credential and endpoint (exit 1 on any problem)",
        description="Check each configured credential and endpoint — Slack (token, scopes, Socket Mode), the model server and "
        "each model, Leap, S3 sources, Perplexity, xAI, ElevenLabs, Shotstack, the database and its migrations — and print "
        "one line each: ok, or the problem and its fix. Exit status 1 when anything is wrong.",
    )
    return parser


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    return build_parser().parse_args(argv)


TEXT_LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# A LogRecord's own attributes; anything else on a record came from `extra=` and is logged as a field.
_RECORD_FIELDS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    """`HARDE_LOG_FORMAT=json`: one JSON object per line — time (UTC, ISO 8601), level, logger, message,
    any `extra=` fields, and a traceback as one `exception` string. It carries what the text line
    carries, nothing more."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update((key, value) for key, value in vars(record).items() if key not in _RECORD_FIELDS and key not in entry)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def configure_logging(level: str, log_format: str = "text") -> None:
    """Log to stderr at `level`, as text lines or (`json`) one JSON object per line. Like
    `logging.basicConfig`, it leaves a root logger that already has handlers as it is."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_LOG_FORMAT))
    logging.basicConfig(level=level, handlers=[handler])
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLogger().level))
    # Alembic narrates every check ("Context impl SQLiteImpl."); `migrate.upgrade` logs what was applied.
    logging.getLogger("alembic").setLevel(logging.DEBUG if level.upper() == "DEBUG" else logging.WARNING)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.command is None:
        build_parser().print_help()
        return 0
    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        print(f"Configuration error: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level, settings.log_format)
    if args.command == "run":
        from hard_e.bot.credentials import missing_credentials_message

        if args.port is not None and not 1 <= args.port <= 65535:
            print("Configuration error: --port must be between 1 and 65535", file=sys.stderr)
            return 2
        if (missing := missing_credentials_message(settings, force_http=args.http)) is not None:
            print(missing, file=sys.stderr)
            return 1
        from hard_e.bot.runner import StartupError, run  # Slack and the Agents SDK: only once there is something to run

        try:
            asyncio.run(run(settings, force_http=args.http, port=args.port))
        except StartupError as exc:
            print(str(exc), file=sys.stderr)
            return 1
        return 0
    if args.command == "chat":
        if not settings.llm_configured:  # said before the Agents SDK is imported, as chat() would say it
            from hard_e.bot.credentials import NO_MODEL

            sys.stdout.write(NO_MODEL)
            return 2
        from hard_e.bot.console import chat

        return asyncio.run(chat(settings))
    if args.command == "clock":
        from hard_e.bot.scheduler import clock

        asyncio.run(clock(settings))
        return 0
    if args.command == "db":
        asyncio.run(upgrade_database(settings))
        print("Database is up to date.")
        return 0
    if args.command == "kb":
        if args.kb_command == "search" and not 1 <= args.limit <= 50:
            print("--limit must be between 1 and 50", file=sys.stderr)
            return 2
        return asyncio.run(knowledge_command(args, settings))
    if args.command == "transcripts":
        return asyncio.run(transcripts_command(settings))
    if args.command == "crm":
        if (args.path is None) == (not args.sample):
            print("hard-e crm import: give a folder or --sample (one of the two).", file=sys.stderr)
            return 2
        return asyncio.run(crm_command(args, settings))
    if args.command == "doctor":
        from hard_e.bot.doctor import doctor

        return asyncio.run(doctor(settings))
    return 1


@asynccontextmanager
async def migrated_engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    """The store, migrated, for admin commands: what `Services` would give them, minus models and Slack."""
    from hard_e.store import migrate
    from hard_e.store.db import create_engine

    engine = create_engine(settings.database_url)
    try:
        await migrate.upgrade(engine)
        yield engine
    finally:
        await engine.dispose()


async def upgrade_database(settings: Settings) -> None:
    """`hard-e db upgrade`."""
    async with migrated_engine(settings):
        pass


NO_KB_SOURCES = "No knowledge source is configured. Set HARDE_KB_DIR or HARDE_KB_S3_URIS (a folder, or s3://bucket/prefix URIs)."


async def knowledge_command(args: argparse.Namespace, settings: Settings) -> int:
    """`hard-e kb sync` and `hard-e kb search QUERY`: print a short report; 1 when something failed."""
    from hard_e.agents.knowledge import KnowledgeIndex
    from hard_e.integrations.document_sources import build_sources
    from hard_e.store.locks import exclusive

    configured = settings.kb_configured
    if args.kb_command == "sync" and not configured:
        print(NO_KB_SOURCES, file=sys.stderr)
        return 1
    async with migrated_engine(settings) as engine:
        knowledge = KnowledgeIndex(engine)
        if args.kb_command == "sync":
            async with exclusive(engine, "kb-sync", wait=True):
                report = await knowledge.sync(build_sources(settings.kb_dir, settings.kb_s3_uris))
            print(f"Knowledge base synced in {report.seconds:.1f}s: {report.summary()}.")
            for uri, reason in report.failed:
                print(f"  failed: {uri}: {reason}")
            return 1 if report.failed else 0
        passages = await knowledge.search(args.query, limit=args.limit)
        if not passages:
            documents, _ = await knowledge.counts()
            if documents:
                print("Nothing in the knowledge base matches that.")
                return 0
            empty = "The knowledge base is empty: run `hard-e kb sync` first."
            print(empty if configured else NO_KB_SOURCES, file=sys.stderr)
            return 1
        for number, passage in enumerate(passages, start=1):
            print(f"{number}. {passage.citation}\n   {passage.heading}\n   {excerpt(passage.text)}\n")
        return 0


NO_TRANSCRIPTS_URI = (
    "No transcripts source is configured. Set HARDE_TRANSCRIPTS_URI to a folder or s3://bucket/prefix of distilled call transcripts (JSON)."
)


async def transcripts_command(settings: Settings) -> int:
    """`hard-e transcripts load`: print what was loaded and why files were skipped; 1 only when the
    source itself could not be used (malformed files are reported, not failures)."""
    from hard_e.agents.transcripts import load_transcripts
    from hard_e.integrations.document_sources import SourceError
    from hard_e.integrations.transcript_sources import transcript_source
    from hard_e.store.locks import exclusive

    if not settings.transcripts_uri:
        print(NO_TRANSCRIPTS_URI, file=sys.stderr)
        return 1
    try:
        source = transcript_source(settings.transcripts_uri)
    except ValueError as exc:
        print(f"HARDE_TRANSCRIPTS_URI is not usable: {exc}.", file=sys.stderr)
        return 1
    try:
        async with migrated_engine(settings) as engine, exclusive(engine, "transcripts-load", wait=True):
            report = await load_transcripts(source, engine)
    except SourceError as exc:
        print(f"Could not load transcripts from {source.uri}: {exc}. Nothing was changed.", file=sys.stderr)
        return 1
    print(f"Transcripts loaded from {source.uri} in {report.seconds:.1f}s: {report.summary()}; {report.calls} calls in total.")
    for uri, reason in report.skipped:
        print(f"  skipped: {uri}: {reason}")
    return 0


async def crm_command(args: argparse.Namespace, settings: Settings) -> int:
    """`hard-e crm import PATH | --sample`: print what was added, updated and skipped; 1 when the
    folder cannot be imported or any record was skipped."""
    from pathlib import Path

    from hard_e.errors import StoreUnavailable
    from hard_e.store.crm_import import SAMPLE_DIR, CrmImportError, import_crm
    from hard_e.store.locks import exclusive

    folder = SAMPLE_DIR if args.sample else Path(args.path)  # the shell has expanded any ~
    try:
        async with migrated_engine(settings) as engine, exclusive(engine, "crm-import", wait=True):
            report = await import_crm(engine, folder)
    except CrmImportError as exc:
        print(f"Could not import the CRM: {exc}", file=sys.stderr)
        return 1
    except StoreUnavailable:
        print("Could not import the CRM: the database failed. Nothing was changed.", file=sys.stderr)
        return 1
    print(f"CRM imported from {folder} in {report.seconds:.1f}s: {report.summary()}.")
    for name in report.missing:
        print(f"  not in the folder: {name}")
    for problem in report.problems:
        print(f"  skipped: {problem}")
    return 0 if report.ok else 1


def excerpt(text: str, limit: int = 200) -> str:
    """The start of a passage on one line, cut at a word boundary."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    return flat[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"


if __name__ == "__main__":
    sys.exit(main())

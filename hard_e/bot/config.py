"""Settings: one validated object built from the environment (and a `.env` file).

Every variable is optional; a malformed value stops start-up with a message that names it.
Secrets are wrapped in `Secret`, whose repr and str never show the value.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, overload
from urllib.parse import urlparse

from dotenv import dotenv_values

DEFAULT_SLACK_API_URL = "https://slack.com/api/"


class ConfigError(ValueError):
    """A setting is malformed; the message names the variable and is safe to print."""


class Secret:
    """A string that does not leak into logs, tracebacks or reprs."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


def _secret(env: Mapping[str, str], name: str) -> Secret | None:
    value = env.get(name, "").strip()
    return Secret(value) if value else None


@overload
def _text(env: Mapping[str, str], name: str, default: str) -> str: ...
@overload
def _text(env: Mapping[str, str], name: str, default: None = None) -> str | None: ...
def _text(env: Mapping[str, str], name: str, default: str | None = None) -> str | None:
    value = env.get(name, "").strip()
    return value or default


@overload
def _url(env: Mapping[str, str], name: str, default: str) -> str: ...
@overload
def _url(env: Mapping[str, str], name: str, default: None = None) -> str | None: ...
def _url(env: Mapping[str, str], name: str, default: str | None = None) -> str | None:
    value = _text(env, name)
    if value is None:
        return default
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ConfigError(f"{name} must be an http(s) URL such as https://example.com/api/ (got a malformed value)")
    return value


def _choice(env: Mapping[str, str], name: str, choices: tuple[str, ...], default: str) -> str:
    value = (_text(env, name) or default).lower()
    if value not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)} (got {value!r})")
    return value


def _number(env: Mapping[str, str], name: str, default: float, *, low: float, high: float, integer: bool = False) -> Any:
    """An int when `integer`, else a float (typed Any so each field keeps its own type)."""
    raw = _text(env, name)
    if raw is None:
        return default
    try:
        value = int(raw) if integer else float(raw)
    except ValueError:
        kind = "a whole number" if integer else "a number"
        raise ConfigError(f"{name} must be {kind} (got {raw!r})") from None
    if not low <= value <= high:
        raise ConfigError(f"{name} must be between {low:g} and {high:g} (got {raw})")
    return value


def _s3_uris(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    raw = _text(env, name)
    if raw is None:
        return ()
    uris = tuple(part.strip() for part in raw.replace(",", " ").split() if part.strip())
    for uri in uris:
        parsed = urlparse(uri)
        if parsed.scheme != "s3" or not parsed.netloc:
            raise ConfigError(f"{name} must list s3://bucket/prefix URIs (got a malformed entry)")
    return uris


def _slack_ids(env: Mapping[str, str], name: str, prefixes: str, example: str) -> tuple[str, ...]:
    """Slack ids separated by commas and/or spaces, each starting with one of `prefixes` (empty: none)."""
    raw = _text(env, name)
    if raw is None:
        return ()
    ids = raw.replace(",", " ").split()
    pattern = re.compile(f"[{prefixes}][A-Z0-9_]+")
    for position, slack_id in enumerate(ids, 1):
        if not pattern.fullmatch(slack_id):
            # The entry itself is not echoed: it may be a name or an email pasted by mistake.
            raise ConfigError(f"{name} must list Slack ids such as {example}, separated by commas or spaces (entry {position} is not one)")
    return tuple(dict.fromkeys(ids))


# USD per million input / output tokens (OpenAI's published list prices); HARDE_MODEL_PRICES adds or
# overrides entries. A model with no price counts tokens but no cost.
DEFAULT_MODEL_PRICES: dict[str, tuple[float, float]] = {
    "gpt-4.1": (2.00, 8.00),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1-nano": (0.10, 0.40),
    "gpt-4o": (2.50, 10.00),
    "gpt-4o-mini": (0.15, 0.60),
}


def _model_prices(env: Mapping[str, str], name: str) -> dict[str, tuple[float, float]]:
    """`model=input/output` pairs (USD per million tokens), separated by commas or spaces."""
    prices = dict(DEFAULT_MODEL_PRICES)
    raw = _text(env, name)
    if raw is None:
        return prices
    for position, entry in enumerate(raw.replace(",", " ").split(), 1):
        model, _, pair = entry.partition("=")
        given, _, taken = pair.partition("/")
        try:
            price = (float(given), float(taken))
        except ValueError:
            price = (-1.0, -1.0)
        if not model or min(price) < 0:
            raise ConfigError(
                f"{name} must list model=input/output prices in USD per million tokens, e.g. gpt-4.1=2/8 (entry {position} is not one)"
            )
        prices[model] = price
    return prices


def _database_url(env: Mapping[str, str], data_dir: Path) -> str:
    raw = _text(env, "DATABASE_URL")
    if raw is None:
        return f"sqlite+aiosqlite:///{data_dir / 'hard_e.db'}"
    scheme = raw.split("://", 1)[0] if "://" in raw else ""
    mapped = {
        "sqlite": "sqlite+aiosqlite",
        "sqlite+aiosqlite": "sqlite+aiosqlite",
        "postgres": "postgresql+asyncpg",
        "postgresql": "postgresql+asyncpg",
        "postgresql+asyncpg": "postgresql+asyncpg",
    }.get(scheme)
    if mapped is None:
        raise ConfigError("DATABASE_URL must be a sqlite:/// or postgresql:// URL")
    return mapped + raw[len(scheme) :]


@dataclass(frozen=True)
class Settings:
    slack_bot_token: Secret | None = None
    slack_signing_secret: Secret | None = None
    slack_app_token: Secret | None = None
    slack_api_url: str = DEFAULT_SLACK_API_URL
    host: str = "0.0.0.0"
    port: int = 3000

    openai_api_key: Secret | None = None
    openai_base_url: str | None = None
    openai_api: str = "responses"
    model: str = "gpt-4.1"
    fast_model: str = "gpt-4.1-mini"
    transcribe_model: str = "gpt-transcribe"
    vision_model: str = "gpt-4.1"  # job-site photos; HARDE_VISION_MODEL, else the main model
    agent_models: dict[str, str] = field(default_factory=dict)  # HARDE_MODEL_<AGENT> overrides
    turn_timeout: float = 120.0
    outbox_hours: float = 24.0  # how long a new customer waits for a CRM that is down before the rep is told
    first_token_timeout: float = 45.0

    data_dir: Path = Path("data")
    database_url: str = field(default="", repr=False)  # may carry a password

    leap_api_token: Secret | None = None
    leap_api_url: str | None = None
    leap_web_url: str | None = None  # where reps open a job in Leap (links in confirmations)
    perplexity_api_key: Secret | None = None
    perplexity_base_url: str | None = None
    xai_api_key: Secret | None = None
    xai_base_url: str | None = None
    refine_model: str = "grok-4.3"
    elevenlabs_api_key: Secret | None = None
    elevenlabs_base_url: str | None = None
    elevenlabs_voice_id: str | None = None
    shotstack_api_key: Secret | None = None
    shotstack_base_url: str | None = None
    shotstack_stage: str = "v1"  # "v1" (production) or "stage" (the watermarked sandbox); keys are per stage
    elevenlabs_model: str = "eleven_multilingual_v2"

    kb_dir: Path | None = None
    kb_s3_uris: tuple[str, ...] = ()
    transcripts_uri: str | None = None
    tracing: bool = False
    streaming: str = "edit"
    slack_edits_per_minute: float = 50.0
    slack_edit_burst: int = 20
    slack_rate_share: float = 1.0
    answer_bots: bool = False
    log_level: str = "INFO"
    log_format: str = "text"  # HARDE_LOG_FORMAT: "text" (default) or "json", one object per line
    # Who may use the CRM: Slack user ids and user-group ids (empty: every member; guests never).
    crm_allowed_users: tuple[str, ...] = ()
    crm_allowed_groups: tuple[str, ...] = ()
    admin_users: tuple[str, ...] = ()
    audio_max_mb: int = 100  # the largest voice memo or audio file Hard-E downloads from Slack
    audio_chunk_minutes: float = 10.0  # a longer memo is cut at pauses into pieces this long at most
    # Operations (issue 14): jobs in `run` or only in `clock`; how long turns, conversations and
    # pending actions are kept; question text in the turn log (opt-in); prices per model.
    scheduler: bool = True
    retention_days: int = 90
    log_questions: bool = False
    model_prices: dict[str, tuple[float, float]] = field(default_factory=lambda: dict(DEFAULT_MODEL_PRICES))
    # Limits (0: none): turns per minute and model spend (USD) per day, per user and per workspace.
    user_turns_per_minute: int = 0
    team_turns_per_minute: int = 0
    user_spend_per_day: float = 0.0
    team_spend_per_day: float = 0.0
    digest_hour: int = 7  # the morning digest's hour, in each rep's own time zone

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, *, dotenv: Path | None = Path(".env")) -> Settings:
        """Build settings from `env` (default: the process environment) over an optional `.env` file."""
        merged: dict[str, str] = {}
        if dotenv is not None and dotenv.is_file():
            merged.update({k: v for k, v in dotenv_values(dotenv).items() if v is not None})
        merged.update(os.environ if env is None else env)
        e = merged
        data_dir = Path(_text(e, "HARDE_DATA_DIR", "data"))
        kb_dir = _text(e, "HARDE_KB_DIR")
        return cls(
            slack_bot_token=_secret(e, "SLACK_BOT_TOKEN"),
            slack_signing_secret=_secret(e, "SLACK_SIGNING_SECRET"),
            slack_app_token=_secret(e, "SLACK_APP_TOKEN"),
            slack_api_url=_url(e, "SLACK_API_URL", DEFAULT_SLACK_API_URL),
            host=_text(e, "HOST", "0.0.0.0"),
            port=_number(e, "PORT", 3000, low=1, high=65535, integer=True),
            openai_api_key=_secret(e, "OPENAI_API_KEY"),
            openai_base_url=_url(e, "OPENAI_BASE_URL"),
            openai_api=_choice(e, "HARDE_OPENAI_API", ("responses", "chat_completions"), "responses"),
            model=_text(e, "HARDE_MODEL", "gpt-4.1"),
            fast_model=_text(e, "HARDE_FAST_MODEL", "gpt-4.1-mini"),
            transcribe_model=_text(e, "HARDE_TRANSCRIBE_MODEL", "gpt-transcribe"),
            vision_model=_text(e, "HARDE_VISION_MODEL", _text(e, "HARDE_MODEL", "gpt-4.1")),
            agent_models={
                agent: value
                for agent in ("triage", "crm", "knowledge", "analysis", "web_search", "scripting", "new_clients")
                if (value := _text(e, f"HARDE_MODEL_{agent.upper()}"))
            },
            turn_timeout=_number(e, "HARDE_TURN_TIMEOUT", 120.0, low=1, high=3600),
            outbox_hours=_number(e, "HARDE_OUTBOX_HOURS", 24.0, low=0.01, high=24 * 30),
            first_token_timeout=_number(e, "HARDE_FIRST_TOKEN_TIMEOUT", 45.0, low=1, high=3600),
            data_dir=data_dir,
            database_url=_database_url(e, data_dir),
            leap_api_token=_secret(e, "LEAP_API_TOKEN"),
            leap_api_url=_url(e, "LEAP_API_URL"),
            # Leap's own web app, unless LEAP_API_URL points elsewhere (a proxy, a sandbox): then only when set.
            leap_web_url=_url(e, "LEAP_WEB_URL", None if _text(e, "LEAP_API_URL") else "https://www.jobprogress.com"),
            perplexity_api_key=_secret(e, "PERPLEXITY_API_KEY"),
            perplexity_base_url=_url(e, "PERPLEXITY_BASE_URL"),
            xai_api_key=_secret(e, "XAI_API_KEY"),
            xai_base_url=_url(e, "XAI_BASE_URL"),
            refine_model=_text(e, "HARDE_REFINE_MODEL", "grok-4.3"),
            elevenlabs_api_key=_secret(e, "ELEVENLABS_API_KEY"),
            elevenlabs_base_url=_url(e, "ELEVENLABS_BASE_URL"),
            elevenlabs_voice_id=_text(e, "ELEVENLABS_VOICE_ID"),
            shotstack_api_key=_secret(e, "SHOTSTACK_API_KEY"),
            shotstack_base_url=_url(e, "SHOTSTACK_BASE_URL"),
            shotstack_stage=_choice(e, "SHOTSTACK_STAGE", ("v1", "stage"), "v1"),
            elevenlabs_model=_text(e, "ELEVENLABS_MODEL", "eleven_multilingual_v2"),
            kb_dir=Path(kb_dir) if kb_dir else None,
            kb_s3_uris=_s3_uris(e, "HARDE_KB_S3_URIS"),
            transcripts_uri=_text(e, "HARDE_TRANSCRIPTS_URI"),
            tracing=_choice(e, "HARDE_TRACING", ("on", "off"), "off") == "on",
            streaming=_choice(e, "HARDE_STREAMING", ("edit", "native"), "edit"),
            slack_edits_per_minute=_number(e, "HARDE_SLACK_EDITS_PER_MINUTE", 50.0, low=1, high=10_000),
            slack_edit_burst=_number(e, "HARDE_SLACK_EDIT_BURST", 20, low=1, high=1_000, integer=True),
            slack_rate_share=_number(e, "HARDE_SLACK_RATE_SHARE", 1.0, low=0.01, high=1),
            answer_bots=_choice(e, "HARDE_ANSWER_BOTS", ("on", "off"), "off") == "on",
            log_level=_choice(e, "HARDE_LOG_LEVEL", ("debug", "info", "warning", "error"), "info").upper(),
            log_format=_choice(e, "HARDE_LOG_FORMAT", ("text", "json"), "text"),
            crm_allowed_users=_slack_ids(e, "HARDE_CRM_ALLOWED_USERS", "UW", "U012AB3CD"),
            crm_allowed_groups=_slack_ids(e, "HARDE_CRM_ALLOWED_GROUPS", "S", "S0614TZR7"),
            admin_users=_slack_ids(e, "HARDE_ADMIN_USERS", "UW", "U012AB3CD"),
            audio_max_mb=_number(e, "HARDE_AUDIO_MAX_MB", 100, low=1, high=1_000, integer=True),
            audio_chunk_minutes=_number(e, "HARDE_AUDIO_CHUNK_MINUTES", 10.0, low=0.5, high=60),
            scheduler=_choice(e, "HARDE_SCHEDULER", ("on", "off"), "on") == "on",
            retention_days=_number(e, "HARDE_RETENTION_DAYS", 90, low=1, high=3650, integer=True),
            log_questions=_choice(e, "HARDE_LOG_QUESTIONS", ("on", "off"), "off") == "on",
            model_prices=_model_prices(e, "HARDE_MODEL_PRICES"),
            user_turns_per_minute=_number(e, "HARDE_USER_TURNS_PER_MINUTE", 0, low=0, high=10_000, integer=True),
            team_turns_per_minute=_number(e, "HARDE_TEAM_TURNS_PER_MINUTE", 0, low=0, high=1_000_000, integer=True),
            user_spend_per_day=_number(e, "HARDE_USER_SPEND_PER_DAY", 0.0, low=0, high=1_000_000),
            team_spend_per_day=_number(e, "HARDE_TEAM_SPEND_PER_DAY", 0.0, low=0, high=10_000_000),
            digest_hour=_number(e, "HARDE_DIGEST_HOUR", 7, low=0, high=23, integer=True),
        )

    @property
    def kb_configured(self) -> bool:
        """A knowledge source is set (a folder or S3 URIs)."""
        return self.kb_dir is not None or bool(self.kb_s3_uris)

    @property
    def socket_mode(self) -> bool:
        return self.slack_app_token is not None

    @property
    def turn_lock_wait(self) -> float:
        """How long a turn queues behind an earlier one in its thread: one whole turn's worth."""
        return self.first_token_timeout + self.turn_timeout

    @property
    def llm_configured(self) -> bool:
        """A key, or a compatible server (local model servers often need no key)."""
        return self.openai_api_key is not None or self.openai_base_url is not None

    def missing_slack_settings(self, *, http: bool) -> list[str]:
        """Names of the Slack variables this mode still needs."""
        missing = [] if self.slack_bot_token else ["SLACK_BOT_TOKEN"]
        if http and not self.slack_signing_secret:
            missing.append("SLACK_SIGNING_SECRET")
        return missing

    def describe(self) -> dict[str, str]:
        """A log-safe summary: secrets show only whether they are set."""
        out: dict[str, str] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Secret) or f.type in ("Secret | None",):
                out[f.name] = "set" if value else "unset"
            elif f.name == "database_url":
                out[f.name] = value.split("://", 1)[0]
            elif f.name in ("crm_allowed_users", "crm_allowed_groups", "admin_users"):
                out[f.name] = ",".join(value) or "none"  # ids only, never names
            else:
                out[f.name] = str(value)
        return out

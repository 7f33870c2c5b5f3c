"""`hard-e doctor`: check every configured credential and endpoint; one line each, exit 1 on any problem.

What is not configured is said so ("not configured", "off") and is not a problem, unless something
that is configured needs it (a Slack app token without a bot token, an ElevenLabs key without a
voice) or Hard-E can't answer at all without it (a language model). The checks run at once, each
bounded by `per_check` seconds, so the whole run takes about as long as the slowest one; what times
out or can't connect is a problem line with that check's fix. No line carries a secret or a traceback.
The probes themselves are in `doctor_checks`.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

import aiohttp

from hard_e.bot import doctor_checks as probes
from hard_e.bot.config import Secret, Settings
from hard_e.bot.doctor_checks import NOT_CONFIGURED, OFF, OK, PROBLEM, Check, Finding, host_of

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 5.0  # seconds per check
MANIFEST = "manifest.yml"


async def doctor(settings: Settings, *, per_check: float = DEFAULT_TIMEOUT, out: TextIO = sys.stdout, manifest: Path | None = None) -> int:
    """Print one line per finding and a summary; 1 when any finding is a problem, else 0."""
    findings = await diagnose(settings, per_check=per_check, manifest=manifest)
    for finding in findings:
        print(finding.line(), file=out)
    problems = sum(f.problem for f in findings)
    passed = sum(f.status == OK for f in findings)
    print(f"\n{problems} problem{'s' * (problems != 1)} found." if problems else f"\nNo problems: {passed} checks passed.", file=out)
    return 1 if problems else 0


async def diagnose(settings: Settings, *, per_check: float = DEFAULT_TIMEOUT, manifest: Path | None = None) -> list[Finding]:
    """Every finding, in a fixed order: Slack, models, CRM, services, storage, database."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=per_check)) as http:
        planned = plan(settings, http, per_check, bot_scopes(manifest))
        groups = await asyncio.gather(*(run_check(item, per_check) if isinstance(item, Check) else _given(item) for item in planned))
    return [finding for group in groups for finding in group]


async def run_check(check: Check, seconds: float) -> list[Finding]:
    try:
        async with asyncio.timeout(seconds):
            return await check.probe()
    except TimeoutError:
        return [Finding(check.name, PROBLEM, f"no answer from {check.where} within {seconds:g} s", check.fix)]
    except (aiohttp.ClientError, OSError) as exc:
        return [Finding(check.name, PROBLEM, f"can't connect to {check.where} ({type(exc).__name__})", check.fix)]
    except Exception as exc:  # one broken check must not end the run, nor print a traceback
        log.debug("doctor check %s failed: %s", check.name, type(exc).__name__)
        return [Finding(check.name, PROBLEM, f"the check failed ({type(exc).__name__})", check.fix)]


async def _given(finding: Finding) -> list[Finding]:
    return [finding]


def plan(settings: Settings, http: aiohttp.ClientSession, seconds: float, scopes: frozenset[str] | None) -> list[Check | Finding]:
    """What to check, given what is configured; what isn't comes back as a finding already."""
    s = settings
    leap, pplx, xai, shots = _leap_base(s), _perplexity_base(s), _xai_base(s), _shotstack_root(s)
    return [
        *_slack(s, seconds, scopes),
        _models(s, http),
        _service(
            s.leap_api_token,
            Finding("Leap CRM", NOT_CONFIGURED, "the local CRM in Hard-E's database is used"),
            lambda key: Check("Leap CRM", lambda: probes.leap(http, leap, key), host_of(leap), "check LEAP_API_URL"),
        ),
        _service(
            s.perplexity_api_key,
            Finding("Perplexity (web research)", NOT_CONFIGURED, "the WebSearch agent says web research is off"),
            lambda key: Check(
                "Perplexity (web research)", lambda: probes.perplexity(http, pplx, key), host_of(pplx), "check PERPLEXITY_BASE_URL"
            ),
        ),
        _service(
            s.xai_api_key,
            Finding("xAI (Grok voice pass)", OFF, "XAI_API_KEY is not set"),
            lambda key: Check(
                "xAI (Grok voice pass)", lambda: probes.xai(http, xai, key, s.refine_model), host_of(xai), "check XAI_BASE_URL"
            ),
        ),
        _elevenlabs(s, http),
        _service(
            s.shotstack_api_key,
            Finding("Shotstack (Render video)", NOT_CONFIGURED, "Render video says it is not set up"),
            lambda key: Check(
                "Shotstack (Render video)",
                lambda: probes.shotstack(http, shots, key, s.shotstack_stage),
                host_of(shots),
                "check SHOTSTACK_BASE_URL",
            ),
        ),
        *_storage(s, seconds),
        Check("Database", lambda: probes.database(s.database_url), "the database", probes.DB_SERVER),
    ]


def _service(secret: Secret | None, unset: Finding, check: Callable[[str], Check]) -> Check | Finding:
    """`check(key)` when the service's key is set, else `unset` (what happens without it)."""
    return unset if secret is None else check(secret.get())


def _slack(s: Settings, seconds: float, scopes: frozenset[str] | None) -> list[Check | Finding]:
    planned: list[Check | Finding] = []
    where, fix = host_of(s.slack_api_url), "check SLACK_API_URL and that this machine can reach Slack"
    if s.slack_bot_token is not None:
        token = s.slack_bot_token.get()
        planned.append(Check("Slack bot token", lambda: probes.slack_bot(token, s.slack_api_url, seconds, scopes), where, fix))
    elif s.slack_app_token is not None or s.slack_signing_secret is not None:
        bot_fix = "set SLACK_BOT_TOKEN to the Bot User OAuth Token (xoxb-…, OAuth & Permissions)"
        planned.append(Finding("Slack bot token", PROBLEM, "not set, though other Slack settings are", bot_fix))
    else:
        planned.append(Finding("Slack", NOT_CONFIGURED, "hard-e run needs SLACK_BOT_TOKEN; hard-e chat does not"))
    if s.slack_app_token is not None:
        app_token = s.slack_app_token.get()
        planned.append(Check("Slack Socket Mode", lambda: probes.slack_socket_mode(app_token, s.slack_api_url, seconds), where, fix))
    elif s.slack_bot_token is not None and s.slack_signing_secret is None:
        mode_fix = "set SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP mode)"
        planned.append(Finding("Slack Socket Mode", PROBLEM, "off, and there is no signing secret for HTTP mode either", mode_fix))
    elif s.slack_bot_token is not None:
        planned.append(Finding("Slack Socket Mode", OFF, "no SLACK_APP_TOKEN, so hard-e run serves HTTP"))
    return planned


def configured_models(s: Settings) -> dict[str, list[str]]:
    """Each model Hard-E would ask the server for, with the variables that choose it (defaults too)."""
    chosen = [("HARDE_MODEL", s.model), ("HARDE_FAST_MODEL", s.fast_model)]
    chosen += [(f"HARDE_MODEL_{agent.upper()}", model) for agent, model in sorted(s.agent_models.items())]
    chosen += [("HARDE_VISION_MODEL", s.vision_model), ("HARDE_TRANSCRIBE_MODEL", s.transcribe_model)]
    models: dict[str, list[str]] = {}
    for variable, model in chosen:
        models.setdefault(model, []).append(variable)
    return models


def _models(s: Settings, http: aiohttp.ClientSession) -> Check | Finding:
    if not s.llm_configured:
        fix = "set OPENAI_API_KEY, or OPENAI_BASE_URL for a local model server: Hard-E can't answer without one"
        return Finding("Language model", PROBLEM, "not configured", fix)
    base = (s.openai_base_url or "https://api.openai.com/v1").rstrip("/")
    key = s.openai_api_key.get() if s.openai_api_key else None
    models = configured_models(s)
    return Check(
        f"Model server ({host_of(base)})", lambda: probes.model_server(http, base, key, models), host_of(base), "check OPENAI_BASE_URL"
    )


def _elevenlabs(s: Settings, http: aiohttp.ClientSession) -> Check | Finding:
    from hard_e.integrations.elevenlabs import DEFAULT_BASE_URL

    name = "ElevenLabs (Listen)"
    if s.elevenlabs_api_key is None:
        return Finding(name, NOT_CONFIGURED, "OpenAI speech reads scripts aloud")
    if not s.elevenlabs_voice_id:
        fix = "set ELEVENLABS_VOICE_ID to a voice from your ElevenLabs voice library"
        return Finding(name, PROBLEM, "ELEVENLABS_API_KEY is set but ELEVENLABS_VOICE_ID is not, so ElevenLabs is not used", fix)
    base, key, voice = (s.elevenlabs_base_url or DEFAULT_BASE_URL).rstrip("/"), s.elevenlabs_api_key.get(), s.elevenlabs_voice_id
    return Check(name, lambda: probes.elevenlabs(http, base, key, voice), host_of(base), "check ELEVENLABS_BASE_URL")


def _storage(s: Settings, seconds: float) -> list[Check | Finding]:
    planned: list[Check | Finding] = []
    if s.kb_dir is not None:
        planned.append(probes.folder("Knowledge folder", s.kb_dir, "HARDE_KB_DIR"))
    uris = [("HARDE_KB_S3_URIS", uri) for uri in s.kb_s3_uris]
    transcripts = s.transcripts_uri
    if transcripts and transcripts.startswith("s3://"):
        uris.append(("HARDE_TRANSCRIPTS_URI", transcripts))
    elif transcripts:
        planned.append(probes.folder("Transcripts folder", Path(transcripts.removeprefix("file://")), "HARDE_TRANSCRIPTS_URI"))
    if uris:
        buckets = ", ".join(sorted({uri.split("/")[2] for _, uri in uris}))
        fix = "check AWS_ENDPOINT_URL_S3 and AWS_DEFAULT_REGION, and that this machine can reach S3"
        planned.append(Check("S3 sources", lambda: probes.s3_sources(uris, seconds), f"S3 ({buckets})", fix))
    if not planned:
        planned.append(Finding("Knowledge and transcripts", NOT_CONFIGURED, "no HARDE_KB_DIR, HARDE_KB_S3_URIS or HARDE_TRANSCRIPTS_URI"))
    return planned


def bot_scopes(manifest: Path | None = None) -> frozenset[str] | None:
    """The bot scopes manifest.yml asks for: `manifest`, else ./manifest.yml, else the checkout's."""
    candidates = [manifest] if manifest else [Path.cwd() / MANIFEST, Path(__file__).resolve().parents[2] / MANIFEST]
    for path in candidates:
        try:
            return probes.manifest_bot_scopes(path.read_text(encoding="utf-8"))
        except OSError:
            continue
    return None


def _leap_base(s: Settings) -> str:
    from hard_e.integrations.leap import DEFAULT_BASE_URL

    return (s.leap_api_url or DEFAULT_BASE_URL).rstrip("/")


def _perplexity_base(s: Settings) -> str:
    from hard_e.integrations.perplexity import endpoint

    return endpoint(s.perplexity_base_url).removesuffix("/responses")  # the Agent API's /v1


def _xai_base(s: Settings) -> str:
    from hard_e.integrations.xai import api_base

    return api_base(s.xai_base_url)


def _shotstack_root(s: Settings) -> str:
    from hard_e.integrations.shotstack import edit_root

    return edit_root(s.shotstack_base_url, s.shotstack_stage)

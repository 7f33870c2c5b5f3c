"""What `hard-e doctor` asks each outside system, and what its answer means.

Each probe makes the cheapest authenticated request the service documents and turns the answer into
`Finding`s: a name, a status, what was found and, for a problem, the fix. Findings never carry a
secret: a token shows at most its kind (`xoxb-…`), a URL only its host. Timeouts and connection
failures are handled once, by the runner (`hard_e.bot.doctor`), with the `Check`'s own fix.

Requests (base URLs as the integrations build them):
- Slack: `auth.test` with the bot token (its granted scopes come back in the `x-oauth-scopes` response
  header); `apps.connections.open` with the app-level token (it only hands out a websocket URL).
- OpenAI-compatible server: `GET /models` and `GET /models/{model}` (OpenAI API reference, Models).
- Leap: `GET /workflow/stages?limit=1`. Perplexity: `GET /v1/models`. xAI: `GET /v1/api-key` and
  `GET /v1/models/{model}`. ElevenLabs: `GET /v1/voices/{voice_id}`. Shotstack: `GET /edit/{stage}/templates`.
- S3: `ListObjectsV2` with `MaxKeys=1` per bucket and prefix. Database: `SELECT 1`, then the Alembic
  revision it is at against the newest this code knows.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlparse

import aiohttp

OK, PROBLEM, OFF, NOT_CONFIGURED, NOT_CHECKED = "ok", "problem", "off", "not configured", "not checked"

NEW_BOT_TOKEN = "create a new bot token (reinstall the app; OAuth & Permissions → Bot User OAuth Token, xoxb-…) and set SLACK_BOT_TOKEN"
NEW_APP_TOKEN = "create an app-level token with connections:write (Basic Information → App-Level Tokens, xapp-…) and set SLACK_APP_TOKEN"
REINSTALL = "add them to the app (OAuth & Permissions, or update it from manifest.yml) and reinstall the app to the workspace"
QUOTA = "check the account's usage and billing, or try again in a minute"
NEW_LEAP_TOKEN = "generate a new API token in Leap (Settings → Developer) and set LEAP_API_TOKEN"
DB_SERVER = "check DATABASE_URL and that the database server is running"
UPGRADE = "run hard-e db upgrade (hard-e run also does it at start)"


@dataclass(frozen=True)
class Finding:
    name: str
    status: str
    detail: str = ""
    fix: str = ""

    @property
    def problem(self) -> bool:
        return self.status == PROBLEM

    def line(self) -> str:
        text = f"{self.status:<16}{self.name}"
        text += f": {self.detail}" if self.detail else ""
        return text + (f" — {self.fix}" if self.fix else "")


@dataclass(frozen=True)
class Check:
    """A probe to run; `where` (a host, a bucket) and `fix` are used when it times out or can't connect."""

    name: str
    probe: Callable[[], Awaitable[list[Finding]]]
    where: str
    fix: str


@dataclass(frozen=True)
class Reply:
    status: int
    body: Any  # parsed JSON, or None


def host_of(url: str) -> str:
    """Host and port only: a URL may carry credentials (user:password@) or a key in its query."""
    parsed = urlparse(url)
    return f"{parsed.hostname or '?'}{f':{parsed.port}' if parsed.port else ''}"


async def get(http: aiohttp.ClientSession, url: str, headers: Mapping[str, str], params: Mapping[str, str] | None = None) -> Reply:
    async with http.get(url, headers=dict(headers), params=params, allow_redirects=False) as resp:
        raw = await resp.read()
    try:
        body = json.loads(raw) if raw else None
    except ValueError:
        body = None
    return Reply(resp.status, body)


def refused(name: str, reply: Reply, *, key: str, base: str) -> Finding | None:
    """What every HTTP service shares: a rejected key, throttling, a wrong URL, a server in trouble."""
    status = reply.status
    if status in (400, 401, 403):
        return Finding(name, PROBLEM, f"the key was rejected (HTTP {status})", f"set {key} to a valid key")
    if status == 429:
        return Finding(name, PROBLEM, "rate limited or out of quota (HTTP 429)", QUOTA)
    if status == 404 or 300 <= status < 400:
        return Finding(name, PROBLEM, f"not the API this expects (HTTP {status})", f"check {base}")
    if status >= 500:
        return Finding(name, PROBLEM, f"the service is having trouble (HTTP {status})", "try again later")
    if status >= 300:
        return Finding(name, PROBLEM, f"unexpected answer (HTTP {status})", f"check {key} and {base}")
    return None


# -- Slack ------------------------------------------------------------------------------------------


def manifest_bot_scopes(text: str) -> frozenset[str] | None:
    """`oauth_config.scopes.bot` from manifest.yml (block style, as ours is written), or None."""
    keys: list[tuple[int, str]] = []
    scopes: list[str] = []
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].rstrip()
        stripped = line.lstrip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.startswith("- "):
            if [key for _, key in keys] == ["oauth_config", "scopes", "bot"]:
                scopes.append(stripped[2:].strip().strip("'\""))
            continue
        indent = len(line) - len(stripped)
        while keys and keys[-1][0] >= indent:
            keys.pop()
        keys.append((indent, stripped.split(":", 1)[0].strip()))
    return frozenset(scopes) or None


async def slack_bot(token: str, api_url: str, seconds: float, wanted: frozenset[str] | None) -> list[Finding]:
    """The bot token (`auth.test`), then its granted scopes against the manifest's bot scopes."""
    from slack_sdk.errors import SlackApiError
    from slack_sdk.web.async_client import AsyncWebClient

    name = "Slack bot token"
    try:
        resp = await AsyncWebClient(token=token, base_url=api_url, timeout=max(1, round(seconds))).auth_test()
    except SlackApiError as exc:
        error = str(exc.response.get("error"))
        if token.startswith("xapp-") or error == "not_allowed_token_type":
            fix = "set SLACK_BOT_TOKEN to the Bot User OAuth Token (xoxb-…, OAuth & Permissions)"
            return [Finding(name, PROBLEM, f"SLACK_BOT_TOKEN holds {_kind(token)}, not the bot token ({error})", fix)]
        what = {"token_revoked": "token revoked", "token_expired": "token expired", "account_inactive": "app or workspace deactivated"}
        return [Finding(name, PROBLEM, f"{what.get(error, 'token rejected')} ({error})", NEW_BOT_TOKEN)]
    found = [Finding(name, OK, f"{resp.get('user')} ({resp.get('user_id')}) in {resp.get('team')}")]
    header = {k.lower(): v for k, v in resp.headers.items()}.get("x-oauth-scopes")
    if wanted is None:
        return [*found, Finding("Slack scopes", NOT_CHECKED, "no bot scopes to compare with (manifest.yml not found or not readable)")]
    if header is None:
        return [*found, Finding("Slack scopes", NOT_CHECKED, "Slack sent no x-oauth-scopes header")]
    missing = sorted(wanted - {scope.strip() for scope in header.split(",")})
    if missing:
        return [*found, Finding("Slack scopes", PROBLEM, f"missing {', '.join(missing)}", REINSTALL)]
    return [*found, Finding("Slack scopes", OK, f"all {len(wanted)} bot scopes in manifest.yml are granted")]


async def slack_socket_mode(app_token: str, api_url: str, seconds: float) -> list[Finding]:
    """The app-level token: `apps.connections.open` hands a websocket URL only to a Socket Mode app token."""
    from slack_sdk.errors import SlackApiError
    from slack_sdk.web.async_client import AsyncWebClient

    name = "Slack Socket Mode"
    wrong_kind = Finding(name, PROBLEM, f"SLACK_APP_TOKEN holds {_kind(app_token)}, not an app-level token", NEW_APP_TOKEN)
    looks_wrong = app_token.startswith(("xoxb-", "xoxp-"))
    try:
        await AsyncWebClient(base_url=api_url, timeout=max(1, round(seconds))).apps_connections_open(app_token=app_token)
    except SlackApiError as exc:
        error = str(exc.response.get("error"))
        if looks_wrong or error == "not_allowed_token_type":
            return [Finding(name, PROBLEM, f"{wrong_kind.detail} ({error})", NEW_APP_TOKEN)]
        if error in ("invalid_auth", "not_authed", "token_revoked", "token_expired"):
            return [Finding(name, PROBLEM, f"app-level token rejected ({error})", NEW_APP_TOKEN)]
        fix = "turn Socket Mode on for the app (Settings → Socket Mode) and check SLACK_APP_TOKEN"
        return [Finding(name, PROBLEM, f"Slack answered {error}", fix)]
    # A Slack that doesn't check the token's kind may accept it; it is still not what Socket Mode needs.
    return [wrong_kind if looks_wrong else Finding(name, OK, "the app-level token can open a connection")]


def _kind(token: str) -> str:
    kinds = {"xoxb-": "a bot token (xoxb-…)", "xoxp-": "a user token (xoxp-…)", "xapp-": "an app-level token (xapp-…)"}
    return next((kind for prefix, kind in kinds.items() if token.startswith(prefix)), "something else")


# -- model servers and outside services -------------------------------------------------------------


async def model_server(http: aiohttp.ClientSession, base: str, key: str | None, models: Mapping[str, list[str]]) -> list[Finding]:
    """The server (`GET /models`), then each configured model (`GET /models/{id}`, or the list for
    servers that only list), one finding per model naming the variables that choose it."""
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    name = f"Model server ({host_of(base)})"
    listing, *singles = await asyncio.gather(
        get(http, f"{base}/models", headers), *(get(http, f"{base}/models/{quote(m, safe='/')}", headers) for m in models)
    )
    if listing.status in (401, 403) or (singles and all(r.status in (401, 403) for r in singles)):
        fix = "set OPENAI_API_KEY to a valid key" if key else "the server wants a key: set OPENAI_API_KEY"
        return [Finding(name, PROBLEM, f"the key was rejected (HTTP {listing.status})", fix)]
    if listing.status != 404 and (problem := refused(name, listing, key="OPENAI_API_KEY", base="OPENAI_BASE_URL")) is not None:
        return [problem]
    offered = [str(m.get("id")) for m in _items(listing.body, "data")] if listing.status == 200 else []
    found = [Finding(name, OK, "answers" + (f"; it offers {len(offered)} models" if offered else ""))]
    for (model, variables), reply in zip(models.items(), singles, strict=True):
        label = f"Model {model} ({', '.join(variables)})"
        if reply.status == 200 or model in offered:
            found.append(Finding(label, OK, "available"))
        elif reply.status == 404 or offered:
            some = f" (it offers {', '.join(offered[:5])}{', …' if len(offered) > 5 else ''})" if offered else ""
            fix = f"set {' / '.join(variables)} to a model the server offers"
            found.append(Finding(label, PROBLEM, f"the server has no model {model}{some}", fix))
        else:
            found.append(refused(label, reply, key="OPENAI_API_KEY", base="OPENAI_BASE_URL") or Finding(label, OK, "available"))
    return found


def _items(body: Any, key: str) -> list[dict[str, Any]]:
    items = body.get(key) if isinstance(body, dict) else None
    return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []


async def leap(http: aiohttp.ClientSession, base: str, token: str) -> list[Finding]:
    name = "Leap CRM"
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    reply = await get(http, f"{base}/workflow/stages", headers, {"limit": "1"})
    if reply.status in (401, 403):
        return [Finding(name, PROBLEM, f"the token was rejected (HTTP {reply.status})", NEW_LEAP_TOKEN)]
    return [refused(name, reply, key="LEAP_API_TOKEN", base="LEAP_API_URL") or Finding(name, OK, "the token can read workflow stages")]


async def perplexity(http: aiohttp.ClientSession, base: str, key: str) -> list[Finding]:
    name = "Perplexity (web research)"
    reply = await get(http, f"{base}/models", {"Authorization": f"Bearer {key}"})
    return [refused(name, reply, key="PERPLEXITY_API_KEY", base="PERPLEXITY_BASE_URL") or Finding(name, OK, "the key is accepted")]


async def xai(http: aiohttp.ClientSession, base: str, key: str, model: str) -> list[Finding]:
    name = "xAI (Grok voice pass)"
    headers = {"Authorization": f"Bearer {key}"}
    info, found = await asyncio.gather(get(http, f"{base}/api-key", headers), get(http, f"{base}/models/{quote(model, safe='/')}", headers))
    if (problem := refused(name, info, key="XAI_API_KEY", base="XAI_BASE_URL")) is not None:
        return [problem]
    body = info.body if isinstance(info.body, dict) else {}
    if flags := [flag for flag in ("api_key_blocked", "api_key_disabled", "team_blocked") if body.get(flag)]:
        fix = "unblock it in the xAI console, or create a new key for XAI_API_KEY"
        return [Finding(name, PROBLEM, f"the key can't be used ({', '.join(flags)})", fix)]
    if found.status == 404:
        return [Finding(name, PROBLEM, f"xAI has no model {model}", "set HARDE_REFINE_MODEL to a Grok model the key may use")]
    ok = Finding(name, OK, f"the key is accepted; model {model} is available")
    return [refused(name, found, key="XAI_API_KEY", base="XAI_BASE_URL") or ok]


async def elevenlabs(http: aiohttp.ClientSession, base: str, key: str, voice_id: str) -> list[Finding]:
    name = "ElevenLabs (Listen)"
    reply = await get(http, f"{base}/v1/voices/{quote(voice_id, safe='')}", {"xi-api-key": key})
    detail = reply.body.get("detail") if isinstance(reply.body, dict) else None
    if reply.status == 404 or (reply.status == 400 and isinstance(detail, dict) and detail.get("code") == "voice_not_found"):
        fix = "set ELEVENLABS_VOICE_ID to a voice from your ElevenLabs voice library"
        return [Finding(name, PROBLEM, f"no voice {voice_id} in this account", fix)]
    if reply.status == 401:
        fix = "set ELEVENLABS_API_KEY to a valid key (ElevenLabs also answers 401 for a spent quota)"
        return [Finding(name, PROBLEM, "the key was rejected (HTTP 401)", fix)]
    voice = reply.body.get("name") if isinstance(reply.body, dict) else None
    ok = Finding(name, OK, f"voice {voice or voice_id} is available")
    return [refused(name, reply, key="ELEVENLABS_API_KEY", base="ELEVENLABS_BASE_URL") or ok]


async def shotstack(http: aiohttp.ClientSession, root: str, key: str, stage: str) -> list[Finding]:
    name = "Shotstack (Render video)"
    reply = await get(http, f"{root}/templates", {"x-api-key": key, "Accept": "application/json"})
    if reply.status == 403:
        fix = f"set SHOTSTACK_API_KEY to your {stage} key (sandbox and production keys differ; SHOTSTACK_STAGE picks the stage)"
        return [Finding(name, PROBLEM, f"the key was rejected on stage {stage} (HTTP 403)", fix)]
    ok = Finding(name, OK, f"the key is accepted on stage {stage}")
    return [refused(name, reply, key="SHOTSTACK_API_KEY", base="SHOTSTACK_BASE_URL") or ok]


# -- storage: S3 sources, folders, the database -----------------------------------------------------


async def s3_sources(uris: Iterable[tuple[str, str]], seconds: float, env: Mapping[str, str] | None = None) -> list[Finding]:
    """Each `(variable, s3://bucket/prefix)`: the bucket answers and the prefix can be listed.
    boto3 blocks, so it runs in a thread, with timeouts of its own (no retries) so the thread ends too."""
    return await asyncio.to_thread(_list_s3, list(uris), seconds, os.environ if env is None else env)


def _list_s3(uris: list[tuple[str, str]], seconds: float, env: Mapping[str, str]) -> list[Finding]:
    import boto3
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    endpoint = (env.get("AWS_ENDPOINT_URL_S3") or "").strip() or None  # as integrations.document_sources.s3_client
    config = Config(retries={"max_attempts": 1, "mode": "standard"}, connect_timeout=seconds, read_timeout=seconds)
    client = boto3.session.Session().client("s3", endpoint_url=endpoint, config=config)
    found: list[Finding] = []
    for variable, uri in uris:
        parsed = urlparse(uri)
        bucket, prefix, name = parsed.netloc, parsed.path.lstrip("/"), f"S3 source {uri}"
        try:
            listing = client.list_objects_v2(Bucket=bucket, Prefix=prefix, MaxKeys=1)
        except NoCredentialsError:
            fix = "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or an AWS profile or role)"
            found.append(Finding(name, PROBLEM, "no AWS credentials found", fix))
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", "error"))
            found.append(Finding(name, PROBLEM, *_s3_problem(code, bucket, prefix, variable)))
        except BotoCoreError as exc:
            fix = "check AWS_ENDPOINT_URL_S3 and AWS_DEFAULT_REGION, and that this machine can reach S3"
            found.append(Finding(name, PROBLEM, f"can't reach S3 ({type(exc).__name__})", fix))
        else:
            empty = "" if listing.get("KeyCount", 0) else ", but nothing is under the prefix yet"
            found.append(Finding(name, OK, f"bucket {bucket} answers and the prefix can be listed{empty}"))
    return found


def _s3_problem(code: str, bucket: str, prefix: str, variable: str) -> tuple[str, str]:
    """(what is wrong, the fix) for an S3 error code."""
    if code in ("NoSuchBucket", "404"):
        return f"bucket {bucket} does not exist", f"check the bucket name in {variable} (and the region or AWS_ENDPOINT_URL_S3)"
    if code in ("AccessDenied", "403", "AllAccessDisabled"):
        return f"access denied listing {bucket}/{prefix}", f"give these AWS credentials s3:ListBucket on {bucket}"
    if code in ("InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken", "InvalidToken"):
        return f"AWS credentials rejected ({code})", "check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN)"
    if code in ("PermanentRedirect", "AuthorizationHeaderMalformed"):
        return f"the bucket is in another region ({code})", "set AWS_DEFAULT_REGION to the bucket's region"
    return f"S3 answered {code}", f"check {variable} and the AWS settings"


def folder(name: str, path: Path, variable: str) -> Finding:
    if path.is_dir():
        return Finding(name, OK, f"folder {path} exists")
    return Finding(name, PROBLEM, f"folder {path} does not exist", f"check {variable}")


async def database(url: str) -> list[Finding]:
    """Connects, then compares the schema's Alembic revision with the newest this code has."""
    from alembic.script import ScriptDirectory
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    from hard_e.store import migrate
    from hard_e.store.db import create_engine

    parsed = make_url(url)
    backend = parsed.get_backend_name()
    name = f"Database ({backend}{f' on {parsed.host}' if parsed.host else ''}{f'/{parsed.database}' if backend != 'sqlite' else ''})"
    if (missing := _missing_sqlite_file(backend, parsed.database)) is not None:
        return [Finding(name, PROBLEM, f"no database file at {missing} yet", UPGRADE)]  # connecting would create it
    engine = create_engine(url)
    try:
        try:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception as exc:
            return [Finding(name, PROBLEM, f"can't connect ({_db_reason(exc)})", DB_SERVER)]
        current = await migrate.current_revision(engine)
    finally:
        await engine.dispose()
    head = migrate.head_revision()
    if current == head:
        return [Finding(name, OK, f"connected; the schema is at revision {current}, the newest")]
    if current is None:
        return [Finding(name, PROBLEM, "connected, but the schema was never created", UPGRADE)]
    known = {rev.revision for rev in ScriptDirectory.from_config(migrate.alembic_config()).walk_revisions()}
    if current in known:
        return [Finding(name, PROBLEM, f"the schema is at revision {current}, behind {head}", UPGRADE)]
    fix = "run the Hard-E version that migrated it, or upgrade this install"
    return [Finding(name, PROBLEM, f"the schema is at revision {current}, which this Hard-E doesn't know (its newest: {head})", fix)]


def _missing_sqlite_file(backend: str, database: str | None) -> str | None:
    if backend != "sqlite" or not database or database == ":memory:" or Path(database).is_file():
        return None
    return database


def _db_reason(exc: BaseException) -> str:
    """A few safe words: driver messages can quote the URL, so only the error's kind is shown. The
    driver's own error sits below SQLAlchemy's (`orig`) and its adapter's (`__cause__`)."""
    kinds = {
        "InvalidPasswordError": "login rejected",
        "InvalidAuthorizationSpecificationError": "login rejected",
        "InvalidCatalogNameError": "no such database",
        "ConnectionRefusedError": "connection refused",
        "gaierror": "unknown host",
    }
    chain: list[BaseException] = []
    error: BaseException | None = exc
    while error is not None and error not in chain:
        chain.append(error)
        error = getattr(error, "orig", None) or error.__cause__
    return next((kinds[type(e).__name__] for e in chain if type(e).__name__ in kinds), type(chain[-1]).__name__)

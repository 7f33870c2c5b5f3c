"""Services: everything a running Hard-E needs, built once at start-up and handed down."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from agents import Model, OpenAIChatCompletionsModel, OpenAIResponsesModel
from openai import AsyncOpenAI
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from hard_e.agents.conversation import Conversations
from hard_e.agents.crm.actions import CrmActions
from hard_e.agents.crm.creation import CustomerCreations
from hard_e.agents.crm.form import FormValues, form_from_extraction
from hard_e.agents.events import Sink
from hard_e.agents.history import History
from hard_e.agents.knowledge import KnowledgeIndex
from hard_e.agents.ports import CRM, FieldModel, PhotoDescriber, Transcriber, VideoRenderer, Voice
from hard_e.agents.refining import refine_instructions
from hard_e.agents.specialists import build_team
from hard_e.agents.turn import Turn
from hard_e.bot.budgeted_client import BudgetedWebClient
from hard_e.bot.config import Settings
from hard_e.bot.crm_access import CrmAccessPolicy
from hard_e.bot.crm_metrics import counted
from hard_e.bot.limits import over_limit
from hard_e.bot.metrics import Metrics
from hard_e.bot.native_stream import NativeRefusals, NativeStream
from hard_e.bot.rate_budget import Limit, RateBudgets
from hard_e.bot.slack_calls import SlackCalls
from hard_e.bot.slack_limits import SLACK_LIMITS
from hard_e.bot.slack_sink import Where
from hard_e.bot.streaming import EditStream
from hard_e.bot.turn_logging import log_turn
from hard_e.integrations.elevenlabs import ElevenLabsVoice
from hard_e.integrations.leap import LeapCRM
from hard_e.integrations.openai_llm import ChatModel, StructuredModel, build_client
from hard_e.integrations.openai_speech import OpenAIVoice
from hard_e.integrations.openai_transcribe import OpenAITranscriber
from hard_e.integrations.openai_vision import OpenAIVision
from hard_e.integrations.perplexity import PerplexitySearch
from hard_e.integrations.shotstack import ShotstackRenderer
from hard_e.integrations.xai import GrokRefiner
from hard_e.store import migrate
from hard_e.store.audio_transcripts import AudioTranscripts
from hard_e.store.crm import LocalCRM
from hard_e.store.crm_actions import PendingActions
from hard_e.store.db import create_engine, warm
from hard_e.store.job_runs import JobRuns
from hard_e.store.locks import TurnLocks
from hard_e.store.outbox import Outbox
from hard_e.store.repositories import ConversationStore, EventLedger
from hard_e.store.transcript_store import TranscriptStore
from hard_e.store.turn_log import TurnLogStore
from hard_e.store.usage import Usage
from hard_e.turn_report import TurnReport

log = logging.getLogger(__name__)


@dataclass
class Services:
    settings: Settings
    engine: AsyncEngine
    events: EventLedger
    store: ConversationStore
    conversations: Conversations
    metrics: Metrics
    knowledge: KnowledgeIndex
    budgets: RateBudgets = field(default_factory=lambda: RateBudgets({}))
    native_refusals: NativeRefusals = field(default_factory=NativeRefusals)
    llm_client: AsyncOpenAI | None = None
    locks: TurnLocks = field(default_factory=TurnLocks)
    refiner: GrokRefiner | None = None
    crm: CRM | None = None
    crm_actions: CrmActions | None = None
    crm_access: CrmAccessPolicy = field(default_factory=CrmAccessPolicy)
    creations: CustomerCreations | None = None
    field_model: FieldModel | None = None
    transcriber: Transcriber | None = None
    photo_describer: PhotoDescriber | None = None
    audio_transcripts: AudioTranscripts | None = None
    voice: Voice | None = None  # Listen: a script version read aloud
    renderer: VideoRenderer | None = None  # Render video: a primer script as a video
    job_runs: JobRuns | None = None  # scheduled jobs' slots and outcomes
    usage: Usage | None = None  # counters behind the limits (bot/limits.py)
    turn_log: TurnLogStore | None = None  # one row per turn (bot/turn_logging.py)
    _slack: AsyncWebClient | None = None
    _inflight: set[asyncio.Task[None]] = field(default_factory=set)
    _tidying: set[asyncio.Task[None]] = field(default_factory=set)  # clean-up after answers (bot/streaming.py)

    @classmethod
    def build(cls, settings: Settings) -> Services:
        """Wire everything up. No I/O happens here: connections open on first use."""
        _configure_agents_sdk(settings)
        engine = create_engine(settings.database_url)
        store = ConversationStore(engine)
        client = model = None
        if settings.llm_configured:
            client = build_client(
                api_key=settings.openai_api_key.get() if settings.openai_api_key else None,
                base_url=settings.openai_base_url,
                timeout=settings.first_token_timeout,
            )
            model = ChatModel(client, api=settings.openai_api, model=settings.model)
        knowledge = KnowledgeIndex(engine)
        locks = TurnLocks(engine, wait=settings.turn_lock_wait)
        refiner = build_refiner(settings)
        web_search = build_web_search(settings)
        metrics = Metrics()
        crm = counted(build_crm(settings, engine), metrics)
        crm_actions = CrmActions(crm, PendingActions(engine))
        conversations = Conversations(
            store=store,
            history=History(engine),
            model=model,
            team=build_team(agent_models(settings, client)) if client is not None else None,
            knowledge=knowledge if settings.kb_configured else None,
            web_search=web_search,
            transcripts=TranscriptStore(engine),
            tracing=settings.tracing,
            turn_timeout=settings.turn_timeout,
            first_token_timeout=settings.first_token_timeout,
            locks=locks,
            refiner=refiner,
            crm=crm,
            crm_actions=crm_actions,
        )
        return cls(
            settings=settings,
            engine=engine,
            events=EventLedger(engine),
            store=store,
            conversations=conversations,
            metrics=metrics,
            llm_client=client,
            budgets=slack_budgets(settings),
            knowledge=knowledge,
            locks=locks,
            refiner=refiner,
            crm=crm,
            crm_actions=crm_actions,
            crm_access=CrmAccessPolicy(settings.crm_allowed_users, settings.crm_allowed_groups),
            creations=CustomerCreations(crm, Outbox(engine), keep_trying=timedelta(hours=settings.outbox_hours)),
            field_model=StructuredModel(client, api=settings.openai_api, model=settings.fast_model) if client is not None else None,
            transcriber=OpenAITranscriber(client, model=settings.transcribe_model) if client is not None else None,
            photo_describer=OpenAIVision(client, api=settings.openai_api, model=settings.vision_model) if client is not None else None,
            audio_transcripts=AudioTranscripts(engine),
            voice=build_voice(settings, client),
            renderer=build_renderer(settings),
            job_runs=JobRuns(engine),
            usage=Usage(engine),
            turn_log=TurnLogStore(engine),
        )

    async def prepare(self, *, serving: bool = True) -> None:
        """Apply migrations; before serving, also open a few database connections (a burst of events
        then finds them ready)."""
        await migrate.upgrade(self.engine)
        if serving:
            await warm(self.engine)

    async def log_turn(self, turn: Turn, report: TurnReport, sink: Sink, *, place: str, started: float) -> int | None:
        """Put a finished turn in the turn log and count its spend (a no-op without the store's parts)."""
        if self.turn_log is None or self.usage is None:
            return None
        return await log_turn(
            turn,
            report,
            sink,
            settings=self.settings,
            turn_log=self.turn_log,
            usage=self.usage,
            metrics=self.metrics,
            place=place,
            started=started,
        )

    async def over_limit(self, team_id: str, user_id: str | None) -> str | None:
        """Count a turn against the limits; what to tell the rep when it is over one (None: go ahead)."""
        if self.usage is None:
            return None
        return await over_limit(self.settings, self.usage, team_id, user_id)

    async def render_metrics(self) -> bytes:
        """/metrics: this process's counters, plus what the database knows (each job's last success,
        whichever process ran it)."""
        if self.job_runs is not None:
            try:
                async with asyncio.timeout(2):
                    self.metrics.set_job_successes(await self.job_runs.last_success())
            except Exception as exc:
                log.warning("job metrics unavailable: %s", type(exc).__name__)
        return self.metrics.render()

    async def store_answers(self) -> bool:
        try:
            async with asyncio.timeout(2):
                async with self.engine.connect() as conn:
                    await conn.execute(text("SELECT 1"))
        except Exception:
            log.warning("store health check failed")
            return False
        return True

    def slack_client(self) -> AsyncWebClient:
        """A Web API client for work no Slack request started (the scheduler's jobs)."""
        if self._slack is None:
            token = self.settings.slack_bot_token.get() if self.settings.slack_bot_token else None
            self._slack = BudgetedWebClient(token=token, base_url=self.settings.slack_api_url, budgets=self.budgets)
        return self._slack

    async def extract_form(self, text: str) -> FormValues:
        """The new-customer form's fields read from free text: the normalizer, then the fast model."""
        from hard_e.agents.intake import extract_client_fields

        extraction = await extract_client_fields(text, self.field_model)
        return form_from_extraction(extraction.fields)

    def sink(self, client: AsyncWebClient, turn: Turn) -> Sink:
        """Where the answer to `turn` is shown in Slack: native streaming or progressive edits (`HARDE_STREAMING`)."""
        where = Where.for_turn(turn)
        calls = SlackCalls(client, team_id=where.team_id, budgets=self.budgets, metrics=self.metrics, tidying=self._tidying)
        if self.settings.streaming == "native":
            return NativeStream(calls, where, store=self.store, refusals=self.native_refusals)
        return EditStream(calls, where, store=self.store)

    @property
    def idle(self) -> bool:
        """No turn in flight (tests and shutdown wait for this)."""
        return not any(not t.done() for t in self._inflight)

    @property
    def tidying(self) -> bool:
        """Clean-up after finished answers (a reaction to remove, a stale message to delete) is pending."""
        return any(not t.done() for t in self._tidying)

    async def tidied(self, timeout: float) -> bool:  # noqa: ASYNC109  a bounded wait for tasks already started
        """Wait up to `timeout` seconds for pending clean-up; True when none is left."""
        if pending := {t for t in self._tidying if not t.done()}:
            await asyncio.wait(pending, timeout=timeout)
        return not self.tidying

    def degraded_reasons(self) -> list[str]:
        """What keeps Hard-E from answering although it runs (for /healthz); empty when nothing."""
        if not self.settings.llm_configured:
            return ["no language model configured: set OPENAI_API_KEY, or OPENAI_BASE_URL for a local model server"]
        return []

    def track(self, task: asyncio.Task[None]) -> None:
        """Remember a turn in flight so shutdown can let it finish."""
        self._inflight.add(task)
        task.add_done_callback(self._inflight.discard)

    async def drain(self, grace: float = 25.0) -> None:
        """Wait for turns in flight; past `grace` seconds, cancel them (each then tells its user)."""
        pending = {t for t in self._inflight if not t.done()}
        if pending:
            log.info("waiting for %d turn(s) to finish", len(pending))
            _, pending = await asyncio.wait(pending, timeout=grace)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending, timeout=5)
        # Reactions to remove and stale messages to delete: the thread should end with just the answer.
        if tidying := {t for t in self._tidying if not t.done()}:
            _, left = await asyncio.wait(tidying, timeout=grace)
            for task in left:
                task.cancel()

    async def aclose(self) -> None:
        await self.drain()
        if self.llm_client is not None:
            await self.llm_client.close()
        if (close := getattr(self.crm, "aclose", None)) is not None:
            await close()  # Leap's HTTP session (the CRM is wrapped for /metrics: bot/crm_metrics.py)
        if self.refiner is not None:
            await self.refiner.close()
        await self.locks.aclose()
        await self.engine.dispose()


def build_refiner(settings: Settings) -> GrokRefiner | None:
    """The Grok voice pass when `XAI_API_KEY` is set, else None (refinement off)."""
    if settings.xai_api_key is None:
        return None
    return GrokRefiner(settings.xai_api_key.get(), settings.xai_base_url, instructions=refine_instructions, model=settings.refine_model)


def build_crm(settings: Settings, engine: AsyncEngine) -> CRM:
    """Leap when `LEAP_API_TOKEN` is set; otherwise the local CRM in Hard-E's own database."""
    if settings.leap_api_token is not None:
        return LeapCRM(settings.leap_api_token.get(), settings.leap_api_url, web_url=settings.leap_web_url)
    return LocalCRM(engine)


def build_voice(settings: Settings, client: AsyncOpenAI | None) -> Voice | None:
    """ElevenLabs when `ELEVENLABS_API_KEY` and `ELEVENLABS_VOICE_ID` are set; else OpenAI's speech API
    on the language model's client, when there is one; else None (Listen says voice isn't set up).
    Neither keeps a session open: ElevenLabs opens one per request, OpenAI's is `llm_client`'s."""
    key = settings.elevenlabs_api_key
    if key is not None and settings.elevenlabs_voice_id:
        return ElevenLabsVoice(
            key.get(), settings.elevenlabs_base_url, voice_id=settings.elevenlabs_voice_id, model_id=settings.elevenlabs_model
        )
    if key is not None:
        log.warning("ELEVENLABS_API_KEY is set but ELEVENLABS_VOICE_ID is not, so ElevenLabs is not used")
    return OpenAIVoice(client) if client is not None else None


def build_renderer(settings: Settings) -> VideoRenderer | None:
    """Shotstack when `SHOTSTACK_API_KEY` is set (on `SHOTSTACK_STAGE`), else None (Render video says so).
    It opens a session per request, so there is nothing to close."""
    if settings.shotstack_api_key is None:
        return None
    return ShotstackRenderer(settings.shotstack_api_key.get(), settings.shotstack_base_url, stage=settings.shotstack_stage)


def build_web_search(settings: Settings) -> PerplexitySearch | None:
    """A Perplexity client when `PERPLEXITY_API_KEY` is set, else None (the agent says search is not configured)."""
    if settings.perplexity_api_key is None:
        return None
    return PerplexitySearch(settings.perplexity_api_key.get(), settings.perplexity_base_url)


def agent_models(settings: Settings, client: AsyncOpenAI) -> Callable[[str], Model]:
    """`model_for(agent)`: Triage on the fast model, specialists on the main one, unless
    HARDE_MODEL_<AGENT> names another; the wire protocol follows HARDE_OPENAI_API."""
    kind = OpenAIChatCompletionsModel if settings.openai_api == "chat_completions" else OpenAIResponsesModel

    def model_for(agent: str) -> Model:
        default = settings.fast_model if agent == "triage" else settings.model
        return kind(model=settings.agent_models.get(agent, default), openai_client=client)

    return model_for


def slack_budgets(settings: Settings) -> RateBudgets:
    """Budgets per workspace for every method an answer calls, at Slack's published tiers;
    chat.update (Tier 3) as configured, chat.postMessage per channel."""
    limits = dict(SLACK_LIMITS)
    limits["chat.update"] = Limit(settings.slack_edits_per_minute, settings.slack_edit_burst)
    return RateBudgets(limits, share=settings.slack_rate_share)


def _configure_agents_sdk(settings: Settings) -> None:
    # Conversations hold customer data; traces leave the building only when asked for.
    from agents import set_tracing_disabled

    set_tracing_disabled(not settings.tracing)

"""Answering a turn: the one entry point both faces (Slack, console) call."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Awaitable, Callable, Sequence
from contextlib import aclosing

from agents import Agent

from hard_e.agents.agents_flow import run_agents
from hard_e.agents.context import TurnContext
from hard_e.agents.crm.actions import CrmActions
from hard_e.agents.crm.wording import refused
from hard_e.agents.direct import HandOver, answer_or_hand_over
from hard_e.agents.events import (
    Event,
    Failed,
    Final,
    NeedsConfirmation,
    OfferReview,
    OfferScriptActions,
    Sink,
    TextDelta,
    Thinking,
    ToolFinished,
    ToolStarted,
)
from hard_e.agents.history import History, replace_last_answer
from hard_e.agents.ports import CRM, CrmAccess, KnowledgeSearch, Passage, Refiner, TextModel, TranscriptQueries, WebSearch
from hard_e.agents.refining import should_refine
from hard_e.agents.router import route
from hard_e.agents.state import WorkflowState
from hard_e.agents.text import fit_message, shortened_note
from hard_e.agents.turn import Turn
from hard_e.errors import UserFacingError
from hard_e.store.errors import STORE_ERRORS, StoreBusy
from hard_e.store.locks import TurnLocks
from hard_e.store.repositories import ConversationStore
from hard_e.turn_report import current as current_report

log = logging.getLogger(__name__)


def _ended(outcome: str) -> None:
    """The turn ended without an answer: say how, for the turn log."""
    if (report := current_report()) is not None:
        report.outcome = outcome


DIRECT_PASSAGES = 4
NO_MODEL = (
    "I'm not connected to a language model yet, so I can't answer. "
    "An admin needs to set OPENAI_API_KEY (or OPENAI_BASE_URL for a local model server)."
)
TOO_SLOW = "My language model took too long to answer, so I stopped waiting. Please ask me again."
EMPTY = "I came up empty on that one. Could you rephrase it?"
INTERRUPTED = "I was restarted before I could finish — please ask me again."
STORE_DOWN = "My memory (the database) isn't answering right now, so I can't pick up this thread. Please try again in a minute."
REFINING = "Polishing the wording…"
QUEUE, QUEUED = "queue", "Answering the earlier message in this thread first…"
GENERIC = "Something went wrong on my side while answering. Please try again in a moment."
STILL_BUSY = "I'm still working on an earlier message in this thread. Give me a moment and ask again once that answer is in."


class Conversations:
    """Answers turns with the thread's history, streaming events to a sink."""

    def __init__(
        self,
        *,
        store: ConversationStore,
        history: History,
        model: TextModel | None,
        team: dict[str, Agent[TurnContext]] | None = None,
        knowledge: KnowledgeSearch | None = None,
        web_search: WebSearch | None = None,
        transcripts: TranscriptQueries | None = None,
        crm: CRM | None = None,
        crm_actions: CrmActions | None = None,
        tracing: bool = False,
        turn_timeout: float = 120.0,
        first_token_timeout: float = 45.0,
        locks: TurnLocks | None = None,
        refiner: Refiner | None = None,
    ) -> None:
        self._store = store
        self._history = history
        self._model = model
        self._team = team
        self._knowledge = knowledge
        self._web_search = web_search
        self._transcripts = transcripts
        self._crm = crm
        self._crm_actions = crm_actions
        self._tracing = tracing
        self._turn_timeout = turn_timeout
        self._first_token_timeout = first_token_timeout
        self._locks = locks or TurnLocks()
        self._refiner = refiner

    async def answer(self, turn: Turn, sink: Sink, *, crm_access: CrmAccess | None = None) -> str | None:
        """Answer `turn`; returns the final text, or None when the user was told it failed.
        `crm_access` says who may use the CRM (None: anyone who can reach Hard-E, e.g. the terminal)."""
        after: list[Event] = []  # what follows the answer: CRM changes to confirm, a customer to review
        fitted = fit_message(turn.text)
        if fitted.shortened:
            turn = dataclasses.replace(turn, text=fitted.text)  # what the router, model and history see
        # Acknowledge first: the rep sees something at once, whatever the store is doing.
        await sink.send(Thinking())
        try:
            await self._store.ensure(
                key=turn.conversation_key,
                team_id=turn.team_id,
                channel_id=turn.channel_id,
                thread_ts=turn.thread_ts,
                channel_type=turn.channel_type,
                user_id=turn.user_id,
            )
        except STORE_ERRORS as exc:
            log.error("store unavailable conversation=%s: %s", turn.conversation_key, type(exc).__name__)
            _ended("error:store")
            await sink.send(Failed(STORE_DOWN))
            return None

        shown = False

        async def show(text: str) -> None:
            # The whole answer goes on screen before the thread's records are written: under load
            # those writes queue, and the rep should not wait for them (the lock still orders turns).
            nonlocal shown
            if not shown:
                shown = True
                await sink.send(Final(f"{text}\n\n{shortened_note(fitted)}" if fitted.shortened else text))

        try:
            # One turn at a time per conversation (across processes), so history stays in order.
            queued = False

            async def waiting() -> None:
                nonlocal queued
                queued = True
                await sink.send(ToolStarted(QUEUE, QUEUED))

            waited_from = asyncio.get_running_loop().time()
            async with self._locks.hold(turn.conversation_key, on_wait=waiting):
                if (report := current_report()) is not None:
                    report.queued_seconds = asyncio.get_running_loop().time() - waited_from
                if queued:
                    await sink.send(ToolFinished(QUEUE))
                text = await self._stream_answer(turn, sink, crm_access, after, show)
        except UserFacingError as exc:
            _ended(exc.kind)
            await sink.send(Failed(exc.message))
        except StoreBusy:
            log.warning("thread still busy conversation=%s", turn.conversation_key)
            _ended("error:busy")
            await sink.send(Failed(STILL_BUSY))
        except asyncio.CancelledError:
            # Shutting down mid-answer: tell the user rather than leave a placeholder.
            _ended("error:interrupted")
            await asyncio.shield(sink.send(Failed(INTERRUPTED)))
            raise
        except TimeoutError:  # before STORE_ERRORS: TimeoutError is an OSError
            log.warning("turn timed out conversation=%s", turn.conversation_key)
            _ended("error:timeout")
            await sink.send(Failed(TOO_SLOW))
        except STORE_ERRORS as exc:
            log.error("store failed mid-turn conversation=%s: %s", turn.conversation_key, type(exc).__name__)
            _ended("error:store")
            await sink.send(Failed(STORE_DOWN))
        except Exception:
            log.exception("turn failed conversation=%s", turn.conversation_key)
            _ended("error:unexpected")
            await sink.send(Failed(GENERIC))
        else:
            # The note is for the rep's eyes only; the thread remembers the answer itself.
            await show(text)  # (the direct flow has shown it already)
            for event in after:
                await sink.send(event)
            return text
        return None

    async def wants_crm(self, turn: Turn) -> bool:
        """Whether `turn` goes to the CRM agent (by its words, or a CRM workflow in progress in its thread),
        so that a face can move it somewhere private first. Cheap: the router and at most one read."""
        conversation = None
        if turn.thread_ts != turn.message_ts:  # a message that starts its thread has no workflow in it yet
            try:
                conversation = await self._store.get(turn.conversation_key)
            except STORE_ERRORS:
                pass
        where = route(fit_message(turn.text).text, conversation.active_workflow if conversation else None)
        return where.flow == "agents" and where.agent == "crm"

    async def _stream_answer(
        self, turn: Turn, sink: Sink, crm_access: CrmAccess | None, after: list[Event], show: Callable[[str], Awaitable[None]]
    ) -> str:
        if self._model is None:
            raise UserFacingError(NO_MODEL)
        conversation = await self._store.get(turn.conversation_key)
        active = conversation.active_workflow if conversation else None
        where = route(turn.text, active)
        log.info(
            "routed conversation=%s flow=%s agent=%s rule=%s confident=%s",
            turn.conversation_key,
            where.flow,
            where.agent,
            where.rule,
            where.confident,
        )
        if (report := current_report()) is not None:
            report.flow, report.agent, report.rule = where.flow, where.agent, where.rule
        if where.flow == "agents" and where.agent == "crm" and crm_access is not None and self._crm is not None:
            # Refuse at once rather than after a model call: the tools would refuse anyway.
            if (reason := await crm_access.refusal(turn.user_id)) is not None:
                raise UserFacingError(refused(reason), kind="refused")
        if where.flow == "agents" and self._team:
            state = WorkflowState.from_json(conversation.workflow_state if conversation else None)
            return await self._run_agents(turn, sink, where.agent or "triage", state, crm_access, after)

        async def hand_over(to: str) -> str:
            state = WorkflowState.from_json(conversation.workflow_state if conversation else None)
            return await self._hand_over(turn, sink, to, state, crm_access, after)

        return await self._direct(turn, sink, show, look_up=not where.small_talk, hand_over=hand_over if self._team else None)

    async def _run_agents(
        self, turn: Turn, sink: Sink, start: str, state: WorkflowState, crm_access: CrmAccess | None, after: list[Event]
    ) -> str:
        assert self._team  # _stream_answer chose the agents flow because there is a team
        context = TurnContext(
            turn=turn,
            state=state,
            knowledge=self._knowledge,
            web_search=self._web_search,
            transcripts=self._transcripts,
            crm=self._crm,
            crm_actions=self._crm_actions,
            crm_access=crm_access,
        )
        session = self._history.session(turn.conversation_key)
        async with asyncio.timeout(self._turn_timeout):
            answer = await run_agents(self._team[start], context, session, sink, tracing=self._tracing)
        # Triage only routes; the specialist it reached (if any) owns the thread's work now.
        active = answer.last_agent if answer.last_agent != "triage" else None
        await self._store.save_workflow(turn.conversation_key, active_workflow=active, last_agent=answer.last_agent, state=state.to_json())
        if not answer.text.strip():
            raise UserFacingError(EMPTY)
        after.extend(NeedsConfirmation(p.action_id, p.summary, p.requested_by) for p in context.proposals)
        if context.review is not None:
            after.append(OfferReview(context.review, turn.user_id))
        if context.script_saved:
            after.append(OfferScriptActions(turn.conversation_key, context.script_saved, state.script.kind))
        text = await self._refine(answer.text, "script" if answer.last_agent == "scripting" else "answer", sink)
        if text != answer.text:
            await replace_last_answer(session, text)  # the thread remembers what the rep was shown
        return text

    async def _direct(
        self,
        turn: Turn,
        sink: Sink,
        show: Callable[[str], Awaitable[None]] | None = None,
        *,
        look_up: bool = True,
        hand_over: Callable[[str], Awaitable[str]] | None = None,
    ) -> str:
        """One streamed model call; with `hand_over` (the agents flow is there) the model may pass the
        turn on before writing anything, and the answer is then `hand_over(agent)`'s."""
        assert self._model is not None  # checked when the turn started
        past = await self._history.messages(turn.conversation_key)
        question = {"role": "user", "content": turn.text}
        parts: list[str] = []
        passed: HandOver | None = None
        loop = asyncio.get_running_loop()
        agents = tuple(self._team or ()) if hand_over is not None else ()
        try:
            async with asyncio.timeout(self._first_token_timeout) as deadline:
                passages = await self._passages(turn.text) if look_up else []
                async with aclosing(answer_or_hand_over(self._model, turn, past, passages, hand_over_to=agents)) as answer:
                    async for delta in answer:
                        if isinstance(delta, HandOver):
                            passed = delta  # nothing was shown: the turn is the specialist's now
                            break
                        if not parts:
                            deadline.reschedule(loop.time() + self._turn_timeout)
                        parts.append(delta)
                        await sink.send(TextDelta(delta))
        except Exception:
            # Keep the question, so a follow-up ("try again") still has its context.
            await self._history.append(turn.conversation_key, question)
            raise
        if passed is not None and hand_over is not None:
            # The agents run records the question and its answer: the thread holds one exchange.
            return await hand_over(passed.to)
        text = "".join(parts)
        if not text.strip():
            await self._history.append(turn.conversation_key, question)
            raise UserFacingError(EMPTY)
        text = await self._refine(text, "answer", sink)
        if show is not None:
            await show(text)
        await self._history.append(turn.conversation_key, question, {"role": "assistant", "content": text})
        return text

    async def _hand_over(
        self, turn: Turn, sink: Sink, to: str, state: WorkflowState, crm_access: CrmAccess | None, after: list[Event]
    ) -> str:
        """Answer with the agents flow at `to`, which the direct flow's model named before writing
        anything; a name the team doesn't know goes to Triage, which routes."""
        assert self._team  # the hand-over is only offered when there is a team
        start = to if to in self._team else "triage"
        log.info("handed over conversation=%s from=direct to=%s%s", turn.conversation_key, start, "" if start == to else " (unknown agent)")
        if start == "crm" and crm_access is not None and self._crm is not None:
            # As when the router picks the CRM: refuse at once rather than after a model call.
            if (reason := await crm_access.refusal(turn.user_id)) is not None:
                raise UserFacingError(refused(reason), kind="refused")
        return await self._run_agents(turn, sink, start, state, crm_access, after)

    async def _refine(self, text: str, kind: str, sink: Sink) -> str:
        """The optional Grok voice pass over finished scripts and long answers."""
        if self._refiner is None or not should_refine(text, kind=kind):
            return text
        await sink.send(ToolStarted("refine", REFINING))
        try:
            return await self._refiner.refine(text, kind=kind)
        finally:
            await sink.send(ToolFinished("refine"))

    async def _passages(self, question: str) -> Sequence[Passage]:
        """Knowledge passages for the direct flow; an unavailable index just means none."""
        if self._knowledge is None:
            return ()
        try:
            return await self._knowledge.search(question, limit=DIRECT_PASSAGES)
        except STORE_ERRORS as exc:
            log.warning("knowledge search failed: %s", type(exc).__name__)
            return ()

"""The agents flow: one streamed OpenAI Agents SDK run, starting at the routed specialist.

Text, tool calls and handoffs become brain events; the run's history lives in the conversation's
SDK session, and its workflow state rides in the run context.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import openai
from agents import Agent, RunConfig, RunItemStreamEvent, Runner
from agents.exceptions import (
    AgentsException,
    InputGuardrailTripwireTriggered,
    MaxTurnsExceeded,
    ModelBehaviorError,
    OutputGuardrailTripwireTriggered,
)
from agents.memory import Session
from openai.types.responses import ResponseCompletedEvent, ResponseTextDeltaEvent

from hard_e.agents.context import TurnContext
from hard_e.agents.events import AgentChanged, Sink, TextDelta, ToolFinished, ToolStarted
from hard_e.agents.history import agent_input
from hard_e.agents.specialists import HANDOFF_STATUS, TOOL_STATUS
from hard_e.errors import UserFacingError
from hard_e.integrations.openai_llm import user_facing
from hard_e.turn_report import current as current_report
from hard_e.turn_report import model_used

log = logging.getLogger(__name__)

MAX_TURNS = 12
HANDOFF = "handoff"  # the status shown while a handoff brings in another agent
TOO_MANY_STEPS = "That took more steps than I allow myself for one answer. Could you break it into smaller asks?"
BLOCKED = "I can't help with that one here."
CONFUSED = "I got my wires crossed working on that. Please ask me again, maybe in other words."


@dataclass(frozen=True)
class AgentsAnswer:
    text: str
    last_agent: str


async def run_agents(
    start: Agent[TurnContext], context: TurnContext, session: Session, sink: Sink, *, tracing: bool, max_turns: int = MAX_TURNS
) -> AgentsAnswer:
    """Run the team from `start` on the turn's text, streaming events to `sink`."""
    result = Runner.run_streamed(
        start,
        input=context.turn.text,
        context=context,
        session=session,
        max_turns=max_turns,
        run_config=RunConfig(tracing_disabled=not tracing, workflow_name="Hard-E turn", session_input_callback=agent_input),
    )
    tools_by_call: dict[str | None, str] = {}  # tool name by call id
    handing_off = False  # a handoff's status is on show until the new agent speaks or acts

    async def handed_over() -> None:
        nonlocal handing_off
        if handing_off:
            handing_off = False
            await sink.send(ToolFinished(HANDOFF))

    try:
        async for event in result.stream_events():
            if event.type == "raw_response_event":
                if isinstance(event.data, ResponseTextDeltaEvent) and event.data.delta:
                    await handed_over()
                    await sink.send(TextDelta(event.data.delta))
                elif isinstance(event.data, ResponseCompletedEvent) and (usage := event.data.response.usage) is not None:
                    model_used(event.data.response.model, usage.input_tokens, usage.output_tokens)
            elif event.type == "agent_updated_stream_event":
                name = event.new_agent.name
                if (report := current_report()) is not None:
                    report.joined(name)
                await sink.send(AgentChanged(name))
                if name != start.name and name in HANDOFF_STATUS:
                    await handed_over()
                    handing_off = True
                    await sink.send(ToolStarted(HANDOFF, HANDOFF_STATUS[name]))
            elif event.type == "run_item_stream_event":
                if event.name == "tool_called":
                    await handed_over()
                await _tool_progress(event, tools_by_call, sink)
        await handed_over()
    except MaxTurnsExceeded:
        log.warning("agents run hit max_turns conversation=%s", context.turn.conversation_key)
        raise UserFacingError(TOO_MANY_STEPS) from None
    except (InputGuardrailTripwireTriggered, OutputGuardrailTripwireTriggered):
        raise UserFacingError(BLOCKED, kind="refused") from None
    except openai.APIError as exc:
        raise user_facing(exc) from exc
    except (ModelBehaviorError, AgentsException) as exc:
        if isinstance(exc.__cause__, UserFacingError):  # a tool's own sentence for the rep (the SDK wraps it)
            raise exc.__cause__ from None
        log.error("agents run failed: %s", type(exc).__name__)
        raise UserFacingError(CONFUSED) from None
    return AgentsAnswer(text=str(result.final_output or ""), last_agent=result.last_agent.name)


async def _tool_progress(event: RunItemStreamEvent, tools_by_call: dict[str | None, str], sink: Sink) -> None:
    raw = getattr(event.item, "raw_item", None)
    call_id = _get(raw, "call_id")
    if event.name == "tool_called":
        name = _get(raw, "name") or "tool"
        tools_by_call[call_id] = name
        if (report := current_report()) is not None:
            report.tools.append(name)
        await sink.send(ToolStarted(name, TOOL_STATUS.get(name, "Working on it…")))
    elif event.name == "tool_output" and call_id in tools_by_call:
        await sink.send(ToolFinished(tools_by_call.pop(call_id)))


def _get(raw: object, key: str) -> str | None:
    """A tool call's `key` field, whether the SDK gave the call as a model or as a dict."""
    value = raw.get(key) if isinstance(raw, dict) else getattr(raw, key, None)
    return value if isinstance(value, str) else None  # call ids and tool names are always strings

"""The answer route() gives: the flow, the specialist, and which rule decided and whether it is sure. No I/O."""

from __future__ import annotations

from dataclasses import dataclass

SMALL_TALK_REASON = "step2: small talk"


@dataclass(frozen=True)
class Route:
    flow: str  # "direct" | "agents"
    agent: str | None  # None for direct
    reason: str = ""  # short, for logs; never user text
    # Which rule decided: a short, stable identifier ("workflow.answer", "rule3.crm.named_customer", "small_talk",
    # "default.direct", "failsafe.triage"), for logs and evaluations; never user text.
    rule: str = ""
    # False when no rule matched and a default or a weak rule guessed. An unsure message that names records, people,
    # dates, counts, calls or outside facts is sent to triage (one cheap hop) rather than guessed into the direct flow.
    confident: bool = True

    @property
    def small_talk(self) -> bool:
        """Greetings, thanks, farewells: nothing to look up."""
        return self.reason == SMALL_TALK_REASON

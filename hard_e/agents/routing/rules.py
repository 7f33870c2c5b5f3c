"""Step 4 of the routing guide, rules 1–6 in order: which specialist a message asks for. Each rule is one predicate
in the module named for its agent (new_clients.py … knowledge.py); crm's also says which kind of evidence it found.
Rule 7 (triage.py) and the fallbacks come after them in router.py's route(). No I/O.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from hard_e.agents.routing.analysis import analysis
from hard_e.agents.routing.crm import crm_rule
from hard_e.agents.routing.knowledge import knowledge
from hard_e.agents.routing.names import Msg
from hard_e.agents.routing.new_clients import new_clients
from hard_e.agents.routing.scripting import scripting
from hard_e.agents.routing.web_search import web


def _named(rule: str, matches: Callable[[Msg], bool]) -> Callable[[Msg], str | None]:
    return lambda m: rule if matches(m) else None


RULES: tuple[tuple[str, Callable[[Msg], str | None]], ...] = (
    ("new_clients", _named("rule1.new_clients", new_clients)),
    ("scripting", _named("rule2.scripting", scripting)),
    ("crm", crm_rule),
    ("analysis", _named("rule4.analysis", analysis)),
    ("web_search", _named("rule5.web_search", web)),
    ("knowledge", _named("rule6.knowledge", knowledge)),
)


@lru_cache(maxsize=512)  # step 3 classifies a one-clause message, then step 4 asks again
def specialist_rule(m: Msg) -> tuple[str, str] | None:
    """The first of step 4's rules 1–6 that matches, as (agent, rule), or None."""
    return next(((name, rule) for name, matches in RULES if (rule := matches(m))), None)


def specialist(m: Msg) -> str | None:
    """The agent of the first of step 4's rules 1–6 that matches, or None."""
    return found[0] if (found := specialist_rule(m)) else None

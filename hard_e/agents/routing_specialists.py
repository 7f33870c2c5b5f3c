"""Step 4 of the routing guide, rules 1–6 in order: which specialist a message asks for. Each rule is one predicate
in its own module (routing_new_clients.py … routing_knowledge.py). Rule 7 (routing_triage.py) and the fallbacks
come after them in router.py's route(). No I/O.
"""

from __future__ import annotations

from functools import lru_cache

from hard_e.agents.routing_analysis import analysis
from hard_e.agents.routing_crm import crm
from hard_e.agents.routing_knowledge import knowledge
from hard_e.agents.routing_names import Msg
from hard_e.agents.routing_new_clients import new_clients
from hard_e.agents.routing_scripting import scripting
from hard_e.agents.routing_web import web


RULES = (("new_clients", new_clients), ("scripting", scripting), ("crm", crm), ("analysis", analysis),
         ("web_search", web), ("knowledge", knowledge))


@lru_cache(maxsize=512)  # step 3 classifies a one-clause message, then step 4 asks again
def specialist(m: Msg) -> str | None:
    """The first of step 4's rules 1–6 that matches, or None."""
    return next((name for name, matches in RULES if matches(m)), None)

"""Step 4 of the routing guide, rules 1–6 in order: which specialist a message asks for. Each rule is one predicate
in the module named for its agent (new_clients.py … knowledge.py). Rule 7 (triage.py) and the fallbacks come
after them in router.py's route(). No I/O.
"""

from __future__ import annotations

from functools import lru_cache

from hard_e.agents.routing.analysis import analysis
from hard_e.agents.routing.crm import crm
from hard_e.agents.routing.knowledge import knowledge
from hard_e.agents.routing.names import Msg
from hard_e.agents.routing.new_clients import new_clients
from hard_e.agents.routing.scripting import scripting
from hard_e.agents.routing.web_search import web

RULES = (
    ("new_clients", new_clients),
    ("scripting", scripting),
    ("crm", crm),
    ("analysis", analysis),
    ("web_search", web),
    ("knowledge", knowledge),
)


@lru_cache(maxsize=512)  # step 3 classifies a one-clause message, then step 4 asks again
def specialist(m: Msg) -> str | None:
    """The first of step 4's rules 1–6 that matches, or None."""
    return next((name for name, matches in RULES if matches(m)), None)

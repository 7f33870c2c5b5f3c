"""Stable contract path for the router: evaluations, the conversation and tests import route() and Route from here.

route(text, active_workflow=None) -> Route, where Route.flow is "direct" or "agents" and Route.agent names the
specialist (None for direct); Route.rule says which rule decided and Route.confident whether it is sure. The rules
live in hard_e/agents/routing/; this module only re-exports them.
"""

from hard_e.agents.routing import AGENTS, Route, route

__all__ = ["AGENTS", "Route", "route"]

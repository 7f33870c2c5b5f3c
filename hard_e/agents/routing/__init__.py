"""The router: which flow and which specialist one message goes to (docs/ROUTING_GUIDE.md). Keyword rules, no LLM,
no I/O. Exports route(text, active_workflow) -> Route, and AGENTS (the specialists a Route may name). A Route also
says which rule decided (Route.rule) and whether it is sure (Route.confident).

Modules import only those listed before them, so the order below is also the reading order:

- vocabulary.py: word lists and pattern pieces (imports nothing from the package)
- routes.py: the Route type (imports nothing from the package)
- cleaning.py: links, emoji, mentions, shorthand, misspellings and stutters reduced to the form the patterns match
  (Slack markup is read before, by hard_e/agents/slack_text.py, the one normaliser for outside text)
- names.py: whether a customer, job, address or contact details are named (the Msg every rule sees)
- asks.py, small_talk.py: kinds of ask shared by several steps; small talk is step 2
- one module per rule of step 4, each named for its agent; a rule may borrow from those before it:
  knowledge.py (rule 6), scripting.py (2), analysis.py (4), web_search.py (5), triage.py (7), new_clients.py (1),
  crm.py (3, which defers to analysis, web_search, knowledge and triage, and names its kind of evidence)
- general.py: clearly general questions, and the ask written above pasted material
- rules.py: step 4's rules 1–6 in the guide's order (specialist_rule(), specialist())
- two_requests.py (step 3), workflow.py (step 1: a workflow in progress)
- fail_safe.py: step 4's "otherwise" made safe — with no rule, a message about records, people, dates, counts, calls
  or outside facts goes to triage rather than to the direct flow
- router.py: route(), the steps in order, and step 4's fallbacks

hard_e/agents/router.py re-exports route and Route at the path evaluations import.
"""

from hard_e.agents.routing.router import AGENTS, route
from hard_e.agents.routing.routes import Route

__all__ = ["AGENTS", "Route", "route"]

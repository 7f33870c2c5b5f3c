"""hard_e/agents/routing/ imports in one direction: words and names at the bottom, the rules, the router on top."""

from __future__ import annotations

import pytest

from tests.import_order import imported_out_of_order, modules

PACKAGE = "hard_e.agents.routing"
# The order hard_e/agents/routing/__init__.py describes: each module imports only those before it.
ORDER = ["vocabulary", "routes", "cleaning", "names", "asks", "small_talk", "knowledge", "scripting", "analysis", "web_search",
         "triage", "new_clients", "crm", "general", "rules", "two_requests", "workflow", "fail_safe", "router", "__init__"]


def test_every_module_has_a_place_in_the_order():
    assert modules(PACKAGE) == set(ORDER)


@pytest.mark.parametrize("module", ORDER)
def test_module_imports_only_those_below_it(module):
    assert imported_out_of_order(PACKAGE, ORDER, module) == set()

"""hard_e/agents/spoken/ imports in one direction: number words at the bottom, the entity rules, normalize on top."""

from __future__ import annotations

import pytest

from tests.import_order import imported_out_of_order, modules

PACKAGE = "hard_e.agents.spoken"
# The order hard_e/agents/spoken/__init__.py describes: each module imports only those before it.
ORDER = ["numbers", "document", "emails", "addresses", "quantities", "phones", "normalize", "__init__"]


def test_every_module_has_a_place_in_the_order():
    assert modules(PACKAGE) == set(ORDER)


@pytest.mark.parametrize("module", ORDER)
def test_module_imports_only_those_below_it(module):
    assert imported_out_of_order(PACKAGE, ORDER, module) == set()

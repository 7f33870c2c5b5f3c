"""Imports point down only: handlers → bot wiring → agents (the Slack-free brain) → integrations, store.

Read from the source with `ast` (nothing is imported), so a forbidden import fails here even when
no test runs the code that holds it. Imports under `if TYPE_CHECKING:` are for annotations only
and are not counted; imports inside functions are.
"""

from __future__ import annotations

import ast
import functools
from collections import defaultdict
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "hard_e"
SLACK = ("slack_bolt", "slack_sdk")

# (importing package, forbidden prefixes, why)
RULES = [
    ("hard_e.agents", (*SLACK, "hard_e.bot", "hard_e.handlers"), "the brain is Slack-free and knows no wiring"),
    ("hard_e.integrations", (*SLACK, "hard_e.bot", "hard_e.handlers", "hard_e.agents"), "integrations take plain values"),
    ("hard_e.store", (*SLACK, "hard_e.bot", "hard_e.handlers", "hard_e.agents", "hard_e.integrations"), "the store is the floor"),
    ("hard_e.errors", ("hard_e.",), "errors are shared by every layer"),
    ("hard_e.records", ("hard_e.",), "CRM records are shared by every layer"),
    ("hard_e.media", ("hard_e.",), "media records are shared by every layer"),
    ("hard_e.turn_report", ("hard_e.",), "a turn's report is filled by every layer"),
    ("hard_e.handlers", ("hard_e.bot",), "handlers get what they need from Services (annotations only)"),
]
# Only handlers may name a wiring type in their annotations (`Services`); every other rule counts
# imports under `if TYPE_CHECKING:` too, so an upward dependency can't hide there.
ANNOTATIONS_MAY_POINT_UP = {"hard_e.handlers"}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_checking_only(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def runtime_imports(path: Path, module: str | None = None, *, annotations: bool = False) -> set[str]:
    """Absolute module names imported by `path` (the module `module`) at run time, relative imports
    resolved; with `annotations`, those under `if TYPE_CHECKING:` as well."""
    tree = ast.parse(path.read_text(), filename=str(path))
    here = (module or module_name(path)).split(".")
    if path.name != "__init__.py":
        here = here[:-1]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _type_checking_only(node) and not annotations:
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(here[: len(here) - node.level + 1] + ([base] if base else []))
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


@functools.cache  # read once per test process: the sources do not change while the tests run
def all_modules(*, annotations: bool = False) -> dict[str, set[str]]:
    return {module_name(p): runtime_imports(p, annotations=annotations) for p in sorted(PACKAGE.rglob("*.py"))}


def under(name: str, prefix: str) -> bool:
    prefix = prefix.rstrip(".")
    return name == prefix or name.startswith(prefix + ".")


@pytest.mark.parametrize(("importer", "forbidden", "why"), RULES, ids=[r[0] for r in RULES])
def test_no_import_points_up(importer, forbidden, why):
    modules = all_modules(annotations=importer not in ANNOTATIONS_MAY_POINT_UP)
    offenders = [
        f"{module} imports {name}"
        for module, names in modules.items()
        if under(module, importer)
        for name in sorted(names)
        if any(under(name, f) for f in forbidden)
    ]
    assert not offenders, f"{why}:\n" + "\n".join(offenders)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every elementary cycle's node list, found by DFS from each node (graphs here are tiny)."""
    cycles: list[list[str]] = []

    def walk(start: str, node: str, path: list[str]) -> None:
        for nxt in sorted(graph.get(node, ())):
            if nxt == start:
                cycles.append(path + [start])
            elif nxt not in path and nxt > start:
                walk(start, nxt, path + [nxt])

    for start in sorted(graph):
        walk(start, start, [start])
    return cycles


def package_graph(level: int, inside: str = "hard_e") -> dict[str, set[str]]:
    """Imports between the subpackages (folders) `level` names deep under `inside`."""
    folders = {module_name(p.parent) for p in PACKAGE.rglob("__init__.py")}

    def package_of(name: str) -> str | None:
        parts = name.split(".")
        key = ".".join(parts[:level])
        return key if len(parts) >= level and key in folders and under(key, inside) and key != inside else None

    graph: dict[str, set[str]] = defaultdict(set)
    for module, names in all_modules().items():
        if (source := package_of(module)) is None:
            continue
        for name in names:
            if (target := package_of(name)) is not None and target != source:
                graph[source].add(target)
    return graph


def test_no_cycles_between_top_level_packages():
    graph = package_graph(2)
    assert {"hard_e.agents", "hard_e.bot", "hard_e.store"} <= set(graph) | {t for ts in graph.values() for t in ts}
    assert _cycles(graph) == []


def test_no_cycles_between_the_brains_subpackages():
    assert _cycles(package_graph(3, inside="hard_e.agents")) == []


def test_the_checker_sees_what_it_must(tmp_path):
    """The walk resolves relative imports, skips TYPE_CHECKING blocks and sees imports in functions."""
    sample = tmp_path / "probe.py"
    sample.write_text(
        "from typing import TYPE_CHECKING\n"
        "from . import turn\n"
        "if TYPE_CHECKING:\n    from hard_e.bot.services import Services\n"
        "def f():\n    import slack_sdk\n"
    )
    names = runtime_imports(sample, "hard_e.agents.probe")
    assert "hard_e.agents.turn" in names and "slack_sdk" in names
    assert not any(n.startswith("hard_e.bot") for n in names)
    assert "hard_e.bot.services" in runtime_imports(sample, "hard_e.agents.probe", annotations=True)
    assert _cycles({"a": {"b"}, "b": {"a"}, "c": {"a"}}) == [["a", "b", "a"]]

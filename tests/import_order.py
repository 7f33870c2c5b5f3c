"""Checks that a package's modules import one another in one direction, read from the source with `ast`."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path


def modules(package: str) -> set[str]:
    """The package's own modules, by file name: "__init__", "router", ..."""
    return {p.stem for p in Path(importlib.import_module(package).__file__).parent.glob("*.py")}


def siblings_imported(package: str, module: str) -> set[str]:
    """The modules of `package` that `module` imports, absolutely or relatively."""
    path = Path(importlib.import_module(package).__file__).parent / f"{module}.py"
    prefix = f"{package}."
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            module_name = f"{prefix}{node.module or ''}".rstrip(".") if node.level == 1 else node.module or ""
            if module_name == package:  # "from . import names"; any other name taken from the top is reported as is
                names = [alias.name for alias in node.names]
            elif module_name.startswith(prefix):
                names = [module_name.removeprefix(prefix)]
            else:
                continue
        elif isinstance(node, ast.Import):
            names = [alias.name.removeprefix(prefix) for alias in node.names if alias.name.startswith(prefix)]
        else:
            continue
        found |= {name.split(".")[0] for name in names}
    return found


def imported_out_of_order(package: str, order: list[str], module: str) -> set[str]:
    """What `module` imports from its package that is not listed before it in `order`."""
    return siblings_imported(package, module) - set(order[: order.index(module)])

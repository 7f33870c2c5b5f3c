"""Agent instructions live beside this file as Markdown, one file per agent or flow."""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def load(name: str) -> str:
    """The text of `prompts/<name>.md` (read once, on first use)."""
    return resources.files(__package__).joinpath(f"{name}.md").read_text(encoding="utf-8")


@cache
def for_agent(name: str) -> str:
    """Hard-E's persona followed by one agent's role."""
    return f"{load('persona')}\n\n{load(name)}"

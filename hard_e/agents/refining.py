"""When the Grok voice pass runs and what it is told: the brain's side of the `Refiner` port."""

from __future__ import annotations

from hard_e.agents import prompts

SCRIPT = "script"
ANSWER = "answer"
KINDS = (SCRIPT, ANSWER)
# Short answers are already tight; a second model call would cost more latency than it adds.
MIN_ANSWER_CHARS = 600

_KIND_NOTE = {
    SCRIPT: "The text is a call script a rep will say out loud: keep it natural to speak.",
    ANSWER: "The text is an answer to a rep's question in Slack: keep it easy to read on a phone.",
}


def should_refine(text: str, *, kind: str) -> bool:
    """Scripts always get the voice pass; answers only from `MIN_ANSWER_CHARS` characters."""
    check_kind(kind)
    stripped = text.strip()
    if not stripped:
        return False
    return kind == SCRIPT or len(stripped) >= MIN_ANSWER_CHARS


def refine_instructions(kind: str) -> str:
    """Hard-E's persona, the rewrite rules, and a note on what kind of text this is."""
    check_kind(kind)
    return f"{prompts.load('persona')}\n\n{prompts.load('refine')}\n\n{_KIND_NOTE[kind]}"


def check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")

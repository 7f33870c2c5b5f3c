"""Stable contract path for the spoken-form normaliser: evaluations and the new_clients specialist import
normalize_spoken(text) -> str from here. The rules live in hard_e/agents/spoken/; this module only re-exports them.
"""

from hard_e.agents.spoken import normalize_spoken

__all__ = ["normalize_spoken"]

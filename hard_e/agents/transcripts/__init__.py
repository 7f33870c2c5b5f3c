"""Distilled sales-call transcripts: the schema each file must follow, and the incremental load into
the transcript tables that the Analysis agent counts over."""

from hard_e.agents.transcripts.loading import LoadReport, load_transcripts
from hard_e.agents.transcripts.schema import OBJECTION_TYPES, TECHNIQUES, TranscriptError, parse_transcript

__all__ = ["OBJECTION_TYPES", "TECHNIQUES", "LoadReport", "TranscriptError", "load_transcripts", "parse_transcript"]

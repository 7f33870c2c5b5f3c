"""Prometheus metrics, one registry per process (served at GET /metrics). No labels carry user data."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.events = Counter(
            "harde_slack_events_total",
            "Slack events received, by kind and what was done with them",
            ["kind", "outcome"],
            registry=self.registry,
        )
        self.slack_calls = Counter(
            "harde_slack_api_calls_total",
            "Slack Web API calls made while answering",
            ["method", "outcome"],
            registry=self.registry,
        )
        self.turns = Counter(
            "harde_turns_total",
            "Turns answered, by outcome",
            ["outcome"],
            registry=self.registry,
        )
        self.http_rejections = Counter(
            "harde_http_rejections_total",
            "HTTP requests turned away before Bolt saw them, by reason",
            ["reason"],
            registry=self.registry,
        )
        self.turn_seconds = Histogram(
            "harde_turn_seconds",
            "Time from a Slack event to the final edit",
            registry=self.registry,
            buckets=(0.5, 1, 2, 4, 8, 15, 30, 60, 120),
        )

    content_type = CONTENT_TYPE_LATEST

    def render(self) -> bytes:
        return generate_latest(self.registry)

"""Prometheus metrics, one registry per process (served at GET /metrics). No labels carry user data."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
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

        self.model_tokens = Counter(
            "harde_model_tokens_total",
            "Model tokens used by turns, by model and kind (input, output)",
            ["model", "kind"],
            registry=self.registry,
        )
        self.model_cost = Counter(
            "harde_model_cost_usd_total",
            "Estimated model spend of turns, in US dollars (HARDE_MODEL_PRICES)",
            registry=self.registry,
        )
        self.crm_calls = Counter(
            "harde_crm_calls_total",
            "CRM calls (Leap or the local CRM), by operation and outcome (ok or the error's type)",
            ["operation", "outcome"],
            registry=self.registry,
        )
        self.crm_seconds = Histogram(
            "harde_crm_call_seconds",
            "Time a CRM call took, by operation",
            ["operation"],
            registry=self.registry,
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10),
        )
        self.turn_queue_seconds = Histogram(
            "harde_turn_queue_seconds",
            "Time a turn waited behind an earlier one in its thread (one turn at a time per thread)",
            registry=self.registry,
            buckets=(0.01, 0.1, 0.5, 1, 2, 5, 10, 30, 60),
        )
        self.jobs = Counter(
            "harde_job_runs_total",
            "Scheduled job runs made by this process, by job and outcome",
            ["job", "outcome"],
            registry=self.registry,
        )
        self.job_last_success = Gauge(
            "harde_job_last_success_timestamp_seconds",
            "When each scheduled job last succeeded (any process), as a Unix time",
            ["job"],
            registry=self.registry,
        )

    content_type = CONTENT_TYPE_LATEST

    def set_job_successes(self, successes: Mapping[str, datetime]) -> None:
        for job, when in successes.items():
            # SQLite returns times without their zone; they are stored in UTC.
            self.job_last_success.labels(job=job).set((when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp())

    def render(self) -> bytes:
        return generate_latest(self.registry)

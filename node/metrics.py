"""Prometheus metrics of one process: HTTP requests, deliveries, cascade hops, queue rows.

A Metrics value owns its own registry (no module globals: every node in a test has its own).
Labels stay bounded: routes fall into a fixed set of groups, and remote hosts beyond the first
`host_labels` a process has seen are counted under "other", so a hostile peer cannot grow the
series without limit. Queue gauges are set from the database when /metrics is scraped.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest

from node import __version__

CONTENT_TYPE = CONTENT_TYPE_LATEST
OTHER = "other"
DEFAULT_HOST_LABELS = 20
SECONDS_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
HOP_BUCKETS = tuple(float(n) for n in range(11))


def route_group(method: str, path: str) -> str:
    """The bounded label of a request: which part of the node it asked for."""
    if method == "POST" and path.endswith("/inbox"):
        return "inbox"
    if path.startswith("/api/"):
        return "api"
    if path.startswith("/static/"):
        return "static"
    if path in ("/healthz", "/readyz"):
        return "health"
    if path == "/metrics":
        return "metrics"
    if path.startswith(("/.well-known/", "/nodeinfo/")):
        return "wellknown"
    return "other"


class BoundedLabels:
    """The first `limit` distinct values keep their own label; later ones become "other"."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.known: set[str] = set()

    def __call__(self, value: str) -> str:
        if value in self.known:
            return value
        if len(self.known) < self.limit:
            self.known.add(value)
            return value
        return OTHER


@dataclass(frozen=True)
class QueueFigures:
    """One work queue as the database shows it at scrape time."""

    queue: str
    pending: int
    due: int
    leased: int
    oldest_due_seconds: float


class Metrics:
    def __init__(self, host_labels: int = DEFAULT_HOST_LABELS) -> None:
        self.registry = CollectorRegistry()
        self.hosts = BoundedLabels(host_labels)
        r = self.registry
        Gauge("sn_build_info", "The running release", ["version"], registry=r).labels(
            __version__
        ).set(1)
        self.http_requests = Counter(
            "sn_http_requests",
            "HTTP requests answered, by route group (inbox = POSTs to an inbox) and status",
            ["route", "status"],
            registry=r,
        )
        self.http_seconds = Histogram(
            "sn_http_request_duration_seconds",
            "Time to answer an HTTP request, by route group",
            ["route"],
            buckets=SECONDS_BUCKETS,
            registry=r,
        )
        self.deliveries = Counter(
            "sn_deliveries",
            f"Delivery attempts by outcome and host (the first {host_labels} hosts this "
            f"process saw; the rest as '{OTHER}')",
            ["outcome", "host"],
            registry=r,
        )
        self.cascade_hops = Histogram(
            "sn_cascade_hops",
            "Hop of each cascade step: Announces of calls received, and amplifications sent",
            ["direction"],
            buckets=HOP_BUCKETS,
            registry=r,
        )
        self.queue_rows = Gauge(
            "sn_queue_rows",
            "Pending rows of a work queue (due: may be claimed now; leased: held by a worker)",
            ["queue", "state"],
            registry=r,
        )
        self.database_up = Gauge(
            "sn_database_up", "1 when the last scrape could read the database", registry=r
        )
        self.queue_oldest_due = Gauge(
            "sn_queue_oldest_due_seconds",
            "How long the oldest due row no worker holds has waited (0 when none)",
            ["queue"],
            registry=r,
        )

    def request(self, route: str, status: int, seconds: float) -> None:
        self.http_requests.labels(route, str(status)).inc()
        self.http_seconds.labels(route).observe(seconds)

    def delivered(self, outcomes: Iterable[tuple[str, str]]) -> None:
        """Count delivery attempts, given as (host, outcome) pairs."""
        for host, outcome in outcomes:
            self.deliveries.labels(outcome, self.hosts(host)).inc()

    def cascade_hop(self, direction: str, hop: int) -> None:
        self.cascade_hops.labels(direction).observe(hop)

    def set_queues(self, figures: Iterable[QueueFigures]) -> None:
        for found in figures:
            self.queue_rows.labels(found.queue, "pending").set(found.pending)
            self.queue_rows.labels(found.queue, "due").set(found.due)
            self.queue_rows.labels(found.queue, "leased").set(found.leased)
            self.queue_oldest_due.labels(found.queue).set(found.oldest_due_seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)

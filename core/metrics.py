"""The Prometheus metrics of a viche process, in one home: the bot counts updates, the API its requests and
results computations, the delivery engine its messages. Module-level objects in prometheus_client's default
registry: one set per process, whichever parts the process runs (``viche run`` both, ``viche api`` the API and
the delivery engine, ``viche run`` with VICHE_API_URL the bot).

Cheap on the hot path: a counter increment and a histogram observation are a lock and an addition each
(BENCHMARKS.md, "Metrics")."""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from functools import lru_cache
from typing import Protocol

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

# Webhook and polling updates, by what they carry (message, callback_query, …) and how their handling ended:
# handled, unhandled (no handler wanted it) or error.
UPDATES = Counter("viche_updates", "Telegram updates handled by the bot.", ["kind", "outcome"])
UPDATE_SECONDS = Histogram(
    "viche_update_seconds",
    "Time from an update entering the dispatcher to its handler's end.",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
# Route templates (/consultations/{slug}/…), never the path itself: one series per route, no identifiers.
REQUESTS = Counter("viche_http_requests", "HTTP requests served, by route template and status.", ["route", "status"])
REQUEST_SECONDS = Histogram(
    "viche_http_request_seconds",
    "Time to answer an HTTP request.",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
BROADCAST_SENDER = Gauge(
    "viche_broadcast_sender",
    "1 in the one process per database that sends broadcasts and does the housekeeping (storage/leadership.py).",
)
DB_POOL_IN_USE = Gauge("viche_db_pool_in_use", "Database connections checked out of the pool (at scrape time).")
RESULTS_SECONDS = Histogram(
    "viche_results_compute_seconds",
    "Time to compute a consultation's results (a cache miss in api/results/cache.py).",
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)


@lru_cache(maxsize=512)
def update_counter(kind: str, outcome: str) -> Counter:
    """The counter of one (kind, outcome): ``labels()`` looks it up under a lock, twice the cost of counting."""
    return UPDATES.labels(kind, outcome)


@lru_cache(maxsize=4096)  # route templates × statuses: a few hundred; unmatched paths share one label
def request_counter(route: str, status: int) -> Counter:
    return REQUESTS.labels(route, str(status))


class DeliveryStats(Protocol):
    sent: int
    failed: int
    rate_limited: int


class DeliverySource(Protocol):
    """What the delivery engine (bot/delivery/engine.py) shows: its running counts and its queue."""

    @property
    def stats(self) -> DeliveryStats: ...

    @property
    def queued(self) -> int: ...


_DELIVERY_COUNTS = {
    "sent": "Broadcast messages Telegram accepted.",
    "failed": "Broadcast messages given up on (an error a retry would not fix).",
    "rate_limited": "Times Telegram answered 429 (retry after) to a broadcast.",
}


class _Deliveries(Collector):
    """Read from the running delivery engines at scrape time, so the engine's send path pays nothing more. An
    engine that stopped leaves its counts behind: counters never go down while the process lives."""

    def __init__(self) -> None:
        self.engines: set[DeliverySource] = set()
        self.retired = dict.fromkeys(_DELIVERY_COUNTS, 0)

    def collect(self) -> Iterator[Metric]:
        engines = list(self.engines)
        for name, doc in _DELIVERY_COUNTS.items():
            value = self.retired[name] + sum(getattr(e.stats, name) for e in engines)
            yield CounterMetricFamily(f"viche_broadcast_{name}", doc, value=value)
        yield GaugeMetricFamily(
            "viche_broadcast_queue_length",
            "Broadcast messages claimed from the database and waiting for their turn or their answer.",
            value=sum(e.queued for e in engines),
        )


_DELIVERIES = _Deliveries()
REGISTRY.register(_DELIVERIES)


def watch_delivery(engine: DeliverySource) -> None:
    """Count this engine's messages in the process's metrics."""
    _DELIVERIES.engines.add(engine)


def unwatch_delivery(engine: DeliverySource) -> None:
    """The engine stopped: its counts stay in the totals, its queue leaves the gauge."""
    if engine in _DELIVERIES.engines:
        _DELIVERIES.engines.discard(engine)
        for name in _DELIVERY_COUNTS:
            _DELIVERIES.retired[name] += getattr(engine.stats, name)


def exposition() -> tuple[bytes, str]:
    """The process's metrics in Prometheus's text format, and its content type."""
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


def scrape_allowed(authorization: str | None, token: str | None) -> bool:
    """``/metrics`` answers with ``Authorization: Bearer <VICHE_METRICS_TOKEN>`` only, and not at all without
    that setting: the figures tell how a consultation is going before its results are public."""
    if not token or not authorization or not authorization.startswith("Bearer "):
        return False
    return hmac.compare_digest(authorization.removeprefix("Bearer ").encode(), token.encode())

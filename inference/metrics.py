"""Prometheus metrics for the worker, read at scrape time from the scheduler and governor.

A registry per app (not prometheus-client's global one), so several workers in one process
(the in-process tests) never collide. Gauges are computed when scraped rather than pushed on
every step: the model thread never waits on the metrics.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from inference.drain import DrainState
from inference.scheduler import Scheduler

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
TTFT_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0)

# status key → metric name and help, for the optional readings (absent without a sensor)
_READINGS = {
    "temperature_c": ("fennec_temperature_celsius", "Controlled temperature"),
    "power_w": ("fennec_power_watts", "Power draw"),
    "throttle": ("fennec_throttle_ratio", "How far the governor holds generation back (0-1)"),
}


class WorkerCollector(Collector):
    def __init__(
        self, scheduler: Scheduler, drain: DrainState, extras: list[Callable[[], dict]]
    ) -> None:
        self.scheduler = scheduler
        self.drain = drain
        self.extras = extras

    def collect(self) -> Iterator[Metric]:
        status = self.scheduler.status()
        model = status.engine.model
        gauges = (
            ("fennec_queue_depth", "Requests waiting for a batch slot", status.queued_requests),
            ("fennec_active_sequences", "Sequences being decoded", status.active_requests),
            ("fennec_max_batch", "Largest batch allowed now", status.max_batch),
            ("fennec_tokens_per_second", "Generated tokens per second", status.tokens_per_s),
            ("fennec_pacing_seconds", "Pause between decode steps", status.pacing_s),
            ("fennec_paused", "1 while generation is paused", int(status.paused)),
            ("fennec_draining", "1 while draining for shutdown", int(self.drain.draining)),
            ("fennec_in_flight_requests", "Generation requests in flight", self.drain.in_flight),
        )
        for name, text, value in gauges:
            metric = GaugeMetricFamily(name, text, labels=["model"])
            metric.add_metric([model], float(value))
            yield metric
        tokens = CounterMetricFamily(
            "fennec_generated_tokens", "Tokens generated since start", labels=["model"]
        )
        tokens.add_metric([model], float(status.total_tokens))
        yield tokens
        merged: dict = {}
        for extra in self.extras:
            merged |= extra()
        for key, (name, text) in _READINGS.items():
            value = merged.get(key)
            if isinstance(value, int | float):  # no sensor: no series, rather than a fake 0
                yield GaugeMetricFamily(name, text, value=float(value))


class WorkerMetrics:
    """The worker's registry: the scrape-time collector plus the TTFT histogram."""

    def __init__(
        self, scheduler: Scheduler, drain: DrainState, extras: list[Callable[[], dict]]
    ) -> None:
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(WorkerCollector(scheduler, drain, extras))
        self.ttft = Histogram(
            "fennec_time_to_first_token_seconds",
            "Seconds from a streaming request's arrival to its first answer text",
            buckets=TTFT_BUCKETS,
            registry=self.registry,
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)

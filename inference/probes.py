"""The worker as a fleet member: /healthz, /readyz and /metrics, outside the /v1 API.

No bearer token (kubelet and Prometheus carry none), but the Host/Origin guard still
applies: on loopback by default; in a cluster the pod's own address is opted in through
FENNEC_ALLOWED_HOSTS (see deploy/kubernetes/). Registered from `create_app`.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI
from starlette.responses import JSONResponse, Response

from inference.drain import AdmissionGate, DrainState
from inference.metrics import CONTENT_TYPE, WorkerMetrics
from inference.scheduler import Scheduler


def model_ready(scheduler: Scheduler) -> tuple[bool, str]:
    """Loaded and its thread alive. The model thread is the scheduler's own; a dead one
    means every request would hang, so the pod must leave the Service."""
    thread = getattr(scheduler, "_thread", None)
    if thread is not None and not thread.is_alive():
        return False, "the model thread has stopped"
    try:
        scheduler.status()
    except AssertionError:  # status() before the engine exists
        return False, "the model is loading"
    return True, "the model is loaded"


def install_cluster_routes(
    app: FastAPI,
    scheduler: Scheduler,
    status_extras: list[Callable[[], dict]],
    drain: DrainState | None = None,
) -> DrainState:
    """Add the probes, the metrics and the admission gate; returns the drain state that
    `fennec serve`'s SIGTERM handler flips."""
    drain = drain or DrainState()
    metrics = WorkerMetrics(scheduler, drain, status_extras)
    app.state.drain = drain
    app.state.metrics = metrics
    app.add_middleware(AdmissionGate, state=drain, on_first_body=metrics.ttft.observe)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict:
        # Alive means the HTTP loop answers; a loading or draining worker is still alive.
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    async def readyz():
        ready, why = model_ready(scheduler)
        if drain.draining:
            ready, why = False, "draining for shutdown"
        body = {"ready": ready, "reason": why, "in_flight": drain.in_flight}
        return JSONResponse(body, status_code=200 if ready else 503)

    @app.get("/metrics", include_in_schema=False)
    async def prometheus_metrics() -> Response:
        return Response(metrics.render(), media_type=CONTENT_TYPE)

    return drain

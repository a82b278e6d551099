"""Probes and metrics: GET /healthz (the process answers), GET /readyz (it can serve), GET /metrics (Prometheus).

/metrics reveals volumes (answers per channel, people waiting per unit), so it answers only a request bearing
PORTAL_METRICS_TOKEN (`Authorization: Bearer <token>`) or one that comes straight (no X-Forwarded-For or
Forwarded header, i.e. not through a proxy) from an address in PORTAL_METRICS_ALLOW (default loopback only).
"""

from __future__ import annotations

import hmac
import ipaddress

from litestar import Request, Response, Router, get
from litestar.exceptions import PermissionDeniedException

from portal import __version__
from portal.ops import health, metrics, queries
from portal.settings import Settings
from portal.web import t

NO_STORE = {"cache-control": "no-store"}


@get("/healthz", name="ops_healthz")
async def healthz() -> Response[dict]:
    """The process answers (no database work): for systemd, a load balancer's liveness check, a watchdog."""
    return Response({"status": "ok", "version": __version__}, headers=NO_STORE)


@get("/readyz", name="ops_readyz")
async def readyz(request: Request) -> Response[dict]:
    """Ready to serve (200) or not (503, the failing parts named): database, migrations, Redis, refresher."""
    report = await health.readiness(request.app)
    return Response(report, status_code=200 if report["status"] == "ready" else 503, headers=NO_STORE)


def _address_allowed(address: str, allowed: tuple[str, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(network, strict=False) for network in allowed)


def metrics_allowed(request: Request, settings: Settings) -> bool:
    """The bearer token, or a direct connection from an allowed address (the peer, never a forwarded header)."""
    if settings.metrics_token:
        scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(credentials.strip().encode(),
                                                              settings.metrics_token.encode()):
            return True
    if "x-forwarded-for" in request.headers or "forwarded" in request.headers:
        return False
    peer = request.client.host if request.client else ""
    return _address_allowed(peer, settings.metrics_allow)


@get("/metrics", name="ops_metrics")
async def metrics_page(request: Request) -> Response[bytes]:
    """Every metric in the Prometheus text format (portal.ops.metrics), the database gauges computed now."""
    if not metrics_allowed(request, request.app.state.settings):
        raise PermissionDeniedException(t(request, "The metrics are shown only with the metrics token or to an "
                                                   "allowed address."))
    families = metrics.scrape_families(await queries.pending_deltas(), await queries.waiting_by_unit())
    metrics.pool_sample(queries.engine())
    return Response(metrics.exposition(families), media_type=metrics.CONTENT_TYPE, headers=NO_STORE)


route_handlers = [Router(path="/", opt={"exclude_from_auth": True}, include_in_schema=False,
                         route_handlers=[healthz, readyz, metrics_page])]

"""Edge protection and observability for `nurture serve`: request-latency metrics, per-IP and per-visitor
token-bucket rate limits (429 + Retry-After), input size limits (413/414), and the `GET /metrics` route.

Limits come from nurture.yml's `limits:` section (all optional; see DEFAULT_LIMITS):

    limits:
      admin_per_ip: {rate: 20, burst: 60}       # /api/* (admin), /metrics, /slack/actions: requests/s per IP
      visitor_per_ip: {rate: 10, burst: 40}     # widget + inbox routes, per client IP
      visitor_per_session: {rate: 2, burst: 20} # widget + inbox routes, per session_id
      max_body_bytes: 65536                     # any request body (413 above)
      max_query_bytes: 4096                     # any query string (414 above)

The client IP is the socket peer (`request.remote`); put the service behind a proxy that does not pool all
visitors into one address, or raise visitor_per_ip accordingly.
"""

from __future__ import annotations

import hmac
import json
import logging
import math
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from ..errors import ConfigError, reject_unknown_keys
from ..metrics import CONTENT_TYPE, Metrics, NurtureMetrics

log = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Middleware = Callable[[web.Request, Handler], Awaitable[web.StreamResponse]]
METRICS_PATH = "/metrics"
VISITOR_PATHS = frozenset({"/api/inbox", "/api/inbox/read", "/api/visitor/telegram-link"})
UNLIMITED_PATHS = frozenset({"/api/health"})


@dataclass(frozen=True, kw_only=True)
class Rate:
    rate: float
    """Tokens added per second."""
    burst: float
    """Bucket size: requests allowed at once."""


@dataclass(frozen=True, kw_only=True)
class Limits:
    admin_per_ip: Rate = Rate(rate=20, burst=60)
    visitor_per_ip: Rate = Rate(rate=10, burst=40)
    visitor_per_session: Rate = Rate(rate=2, burst=20)
    max_body_bytes: int = 64 * 1024
    max_query_bytes: int = 4096


DEFAULT_LIMITS = Limits()
_RATE_KEYS = ("admin_per_ip", "visitor_per_ip", "visitor_per_session")
_SIZE_KEYS = ("max_body_bytes", "max_query_bytes")


def _positive(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0 or math.isinf(value):
        raise ConfigError(f"nurture.yml: {where} must be a positive number, got {value!r}")
    return float(value)


def parse_limits(raw: Mapping[str, Any] | None) -> Limits:
    """The `limits:` section; unknown keys and non-positive numbers are refused."""
    if raw is None:
        return DEFAULT_LIMITS
    if not isinstance(raw, Mapping):
        raise ConfigError("nurture.yml: limits must be a mapping")
    reject_unknown_keys("limits", raw, {*_RATE_KEYS, *_SIZE_KEYS})
    values: dict[str, Any] = {}
    for key in _RATE_KEYS:
        if key in raw:
            spec = raw[key]
            if not isinstance(spec, Mapping) or set(spec) != {"rate", "burst"}:
                raise ConfigError(f"nurture.yml: limits.{key} must be {{rate: <per second>, burst: <requests>}}")
            values[key] = Rate(rate=_positive(spec["rate"], f"limits.{key}.rate"),
                               burst=_positive(spec["burst"], f"limits.{key}.burst"))
    for key in _SIZE_KEYS:
        if key in raw:
            size = raw[key]
            if isinstance(size, bool) or not isinstance(size, int) or not 0 < size <= 16 * 1024 * 1024:
                raise ConfigError(f"nurture.yml: limits.{key} must be an integer from 1 to 16777216")
            values[key] = size
    return Limits(**values)


class TokenBuckets:
    """Token buckets by key, at most `max_keys` of them (the least recently used are forgotten, which only
    ever gives a forgotten client a full bucket again)."""

    def __init__(self, rate: Rate, *, max_keys: int = 10_000, now: Callable[[], float] = time.monotonic) -> None:
        self._rate = rate
        self._max_keys = max_keys
        self._now = now
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def take(self, key: str) -> float:
        """0 when the request may go ahead, else the seconds until it may."""
        now = self._now()
        tokens, last = self._buckets.pop(key, (self._rate.burst, now))
        tokens = min(self._rate.burst, tokens + (now - last) * self._rate.rate)
        wait = 0.0
        if tokens >= 1:
            tokens -= 1
        else:
            wait = (1 - tokens) / self._rate.rate
        self._buckets[key] = (tokens, now)
        while len(self._buckets) > self._max_keys:
            self._buckets.popitem(last=False)
        return wait

    def __len__(self) -> int:
        return len(self._buckets)


def _route_label(request: web.Request) -> str:
    """The route's template (`/api/leads/{lead_id}`), never the raw path: bounded label values."""
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else "unmatched"


def metrics_middleware(metrics: Metrics) -> Middleware:
    @web.middleware
    async def observe(request: web.Request, handler: Handler) -> web.StreamResponse:
        started = time.perf_counter()
        status = 500
        try:
            response = await handler(request)
            status = response.status
            return response
        except web.HTTPException as exc:
            status = exc.status
            raise
        finally:
            metrics.request(_route_label(request), request.method, status, time.perf_counter() - started)

    return observe


def _too_many(wait: float, scope: str) -> web.Response:
    retry = max(1, math.ceil(wait))
    return web.json_response({"error": f"too many requests ({scope}); retry in {retry}s"}, status=429,
                             headers={"Retry-After": str(retry), "Access-Control-Allow-Origin": "*"})


def limits_middleware(limits: Limits, metrics: Metrics, *, now: Callable[[], float] = time.monotonic) -> Middleware:
    admin_ip = TokenBuckets(limits.admin_per_ip, now=now)
    visitor_ip = TokenBuckets(limits.visitor_per_ip, now=now)
    visitor_session = TokenBuckets(limits.visitor_per_session, now=now)

    def refuse(status: int, message: str) -> web.Response:
        log.info("request refused (%s): %s", status, message)
        response = web.json_response({"error": message}, status=status, headers={"Access-Control-Allow-Origin": "*"})
        if status == 413:  # the body was not read: close the connection rather than have the client reuse it
            response.force_close()
        return response

    @web.middleware
    async def limit(request: web.Request, handler: Handler) -> web.StreamResponse:
        if len(request.query_string.encode()) > limits.max_query_bytes:
            return refuse(414, f"query string too long ({limits.max_query_bytes} bytes at most)")
        if request.content_length is not None and request.content_length > limits.max_body_bytes:
            return refuse(413, f"body too large ({limits.max_body_bytes} bytes at most)")
        path, ip = request.path, request.remote or "unknown"
        if path in UNLIMITED_PATHS or request.method == "OPTIONS":
            return await handler(request)
        try:
            return await limited(request, handler, path, ip)
        except RecursionError:  # json.loads on a body nested thousands deep, in any route
            return refuse(400, "the body is nested too deeply")

    async def limited(request: web.Request, handler: Handler, path: str, ip: str) -> web.StreamResponse:
        if path in VISITOR_PATHS:
            wait = visitor_ip.take(ip)
            if wait:
                metrics.rate_limited("visitor_ip")
                return _too_many(wait, "per address")
            session = request.query.get("session_id") or await _body_session(request)
            if session:
                wait = visitor_session.take(session[:128])
                if wait:
                    metrics.rate_limited("visitor_session")
                    return _too_many(wait, "per session")
        elif path.startswith("/api/") or path == METRICS_PATH or path.startswith("/slack/"):
            wait = admin_ip.take(ip)
            if wait:
                metrics.rate_limited("admin_ip")
                return _too_many(wait, "per address")
        return await handler(request)

    return limit


async def _body_session(request: web.Request) -> str | None:
    """The session_id of a visitor POST's JSON body (POST /api/inbox/read), so it has a session budget too.
    The body is small (the size limit applied above) and aiohttp keeps it for the handler's `read()`."""
    if request.method != "POST" or not request.can_read_body:
        return None
    try:
        data = json.loads(await request.read())
    except (ValueError, RecursionError):
        return None  # the handler answers 400
    session = data.get("session_id") if isinstance(data, dict) else None
    return session[:128] if isinstance(session, str) and session else None


def bearer_matches(header: str, tokens: tuple[str | None, ...]) -> bool:
    """Constant-time comparison against every configured token (each compared, whatever matched)."""
    given = header.removeprefix("Bearer ").encode()
    matched = False
    for token in tokens:
        if token:
            matched |= hmac.compare_digest(given, token.encode())
    return matched


def add_metrics_route(app: web.Application, metrics: NurtureMetrics, *, admin_token: str | None,
                      metrics_token: str | None) -> None:
    """`GET /metrics`: Prometheus text for a bearer of NURTURE_METRICS_TOKEN or NURTURE_ADMIN_TOKEN."""

    async def scrape(request: web.Request) -> web.Response:
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            return web.json_response({"error": "missing bearer token"}, status=401)
        if not (admin_token or metrics_token):
            return web.json_response({"error": "metrics disabled: no token is set"}, status=403)
        if not bearer_matches(header, (admin_token, metrics_token)):
            log.warning("GET /metrics with a wrong token from %s refused", request.remote)
            return web.json_response({"error": "wrong token"}, status=403)
        return web.Response(body=metrics.render().encode(), headers={"Content-Type": CONTENT_TYPE})

    app.router.add_get(METRICS_PATH, scrape)

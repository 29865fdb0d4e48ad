"""The action server: rasa-sdk's app behind the shared secret `NURTURE_ACTION_TOKEN`.

Rasa sends the secret as the `token` query parameter (`action_endpoint.token` in endpoints.yml);
`Authorization: Bearer <token>` is accepted too. Calls without it get 401, a wrong one 403.
"""

from __future__ import annotations

import hmac
import logging

from rasa_sdk.endpoint import create_app
from sanic import Sanic
from sanic.request import Request
from sanic.response import HTTPResponse, json

from nurture_engine.gc_tuning import tune_for_service

log = logging.getLogger(__name__)
OPEN_PATHS = frozenset({"/health"})


def presented_token(request: Request) -> str | None:
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return header.removeprefix("Bearer ")
    token = request.args.get("token")
    return token if isinstance(token, str) else None


def create_action_app(token: str, package: str = "actions") -> Sanic:
    if not token:
        raise ValueError("NURTURE_ACTION_TOKEN must be set: the action server refuses to run unprotected")
    app = create_app(package, cors_origins=[])
    # Rasa reuses idle connections to the action server and sometimes writes to one Sanic is closing
    # ("Cannot write to closing transport": the action's events are lost). A local connection per call
    # costs a fraction of a millisecond, so none is kept alive.
    app.config.KEEP_ALIVE = False

    @app.middleware("request")
    async def require_token(request: Request) -> HTTPResponse | None:
        if request.path in OPEN_PATHS:
            return None
        given = presented_token(request)
        if given is None:
            log.warning("action call without token from %s refused", request.ip)
            return json({"error": "missing action token"}, status=401)
        if not hmac.compare_digest(given.encode(), token.encode()):
            log.warning("action call with a wrong token from %s refused", request.ip)
            return json({"error": "wrong action token"}, status=403)
        return None

    return app


def run(token: str, port: int = 5055, host: str = "127.0.0.1") -> None:
    app = create_action_app(token)
    tune_for_service()
    app.run(host=host, port=port, workers=1, access_log=False)

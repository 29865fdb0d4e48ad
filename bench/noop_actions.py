"""A no-op action server: the load test's baseline. It answers every action call with no events and no
responses, so Rasa still calls an action server over HTTP for each custom action, but nothing is done.
It counts the calls it answered (GET /stats).

Usage: .venv/bin/python bench/noop_actions.py --port 5055
"""

from __future__ import annotations

import argparse
from collections import Counter

from aiohttp import web


def create_app() -> web.Application:
    calls: Counter[str] = Counter()

    async def webhook(request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except ValueError:
            return web.json_response({"error": "body is not JSON"}, status=400)
        calls[str(body.get("next_action") if isinstance(body, dict) else None)] += 1
        return web.json_response({"events": [], "responses": []})

    async def health(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def stats(request: web.Request) -> web.Response:
        return web.json_response(dict(calls))

    app = web.Application()
    app.router.add_post("/webhook", webhook)
    app.router.add_get("/health", health)
    app.router.add_get("/stats", stats)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5055)
    args = parser.parse_args()
    web.run_app(create_app(), host=args.host, port=args.port, print=None, access_log=None)


if __name__ == "__main__":
    main()

"""A no-op action server: the load test's baseline. It answers every action call with no events and no
responses, so Rasa still calls an action server over HTTP for each custom action, but nothing is done.
The one exception is `action_session_start`: it answers with the two events Rasa's own session start returns
(`session_started`, `action_listen`), as if the project had no custom session start. Without them the
tracker has no session and Rasa answers every message with the fallback: the baseline would not hold the same
conversations (it did until 2026-11-26, with 4 fallbacks per conversation instead of the form).
It counts the calls it answered (GET /stats).

Usage: .venv/bin/python bench/noop_actions.py --port 5055
"""

from __future__ import annotations

import argparse
from collections import Counter

from aiohttp import web

SESSION_START = [{"event": "session_started"}, {"event": "action", "name": "action_listen"}]


def create_app() -> web.Application:
    calls: Counter[str] = Counter()

    async def webhook(request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except ValueError:
            return web.json_response({"error": "body is not JSON"}, status=400)
        action = str(body.get("next_action") if isinstance(body, dict) else None)
        calls[action] += 1
        events = SESSION_START if action == "action_session_start" else []
        return web.json_response({"events": events, "responses": []})

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

"""The fuzz test's seeded plan: the stack's secrets, and the hostile requests built for each target (Rasa's REST,
Telegram and Slack channels, the action server, the admin API and inbox)."""

from __future__ import annotations

import json
import random
import time
import uuid
from urllib.parse import quote

from nurture_engine.fakes.slack import dm_event, event_callback, form_payload, sign
from nurture_engine.fakes.telegram import text_update

from .hostile import Hostile
from .stack import ACTION_TOKEN, ADMIN_TOKEN, RASA_TOKEN, Stack

TG_TOKEN = f"{random.randint(10**8, 10**9)}:AAfuzz{uuid.uuid4().hex}"
TG_SECRET = "fuzz-telegram-" + uuid.uuid4().hex
SLACK_TOKEN = "xoxb-fuzz-" + uuid.uuid4().hex[:12]
SLACK_SECRET = "fuzz-signing-" + uuid.uuid4().hex
METRICS_TOKEN = "fuzz-metrics-" + uuid.uuid4().hex
SECRETS = (ADMIN_TOKEN, ACTION_TOKEN, RASA_TOKEN, TG_TOKEN, TG_SECRET, SLACK_TOKEN, SLACK_SECRET, METRICS_TOKEN)
Request = tuple[str, str, dict[str, str], bytes | None]


class Plan:
    """The seeded list of requests, by target."""

    def __init__(self, stack: Stack, seed: int) -> None:
        self.s, self.h, self.rng = stack, Hostile(seed), random.Random(seed + 1)
        self.requests: list[tuple[str, Request]] = []

    def add(self, target: str, method: str, url: str, headers: dict[str, str], body: bytes | None) -> None:
        self.requests.append((target, (method, url, headers, body)))

    def rest(self, n: int, nlu: int) -> None:
        url = f"{self.s.rasa_url}/webhooks/rest/webhook"
        for _ in range(n):
            body = self.h.json_body({"sender": "fz-" + uuid.uuid4().hex[:8], "message": "hi"})
            self.add("rest", "POST", url, {"Content-Type": self.h.content_type()}, body)
        for _ in range(nlu):
            text = self.h.text(300)
            body = json.dumps({"sender": "fz-" + uuid.uuid4().hex[:8], "message": text}).encode(
                "utf-8", "surrogatepass")
            self.add("rest-nlu", "POST", url, {"Content-Type": "application/json"}, body)
        for size in (70_000, 1_000_000):
            self.add("rest", "POST", url, {"Content-Type": "application/json"},
                     json.dumps({"sender": "fz-big", "message": "x" * size}).encode())

    def socketio_http(self, n: int) -> None:
        for _ in range(n):
            query = self.rng.choice(["EIO=4&transport=polling", "EIO=3&transport=polling", "EIO=4&transport=x",
                                     "EIO=4&transport=polling&sid=" + self.h.text(40)])
            body = self.rng.choice([None, self.h.malformed(), self.h.text(500).encode("utf-8", "surrogatepass"),
                                    b'42["user_uttered",' + self.h.json_body({"message": "hi"}) + b"]"])
            self.add("socketio-http", "POST" if body else "GET", f"{self.s.rasa_url}/socket.io/?{query}",
                     {"Content-Type": "text/plain;charset=UTF-8"}, body)

    def telegram(self, n: int, nlu: int) -> None:
        url = f"{self.s.rasa_url}/webhooks/telegram/webhook"
        for _ in range(n):
            update = text_update(self.rng.randint(10**9, 2 * 10**9), "hi")
            headers = {"Content-Type": self.h.content_type()}
            secret = self.rng.random()
            if secret < 0.2:
                pass
            elif secret < 0.4:
                headers["X-Telegram-Bot-Api-Secret-Token"] = self.rng.choice([TG_SECRET[:-1], "x", TG_SECRET + " "])
            else:
                headers["X-Telegram-Bot-Api-Secret-Token"] = TG_SECRET
            self.add("telegram", "POST", url, headers, self.h.json_body(update))
        for _ in range(nlu):
            body = json.dumps(text_update(self.rng.randint(10**9, 2 * 10**9), self.h.text(300) or "x")).encode(
                "utf-8", "surrogatepass")
            self.add("telegram-nlu", "POST", url, {"Content-Type": "application/json",
                                                   "X-Telegram-Bot-Api-Secret-Token": TG_SECRET}, body)

    def slack(self, n: int, nlu: int) -> None:
        url = f"{self.s.rasa_url}/webhooks/slack/webhook"
        for _ in range(n):
            event = event_callback(dm_event(user="U" + uuid.uuid4().hex[:8].upper(), text="hi",
                                            channel="D" + uuid.uuid4().hex[:8].upper()),
                                   event_id="Ev" + uuid.uuid4().hex[:10])
            body = self.h.json_body(event) if self.rng.random() < 0.7 else form_payload(
                {"type": "block_actions", "x": self.h.text(200)}).encode()
            mode = self.rng.random()
            headers = {"Content-Type": self.h.content_type()}
            if mode < 0.6:
                headers.update(sign(body, SLACK_SECRET))
            elif mode < 0.75:
                headers.update(sign(body, SLACK_SECRET, timestamp=int(time.time()) - 3600))  # replayed
            elif mode < 0.9:
                headers.update(sign(body, "not-the-secret"))
            self.add("slack", "POST", url, headers, body)
        for _ in range(nlu):
            event = event_callback(dm_event(user="U" + uuid.uuid4().hex[:8].upper(), text=self.h.text(300) or "x",
                                            channel="D" + uuid.uuid4().hex[:8].upper()),
                                   event_id="Ev" + uuid.uuid4().hex[:10])
            body = json.dumps(event).encode("utf-8", "surrogatepass")
            self.add("slack-nlu", "POST", url, {"Content-Type": "application/json", **sign(body, SLACK_SECRET)}, body)

    def serve(self, n: int) -> None:
        paths = ["/api/leads", "/api/leads/lookup", "/api/leads/{id}", "/api/leads/{id}/export", "/api/funnel",
                 "/api/leads/{id}/erase", "/api/inbox", "/api/inbox/read", "/api/visitor/telegram-link",
                 "/slack/actions", "/metrics", "/api/leads/{id}/transcript", "/api/sequences/stats", "/",
                 "/static/../../etc/passwd", "/api/%00", "/dashboard"]
        params = ["stage", "q", "limit", "cursor", "channel", "sender_id", "session_id", "sort"]
        for _ in range(n):
            path = self.rng.choice(paths).replace("{id}", self.rng.choice(
                [uuid.uuid4().hex, "..%2F..%2Fetc", "%20' OR 1=1", "a" * 300, "%F0%9F%98%80", "%ff%fe"]))
            query = "&".join(f"{self.rng.choice(params)}={quote(self.h.text(200), safe='', errors='surrogatepass')}"
                             for _ in range(self.rng.randint(0, 3)))
            if self.rng.random() < 0.02:
                query = "q=" + "x" * 6000  # over max_query_bytes
            auth = self.rng.random()
            headers = {"Content-Type": self.h.content_type()}
            if auth < 0.6:
                headers["Authorization"] = f"Bearer {ADMIN_TOKEN}"
            elif auth < 0.8:
                headers["Authorization"] = self.rng.choice(["Bearer ", "Bearer x", "Basic YTpi", ADMIN_TOKEN,
                                                            f"Bearer {ADMIN_TOKEN[:-1]}"])
            method = "POST" if path.endswith(("/read", "/erase", "/actions")) or self.rng.random() < 0.1 else "GET"
            body = None
            if method == "POST":
                body = self.h.json_body({"session_id": uuid.uuid4().hex, "ids": [uuid.uuid4().hex]})
                if self.rng.random() < 0.02:
                    body = b"x" * 200_000  # over max_body_bytes
            url = f"{self.s.serve_url}{path}" + (f"?{query}" if query else "")
            self.add("serve", method, url, headers, body)

"""Appends sent follow-ups to the Rasa conversation as bot events (Rasa's HTTP API, token-protected)."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

import aiohttp

from .jobs import FollowUp


class RasaTracker:
    """Rasa's HTTP API with its token; one client session between start() and stop()."""

    def __init__(self, rasa_url: str, token: str) -> None:
        self._url = rasa_url.rstrip("/")
        self._token = token
        self._http: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))

    async def stop(self) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None

    async def append(self, followup: FollowUp, text: str, at: datetime) -> None:
        assert self._http is not None, "start() the tracker sink first"
        event = {"event": "bot", "text": text, "timestamp": at.timestamp(),
                 "metadata": {"followup_id": followup.id, "sequence": followup.sequence, "step": followup.step}}
        url = f"{self._url}/conversations/{quote(followup.sender_id, safe='')}/tracker/events"
        async with self._http.post(url, params={"token": self._token}, json=[event]) as resp:
            if resp.status >= 400:
                raise RuntimeError(f"Rasa refused the tracker event: {resp.status} {(await resp.text())[:200]}")


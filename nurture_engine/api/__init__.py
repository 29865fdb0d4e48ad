"""aiohttp admin API and demo page of `nurture serve`."""

from __future__ import annotations

from .app import create_app

__all__ = ["create_app"]

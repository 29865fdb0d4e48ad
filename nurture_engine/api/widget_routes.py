"""The public website side: the landing page with the chat widget embedded, and the widget's assets.

The landing page is web/index.html with `{{name}}` placeholders filled from nurture.yml's business section
(HTML-escaped) and `{{name_json}}` placeholders for the widget's settings object (JSON, safe inside <script>).
It is rendered once, when the app is built, and served with a Content-Security-Policy that allows only the
page's own inline settings script (by hash), the widget's files and the Rasa server.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import urlsplit

from aiohttp import web

from ..config import Settings

ASSETS = {"/widget.js": ("widget.js", "text/javascript"), "/widget.css": ("widget.css", "text/css")}
_PLACEHOLDER = re.compile(r"\{\{([a-z_]+)\}\}")
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def script_json(value: object) -> str:
    """JSON that cannot close a <script> element or start an HTML comment inside one."""
    return (json.dumps(value).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def page_values(settings: Settings) -> dict[str, str]:
    business = settings.business
    text = {"company": business.company, "product": business.product, "tagline": business.tagline,
            "pricing": business.pricing, "features": business.features, "integrations": business.integrations,
            "meeting_link": business.meeting_link, "privacy_url": business.privacy_url,
            "contact_email": business.contact_email, "rasa_url": settings.rasa_url}
    values = {k: html.escape(v) for k, v in text.items()}
    values.update({f"{k}_json": script_json(v) for k, v in text.items()})
    return values


def render_page(template: str, values: dict[str, str]) -> str:
    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise KeyError(f"web/index.html: unknown placeholder {{{{{name}}}}}")
        return values[name]

    return _PLACEHOLDER.sub(fill, template)


def _websocket_origin(url: str) -> str:
    parts = urlsplit(url)
    scheme = "wss" if parts.scheme == "https" else "ws"
    return f"{scheme}://{parts.netloc}"


def content_security_policy(page: str, rasa_url: str) -> str:
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"
        for body in _INLINE_SCRIPT.findall(page))
    rasa = urlsplit(rasa_url)
    rasa_http = f"{rasa.scheme}://{rasa.netloc}"
    return ("default-src 'self'; "
            f"script-src 'self' {hashes}; "
            "style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; "
            f"connect-src 'self' {rasa_http} {_websocket_origin(rasa_url)}; "
            "base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'")


def add_widget_routes(app: web.Application, settings: Settings, web_dir: Path) -> None:
    """`/` (the landing page), `/widget.js` and `/widget.css`."""
    page = render_page((web_dir / "index.html").read_text(encoding="utf-8"), page_values(settings))
    headers = {"Content-Security-Policy": content_security_policy(page, settings.rasa_url),
               "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin",
               "Cache-Control": "no-cache"}

    async def landing(request: web.Request) -> web.Response:
        return web.Response(text=page, content_type="text/html", charset="utf-8", headers=headers)

    app.router.add_get("/", landing)
    for route, (name, content_type) in ASSETS.items():
        app.router.add_get(route, _asset(web_dir / name, content_type))


def _asset(path: Path, content_type: str) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def serve(request: web.Request) -> web.StreamResponse:
        return web.FileResponse(path, headers={
            "Content-Type": f"{content_type}; charset=utf-8", "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-cache", "Access-Control-Allow-Origin": "*"})

    return serve

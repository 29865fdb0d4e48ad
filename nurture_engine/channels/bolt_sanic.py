"""Pure conversion between Sanic (Rasa's web framework) and slack-bolt's request/response objects."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sanic.request import Request
from sanic.response import HTTPResponse
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse


class MalformedSlackRequest(ValueError):
    """The request body is neither a JSON object nor a form Slack would send."""


def to_bolt_request(request: Request) -> AsyncBoltRequest:
    """The bolt view of a Sanic request; raises MalformedSlackRequest for a body bolt cannot parse."""
    headers: dict[str, str | Sequence[str]] = {}
    for name, value in request.headers.items():
        headers[name.lower()] = [*headers.get(name.lower(), []), value]
    try:
        body = (request.body or b"").decode("utf-8")
        bolt_request = AsyncBoltRequest(body=body, query=request.query_string, headers=headers)
    except (ValueError, TypeError, AttributeError, KeyError, RecursionError) as error:  # RecursionError: deep nesting
        # UnicodeDecodeError and json.JSONDecodeError are ValueErrors; the others come from payloads
        # of the wrong shape (e.g. a JSON array) that bolt's context extraction trips over.
        raise MalformedSlackRequest(f"{type(error).__name__}: {error}") from error
    if not isinstance(bolt_request.body, dict):
        raise MalformedSlackRequest(f"the payload is a {type(bolt_request.body).__name__}, not an object")
    for key, kind in (("event", dict), ("authorizations", list)):  # bolt's authorization step reads these
        if key in bolt_request.body and not isinstance(bolt_request.body[key], kind):
            raise MalformedSlackRequest(f"{key} has the wrong type ({type(bolt_request.body[key]).__name__})")
    return bolt_request


def to_sanic_response(response: BoltResponse) -> HTTPResponse:
    """A Sanic response with bolt's status, body and (first value of each) header; no cookies are used."""
    headers: dict[str, Any] = dict(response.first_headers_without_set_cookie())
    content_type = str(headers.pop("content-type", "text/plain; charset=utf-8"))
    return HTTPResponse(body=response.body, status=response.status, headers=headers, content_type=content_type)

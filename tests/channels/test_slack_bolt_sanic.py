"""The Sanic ↔ bolt conversion on its own."""

from __future__ import annotations

import json

import pytest
from sanic import Sanic
from sanic.compat import Header
from sanic.request import Request
from slack_bolt.response import BoltResponse

from nurture_engine.channels.bolt_sanic import MalformedSlackRequest, to_bolt_request, to_sanic_response


def sanic_request(body: bytes, headers: list[tuple[str, str]], query: bytes = b"") -> Request:
    Sanic.test_mode = True
    app = Sanic.get_app("bolt_sanic_test", force_create=True)
    request = Request(b"/webhooks/slack/webhook" + (b"?" + query if query else b""), Header(headers), "1.1",
                      "POST", None, app)
    request.body = body
    return request


def test_a_request_keeps_body_query_and_every_header_value() -> None:
    body = json.dumps({"type": "event_callback", "event": {"type": "app_mention"}})
    request = sanic_request(body.encode(), [("Content-Type", "application/json"), ("X-Slack-Retry-Num", "1"),
                                            ("X-Multi", "a"), ("X-Multi", "b")], query=b"x=1")
    bolt = to_bolt_request(request)
    assert bolt.raw_body == body and bolt.body["event"]["type"] == "app_mention"
    assert bolt.headers["x-slack-retry-num"] == ["1"] and bolt.headers["x-multi"] == ["a", "b"]
    assert bolt.query == {"x": ["1"]}


def test_a_form_payload_is_parsed_like_slack_sends_it() -> None:
    request = sanic_request(b"payload=%7B%22type%22%3A%22block_actions%22%7D",
                            [("Content-Type", "application/x-www-form-urlencoded")])
    assert to_bolt_request(request).body == {"type": "block_actions"}


@pytest.mark.parametrize("body", [b"{oops", b"[1]", b"\xff", b"payload=%5B%5D"])
def test_bodies_bolt_cannot_use_are_malformed(body: bytes) -> None:
    with pytest.raises(MalformedSlackRequest):
        to_bolt_request(sanic_request(body, [("Content-Type", "application/json")]))


def test_a_response_keeps_status_body_and_headers() -> None:
    response = to_sanic_response(BoltResponse(status=401, body={"error": "invalid request"},
                                              headers={"X-Extra": ["1", "2"]}))
    assert response.status == 401 and json.loads(response.body) == {"error": "invalid request"}
    assert response.content_type.startswith("application/json") and response.headers["x-extra"] == "1"

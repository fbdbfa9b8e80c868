"""Malformed and unsigned requests to /slack/events get 400 or 401, never a 500 or a dropped connection."""

import hashlib
import hmac
import http.client
import json
import time
from urllib.parse import urlencode

from tests.fixtures.slack_app import SIGNING_SECRET, sign


def raw_post(app, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
    """POST exactly these headers (no Content-Length added): returns the status, or fails if the link drops."""
    connection = http.client.HTTPConnection("127.0.0.1", app.server.port, timeout=30)
    try:
        connection.putrequest("POST", "/slack/events", skip_accept_encoding=True)
        for name, value in headers.items():
            connection.putheader(name, value)
        connection.endheaders(body)
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


def test_unsigned_json_array_and_form_array_get_401(slack_app):
    for body, content_type in [
        ("[1]", "application/json"),
        ("payload=[1]", "application/x-www-form-urlencoded"),
    ]:
        reply = slack_app.post(body, content_type, signed=False)
        assert reply.status == 401, (body, reply)


def test_a_non_numeric_content_length_gets_400(slack_app):
    body = b'{"type": "event_callback"}'
    status, _ = raw_post(slack_app, body, {"Content-Type": "application/json", "Content-Length": "abc"})
    assert status == 400


def test_a_non_numeric_or_missing_timestamp_gets_401(slack_app):
    body = json.dumps({"type": "event_callback", "event": {"type": "app_mention"}})
    for timestamp in ("soon", "1e9", "-5", ""):
        headers = {
            "Content-Type": "application/json",
            "Content-Length": str(len(body)),
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": sign(body, timestamp),
        }
        status, _ = raw_post(slack_app, body.encode(), headers)
        assert status == 401, timestamp


def test_signed_bodies_of_the_wrong_shape_get_400(slack_app):
    click = {"type": "block_actions", "user": {"id": "U1"}, "actions": []}
    for body, content_type in [
        ('{"type": "event_callback", "event": null}', "application/json"),
        ('{"type": "event_callback"}', "application/json"),
        ('{"type": "event_callback", "event": "not an object"}', "application/json"),
        ("[1]", "application/json"),
        ("payload=[1]", "application/x-www-form-urlencoded"),
        (urlencode({"payload": json.dumps(click)}), "application/x-www-form-urlencoded"),
        ("this is not json", "application/json"),
        ("payload=%7Bnot-json", "application/x-www-form-urlencoded"),
    ]:
        reply = slack_app.post(body, content_type)
        assert reply.status == 400, (body, reply)
    # invalid UTF-8, signed
    raw = b'{"type": "\xff"}'
    ts = str(int(time.time()))
    digest = "v0=" + hmac.new(SIGNING_SECRET.encode(), f"v0:{ts}:".encode() + raw, hashlib.sha256).hexdigest()
    headers = {
        "Content-Type": "application/json",
        "Content-Length": str(len(raw)),
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": digest,
    }
    assert raw_post(slack_app, raw, headers)[0] == 400
    slack_app.settle()
    assert slack_app.api.calls_to("chat.postMessage") == []


def test_size_limit_and_missing_length_are_kept(slack_app):
    # refused on the header alone: the body is not read (nor need the client send it)
    status, _ = raw_post(
        slack_app, b"x" * 10, {"Content-Type": "application/json", "Content-Length": "1000001"}
    )
    assert status == 413
    status, _ = raw_post(slack_app, b"", {"Content-Type": "application/json"})
    assert status == 411
    # the server still answers
    slack_app.mention("Whose signature is required on the final QAD?")
    slack_app.api.wait_for("chat.postMessage")

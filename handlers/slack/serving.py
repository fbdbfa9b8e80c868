"""The HTTP server of HTTP mode: Slack's requests at ``/slack/events``, plus registered GET routes.

Requests are served by waitress (a production WSGI server, in this one process, so the scheduler and the inbox
watcher still run exactly once). ``POST /slack/events`` is checked here before anything reads it: a numeric
``Content-Length`` no larger than :data:`MAX_BODY_BYTES`, a numeric timestamp and a valid signature (401 when
either is missing, stale or wrong), then the shape of the body (a JSON object, or form data whose ``payload`` is a
JSON object; an ``event`` that is an object; ``actions`` that are a non-empty list) — 400 otherwise. Only then is
the request handed to bolt's WSGI adapter. Bad input never gets a 500.

Other paths come from a :class:`Routes` registry: ``/healthz`` is always there; features add their own
(``routes.add_get("/deadlines.ics", handler)``), each handler taking a :class:`RouteRequest` and returning an
:class:`HTTPResponse`.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.core import heartbeat

logger = logging.getLogger(__name__)

SLACK_EVENTS_PATH = "/slack/events"
MAX_BODY_BYTES = 1_000_000  # Slack's payloads are far smaller
MAX_CLOCK_SKEW_SECONDS = 5 * 60  # as bolt: an older signed request may be a replay
SERVER_THREADS = 8  # requests handled at once; each is acknowledged quickly and answered on the app's workers


@dataclass(frozen=True)
class RouteRequest:
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names


@dataclass(frozen=True)
class HTTPResponse:
    status: int
    body: bytes
    content_type: str = "text/plain; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, value: object, status: int = 200) -> HTTPResponse:
        return cls(status, json.dumps(value).encode(), "application/json; charset=utf-8")

    @classmethod
    def text(cls, text: str, status: int = 200) -> HTTPResponse:
        return cls(status, text.encode())


RouteHandler = Callable[[RouteRequest], HTTPResponse]


class Routes:
    """GET routes served beside Slack's endpoint."""

    def __init__(self) -> None:
        self._get: dict[str, RouteHandler] = {}

    def add_get(self, path: str, handler: RouteHandler) -> None:
        if not path.startswith("/") or path == SLACK_EVENTS_PATH:
            raise ValueError(f"not a usable route path: {path!r}")
        if path in self._get:
            raise ValueError(f"route {path} is already registered")
        self._get[path] = handler

    def get(self, path: str) -> RouteHandler | None:
        return self._get.get(path)

    def paths(self) -> list[str]:
        return sorted(self._get)


def health(_: RouteRequest) -> HTTPResponse:
    return HTTPResponse.json({"ok": True})


def malformed_reason(body: str, content_type: str) -> str | None:
    """Why a signed body is not something Slack sends (None when it has the shape Slack's requests have)."""
    if "json" in content_type or body.lstrip().startswith("{"):
        try:
            parsed: Any = json.loads(body)
        except ValueError:
            return "the body is not JSON"
        if not isinstance(parsed, dict):
            return "the body is not a JSON object"
        return _payload_reason(parsed)
    form = parse_qs(body, keep_blank_values=True)
    if "payload" not in form:
        return None  # a slash command or an SSL check: plain form fields
    try:
        payload: Any = json.loads(form["payload"][0])
    except ValueError:
        return "the payload is not JSON"
    if not isinstance(payload, dict):
        return "the payload is not a JSON object"
    return _payload_reason(payload)


def _payload_reason(payload: dict[str, Any]) -> str | None:
    if "type" in payload and not isinstance(payload["type"], str):
        return "type is not a string"
    if "event" in payload or payload.get("type") == "event_callback":
        event = payload.get("event")
        if not isinstance(event, dict) or not isinstance(event.get("type"), str):
            return "event is not an event object"
    if "actions" in payload:
        actions = payload["actions"]
        if not isinstance(actions, list) or not actions or not all(isinstance(a, dict) for a in actions):
            return "actions is not a list of actions"
    for name in ("user", "team", "channel", "container", "view", "message"):
        if name in payload and payload[name] is not None and not isinstance(payload[name], dict):
            return f"{name} is not an object"
    return None


class SlackWSGIApp:
    """The WSGI application: Slack's endpoint (checked, then bolt's WSGI adapter) and the GET routes."""

    def __init__(self, app: App, routes: Routes, signing_secret: str):
        self.bolt = SlackRequestHandler(app, SLACK_EVENTS_PATH)
        self.routes = routes
        self.secret = signing_secret.encode()

    def _signed(self, raw: bytes, timestamp: str, signature: str) -> bool:
        """Slack's v0 signature over the raw bytes, with a timestamp within five minutes of now."""
        if not self.secret or not timestamp.isdigit() or not signature.startswith("v0="):
            return False
        if abs(time.time() - int(timestamp)) > MAX_CLOCK_SKEW_SECONDS:
            return False
        expected = hmac.new(self.secret, b"v0:" + timestamp.encode() + b":" + raw, hashlib.sha256).hexdigest()
        return hmac.compare_digest("v0=" + expected, signature)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "")
        try:
            if method == "POST":
                if path != SLACK_EVENTS_PATH:
                    return _respond(start_response, HTTPResponse.text("not found\n", 404))
                return self._slack(environ, start_response)
            if method in ("GET", "HEAD"):
                return _respond(start_response, self._get(environ, path), head=method == "HEAD")
            return _respond(start_response, HTTPResponse.text("method not allowed\n", 405))
        except Exception:
            logger.exception("%s %s failed", method, path)
            return _respond(start_response, HTTPResponse.text("internal error\n", 500))

    def _slack(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        length = environ.get("CONTENT_LENGTH") or ""
        if not length:
            return _respond(start_response, HTTPResponse.text("a Content-Length header is required\n", 411))
        if not length.isdigit():
            return _respond(start_response, HTTPResponse.text("a bad Content-Length header\n", 400))
        if int(length) > MAX_BODY_BYTES:
            return _respond(start_response, HTTPResponse.text("request body too large\n", 413))
        raw = environ["wsgi.input"].read(int(length))
        timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP") or ""
        signature = environ.get("HTTP_X_SLACK_SIGNATURE") or ""
        if not self._signed(raw, timestamp, signature):
            return _respond(start_response, HTTPResponse.text("invalid request signature\n", 401))
        try:
            body = raw.decode("utf-8")
        except UnicodeDecodeError:
            return _respond(start_response, HTTPResponse.text("malformed request body: not UTF-8\n", 400))
        reason = malformed_reason(body, environ.get("CONTENT_TYPE") or "")
        if reason is not None:
            return _respond(start_response, HTTPResponse.text(f"malformed request body: {reason}\n", 400))
        heartbeat.beat("slack")
        return self.bolt({**environ, "wsgi.input": io.BytesIO(raw)}, start_response)

    def _get(self, environ: dict[str, Any], path: str) -> HTTPResponse:
        handler = self.routes.get(path)
        if handler is None:
            return HTTPResponse.text("not found\n", 404)
        headers = {
            key[5:].lower().replace("_", "-"): value
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        return handler(RouteRequest(path, parse_qs(environ.get("QUERY_STRING", "")), headers))


def _respond(start_response: Callable[..., Any], response: HTTPResponse, head: bool = False) -> list[bytes]:
    reason = HTTPStatus(response.status).phrase if response.status in HTTPStatus._value2member_map_ else ""
    headers = [("Content-Type", response.content_type), ("Content-Length", str(len(response.body)))]
    headers += [
        (k, v) for k, v in response.headers.items() if k.lower() not in ("content-length", "content-type")
    ]
    start_response(f"{response.status} {reason}".rstrip(), headers)
    return [] if head else [response.body]


class SlackHTTPServer:
    """waitress serving one bolt app. ``start()`` serves in a background thread; ``stop()`` ends it."""

    def __init__(
        self,
        app: App,
        host: str,
        port: int,
        routes: Routes | None = None,
    ):
        from waitress.server import create_server

        self.app = app
        self.routes = routes or Routes()
        if self.routes.get("/healthz") is None:
            self.routes.add_get("/healthz", health)
        secret = app._signing_secret if hasattr(app, "_signing_secret") else ""
        self.wsgi = SlackWSGIApp(app, self.routes, secret or "")
        self._server = create_server(
            self.wsgi,
            host=host,
            port=port,
            threads=SERVER_THREADS,
            max_request_body_size=MAX_BODY_BYTES,
            channel_timeout=60,  # an idle kept-alive connection is closed after a minute
            ident="mhhs-bot",
            clear_untrusted_proxy_headers=True,
        )
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.effective_port)

    @property
    def url(self) -> str:
        host = str(self._server.effective_host)
        return f"http://{'127.0.0.1' if host in ('0.0.0.0', '') else host}:{self.port}"

    def start(self) -> SlackHTTPServer:
        self._thread = threading.Thread(target=self._run, name="slack-http", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            self._server.run()
        except OSError:  # the sockets were closed by stop()
            pass

    def stop(self) -> None:
        """Stop accepting requests and close the sockets; requests in progress finish on their threads."""
        from waitress import wasyncore

        self._server.close()
        wasyncore.close_all(self._server._map)
        self._server.task_dispatcher.shutdown(timeout=10)
        if self._thread is not None:
            self._thread.join(timeout=10)

"""The HTTP server of HTTP mode: Slack's requests at ``/slack/events``, plus registered GET routes.

``POST /slack/events`` hands the raw body and headers to the bolt app (which verifies the signature and the
timestamp, and answers 401 when either is wrong). Other paths come from a :class:`Routes` registry: ``/healthz``
is always there; features add their own (``routes.add_get("/deadlines.ics", handler)``), each handler taking a
:class:`RouteRequest` and returning an :class:`HTTPResponse`.

Each request runs on its own thread, so a slow route never delays Slack's acks.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from slack_bolt import App
from slack_bolt.request import BoltRequest

logger = logging.getLogger(__name__)

SLACK_EVENTS_PATH = "/slack/events"
MAX_BODY_BYTES = 1_000_000  # Slack's payloads are far smaller


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


class SlackHTTPServer:
    """A threading HTTP server for one bolt app. ``start()`` serves in a background thread; ``stop()`` ends it."""

    def __init__(self, app: App, host: str, port: int, routes: Routes | None = None):
        self.app = app
        self.routes = routes or Routes()
        if self.routes.get("/healthz") is None:
            self.routes.add_get("/healthz", health)
        self._server = ThreadingHTTPServer((host, port), self._handler_class())
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        host = self._server.server_address[0]
        return f"http://{'127.0.0.1' if host == '0.0.0.0' else host}:{self.port}"

    def start(self) -> SlackHTTPServer:
        self._thread = threading.Thread(target=self._server.serve_forever, name="slack-http", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop accepting requests and close the socket (requests in progress finish on their own threads)."""
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=10)
        self._server.server_close()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            server_version = "mhhs-bot"
            timeout = 60  # an idle kept-alive connection gives its thread back after a minute

            def log_message(self, format: str, *args: object) -> None:
                logger.debug("%s %s", self.address_string(), format % args)

            def do_POST(self) -> None:  # noqa: N802
                url = urlsplit(self.path)
                if url.path != SLACK_EVENTS_PATH:
                    self._send(HTTPResponse.text("not found\n", 404))
                    return
                length = self.headers.get("Content-Length")
                if length is None or not length.isdigit():
                    self._send(HTTPResponse.text("a Content-Length header is required\n", 411))
                    return
                if int(length) > MAX_BODY_BYTES:
                    self._send(HTTPResponse.text("request body too large\n", 413))
                    self.close_connection = True
                    return
                body = self.rfile.read(int(length)).decode("utf-8", errors="replace")
                headers: dict[str, list[str]] = {}
                for name, value in self.headers.items():
                    headers.setdefault(name.lower(), []).append(value)
                try:
                    request = BoltRequest(body=body, query=url.query, headers=headers)
                except ValueError:  # the body is not the JSON or form data Slack sends
                    self._send(HTTPResponse.text("malformed request body\n", 400))
                    return
                try:
                    response = server.app.dispatch(request)
                except Exception:
                    logger.exception("Slack request failed before it reached a listener")
                    self._send(HTTPResponse.text("internal error\n", 500))
                    return
                extra = {name: ", ".join(values) for name, values in response.headers.items()}
                content_type = extra.pop("content-type", "text/plain; charset=utf-8")
                self._send(HTTPResponse(response.status, response.body.encode("utf-8"), content_type, extra))

            def do_GET(self) -> None:  # noqa: N802
                url = urlsplit(self.path)
                handler = server.routes.get(url.path)
                if handler is None:
                    self._send(HTTPResponse.text("not found\n", 404))
                    return
                request = RouteRequest(
                    url.path, parse_qs(url.query), {k.lower(): v for k, v in self.headers.items()}
                )
                try:
                    response = handler(request)
                except Exception:
                    logger.exception("GET %s failed", url.path)
                    response = HTTPResponse.text("internal error\n", 500)
                self._send(response)

            def _send(self, response: HTTPResponse) -> None:
                self.send_response(response.status)
                self.send_header("Content-Type", response.content_type)
                self.send_header("Content-Length", str(len(response.body)))
                for name, value in response.headers.items():
                    if name.lower() != "content-length":
                        self.send_header(name, value)
                self.end_headers()
                self.wfile.write(response.body)

        return Handler

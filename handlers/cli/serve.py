"""``mhhs-bot serve``: run the Slack assistant.

Socket Mode when ``SLACK_APP_TOKEN`` is set (no public URL needed); otherwise HTTP mode on ``PORT`` at
``/slack/events``, with the routes from :func:`http_routes`. The knowledge base loads once, before the first
request. Background services from :func:`background_services` run beside the app, each in its own thread.
SIGTERM or SIGINT stops everything cleanly: no new requests, answers in progress finish, services are told to stop.
"""

from __future__ import annotations

import hmac
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import click

from bot import storage
from bot.core import heartbeat
from bot.core.errors import ConfigError
from bot.core.settings import Settings
from handlers.cli.context import get_settings
from handlers.slack.app import build_app, create_assistant, stop_app
from handlers.slack.assistant import SlackAssistant
from handlers.slack.client import web_client
from handlers.slack.health import HealthReport
from handlers.slack.serving import HTTPResponse, RouteRequest, Routes, SlackHTTPServer

logger = logging.getLogger(__name__)

BackgroundService = Callable[[threading.Event], None]
"""A service run beside the Slack app: it works until ``stop`` is set, then returns."""


def background_services(settings: Settings, assistant: SlackAssistant) -> list[tuple[str, BackgroundService]]:
    """(name, service) for every background service this configuration runs beside the Slack app.

    The nudge scheduler always runs (deadlines come from the deadlines file, the team and the cases); the inbox
    watcher runs when IMAP settings are present. A bad deadlines file raises here, before anything starts.
    """
    from bot.core.working_days import calendar_from_settings
    from bot.deadlines import file_deadlines
    from handlers.mail.watcher import run_inbox_watcher
    from handlers.scheduler import run_nudge_scheduler

    file_deadlines(settings, calendar_from_settings(settings))
    services: list[tuple[str, BackgroundService]] = [("nudges", partial(run_nudge_scheduler, settings))]
    if settings.imap.enabled:
        services.append(("inbox", partial(run_inbox_watcher, settings)))
    return services


def deadlines_calendar(settings: Settings) -> Callable[[RouteRequest], HTTPResponse]:
    """``GET /deadlines.ics?token=...``: programme and team deadlines as an iCalendar file people can subscribe to.

    Served only at the secret address: without ``MHHS_CALENDAR_TOKEN``, or with another token, it is 404 (the token is
    compared in constant time).
    """
    from bot.deadlines.ics import deadlines_ics

    secret = (settings.deadlines.calendar_token or "").encode()

    def calendar(request: RouteRequest) -> HTTPResponse:
        given = (request.query.get("token") or [""])[0].encode()
        if not secret or not hmac.compare_digest(given, secret):
            return HTTPResponse.text("not found\n", 404)
        db = storage.connect(settings.database_path)
        try:
            body = deadlines_ics(settings, db)
        finally:
            db.conn.close()
        return HTTPResponse(
            200,
            body,
            "text/calendar; charset=utf-8",
            {"Content-Disposition": 'inline; filename="mhhs-deadlines.ics"'},
        )

    return calendar


def http_routes(settings: Settings, assistant: SlackAssistant, health: HealthReport | None = None) -> Routes:
    """GET routes served in HTTP mode beside ``/slack/events``. A feature adds its own with ``routes.add_get``."""
    routes = Routes()
    routes.add_get("/healthz", health or HealthReport("http", settings.imap.enabled))
    routes.add_get(
        "/", lambda _: HTTPResponse.text("MHHS Qualification Assistant: Slack events at /slack/events\n")
    )
    routes.add_get("/deadlines.ics", deadlines_calendar(settings))
    return routes


def slack_mode(settings: Settings) -> str:
    """``"socket"`` or ``"http"``; a ConfigError naming the setting when Slack is not configured."""
    if not settings.slack.bot_token:
        raise ConfigError(
            "SLACK_BOT_TOKEN",
            "not set, so there is no Slack app to serve. Set SLACK_BOT_TOKEN with SLACK_SIGNING_SECRET (HTTP mode) "
            "or SLACK_APP_TOKEN (Socket Mode); see README.md, section Slack. Without Slack, the local console "
            "works: mhhs-bot chat",
        )
    if settings.slack.app_token:
        return "socket"
    if not settings.slack.signing_secret:
        raise ConfigError("SLACK_SIGNING_SECRET", "required in HTTP mode (when SLACK_APP_TOKEN is not set)")
    return "http"


@dataclass
class BackgroundServices:
    """Runs each service in a thread until :meth:`stop`."""

    stop_event: threading.Event = field(default_factory=threading.Event)
    threads: list[threading.Thread] = field(default_factory=list)

    def start(self, services: list[tuple[str, BackgroundService]]) -> None:
        for name, service in services:
            thread = threading.Thread(
                target=self._run, args=(name, service), name=f"service-{name}", daemon=True
            )
            thread.start()
            self.threads.append(thread)

    def _run(self, name: str, service: BackgroundService) -> None:
        logger.info("background service %s started", name)
        try:
            service(self.stop_event)
        except Exception:
            logger.exception("background service %s stopped after an error", name)
        else:
            logger.info("background service %s stopped", name)

    def stop(self, timeout: float = 15.0) -> None:
        self.stop_event.set()
        for thread in self.threads:
            thread.join(timeout=timeout)
            if thread.is_alive():
                logger.warning(
                    "background service thread %s did not stop within %.0f s", thread.name, timeout
                )


def _stop_on_signals(stop: threading.Event) -> None:
    def handle(signum: int, _frame: object) -> None:
        logger.info("received %s: stopping", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)


@click.command("serve")
@click.option(
    "--port", type=int, default=None, help="HTTP mode: port to listen on (default: the PORT setting)."
)
@click.option(
    "--host", default=None, help="HTTP mode: address to listen on (default: the HTTP_HOST setting)."
)
@click.pass_context
def serve_command(ctx: click.Context, port: int | None, host: str | None) -> None:
    """Run the Slack assistant: Socket Mode with SLACK_APP_TOKEN, otherwise HTTP mode on PORT.

    Stops cleanly on SIGTERM or Ctrl-C. Without Slack settings it says so (the local console is `mhhs-bot chat`).
    """

    serve(get_settings(ctx), host=host, port=port)


def serve(settings: Settings, host: str | None = None, port: int | None = None) -> None:
    """Run the Slack assistant until SIGTERM or SIGINT (see the module docstring)."""
    slack_mode(settings)
    from bot.knowledge_base import open_knowledge_base
    from handlers.cli.check import first_failure

    failure = first_failure(settings)
    if failure is not None:
        click.echo(f"mhhs-bot serve: {failure.line()} (mhhs-bot check lists every check)", err=True)
        sys.exit(2)

    click.echo("Loading the knowledge base...", err=True)
    knowledge_base = open_knowledge_base(settings)
    stop = threading.Event()
    _stop_on_signals(stop)
    # Socket Mode needs no port; /healthz is served there when a port is asked for (--port, or PORT set)
    health_port = port if port is not None else (settings.slack.port if os.environ.get("PORT") else None)
    service = SlackService(settings, knowledge_base, host=host, port=port, health_port=health_port).start()
    try:
        if service.mode == "http" and service.server is not None:
            click.echo(
                f"Slack assistant running in HTTP mode: {service.server.url}/slack/events. Stop with Ctrl-C.",
                err=True,
            )
        else:
            where = f"; health at {service.server.url}/healthz" if service.server is not None else ""
            click.echo(f"Slack assistant running in Socket Mode{where}. Stop with Ctrl-C.", err=True)
        while not stop.wait(1.0):
            pass
    finally:
        service.stop()
    click.echo("Slack assistant stopped.", err=True)


class SlackService:
    """The Slack app, its HTTP server or Socket Mode connection, and the background services, started together."""

    socket_ping_seconds: float = 10.0

    def __init__(
        self,
        settings: Settings,
        knowledge_base: Any,
        host: str | None = None,
        port: int | None = None,
        health_port: int | None = None,
    ):
        self.settings = settings
        self.health_port = health_port  # Socket Mode: serve /healthz on this port (None: no HTTP at all)
        self.mode = slack_mode(settings)
        self.db = storage.connect(settings.database_path)
        self.client = web_client(settings)
        self.assistant = create_assistant(settings, knowledge_base, self.db, self.client)
        from handlers.mail import smtp

        self.assistant.send_mail = smtp.send  # replies from a case (the Reply form)
        self.app = build_app(self.assistant, self.client)
        self.host = host or settings.slack.http_host
        self.port = settings.slack.port if port is None else port
        self.server: SlackHTTPServer | None = None
        self.socket_mode: Any = None
        self.services = BackgroundServices()

    def start(self) -> SlackService:
        heartbeat.forget()
        self.services.start(background_services(self.settings, self.assistant))
        if self.mode == "socket":
            from slack_bolt.adapter.socket_mode import SocketModeHandler

            # the built-in client pings every SOCKET_PING_SECONDS and, when no pong comes back for four pings
            # (a quiet, half-dead socket), drops the link and opens a new one
            self.socket_mode = SocketModeHandler(
                self.app,
                app_token=self.settings.slack.app_token,
                web_client=self.client,
                auto_reconnect_enabled=True,
                ping_interval=self.socket_ping_seconds,
            )
            self.socket_mode.client.message_listeners.append(lambda *_: heartbeat.beat("slack"))
            self.socket_mode.connect()
            if self.health_port is not None:
                health = HealthReport(
                    "socket", self.settings.imap.enabled, self.socket_mode.client.is_connected
                )
                routes = Routes()
                routes.add_get("/healthz", health)
                self.server = SlackHTTPServer(self.app, self.host, self.health_port, routes).start()
        else:
            self.server = SlackHTTPServer(
                self.app, self.host, self.port, http_routes(self.settings, self.assistant)
            ).start()
        return self

    def stop(self) -> None:
        """No new requests; answers in progress finish; background services are told to stop."""
        if self.server is not None:
            self.server.stop()
        if self.socket_mode is not None:
            self.socket_mode.close()
        stop_app(self.app)
        self.services.stop()
        self.db.close()

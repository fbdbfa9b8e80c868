"""Builds the Slack app: the assistant's services, its listeners and its one error handler.

The knowledge base is opened once by the caller and passed in; every question is answered by that instance.

Requests are acknowledged from the request thread as soon as they are verified (bolt's
``process_before_response`` with lazy listeners), and the work runs afterwards on ``SLACK_ANSWER_WORKERS``
threads, so Slack's 3-second limit holds however busy the model is. An event Slack delivers again (a retry, same
``event_id``) is acknowledged and dropped before any listener sees it.

Extension points
----------------
``/mhhs`` subcommands
    In a listener module's ``register(app, assistant)``::

        assistant.subcommands.register_subcommand("deadlines", list_deadlines, "the next deadlines")

    ``list_deadlines(request: SubcommandRequest)`` returns the reply: mrkdwn text or a message dict (``text``,
    ``blocks``, optional ``response_type``). ``team_only=True`` refuses it politely to non-members. ``/mhhs help``
    lists every subcommand; see :mod:`handlers.slack.subcommands`.
Extra actions, views, App Home
    Write ``register(app, assistant)`` in ``handlers/slack/listeners/<feature>.py`` and add it to
    :data:`LISTENER_REGISTRATIONS` (or pass ``registrations=`` to :func:`build_app`). Register each listener with
    ``app.action("id")(**acknowledged(work))`` (:func:`handlers.slack.failures.acknowledged`): ``work(body, client,
    respond)`` runs after the ack and its failures reach the error handler. A listener whose ack must carry
    something (a modal's validation errors) passes its own quick ``ack`` function with ``lazy=[...]`` instead.
    Listeners without ``lazy`` run before the ack, so they must finish well within Slack's 3 seconds.
Team membership
    ``assistant.team.is_team_member(user_id)``: members of ``SLACK_TEAM_CHANNEL`` plus ``SLACK_TEAM_USERS``.
HTTP routes and background services
    :func:`handlers.cli.serve.http_routes` and :func:`handlers.cli.serve.background_services`. A service posts to
    Slack with ``assistant.client`` (rate limits are waited out).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import sqlite_utils
from slack_bolt import App, BoltResponse
from slack_sdk import WebClient

from bot.answers.records import SlackRecords
from bot.core.settings import Settings
from handlers.slack.assistant import SlackAssistant
from handlers.slack.failures import report_failure
from handlers.slack.listeners import LISTENER_REGISTRATIONS, Registration
from handlers.slack.rate_limit import QuestionRateLimiter
from handlers.slack.team import TeamDirectory

logger = logging.getLogger(__name__)


class ListenerExecutor(ThreadPoolExecutor):
    """The threads that run listener work after the ack, able to say when none is left to do.

    :meth:`wait_idle` is the explicit signal that every request received so far has been fully handled (its
    answer posted, its records written): tests and a graceful shutdown wait on it instead of guessing with sleeps.
    """

    def __init__(self, max_workers: int, thread_name_prefix: str = "slack-worker"):
        super().__init__(max_workers=max_workers, thread_name_prefix=thread_name_prefix)
        self._pending = 0
        self._idle = threading.Condition()

    def submit(self, fn, /, *args, **kwargs):
        with self._idle:
            self._pending += 1
        try:
            future = super().submit(fn, *args, **kwargs)
        except BaseException:
            self._done(None)
            raise
        future.add_done_callback(self._done)
        return future

    def _done(self, _future) -> None:
        with self._idle:
            self._pending -= 1
            if self._pending == 0:
                self._idle.notify_all()

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until no listener work is queued or running; False if ``timeout`` passed first."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout=timeout)


def create_assistant(
    settings: Settings, knowledge_base: Any, db: sqlite_utils.Database, client: WebClient
) -> SlackAssistant:
    """The assistant's services around an opened knowledge base and database.

    ``db`` should be a connection of its own: it is switched to ``synchronous = NORMAL``, which keeps the database
    consistent (WAL) and spares a disk flush per acknowledged event.
    """
    db.execute("PRAGMA synchronous = NORMAL")
    assistant = SlackAssistant(
        settings=settings,
        knowledge_base=knowledge_base,
        records=SlackRecords(db),
        team=TeamDirectory(
            client, settings.slack.team_channel, settings.slack.team_users, settings.slack.team_cache_seconds
        ),
        rate_limiter=QuestionRateLimiter(settings.slack.rate_limit_per_minute),
        client=client,
    )
    assistant.bot_user_id = client.auth_test()["user_id"]
    return assistant


def build_app(
    assistant: SlackAssistant, client: WebClient, registrations: Iterable[Registration] | None = None
) -> App:
    """The bolt app with every listener registered. Its worker threads are shut down by :func:`stop_app`."""
    settings = assistant.settings
    app = App(
        client=client,
        signing_secret=settings.slack.signing_secret or "",
        process_before_response=True,
        listener_executor=ListenerExecutor(max_workers=settings.slack.answer_workers),
        logger=logging.getLogger("slack_bolt"),
    )

    @app.middleware
    def drop_repeated_events(body: dict, request: Any, next: Callable[[], None]) -> BoltResponse | None:
        event_id = body.get("event_id")
        if event_id and not assistant.records.first_delivery(event_id):
            retry = (request.headers.get("x-slack-retry-num") or ["-"])[0]
            logger.info("event %s delivered again (retry %s): already handled", event_id, retry)
            return BoltResponse(status=200, body="")
        next()
        return None

    @app.error
    def report_error(error: Exception, body: dict, client: WebClient, logger: logging.Logger) -> None:
        report_failure(error, body, client, logger)

    for register in LISTENER_REGISTRATIONS if registrations is None else registrations:
        register(app, assistant)
    return app


def wait_idle(app: App, timeout: float | None = None) -> bool:
    """Block until every request the app has received is fully handled; False if ``timeout`` passed first."""
    return app.listener_runner.listener_executor.wait_idle(timeout)


def stop_app(app: App, wait: bool = True) -> None:
    """Stop the app's worker threads, letting answers already being written finish when ``wait``."""
    executor = app.listener_runner.listener_executor
    executor.shutdown(wait=wait, cancel_futures=not wait)

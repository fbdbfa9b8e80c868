"""The one place a failure while handling a Slack request is logged and explained to the person.

``handlers.slack.app`` registers :func:`report_failure` as the app's ``@app.error`` handler, and :func:`acknowledged` routes
failures of work done after the ack to it too, so no listener catches its own errors.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient

from bot.core.errors import AssistantError

Work = Callable[[dict[str, Any], WebClient, Any], None]

GENERIC_FAILURE = (
    "Sorry, something went wrong while I was working on that. The problem has been logged; please try again."
)


def report_failure(error: Exception, body: dict[str, Any], client: WebClient, logger: logging.Logger) -> None:
    """Log ``error`` and tell the person whose request failed, privately, in the place they asked."""
    if isinstance(error, AssistantError):
        logger.error("Slack request failed: %s", error)
        message = f"Sorry, I could not do that: {error}"
    else:
        logger.error("Slack request failed", exc_info=error)
        message = GENERIC_FAILURE
    try:
        _tell(client, body or {}, message)
    except Exception:  # the failure is logged above; telling the person is best effort
        logger.warning("could not tell the person about a failed Slack request", exc_info=True)


def _tell(client: WebClient, body: dict[str, Any], message: str) -> None:
    response_url = body.get("response_url") or (body.get("response_urls") or [{}])[0].get("response_url")
    if response_url:
        WebhookClient(response_url).send(text=message, response_type="ephemeral", replace_original=False)
        return
    event = body.get("event") if isinstance(body.get("event"), dict) else {}
    channel, user = event.get("channel"), event.get("user")
    if not channel or not user:
        return
    thread_ts = event.get("thread_ts") or (event.get("ts") if event.get("type") == "app_mention" else None)
    if event.get("channel_type") == "im":
        client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=message)
    else:
        client.chat_postEphemeral(channel=channel, user=user, thread_ts=thread_ts, text=message)


def acknowledged(work: Work) -> dict[str, Any]:
    """Listener arguments for bolt that ack at once and run ``work(body, client, respond)`` afterwards.

    Use it for every listener: ``app.action("my_action")(**acknowledged(do_my_action))``. The ack is sent from the
    request thread, so Slack's 3-second limit holds however busy the workers are; a failure in ``work`` goes to
    :func:`report_failure`.
    """

    def acknowledge(ack: Any) -> None:
        ack()

    def run_after_ack(body: dict[str, Any], client: WebClient, respond: Any, logger: logging.Logger) -> None:
        try:
            work(body, client, respond)
        except Exception as error:
            report_failure(error, body, client, logger)

    # bolt passes arguments by the listener's parameter names, so the wrapper keeps its own signature
    acknowledge.__name__ = f"acknowledge_{work.__name__}"
    run_after_ack.__name__ = work.__name__
    return {"ack": acknowledge, "lazy": [run_after_ack]}

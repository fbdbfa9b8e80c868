"""The Slack Web API client every part of the assistant uses to send to Slack.

Rate limits (HTTP 429) are waited out using Slack's Retry-After, and dropped connections are retried, so a burst
of messages is delayed rather than lost.
"""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler

from bot.core.settings import Settings


def web_client(settings: Settings, token: str | None = None) -> WebClient:
    """A WebClient for ``settings.slack.api_url`` with rate-limit and connection retries."""
    client = WebClient(token=token or settings.slack.bot_token, base_url=settings.slack.api_url, timeout=30)
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=5))
    client.retry_handlers.append(ConnectionErrorRetryHandler(max_retry_count=3))
    return client

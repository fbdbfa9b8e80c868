"""Settings of Slack: tokens, the team, where the assistant answers, HTTP serving."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.settings.fields import (
    parse_optional_slack_id,
    parse_optional_str,
    parse_port,
    parse_positive_int,
    parse_slack_ids,
    setting,
)


def parse_prompts(text: str) -> tuple[str, ...]:
    prompts = tuple(p.strip() for p in text.split("|") if p.strip())
    if len(prompts) > 4:
        raise ValueError(f"at most 4 prompts (Slack shows no more), not {len(prompts)}")
    return prompts


@dataclass(frozen=True)
class SlackSettings:
    """Slack: tokens, the team channel and members, where the bot answers, HTTP serving."""

    bot_token: str | None = setting(
        "SLACK_BOT_TOKEN",
        "",
        "Bot token (xoxb-...). Without it the assistant runs the local console only.",
        parse_optional_str,
        secret=True,
    )
    signing_secret: str | None = setting(
        "SLACK_SIGNING_SECRET",
        "",
        "Signing secret used to verify requests in HTTP mode.",
        parse_optional_str,
        secret=True,
    )
    app_token: str | None = setting(
        "SLACK_APP_TOKEN",
        "",
        "App-level token (xapp-...). When set, Socket Mode is used and no public URL is needed.",
        parse_optional_str,
        secret=True,
    )
    api_url: str = setting("SLACK_API_URL", "https://slack.com/api/", "Slack Web API base URL.")
    port: int = setting("PORT", "3000", "HTTP port in HTTP mode (Slack events at /slack/events).", parse_port)
    team_channel: str | None = setting(
        "SLACK_TEAM_CHANNEL",
        "",
        "Channel ID of the qualification team: escalations, case posts, alerts.",
        parse_optional_slack_id,
    )
    team_users: tuple[str, ...] = setting(
        "SLACK_TEAM_USERS",
        "",
        "Comma-separated Slack user IDs of team members (in addition to the team channel's members).",
        parse_slack_ids,
    )
    answer_channels: tuple[str, ...] = setting(
        "SLACK_ANSWER_CHANNELS",
        "",
        "Comma-separated channel IDs the bot answers in. Empty: every channel it is in.",
        parse_slack_ids,
    )
    rate_limit_per_minute: int = setting(
        "SLACK_RATE_LIMIT_PER_MINUTE", "10", "Questions one user may ask per minute.", parse_positive_int
    )
    http_host: str = setting(
        "HTTP_HOST",
        "0.0.0.0",
        "Address the HTTP server listens on in HTTP mode (127.0.0.1 to accept local connections only).",
    )
    answer_workers: int = setting(
        "SLACK_ANSWER_WORKERS",
        "4",
        "Threads answering Slack questions at once (requests are acknowledged first, answered after).",
        parse_positive_int,
    )
    team_cache_seconds: int = setting(
        "SLACK_TEAM_CACHE_SECONDS",
        "60",
        "How long the team channel's member list is remembered before it is fetched again.",
        parse_positive_int,
    )

    assistant_prompts: tuple[str, ...] = setting(
        "SLACK_ASSISTANT_PROMPTS",
        "",
        "Suggested prompts in Slack's assistant panel, separated by | (at most 4). Empty: the most asked questions, "
        "or a few starters until there are some.",
        parse_prompts,
    )

    @property
    def enabled(self) -> bool:
        """Slack is used when a bot token is set; without one the assistant runs the local console only."""
        return bool(self.bot_token)

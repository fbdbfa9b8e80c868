"""Merging a duplicate case into another, with the surviving case's checks and flags worked out again."""

from __future__ import annotations

import sqlite_utils

from bot import cases
from bot.core.database import transaction
from bot.core.settings import Settings
from bot.mail import outbox
from bot.mail.recording import record_flag_changes, refresh_checks


def merge(
    db: sqlite_utils.Database,
    settings: Settings,
    source: str,
    target: str,
    actor: str,
    queue_posts: bool = True,
) -> cases.MergeResult:
    """Move ``source``'s mails, attachments, notes and history into ``target`` (audited on both), leave ``source``
    as a pointer, recompute ``target``'s checks, and (``queue_posts``) queue both team-channel posts to be refreshed
    by the next delivery (Slack refreshes them at once itself)."""
    with transaction(db):
        before = cases.get_case(db, target).flags
        result = cases.merge_cases(db, source, target, actor)
        after = refresh_checks(db, result.target)
        record_flag_changes(db, result.target, before, after, actor=actor, cause=f"merge of {result.source}")
        if queue_posts and settings.slack.bot_token and settings.slack.team_channel:
            outbox.queue_post_refresh(db, result.target)
            outbox.queue_post_refresh(db, result.source)
    return result

"""The tables of questions asked, answers given, feedback votes, escalations to the team and team answers.

Migration names never change after they ship (an existing database records them by name).
"""

from __future__ import annotations

import sqlite_utils

from bot.core.database import Migration


def _slack_0001(db: sqlite_utils.Database) -> None:
    db.execute(
        """CREATE TABLE slack_questions (
            id TEXT PRIMARY KEY,              -- the answer's id, carried by its buttons
            asked_at TEXT NOT NULL,           -- UTC, ISO 8601
            user_id TEXT NOT NULL,
            channel_id TEXT NOT NULL,         -- where it was asked (a DM's channel for direct messages)
            surface TEXT NOT NULL,            -- mention, thread, dm or command
            message_ts TEXT,                  -- the question's own message (none for a slash command)
            thread_ts TEXT,                   -- the thread the answer went to (none when not threaded)
            question TEXT NOT NULL,
            context TEXT,                     -- the thread's earlier question, when one was used
            answered INTEGER NOT NULL,
            confidence REAL NOT NULL,
            answer TEXT NOT NULL,
            sources TEXT NOT NULL,            -- JSON list of the cited (or possibly related) passages
            reply_channel TEXT,
            reply_ts TEXT
        )"""
    )
    db.execute("CREATE INDEX slack_questions_thread ON slack_questions(channel_id, thread_ts)")
    db.execute(
        """CREATE TABLE slack_feedback (
            question_id TEXT NOT NULL REFERENCES slack_questions(id),
            user_id TEXT NOT NULL,
            channel_id TEXT,
            vote INTEGER NOT NULL,            -- 1 helpful, -1 not helpful
            first_voted_at TEXT NOT NULL,
            voted_at TEXT NOT NULL,
            PRIMARY KEY (question_id, user_id)
        )"""
    )
    db.execute(
        """CREATE TABLE slack_escalations (
            id TEXT PRIMARY KEY,
            question_id TEXT NOT NULL UNIQUE REFERENCES slack_questions(id),
            escalated_by TEXT NOT NULL,
            escalated_at TEXT NOT NULL,
            team_channel TEXT NOT NULL,
            team_ts TEXT,                     -- the post in the team channel; team replies go in its thread
            relay_channel TEXT NOT NULL,      -- where team replies are relayed to
            relay_thread_ts TEXT
        )"""
    )
    db.execute("CREATE UNIQUE INDEX slack_escalations_team_post ON slack_escalations(team_channel, team_ts)")
    db.execute(
        """CREATE TABLE slack_team_answers (
            id TEXT PRIMARY KEY,              -- TA-0001, TA-0002, ...
            escalation_id TEXT NOT NULL REFERENCES slack_escalations(id),
            question TEXT NOT NULL,
            reply TEXT NOT NULL,
            answered_by TEXT NOT NULL,        -- Slack user id of the team member
            answered_by_name TEXT NOT NULL,
            answered_on TEXT NOT NULL,        -- date, Europe/London
            reply_ts TEXT NOT NULL,           -- the team member's reply in the team thread
            relay_channel TEXT,
            relay_ts TEXT,
            receipt_ts TEXT,                  -- the bot's note in the team thread (carries the Retract button)
            created_at TEXT NOT NULL,
            retracted_at TEXT,
            retracted_by TEXT
        )"""
    )
    db.execute(
        """CREATE TABLE slack_processed_events (
            event_id TEXT PRIMARY KEY,        -- Slack's event id: a retry of a seen event is not answered twice
            received_at TEXT NOT NULL
        )"""
    )


def _slack_0002(db: sqlite_utils.Database) -> None:
    db.execute(
        """CREATE TABLE slack_assistant_threads (
            channel_id TEXT NOT NULL,         -- the assistant DM
            thread_ts TEXT NOT NULL,          -- the thread Slack opened in the side panel
            user_id TEXT NOT NULL,
            started_at TEXT NOT NULL,
            context TEXT,                     -- JSON: the channel the person was viewing (Slack's thread context)
            titled INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (channel_id, thread_ts)
        )"""
    )
    db.execute(
        """CREATE TABLE slack_gap_answers (
            question_id TEXT PRIMARY KEY REFERENCES slack_questions(id),
            team_answer_id TEXT NOT NULL REFERENCES slack_team_answers(id)
        )"""
    )


SLACK_MIGRATIONS: list[Migration] = [
    ("slack-0001-questions-feedback-escalations", _slack_0001),
    ("slack-0002-assistant-threads-gap-answers", _slack_0002),
]

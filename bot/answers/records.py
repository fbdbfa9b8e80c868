"""What the Slack assistant keeps in SQLite: questions and answers, feedback votes, escalations, team answers and
the ids of events already received.

The tables are created by ``SLACK_MIGRATIONS`` in :mod:`bot.answers.schema`. One :class:`SlackRecords` is shared by the
app's worker threads; a lock keeps their statements on the one connection from interleaving.
"""

from __future__ import annotations

import dataclasses
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import uuid4

import sqlite_utils

EVENT_MEMORY = timedelta(days=2)


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class QuestionRecord:
    id: str
    asked_at: str
    user_id: str
    channel_id: str
    surface: str
    message_ts: str | None
    thread_ts: str | None
    question: str
    context: str | None
    answered: bool
    confidence: float
    answer: str
    sources: list[dict[str, Any]]
    reply_channel: str | None
    reply_ts: str | None


@dataclass(frozen=True)
class EscalationRecord:
    id: str
    question_id: str
    escalated_by: str
    escalated_at: str
    team_channel: str
    team_ts: str | None
    relay_channel: str
    relay_thread_ts: str | None


@dataclass(frozen=True)
class TeamAnswerRecord:
    id: str
    escalation_id: str
    question: str
    reply: str
    answered_by: str
    answered_by_name: str
    answered_on: date
    reply_ts: str
    relay_channel: str | None
    relay_ts: str | None
    receipt_ts: str | None
    created_at: str
    retracted_at: str | None
    retracted_by: str | None


def _source_dict(source: Any) -> dict[str, Any]:
    if dataclasses.is_dataclass(source):
        return dataclasses.asdict(source)
    return dict(source)


class SlackRecords:
    """Reads and writes the Slack assistant's tables."""

    def __init__(self, db: sqlite_utils.Database, clock: Callable[[], datetime] = _now):
        self.db = db
        self.clock = clock
        self._lock = threading.RLock()
        self._deliveries = 0

    # --- events ---------------------------------------------------------------------------------------------

    def first_delivery(self, event_id: str) -> bool:
        """Record ``event_id``; False when it was already recorded (Slack is retrying an event we received)."""
        now = self.clock()
        with self._lock:
            cursor = self.db.execute(
                "INSERT OR IGNORE INTO slack_processed_events (event_id, received_at) VALUES (?, ?)",
                [event_id, now.isoformat()],
            )
            first = cursor.rowcount == 1
            self._deliveries += 1
            if self._deliveries % 500 == 0:
                self.forget_events_before(now - EVENT_MEMORY)
        return first

    def forget_events_before(self, moment: datetime) -> int:
        """Drop event ids older than ``moment`` (Slack retries within minutes, so days are plenty)."""
        with self._lock:
            cursor = self.db.execute(
                "DELETE FROM slack_processed_events WHERE received_at < ?", [moment.isoformat()]
            )
            return cursor.rowcount

    # --- questions ------------------------------------------------------------------------------------------

    def save_question(
        self,
        *,
        answer: Any,
        user_id: str,
        channel_id: str,
        surface: str,
        message_ts: str | None,
        thread_ts: str | None,
        context: str | None,
    ) -> QuestionRecord:
        """Store a question and the answer given (``answer`` is a ``knowledge.answer.Answer``)."""
        row = {
            "id": "Q" + uuid4().hex[:15],
            "asked_at": self.clock().isoformat(),
            "user_id": user_id,
            "channel_id": channel_id,
            "surface": surface,
            "message_ts": message_ts,
            "thread_ts": thread_ts,
            "question": answer.question,
            "context": context,
            "answered": 1 if answer.answered else 0,
            "confidence": float(answer.confidence),
            "answer": answer.answer or "",
            "sources": json.dumps([_source_dict(s) for s in answer.sources], default=str),
            "reply_channel": None,
            "reply_ts": None,
        }
        with self._lock:
            self.db["slack_questions"].insert(row)
        return self._question(row)

    def set_reply(self, question_id: str, channel: str, ts: str | None) -> None:
        """Remember where the answer was posted (a thread reply there is a follow-up)."""
        with self._lock:
            self.db.execute(
                "UPDATE slack_questions SET reply_channel = ?, reply_ts = ? WHERE id = ?",
                [channel, ts, question_id],
            )

    def question(self, question_id: str) -> QuestionRecord | None:
        with self._lock:
            rows = list(self.db.query("SELECT * FROM slack_questions WHERE id = ?", [question_id]))
        return self._question(rows[0]) if rows else None

    def latest_question_in_thread(self, channel: str, thread_ts: str) -> QuestionRecord | None:
        """The most recent question answered in the thread rooted at ``thread_ts`` (the question or the answer)."""
        with self._lock:
            rows = list(
                self.db.query(
                    """SELECT * FROM slack_questions
                       WHERE (channel_id = :channel OR reply_channel = :channel)
                         AND (thread_ts = :ts OR message_ts = :ts OR reply_ts = :ts)
                       ORDER BY asked_at DESC, rowid DESC LIMIT 1""",
                    {"channel": channel, "ts": thread_ts},
                )
            )
        return self._question(rows[0]) if rows else None

    def question_count(self) -> int:
        with self._lock:
            return self.db["slack_questions"].count

    @staticmethod
    def _question(row: dict[str, Any]) -> QuestionRecord:
        values = dict(row)
        values["answered"] = bool(values["answered"])
        values["sources"] = (
            json.loads(values["sources"]) if isinstance(values["sources"], str) else values["sources"]
        )
        return QuestionRecord(**values)

    def most_asked(self, limit: int = 3) -> list[str]:
        """The questions asked most often (answered ones only, as asked the first time), most asked first."""
        with self._lock:
            rows = self.db.execute(
                """SELECT MIN(question), COUNT(*) AS n FROM slack_questions WHERE answered = 1
                   GROUP BY lower(trim(question, ' ?!.')) ORDER BY n DESC, MIN(asked_at) LIMIT ?""",
                [limit],
            ).fetchall()
        return [row[0] for row in rows]

    # --- knowledge gaps -------------------------------------------------------------------------------------

    def knowledge_gaps(self, embed: Any, since: date | None = None) -> list[Any]:
        """Declined and 👎 questions grouped by similar question (:func:`bot.answers.gaps.knowledge_gaps`)."""
        from bot.answers import gaps

        with self._lock:
            return gaps.knowledge_gaps(self.db, embed, since)

    def mark_gap_answered(self, question_ids: list[str], team_answer_id: str) -> None:
        from bot.answers import gaps

        with self._lock:
            gaps.mark_answered(self.db, question_ids, team_answer_id)

    # --- assistant threads (Slack's assistant side panel) -------------------------------------------------------

    def start_assistant_thread(
        self, channel_id: str, thread_ts: str, user_id: str, context: dict | None
    ) -> None:
        with self._lock:
            self.db.execute(
                """INSERT OR IGNORE INTO slack_assistant_threads (channel_id, thread_ts, user_id, started_at, context)
                   VALUES (?, ?, ?, ?, ?)""",
                [channel_id, thread_ts, user_id, self.clock().isoformat(), json.dumps(context or {})],
            )

    def is_assistant_thread(self, channel_id: str, thread_ts: str) -> bool:
        with self._lock:
            return bool(
                self.db.execute(
                    "SELECT 1 FROM slack_assistant_threads WHERE channel_id = ? AND thread_ts = ?",
                    [channel_id, thread_ts],
                ).fetchone()
            )

    def save_thread_context(self, channel_id: str, thread_ts: str, context: dict) -> None:
        """Keep the channel the person is viewing (``assistant_thread_context_changed``)."""
        with self._lock:
            self.db.execute(
                "UPDATE slack_assistant_threads SET context = ? WHERE channel_id = ? AND thread_ts = ?",
                [json.dumps(context or {}), channel_id, thread_ts],
            )

    def thread_context(self, channel_id: str, thread_ts: str) -> dict | None:
        with self._lock:
            row = self.db.execute(
                "SELECT context FROM slack_assistant_threads WHERE channel_id = ? AND thread_ts = ?",
                [channel_id, thread_ts],
            ).fetchone()
        return json.loads(row[0]) if row and row[0] else None

    def title_thread_once(self, channel_id: str, thread_ts: str) -> bool:
        """True the first time a thread is to be titled (after its first question), False after."""
        with self._lock:
            cursor = self.db.execute(
                "UPDATE slack_assistant_threads SET titled = 1 WHERE channel_id = ? AND thread_ts = ? AND titled = 0",
                [channel_id, thread_ts],
            )
        return cursor.rowcount == 1

    # --- feedback -------------------------------------------------------------------------------------------

    def vote(self, question_id: str, user_id: str, channel_id: str | None, vote: int) -> int | None:
        """Store a 👍 (1) or 👎 (-1); one vote per user per answer. Returns the user's previous vote, if any."""
        if vote not in (1, -1):
            raise ValueError(f"a vote is 1 or -1, not {vote!r}")
        now = self.clock().isoformat()
        with self._lock, self.db.conn:
            self.db.conn.execute("BEGIN IMMEDIATE")
            previous = self.db.execute(
                "SELECT vote FROM slack_feedback WHERE question_id = ? AND user_id = ?",
                [question_id, user_id],
            ).fetchone()
            self.db.execute(
                """INSERT INTO slack_feedback (question_id, user_id, channel_id, vote, first_voted_at, voted_at)
                   VALUES (?, ?, ?, ?, ?, ?)
                   ON CONFLICT (question_id, user_id)
                   DO UPDATE SET vote = excluded.vote, voted_at = excluded.voted_at,
                                 channel_id = excluded.channel_id""",
                [question_id, user_id, channel_id, vote, now, now],
            )
        return previous[0] if previous else None

    def votes(self, question_id: str) -> dict[str, int]:
        with self._lock:
            rows = self.db.execute(
                "SELECT user_id, vote FROM slack_feedback WHERE question_id = ?", [question_id]
            ).fetchall()
        return dict(rows)

    # --- escalations ----------------------------------------------------------------------------------------

    def reserve_escalation(
        self,
        question_id: str,
        escalated_by: str,
        team_channel: str,
        relay_channel: str,
        relay_thread_ts: str | None,
    ) -> EscalationRecord | None:
        """Start escalating a question; None when it has already been escalated (a second click)."""
        row = {
            "id": "E" + uuid4().hex[:15],
            "question_id": question_id,
            "escalated_by": escalated_by,
            "escalated_at": self.clock().isoformat(),
            "team_channel": team_channel,
            "team_ts": None,
            "relay_channel": relay_channel,
            "relay_thread_ts": relay_thread_ts,
        }
        with self._lock:
            cursor = self.db.execute(
                """INSERT OR IGNORE INTO slack_escalations
                   (id, question_id, escalated_by, escalated_at, team_channel, team_ts, relay_channel, relay_thread_ts)
                   VALUES (:id, :question_id, :escalated_by, :escalated_at, :team_channel, :team_ts, :relay_channel,
                           :relay_thread_ts)""",
                row,
            )
        return EscalationRecord(**row) if cursor.rowcount == 1 else None

    def cancel_escalation(self, escalation_id: str) -> None:
        """Forget an escalation whose team post could not be made, so it can be tried again."""
        with self._lock:
            self.db.execute("DELETE FROM slack_escalations WHERE id = ? AND team_ts IS NULL", [escalation_id])

    def set_team_post(self, escalation_id: str, team_ts: str) -> None:
        with self._lock:
            self.db.execute("UPDATE slack_escalations SET team_ts = ? WHERE id = ?", [team_ts, escalation_id])

    def escalation(self, escalation_id: str) -> EscalationRecord | None:
        with self._lock:
            rows = list(self.db.query("SELECT * FROM slack_escalations WHERE id = ?", [escalation_id]))
        return EscalationRecord(**rows[0]) if rows else None

    def escalation_for_question(self, question_id: str) -> EscalationRecord | None:
        with self._lock:
            rows = list(self.db.query("SELECT * FROM slack_escalations WHERE question_id = ?", [question_id]))
        return EscalationRecord(**rows[0]) if rows else None

    def escalation_by_team_post(self, team_channel: str, team_ts: str) -> EscalationRecord | None:
        with self._lock:
            rows = list(
                self.db.query(
                    "SELECT * FROM slack_escalations WHERE team_channel = ? AND team_ts = ?",
                    [team_channel, team_ts],
                )
            )
        return EscalationRecord(**rows[0]) if rows else None

    # --- team answers ---------------------------------------------------------------------------------------

    def add_team_answer(
        self,
        *,
        escalation_id: str,
        question: str,
        reply: str,
        answered_by: str,
        answered_by_name: str,
        answered_on: date,
        reply_ts: str,
    ) -> TeamAnswerRecord:
        """Store a team member's reply under the next id (TA-0001, TA-0002, ...)."""
        with self._lock, self.db.conn:
            self.db.conn.execute("BEGIN IMMEDIATE")
            last = self.db.execute(
                "SELECT MAX(CAST(substr(id, 4) AS INTEGER)) FROM slack_team_answers WHERE id LIKE 'TA-%'"
            ).fetchone()[0]
            row = {
                "id": f"TA-{(last or 0) + 1:04d}",
                "escalation_id": escalation_id,
                "question": question,
                "reply": reply,
                "answered_by": answered_by,
                "answered_by_name": answered_by_name,
                "answered_on": answered_on.isoformat(),
                "reply_ts": reply_ts,
                "relay_channel": None,
                "relay_ts": None,
                "receipt_ts": None,
                "created_at": self.clock().isoformat(),
                "retracted_at": None,
                "retracted_by": None,
            }
            self.db.execute(
                f"INSERT INTO slack_team_answers ({', '.join(row)}) VALUES ({', '.join(':' + k for k in row)})",
                row,
            )
        return self._team_answer(row)

    def set_team_answer_messages(
        self, answer_id: str, relay_channel: str | None, relay_ts: str | None, receipt_ts: str | None
    ) -> None:
        with self._lock:
            self.db.execute(
                "UPDATE slack_team_answers SET relay_channel = ?, relay_ts = ?, receipt_ts = ? WHERE id = ?",
                [relay_channel, relay_ts, receipt_ts, answer_id],
            )

    def team_answer(self, answer_id: str) -> TeamAnswerRecord | None:
        with self._lock:
            rows = list(self.db.query("SELECT * FROM slack_team_answers WHERE id = ?", [answer_id]))
        return self._team_answer(rows[0]) if rows else None

    def team_answers(self, include_retracted: bool = False) -> list[TeamAnswerRecord]:
        where = "" if include_retracted else " WHERE retracted_at IS NULL"
        with self._lock:
            rows = list(self.db.query(f"SELECT * FROM slack_team_answers{where} ORDER BY id"))
        return [self._team_answer(r) for r in rows]

    def retract_team_answer(self, answer_id: str, retracted_by: str) -> bool:
        """Mark a team answer retracted; False when it was already retracted."""
        with self._lock:
            cursor = self.db.execute(
                """UPDATE slack_team_answers SET retracted_at = ?, retracted_by = ?
                   WHERE id = ? AND retracted_at IS NULL""",
                [self.clock().isoformat(), retracted_by, answer_id],
            )
        return cursor.rowcount == 1

    @staticmethod
    def _team_answer(row: dict[str, Any]) -> TeamAnswerRecord:
        values = dict(row)
        values["answered_on"] = date.fromisoformat(values["answered_on"])
        return TeamAnswerRecord(**values)

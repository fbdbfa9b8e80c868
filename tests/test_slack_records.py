"""The Slack assistant's records, rate limiter and subcommand registry, called directly (real SQLite in memory)."""

from datetime import UTC, date, datetime, timedelta

import pytest

from bot import storage
from bot.answers.records import SlackRecords
from handlers.slack.rate_limit import QuestionRateLimiter
from handlers.slack.subcommands import SubcommandRegistry
from knowledge.answer import Answer, Source


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def records():
    return SlackRecords(storage.connect(":memory:"), clock=Clock())


def answer(question="Who signs the final QAD?") -> Answer:
    source = Source(
        "06_qad-guide.md", "QAD guide", "3. Sign-off", "A Company Director signs.", 0.8, "1.0", "2026-02-02"
    )
    return Answer(question, True, 0.8, "A Company Director signs.", [source])


def save(records, **changes):
    values = dict(
        answer=answer(),
        user_id="U1",
        channel_id="C1",
        surface="mention",
        message_ts="1.000001",
        thread_ts="1.000001",
        context=None,
    )
    values.update(changes)
    return records.save_question(**values)


def test_questions_round_trip_with_their_sources_and_are_found_by_thread(records):
    first = save(records)
    records.set_reply(first.id, "C1", "1.000002")
    stored = records.question(first.id)
    assert stored.sources[0]["document"] == "06_qad-guide.md" and stored.answered is True
    assert stored.reply_ts == "1.000002"
    records.clock.now += timedelta(seconds=5)
    second = save(records, answer=answer("and the initial QAD?"), message_ts="1.000003", surface="thread")
    assert records.latest_question_in_thread("C1", "1.000001").id == second.id
    # a DM answered at the top level: a reply in the answer's thread finds it by the answer's ts
    dm = save(records, channel_id="D1", message_ts="2.000001", thread_ts=None, surface="dm")
    records.set_reply(dm.id, "D1", "2.000002")
    assert records.latest_question_in_thread("D1", "2.000002").id == dm.id
    assert records.latest_question_in_thread("C9", "1.000001") is None


def test_one_vote_per_person_per_answer(records):
    question = save(records)
    assert records.vote(question.id, "U1", "C1", 1) is None
    assert records.vote(question.id, "U1", "C1", -1) == 1
    assert records.vote(question.id, "U2", "C1", 1) is None
    assert records.votes(question.id) == {"U1": -1, "U2": 1}
    with pytest.raises(ValueError):
        records.vote(question.id, "U1", "C1", 2)


def test_event_ids_are_recorded_once_and_forgotten_after_days(records):
    assert records.first_delivery("Ev1") is True
    assert records.first_delivery("Ev1") is False
    assert records.forget_events_before(records.clock.now - timedelta(days=2)) == 0
    assert records.forget_events_before(records.clock.now + timedelta(seconds=1)) == 1
    assert records.first_delivery("Ev1") is True


def test_escalations_are_reserved_once_and_team_answers_numbered(records):
    question = save(records)
    escalation = records.reserve_escalation(question.id, "U1", "CTEAM", "C1", "1.000001")
    assert records.reserve_escalation(question.id, "U2", "CTEAM", "C1", "1.000001") is None
    records.set_team_post(escalation.id, "9.000001")
    assert records.escalation_by_team_post("CTEAM", "9.000001").question_id == question.id
    ids = [
        records.add_team_answer(
            escalation_id=escalation.id,
            question=question.question,
            reply=f"reply {n}",
            answered_by="UT",
            answered_by_name="Team Member",
            answered_on=date(2026, 11, 26),
            reply_ts=f"9.00000{n + 2}",
        ).id
        for n in range(3)
    ]
    assert ids == ["TA-0001", "TA-0002", "TA-0003"]
    assert records.retract_team_answer("TA-0002", "UT") is True
    assert records.retract_team_answer("TA-0002", "UT") is False
    assert [a.id for a in records.team_answers()] == ["TA-0001", "TA-0003"]
    assert records.team_answer("TA-0002").retracted_by == "UT"


def test_rate_limit_is_a_sliding_minute_and_says_so_once():
    now = [0.0]
    limiter = QuestionRateLimiter(2, clock=lambda: now[0])
    assert limiter.check("U1").allowed and limiter.check("U1").allowed
    refused = limiter.check("U1")
    assert not refused.allowed and refused.tell_user and refused.wait_seconds == 60
    now[0] = 30.0
    again = limiter.check("U1")
    assert not again.allowed and not again.tell_user and again.wait_seconds == 30
    assert limiter.check("U2").allowed
    now[0] = 60.0
    assert limiter.check("U1").allowed


def test_subcommand_names_are_checked():
    registry = SubcommandRegistry()
    registry.register_subcommand("cases", lambda request: "", "the queue")
    for bad in ("help", "Cases!", "", "two words"):
        with pytest.raises(ValueError):
            registry.register_subcommand(bad, lambda request: "", "x")
    with pytest.raises(ValueError, match="already registered"):
        registry.register_subcommand("cases", lambda request: "", "again")

"""The knowledge-gap report: declined questions and 👎 answers grouped by similar question with the real model."""

import json
from datetime import date

from click.testing import CliRunner

from bot import storage
from bot.answers.gaps import gap_questions, group_gaps, knowledge_gaps
from bot.answers.records import SlackRecords
from handlers.cli import cli
from knowledge.answer import Answer

PASSAGE = {
    "document": "07_qt.md",
    "title": "Qualification Testing",
    "section": "Work-off plans",
    "passage": "...",
}
OTHER = {"document": "02_pqs.md", "title": "PQS form", "section": "Sending", "passage": "..."}


def seed(records: SlackRecords, question: str, answered: bool, source: dict | None = None, **kw) -> str:
    answer = Answer(question, answered, 0.6 if answered else 0.1, "text", [source] if source else [])
    record = records.save_question(
        answer=answer, user_id=kw.get("user", "U1"), channel_id="C1", surface="mention",
        message_ts=None, thread_ts=None, context=None,
    )  # fmt: skip
    return record.id


def seeded(tmp_path) -> SlackRecords:
    db = storage.connect(tmp_path / "assistant.db")
    records = SlackRecords(db)
    seed(records, "What is the fee for Qualification Testing?", False, PASSAGE)
    seed(records, "How much does qualification testing cost?", False, PASSAGE)
    seed(records, "Is there a charge for qualification testing?", False, OTHER)
    down = seed(records, "Can a work-off plan run past Service Activation?", True, PASSAGE)
    records.vote(down, "U2", "C1", -1)
    records.vote(down, "U3", "C1", -1)
    liked = seed(records, "Who signs the final QAD?", True, OTHER)
    records.vote(liked, "U2", "C1", 1)
    seed(records, "Who signs the final QAD?", True, OTHER)  # answered and not voted down: no gap
    return records


def test_similar_questions_are_grouped_with_counts_votes_and_the_nearest_passage(
    tmp_path, knowledge_embedder
):
    records = seeded(tmp_path)
    questions = gap_questions(records.db)
    assert len(questions) == 4
    groups = group_gaps(questions, knowledge_embedder.encode)
    assert [g.count for g in groups] == [3, 1]
    fees, work_off = groups
    assert fees.declined == 3 and fees.downvotes == 0
    assert set(fees.examples) == {
        "What is the fee for Qualification Testing?",
        "How much does qualification testing cost?",
        "Is there a charge for qualification testing?",
    }
    assert fees.nearest["title"] == "Qualification Testing"  # the passage most of them came nearest to
    assert work_off.group == "Can a work-off plan run past Service Activation?"
    assert work_off.declined == 0 and work_off.downvotes == 2

    # the nearest passage carries its votes (2 👎 on the answer that cited it)
    full = knowledge_gaps(records.db, knowledge_embedder.encode)
    assert full[1].nearest == {
        **{k: PASSAGE[k] for k in ("document", "title", "section")},
        "up": 0,
        "down": 2,
    }


def test_since_and_answered_groups_are_left_out(tmp_path, knowledge_embedder):
    records = seeded(tmp_path)
    assert gap_questions(records.db, since=date(2999, 1, 1)) == []
    groups = records.knowledge_gaps(knowledge_embedder.encode)
    escalation = records.reserve_escalation(groups[0].key, "UTEAM", "CTEAM", "C1", None)
    team = records.add_team_answer(
        escalation_id=escalation.id, question=groups[0].group, reply="There is no fee.", answered_by="UTEAM",
        answered_by_name="Dana", answered_on=date(2026, 12, 1), reply_ts="1.2",
    )  # fmt: skip
    records.mark_gap_answered(groups[0].question_ids, team.id)
    assert [g.count for g in records.knowledge_gaps(knowledge_embedder.encode)] == [1]
    records.retract_team_answer(team.id, "UTEAM")
    assert [g.count for g in records.knowledge_gaps(knowledge_embedder.encode)] == [3, 1]


def test_gaps_command_prints_a_table_and_json(tmp_path, monkeypatch):
    seeded(tmp_path).db.close()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MHHS_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("MHHS_ENV_FILE", raising=False)
    result = CliRunner().invoke(cli, ["gaps", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [set(g) for g in data] == [{"group", "count", "examples", "nearest", "declined", "downvotes"}] * 2
    assert [g["count"] for g in data] == [3, 1]
    table = CliRunner().invoke(cli, ["gaps"]).output
    assert "Question (group)" in table and "Can a work-off plan run past Service Activation?" in table
    assert CliRunner().invoke(cli, ["gaps", "--since", "2999-01-01"]).output.startswith("No knowledge gaps")

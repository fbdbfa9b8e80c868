"""The knowledge commands end to end: the real CLI, the real model, a small corpus in a temporary folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixtures.knowledge import make_corpus

REPO = Path(__file__).resolve().parent.parent


def mhhs_bot(*args: str, env: dict[str, str], stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "handlers.cli", *args],
        cwd=REPO,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=240,
    )


def cli_env(root: Path, corpus: Path, **extra: str) -> dict[str, str]:
    """The process environment without the assistant's settings, pointed at ``corpus`` with data under ``root``."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("MHHS_", "SLACK_", "IMAP_", "SMTP_"))
    }
    (root / "empty.env").write_text("", encoding="utf-8")
    return env | {
        "MHHS_DATA_DIR": str(root / "data"),
        "MHHS_GUIDANCE_PATHS": str(corpus),
        "MHHS_ENV_FILE": str(root / "empty.env"),
        "MHHS_LOG_LEVEL": "warning",
        **extra,
    }


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli")
    corpus = make_corpus(
        root / "guidance",
        notes=("06_qad-guide.md", "16_faq.md", "09_approval-and-service-activation.md"),
        copies=(),
    )
    (corpus / "broken.pdf").write_bytes(b"%PDF-1.7\n%garbage, not a PDF body")
    (corpus / "empty.md").write_bytes(b"")
    (corpus / "junk.txt").write_bytes(bytes(range(256)) * 40)
    (corpus / "table.xlsx").write_bytes(b"PK\x03\x04")
    (corpus / "huge.txt").write_text("Qualification words. " * 80_000, encoding="utf-8")  # ~1.7 MB
    env = cli_env(root, corpus, MHHS_MAX_DOCUMENT_MB="1")
    first = mhhs_bot("index", env=env)
    return {"root": root, "corpus": corpus, "env": env, "first_index": first}


def test_index_lists_files_it_cannot_read_and_indexes_the_rest(workspace):
    result = workspace["first_index"]
    assert result.returncode == 0, result.stderr
    out = " ".join(result.stdout.split())
    corpus = workspace["corpus"]
    assert f"skipped {corpus / 'broken.pdf'}: not a readable PDF" in out
    assert f"skipped {corpus / 'empty.md'}: the file is empty" in out
    assert f"skipped {corpus / 'junk.txt'}: binary data" in out
    assert f"skipped {corpus / 'table.xlsx'}: unsupported file type '.xlsx'" in out
    assert f"skipped {corpus / 'huge.txt'}: larger than the limit" in out
    assert "Indexed: 3 added, 0 changed, 0 unchanged, 0 removed, 5 skipped" in out


def test_ask_json_and_bad_questions(workspace):
    result = mhhs_bot(
        "ask", "--json", "How many weeks should we plan for Service Activation?", env=workspace["env"]
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["answered"] is True
    assert isinstance(data["confidence"], float)
    assert any("one and two weeks" in source["passage"] for source in data["sources"][:3])
    for source in data["sources"]:
        assert {"document", "title", "section", "passage", "score"} <= set(source)
        assert isinstance(source["score"], float)

    empty = mhhs_bot("ask", "--json", "   ", env=workspace["env"])
    assert empty.returncode == 0, empty.stderr
    assert json.loads(empty.stdout) == {
        "answered": False,
        "confidence": 0.0,
        "answer": "The question is empty. Please ask a question about MHHS Qualification in a sentence.",
        "sources": [],
    }


def test_eval_json_reports_recall_and_declines(workspace):
    questions = workspace["root"] / "questions.jsonl"
    questions.write_text(
        "\n".join(
            json.dumps(q)
            for q in [
                {
                    "q": "Who signs off the QAD once its content is complete?",
                    "answer_contains": ["Company Director"],
                },
                {"q": "Is the LDSO_QT mailbox still monitored?", "answer_contains": ["no longer monitored"]},
                {"q": "Which person chairs the Qualification Advisory Group?", "unanswerable": True},
            ]
        ),
        encoding="utf-8",
    )
    result = mhhs_bot("eval", str(questions), "--json", "--k", "1,3", "--baselines", env=workspace["env"])
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert (report["questions"], report["answerable"]) == (3, 2)
    assert set(report["recall"]) == {"1", "3"}
    assert report["recall"]["3"] == 1.0
    assert report["unanswerable_declined"] == 1.0
    assert report["answerable_declined"] == 0.0
    assert set(report) == {
        "questions",
        "answerable",
        "recall",
        "mrr",
        "first_has_words",
        "headline",
        "headline_all",
        "unanswerable_declined",
        "answerable_declined",
        "baselines",
    }
    assert report["first_has_words"] >= report["recall"]["1"]
    # Both answers are short sentences stating the asked fact: the highlighted sentence holds it.
    assert report["headline"] == report["headline_all"] == 1.0
    assert set(report["baselines"]) == {"lexical", "dense"}
    for figures in report["baselines"].values():
        assert set(figures) == {
            "recall",
            "mrr",
            "first_has_words",
            "headline",
            "headline_all",
            "unanswerable_declined",
            "answerable_declined",
        }
    text = mhhs_bot("eval", str(questions), "--baselines", env=workspace["env"])
    assert text.returncode == 0, text.stderr
    flat = " ".join(text.stdout.split())
    assert flat.index("product (hybrid)") < flat.index("headline 1.000 (all 1.000)") < flat.index("lexical")
    assert flat.count("headline ") == 3  # the product and both baselines
    assert (
        "first passage holding the answer's words (a diagnostic: the same fact in other words): 1.000" in flat
    )

    bad = workspace["root"] / "bad.jsonl"
    bad.write_text('{"q": "no expected answer"}\n', encoding="utf-8")
    refused = mhhs_bot("eval", str(bad), env=workspace["env"])
    assert refused.returncode != 0
    assert "line 1: needs answer_contains, or unanswerable: true" in refused.stderr


def test_incremental_re_index_and_run_with_piped_console(workspace):
    corpus, env = workspace["corpus"], workspace["env"]
    for name in ("broken.pdf", "empty.md", "junk.txt", "table.xlsx", "huge.txt"):
        (corpus / name).unlink()
    faq = corpus / "16_faq.md"
    faq.write_text(
        faq.read_text(encoding="utf-8").replace("no longer monitored", "retired and unread"), "utf-8"
    )
    (corpus / "06_qad-guide.md").unlink()
    result = mhhs_bot("index", env=env)
    assert result.returncode == 0, result.stderr
    assert "Indexed: 0 added, 1 changed, 1 unchanged, 1 removed, 0 skipped" in " ".join(result.stdout.split())
    # A rebuild embeds both again, but neither changed.
    rebuilt = mhhs_bot("index", "--rebuild", env=env)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "Indexed: 0 added, 0 changed, 2 unchanged (2 of them embedded again), 0 removed" in " ".join(
        rebuilt.stdout.split()
    )

    # `run` indexes what changed (nothing now) and, without Slack settings, opens the console on stdin.
    session = mhhs_bot("run", env=env, stdin="Is the LDSO_QT mailbox still monitored?\n🙂\n")
    assert session.returncode == 0, session.stderr
    out = " ".join(session.stdout.split())
    assert "0 passages embedded" in out
    assert "retired and unread" in out
    assert "no words" in out
    assert out.endswith("Goodbye.")


def test_changed_model_and_missing_index_name_the_command_to_run(workspace, tmp_path):
    env = workspace["env"] | {"MHHS_EMBEDDING_MODEL": str(tmp_path)}
    mismatch = mhhs_bot("ask", "Who signs the QAD?", env=env)
    assert mismatch.returncode != 0
    assert "MHHS_EMBEDDING_MODEL" in mismatch.stderr and "mhhs-bot index --rebuild" in mismatch.stderr

    missing = mhhs_bot(
        "ask", "Who signs the QAD?", env=workspace["env"] | {"MHHS_DATA_DIR": str(tmp_path / "d")}
    )
    assert missing.returncode != 0
    assert "run `mhhs-bot index`" in missing.stderr


def test_every_knowledge_command_has_help_and_a_readme_row():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for command in ("index", "ask", "eval", "chat", "run"):
        result = subprocess.run(
            [sys.executable, "-m", "handlers.cli", command, "--help"],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0 and "Usage:" in result.stdout
        assert f"`mhhs-bot {command}" in readme


def test_console_echoes_brackets_as_typed_and_refuses_invalid_utf8_at_once(workspace):
    env = workspace["env"]
    session = subprocess.run(
        [sys.executable, "-m", "handlers.cli", "chat"],
        cwd=REPO,
        env=env,
        input=b"who signs the [/x] QAD?\n\xff\xfe broken\nquit\n",
        capture_output=True,
        timeout=240,
    )
    out, err = session.stdout.decode(), session.stderr.decode()
    assert session.returncode == 0, err
    assert "You> who signs the [/x] QAD?" in out and "Traceback" not in err
    assert "not valid UTF-8" in err
    bad = subprocess.run(
        [sys.executable, "-m", "handlers.cli", "ask", b"who signs \xff the QAD?"],
        cwd=REPO,
        env=env,
        capture_output=True,
        timeout=240,
    )
    assert bad.returncode == 2 and "not valid UTF-8" in bad.stderr.decode()
    assert "Traceback" not in bad.stderr.decode()


def test_damaged_index_files_are_named_and_plain_index_repairs_them(workspace):
    env = workspace["env"]
    index_dir = Path(env["MHHS_DATA_DIR"]) / "index"
    [vectors] = [p for p in index_dir.iterdir() if p.is_file() and p.suffix == ".faiss"]
    vectors.write_bytes(b"\0garbage" * 64)
    broken = mhhs_bot("ask", "Who signs the final QAD?", env=env)
    assert broken.returncode == 1 and "Traceback" not in broken.stderr
    assert str(vectors) in broken.stderr and "mhhs-bot index --rebuild" in broken.stderr
    repaired = mhhs_bot("index", env=env)
    assert repaired.returncode == 0, repaired.stderr
    assert mhhs_bot("ask", "Who signs the final QAD?", env=env).returncode == 0

    [lexical] = [p for p in index_dir.iterdir() if p.is_dir() and p.suffix == ".lexical"]
    for part in lexical.iterdir():
        if part.suffix == ".npy":
            part.write_bytes(b"not numpy")
    damaged = mhhs_bot("ask", "Who signs the final QAD?", env=env)
    assert damaged.returncode == 1 and "Traceback" not in damaged.stderr
    assert str(lexical) in damaged.stderr and "mhhs-bot index" in damaged.stderr
    assert mhhs_bot("index", env=env).returncode == 0
    assert mhhs_bot("ask", "Who signs the final QAD?", env=env).returncode == 0


def test_ask_answers_from_a_read_only_data_directory(workspace):
    data = Path(workspace["env"]["MHHS_DATA_DIR"])
    question = "How many weeks should we plan for Service Activation?"
    writable = mhhs_bot("ask", "--json", question, env=workspace["env"])  # also exports the question encoder
    assert writable.returncode == 0, writable.stderr
    script = 'mount --bind -o ro "$1" "$1" && shift && exec "$@"'
    done = subprocess.run(
        ["unshare", "--map-root-user", "--mount", "sh", "-c", script, "sh", str(data)]
        + [sys.executable, "-m", "handlers.cli", "ask", "--json", question],
        cwd=REPO,
        env=workspace["env"],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    answer, expected = json.loads(done.stdout), json.loads(writable.stdout)
    assert answer["answered"] and answer["answer"] == expected["answer"]
    assert answer["sources"][0]["document"] == expected["sources"][0]["document"]


FILLER = (
    "Participants plan their migration volumes with the Programme and agree them in the planning cycle. "
    "The Programme reviews each plan and may ask for changes before it is accepted. "
)


def test_a_long_page_without_headings_is_cited_by_section_and_its_late_facts_are_found(tmp_path):
    corpus = tmp_path / "guidance"
    corpus.mkdir()
    paragraphs = [FILLER * 3 for _ in range(8)]
    paragraphs.insert(6, "The Kestrel service desk closes at 4pm on Fridays and reopens at 8am on Mondays.")
    page = "https://example.org/kestrel-notes\nKestrel planning notes\n\n" + "\n\n".join(paragraphs)
    (corpus / "kestrel-notes.txt").write_text(page, encoding="utf-8")
    env = cli_env(tmp_path, corpus)
    indexed = mhhs_bot("index", env=env)
    assert indexed.returncode == 0, indexed.stderr
    result = mhhs_bot("ask", "--json", "When does the Kestrel service desk close on Fridays?", env=env)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["answered"] is True
    top = data["sources"][0]
    assert "closes at 4pm on Fridays" in top["highlight"]
    assert top["title"] == "Kestrel planning notes"
    assert top["source"] == "https://example.org/kestrel-notes"  # the page's address, its first line
    assert top["section"]  # a section of its own, named by its first words
    assert len(top["passage"].split()) <= 200  # not the whole page
    assert len({s["section"] for s in data["sources"]}) > 1


def test_a_quoted_passage_keeps_its_lines_lists_and_tables_when_shown_in_the_console():
    from handlers.cli.knowledge import lines_kept

    answer = (
        "The review closed on 12 August 2025.\n\n"
        "> The report was issued on 5 August 2025.\n"
        "> **The review closed on 12 August 2025.**\n"
        "> You can view:\n"
        "> - Exit Report v1.0\n"
        "> - Defect Extract\n"
        "> If you have questions, email testing@example.org\n"
        "> | Event | Date |\n"
        "> | Approved | 15 August 2025 |\n"
        "> Closing line.\n\n"
        "— Exit reports"
    )
    assert lines_kept(answer).split("\n") == [
        "The review closed on 12 August 2025.",
        "",
        "> The report was issued on 5 August 2025.",
        ">",
        "> **The review closed on 12 August 2025.**",
        ">",
        "> You can view:",
        ">",
        "> - Exit Report v1.0",
        "> - Defect Extract",  # a list stays together
        ">",
        "> If you have questions, email testing@example.org",  # and does not swallow the line after it
        ">",
        "> | Event | Date |",
        "> | --- | --- |",  # the separator Markdown needs to show a table
        "> | Approved | 15 August 2025 |",
        ">",
        "> Closing line.",
        "",
        "— Exit reports",
    ]

"""The Block Kit builders, called directly with real Answer and Source values."""

import json

from handlers.slack import blocks, render
from handlers.slack.subcommands import SubcommandRegistry, looks_like_unknown_subcommand, split_command_text
from handlers.slack.text import mentions, plain_reply, plain_text
from knowledge.answer import Answer, Source, not_covered_message
from tests.fixtures.slack_app import blocks_text, button_values

ADDRESS = "MHHSQualification@elexon.co.uk"

QAD_PASSAGE = (
    "The final QAD is submitted after QT exit.\n"
    "- Every question answered, with evidence attached.\n"
    "- Signature by a Company Director (or a delegate, for REC-only roles).\n"
    "It goes to the Code Bodies for approval."
)


def qad_source(**changes) -> Source:
    values = dict(
        document="06_qad-guide.md",
        title="The Qualification Assessment Document (QAD)",
        section="3. Sign-off",
        passage=QAD_PASSAGE,
        score=0.82,
        version="1.0",
        updated="2026-02-02",
        source="https://www.elexon.co.uk/mhhs-qualification",
        highlight="Signature by a Company Director (or a delegate, for REC-only roles).",
        chunk_id="c1",
        kind="markdown",
    )
    values.update(changes)
    return Source(**values)


def answered(question="Who signs the final QAD?", sources=None) -> Answer:
    sources = sources if sources is not None else [qad_source()]
    return Answer(question, True, 0.82, "Signature by a Company Director.", sources)


def declined(question="What colour is the DIP logo?", sources=None) -> Answer:
    return Answer(question, False, 0.21, not_covered_message(ADDRESS), sources or [qad_source()])


def test_answer_quotes_the_passage_with_the_answering_sentence_in_bold_and_cites_it():
    message = blocks.answer_message(answered(), "Q1", enquiries_address=ADDRESS, can_ask_team=True)
    quoted = message.blocks[0]["text"]["text"]
    assert quoted.startswith("> The final QAD is submitted after QT exit.")
    # the list mark stays outside the bold
    assert "> - *Signature by a Company Director (or a delegate, for REC-only roles).*" in quoted
    assert message.blocks[0]["text"]["verbatim"] is True
    sources = blocks_text([message.blocks[1]])
    assert (
        "<https://www.elexon.co.uk/mhhs-qualification|*The Qualification Assessment Document (QAD)*>"
        in sources
    )
    assert "3. Sign-off · v1.0 · updated 2026-02-02" in sources
    assert message.text == "Signature by a Company Director (or a delegate, for REC-only roles)."
    assert button_values(message.blocks) == {blocks.ACTION_HELPFUL: "Q1", blocks.ACTION_NOT_HELPFUL: "Q1"}


def test_a_source_without_a_web_address_is_not_linked_and_documents_are_listed_once():
    other = qad_source(document="16_faq.md", title="FAQ", section="QAD", source="guidance-pack", passage="x")
    message = blocks.answer_message(
        answered(sources=[qad_source(), qad_source(section="2. Two submissions"), other]),
        "Q1",
        enquiries_address=ADDRESS,
        can_ask_team=False,
    )
    lines = message.blocks[1]["elements"]
    assert [e["text"] for e in lines][0] == "*Sources*"
    assert len(lines) == 3  # the QAD document once, then the FAQ
    assert lines[2]["text"] == "2. *FAQ* · QAD · v1.0 · updated 2026-02-02"


def test_team_answers_are_cited_as_answered_by_the_team_on_their_date():
    team = Source(
        document="team-answer:TA-0001",
        title="Answer from the qualification team",
        section="Can we submit the PQS early?",
        passage="Yes: send it as soon as your PIT plan is agreed.",
        score=0.9,
        updated="2026-11-20",
        source="Answered by the qualification team on 2026-11-20 (Dana Scott)",
        highlight="Yes: send it as soon as your PIT plan is agreed.",
        kind="team-answer",
    )
    message = blocks.answer_message(
        answered(sources=[team]), "Q2", enquiries_address=ADDRESS, can_ask_team=True
    )
    text = blocks_text(message.blocks)
    assert "> *Yes: send it as soon as your PIT plan is agreed.*" in text
    assert "Answered by the qualification team on 2026-11-20" in text


def test_declined_question_says_where_to_ask_lists_related_passages_and_offers_the_team():
    message = blocks.answer_message(declined(), "Q3", enquiries_address=ADDRESS, can_ask_team=True)
    text = blocks_text(message.blocks)
    assert "could not find an answer" in text
    assert ADDRESS in text
    assert "Possibly related" in text and "The Qualification Assessment Document (QAD)" in text
    assert button_values(message.blocks)[blocks.ACTION_ASK_TEAM] == "Q3"
    assert message.text == "The qualification guidance does not cover this question."

    without_team = blocks.answer_message(declined(), "Q3", enquiries_address=ADDRESS, can_ask_team=False)
    assert blocks.ACTION_ASK_TEAM not in button_values(without_team.blocks)
    assert "press" not in blocks_text(without_team.blocks)


def test_a_question_that_cannot_be_searched_gets_the_reason():
    reason = "I can only answer questions asked in English. Please ask again in English."
    answer = Answer("¿Quién firma el QAD?", False, 0.0, reason, [])
    message = blocks.answer_message(answer, "Q4", enquiries_address=ADDRESS, can_ask_team=False)
    assert blocks_text(message.blocks).startswith(reason)
    assert message.text == reason


def test_private_answers_show_the_question_and_a_share_button_and_shared_ones_credit_the_asker():
    private = blocks.answer_message(
        answered(), "Q5", enquiries_address=ADDRESS, can_ask_team=True, show_question=True, shareable=True
    )
    assert private.blocks[0]["text"]["text"] == "You asked: _Who signs the final QAD?_"
    assert button_values(private.blocks)[blocks.ACTION_SHARE] == "Q5"
    shared = blocks.answer_message(
        answered(), "Q5", enquiries_address=ADDRESS, can_ask_team=True, asked_by="U123ABC"
    )
    assert shared.blocks[0]["text"]["text"] == "<@U123ABC> asked: _Who signs the final QAD?_"
    assert blocks.ACTION_SHARE not in button_values(shared.blocks)


def test_hostile_text_is_escaped_so_it_cannot_ping_or_link():
    hostile = "<!channel> & <https://evil.example|click here> <@U999>"
    message = blocks.answer_message(
        Answer(hostile, False, 0.1, not_covered_message(ADDRESS), []),
        "Q6",
        enquiries_address=ADDRESS,
        can_ask_team=True,
        show_question=True,
    )
    payload = json.dumps(message.blocks)
    assert "<!channel>" not in payload and "<https://evil" not in payload and "<@U999>" not in payload
    assert "&lt;!channel&gt; &amp; &lt;https://evil.example|click here&gt;" in payload
    post = blocks.escalation_post(hostile, "UASKER", "https://evil.example/x|y", "in <#C1>", hostile)
    payload = json.dumps(post.blocks) + post.text
    assert "<!channel>" not in payload and "<https://evil" not in payload
    assert "https://evil.example/x|y" not in payload  # a link that is not a plain web address is dropped


def test_long_text_is_cut_to_slacks_limits_without_splitting_an_escape():
    long_passage = ("Clause & sub-clause <detail>. " * 400).strip()
    source = qad_source(passage=long_passage, highlight="Clause & sub-clause <detail>.")
    message = blocks.answer_message(
        answered(question="why? " * 2000, sources=[source] * 60),
        "Q7",
        enquiries_address=ADDRESS,
        can_ask_team=True,
        show_question=True,
        shareable=True,
    )
    assert len(message.blocks) <= render.MAX_BLOCKS
    for block in message.blocks:
        texts = [block["text"]["text"]] if "text" in block else [e.get("text", "") for e in block["elements"]]
        for text in texts:
            if isinstance(text, str):
                assert len(text) <= render.MAX_SECTION_TEXT
    assert len(message.blocks[0]["text"]["text"]) <= blocks.QUESTION_SHOWN_CHARS + 30
    for cut in range(1, 40):
        fitted = render.fit("a&b<c>d" * 10, cut)
        assert len(fitted) <= cut
        assert not fitted.rstrip("…").endswith(("&", "&a", "&am", "&amp", "&l", "&lt", "&g", "&gt"))


def test_help_lists_subcommands_and_unknown_words_are_recognised():
    registry = SubcommandRegistry()
    registry.register_subcommand("deadlines", lambda request: "none", "the next qualification deadlines")
    registry.register_subcommand("retract", lambda request: "ok", "withdraw a team answer", team_only=True)
    text = blocks.help_message("/mhhs", registry.listing())
    assert "`/mhhs deadlines`: the next qualification deadlines" in text
    assert "`/mhhs retract`: withdraw a team answer (qualification team only)" in text
    assert split_command_text("  Retract  TA-0001 ") == ("retract", "TA-0001")
    assert looks_like_unknown_subcommand("cases")
    assert not looks_like_unknown_subcommand("who signs the QAD?")
    assert not looks_like_unknown_subcommand("PQS?")


def test_slack_markup_in_questions_and_replies_becomes_plain_text():
    text = "<@UBOT0001> does <!channel> need <https://evil.example|this link> &amp; <#C1|general>?"
    assert plain_text(text, "UBOT0001") == "does @channel need this link (https://evil.example) & #general?"
    assert plain_text("x" * 5000, None) == "x" * 1000
    assert (
        plain_reply("First line\n\n<mailto:a@b.example|a@b.example> second")
        == "First line\n\na@b.example second"
    )
    assert mentions("hi <@UBOT0001>", "UBOT0001") and not mentions("hi <@UOTHER>", "UBOT0001")


def test_vote_receipts_and_rate_limit_text():
    assert blocks.vote_receipt(1, None) == "Thanks, your feedback (helpful) is recorded."
    assert blocks.vote_receipt(-1, 1) == "Thanks, your feedback is changed to not helpful."
    assert blocks.vote_receipt(1, 1) == "You have already marked this answer as helpful."
    assert "try again in 42 seconds" in blocks.rate_limited_text(10, 41.6)

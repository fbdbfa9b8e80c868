"""Commands of the knowledge base: ``index``, ``ask``, ``eval``, ``chat`` and ``run``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.markdown import Markdown
from rich.markup import escape
from rich.panel import Panel
from rich.progress import BarColumn, Progress, TextColumn
from rich.text import Text

from handlers.cli.context import get_settings

err_console = Console(stderr=True)


def _run_index(settings, paths, rebuild: bool, quiet: bool = False):
    from bot.knowledge_base import index_guidance

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        console=err_console,
        transient=True,
        disable=quiet,
    ) as bar:
        tasks: dict[str, int] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage.capitalize(), total=total)
            bar.update(tasks[stage], completed=done, total=total)

        return index_guidance(settings, [Path(p) for p in paths] or None, rebuild=rebuild, progress=progress)


def _print_report(report) -> None:
    console = Console()
    for path, reason in report.failed:
        console.print(f"[red]skipped[/red] {path}: {reason}", highlight=False)
    again = f" ({len(report.reembedded)} of them embedded again)" if report.reembedded else ""
    console.print(
        f"Indexed: {len(report.added)} added, {len(report.updated)} changed, {len(report.unchanged)} unchanged"
        f"{again}, {len(report.removed)} removed, {len(report.failed)} skipped; {report.chunks_embedded} passages "
        f"embedded, {report.chunks_total} in the index.",
        highlight=False,
    )


@click.command("index")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--rebuild", is_flag=True, help="Re-read and re-embed everything instead of only what changed.")
@click.pass_context
def index_command(ctx: click.Context, paths: tuple[Path, ...], rebuild: bool) -> None:
    """Index the guidance (MHHS_GUIDANCE_PATHS, else the bundled guidance), or PATHS in addition.

    Only documents whose content changed are re-embedded; documents whose files were removed are dropped (with
    PATHS, only those under PATHS). Files that cannot be read are listed with the reason and the rest is indexed.
    --rebuild re-embeds the configured guidance and PATHS from scratch.
    """
    report = _run_index(get_settings(ctx), paths, rebuild)
    _print_report(report)


@click.command("ask")
@click.argument("question")
@click.option("--json", "as_json", is_flag=True, help="Print the answer as one JSON object.")
@click.option("--context", default=None, help="An earlier question this one follows up.")
@click.pass_context
def ask_command(ctx: click.Context, question: str, as_json: bool, context: str | None) -> None:
    """Answer QUESTION from the guidance, with the passage quoted and cited, or say it is not covered."""
    from bot.knowledge_base import open_knowledge_base

    for text in (question, context or ""):
        if not _valid_utf8(text):
            raise click.UsageError("the question is not valid UTF-8 text; nothing was asked")
    kb = open_knowledge_base(get_settings(ctx))
    answer = kb.ask(question, context=context)
    if as_json:
        click.echo(json.dumps(answer.to_dict(), indent=2, ensure_ascii=False))
    else:
        show_answer(Console(), answer)


def lines_kept(text: str) -> str:
    """``text`` with each line of a quoted passage kept as its own paragraph when shown as Markdown, where lines of a
    quote run together into one paragraph (and a line after a list item joins that item). List items stay together,
    and a quoted table gets the separator row under its header that Markdown needs to show it as a table."""
    from knowledge.units import ITEM_MARK

    out: list[str] = []
    lines = text.split("\n")
    for i, line in enumerate(lines):
        previous = lines[i - 1][2:] if i > 0 and lines[i - 1].startswith("> ") else ""
        following = lines[i + 1] if i + 1 < len(lines) else ""
        out.append(line)
        if not line.startswith("> "):
            continue
        current, after = line[2:], following[2:] if following.startswith("> ") else None
        if (
            current.startswith("|")
            and not previous.startswith("|")
            and after is not None
            and after.startswith("|")
        ):
            if not set(after.replace("|", "").strip()) <= set("-: "):
                out.append("> |" + " --- |" * (current.strip().strip("|").count("|") + 1))
        elif after is not None and not (ITEM_MARK.match(current) and ITEM_MARK.match(after)):
            if not (current.startswith("|") and after.startswith("|")):
                out.append(">")
    return "\n".join(out)


def show_answer(console: Console, answer) -> None:
    from knowledge.answer import citation

    if answer.answered:
        console.print(
            Panel(Markdown(lines_kept(answer.answer)), title=f"Answer (confidence {answer.confidence:.2f})")
        )
        others = answer.sources[1:3]
        if others:
            console.print("[bold]Also relevant:[/bold]")
            for source in others:
                console.print(f"  • {escape(citation(source))}", highlight=False)
        return
    console.print(Panel(Text(answer.answer), title="Not covered by the guidance", border_style="yellow"))
    if answer.sources:
        console.print("[bold]Possibly related:[/bold]")
        for source in answer.sources[:3]:
            console.print(f"  • {escape(citation(source))}", highlight=False)
            console.print(
                f"    [dim]{escape(source.highlight or source.passage[:200])}[/dim]", highlight=False
            )


@click.command("eval")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the figures as one JSON object.")
@click.option("--k", "ks", default="1,3,5", show_default=True, help="Comma-separated cut-offs for recall@k.")
@click.option("--baselines", is_flag=True, help="Also measure lexical-only and dense-only retrieval.")
@click.pass_context
def eval_command(ctx: click.Context, file: Path, as_json: bool, ks: str, baselines: bool) -> None:
    """Measure retrieval and answering on FILE (JSON lines: q, answer_contains, or unanswerable: true).

    A question is found at k when one of the top k passages contains every answer_contains string. "headline" is
    the share of answerable questions answered with highlighted sentences containing one of those strings
    ("all": every one). "first_has_words" (a diagnostic) counts a first passage holding every word of the strings.
    """
    from bot.knowledge_base import open_knowledge_base
    from knowledge.evaluation import evaluate, load_questions

    try:
        cutoffs = sorted({int(k) for k in ks.split(",") if k.strip()})
    except ValueError:
        raise click.BadParameter(f"expected numbers like 1,3,5, got {ks!r}", param_hint="--k") from None
    if not cutoffs or min(cutoffs) < 1:
        raise click.BadParameter("cut-offs must be 1 or more", param_hint="--k")
    questions = load_questions(file)
    kb = open_knowledge_base(get_settings(ctx))
    report = evaluate(kb, questions, cutoffs, baselines=baselines)
    misses = report.pop("misses", [])
    if as_json:
        click.echo(json.dumps(report, indent=2))
        return
    console = Console()
    rows = [("product (hybrid)", report)] + [
        (name, figures) for name, figures in report.get("baselines", {}).items()
    ]
    console.print(f"{report['questions']} questions, {report['answerable']} answerable")
    for name, figures in rows:
        recall = ", ".join(f"@{k} {v:.3f}" for k, v in figures["recall"].items())
        console.print(
            f"{name:18} recall {recall}; MRR {figures['mrr']:.3f}; headline {figures['headline']:.3f} "
            f"(all {figures['headline_all']:.3f}); unanswerable declined "
            f"{figures['unanswerable_declined']:.3f}; answerable declined {figures['answerable_declined']:.3f}",
            highlight=False,
        )
    console.print(
        f"first passage holding the answer's words (a diagnostic: the same fact in other words): "
        f"{report['first_has_words']:.3f}",
        highlight=False,
    )
    for miss in misses:
        console.print(f"[dim]missed: {miss}[/dim]", highlight=False)


@click.command("chat")
@click.pass_context
def chat_command(ctx: click.Context) -> None:
    """A local console: ask questions one after another (end with Ctrl-D, or 'quit')."""
    from bot.knowledge_base import open_knowledge_base

    run_chat(open_knowledge_base(get_settings(ctx)))


def _valid_utf8(text: str) -> bool:
    """False for text decoded from invalid UTF-8 (undecodable bytes kept as lone surrogates)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _read_line(stdin) -> str | None:
    """One line of input, or None at its end; invalid UTF-8 comes back undecodable (see :func:`_valid_utf8`)."""
    raw = getattr(stdin, "buffer", None)
    if raw is None:
        line = stdin.readline()
        return line or None
    data = raw.readline()
    return data.decode("utf-8", errors="surrogateescape") if data else None


def run_chat(kb, stdin=None) -> None:
    stdin = stdin or sys.stdin
    console = Console()
    interactive = stdin.isatty()
    console.print("[bold]MHHS Qualification Assistant[/bold]: ask about the qualification guidance. ", end="")
    console.print("Type 'quit' or press Ctrl-D to leave.")
    previous: str | None = None
    while True:
        if interactive:
            console.print("[bold cyan]You>[/bold cyan] ", end="")
        try:
            line = _read_line(stdin)
        except KeyboardInterrupt:
            console.print()
            break
        if line is None:
            break
        if not _valid_utf8(line):
            err_console.print("That line is not valid UTF-8 text; it was not asked.", highlight=False)
            continue
        question = line.strip()
        if question.lower() in {"quit", "exit", ":q"}:
            break
        if not question:
            continue
        if not interactive:
            console.print(f"[bold cyan]You>[/bold cyan] {escape(question)}", highlight=False)
        answer = kb.ask(question, context=previous)
        show_answer(console, answer)
        previous = question
    console.print("Goodbye.")


@click.command("run")
@click.pass_context
def run_command(ctx: click.Context) -> None:
    """Index the configured guidance if anything changed, then start the assistant.

    With Slack settings it serves Slack; without them it opens the local console (`mhhs-bot chat`).
    """
    from bot.knowledge_base import open_knowledge_base

    settings = get_settings(ctx)
    report = _run_index(settings, (), rebuild=False)
    _print_report(report)
    if settings.slack.enabled:
        try:
            from handlers.cli.serve import serve
        except ImportError:
            err_console.print(
                "Slack settings are present but this build has no Slack service; opening the console."
            )
        else:
            serve(settings)
            return
    run_chat(open_knowledge_base(settings))

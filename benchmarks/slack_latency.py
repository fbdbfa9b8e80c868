"""Slack latency benchmark (not a test): ack time and question → chat.postMessage time through the real HTTP endpoint.

Starts the assistant in HTTP mode on loopback, pointed at the local fake Slack Web API used by the tests, with the
bundled guidance indexed and the real embedding model. Sends 200 correctly signed @mention events and measures:

- ack: from sending the request to receiving Slack's HTTP 200 (Slack allows 3 s);
- answer: from sending the request to the answer's chat.postMessage arriving at the Web API.

Two runs: ``sequential`` (one question at a time, each sent after the previous answer) and ``burst`` (all 200 sent
as fast as 4 client threads can, so answers queue behind the model).

    python benchmarks/slack_latency.py [--questions 200] [--workers 4] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bot import storage  # noqa: E402
from bot.core.settings import load_settings  # noqa: E402
from handlers.slack.app import build_app, create_assistant, stop_app  # noqa: E402
from handlers.slack.client import web_client  # noqa: E402
from handlers.slack.serving import SlackHTTPServer  # noqa: E402
from tests.fixtures.slack_api import start_slack_api  # noqa: E402
from tests.fixtures.slack_app import BOT_TOKEN, SIGNING_SECRET, RunningSlackApp  # noqa: E402

QUESTIONS = [
    "Which email addresses do we send our placing reliance proposal to?",
    "Reliance proposal email: what heading must it carry?",
    "Is the LDSO_QT mailbox still monitored?",
    "Who manages Qualification Testing for new entrant LDSOs?",
    "Whose signature is required on the final QAD?",
    "What's new in v1.2 of the Non-SIT Supplier & Agent QT Test Plan Template?",
    "Where are the deadlines for submitting the initial QAD written down?",
    "What are the four annexes of the QA&P?",
    "Roughly how many weeks should we plan for Service Activation?",
    "Which bodies need to approve a Supplier's MHHS Qualification?",
    "What kinds of requirements does the RTTM cover?",
    "What do we do if a test can't be finished during QT?",
    "Is taking part in SIT mandatory?",
    "Which DIP environment is QT carried out in?",
    "Who is allowed to verify company details on the DIP?",
    "Where should DIP onboarding questions be raised?",
    "Can suppliers migrate MPANs before they are MHHS qualified?",
    "What is the parking policy at the Elexon office?",  # not covered: declined
    "Can the PAB remove a BSC Party's qualification?",
    "How are QT slots planned now that fixed tranches were dropped?",
]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[rank]


def summary(values: list[float]) -> dict[str, float]:
    ms = [v * 1000 for v in values]
    return {
        "p50_ms": round(statistics.median(ms), 1),
        "p95_ms": round(percentile(ms, 95), 1),
        "p99_ms": round(percentile(ms, 99), 1),
        "max_ms": round(max(ms), 1),
    }


def start(workdir: Path, workers: int):
    """The assistant in HTTP mode with the bundled guidance indexed; returns (running app, web api, server)."""
    from bot.knowledge_base import index_guidance, make_embedder, open_knowledge_base

    api, api_server = start_slack_api()
    settings = load_settings(
        {
            "MHHS_DATA_DIR": str(workdir / "data"),
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": api.api_url,
            "SLACK_RATE_LIMIT_PER_MINUTE": "100000",
            "SLACK_ANSWER_WORKERS": str(workers),
        },
    )
    started = time.perf_counter()
    embedder = make_embedder(settings)
    load_seconds = time.perf_counter() - started
    index_guidance(settings, embedder=embedder)
    knowledge_base = open_knowledge_base(settings, embedder=embedder)
    db = storage.connect(settings.database_path)
    client = web_client(settings)
    assistant = create_assistant(settings, knowledge_base, db, client)
    app = build_app(assistant, client)
    server = SlackHTTPServer(app, "127.0.0.1", 0).start()
    return RunningSlackApp(settings, assistant, server, api, app), api_server, load_seconds


def run(running: RunningSlackApp, count: int, concurrency: int, label: str) -> dict:
    api = running.api
    api.reset()
    sent_at: dict[str, float] = {}
    acks: list[float] = []
    statuses: list[int] = []

    def ask(n: int) -> None:
        ts = f"{1700090000 if label == 'burst' else 1700080000}.{n:06d}"
        event = {
            "type": "app_mention",
            "user": f"U{n:08d}",
            "text": f"<@UBOT0001> {QUESTIONS[n % len(QUESTIONS)]}",
            "ts": ts,
            "channel": "CBENCH001",
            "event_ts": ts,
        }
        sent_at[ts] = time.monotonic()
        reply = running.send_event(event, event_id=f"Ev{label}{n:06d}")
        acks.append(reply.seconds)
        statuses.append(reply.status)

    started = time.monotonic()
    if concurrency == 1:
        for n in range(count):
            ask(n)
            api.wait_for("chat.postMessage", count=n + 1, timeout=60)
    else:
        with ThreadPoolExecutor(concurrency) as pool:
            list(pool.map(ask, range(count)))
        api.wait_for("chat.postMessage", count=count, timeout=600)
    elapsed = time.monotonic() - started
    answers = [
        call.at - sent_at[call.args["thread_ts"]]
        for call in api.calls_to("chat.postMessage")
        if call.args.get("thread_ts") in sent_at
    ]
    return {
        "run": label,
        "questions": count,
        "client_threads": concurrency,
        "all_acked_200": all(s == 200 for s in statuses),
        "ack": summary(acks),
        "answer": summary(answers),
        "answers": len(answers),
        "questions_per_second": round(count / elapsed, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--workers", type=int, default=4, help="SLACK_ANSWER_WORKERS")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="slack-bench-"))
    os.chdir(workdir)  # no .env file is read
    try:
        running, api_server, load_seconds = start(workdir, args.workers)
        try:
            running.send_event(  # warm-up: first query pays one-off costs
                {
                    "type": "app_mention",
                    "user": "UWARM",
                    "text": "<@UBOT0001> warm up",
                    "ts": "1.1",
                    "channel": "C",
                }
            )
            running.api.wait_for("chat.postMessage", timeout=60)
            results = [
                run(running, args.questions, 1, "sequential"),
                run(running, args.questions, 4, "burst"),
            ]
        finally:
            running.server.stop()
            stop_app(running.app)
            api_server.shutdown()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    report = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{os.cpu_count()} CPUs, {platform.machine()}, Python {platform.python_version()}",
        "answer_workers": args.workers,
        "model_load_seconds": round(load_seconds, 1),
        "results": results,
    }
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(f"{report['date']} · {report['machine']} · SLACK_ANSWER_WORKERS={args.workers}")
    print("| Run | Questions | Ack p50 | Ack p99 | Answer p50 | Answer p95 | Questions/s |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for r in results:
        print(
            f"| {r['run']} | {r['questions']} | {r['ack']['p50_ms']} ms | {r['ack']['p99_ms']} ms | "
            f"{r['answer']['p50_ms']} ms | {r['answer']['p95_ms']} ms | {r['questions_per_second']} |"
        )


if __name__ == "__main__":
    main()

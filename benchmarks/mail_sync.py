"""Inbox triage benchmark: initial sync of a large inbox, and new mail -> case + Slack post latency with IDLE.

Runs against a real Dovecot (private config, loopback) and the local fake Slack Web API, exactly as the tests do.

    .venv/bin/python benchmarks/mail_sync.py [--mails 5000] [--runs 3] [--latency-samples 30]

Prints a Markdown table for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import platform
import shutil
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot import cases, storage  # noqa: E402
from handlers.mail.imap import Mailbox  # noqa: E402
from handlers.mail.inbox import InboxTriage  # noqa: E402
from handlers.mail.watcher import run_inbox_watcher  # noqa: E402
from tests.fixtures.mail import start_dovecot  # noqa: E402
from tests.fixtures.slack_api import start_slack_api  # noqa: E402

FORM = ("PK\x03\x04" + "pretend PQS form content " * 400).encode()  # ~10 kB attachment


def make_mail(n: int) -> bytes:
    """A realistic mix: 30% proposals (two thirds with a form), 10% replies from the case's organisation, 10% retired
    mailbox, 50% other."""
    kind = n % 10
    organisation = n % 700
    if kind in (0, 1, 2):
        organisation = n  # each proposal from a participant of its own
    elif kind == 3:
        case = max(1, n // 10)  # the reply comes from the organisation whose proposal opened that case
        organisation = 10 * ((case - 1) // 3) + (case - 1) % 3
    sender = f"person{n}@participant{organisation}.co.uk"
    to = "MHHSQualification@elexon.co.uk, performanceassurance@recmanager.co.uk"
    headers = {
        "From": sender,
        "To": to,
        "Date": "Mon, 12 Jan 2026 09:15:00 +0000",
        "Message-ID": f"<bench-{n}@participant.example>",
    }
    if kind in (0, 1, 2):
        headers["Subject"] = "MHHS Qualification/Placing Reliance Proposal"
    elif kind == 3:
        headers["Subject"] = f"Re: [PR-{max(1, n // 10):04d}] revised form"
    elif kind == 4:
        headers["To"] = "LDSO_QT@mhhsprogramme.co.uk"
        headers["Subject"] = "QT question"
    else:
        headers["Subject"] = f"General question {n}"
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    text = f"Hello, message {n}. Our MPID: ABCD.\r\nKind regards\r\nParticipant {n % 700} Ltd\r\n"
    if kind in (0, 1):
        import base64

        att = base64.encodebytes(FORM).decode().replace("\n", "\r\n")
        return (
            head + 'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n'
            "Content-Type: text/plain\r\n\r\n" + text + "\r\n--b\r\n"
            'Content-Type: application/vnd.ms-excel\r\nContent-Disposition: attachment; filename="PQS form.xlsx"\r\n'
            "Content-Transfer-Encoding: base64\r\n\r\n" + att + "\r\n--b--\r\n"
        ).encode()
    return (head + "\r\n" + text).encode()


def settings_for(dovecot, data_dir: Path, slack_url: str):
    from tests.fixtures.mail import settings_from

    env = dovecot.env(
        data_dir,
        SLACK_BOT_TOKEN="xoxb-bench",
        SLACK_SIGNING_SECRET="bench",
        SLACK_API_URL=slack_url,
        SLACK_TEAM_CHANNEL="C0TEAM",
        MAIL_POLL_SECONDS="600",
    )
    return settings_from(env, data_dir)


def fill_inbox(dovecot, count: int) -> float:
    started = time.perf_counter()
    with dovecot.client() as client:
        for start in range(0, count, 200):
            client.multiappend("INBOX", [make_mail(n) for n in range(start, min(count, start + 200))])
    return time.perf_counter() - started


def initial_sync(dovecot, slack, count: int, work: Path, run: int) -> dict:
    dovecot.empty()
    fill_time = fill_inbox(dovecot, count)
    settings = settings_for(dovecot, work / f"sync-{run}", slack.api_url)
    db = storage.connect(settings.database_path)
    slack.reset()
    started = time.perf_counter()
    with Mailbox.open(settings) as mailbox:
        summary = InboxTriage(settings, db).run_pass(mailbox)
    elapsed = time.perf_counter() - started
    assert summary.fetched == count, summary.line()
    assert dovecot.count("INBOX") == 0
    return {
        "elapsed": elapsed,
        "rate": count / elapsed,
        "fill": fill_time,
        "summary": summary.line(),
        "cases": len(cases.list_cases(db)),
        "posts": len(slack.calls_to("chat.postMessage")),
    }


def idle_latency(dovecot, slack, samples: int, work: Path) -> list[float]:
    dovecot.empty()
    settings = settings_for(dovecot, work / "latency", slack.api_url)
    stop = threading.Event()
    passes: list = []
    thread = threading.Thread(
        target=run_inbox_watcher, args=(settings, stop), kwargs={"on_pass": passes.append}
    )
    thread.start()
    while not passes:
        time.sleep(0.05)
    slack.reset()
    latencies = []
    try:
        with dovecot.client() as client:
            for i in range(samples):
                raw = make_mail(10 * (100_000 + i))  # a proposal with a form: a new case each time
                started = time.monotonic()
                client.append("INBOX", raw)
                call = slack.wait_for("chat.postMessage", count=i + 1, timeout=30)[i]
                latencies.append(call.at - started)
                time.sleep(0.2)
    finally:
        stop.set()
        thread.join(timeout=10)
    return latencies


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mails", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--latency-samples", type=int, default=30)
    args = parser.parse_args()

    dovecot, stop_dovecot = start_dovecot()
    slack, slack_server = start_slack_api()
    work = Path(tempfile.mkdtemp(prefix="mhhs-mail-bench-"))
    try:
        runs = [initial_sync(dovecot, slack, args.mails, work, r) for r in range(args.runs)]
        latencies = idle_latency(dovecot, slack, args.latency_samples, work)
    finally:
        slack_server.shutdown()
        stop_dovecot()
        shutil.rmtree(work, ignore_errors=True)
    rates = [r["rate"] for r in runs]
    print(
        f"Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {platform.platform()}; Python {platform.python_version()}"
    )
    print(f"Inbox: {args.mails} mails; result of each run: {runs[0]['summary']}")
    print(
        f"Cases opened: {runs[0]['cases']}; Slack posts: {runs[0]['posts']}; filling the inbox: {runs[0]['fill']:.1f} s"
    )
    print()
    print("| Measure | Median | p95 / range | Target |")
    print("| --- | --- | --- | --- |")
    print(
        f"| Initial sync, {args.mails} mails ({args.runs} runs) | {statistics.median(rates):.0f} mails/s "
        f"({statistics.median(r['elapsed'] for r in runs):.1f} s) | {min(rates):.0f}-{max(rates):.0f} mails/s | ≥ 200 mails/s |"
    )
    print(
        f"| New mail → case + Slack post, IDLE ({len(latencies)} mails) | {statistics.median(latencies) * 1000:.0f} ms "
        f"| p95 {p95(latencies) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms | ≤ 2 s |"
    )


if __name__ == "__main__":
    main()

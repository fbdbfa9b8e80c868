"""Deadline nudges: how long one scheduler tick takes, idle and sending, against the local fake Slack Web API.

Run from the repository root: ``python benchmarks/nudges_benchmark.py``. Prints medians and p95 in milliseconds.

- idle tick: plan with N deadlines x 2 audiences and a sent-log of about N x 8 rows, nothing due (the common case,
  once a minute);
- sending tick: N x 2 nudges due at once, each claimed, posted and recorded.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from datetime import time as clock_time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from slack_sdk import WebClient  # noqa: E402

from bot import storage  # noqa: E402
from bot.core.settings import load_settings  # noqa: E402
from bot.core.working_days import LONDON, WorkingCalendar, london_time  # noqa: E402
from bot.deadlines import Deadline  # noqa: E402
from bot.nudges import plan_nudges  # noqa: E402
from handlers.slack.nudge_delivery import send_due_nudges  # noqa: E402
from tests.fixtures.slack_api import start_slack_api  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def make_deadlines(n: int, due_day: date) -> list[Deadline]:
    return [
        Deadline(
            key=f"deadline-{i:04d}",
            name=f"Deadline {i}",
            due=london_time(due_day, clock_time(17)),
            audience=("team", f"user:U{i:08d}"),
        )
        for i in range(n)
    ]


def main(n: int = 500, repeats: int = 20) -> None:
    api, server = start_slack_api()
    calendar = WorkingCalendar()
    try:
        with tempfile.TemporaryDirectory() as folder:
            settings = load_settings(
                {}, data_dir=Path(folder), slack_team_channel="C0TEAM001", slack_api_url=api.api_url
            )
            db = storage.connect(settings.database_path)
            client = WebClient(token="xoxb-bench", base_url=api.api_url)
            due_day = date(2027, 1, 29)
            deadlines = make_deadlines(n, due_day)
            ten_before = london_time(calendar.add(due_day, -10), clock_time(9))

            started = time.perf_counter()
            report = send_due_nudges(settings, db, client, ten_before, deadlines, calendar)
            sending = time.perf_counter() - started
            # fill the sent-log as a year of use would
            for i in range(1, 8):
                db.execute(
                    "INSERT INTO nudge_log (deadline_key, due, audience, slot, state, send_at)"
                    " SELECT deadline_key || ?, due, audience, slot, 'sent', send_at FROM nudge_log"
                    " WHERE deadline_key NOT LIKE '%#%'",
                    [f"#{i}"],
                )
            rows = db.execute("SELECT count(*) FROM nudge_log").fetchone()[0]

            idle = []
            for r in range(repeats):
                now = ten_before + timedelta(hours=1, minutes=r)
                started = time.perf_counter()
                plan = plan_nudges(settings, db, now, deadlines, calendar)
                idle.append((time.perf_counter() - started) * 1000)
                assert not plan.to_send
            print(f"deadlines: {n}, audiences each: 2, sent-log rows: {rows}")
            print(
                f"sending tick: {len(report.sent)} nudges in {sending * 1000:.0f} ms"
                f" ({len(report.sent) / sending:.0f} nudges/s)"
            )
            print(f"idle tick: median {statistics.median(idle):.1f} ms, p95 {percentile(idle, 0.95):.1f} ms")
            print(f"at {LONDON.key} {ten_before.isoformat()}")
            db.conn.close()
    finally:
        server.shutdown()
        server.server_close()


if __name__ == "__main__":
    main()

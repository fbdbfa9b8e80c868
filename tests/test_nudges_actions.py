"""Done and Snooze through correctly signed Slack block_actions requests dispatched to a bolt App."""

import json
import time
from datetime import timedelta
from urllib.parse import quote

import pytest
from slack_bolt import App, BoltRequest
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier

from bot.core.working_days import calendar_from_settings
from bot.deadlines import all_deadlines
from handlers.slack.listeners.nudge_buttons import register
from handlers.slack.nudge_blocks import ACTION_DONE, ACTION_SNOOZE_DAY, ACTION_SNOOZE_WEEK
from handlers.slack.nudge_delivery import send_due_nudges
from tests.fixtures.deadlines import SIGNING_SECRET, TEAM_CHANNEL, london

DEADLINE = """
deadlines:
  - id: final-qad
    name: Final QAD submission
    due: 2026-12-11 17:00
    audience: {team: true, users: [U0LEAD001]}
"""
# Lead times for Fri 11 Dec 2026: Fri 27 Nov (10), Fri 4 Dec (5), Thu 10 Dec (1), Fri 11 Dec (0), at 09:00.


class Clock:
    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now


@pytest.fixture
def slack_app(deadlines_env, slack_api):
    settings = deadlines_env.settings(DEADLINE)
    clock = Clock(london(2026, 11, 27, 9))
    app = App(
        client=WebClient(token="xoxb-test", base_url=slack_api.api_url),
        signing_secret=SIGNING_SECRET,
        process_before_response=True,
    )
    register(app, settings, clock=clock)
    return app, settings, clock


def click(app, post_call, action_id, user="U0TEAM007", secret=SIGNING_SECRET):
    """Dispatch a signed block_actions request for a button of the nudge posted in ``post_call``."""
    blocks = post_call.args["blocks"]
    button = next(
        e for b in blocks if b["type"] == "actions" for e in b["elements"] if e["action_id"] == action_id
    )
    channel = post_call.args["channel"]
    payload = {
        "type": "block_actions",
        "user": {"id": user, "username": user.lower(), "team_id": "T0000001"},
        "api_app_id": "A0000001",
        "token": "legacy",
        "team": {"id": "T0000001", "domain": "test"},
        "container": {"type": "message", "message_ts": "1700000000.000001", "channel_id": channel},
        "channel": {"id": channel, "name": "qualification"},
        "message": {
            "type": "message",
            "ts": "1700000000.000001",
            "text": post_call.args["text"],
            "blocks": blocks,
        },
        "trigger_id": "1.2.3",
        "response_url": "http://127.0.0.1:9/response",
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": "nudge_actions",
                "value": button["value"],
                "action_ts": "1700000000.000002",
            }
        ],
    }
    body = "payload=" + quote(json.dumps(payload))
    timestamp = str(int(time.time()))
    signature = SignatureVerifier(secret).generate_signature(timestamp=timestamp, body=body)
    request = BoltRequest(
        body=body,
        headers={
            "content-type": ["application/x-www-form-urlencoded"],
            "x-slack-signature": [signature],
            "x-slack-request-timestamp": [timestamp],
        },
    )
    return app.dispatch(request)


def run(env, settings, start, end):
    calendar = calendar_from_settings(settings)
    client = env.client()
    sent, now = [], start
    while now <= end:
        report = send_due_nudges(
            settings, env.db, client, now, all_deadlines(settings, env.db, calendar), calendar
        )
        sent += [(now, n) for n in report.sent]
        now += timedelta(hours=1)
    return sent


def posts_to(slack_api, channel):
    return [c for c in slack_api.calls_to("chat.postMessage") if c.args["channel"] == channel]


def test_done_stops_nudges_for_that_audience_only(deadlines_env, slack_api, slack_app):
    app, settings, clock = slack_app
    run(deadlines_env, settings, london(2026, 11, 27, 9), london(2026, 11, 27, 9))
    team_post = posts_to(slack_api, TEAM_CHANNEL)[0]
    response = click(app, team_post, ACTION_DONE)
    assert response.status == 200
    update = slack_api.wait_for("chat.update")[0].args
    assert update["channel"] == TEAM_CHANNEL and update["ts"] == "1700000000.000001"
    assert "Marked done by <@U0TEAM007>" in update["text"]
    assert not any(b["type"] == "actions" for b in update["blocks"])
    state = next(deadlines_env.db["nudge_state"].rows)
    assert state["done_by"] == "U0TEAM007" and state["audience"] == f"channel:{TEAM_CHANNEL}"

    run(deadlines_env, settings, london(2026, 11, 27, 10), london(2026, 12, 12))
    assert len(posts_to(slack_api, TEAM_CHANNEL)) == 1  # nothing more for the team
    assert len(posts_to(slack_api, "U0LEAD001")) == 4  # the lead's own nudges continue


def test_snooze_one_working_day_reminds_on_the_next_working_day(deadlines_env, slack_api, slack_app):
    app, settings, clock = slack_app
    run(deadlines_env, settings, london(2026, 11, 27, 9), london(2026, 11, 27, 9))
    clock.now = london(2026, 11, 27, 9, 5)  # a Friday
    assert click(app, posts_to(slack_api, "U0LEAD001")[0], ACTION_SNOOZE_DAY, user="U0LEAD001").status == 200
    update = slack_api.wait_for("chat.update")[0].args
    assert "Snoozed by <@U0LEAD001> until Mon 30 Nov 2026, 09:00 GMT" in update["text"]

    sent = run(deadlines_env, settings, london(2026, 11, 27, 10), london(2026, 12, 12))
    lead = [
        (now.strftime("%d %H"), n.slot.split(":")[0]) for now, n in sent if n.audience == "user:U0LEAD001"
    ]
    assert lead == [("30 09", "snooze"), ("04 09", "lead"), ("10 09", "lead"), ("11 09", "lead")]
    reminder = posts_to(slack_api, "U0LEAD001")[1]
    assert reminder.args["text"].startswith("Reminder (snoozed)")
    assert len(posts_to(slack_api, TEAM_CHANNEL)) == 4  # the team's nudges are not affected


def test_snooze_one_week_replaces_the_nudge_it_covers(deadlines_env, slack_api, slack_app):
    app, settings, clock = slack_app
    run(deadlines_env, settings, london(2026, 11, 27, 9), london(2026, 11, 27, 9))
    clock.now = london(2026, 11, 27, 11)
    assert click(app, posts_to(slack_api, TEAM_CHANNEL)[0], ACTION_SNOOZE_WEEK).status == 200
    assert "until Fri 4 Dec 2026, 09:00 GMT" in slack_api.wait_for("chat.update")[0].args["text"]
    sent = run(deadlines_env, settings, london(2026, 11, 27, 12), london(2026, 12, 12))
    team = [
        (now.strftime("%d %H"), n.slot.split(":")[0]) for now, n in sent if n.audience.startswith("channel:")
    ]
    # the snooze reminder on 4 Dec stands in for the 5-day nudge due at the same time: one message, not two
    assert team == [("04 09", "snooze"), ("10 09", "lead"), ("11 09", "lead")]


def test_snooze_never_passes_the_on_the_day_reminder(deadlines_env, slack_api, slack_app):
    app, settings, clock = slack_app
    run(deadlines_env, settings, london(2026, 11, 27, 9), london(2026, 12, 10, 9))
    clock.now = london(2026, 12, 10, 9, 30)
    last = posts_to(slack_api, TEAM_CHANNEL)[-1]
    assert click(app, last, ACTION_SNOOZE_WEEK).status == 200
    assert "until Fri 11 Dec 2026, 09:00 GMT" in slack_api.wait_for("chat.update")[0].args["text"]
    sent = run(deadlines_env, settings, london(2026, 12, 10, 10), london(2026, 12, 12))
    assert [
        (now.strftime("%d %H"), n.slot.split(":")[0]) for now, n in sent if n.audience.startswith("channel:")
    ] == [("11 09", "snooze")]


def test_a_badly_signed_click_is_refused_and_changes_nothing(deadlines_env, slack_api, slack_app):
    app, settings, clock = slack_app
    run(deadlines_env, settings, london(2026, 11, 27, 9), london(2026, 11, 27, 9))
    response = click(app, posts_to(slack_api, TEAM_CHANNEL)[0], ACTION_DONE, secret="wrong-secret")
    assert response.status == 401
    assert list(deadlines_env.db["nudge_state"].rows) == []
    assert slack_api.calls_to("chat.update") == []

"""The HTTP endpoint: request verification, retries, the route registry."""

import json
import time

from handlers.slack.serving import HTTPResponse
from tests.fixtures.slack_app import sign

QUESTION = "Whose signature is required on the final QAD?"


def mention_event(app, ts="1700002000.000001"):
    return {
        "type": "app_mention",
        "user": "UASKER001",
        "text": f"<@UBOT0001> {QUESTION}",
        "ts": ts,
        "channel": "CGENERAL1",
        "event_ts": ts,
    }


def test_bad_missing_and_stale_signatures_get_401_and_nothing_is_answered(slack_app):
    body = slack_app.event_body(mention_event(slack_app))
    now = int(time.time())
    assert slack_app.post(body, "application/json", signature="v0=" + "0" * 64).status == 401
    assert slack_app.post(body, "application/json", signature=sign(body, now, "another-secret")).status == 401
    assert slack_app.post(body, "application/json", signed=False).status == 401
    stale = now - 6 * 60
    assert (
        slack_app.post(body, "application/json", timestamp=stale, signature=sign(body, stale)).status == 401
    )
    # a body changed after signing
    tampered = body.replace(QUESTION, "<!channel> free tickets")
    assert (
        slack_app.post(tampered, "application/json", timestamp=now, signature=sign(body, now)).status == 401
    )
    slack_app.settle()
    assert slack_app.api.calls_to("chat.postMessage") == []
    assert slack_app.records.question_count() == 0
    # the same body, correctly signed, is answered
    assert slack_app.post(body, "application/json").status == 200
    slack_app.api.wait_for("chat.postMessage")


def test_a_retried_event_is_answered_once(slack_app):
    event = mention_event(slack_app)
    first = slack_app.send_event(event, event_id="Ev-RETRIED-1")
    assert first.status == 200
    for retry in (1, 2, 3):
        assert slack_app.send_event(event, event_id="Ev-RETRIED-1", retry_num=retry).status == 200
    slack_app.api.wait_for("chat.postMessage")
    slack_app.settle()
    assert len(slack_app.api.calls_to("chat.postMessage")) == 1
    assert slack_app.records.question_count() == 1


def test_a_retry_is_recognised_after_a_restart(make_slack_app, slack_api):
    first = make_slack_app()
    first.send_event(mention_event(first), event_id="Ev-ACROSS-RESTART")
    slack_api.wait_for("chat.postMessage")
    first.settle()
    # a second app on the same database, as after a restart
    second = make_slack_app(MHHS_DATA_DIR=str(first.settings.data_dir))
    assert second.send_event(mention_event(second), event_id="Ev-ACROSS-RESTART", retry_num=1).status == 200
    second.settle()
    assert len(slack_api.calls_to("chat.postMessage")) == 1


def test_url_verification_is_answered_with_the_challenge(slack_app):
    body = json.dumps({"token": "t", "challenge": "challenge-value-123", "type": "url_verification"})
    reply = slack_app.post(body, "application/json")
    assert reply.status == 200
    assert "challenge-value-123" in reply.body


def test_health_route_unknown_paths_and_registered_routes(slack_app):
    health = slack_app.get("/healthz")
    assert health.status == 200 and health.json()["ok"] is True
    assert health.json()["slack"]["mode"] == "http"
    assert slack_app.get("/nothing-here").status == 404
    slack_app.server.routes.add_get(
        "/example.txt", lambda request: HTTPResponse.text(f"query {request.query}")
    )
    reply = slack_app.get("/example.txt?x=1")
    assert reply.status == 200 and reply.body == "query {'x': ['1']}"
    # a signed request the app has no listener for is refused, not crashed on
    assert slack_app.post("{}", "application/json").status == 404


def test_an_ack_does_not_wait_for_the_answer(make_slack_app, slack_api):
    """Many questions at once: every request is acknowledged with 200 and every question is answered."""
    app = make_slack_app(SLACK_ANSWER_WORKERS="1")
    replies = [app.mention(f"{QUESTION} ({n})")[0] for n in range(8)]
    assert all(r.status == 200 for r in replies)
    slack_api.wait_for("chat.postMessage", count=8, timeout=60)


def test_malformed_signed_bodies_are_refused_without_harm(slack_app):
    """Slack never sends these; the request is refused, and the server keeps answering."""
    for body, content_type in [
        ("this is not json", "application/json"),
        ("payload=%7Bnot-json", "application/x-www-form-urlencoded"),
        ('{"type": "event_callback", "event": "not an object"}', "application/json"),
    ]:
        reply = slack_app.post(body, content_type)
        assert reply.status in (400, 404, 500), (body, reply)
    slack_app.settle()
    assert slack_app.api.calls_to("chat.postMessage") == []
    # the app still answers afterwards
    slack_app.mention(QUESTION)
    slack_app.api.wait_for("chat.postMessage")

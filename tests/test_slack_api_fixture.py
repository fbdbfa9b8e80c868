from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler


def test_fake_web_api_records_calls_and_rate_limits(slack_api):
    client = WebClient(token="xoxb-test", base_url=slack_api.api_url)
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=2))
    assert client.auth_test()["user_id"] == "UBOT0001"
    slack_api.rate_limited["chat.postMessage"] = 1
    response = client.chat_postMessage(channel="C1", text="hello")
    assert response["ok"]
    calls = slack_api.wait_for("chat.postMessage", count=2)
    assert calls[-1].args["text"] == "hello"
    assert calls[-1].headers["authorization"] == "Bearer xoxb-test"


def test_shared_client_waits_out_rate_limits(slack_api, tmp_path, monkeypatch):
    from bot.core.settings import load_settings
    from handlers.slack.client import web_client

    monkeypatch.chdir(tmp_path)
    settings = load_settings({"SLACK_API_URL": slack_api.api_url})
    slack_api.rate_limited["chat.postMessage"] = 2
    client = web_client(settings, token="xoxb-test")
    assert client.chat_postMessage(channel="C1", text="still delivered")["ok"]
    assert len(slack_api.wait_for("chat.postMessage", count=3)) == 3

"""Socket Mode: the assistant connects out over a WebSocket, acknowledges each envelope and answers.

A small loopback WebSocket server plays Slack's Socket Mode endpoint (``apps.connections.open`` on the fake Web
API returns its ``ws://`` URL; slack_sdk uses plain sockets for ports other than 443).
"""

import base64
import hashlib
import json
import shutil
import socket
import struct
import threading

import pytest

from bot.core.settings import load_settings
from handlers.cli.serve import SlackService
from handlers.slack.app import wait_idle
from tests.fixtures.slack_app import ASKER, BOT_TOKEN, GENERAL_CHANNEL, blocks_text

WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class SocketModeEndpoint:
    """Accepts one WebSocket client at a time; records the JSON messages it sends; sends envelopes to it."""

    def __init__(self) -> None:
        self._listener = socket.socket()
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(4)
        self.port = self._listener.getsockname()[1]
        self.received: list[dict] = []
        self._connection: socket.socket | None = None
        self._changed = threading.Condition()
        self._closed = False
        self.answer_pings = True  # False: the socket goes quiet (no pongs), as a half-dead link does
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/link/?ticket=test"

    def close(self) -> None:
        self._closed = True
        self._listener.close()
        if self._connection is not None:
            self._connection.close()

    def send(self, message: dict) -> None:
        with self._changed:
            self._changed.wait_for(lambda: self._connection is not None, timeout=15)
        self._send_frame(self._connection, 0x1, json.dumps(message).encode())

    def wait_for_ack(self, envelope_id: str, timeout: float = 15.0) -> dict:
        with self._changed:
            found = self._changed.wait_for(
                lambda: next((m for m in self.received if m.get("envelope_id") == envelope_id), None), timeout
            )
        if not found:
            pytest.fail(f"no ack for envelope {envelope_id}; received {self.received}")
        return found

    # --- the WebSocket protocol, as little of it as Socket Mode needs -----------------------------------------

    def _accept(self) -> None:
        while not self._closed:
            try:
                connection, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def _serve(self, connection: socket.socket) -> None:
        request = b""
        while b"\r\n\r\n" not in request:
            chunk = connection.recv(4096)
            if not chunk:
                return
            request += chunk
        headers = dict(line.split(": ", 1) for line in request.decode().split("\r\n")[1:] if ": " in line)
        accept = base64.b64encode(
            hashlib.sha1((headers["Sec-WebSocket-Key"] + WEBSOCKET_GUID).encode()).digest()
        ).decode()
        connection.sendall(
            (
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Accept: {accept}\r\n\r\n"
            ).encode()
        )
        with self._changed:
            self._connection = connection
            self._changed.notify_all()
        self._send_frame(connection, 0x1, json.dumps({"type": "hello", "num_connections": 1}).encode())
        try:
            while True:
                opcode, payload = self._read_frame(connection)
                if opcode == 0x1:
                    with self._changed:
                        self.received.append(json.loads(payload))
                        self._changed.notify_all()
                elif opcode == 0x9 and self.answer_pings:
                    self._send_frame(connection, 0xA, payload)
                elif opcode == 0x8:
                    return
        except (OSError, ConnectionError):
            return

    @staticmethod
    def _read_exactly(connection: socket.socket, size: int) -> bytes:
        data = b""
        while len(data) < size:
            chunk = connection.recv(size - len(data))
            if not chunk:
                raise ConnectionError("closed")
            data += chunk
        return data

    def _read_frame(self, connection: socket.socket) -> tuple[int, bytes]:
        first, second = self._read_exactly(connection, 2)
        length = second & 0x7F
        if length == 126:
            (length,) = struct.unpack("!H", self._read_exactly(connection, 2))
        elif length == 127:
            (length,) = struct.unpack("!Q", self._read_exactly(connection, 8))
        mask = self._read_exactly(connection, 4) if second & 0x80 else b"\0\0\0\0"
        payload = bytes(b ^ mask[i % 4] for i, b in enumerate(self._read_exactly(connection, length)))
        return first & 0x0F, payload

    @staticmethod
    def _send_frame(connection: socket.socket, opcode: int, payload: bytes) -> None:
        header = bytes([0x80 | opcode])
        if len(payload) < 126:
            header += bytes([len(payload)])
        elif len(payload) < 65536:
            header += bytes([126]) + struct.pack("!H", len(payload))
        else:
            header += bytes([127]) + struct.pack("!Q", len(payload))
        connection.sendall(header + payload)


@pytest.fixture
def socket_mode_endpoint():
    endpoint = SocketModeEndpoint()
    yield endpoint
    endpoint.close()


def test_socket_mode_acknowledges_envelopes_and_answers(
    slack_api, socket_mode_endpoint, slack_guidance_template, knowledge_embedder, tmp_path, monkeypatch
):
    from bot.knowledge_base import open_knowledge_base

    monkeypatch.chdir(tmp_path)
    slack_api.responses["apps.connections.open"] = lambda args: {"ok": True, "url": socket_mode_endpoint.url}
    data_dir = tmp_path / "data"
    shutil.copytree(slack_guidance_template, data_dir)
    settings = load_settings(
        {
            "MHHS_DATA_DIR": str(data_dir),
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_APP_TOKEN": "xapp-test-token",
            "SLACK_API_URL": slack_api.api_url,
        }
    )
    service = SlackService(settings, open_knowledge_base(settings, embedder=knowledge_embedder)).start()
    try:
        assert service.mode == "socket" and service.server is None
        opened = slack_api.wait_for("apps.connections.open")[0]
        assert opened.headers["authorization"] == "Bearer xapp-test-token"

        ts = "1700004000.000001"
        event = {
            "type": "app_mention",
            "user": ASKER,
            "text": "<@UBOT0001> Whose signature is required on the final QAD?",
            "ts": ts,
            "channel": GENERAL_CHANNEL,
        }
        envelope = {
            "envelope_id": "env-event-1",
            "type": "events_api",
            "accepts_response_payload": False,
            "retry_attempt": 0,
            "payload": {
                "type": "event_callback",
                "event_id": "EvSOCKET1",
                "team_id": "T0000001",
                "event": event,
            },
        }
        socket_mode_endpoint.send(envelope)
        socket_mode_endpoint.wait_for_ack("env-event-1")
        post = slack_api.wait_for("chat.postMessage")[0].args
        assert post["thread_ts"] == ts and "Company Director" in blocks_text(post["blocks"])

        # the same event again (a reconnect redelivers it) is acknowledged, not answered again
        socket_mode_endpoint.send({**envelope, "envelope_id": "env-event-2", "retry_attempt": 1})
        socket_mode_endpoint.wait_for_ack("env-event-2")

        command = {
            "envelope_id": "env-command-1",
            "type": "slash_commands",
            "accepts_response_payload": True,
            "payload": {
                "command": "/mhhs",
                "text": "help",
                "user_id": ASKER,
                "channel_id": GENERAL_CHANNEL,
                "team_id": "T0000001",
                "response_url": slack_api.response_url("socket-help"),
            },
        }
        socket_mode_endpoint.send(command)
        socket_mode_endpoint.wait_for_ack("env-command-1")
        help_reply = slack_api.wait_for("response_url:socket-help")[0].args
        assert "`/mhhs <question>`" in help_reply["text"]
        assert wait_idle(service.app, 30), "the app was still working"
        assert len(slack_api.calls_to("chat.postMessage")) == 1
    finally:
        service.stop()

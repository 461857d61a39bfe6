"""The real outside ends of notification delivery for the tests: an SMTP server (aiosmtpd) and a local HTTP
endpoint standing for an SMS or WeChat provider, each recording what it received and able to fail."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller

from app.extensions import db
from app.notifications import delivery


class Mailbox:
    """aiosmtpd handler: keeps what it receives; refuses the first `refuse` messages with a 451."""

    def __init__(self):
        self.messages: list[EmailMessage] = []
        self.refuse = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        if self.refuse > 0:
            self.refuse -= 1
            return "451 Mailbox busy, try again later"
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def to(self) -> list[str]:
        """The To address of each message received, in order."""
        return [str(message["To"]) for message in self.messages]


@contextmanager
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    handler = Mailbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


class Gateway:
    """What a provider's endpoint received (bodies, headers, request paths with their query).

    It answers `success` (status, body), or `failure` to the first `fail` requests, after `delay` seconds.
    """

    def __init__(self):
        self.received: list[dict] = []
        self.headers: list[dict] = []
        self.paths: list[str] = []
        self.fail = 0
        self.delay = 0.0
        self.success: tuple[int, bytes] = (202, b"")
        self.failure: tuple[int, bytes] = (500, b"")
        self.lock = threading.Lock()
        self.url = ""


@contextmanager
def http_endpoint(path: str) -> Iterator[Gateway]:
    state = Gateway()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's hook name)
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            time.sleep(state.delay)
            with state.lock:
                failing = state.fail > 0
                state.fail -= 1 if failing else 0
                if not failing:
                    state.received.append(body)
                    state.headers.append(dict(self.headers))
                    state.paths.append(self.path)
            status, answer = state.failure if failing else state.success
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    # shutdown() waits for the serving loop to look again: every 50 ms rather than the default half second
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_port}{path}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def deliver(app, **kwargs) -> delivery.Pass:
    """One pass of the worker's delivery of the outbox, as the worker runs it."""
    with app.app_context():
        result = delivery.deliver_due(**kwargs)
        db.session.remove()
    return result

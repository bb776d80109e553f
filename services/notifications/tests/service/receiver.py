"""A local webhook receiver (a real HTTP server on loopback) for the tests."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Receiver:
    """What the receiver got, and what it answers (``status``)."""

    port: int = 0
    status: int = 200
    reply: bytes = b"ok"
    got: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)
    server: Any = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def start() -> Receiver:
    """A receiver on a free loopback port, serving in a thread."""
    receiver = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            receiver.got.append((self.path, {k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(receiver.status)
            self.send_header("Content-Length", str(len(receiver.reply)))
            self.end_headers()
            self.wfile.write(receiver.reply)

    receiver.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.port = receiver.server.server_address[1]
    threading.Thread(target=receiver.server.serve_forever, daemon=True).start()
    return receiver

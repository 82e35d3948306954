"""A tiny HTTP/1.1 server on 127.0.0.1 for tests that go through real sockets.

`LocalServer` listens on an ephemeral port of the loopback address, in a background thread,
and answers each request with the handler routed for its method and path. A handler gets
the request as it arrived (`Seen`) and returns a `Reply`, which can also misbehave: answer
late, send only part of its body, or hang up without answering. Every request is recorded
in ``server.requests``. Use it as a context manager; leaving it stops the server, wakes
sleeping handlers and closes every open connection, so nothing outlives the test.
"""

from __future__ import annotations

import contextlib
import json
import socket
import socketserver
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from email.message import Message
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qsl, urlsplit

HOST = "127.0.0.1"


@dataclass(frozen=True)
class Seen:
    """One request as the server received it."""

    method: str
    target: str  # the request-target as sent: path and query string
    headers: Message
    body: bytes
    peer: tuple[str, int]  # the client's address: one per connection

    @property
    def path(self) -> str:
        return urlsplit(self.target).path

    @property
    def query(self) -> dict[str, str]:
        return dict(parse_qsl(urlsplit(self.target).query, keep_blank_values=True))

    @property
    def cookies(self) -> dict[str, str]:
        jar = SimpleCookie(self.headers.get("Cookie", ""))
        return {name: morsel.value for name, morsel in jar.items()}

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Reply:
    """What to answer; ``body`` is JSON unless it is ``str`` or ``bytes``."""

    status: int = 200
    body: Any = None
    content_type: str = "application/json"
    headers: Sequence[tuple[str, str]] = ()
    delay: float = 0.0  # seconds to wait before answering
    cut_after: int | None = None  # send only this many body bytes, then close the socket
    hang_up: bool = False  # close the socket without answering at all
    close: bool = False  # close the socket after answering, without a "Connection: close"

    def payload(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode()
        return b"" if self.body is None else json.dumps(self.body).encode()


Handler = Callable[[Seen], Reply]


def not_found(seen: Seen) -> Reply:
    return Reply(404, {"detail": "Not found."})


@dataclass
class LocalServer:
    """An HTTP server on ``127.0.0.1:<free port>``; ``routes[(method, path)] = handler``."""

    routes: dict[tuple[str, str], Handler] = field(default_factory=dict)
    requests: list[Seen] = field(default_factory=list)
    replies: list[Reply] = field(default_factory=list)  # what each request was answered
    errors: list[BaseException] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._stopping = threading.Event()
        self._httpd = _HTTPServer(self)
        # A short poll interval: shutdown() waits for the accept loop to notice.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self._httpd.server_address[1]}/"

    def route(self, method: str, path: str, handler: Handler) -> None:
        self.routes[(method, path)] = handler

    def wait_idle(self, timeout: float = 1.0) -> bool:
        """Wait until the server holds no connection open; return whether it got there."""
        deadline = time.monotonic() + timeout
        while self._httpd.connections and time.monotonic() < deadline:
            time.sleep(0.005)
        return not self._httpd.connections

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stopping.set()  # wake handlers waiting out a delay
        self._httpd.shutdown()  # stop accepting
        for conn in list(self._httpd.connections):  # unblock handlers reading a kept-alive socket
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        self._httpd.server_close()  # close the listening socket, join the handler threads
        self._thread.join(timeout=5)

    def _answer(self, seen: Seen) -> Reply:
        self.requests.append(seen)
        reply = self.routes.get((seen.method, seen.path), not_found)(seen)
        self.replies.append(reply)
        return reply


class _HTTPServer(ThreadingHTTPServer):
    def __init__(self, owner: LocalServer) -> None:
        self.owner = owner
        self.connections: set[socket.socket] = set()
        super().__init__((HOST, 0), _RequestHandler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves a host name; the loopback address is all we need.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = HOST, self.server_address[1]

    def process_request(self, request: Any, client_address: Any) -> None:
        self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        self.connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up (timeout) makes our late write fail: expected. Anything else
        # is a bug in a test handler, reported by the test that owns the server.
        error = sys.exc_info()[1]
        if error is not None and not isinstance(error, OSError):
            self.owner.errors.append(error)


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as a real server does
    timeout = 5  # backstop: no handler thread blocks on a socket for longer
    disable_nagle_algorithm = True  # headers and body leave at once, not 40 ms apart
    server: _HTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        seen = Seen(
            self.command, self.path, self.headers, self.rfile.read(length), self.client_address
        )
        owner = self.server.owner
        reply = owner._answer(seen)
        if reply.delay and owner._stopping.wait(reply.delay):
            self.close_connection = True
            return
        if reply.hang_up:
            self.close_connection = True
            return
        body = reply.payload()
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in reply.headers:
            self.send_header(name, value)
        self.end_headers()
        if reply.cut_after is not None:
            body = body[: reply.cut_after]
        self.wfile.write(body)
        if reply.close or reply.cut_after is not None:
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

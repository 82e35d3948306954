"""The fake over real HTTP, with the standard library's threading server."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

import httpx

from ._faults import ERROR_PAGE, HTML

if TYPE_CHECKING:
    from ._fake import FakeKeystone

__all__ = ["make_server", "serve_in_thread"]


def make_server(
    fake: FakeKeystone, host: str = "127.0.0.1", port: int = 8000
) -> ThreadingHTTPServer:
    """Build (bind, not start) an HTTP server answering from ``fake``; port 0 picks a free one."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "FakeKeystone"

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            content = self.rfile.read(length) if length else b""
            try:
                status, headers, body = fake.serve(
                    self.command, self.path, httpx.Headers(list(self.headers.items())), content
                )
            except httpx.TransportError:
                # An injected connection error or timeout: hang up without an answer.
                self.close_connection = True
                return
            except Exception:
                status, headers = 500, [("Content-Type", HTML)]
                body = ERROR_PAGE.encode()
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve

        def log_message(self, format: str, *args: Any) -> None:
            """Stay quiet; the fake keeps its own request log."""

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    return server


def serve_in_thread(fake: FakeKeystone, port: int = 0) -> tuple[str, ThreadingHTTPServer]:
    """Serve ``fake`` on 127.0.0.1 in a daemon thread; return its URL and the server.

    Stop it with ``server.shutdown(); server.server_close()``.
    """
    server = make_server(fake, "127.0.0.1", port)
    thread = threading.Thread(target=server.serve_forever, name="fake-keystone", daemon=True)
    thread.start()
    return f"http://127.0.0.1:{server.server_address[1]}", server

"""The fake's HTTP server (``testing/_http.py``) at the level of the wire: its Server header,
bodies with and without a length, HEAD on a kept-alive connection, an injected hang-up, a
crash in the fake, and a prompt shutdown while a client still holds a connection."""

from __future__ import annotations

import inspect
import socket
import threading
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest

from keystone_client.testing import FakeKeystone, serve_in_thread
from keystone_client.testing._faults import ERROR_PAGE
from keystone_client.testing._http import make_server


@pytest.fixture
def fake() -> FakeKeystone:
    return FakeKeystone()


@pytest.fixture
def url(fake: FakeKeystone) -> Iterator[str]:
    address, server = serve_in_thread(fake)
    yield address
    server.shutdown()
    server.server_close()


def test_the_defaults_are_the_loopback_address_and_port_8000() -> None:
    parameters = inspect.signature(make_server).parameters
    assert (parameters["host"].default, parameters["port"].default) == ("127.0.0.1", 8000)
    assert inspect.signature(serve_in_thread).parameters["port"].default == 0


def test_serve_in_thread_picks_a_free_port_and_names_its_thread(
    url: str,
) -> None:
    parts = urlsplit(url)
    assert parts.hostname == "127.0.0.1"
    assert parts.port not in (None, 0, 1, 8000)
    # A daemon thread: a test run that forgets to stop the server still exits.
    assert [t.daemon for t in threading.enumerate() if t.name == "fake-keystone"] == [True]
    assert httpx.get(f"{url}/version/").status_code == 200


def test_the_server_listens_on_the_loopback_address_by_default(fake: FakeKeystone) -> None:
    server = make_server(fake, port=0)
    try:
        assert server.server_address[0] == "127.0.0.1"
    finally:
        server.server_close()


def test_the_server_names_itself(url: str) -> None:
    assert httpx.get(f"{url}/version/").headers["server"].startswith("FakeKeystone ")


def test_a_post_without_a_body_is_an_empty_body(url: str, fake: FakeKeystone) -> None:
    headers = {"Authorization": f"Token {fake.token}", "Content-Type": "application/json"}
    answer = httpx.post(f"{url}/research/grants/", headers=headers)
    assert answer.status_code == 400
    assert "JSON parse error" not in answer.text
    assert answer.json()["title"] == ["This field is required."]


def test_head_answers_without_a_body_on_a_kept_alive_connection(url: str) -> None:
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname or "", parts.port or 0), timeout=10) as sock:
        # Two requests on one connection: a body after the HEAD answer would come before
        # the second answer's status line.
        sock.sendall(
            b"HEAD /version/ HTTP/1.1\r\nHost: x\r\n\r\n"
            b"GET /version/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        )
        received = b""
        while chunk := sock.recv(4096):
            received += chunk
    head, _, rest = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 ")
    assert b"Content-Length: 5" in head  # the length of the GET body, as HEAD promises
    assert rest.startswith(b"HTTP/1.1 200 ")
    assert rest.endswith(b"\r\n\r\n" + httpx.get(f"{url}/version/").content)


def test_an_injected_disconnect_hangs_up_at_once(url: str, fake: FakeKeystone) -> None:
    fake.disconnect("GET", "version")
    with pytest.raises(httpx.RemoteProtocolError):
        # Kept open, the connection would wait out the timeout: a ReadTimeout instead.
        httpx.get(f"{url}/version/", timeout=5)


def test_a_crash_in_the_fake_is_the_servers_html_error_page(
    url: str, fake: FakeKeystone, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(*args: object) -> None:
        raise RuntimeError("a bug in a view")

    monkeypatch.setattr(fake, "serve", crash)
    answer = httpx.get(f"{url}/version/")
    assert answer.status_code == 500
    assert answer.headers["content-type"] == "text/html; charset=utf-8"
    assert answer.text == ERROR_PAGE
    assert answer.headers["content-length"] == str(len(ERROR_PAGE.encode()))


def test_closing_the_server_does_not_wait_for_an_idle_client(fake: FakeKeystone) -> None:
    url, server = serve_in_thread(fake)
    parts = urlsplit(url)
    held = socket.create_connection((parts.hostname or "", parts.port or 0))
    try:
        held.sendall(b"GET /version/ HTTP/1.1\r\nHost: x\r\n\r\n")
        assert held.recv(4096).startswith(b"HTTP/1.1 200")  # served; the connection stays open
        closed = threading.Event()

        def close() -> None:
            server.shutdown()
            server.server_close()
            closed.set()

        threading.Thread(target=close, daemon=True).start()
        assert closed.wait(timeout=10), "server_close waited for the client's connection"
    finally:
        held.close()


def test_the_server_binds_127_0_0_1_port_8000_by_default(monkeypatch):
    # Called, not read from the signature: under mutation testing a wrapper's signature
    # shows the original defaults.
    bound = []

    class Recording:
        def __init__(self, address, handler):
            bound.append(address)

    monkeypatch.setattr("keystone_client.testing._http.ThreadingHTTPServer", Recording)
    make_server(FakeKeystone())
    make_server(FakeKeystone(), port=0)
    assert bound == [("127.0.0.1", 8000), ("127.0.0.1", 0)]

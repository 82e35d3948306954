"""Deployment options: a site's own CA (TLS), extra headers, and the listing concurrency."""

from __future__ import annotations

import datetime as dt
import http.server
import ipaddress
import json
import ssl
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from keystone_client import (
    APIConnectionError,
    AsyncKeystoneClient,
    ConfigurationError,
    KeystoneClient,
    KeystoneSettings,
)
from keystone_client.testing import FakeKeystone

from .conftest import BASE, Runner
from .factories import session_cookies, user

USER_1 = BASE + "users/users/1/"
LOGIN = BASE + "authentication/login/"

# -- TLS with a site's own CA ----------------------------------------------------------------------


def _make_ca_and_server_cert(directory: Path) -> tuple[Path, Path, Path]:
    """Write a CA certificate, and a server certificate for 127.0.0.1 signed by it."""
    x509 = pytest.importorskip("cryptography.x509")
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Keystone Test CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    ca_file, cert_file, key_file = (
        directory / "ca.pem",
        directory / "cert.pem",
        directory / "key.pem",
    )
    ca_file.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return ca_file, cert_file, key_file


class _VersionHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b'"9.9.9"'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """An HTTPS server on 127.0.0.1 whose certificate only the returned CA file vouches for."""
    ca_file, cert_file, key_file = _make_ca_and_server_cert(tmp_path_factory.mktemp("tls"))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _VersionHandler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}", ca_file
    finally:
        server.shutdown()
        server.server_close()


def _tls_client(run: Runner, **kwargs: Any) -> Any:
    cls = AsyncKeystoneClient if run.is_async else KeystoneClient
    return cls(max_retries=0, timeout=5, **kwargs)


def _version(run: Runner, client: Any) -> str:
    try:
        return str(run(client.version()))
    finally:
        run(client.close())


@pytest.mark.parametrize("how", ["ca_bundle", "verify_ssl", "environment"])
def test_a_site_ca_verifies_the_server(
    how: str,
    tls_server: tuple[str, Path],
    run: Runner,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, ca_file = tls_server
    if how == "environment":
        monkeypatch.setenv("KEYSTONE_CA_BUNDLE", str(ca_file))
        client = _tls_client(run, url=url)
    else:
        client = _tls_client(run, url=url, **{how: ca_file})

    assert _version(run, client) == "9.9.9"


def test_without_the_site_ca_verification_fails(tls_server: tuple[str, Path], run: Runner) -> None:
    url, _ = tls_server
    client = _tls_client(run, url=url)

    with pytest.raises(APIConnectionError, match="CERTIFICATE_VERIFY_FAILED"):
        _version(run, client)


def test_verify_ssl_false_skips_verification(tls_server: tuple[str, Path], run: Runner) -> None:
    url, ca_file = tls_server

    assert _version(run, _tls_client(run, url=url, verify_ssl=False)) == "9.9.9"
    # verify_ssl=False wins over a configured CA file.
    assert _version(run, _tls_client(run, url=url, verify_ssl=False, ca_bundle=ca_file)) == "9.9.9"


@pytest.mark.parametrize("variable", ["CA_BUNDLE", "VERIFY_SSL"])
def test_a_missing_ca_file_names_the_variable(
    variable: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(f"KEYSTONE_{variable}", str(tmp_path / "absent.pem"))

    with pytest.raises(ConfigurationError, match=f"KEYSTONE_{variable}.*absent.pem"):
        KeystoneClient(url=BASE)


@pytest.mark.parametrize("argument", ["ca_bundle", "verify_ssl"])
def test_a_missing_ca_file_argument_names_it(argument: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match=f"{argument}= argument"):
        KeystoneClient(url=BASE, **{argument: str(tmp_path / "absent.pem")})


@pytest.mark.parametrize("argument", ["ca_bundle", "verify_ssl"])
def test_a_file_that_is_no_certificate_names_the_variable(argument: str, tmp_path: Path) -> None:
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate\n")

    with pytest.raises(ConfigurationError, match=f"KEYSTONE_{argument.upper()}.*junk.pem"):
        KeystoneClient(url=BASE, **{argument: junk})


@pytest.mark.parametrize(
    ("text", "expected"),
    [("true", True), ("1", True), ("yes", True), ("false", False), ("0", False), ("off", False)],
)
def test_verify_ssl_words_stay_booleans(
    text: str, expected: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KEYSTONE_VERIFY_SSL", text)

    assert KeystoneSettings(url=BASE).verify_ssl is expected


def test_verify_ssl_path_is_kept_as_a_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text("x")
    monkeypatch.setenv("KEYSTONE_VERIFY_SSL", str(ca))

    assert KeystoneSettings(url=BASE).verify_ssl == str(ca)


# -- extra headers ---------------------------------------------------------------------------------


def test_extra_headers_sent_with_every_request(
    run: Runner, make_client: Callable[..., Any], api: respx.MockRouter
) -> None:
    login = api.post(LOGIN).mock(
        return_value=httpx.Response(200, json=user(1), headers=session_cookies())
    )
    get = api.get(USER_1).mock(return_value=httpx.Response(200, json=user(1)))
    patch = api.patch(USER_1).mock(return_value=httpx.Response(200, json=user(1)))
    raw = api.get(BASE + "version/").mock(return_value=httpx.Response(200, json="1"))
    client = make_client(
        username="ada", password="pw", headers={"X-Gateway-Key": "gk-1", "X-Site": "a"}
    )

    run(client.resources.users.get(1))
    run(client.resources.users.update(1, first_name="A"))
    run(client.http_get("version"))

    for route in (login, get, patch, raw):
        sent = route.calls.last.request.headers
        assert sent["X-Gateway-Key"] == "gk-1"
        assert sent["X-Site"] == "a"
        assert sent["X-KEYSTONE-CID"] == client.cid
    assert patch.calls.last.request.headers["X-CSRFToken"] == "csrf-1"


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({}, {"X-Gateway-Key": "from-env"}),
        # An argument wins over the environment, for a dict setting too: nothing is merged.
        ({"headers": {"X-Site": "arg"}}, {"X-Site": "arg"}),
        (
            {"settings": KeystoneSettings(url=BASE, headers={"X-Site": "set"}, env_file=None)},
            {"X-Site": "set"},
        ),
    ],
    ids=["environment", "argument", "settings"],
)
def test_extra_headers_from_the_environment_unless_given(
    options: dict[str, Any],
    expected: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    run: Runner,
    make_client: Callable[..., Any],
    api: respx.MockRouter,
) -> None:
    monkeypatch.setenv("KEYSTONE_HEADERS", json.dumps({"X-Gateway-Key": "from-env"}))
    route = api.get(USER_1).mock(return_value=httpx.Response(200, json=user(1)))

    run(make_client(**options).resources.users.get(1))

    sent = route.calls.last.request.headers
    extra = {name: sent.get(name) for name in ("X-Gateway-Key", "X-Site")}
    assert extra == {"X-Gateway-Key": None, "X-Site": None, **expected}


def test_environment_headers_replace_the_env_files_whole(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    env_file = tmp_path / "site.env"
    env_file.write_text('KEYSTONE_HEADERS={"X-From-File": "1"}\n')
    assert KeystoneSettings(url=BASE, env_file=str(env_file)).headers == {"X-From-File": "1"}
    given = KeystoneSettings(url=BASE, env_file=str(env_file), headers={"X-Given": "3"})
    assert given.headers == {"X-Given": "3"}
    monkeypatch.setenv("KEYSTONE_HEADERS", json.dumps({"X-From-Env": "2"}))
    assert KeystoneSettings(url=BASE, env_file=str(env_file)).headers == {"X-From-Env": "2"}


def test_the_fakes_clients_send_no_environment_headers(
    monkeypatch: pytest.MonkeyPatch, run: Runner
) -> None:
    monkeypatch.setenv("KEYSTONE_HEADERS", json.dumps({"X-Gateway-Key": "from-env"}))
    fake = FakeKeystone()
    sent: list[httpx.Headers] = []
    handle = fake.handle

    def recording(request: httpx.Request) -> tuple[int, list[tuple[str, str]], bytes]:
        sent.append(request.headers)
        return handle(request)

    monkeypatch.setattr(fake, "handle", recording)
    client = fake.async_client() if run.is_async else fake.client()
    run(client.http_get("version/"))
    run(client.close())
    assert sent and all("x-gateway-key" not in headers for headers in sent)


def test_extra_headers_may_replace_user_agent_and_accept(
    run: Runner, make_client: Callable[..., Any], api: respx.MockRouter
) -> None:
    route = api.get(USER_1).mock(return_value=httpx.Response(200, json=user(1)))

    run(make_client(headers={"User-Agent": "site-tool/2"}).resources.users.get(1))

    sent = route.calls.last.request.headers
    assert sent["User-Agent"] == "site-tool/2"
    assert sent["Accept"] == "application/json"


@pytest.mark.parametrize(
    ("name", "other", "default"),
    [
        ("Accept", "User-Agent", "keystone-client/"),
        ("accept", "User-Agent", "keystone-client/"),
        ("ACCEPT", "User-Agent", "keystone-client/"),
        ("User-Agent", "Accept", "application/json"),
        ("user-agent", "Accept", "application/json"),
        ("USER-AGENT", "Accept", "application/json"),
    ],
)
def test_an_extra_header_replaces_the_default_whatever_its_casing(
    name: str,
    other: str,
    default: str,
    run: Runner,
    make_client: Callable[..., Any],
    api: respx.MockRouter,
) -> None:
    # Header names are case-insensitive: one value goes out, never the default beside it.
    route = api.get(USER_1).mock(return_value=httpx.Response(200, json=user(1)))

    run(make_client(headers={name: "site/2"}).resources.users.get(1))

    sent = route.calls.last.request.headers
    assert sent.get_list(name) == ["site/2"]
    assert len(sent.get_list(other)) == 1
    assert sent[other].startswith(default)


@pytest.mark.parametrize(
    "name",
    ["Authorization", "authorization", "Cookie", "X-CSRFToken", "X-KEYSTONE-CID", "Referer"],
)
def test_extra_headers_cannot_replace_the_clients_own(
    name: str, make_client: Callable[..., Any]
) -> None:
    with pytest.raises(ConfigurationError, match=f"KEYSTONE_HEADERS.*{name}"):
        make_client(headers={name: "x"})


@pytest.mark.parametrize(
    "headers", [{"Bad Name": "x"}, {"X-A": "x\r\nInjected: 1"}, {"": "x"}, {"X-A": 5}]
)
def test_bad_extra_headers_are_refused(
    headers: dict[str, Any], make_client: Callable[..., Any]
) -> None:
    with pytest.raises(ConfigurationError, match="KEYSTONE_HEADERS"):
        make_client(headers=headers)


def test_extra_header_values_not_in_repr(make_client: Callable[..., Any]) -> None:
    client = make_client(headers={"X-Gateway-Key": "gk-secret-5521"})

    assert "gk-secret-5521" not in repr(client._settings) + str(client._settings) + repr(client)


# -- concurrency ---------------------------------------------------------------------------------


def test_concurrency_defaults_to_adaptive(make_client: Callable[..., Any], run: Runner) -> None:
    client = make_client()

    assert client._settings.concurrency is None
    assert client.concurrency is None  # listing adapts between 1 and 8


@pytest.mark.parametrize("source", ["argument", "environment"])
def test_concurrency_fixed(
    source: str, monkeypatch: pytest.MonkeyPatch, make_client: Callable[..., Any]
) -> None:
    if source == "environment":
        monkeypatch.setenv("KEYSTONE_CONCURRENCY", "3")
        client = make_client()
    else:
        client = make_client(concurrency=3)

    assert client.concurrency == 3
    assert client._settings.concurrency == 3


@pytest.mark.parametrize("value", [0, -1, "many", 1.5])
def test_bad_concurrency_names_it(value: Any, make_client: Callable[..., Any]) -> None:
    with pytest.raises(ConfigurationError, match=r"concurrency= argument.*KEYSTONE_CONCURRENCY"):
        make_client(concurrency=value)


def test_bad_concurrency_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, make_client: Callable[..., Any]
) -> None:
    monkeypatch.setenv("KEYSTONE_CONCURRENCY", "0")

    with pytest.raises(ConfigurationError, match="KEYSTONE_CONCURRENCY"):
        make_client()


@pytest.mark.parametrize("value", ["notjson", "[1, 2]", '{"X-A": 1}'])
def test_bad_headers_variable_names_it(value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEYSTONE_HEADERS", value)

    with pytest.raises(ConfigurationError, match="KEYSTONE_HEADERS") as info:
        KeystoneClient(url=BASE)
    assert info.value.__cause__ is None

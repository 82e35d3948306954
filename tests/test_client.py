"""Client lifecycle, identity (``cid``), base URL and timeouts."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import respx

from keystone_client import AsyncKeystoneClient, KeystoneClient

from .conftest import BASE, Runner
from .factories import user

FULL_15 = {"connect": 15.0, "read": 15.0, "write": 15.0, "pool": 15.0}


def every(seconds: float) -> dict[str, float]:
    return {"connect": seconds, "read": seconds, "write": seconds, "pool": seconds}


def client_class(run: Runner) -> type[Any]:
    return AsyncKeystoneClient if run.is_async else KeystoneClient


# -- lifecycle -------------------------------------------------------------------------------


def test_context_manager_closes_the_pool(run: Runner, api: respx.MockRouter) -> None:
    route = api.get(BASE + "version/").mock(return_value=httpx.Response(200, text="1.0"))
    cls = client_class(run)

    if run.is_async:

        async def use() -> Any:
            async with cls(url=BASE) as client:
                assert not client.is_closed
                assert await client.version() == "1.0"
            return client

        client = run(use())
    else:
        with cls(url=BASE) as client:
            assert not client.is_closed
            assert client.version() == "1.0"

    assert client.is_closed
    assert client._http.is_closed
    assert route.call_count == 1


def test_context_manager_closes_on_error(run: Runner) -> None:
    client = client_class(run)(url=BASE)

    if run.is_async:

        async def use() -> None:
            async with client:
                raise KeyError("inside")

        with pytest.raises(KeyError):
            run(use())
    else:
        with pytest.raises(KeyError), client:
            raise KeyError("inside")
    assert client.is_closed


def test_context_manager_returns_the_client(run: Runner) -> None:
    cls = client_class(run)
    client = cls(url=BASE)
    if run.is_async:

        async def enter() -> Any:
            async with client as entered:
                return entered

        assert run(enter()) is client
    else:
        with client as entered:
            assert entered is client
    assert client.is_closed


def test_manual_close(run: Runner, api: respx.MockRouter) -> None:
    api.get(BASE + "version/").mock(return_value=httpx.Response(200, text="1.0"))
    client = client_class(run)(url=BASE)
    assert run(client.version()) == "1.0"
    assert not client.is_closed

    run(client.close())

    assert client.is_closed
    with pytest.raises(RuntimeError):
        run(client.version())


def test_close_twice_is_harmless(client: Any, run: Runner) -> None:
    run(client.close())
    run(client.close())
    assert client.is_closed


# -- url, base_url ---------------------------------------------------------------------------


def test_url_keyword_and_base_url(make_client: Callable[..., Any]) -> None:
    client = make_client(url="https://hpc.example.org:8443/keystone")

    assert client.base_url == "https://hpc.example.org:8443/keystone/"


def test_requests_go_to_base_url(
    run: Runner, make_client: Callable[..., Any], api: respx.MockRouter
) -> None:
    route = api.get("https://hpc.example.org/keystone/users/users/3/").mock(
        return_value=httpx.Response(200, json=user(3))
    )
    client = make_client(url="https://hpc.example.org/keystone")

    found = run(client.resources.users.get(3))

    assert found.id == 3
    assert route.call_count == 1


# -- cid -------------------------------------------------------------------------------------


def test_cid_is_a_uuid_string(client: Any) -> None:
    assert isinstance(client.cid, str)
    assert str(uuid.UUID(client.cid)) == client.cid
    assert client.cid == client.cid  # stable for the client


def test_cid_differs_per_client(make_client: Callable[..., Any]) -> None:
    cids = {make_client().cid for _ in range(5)}

    assert len(cids) == 5


def test_cid_sent_with_every_request(
    run: Runner, make_client: Callable[..., Any], api: respx.MockRouter
) -> None:
    client = make_client(username="ada", password="pw")
    other = make_client()
    api.post(BASE + "authentication/login/").mock(return_value=httpx.Response(200, json=user(1)))
    api.get(BASE + "users/users/1/").mock(return_value=httpx.Response(200, json=user(1)))
    api.get(BASE + "version/").mock(return_value=httpx.Response(200, text="1.0"))
    api.post(BASE + "raw/").mock(return_value=httpx.Response(201, json={}))
    api.delete(BASE + "raw/1/").mock(return_value=httpx.Response(204))
    api.get(BASE + "authentication/whoami/").mock(return_value=httpx.Response(200, json=user(1)))

    run(client.resources.users.get(1))
    run(client.version())
    run(client.http_post("raw", json={"a": 1}))
    run(client.http_delete("raw/1"))
    run(client.whoami())
    run(other.version())

    requests = [call.request for call in api.calls]
    assert [r.url.path for r in requests] == [
        "/authentication/login/",
        "/users/users/1/",
        "/version/",
        "/raw/",
        "/raw/1/",
        "/authentication/whoami/",
        "/version/",
    ]
    assert [r.headers["X-KEYSTONE-CID"] for r in requests[:-1]] == [client.cid] * 6
    assert requests[-1].headers["X-KEYSTONE-CID"] == other.cid
    assert other.cid != client.cid


# -- timeouts --------------------------------------------------------------------------------


def test_default_timeout_on_every_request(client: Any, run: Runner, api: respx.MockRouter) -> None:
    api.get(BASE + "users/users/1/").mock(return_value=httpx.Response(200, json=user(1)))
    api.get(BASE + "version/").mock(return_value=httpx.Response(200, text="1.0"))
    api.route(path="/raw/").mock(return_value=httpx.Response(200, json={}))

    run(client.resources.users.get(1))
    run(client.version())
    run(client.http_get("raw"))
    run(client.http_post("raw"))
    run(client.http_put("raw"))
    run(client.http_patch("raw"))
    run(client.http_delete("raw"))

    assert api.calls.call_count == 7
    for call in api.calls:
        assert call.request.extensions["timeout"] == FULL_15


def test_configured_timeout(
    run: Runner, make_client: Callable[..., Any], api: respx.MockRouter
) -> None:
    client = make_client(timeout=2.5)
    route = api.get(BASE + "users/users/1/").mock(return_value=httpx.Response(200, json=user(1)))

    run(client.resources.users.get(1))

    assert client.timeout == 2.5
    assert route.calls.last.request.extensions["timeout"] == every(2.5)


@pytest.mark.parametrize("verb", ["get", "post", "put", "patch", "delete"])
def test_per_call_timeout_overrides(
    verb: str, run: Runner, make_client: Callable[..., Any], api: respx.MockRouter
) -> None:
    client = make_client(timeout=30)
    route = api.route(path="/raw/").mock(return_value=httpx.Response(200, json={}))

    run(getattr(client, f"http_{verb}")("raw", timeout=1.5))
    run(getattr(client, f"http_{verb}")("raw"))

    first, second = (call.request for call in route.calls)
    assert first.method == verb.upper()
    assert first.extensions["timeout"] == every(1.5)
    assert second.extensions["timeout"] == every(30.0)


def test_user_agent_and_accept(client: Any, run: Runner, api: respx.MockRouter) -> None:
    route = api.get(BASE + "raw/").mock(return_value=httpx.Response(200, json={}))

    run(client.http_get("raw"))

    request = route.calls.last.request
    assert request.headers["Accept"] == "application/json"
    assert request.headers["User-Agent"].startswith("keystone-client/")


def test_verify_ssl_false_accepted(make_client: Callable[..., Any]) -> None:
    client = make_client(url="https://keystone.test", verify_ssl=False)

    assert client.base_url == "https://keystone.test/"
    assert client._settings.verify_ssl is False


def test_repr_shows_url_and_auth_kind(make_client: Callable[..., Any]) -> None:
    anonymous = make_client()
    session = make_client(username="ada", password="pw-hidden")
    token = make_client(token="tk-hidden")

    assert BASE in repr(anonymous)
    assert "anonymous" in repr(anonymous)
    assert "session" in repr(session)
    assert "ada" in repr(session)
    assert "token" in repr(token)
    assert "pw-hidden" not in repr(session)
    assert "tk-hidden" not in repr(token)


def test_transport_argument_is_used(run: Runner) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, text="9.9")

    transport = httpx.MockTransport(handler)
    client = client_class(run)(url="http://mock.test", transport=transport)
    try:
        assert run(client.version()) == "9.9"
    finally:
        run(client.close())

    assert [str(r.url) for r in seen] == ["http://mock.test/version/"]


def test_unknown_constructor_keyword_is_rejected(run) -> None:
    from keystone_client import AsyncKeystoneClient, KeystoneClient

    cls = AsyncKeystoneClient if run.is_async else KeystoneClient
    with pytest.raises(TypeError, match="unexpected keyword argument 'urll'"):
        cls(urll="http://keystone.test")  # type: ignore[call-arg]

"""``keystone_client.testing`` itself: its public names load on first use from their modules,
and its transport serves a request handed to it directly, sync and async."""

from __future__ import annotations

from importlib import import_module

import httpx
import pytest

from keystone_client import testing
from keystone_client.testing import FakeKeystone, FakeTransport

HOMES = {
    "FakeKeystone": "_fake",
    "FakeKeystoneError": "_fake",
    "FakeRequest": "_serving",
    "FakeTransport": "_transport",
    "Fault": "_faults",
    "serve_in_thread": "_http",
}


def test_the_public_names_are_those_listed() -> None:
    assert sorted(testing.__all__) == sorted(HOMES)


@pytest.mark.parametrize(("name", "home"), sorted(HOMES.items()))
def test_a_public_name_loads_from_its_module_once(
    name: str, home: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Forget the cached name, so that this read goes through the module's loader.
    monkeypatch.delitem(vars(testing), name, raising=False)
    value = getattr(testing, name)
    assert value is getattr(import_module(f"keystone_client.testing.{home}"), name)
    assert vars(testing)[name] is value  # cached: the next read costs nothing


def test_an_unknown_name_is_an_attribute_error_naming_it() -> None:
    with pytest.raises(AttributeError) as caught:
        testing.NoSuchThing  # noqa: B018
    assert str(caught.value) == "module 'keystone_client.testing' has no attribute 'NoSuchThing'"
    assert "NoSuchThing" not in vars(testing)


def test_the_transport_answers_a_request_handed_to_it() -> None:
    fake = FakeKeystone()
    request = httpx.Request("GET", f"{fake.url}/version/")
    response = FakeTransport(fake).handle_request(request)
    assert response.request is request
    response.read()
    response.raise_for_status()  # needs the request: a response without one cannot say
    assert response.status_code == 200


async def test_the_transport_answers_an_async_request_handed_to_it() -> None:
    fake = FakeKeystone()
    request = httpx.Request("GET", f"{fake.url}/version/")
    response = await FakeTransport(fake).handle_async_request(request)
    assert response.request is request
    await response.aread()
    response.raise_for_status()
    assert response.status_code == 200

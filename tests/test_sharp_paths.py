"""Endpoint paths: relative to the base URL, one trailing slash, the query kept, no other host."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import respx

from .conftest import BASE, Runner

# The one private import of this file: the normalizer every endpoint goes through.
from keystone_client._paths import normalize_endpoint  # isort: skip


@pytest.mark.parametrize(
    ("endpoint", "normalized"),
    [
        ("users/users", "users/users/"),
        ("/users/users/", "users/users/"),
        ("users/users//", "users/users/"),
        ("  users/users  ", "users/users/"),
        ("users/users?x=1", "users/users/?x=1"),
        ("/users/users/?x=1&next=a/b?c", "users/users/?x=1&next=a/b?c"),
        ("Xray", "Xray/"),
        ("Xray/X", "Xray/X/"),
        ("", ""),
        ("/", ""),
        ("?x=1", "?x=1"),
        ("users?", "users/?"),
    ],
)
def test_normalize_endpoint(endpoint: str, normalized: str) -> None:
    assert normalize_endpoint(endpoint) == normalized


@pytest.mark.parametrize(
    "endpoint", ["http://other.test/users/", "https://other.test", "//other.test/users/"]
)
def test_an_absolute_url_is_refused(endpoint: str) -> None:
    with pytest.raises(ValueError) as raised:
        normalize_endpoint(endpoint)
    assert str(raised.value) == (
        "endpoint must be a path relative to the client's base_url, not a URL"
    )


@pytest.mark.parametrize(
    ("endpoint", "sent"),
    [
        ("raw", BASE + "raw/"),
        ("/raw/", BASE + "raw/"),
        ("raw?page=2", BASE + "raw/?page=2"),
        ("", BASE),
    ],
)
def test_the_request_goes_to_the_normalized_path(
    endpoint: str, sent: str, client: Any, run: Runner, api: respx.MockRouter
) -> None:
    api.get(url__startswith=BASE).mock(return_value=httpx.Response(200, json={}))

    run(client.http_get(endpoint))

    (call,) = api.calls
    assert str(call.request.url) == sent


def test_a_request_to_another_host_is_not_sent(
    client: Any, run: Runner, api: respx.MockRouter
) -> None:
    with pytest.raises(ValueError, match="relative to the client's base_url"):
        run(client.http_get("http://other.test/raw/"))

    assert len(api.calls) == 0

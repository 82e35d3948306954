from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from keystone_client.testing import FakeKeystone


@pytest.fixture
def fake() -> FakeKeystone:
    return FakeKeystone(seed="demo")


@pytest.fixture
def on(fake: FakeKeystone, make_client: Callable[..., Any]) -> Callable[..., Any]:
    """A client of the current mode mounted on ``fake``, as its staff user or another."""

    def build(username: str | None = None, **options: Any) -> Any:
        if "token" not in options:
            options.update(fake.credentials(username))
        return make_client(url=fake.url, transport=fake.transport(), **options)

    return build


@pytest.fixture
def raw(fake: FakeKeystone) -> Iterator[httpx.Client]:
    """Plain httpx on the fake, with the staff token: exactly what the server answers."""
    with httpx.Client(
        base_url=fake.url,
        transport=fake.transport(),
        headers={"Authorization": f"Token {fake.token}"},
    ) as client:
        yield client


@pytest.fixture
def signed_in(fake: FakeKeystone) -> Iterator[httpx.Client]:
    """Plain httpx on the fake, signed in as the staff user with a session (CSRF sent)."""
    with httpx.Client(base_url=fake.url, transport=fake.transport()) as client:
        answer = client.post("/authentication/login/", json=fake.credentials())
        assert answer.status_code == 200
        client.headers["X-CSRFToken"] = client.cookies["csrftoken"]
        yield client

"""Live tier: sessions and raw HTTP against a real Keystone server (read-only)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from keystone_client import AuthenticationError
from keystone_client.models import User

from ..conftest import Runner


def test_login_whoami_logout_round_trip(
    live: Any, run: Runner, live_settings: dict[str, str]
) -> None:
    user = run(live.login())

    assert isinstance(user, User)
    assert user.username == live_settings["username"]
    me = run(live.whoami())
    assert me is not None
    assert me.id == user.id

    run(live.logout())

    assert run(live.whoami()) is None
    run(live.logout())  # a second logout is silent


def test_wrong_password_raises_authentication_error(
    make_live_client: Callable[..., Any], run: Runner
) -> None:
    client = make_live_client(password="definitely-not-the-password-7c1e")

    with pytest.raises(AuthenticationError) as info:
        run(client.login())

    assert info.value.status_code == 400
    assert info.value.detail
    assert "definitely-not-the-password-7c1e" not in str(info.value)
    assert run(client.is_authenticated()) is False


def test_is_authenticated_before_and_after_logout(live: Any, run: Runner) -> None:
    assert run(live.is_authenticated()) is False  # nothing sent that needs a session yet

    run(live.login())
    assert run(live.is_authenticated()) is True

    run(live.logout())
    assert run(live.is_authenticated()) is False


def test_raw_get_version(live: Any, run: Runner) -> None:
    response = run(live.http_get("version"))

    assert response.status_code == 200
    assert response.text.strip()
    assert run(live.version()) == response.text.strip().strip('"')


def test_raw_get_users_with_limit(live: Any, run: Runner) -> None:
    response = run(live.http_get("users/users", params={"_limit": 1}))

    assert response.status_code == 200
    body = response.json()
    assert len(body["results"]) <= 1
    assert isinstance(body["count"], int)
    assert response.request.url.path.endswith("/users/users/")
    assert response.request.headers["X-KEYSTONE-CID"] == live.cid


def test_lazy_login_then_session_reused(live: Any, run: Runner) -> None:
    run(live.http_get("users/users", params={"_limit": 1}))  # logs in by itself

    assert run(live.is_authenticated()) is True

"""The fake's sessions and tokens as the server keeps them: logout ends the request's own
session only, and a deleted user's token or session no longer authenticates."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from keystone_client.testing import FakeKeystone

EXPIRED = 'sessionid=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/; SameSite=Lax'
NOT_AUTHENTICATED = {"detail": "Authentication credentials were not provided."}


@pytest.fixture
def clients(fake: FakeKeystone) -> Iterator[list[httpx.Client]]:
    made: list[httpx.Client] = []
    yield made
    for client in made:
        client.close()


def session(fake: FakeKeystone, clients: list[httpx.Client], username: str) -> httpx.Client:
    """A browser-like client logged in as ``username`` (cookies, CSRF header)."""
    client = httpx.Client(base_url=fake.url, transport=fake.transport())
    clients.append(client)
    answer = client.post("/authentication/login/", json=fake.credentials(username))
    assert answer.status_code == 200
    client.headers["X-CSRFToken"] = client.cookies["csrftoken"]
    return client


def staff(fake: FakeKeystone, clients: list[httpx.Client]) -> httpx.Client:
    client = httpx.Client(
        base_url=fake.url,
        transport=fake.transport(),
        headers={"Authorization": f"Token {fake.token}"},
    )
    clients.append(client)
    return client


def user_id(fake: FakeKeystone, clients: list[httpx.Client], username: str) -> int:
    found = staff(fake, clients).get("/users/users/", params={"username": username}).json()
    return int(found["results"][0]["id"])


def test_logout_ends_only_the_session_it_is_sent_with(
    fake: FakeKeystone, clients: list[httpx.Client]
) -> None:
    laptop = session(fake, clients, "ben")
    desktop = session(fake, clients, "ben")
    answer = laptop.post("/authentication/logout/")
    assert answer.status_code == 200
    assert answer.headers.get_list("set-cookie") == [EXPIRED]
    assert answer.content == b""
    laptop.cookies.set("sessionid", "")  # what the expired cookie does in a browser
    assert laptop.get("/authentication/whoami/").status_code == 401
    assert desktop.get("/authentication/whoami/").json()["username"] == "ben"


def test_a_session_that_was_logged_out_no_longer_authenticates(
    fake: FakeKeystone, clients: list[httpx.Client]
) -> None:
    client = session(fake, clients, "ben")
    kept = client.cookies["sessionid"]
    client.post("/authentication/logout/")
    # Replaying the old cookie: the server has forgotten the session.
    client.cookies.set("sessionid", kept)
    answer = client.get("/authentication/whoami/")
    assert (answer.status_code, answer.json()) == (401, NOT_AUTHENTICATED)


def test_logout_with_a_token_sets_no_cookie(
    fake: FakeKeystone, clients: list[httpx.Client]
) -> None:
    desktop = session(fake, clients, fake.username)
    answer = staff(fake, clients).post("/authentication/logout/")
    assert answer.status_code == 200
    assert "set-cookie" not in answer.headers
    assert desktop.get("/authentication/whoami/").status_code == 200  # no session ended


def test_the_token_of_a_deleted_user_is_invalid(
    fake: FakeKeystone, clients: list[httpx.Client]
) -> None:
    fake.add("users", username="nora")  # refers to nothing that protects a delete
    token = fake.token_for("nora")
    assert (
        staff(fake, clients).delete(f"/users/users/{user_id(fake, clients, 'nora')}/").status_code
        == 204
    )
    with httpx.Client(base_url=fake.url, transport=fake.transport()) as client:
        answer = client.get("/authentication/whoami/", headers={"Authorization": f"Token {token}"})
    assert (answer.status_code, answer.json()) == (401, {"detail": "Invalid token."})


def test_the_session_of_a_deleted_user_no_longer_authenticates(
    fake: FakeKeystone, clients: list[httpx.Client]
) -> None:
    fake.add("users", username="nora")  # refers to nothing that protects a delete
    nora = session(fake, clients, "nora")
    assert (
        staff(fake, clients).delete(f"/users/users/{user_id(fake, clients, 'nora')}/").status_code
        == 204
    )
    answer = nora.get("/authentication/whoami/")
    assert (answer.status_code, answer.json()) == (401, NOT_AUTHENTICATED)


def test_an_unknown_session_cookie_is_anonymous(
    fake: FakeKeystone, clients: list[httpx.Client]
) -> None:
    client = httpx.Client(base_url=fake.url, transport=fake.transport())
    clients.append(client)
    client.cookies.set("sessionid", "")
    assert client.get("/authentication/whoami/").json() == NOT_AUTHENTICATED


def test_login_sets_session_and_csrf_cookies_and_the_last_login(
    fake: FakeKeystone, clients: list[httpx.Client]
) -> None:
    client = session(fake, clients, "ben")
    for name in ("sessionid", "csrftoken"):
        value = client.cookies[name]
        assert len(value) == 32 and int(value, 16) >= 0, name
    assert client.cookies["sessionid"] != client.cookies["csrftoken"]
    me = client.get("/authentication/whoami/").json()
    assert me["last_login"] is not None and me["last_login"].startswith("20")


@pytest.mark.parametrize(
    "body",
    [["ben", "x"], {"username": "nobody", "password": "x"}, {"username": "ben", "password": "x"}],
    ids=["not-an-object", "unknown-user", "wrong-password"],
)
def test_a_refused_login_is_400(
    fake: FakeKeystone, clients: list[httpx.Client], body: object
) -> None:
    client = httpx.Client(base_url=fake.url, transport=fake.transport())
    clients.append(client)
    answer = client.post("/authentication/login/", json=body)
    assert answer.status_code == 400
    if isinstance(body, dict):
        assert answer.json() == {"non_field_errors": ["Invalid username or password."]}
    else:
        required = ["This field is required."]
        assert answer.json() == {"username": required, "password": required}


def test_an_inactive_user_cannot_log_in(fake: FakeKeystone, clients: list[httpx.Client]) -> None:
    admin = staff(fake, clients)
    ben = user_id(fake, clients, "ben")
    assert admin.patch(f"/users/users/{ben}/", json={"is_active": False}).status_code == 200
    client = httpx.Client(base_url=fake.url, transport=fake.transport())
    clients.append(client)
    answer = client.post("/authentication/login/", json=fake.credentials("ben"))
    assert (answer.status_code, answer.json()) == (
        400,
        {"non_field_errors": ["Invalid username or password."]},
    )


def test_logging_in_again_needs_no_csrf_token(
    fake: FakeKeystone, clients: list[httpx.Client]
) -> None:
    client = session(fake, clients, "ben")
    del client.headers["X-CSRFToken"]
    assert client.post("/authentication/login/", json=fake.credentials("ben")).status_code == 200


def test_a_session_write_with_a_wrong_csrf_token_is_refused(
    fake: FakeKeystone, clients: list[httpx.Client]
) -> None:
    client = session(fake, clients, "ben")
    client.headers["X-CSRFToken"] = "0" * 32
    answer = client.post("/authentication/logout/")
    assert answer.status_code == 403
    assert answer.json()["detail"].startswith("CSRF Failed")


def test_logout_with_a_token_and_a_stale_session_cookie_is_200(
    fake: FakeKeystone, clients: list[httpx.Client]
) -> None:
    client = staff(fake, clients)
    client.cookies.set("sessionid", "f" * 32)
    assert client.post("/authentication/logout/").status_code == 200

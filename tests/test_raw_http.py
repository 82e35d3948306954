"""Raw HTTP verbs: URL building, parameters, bodies, and responses returned as they came."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
import respx

from .conftest import BASE, Runner

VERBS = ["get", "post", "put", "patch", "delete"]
BODY_VERBS = ["post", "put", "patch"]


def call(client: Any, verb: str, *args: Any, **kwargs: Any) -> Any:
    return getattr(client, f"http_{verb}")(*args, **kwargs)


@pytest.mark.parametrize("verb", VERBS)
@pytest.mark.parametrize(
    ("endpoint", "path", "query"),
    [
        ("version", "/version/", b""),
        ("version/", "/version/", b""),
        ("/version", "/version/", b""),
        ("users/users/5", "/users/users/5/", b""),
        ("/users/users/5/", "/users/users/5/", b""),
        ("x?y=1", "/x/", b"y=1"),
        ("x/?y=1&z=a", "/x/", b"y=1&z=a"),
    ],
)
def test_url_relative_to_base_with_trailing_slash(
    verb: str,
    endpoint: str,
    path: str,
    query: bytes,
    client: Any,
    run: Runner,
    api: respx.MockRouter,
) -> None:
    route = api.route(method=verb.upper(), host="keystone.test", path=path).mock(
        return_value=httpx.Response(200, json={})
    )

    response = run(call(client, verb, endpoint))

    assert response.status_code == 200
    request = route.calls.last.request
    assert request.method == verb.upper()
    assert request.url.path == path
    assert request.url.query == query
    assert str(request.url).startswith(BASE)


@pytest.mark.parametrize("verb", VERBS)
def test_url_under_a_base_path(
    verb: str, run: Runner, make_client: Callable[..., Any], api: respx.MockRouter
) -> None:
    client = make_client(url="http://keystone.test/api/v2")
    route = api.route(method=verb.upper(), path="/api/v2/users/users/5/").mock(
        return_value=httpx.Response(200, json={})
    )

    run(call(client, verb, "/users/users/5"))

    assert route.call_count == 1


def test_get_params(client: Any, run: Runner, api: respx.MockRouter) -> None:
    route = api.get(BASE + "users/users/").mock(return_value=httpx.Response(200, json=[]))

    run(client.http_get("users/users", params={"_limit": 1, "username": "a b", "id__in": "1,2"}))

    url = route.calls.last.request.url
    assert url.path == "/users/users/"
    assert dict(url.params) == {"_limit": "1", "username": "a b", "id__in": "1,2"}


def test_get_params_added_to_query_in_endpoint(
    client: Any, run: Runner, api: respx.MockRouter
) -> None:
    route = api.get(BASE + "x/").mock(return_value=httpx.Response(200, json=[]))

    run(client.http_get("x?y=1", params={"z": "2"}))

    assert dict(route.calls.last.request.url.params) == {"y": "1", "z": "2"}


def test_get_has_no_body(client: Any, run: Runner, api: respx.MockRouter) -> None:
    route = api.get(BASE + "x/").mock(return_value=httpx.Response(200, json=[]))

    run(client.http_get("x"))

    request = route.calls.last.request
    assert request.content == b""
    assert "Content-Type" not in request.headers


@pytest.mark.parametrize("verb", BODY_VERBS)
def test_json_body_with_decimal_and_dates(
    verb: str, client: Any, run: Runner, api: respx.MockRouter
) -> None:
    route = api.route(method=verb.upper(), path="/research/grants/").mock(
        return_value=httpx.Response(201, json={"id": 1})
    )
    payload = {
        "title": "Grant",
        "amount": Decimal("1500.50"),
        "start_date": date(2026, 1, 2),
        "submitted": datetime(2026, 2, 3, 4, 5, 6, tzinfo=UTC),
        "team": 1,
        "tags": ["a", "b"],
        "note": None,
    }

    response = run(call(client, verb, "research/grants", json=payload))

    assert response.status_code == 201
    request = route.calls.last.request
    assert request.headers["Content-Type"] == "application/json"
    sent = json.loads(request.content)
    assert sent["title"] == "Grant"
    assert Decimal(sent["amount"]) == Decimal("1500.50")
    assert sent["start_date"] == "2026-01-02"
    assert datetime.fromisoformat(sent["submitted"].replace("Z", "+00:00")) == payload["submitted"]
    assert sent["team"] == 1
    assert sent["tags"] == ["a", "b"]
    assert sent["note"] is None


@pytest.mark.parametrize("verb", BODY_VERBS)
def test_json_list_and_empty_bodies(
    verb: str, client: Any, run: Runner, api: respx.MockRouter
) -> None:
    route = api.route(method=verb.upper(), path="/x/").mock(return_value=httpx.Response(200))

    run(call(client, verb, "x", json=[1, 2]))
    run(call(client, verb, "x", json={}))

    first, second = (c.request for c in route.calls)
    assert json.loads(first.content) == [1, 2]
    assert json.loads(second.content) == {}


@pytest.mark.parametrize("verb", BODY_VERBS)
def test_form_data(verb: str, client: Any, run: Runner, api: respx.MockRouter) -> None:
    route = api.route(method=verb.upper(), path="/x/").mock(return_value=httpx.Response(200))

    run(call(client, verb, "x", data={"title": "T & U", "team": "1"}))

    request = route.calls.last.request
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert request.content == b"title=T+%26+U&team=1"


@pytest.mark.parametrize("verb", BODY_VERBS)
def test_files_multipart(verb: str, client: Any, run: Runner, api: respx.MockRouter) -> None:
    route = api.route(method=verb.upper(), path="/allocations/attachments/").mock(
        return_value=httpx.Response(201, json={"id": 3})
    )

    run(
        call(
            client,
            verb,
            "allocations/attachments",
            data={"request": "7"},
            files={"file": ("report.pdf", b"%PDF-1.4 data", "application/pdf")},
        )
    )

    request = route.calls.last.request
    content_type = request.headers["Content-Type"]
    assert content_type.startswith("multipart/form-data; boundary=")
    content = request.content
    assert b'name="request"' in content
    assert b"\r\n\r\n7\r\n" in content
    assert b'name="file"; filename="report.pdf"' in content
    assert b"Content-Type: application/pdf" in content
    assert b"%PDF-1.4 data" in content


def test_delete_sends_no_body(client: Any, run: Runner, api: respx.MockRouter) -> None:
    route = api.delete(BASE + "research/grants/4/").mock(return_value=httpx.Response(204))

    response = run(client.http_delete("research/grants/4"))

    assert response.status_code == 204
    assert response.content == b""
    assert route.calls.last.request.content == b""


@pytest.mark.parametrize("verb", VERBS)
@pytest.mark.parametrize("status", [400, 401, 403, 404, 405, 409, 418, 500, 501])
def test_error_statuses_returned_untouched(
    verb: str, status: int, client: Any, run: Runner, api: respx.MockRouter
) -> None:
    body = {"detail": f"status {status}", "field": ["bad"]}
    route = api.route(method=verb.upper(), path="/x/").mock(
        return_value=httpx.Response(status, json=body, headers={"X-Server": "keystone"})
    )

    response = run(call(client, verb, "x"))

    assert isinstance(response, httpx.Response)
    assert response.status_code == status
    assert response.json() == body
    assert response.headers["X-Server"] == "keystone"
    assert route.call_count == 1  # none of these statuses is retried


def test_html_error_page_returned_untouched(
    client: Any, run: Runner, api: respx.MockRouter
) -> None:
    page = "<!doctype html><html><body>Not Found</body></html>"
    api.get(BASE + "logs/feed/9/").mock(
        return_value=httpx.Response(404, text=page, headers={"content-type": "text/html"})
    )

    response = run(client.http_get("logs/feed/9"))

    assert response.status_code == 404
    assert response.text == page


def test_success_response_returned_untouched(
    client: Any, run: Runner, api: respx.MockRouter
) -> None:
    api.get(BASE + "version/").mock(
        return_value=httpx.Response(200, text="0.0.0", headers={"content-type": "text/plain"})
    )

    response = run(client.http_get("version"))

    assert response.status_code == 200
    assert response.text == "0.0.0"
    assert response.headers["content-type"] == "text/plain"
    assert response.request.url == BASE + "version/"


@pytest.mark.parametrize(
    "endpoint", ["https://elsewhere.example/x", "http://keystone.test/version"]
)
def test_absolute_urls_are_refused_so_credentials_never_leave_for_another_host(
    make_client: Callable[..., Any], run: Runner, api: respx.MockRouter, endpoint: str
) -> None:
    client = make_client(token="tok-secret")
    with pytest.raises(ValueError, match="relative to the client's base_url"):
        run(client.http_get(endpoint))
    assert not api.calls

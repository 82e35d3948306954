"""Errors: status -> exception class, their attributes, and bodies that are not JSON."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import respx
from pydantic import ValidationError

import keystone_client
from keystone_client import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    BatchError,
    ConfigurationError,
    FieldError,
    FilterError,
    KeystoneError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
)
from keystone_client import errors as errors_module

from .conftest import BASE, Runner
from .factories import html_page, user

USER_5 = BASE + "users/users/5/"


def fail(run: Runner, action: Callable[[], Any]) -> APIError:
    with pytest.raises(APIError) as info:
        run(action())
    return info.value


# -- hierarchy ---------------------------------------------------------------------------------


def test_every_error_is_a_keystone_error() -> None:
    for cls in (
        ConfigurationError,
        FilterError,
        FieldError,
        APIConnectionError,
        APITimeoutError,
        APIError,
        BadRequestError,
        AuthenticationError,
        PermissionDeniedError,
        NotFoundError,
        RateLimitError,
        ServerError,
        BatchError,
    ):
        assert issubclass(cls, KeystoneError), cls


def test_api_errors_are_http_status_errors() -> None:
    for cls in (
        BadRequestError,
        AuthenticationError,
        PermissionDeniedError,
        NotFoundError,
        RateLimitError,
        ServerError,
        BatchError,
    ):
        assert issubclass(cls, APIError)
    assert issubclass(APIError, httpx.HTTPStatusError)
    assert issubclass(APITimeoutError, APIConnectionError)


def test_filter_and_field_errors_are_value_errors() -> None:
    assert issubclass(FilterError, ValueError)
    assert issubclass(FieldError, ValueError)


def test_errors_reexported() -> None:
    for name in errors_module.__all__:
        assert getattr(keystone_client, name) is getattr(errors_module, name)


def test_filter_error_caught_as_value_error(client: Any, run: Runner) -> None:
    with pytest.raises(ValueError):
        run.all(client.resources.users.filter(no_such_field=1))


def test_field_error_caught_as_value_error(client: Any, run: Runner, api: respx.MockRouter) -> None:
    with pytest.raises(ValueError):
        run(client.resources.users.update(5, titel="x"))
    assert not api.calls


# -- status mapping ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "cls", "body"),
    [
        (400, BadRequestError, {"first_name": ["Too long."]}),
        (401, AuthenticationError, {"detail": "Authentication credentials were not provided."}),
        (403, PermissionDeniedError, {"detail": "You do not have permission."}),
        (404, NotFoundError, {"detail": "No User matches the given query."}),
        (429, RateLimitError, {"detail": "Request was throttled."}),
        (500, ServerError, {"detail": "Internal error."}),
        (502, ServerError, {"detail": "Bad gateway."}),
        (503, ServerError, {"detail": "Unavailable."}),
        (504, ServerError, {"detail": "Timeout."}),
        (405, APIError, {"detail": 'Method "GET" not allowed.'}),
        (409, APIError, {"detail": "Conflict."}),
        (418, APIError, {"detail": "Teapot."}),
        (422, APIError, {"detail": "Unprocessable."}),
    ],
)
def test_status_maps_to_class(
    status: int,
    cls: type[APIError],
    body: dict[str, Any],
    run: Runner,
    make_client: Callable[..., Any],
    api: respx.MockRouter,
) -> None:
    client = make_client(max_retries=0)
    api.get(USER_5).mock(return_value=httpx.Response(status, json=body))

    error = fail(run, lambda: client.resources.users.get(5))

    assert type(error) is cls
    assert isinstance(error, KeystoneError)
    assert isinstance(error, httpx.HTTPStatusError)
    assert error.status_code == status
    assert error.response.status_code == status
    assert error.response.request.url == USER_5
    assert error.request.url == USER_5
    assert error.body == body
    if "detail" in body:
        assert error.detail == body["detail"]
        assert body["detail"] in str(error)
    assert str(status) in str(error)
    assert "GET" in str(error)
    assert "users/users/5/" in str(error)


def test_bad_request_errors_field_messages(client: Any, run: Runner, api: respx.MockRouter) -> None:
    body = {
        "first_name": ["This field may not be blank."],
        "email": ["Enter a valid email address.", "Too long."],
    }
    route = api.patch(USER_5).mock(return_value=httpx.Response(400, json=body))

    with pytest.raises(BadRequestError) as info:
        run(client.resources.users.update(5, first_name="", email="nope"))

    error = info.value
    assert error.errors == body
    assert error.status_code == 400
    assert error.body == body
    assert "first_name" in error.detail
    assert "This field may not be blank." in error.detail
    assert "Enter a valid email address." in str(error)
    assert json.loads(route.calls.last.request.content) == {"first_name": "", "email": "nope"}


def test_bad_request_non_field_errors(client: Any, run: Runner, api: respx.MockRouter) -> None:
    body = {"non_field_errors": ["The fields team, user must make a unique set."]}
    api.patch(USER_5).mock(return_value=httpx.Response(400, json=body))

    with pytest.raises(BadRequestError) as info:
        run(client.resources.users.update(5, first_name="A"))

    assert info.value.detail == "The fields team, user must make a unique set."
    assert info.value.errors == {"non_field_errors": [body["non_field_errors"][0]]}


def test_catch_as_httpx_status_error(client: Any, run: Runner, api: respx.MockRouter) -> None:
    api.get(USER_5).mock(return_value=httpx.Response(404, json={"detail": "Not found."}))

    with pytest.raises(httpx.HTTPStatusError) as info:
        run(client.resources.users.get(5))

    assert info.value.response.status_code == 404


def test_delete_error_raises(client: Any, run: Runner, api: respx.MockRouter) -> None:
    api.delete(USER_5).mock(return_value=httpx.Response(403, json={"detail": "Nope."}))

    with pytest.raises(PermissionDeniedError) as info:
        run(client.resources.users.delete(5))

    assert info.value.detail == "Nope."


def test_csrf_failure_is_permission_denied(client: Any, run: Runner, api: respx.MockRouter) -> None:
    api.patch(USER_5).mock(
        return_value=httpx.Response(403, json={"detail": "CSRF Failed: CSRF token missing."})
    )

    with pytest.raises(PermissionDeniedError) as info:
        run(client.resources.users.update(5, first_name="A"))

    assert "CSRF Failed" in str(info.value)


def test_error_without_body(
    run: Runner, make_client: Callable[..., Any], api: respx.MockRouter
) -> None:
    api.get(USER_5).mock(return_value=httpx.Response(500))

    error = fail(run, lambda: make_client(max_retries=0).resources.users.get(5))

    assert type(error) is ServerError
    assert error.body is None
    assert error.detail == "Internal Server Error"


# -- bodies that are not the JSON they should be ---------------------------------------------


def test_html_502_from_proxy(
    run: Runner, make_client: Callable[..., Any], api: respx.MockRouter
) -> None:
    api.get(USER_5).mock(
        return_value=httpx.Response(
            502, text=html_page("502 Bad Gateway"), headers={"content-type": "text/html"}
        )
    )

    error = fail(run, lambda: make_client(max_retries=0).resources.users.get(5))

    assert type(error) is ServerError
    assert error.status_code == 502
    assert "HTML" in str(error)
    assert "HTML" in error.detail
    assert isinstance(error.body, str)
    assert "<html" in error.body


def test_html_404_page_is_not_found(client: Any, run: Runner, api: respx.MockRouter) -> None:
    api.get(BASE + "users/teams/99999999/").mock(
        return_value=httpx.Response(
            404, text=html_page(), headers={"content-type": "text/html; charset=utf-8"}
        )
    )
    api.get(USER_5).mock(return_value=httpx.Response(404, text=html_page()))  # no content-type

    for pk, path in ((99999999, "teams"), (5, "users")):
        manager = getattr(client.resources, path)
        with pytest.raises(NotFoundError) as info:
            run(manager.get(pk))
        assert info.value.status_code == 404
        assert "HTML" in info.value.detail


@pytest.mark.parametrize(
    "content_type", ["text/html", "text/html; charset=utf-8", "application/json"]
)
def test_html_page_with_200_is_api_error(
    content_type: str, client: Any, run: Runner, api: respx.MockRouter
) -> None:
    api.get(USER_5).mock(
        return_value=httpx.Response(
            200, text=html_page("Login"), headers={"content-type": content_type}
        )
    )

    error = fail(run, lambda: client.resources.users.get(5))

    assert type(error) is APIError
    assert not isinstance(error, ValueError)  # neither JSONDecodeError nor ValidationError
    assert error.status_code == 200
    assert "HTML" in str(error)
    assert "users/users/5/" in str(error)


def test_truncated_json_with_200_is_api_error(
    client: Any, run: Runner, api: respx.MockRouter
) -> None:
    text = json.dumps(user(5))[:57]
    api.get(USER_5).mock(
        return_value=httpx.Response(
            200, content=text.encode(), headers={"content-type": "application/json"}
        )
    )

    error = fail(run, lambda: client.resources.users.get(5))

    assert type(error) is APIError
    assert "truncated" in str(error)
    assert isinstance(error.__cause__, ValidationError)


def test_empty_body_with_200_is_api_error(client: Any, run: Runner, api: respx.MockRouter) -> None:
    api.get(USER_5).mock(return_value=httpx.Response(200))

    error = fail(run, lambda: client.resources.users.get(5))

    assert type(error) is APIError
    assert error.status_code == 200


def test_wrong_shape_with_200_is_api_error(client: Any, run: Runner, api: respx.MockRouter) -> None:
    api.get(USER_5).mock(return_value=httpx.Response(200, json={"id": "five"}))

    error = fail(run, lambda: client.resources.users.get(5))

    assert type(error) is APIError
    assert "schema" in str(error)
    assert error.body == {"id": "five"}


@pytest.mark.parametrize("status", [400, 403, 404, 500])
def test_truncated_json_error_body(
    status: int, run: Runner, make_client: Callable[..., Any], api: respx.MockRouter
) -> None:
    api.get(USER_5).mock(
        return_value=httpx.Response(
            status, content=b'{"detail": "cut', headers={"content-type": "application/json"}
        )
    )

    error = fail(run, lambda: make_client(max_retries=0).resources.users.get(5))

    assert error.status_code == status
    assert error.body == '{"detail": "cut'
    assert '{"detail": "cut' in error.detail


def test_login_html_answer_is_api_error(client: Any, run: Runner, api: respx.MockRouter) -> None:
    api.post(BASE + "authentication/login/").mock(
        return_value=httpx.Response(200, text=html_page("Proxy login"))
    )

    error = fail(run, lambda: client.login("ada", "pw"))

    assert "HTML" in str(error)


def test_whoami_html_answer_is_api_error(client: Any, run: Runner, api: respx.MockRouter) -> None:
    api.get(BASE + "authentication/whoami/").mock(
        return_value=httpx.Response(200, text=html_page("Portal"))
    )

    error = fail(run, lambda: client.whoami())

    assert type(error) is APIError


# -- version (text/plain) --------------------------------------------------------------------


def test_version_parses_text_plain(client: Any, run: Runner, api: respx.MockRouter) -> None:
    route = api.get(BASE + "version/").mock(
        return_value=httpx.Response(200, text="0.0.0", headers={"content-type": "text/plain"})
    )

    assert run(client.version()) == "0.0.0"
    assert route.calls.last.request.method == "GET"


def test_version_with_newline_or_json_string(
    client: Any, run: Runner, api: respx.MockRouter
) -> None:
    api.get(BASE + "version/").mock(
        side_effect=[
            httpx.Response(200, text="1.2.3\n", headers={"content-type": "text/plain"}),
            httpx.Response(200, json="4.5.6"),
        ]
    )

    assert run(client.version()) == "1.2.3"
    assert run(client.version()) == "4.5.6"


def test_version_error_raises(
    run: Runner, make_client: Callable[..., Any], api: respx.MockRouter
) -> None:
    api.get(BASE + "version/").mock(return_value=httpx.Response(404, text=html_page()))

    with pytest.raises(NotFoundError):
        run(make_client().version())


def test_health_parses_checks(client: Any, run: Runner, api: respx.MockRouter) -> None:
    api.get(BASE + "health/json/").mock(
        return_value=httpx.Response(
            200,
            json={
                "data": [
                    {"check": "Database", "healthy": True, "error": None, "time_taken": 0.01},
                    {"check": "SMTP", "healthy": False, "error": "refused", "time_taken": 0.02},
                ]
            },
        )
    )

    health = run(client.health())

    assert health.healthy is False
    assert [c.check for c in health.failing] == ["SMTP"]


# -- redirects (never followed, never a success) ---------------------------------------------


@pytest.mark.parametrize("code", [301, 302, 307, 308])
def test_redirect_is_api_error_naming_the_location(
    code: int, client: Any, run: Runner, api: respx.MockRouter
) -> None:
    target = "https://keystone.test/users/users/5/"
    route = api.get(USER_5).mock(return_value=httpx.Response(code, headers={"Location": target}))

    error = fail(run, lambda: client.resources.users.get(5))

    assert type(error) is APIError
    assert error.status_code == code
    assert target in str(error)
    assert "base URL" in str(error)
    assert route.call_count == 1  # not followed


def test_redirected_delete_is_not_a_success(
    client: Any, run: Runner, api: respx.MockRouter
) -> None:
    api.delete(USER_5).mock(
        return_value=httpx.Response(301, headers={"Location": "https://keystone.test/"})
    )

    with pytest.raises(APIError, match="redirected"):
        run(client.resources.users.delete(5))


def test_redirect_returned_as_is_by_raw_verb(
    client: Any, run: Runner, api: respx.MockRouter
) -> None:
    api.get(USER_5).mock(return_value=httpx.Response(302, headers={"Location": "/login/"}))

    response = run(client.http_get("users/users/5"))

    assert response.status_code == 302
    assert response.headers["Location"] == "/login/"


def test_a_corrupt_compressed_body_is_retried_then_raised_as_a_keystone_error(
    client: Any, run: Runner, api: respx.MockRouter, sleeps: list[float]
) -> None:
    def corrupt(request: httpx.Request) -> httpx.Response:
        # A body that claims gzip but is not: decoding fails while the client reads it.
        stream = httpx.ByteStream(b"not gzip")
        return httpx.Response(200, headers={"Content-Encoding": "gzip"}, stream=stream)

    route = api.get(f"{BASE}version/").mock(side_effect=corrupt)
    with pytest.raises(APIConnectionError, match="DecodingError"):
        run(client.version())
    assert route.call_count == 3  # GET is idempotent: retried twice
    assert len(sleeps) == 2


def test_version_refuses_an_html_page(client: Any, run: Runner, api: respx.MockRouter) -> None:
    api.get(f"{BASE}version/").respond(200, html="<html><body>Sign in</body></html>")
    with pytest.raises(APIError, match="HTML page"):
        run(client.version())

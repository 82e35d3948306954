"""Responses that are not what they should be: the error raised, its text, detail and body."""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import Annotated, Any

import httpx
import pytest
import respx
from pydantic import AfterValidator, TypeAdapter

from keystone_client import APIError, BadRequestError, BatchError, ServerError

from .conftest import BASE, Runner
from .factories import user

USER_5 = BASE + "users/users/5/"
VERSION = BASE + "version/"
GET_USER = f"GET {USER_5}"
REQUEST = httpx.Request("GET", USER_5)


@pytest.fixture
def client(make_client: Callable[..., Any]) -> Any:
    """A client that does not retry, so each test sees the one response it set up."""
    return make_client(max_retries=0)


def error_of(client: Any, run: Runner, api: respx.MockRouter, response: httpx.Response) -> APIError:
    api.get(USER_5).mock(return_value=response)
    with pytest.raises(APIError) as caught:
        run(client.resources.users.get(5))
    return caught.value


def version_error(
    client: Any, run: Runner, api: respx.MockRouter, response: httpx.Response
) -> APIError:
    api.get(VERSION).mock(return_value=response)
    with pytest.raises(APIError) as caught:
        run(client.version())
    return caught.value


# -- HTML where JSON or text was expected --------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "<html><body>Sign in</body></html>",
        "  \n<HTML><body>Sign in</body></HTML>",
        "<!DOCTYPE html><html><body>Sign in</body></html>",
    ],
)
def test_html_markup_without_a_content_type_is_an_html_page(
    body: str, client: Any, run: Runner, api: respx.MockRouter
) -> None:
    error = error_of(client, run, api, httpx.Response(200, content=body.encode()))

    snippet = " ".join(body.split())
    assert type(error) is APIError
    assert error.detail == f"the body is an HTML page: {snippet!r}"
    assert str(error) == f"Unexpected response to {GET_USER} (200): {error.detail}"
    assert error.body == body
    assert error.status_code == 200


def test_text_html_without_markup_is_an_html_page(
    client: Any, run: Runner, api: respx.MockRouter
) -> None:
    response = httpx.Response(200, content=b"Sign in", headers={"Content-Type": "text/html"})

    error = error_of(client, run, api, response)

    assert error.detail == "the body is an HTML page: 'Sign in'"


def test_invalid_json_that_is_not_html_says_so(
    client: Any, run: Runner, api: respx.MockRouter
) -> None:
    response = httpx.Response(200, content=b"htm <html>", headers={"Content-Type": "text/plain"})

    error = error_of(client, run, api, response)

    assert error.detail == "the body is invalid or truncated JSON: 'htm <html>'"
    assert error.body == "htm <html>"


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        (b"<html><body>Sign in</body></html>", {}),
        (b"<!doctype html><p>Sign in", {"Content-Type": "text/plain"}),
        (b"Sign in", {"Content-Type": "text/html; charset=utf-8"}),
    ],
)
def test_version_refuses_html_with_or_without_markup(
    body: bytes, headers: dict[str, str], client: Any, run: Runner, api: respx.MockRouter
) -> None:
    error = version_error(client, run, api, httpx.Response(200, content=body, headers=headers))

    text = body.decode()
    assert error.detail == f"the body is an HTML page, not text: {text!r}"
    assert str(error) == f"Unexpected response to GET {VERSION} (200): {error.detail}"
    assert error.body == text


def test_version_accepts_text_that_only_mentions_html(
    client: Any, run: Runner, api: respx.MockRouter
) -> None:
    api.get(VERSION).mock(
        return_value=httpx.Response(200, text="1.2 <html>", headers={"Content-Type": "text/plain"})
    )

    assert run(client.version()) == "1.2 <html>"


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        (b"<html><body>Bad gateway</body></html>", {}),
        (b"Bad gateway", {"Content-Type": "text/html"}),
    ],
)
def test_html_error_page_is_described_by_its_status(
    body: bytes, headers: dict[str, str], client: Any, run: Runner, api: respx.MockRouter
) -> None:
    error = error_of(client, run, api, httpx.Response(502, content=body, headers=headers))

    assert type(error) is ServerError
    assert error.detail == "Bad Gateway (the server sent an HTML page, not JSON)"
    assert str(error) == f"502 Bad Gateway for {GET_USER}: {error.detail}"
    assert error.body == body.decode()


# -- schema errors -------------------------------------------------------------------------------


def test_schema_error_with_exactly_one_field_error_names_it(
    client: Any, run: Runner, api: respx.MockRouter
) -> None:
    error = error_of(client, run, api, httpx.Response(200, json={**user(5), "id": "five"}))

    assert error.detail == (
        "the body does not match the expected schema at id: "
        "Input should be a valid integer, unable to parse string as an integer"
    )
    assert str(error) == f"Unexpected response to {GET_USER} (200): {error.detail}"
    assert error.body == {**user(5), "id": "five"}


def test_schema_error_of_the_whole_body_says_body(
    client: Any, run: Runner, api: respx.MockRouter
) -> None:
    error = error_of(client, run, api, httpx.Response(200, json=[]))

    assert (
        error.detail
        == "the body does not match the expected schema at body: Input should be an object"
    )
    assert error.body == []


def test_schema_error_in_a_nested_field_gives_its_dotted_path(
    client: Any, run: Runner, api: respx.MockRouter
) -> None:
    api.get(BASE + "users/users/").mock(
        return_value=httpx.Response(
            200, json={"count": 1, "next": None, "previous": None, "results": [{"id": 1}]}
        )
    )

    with pytest.raises(APIError) as caught:
        run(client.resources.users.list())

    assert caught.value.detail.startswith(
        "the body does not match the expected schema at results.0."
    )


# -- snippets of bodies that are not JSON --------------------------------------------------------


@pytest.mark.parametrize(("length", "cut"), [(199, False), (200, False), (201, True)])
def test_non_json_error_body_is_cut_after_200_characters(
    length: int, cut: bool, client: Any, run: Runner, api: respx.MockRouter
) -> None:
    body = ("x" * 9 + " ") * 30
    body = body[: length - 1] + "y"
    response = httpx.Response(500, content=body.encode(), headers={"Content-Type": "text/plain"})

    error = error_of(client, run, api, response)

    expected = body[:200] + "..." if cut else body
    assert error.detail == expected
    assert str(error) == f"500 Internal Server Error for {GET_USER}: {expected}"
    assert error.body == body  # the body itself is whole


@pytest.mark.parametrize(("length", "cut"), [(200, False), (201, True)])
def test_invalid_json_snippet_is_cut_after_200_characters(
    length: int, cut: bool, client: Any, run: Runner, api: respx.MockRouter
) -> None:
    body = "{" + "z" * (length - 1)

    error = error_of(client, run, api, httpx.Response(200, content=body.encode()))

    snippet = body[:200] + "..." if cut else body
    assert error.detail == f"the body is invalid or truncated JSON: {snippet!r}"


def test_snippet_collapses_whitespace_before_cutting(
    client: Any, run: Runner, api: respx.MockRouter
) -> None:
    body = "a  \n\t b" + " " * 300 + "c"

    error = error_of(client, run, api, httpx.Response(503, content=body.encode()))

    assert error.detail == "a b c"


# -- non-JSON and odd error bodies ---------------------------------------------------------------


def test_plain_text_error(client: Any, run: Runner, api: respx.MockRouter) -> None:
    error = error_of(client, run, api, httpx.Response(500, text="boom"))

    assert type(error) is ServerError
    assert (str(error), error.detail, error.body) == (
        f"500 Internal Server Error for {GET_USER}: boom",
        "boom",
        "boom",
    )


@pytest.mark.parametrize(
    ("code", "content", "detail"),
    [
        (500, b"", "Internal Server Error"),
        (500, b"   \n", "Internal Server Error"),
        (599, b"", "HTTP 599"),
    ],
)
def test_error_without_a_message_falls_back_to_the_status(
    code: int, content: bytes, detail: str, client: Any, run: Runner, api: respx.MockRouter
) -> None:
    error = error_of(client, run, api, httpx.Response(code, content=content))

    assert error.detail == detail
    assert str(error).endswith(f" for {GET_USER}: {detail}")
    assert error.body == (None if not content else content.decode())


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"detail": "No way."}, "No way."),
        ({"detail": ["a", "b"]}, "detail: a b"),
        ({"non_field_errors": ["x", "y"], "name": ["z"]}, "x; y"),
        ({"name": ["required"], "email": ["bad", "taken"]}, "name: required; email: bad taken"),
        ({"name": {"first": ["short"]}}, "name: first: short"),
        (["one", 2], "one; 2"),
        ([], "Bad Request"),
        ({}, "Bad Request"),
        ({"count": 3}, "Bad Request"),
        ("just a string", "just a string"),
        (7, "Bad Request"),
    ],
)
def test_json_error_bodies_are_described(
    body: Any, detail: str, client: Any, run: Runner, api: respx.MockRouter
) -> None:
    error = error_of(client, run, api, httpx.Response(400, json=body))

    assert type(error) is BadRequestError
    assert error.detail == detail
    assert str(error) == f"400 Bad Request for {GET_USER}: {detail}"
    assert error.body == body


@pytest.mark.parametrize(
    ("code", "cls"),
    [(422, APIError), (418, APIError), (499, APIError), (500, ServerError), (503, ServerError)],
)
def test_status_without_its_own_class(
    code: int, cls: type[APIError], client: Any, run: Runner, api: respx.MockRouter
) -> None:
    error = error_of(client, run, api, httpx.Response(code, json={"detail": "no"}))

    assert type(error) is cls
    assert not isinstance(error, BatchError)
    assert error.status_code == code


# -- redirects -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "headers", "body"),
    [
        (b"", {}, None),
        (b'{"detail": "moved"}', {"Content-Type": "application/json"}, {"detail": "moved"}),
        (b"Moved <a href=x>here</a>", {"Content-Type": "text/html"}, "Moved <a href=x>here</a>"),
    ],
)
def test_redirect_text_detail_and_body(
    content: bytes,
    headers: dict[str, str],
    body: Any,
    client: Any,
    run: Runner,
    api: respx.MockRouter,
) -> None:
    target = "https://keystone.test/users/users/5/"
    response = httpx.Response(301, content=content, headers={"Location": target, **headers})

    error = error_of(client, run, api, response)

    reason = f"the server redirected to {target}; check the base URL (http or https, path prefix)"
    assert type(error) is APIError
    assert error.detail == reason
    assert str(error) == f"Unexpected response to {GET_USER} (301): {reason}"
    assert error.body == body
    assert error.status_code == 301


def test_redirect_of_a_text_request(client: Any, run: Runner, api: respx.MockRouter) -> None:
    response = httpx.Response(302, headers={"Location": "/login/"})

    error = version_error(client, run, api, response)

    assert str(error) == (
        f"Unexpected response to GET {VERSION} (302): the server redirected to /login/; "
        "check the base URL (http or https, path prefix)"
    )


# -- garbage collection paused during a parse ----------------------------------------------------


def _gc_seen_by_the_parse(response: httpx.Response) -> tuple[int, list[bool]]:
    # The private import of this section: the parser, given a validator that looks at the gc.
    from keystone_client._response import parse

    seen: list[bool] = []

    def look(value: int) -> int:
        seen.append(gc.isenabled())
        return value

    adapter = TypeAdapter(Annotated[int, AfterValidator(look)])
    return parse(response, adapter), seen


def test_the_garbage_collector_is_paused_during_a_parse_and_resumed_after() -> None:
    assert gc.isenabled()

    value, seen = _gc_seen_by_the_parse(httpx.Response(200, content=b"5", request=REQUEST))

    assert (value, seen) == (5, [False])
    assert gc.isenabled()


def test_the_garbage_collector_is_resumed_after_a_failed_parse() -> None:
    with pytest.raises(APIError):
        _gc_seen_by_the_parse(httpx.Response(200, content=b"[", request=REQUEST))

    assert gc.isenabled()


def test_a_parse_leaves_a_paused_garbage_collector_paused() -> None:
    gc.disable()
    try:
        value, seen = _gc_seen_by_the_parse(httpx.Response(200, content=b"5", request=REQUEST))
        assert (value, seen) == (5, [False])
        assert not gc.isenabled()
    finally:
        gc.enable()


# -- the error class of a batch failure ----------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "path", "cls"),
    [
        (422, "batch/", BatchError),
        (422, "api/batch/", BatchError),
        (422, "users/users/", APIError),
        (423, "batch/", APIError),
        (409, "batch/", APIError),
    ],
)
def test_only_a_422_from_the_batch_endpoint_is_a_batch_error(
    code: int, path: str, cls: type[APIError]
) -> None:
    from keystone_client._response import error_for_response

    request = httpx.Request("POST", BASE + path)
    response = httpx.Response(code, json={"detail": "no"}, request=request)

    error = error_for_response(response)

    assert type(error) is cls
    assert str(error) == f"{code} {response.reason_phrase} for POST {BASE}{path}: no"

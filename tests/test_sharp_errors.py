"""Error attributes read from bodies of unexpected shapes, and nested validation messages."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import respx

from keystone_client import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    BadRequestError,
    BatchError,
    NotFoundError,
    ServerError,
)

from .conftest import BASE, Runner

USER_5 = BASE + "users/users/5/"
BATCH_URL = BASE + "batch/"


@pytest.fixture
def client(make_client: Callable[..., Any]) -> Any:
    """A client that does not retry, so each test sees the one response it set up."""
    return make_client(max_retries=0)


def batch_error(client: Any, run: Runner, api: respx.MockRouter, response: httpx.Response) -> Any:
    """Submit a one-action batch answered by ``response``; return the `BatchError` raised."""
    route = api.post(BATCH_URL).mock(return_value=response)
    batch = client.batch()
    batch.teams.create(name="T")
    with pytest.raises(BatchError) as caught:
        run(batch.submit())
    assert route.call_count == 1
    [action] = json.loads(route.calls.last.request.content)["job"]["actions"]
    assert (action["method"], action["path"]) == ("POST", "/users/teams/")
    return caught.value


# -- the request a connection error is about -----------------------------------------------------


@pytest.mark.parametrize(
    ("failure", "cls"),
    [
        (httpx.ConnectError("connection refused"), APIConnectionError),
        (httpx.ReadTimeout("read timed out"), APITimeoutError),
    ],
    ids=["connect", "timeout"],
)
def test_connection_errors_carry_the_request_that_failed(
    failure: Exception,
    cls: type[APIConnectionError],
    client: Any,
    run: Runner,
    api: respx.MockRouter,
) -> None:
    api.patch(USER_5).mock(side_effect=failure)

    with pytest.raises(APIConnectionError) as caught:
        run(client.resources.users.update(5, first_name="A"))

    error = caught.value
    assert type(error) is cls
    assert error.request is not None
    assert error.request.method == "PATCH"
    assert error.request.url == USER_5
    assert json.loads(error.request.content) == {"first_name": "A"}
    assert str(error).startswith(f"PATCH {USER_5} ")


def test_a_connection_error_built_without_a_request_has_none() -> None:
    assert APIConnectionError("down").request is None


# -- APIError built by hand -----------------------------------------------------------------------


@pytest.mark.parametrize("cls", [APIError, NotFoundError, ServerError, BadRequestError, BatchError])
def test_detail_defaults_to_the_message(cls: type[APIError]) -> None:
    request = httpx.Request("GET", USER_5)
    response = httpx.Response(404, json={"detail": "Not found."}, request=request)

    error = cls("Record 5 is gone", response=response, body={"detail": "Not found."})

    assert error.detail == "Record 5 is gone"
    assert str(error) == "Record 5 is gone"
    assert error.status_code == 404
    assert error.request is request
    assert error.response is response


def test_detail_given_wins_over_the_message() -> None:
    response = httpx.Response(500, request=httpx.Request("GET", USER_5))

    error = ServerError("500 Internal Server Error for GET", response=response, detail="")

    assert error.detail == ""
    assert str(error) == "500 Internal Server Error for GET"


# -- BatchError: bodies that are not the server's dict ------------------------------------------


@pytest.mark.parametrize(
    ("response", "body", "detail"),
    [
        (httpx.Response(422, json=["Step 1 failed", "rolled back"]), None, None),
        (httpx.Response(422, text="Unprocessable job"), "Unprocessable job", "Unprocessable job"),
    ],
    ids=["json-list", "text"],
)
def test_batch_error_with_a_body_that_is_not_a_dict_has_no_step_status_errors_or_token(
    response: httpx.Response,
    body: Any,
    detail: str | None,
    client: Any,
    run: Runner,
    api: respx.MockRouter,
) -> None:
    error = batch_error(client, run, api, response)

    assert error.status_code == 422
    assert error.step is None
    assert error.status is None
    assert error.errors == {}
    assert error.token is None
    if body is None:
        assert error.body == ["Step 1 failed", "rolled back"]
        assert error.detail == "Step 1 failed; rolled back"
    else:
        assert error.body == body
        assert error.detail == detail


def test_batch_error_ignores_step_status_and_token_of_the_wrong_type(
    client: Any, run: Runner, api: respx.MockRouter
) -> None:
    body = {
        "detail": "Step #2 failed",
        "step": "2",
        "status": "400",
        "token": 7,
        "body": {"title": ["This field may not be blank."]},
    }

    error = batch_error(client, run, api, httpx.Response(422, json=body))

    assert error.step is None
    assert error.status is None
    assert error.token is None
    assert error.errors == {"title": ["This field may not be blank."]}
    assert error.detail == "Step #2 failed"
    assert error.body == body


@pytest.mark.parametrize("value", [None, 2.0, [2], {"n": 2}])
def test_batch_error_step_status_and_token_of_other_types_are_none(
    value: Any, client: Any, run: Runner, api: respx.MockRouter
) -> None:
    body = {"detail": "failed", "step": value, "status": value, "token": value}

    error = batch_error(client, run, api, httpx.Response(422, json=body))

    assert (error.step, error.status, error.token) == (None, None, None)


# -- nested validation messages ------------------------------------------------------------------


def bad_request(client: Any, run: Runner, api: respx.MockRouter, body: Any) -> BadRequestError:
    route = api.patch(USER_5).mock(return_value=httpx.Response(400, json=body))
    with pytest.raises(BadRequestError) as caught:
        run(client.resources.users.update(5, first_name=""))
    assert json.loads(route.calls.last.request.content) == {"first_name": ""}
    return caught.value


def test_nested_field_errors_join_their_fields_with_a_semicolon(
    client: Any, run: Runner, api: respx.MockRouter
) -> None:
    body = {"profile": {"city": "Required.", "zip": "Invalid."}}

    error = bad_request(client, run, api, body)

    assert error.errors == {"profile": ["city: Required.; zip: Invalid."]}
    assert error.detail == "profile: city: Required.; zip: Invalid."


def test_nested_message_lists_join_with_a_semicolon(
    client: Any, run: Runner, api: respx.MockRouter
) -> None:
    body = {
        "profile": {"city": ["Required.", "Too long."]},
        "tags": [["Not a tag.", "Duplicate."], "Too many."],
    }

    error = bad_request(client, run, api, body)

    assert error.errors == {
        "profile": ["city: Required.; Too long."],
        "tags": ["Not a tag.; Duplicate.", "Too many."],
    }
    assert "city: Required.; Too long." in str(error)


def test_nested_messages_in_a_failed_batch_step(
    client: Any, run: Runner, api: respx.MockRouter
) -> None:
    body = {
        "detail": "Step #1 failed",
        "step": 1,
        "status": 400,
        "body": {"team": {"name": ["Required.", "Too short."], "id": "Unknown."}},
    }

    error = batch_error(client, run, api, httpx.Response(422, json=body))

    assert (error.step, error.status) == (1, 400)
    assert error.errors == {"team": ["name: Required.; Too short.; id: Unknown."]}


def test_field_errors_keep_messages_and_skip_values_that_are_not(
    client: Any, run: Runner, api: respx.MockRouter
) -> None:
    body = {"first_name": "Required.", "count": 3, "flag": None, "codes": [4, "Bad."]}

    error = bad_request(client, run, api, body)

    assert error.errors == {"first_name": ["Required."], "codes": ["4", "Bad."]}


@pytest.mark.parametrize("body", [["Invalid input."], "Invalid input.", None])
def test_bad_request_with_a_body_that_is_not_a_dict_has_no_field_errors(
    body: Any, client: Any, run: Runner, api: respx.MockRouter
) -> None:
    route = api.patch(USER_5)
    if body is None:
        route.mock(return_value=httpx.Response(400))
    elif isinstance(body, str):
        route.mock(return_value=httpx.Response(400, text=body))
    else:
        route.mock(return_value=httpx.Response(400, json=body))

    with pytest.raises(BadRequestError) as caught:
        run(client.resources.users.update(5, first_name=""))

    assert caught.value.errors == {}
    assert caught.value.body == body

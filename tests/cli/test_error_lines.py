"""The exit code and the one line each library exception becomes (``cli/errors.py``)."""

from __future__ import annotations

import httpx
import pytest

from keystone_client import errors as e
from keystone_client.cli.errors import describe


def _response(status: int) -> httpx.Response:
    request = httpx.Request("POST", "http://keystone.test/research/grants/")
    return httpx.Response(status, request=request)


def test_field_errors_missing_from_the_detail_follow_it() -> None:
    body = {"title": ["Too", "long."], "team": ["Required."]}
    exc = e.BadRequestError("400", response=_response(400), body=body, detail="Invalid input.")
    assert describe(exc) == (1, "HTTP 400: Invalid input. (title: Too long.; team: Required.)")


def test_field_errors_already_in_the_detail_are_not_repeated() -> None:
    body = {"title": ["Required."]}
    exc = e.BadRequestError("400", response=_response(400), body=body, detail="title: Required.")
    assert describe(exc) == (1, "HTTP 400: title: Required.")


def test_an_error_without_field_errors_is_its_status_and_detail() -> None:
    exc = e.ServerError("500", response=_response(500), body=None, detail="Boom\n  again.")
    assert describe(exc) == (1, "HTTP 500: Boom again.")


def test_another_keystone_error_is_its_message_on_one_line() -> None:
    assert describe(e.KeystoneError("the batch\n   failed  here")) == (1, "the batch failed here")


@pytest.mark.parametrize(
    ("exc", "code"),
    [
        (e.FilterError("bad\nfilter"), 2),
        (e.FieldError("bad field"), 2),
        (e.ConfigurationError("KEYSTONE_URL is missing"), 2),
        (e.APIConnectionError("refused"), 5),
        (e.APITimeoutError("timed out"), 5),
    ],
)
def test_errors_without_a_response_keep_their_message(exc: e.KeystoneError, code: int) -> None:
    assert describe(exc) == (code, " ".join(str(exc).split()))


@pytest.mark.parametrize(
    ("cls", "status", "code"),
    [
        (e.NotFoundError, 404, 3),
        (e.AuthenticationError, 401, 4),
        (e.PermissionDeniedError, 403, 4),
        (e.RateLimitError, 429, 1),
    ],
)
def test_api_errors_map_to_their_exit_code(cls: type[e.APIError], status: int, code: int) -> None:
    exc = cls(str(status), response=_response(status), body=None, detail="No.")
    assert describe(exc) == (code, f"HTTP {status}: No.")


def test_anything_else_is_raised_again() -> None:
    error = RuntimeError("a bug")
    with pytest.raises(RuntimeError) as raised:
        describe(error)
    assert raised.value is error

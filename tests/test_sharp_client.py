"""The client shells' runner: what it hands back to a flow after each step.

A failed send goes back to the flow as the exception (which the flow retries or turns into
`APIConnectionError`); a `Sleep` waits the seconds the flow asked for and the flow goes on.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
import respx

from keystone_client import APIConnectionError, APITimeoutError

from .conftest import BASE, Runner

URL = BASE + "things/"


def test_a_failed_send_reaches_the_flow_as_a_connection_error(
    run: Runner, make_client: Callable[..., Any], api: respx.MockRouter, sleeps: list[float]
) -> None:
    refused = httpx.ConnectError("refused")
    route = api.get(URL).mock(side_effect=refused)
    client = make_client(max_retries=0)

    with pytest.raises(APIConnectionError) as caught:
        run(client.http_get("things"))

    assert type(caught.value) is APIConnectionError
    assert str(caught.value) == f"GET {URL} failed after 1 attempt: ConnectError: refused"
    assert caught.value.__cause__ is refused
    assert route.call_count == 1
    assert sleeps == []


def test_a_send_timeout_reaches_the_flow_as_a_timeout_error(
    run: Runner, make_client: Callable[..., Any], api: respx.MockRouter
) -> None:
    route = api.post(URL).mock(side_effect=httpx.ReadTimeout("slow"))
    client = make_client(max_retries=0)

    with pytest.raises(APITimeoutError) as caught:
        run(client.http_post("things", json={"a": 1}))

    assert str(caught.value) == f"POST {URL} timed out after 1 attempt (ReadTimeout)"
    assert isinstance(caught.value.__cause__, httpx.ReadTimeout)
    assert route.call_count == 1


def test_a_failed_send_is_retried_and_the_retry_answers(
    run: Runner, make_client: Callable[..., Any], api: respx.MockRouter, sleeps: list[float]
) -> None:
    route = api.get(URL).mock(
        side_effect=[httpx.ConnectError("refused"), httpx.Response(200, text="fine")]
    )
    client = make_client(max_retries=1)

    response = run(client.http_get("things"))

    assert response.status_code == 200
    assert response.text == "fine"
    assert route.call_count == 2
    assert len(sleeps) == 1
    assert sleeps[0] > 0


def test_the_runner_waits_what_the_flow_asks_then_goes_on(
    run: Runner, make_client: Callable[..., Any], api: respx.MockRouter, sleeps: list[float]
) -> None:
    route = api.get(URL).mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "2"}),
            httpx.Response(429, headers={"Retry-After": "3"}),
            httpx.Response(200, json={"done": True}),
        ]
    )
    client = make_client()

    response = run(client.http_get("things"))

    assert response.status_code == 200
    assert response.json() == {"done": True}
    assert route.call_count == 3
    assert sleeps == [2.0, 3.0]

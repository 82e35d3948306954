"""Queries, sharpened: the exact messages a user reads and the exact requests each query sends."""

from __future__ import annotations

import re

import pytest
import respx

from keystone_client import AsyncKeystoneClient, KeystoneClient

from . import factories as f
from .conftest import BASE, Runner

AnyClient = KeystoneClient | AsyncKeystoneClient

GRANTS = f"{BASE}research/grants/"


def params_of(route: respx.Route, index: int = -1) -> dict[str, str]:
    return dict(route.calls[index].request.url.params)


def exactly(message: str) -> str:
    """A ``pytest.raises(match=...)`` pattern for the whole message and nothing else."""
    return f"^{re.escape(message)}$"


# -- what a user reads ---------------------------------------------------------------------------


def test_repr_names_the_query_class_resource_and_params(client: AnyClient, mode: str) -> None:
    q = client.resources.grants.filter(agency="NSF")
    cls = "AsyncQuery" if mode == "async" else "Query"
    assert repr(q) == f"<{cls} grants {{'agency': 'NSF'}}>"


def test_truth_value_message(client: AnyClient, api: respx.MockRouter) -> None:
    with pytest.raises(
        TypeError,
        match=exactly("The truth value of a query is ambiguous: use query.exists()"),
    ):
        bool(client.resources.grants.all())
    assert not api.calls


def test_negative_index_message(client: AnyClient, run: Runner, api: respx.MockRouter) -> None:
    with pytest.raises(ValueError, match=exactly("Query indexes must not be negative")):
        run(client.resources.grants.all()[-3])
    assert not api.calls


def test_index_out_of_range_message_names_the_index(
    client: AnyClient, run: Runner, api: respx.MockRouter
) -> None:
    route = api.get(GRANTS).respond(200, json=f.page([], count=3))
    with pytest.raises(IndexError, match=exactly("grants query index 3 out of range")):
        run(client.resources.grants.all()[3])
    assert route.call_count == 1
    assert params_of(route) == {"_offset": "3", "_limit": "1", "_order": "id"}

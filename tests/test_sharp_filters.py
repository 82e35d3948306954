"""Filters as sent: every filter of a call reaches the server, and each error names its cause."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Any

import httpx
import pytest
import respx
from pydantic import BaseModel

from keystone_client import AsyncKeystoneClient, FilterError, KeystoneClient
from keystone_client.models import RequestStatus

from . import factories as f
from .conftest import BASE, Runner

# The one private import of this file: the compiler, for a field map no resource has yet.
from keystone_client._filters import ID, compile_filters, compile_ordering  # isort: skip

AnyClient = KeystoneClient | AsyncKeystoneClient

REQUESTS = BASE + "allocations/requests/"
#: Every name an allocation request query accepts, as the error messages list them.
REQUEST_FIELDS = (
    "active, description, expire, id, status, submitted, submitter, submitter_id, team, "
    "team_id, title"
)


def sent(client: AnyClient, run: Runner, api: respx.MockRouter, **filters: Any) -> dict[str, str]:
    """The query parameters of the one request that lists ``filters``'s allocation requests."""
    route = api.get(REQUESTS).mock(return_value=httpx.Response(200, json=f.page([])))
    assert run.all(client.resources.allocation_requests.filter(**filters)) == []
    assert route.call_count == 1
    params = dict(route.calls.last.request.url.params)
    params.pop("_limit")
    params.pop("_order", None)
    return params


# -- every filter is sent ------------------------------------------------------------------------


def test_a_none_value_keeps_the_filters_after_it(
    client: AnyClient, run: Runner, api: respx.MockRouter
) -> None:
    params = sent(client, run, api, team=None, status="AP", title__contains="Gene")

    assert params == {"team__isnull": "true", "status": "AP", "title__contains": "Gene"}


def test_a_not_eq_none_value_keeps_the_filters_after_it(
    client: AnyClient, run: Runner, api: respx.MockRouter
) -> None:
    params = sent(client, run, api, submitter__not_eq=None, team=None, status__not_eq="DC")

    assert params == {
        "submitter__isnull": "false",
        "team__isnull": "true",
        "status__not_eq": "DC",
    }


def test_an_empty_not_in_keeps_the_filters_after_it(
    client: AnyClient, run: Runner, api: respx.MockRouter
) -> None:
    params = sent(client, run, api, team__not_in=[], status="AP", id__gt=3)

    assert params == {"status": "AP", "id__gt": "3"}


@pytest.mark.parametrize(
    "filters",
    [
        {"team__in": [], "submitter__not_in": []},
        {"submitter__not_in": [], "team__in": []},
        {"team__in": [], "status": "AP"},
        {"team__in": (), "status__in": ["AP", "DC"]},
    ],
)
def test_an_empty_in_matches_nothing_whatever_follows(
    filters: dict[str, Any], client: AnyClient, run: Runner, api: respx.MockRouter
) -> None:
    route = api.get(REQUESTS).mock(return_value=httpx.Response(200, json=f.page([])))

    query = client.resources.allocation_requests.filter(**filters)

    assert run.all(query) == []
    assert run(query.count()) == 0
    assert route.call_count == 0


def test_exact_is_the_plain_field(client: AnyClient, run: Runner, api: respx.MockRouter) -> None:
    assert sent(client, run, api, status__exact="AP", team_id__exact=4) == {
        "status": "AP",
        "team": "4",
    }


def test_exact_none_is_null(client: AnyClient, run: Runner, api: respx.MockRouter) -> None:
    assert sent(client, run, api, team__exact=None) == {"team__isnull": "true"}


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("AP", "AP"),  # one string is one item, not its characters
        (7, "7"),  # one non-iterable value is one item
        (["AP", "DC"], "AP,DC"),
        (("AP",), "AP"),
        (range(1, 3), "1,2"),
        ({"AP": 1}, "AP"),
        ([RequestStatus.APPROVED, "DC"], "AP,DC"),
    ],
)
@pytest.mark.parametrize("lookup", ["in", "not_in"])
def test_list_lookup_values(
    lookup: str, value: Any, text: str, client: AnyClient, run: Runner, api: respx.MockRouter
) -> None:
    key = f"status__{lookup}"
    assert sent(client, run, api, **{key: value}) == {key: text}


class Colour(enum.Enum):
    RED = "red"


class Level(enum.IntEnum):
    HIGH = 3


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (True, "true"),
        (False, "false"),
        (0, "0"),
        (2.5, "2.5"),
        (Decimal("1.50"), "1.50"),
        (Colour.RED, "red"),
        (Level.HIGH, "3"),
        (dt.date(2026, 3, 4), "2026-03-04"),
        (dt.datetime(2026, 3, 4, 5, 6, 7, tzinfo=dt.UTC), "2026-03-04T05:06:07+00:00"),
        (dt.time(5, 6), "05:06:00"),
        ([1, [2, 3]], "1,2,3"),
        ({"AP"}, "AP"),
        (frozenset({4}), "4"),
        ((5, "x"), "5,x"),
    ],
)
def test_values_in_query_form(
    value: Any, text: str, client: AnyClient, run: Runner, api: respx.MockRouter
) -> None:
    assert sent(client, run, api, title=value) == {"title": text}


# -- messages ------------------------------------------------------------------------------------


def test_unknown_field_names_it_the_resource_and_every_valid_field(client: AnyClient) -> None:
    with pytest.raises(FilterError) as caught:
        client.resources.allocation_requests.filter(status="AP", titel="Gene")

    assert str(caught.value) == (
        f"Unknown filter field 'titel' for allocation_requests; valid fields: {REQUEST_FIELDS}"
    )


def test_unknown_field_with_a_lookup_names_the_field_alone(client: AnyClient) -> None:
    with pytest.raises(FilterError) as caught:
        client.resources.allocation_requests.filter(assignee_ids__in=[1])

    assert str(caught.value).startswith(
        "Unknown filter field 'assignee_ids' for allocation_requests; valid fields: active,"
    )


def test_unknown_lookup_names_it_the_field_its_type_and_the_valid_lookups(
    client: AnyClient,
) -> None:
    with pytest.raises(FilterError) as caught:
        client.resources.allocation_requests.filter(team_id__contains=3)

    assert str(caught.value) == (
        "Lookup 'contains' is not available for allocation_requests field 'team' (relation); "
        "valid lookups: exact, in, isnull, not_eq, not_in"
    )


def test_lookups_of_a_text_field_are_listed_sorted(client: AnyClient) -> None:
    with pytest.raises(FilterError) as caught:
        client.resources.allocation_requests.filter(title__gt="A")

    assert str(caught.value).endswith(
        "field 'title' (text); valid lookups: contains, endswith, exact, in, isnull, "
        "not_contains, not_endswith, not_eq, not_in, not_startswith, startswith"
    )


def test_unusable_value_names_its_type_and_value(client: AnyClient) -> None:
    with pytest.raises(FilterError) as caught:
        client.resources.allocation_requests.filter(title={"a": 1})

    assert str(caught.value) == "Cannot use a dict as a filter value: {'a': 1}"


@pytest.mark.parametrize("lookup", ["in", "not_in", "exact"])
def test_bytes_are_refused_not_read_as_a_list_of_numbers(lookup: str, client: AnyClient) -> None:
    with pytest.raises(FilterError) as caught:
        client.resources.allocation_requests.filter(**{f"title__{lookup}": b"AP"})

    assert str(caught.value) == "Cannot use a bytes as a filter value: b'AP'"


def test_a_record_without_an_id_is_refused_by_name(client: AnyClient) -> None:
    class Point(BaseModel):
        x: int

    with pytest.raises(FilterError) as caught:
        client.resources.allocation_requests.filter(team=Point(x=1))

    assert str(caught.value) == "Cannot filter by a Point: it has no id"


def test_empty_value_names_the_resource_and_the_filter(client: AnyClient) -> None:
    with pytest.raises(FilterError) as caught:
        client.resources.allocation_requests.filter(status="AP", title__contains="")

    assert str(caught.value) == (
        "Empty value for allocation_requests filter 'title__contains': the server would "
        "ignore it and match every record"
    )


def test_order_by_an_unknown_field_names_it_and_the_valid_fields(client: AnyClient) -> None:
    with pytest.raises(FilterError) as caught:
        client.resources.allocation_requests.order_by("title", "-sbumitted")

    assert str(caught.value) == (
        f"Cannot order allocation_requests by 'sbumitted'; valid fields: {REQUEST_FIELDS}"
    )


@pytest.mark.parametrize(
    ("fields", "order"),
    [
        (("-submitted",), "-submitted"),
        (("+title",), "title"),
        (("team_id", "-id"), "team,-id"),
        (("-submitter_id", "status"), "-submitter,status"),
    ],
)
def test_order_as_sent(
    fields: tuple[str, ...], order: str, client: AnyClient, run: Runner, api: respx.MockRouter
) -> None:
    route = api.get(REQUESTS).mock(return_value=httpx.Response(200, json=f.page([])))

    run.all(client.resources.allocation_requests.order_by(*fields))

    assert route.calls.last.request.url.params["_order"] == order


def test_a_server_field_wins_over_a_model_alias_of_the_same_name() -> None:
    # A model field "lead" sent as "owner", on a resource that also filters by its own "lead".
    fields = {"lead": ID, "owner": ID}
    aliases = {"lead": "owner"}

    assert compile_filters("teams", fields, aliases, {"lead": 1, "owner": 2}) == {
        "lead": "1",
        "owner": "2",
    }
    assert compile_ordering("teams", fields, aliases, ["-lead", "owner"]) == "-lead,owner"

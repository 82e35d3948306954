"""Queries: immutable, lazy, and each evaluation sends exactly the request it should."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import respx

from keystone_client import AsyncKeystoneClient, FilterError, KeystoneClient
from keystone_client.models import AllocationRequest, Grant

from . import factories as f
from .conftest import BASE, Runner

AnyClient = KeystoneClient | AsyncKeystoneClient

GRANTS = f"{BASE}research/grants/"
REQUESTS = f"{BASE}allocations/requests/"


def params_of(route: respx.Route, index: int = -1) -> dict[str, str]:
    return dict(route.calls[index].request.url.params)


# -- immutability and laziness -------------------------------------------------------------------


def test_filter_returns_a_new_query_and_leaves_the_original(client: AnyClient) -> None:
    base = client.resources.grants.all()
    narrowed = base.filter(agency="NSF")
    ordered = narrowed.order_by("-start_date")
    searched = ordered.search("genome")
    sliced = searched[5:10]
    assert len({id(q) for q in (base, narrowed, ordered, searched, sliced)}) == 5
    assert base._state.params() == {}
    assert narrowed._state.params() == {"agency": "NSF"}
    assert ordered._state.params() == {"agency": "NSF", "_order": "-start_date"}
    assert searched._state.params() == {
        "agency": "NSF",
        "_order": "-start_date",
        "_search": "genome",
    }
    assert (searched._state.offset, searched._state.limit) == (0, None)
    assert (sliced._state.offset, sliced._state.limit) == (5, 5)


def test_building_queries_sends_nothing(client: AnyClient, api: respx.MockRouter) -> None:
    manager = client.resources.allocation_requests
    q = manager.filter(status="AP", team__in=[1, 2]).order_by("-submitted").search("genome")
    q = q.filter(title__contains="x")[10:20][2:4]
    manager.all()
    manager.order_by("id")
    manager.search("x")
    repr(q)
    assert len(api.calls) == 0


def test_query_repr_names_resource_and_params(client: AnyClient) -> None:
    q = client.resources.grants.filter(agency="NSF")
    assert "grants" in repr(q)
    assert "agency" in repr(q)


def test_filter_order_search_map_to_query_params(
    client: AnyClient, run: Runner, api: respx.MockRouter
) -> None:
    route = api.get(REQUESTS).respond(200, json=f.page([f.allocation_request(3)]))
    q = (
        client.resources.allocation_requests.filter(status="AP", team__in=[1, 2])
        .order_by("-submitted")
        .search("genome")
    )
    records = run.all(q)
    assert [r.id for r in records] == [3]
    assert isinstance(records[0], AllocationRequest)
    assert params_of(route) == {
        "status": "AP",
        "team__in": "1,2",
        "_order": "-submitted",
        "_search": "genome",
        "_limit": str(client.page_size),
    }
    assert route.calls.last.request.method == "GET"


def test_chained_filters_accumulate(client: AnyClient, run: Runner, api: respx.MockRouter) -> None:
    route = api.get(GRANTS).respond(200, json=f.page([]))
    run(client.resources.grants.filter(agency="NSF").filter(team=2).list())
    assert params_of(route, 0) == {
        "agency": "NSF",
        "team": "2",
        "_limit": str(client.page_size),
        "_order": "id",
    }


def test_order_by_several_fields_and_by_model_name(
    client: AnyClient, run: Runner, api: respx.MockRouter
) -> None:
    route = api.get(GRANTS).respond(200, json=f.page([]))
    run(client.resources.grants.order_by("-start_date", "team_id", "title").list())
    assert params_of(route)["_order"] == "-start_date,team,title"


def test_order_by_unknown_field_raises_before_sending(
    client: AnyClient, api: respx.MockRouter
) -> None:
    with pytest.raises(FilterError, match=r"Cannot order grants by 'titel'.*title"):
        client.resources.grants.order_by("-titel")
    assert len(api.calls) == 0


# -- slicing and indexing ----------------------------------------------------------------------


def test_slice_maps_to_offset_and_limit(
    client: AnyClient, run: Runner, api: respx.MockRouter
) -> None:
    route = api.get(GRANTS).respond(200, json=f.page([f.grant(i) for i in range(11, 21)]))
    records = run.all(client.resources.grants.all()[10:20])
    assert [r.id for r in records] == list(range(11, 21))
    assert params_of(route) == {"_offset": "10", "_limit": "10", "_order": "id"}


def test_slice_list_also_maps_to_offset_and_limit(
    client: AnyClient, run: Runner, api: respx.MockRouter
) -> None:
    route = api.get(GRANTS).respond(200, json=f.page([f.grant(i) for i in range(11, 16)]))
    records = run(client.resources.grants.filter(agency="NSF")[10:15].list())
    assert [r.id for r in records] == list(range(11, 16))
    assert route.call_count == 1
    assert params_of(route) == {"agency": "NSF", "_offset": "10", "_limit": "5", "_order": "id"}


def test_nested_slices_compose(client: AnyClient, run: Runner, api: respx.MockRouter) -> None:
    route = api.get(GRANTS).respond(200, json=f.page([f.grant(13), f.grant(14)]))
    run.all(client.resources.grants.all()[10:20][3:5])
    assert params_of(route) == {"_offset": "13", "_limit": "2", "_order": "id"}
    # A nested slice never reaches past the outer one.
    run.all(client.resources.grants.all()[10:20][5:50])
    assert params_of(route) == {"_offset": "15", "_limit": "5", "_order": "id"}


def test_open_slices(client: AnyClient, run: Runner, api: respx.MockRouter) -> None:
    route = api.get(GRANTS).respond(200, json=f.page([f.grant(1)]))
    run.all(client.resources.grants.all()[:3])
    assert params_of(route) == {"_limit": "3", "_order": "id"}
    run.all(client.resources.grants.all()[7:])
    assert params_of(route) == {
        "_offset": "7",
        "_limit": str(client.page_size),
        "_order": "id",
    }


def test_empty_slice_sends_nothing(client: AnyClient, run: Runner, api: respx.MockRouter) -> None:
    assert run.all(client.resources.grants.all()[5:5]) == []
    assert run.all(client.resources.grants.all()[10:20][10:12]) == []
    assert run(client.resources.grants.all()[8:3].list()) == []
    assert len(api.calls) == 0


def test_slice_larger_than_a_page_pages_by_keyset(
    make_client: Any, run: Runner, api: respx.MockRouter
) -> None:
    client = make_client(page_size=2)
    route = api.get(GRANTS).mock(
        side_effect=[
            httpx.Response(200, json=f.page([f.grant(11), f.grant(12)], count=9, next="n")),
            httpx.Response(200, json=f.page([f.grant(13)], count=9, next="n")),
        ]
    )
    records = run.all(client.resources.grants.all()[10:13])
    assert [r.id for r in records] == [11, 12, 13]
    assert params_of(route, 0) == {"_offset": "10", "_limit": "2", "_order": "id"}
    assert params_of(route, 1) == {"_limit": "1", "_order": "id", "id__gt": "12"}


def test_slice_with_step_or_negative_bounds_is_refused(client: AnyClient) -> None:
    q = client.resources.grants.all()
    with pytest.raises(ValueError, match="step"):
        q[0:10:2]
    with pytest.raises(ValueError, match="negative"):
        q[-5:]
    with pytest.raises(ValueError, match="negative"):
        q[:-1]


def test_index_fetches_one_record(client: AnyClient, run: Runner, api: respx.MockRouter) -> None:
    route = api.get(GRANTS).respond(200, json=f.page([f.grant(7)], count=30, next="n"))
    grant = run(client.resources.grants.filter(agency="NSF")[0])
    assert isinstance(grant, Grant)
    assert grant.id == 7
    assert params_of(route) == {"agency": "NSF", "_limit": "1", "_order": "id"}
    run(client.resources.grants.all()[4])
    assert params_of(route) == {"_offset": "4", "_limit": "1", "_order": "id"}
    run(client.resources.grants.all()[10:20][3])
    assert params_of(route) == {"_offset": "13", "_limit": "1", "_order": "id"}


def test_index_out_of_range_raises_index_error(
    client: AnyClient, run: Runner, api: respx.MockRouter
) -> None:
    route = api.get(GRANTS).respond(200, json=f.page([], count=3))
    with pytest.raises(IndexError, match="grants"):
        run(client.resources.grants.all()[3])
    assert params_of(route) == {"_offset": "3", "_limit": "1", "_order": "id"}
    # Past the end of a slice: no request needed at all.
    with pytest.raises(IndexError):
        run(client.resources.grants.all()[0:2][2])
    assert route.call_count == 1


def test_negative_index_raises_value_error(
    client: AnyClient, run: Runner, api: respx.MockRouter
) -> None:
    with pytest.raises(ValueError, match="negative"):
        run(client.resources.grants.all()[-1])
    assert len(api.calls) == 0


# -- first / exists / count / list / iteration -----------------------------------------------


def test_first(client: AnyClient, run: Runner, api: respx.MockRouter) -> None:
    route = api.get(GRANTS).respond(200, json=f.page([f.grant(2)], count=5, next="n"))
    first = run(client.resources.grants.order_by("-amount").first())
    assert first is not None
    assert first.id == 2
    assert params_of(route) == {"_order": "-amount", "_limit": "1"}


def test_first_of_empty_is_none(client: AnyClient, run: Runner, api: respx.MockRouter) -> None:
    api.get(GRANTS).respond(200, json=f.page([]))
    assert run(client.resources.grants.filter(agency="none").first()) is None


def test_exists(client: AnyClient, run: Runner, api: respx.MockRouter) -> None:
    route = api.get(GRANTS).mock(
        side_effect=[
            httpx.Response(200, json=f.page([f.grant(1)], count=8, next="n")),
            httpx.Response(200, json=f.page([])),
        ]
    )
    assert run(client.resources.grants.filter(agency="NSF").exists()) is True
    assert run(client.resources.grants.filter(agency="XYZ").exists()) is False
    assert params_of(route, 0) == {"agency": "NSF", "_limit": "1", "_order": "id"}
    assert params_of(route, 1) == {"agency": "XYZ", "_limit": "1", "_order": "id"}


def test_count_is_one_limit_1_request(
    client: AnyClient, run: Runner, api: respx.MockRouter
) -> None:
    route = api.get(GRANTS).respond(200, json=f.page([f.grant(1)], count=57, next="n"))
    assert run(client.resources.grants.filter(agency="NSF").search("x").count()) == 57
    assert route.call_count == 1
    assert params_of(route) == {"agency": "NSF", "_search": "x", "_limit": "1"}


def test_count_of_a_slice_is_clipped(client: AnyClient, run: Runner, api: respx.MockRouter) -> None:
    route = api.get(GRANTS).respond(200, json=f.page([f.grant(1)], count=57, next="n"))
    q = client.resources.grants.all()
    assert run(q[10:20].count()) == 10
    assert run(q[50:70].count()) == 7
    assert run(q[60:].count()) == 0
    assert all(dict(call.request.url.params) == {"_limit": "1"} for call in route.calls)


def test_list_and_iteration_give_the_same_records(
    client: AnyClient, run: Runner, api: respx.MockRouter
) -> None:
    api.get(GRANTS).respond(200, json=f.page([f.grant(1), f.grant(2), f.grant(5)]))
    q = client.resources.grants.filter(agency="NSF")
    listed = run(q.list())
    iterated = run.all(q)
    assert [g.id for g in listed] == [g.id for g in iterated] == [1, 2, 5]
    assert all(isinstance(g, Grant) for g in listed + iterated)


def test_a_query_can_be_evaluated_twice(
    client: AnyClient, run: Runner, api: respx.MockRouter
) -> None:
    route = api.get(GRANTS).respond(200, json=f.page([f.grant(1)]))
    q = client.resources.grants.all()
    assert [g.id for g in run.all(q)] == [1]
    assert [g.id for g in run.all(q)] == [1]
    assert route.call_count == 2


def test_a_chained_filter_never_replaces_an_earlier_one(
    client: AnyClient, api: respx.MockRouter
) -> None:
    narrow = client.resources.grants.filter(id__gt=100, team=1)
    with pytest.raises(FilterError, match=r"already filters id__gt=100.*id__gt=0"):
        narrow.filter(id__gt=0)
    with pytest.raises(FilterError, match="team=1"):
        narrow.filter(team_id=2)
    # The same condition again is harmless.
    assert narrow.filter(team_id=1, id__gt=100)._state.params() == {"id__gt": "100", "team": "1"}
    assert len(api.calls) == 0


async def test_async_query_refuses_a_plain_for(api: respx.MockRouter) -> None:
    """Without ``async for``, Python would fall back to ``q[0], q[1], ...`` forever."""
    async with AsyncKeystoneClient(url=BASE) as client:
        q = client.resources.grants.all()
        with pytest.raises(TypeError, match="not iterable"):
            iter(q)
        with pytest.raises(TypeError):
            list(q)  # type: ignore[call-overload]
    assert len(api.calls) == 0


@pytest.mark.parametrize(
    "narrow",
    [
        lambda q: q.filter(title="x"),
        lambda q: q.order_by("-id"),
        lambda q: q.search("x"),
    ],
)
def test_narrowing_a_sliced_query_raises_like_django(client, api, narrow) -> None:
    sliced = client.resources.grants.all()[5:10]
    with pytest.raises(TypeError, match="once a slice has been taken"):
        narrow(sliced)
    assert not api.calls


def test_truth_value_of_a_query_is_an_error_pointing_to_exists(
    client: AnyClient, api: respx.MockRouter
) -> None:
    with pytest.raises(TypeError, match=r"exists\(\)"):
        bool(client.resources.grants.filter(agency="NSF"))
    assert not api.calls

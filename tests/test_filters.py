"""Filters: lookups by field type, value conversion, and errors raised before anything is sent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
import respx

from keystone_client import AsyncKeystoneClient, FilterError, KeystoneClient, KeystoneError
from keystone_client.models import MembershipRole, RequestStatus, Team, TeamSummary

from . import factories as f
from .conftest import BASE, Runner

AnyClient = KeystoneClient | AsyncKeystoneClient

BASIC = ["", "not_eq", "in", "not_in", "isnull"]
COMPARE = ["lt", "lte", "gt", "gte"]
TEXT = ["contains", "not_contains", "startswith", "not_startswith", "endswith", "not_endswith"]
DATE_PARTS = ["year", "month", "day", "week", "week_day"]
TIME_PARTS = ["hour", "minute", "second"]
EVERY_LOOKUP = BASIC + COMPARE + TEXT + DATE_PARTS + TIME_PARTS

#: Field type -> (resource, a field of that type, sample value, its query form, lookups).
FAMILIES: dict[str, tuple[str, str, Any, str, list[str]]] = {
    "text": ("grants", "title", "Gene", "Gene", BASIC + TEXT),
    "number": ("grants", "amount", 100, "100", BASIC + COMPARE),
    "date": ("grants", "start_date", 2026, "2026", BASIC + COMPARE + DATE_PARTS),
    "datetime": (
        "allocation_requests",
        "submitted",
        5,
        "5",
        BASIC + COMPARE + DATE_PARTS + TIME_PARTS,
    ),
    "boolean": ("clusters", "enabled", 1, "1", BASIC),
    "relation": ("grants", "team", 3, "3", BASIC),
}


def compiled(client: AnyClient, resource: str, **filters: Any) -> dict[str, str]:
    """The query parameters a filter compiles to (no request is sent)."""
    params: dict[str, str] = getattr(client.resources, resource).filter(**filters)._state.params()
    return params


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_each_field_type_offers_exactly_its_lookups(
    client: AnyClient, api: respx.MockRouter, family: str
) -> None:
    resource, field, value, text, lookups = FAMILIES[family]
    for lookup in lookups:
        key = f"{field}__{lookup}" if lookup else field
        sample: Any = value
        if lookup == "isnull":
            sample, expected = True, "true"
        elif lookup in ("in", "not_in"):
            sample, expected = [value, value], f"{text},{text}"
        else:
            expected = text
        assert compiled(client, resource, **{key: sample}) == {key: expected}, key
    for lookup in sorted(set(EVERY_LOOKUP) - set(lookups)):
        with pytest.raises(FilterError) as info:
            compiled(client, resource, **{f"{field}__{lookup}": value})
        message = str(info.value)
        assert repr(lookup) in message
        assert repr(field) in message
        assert family in message
        for valid in lookups:
            assert (valid or "exact") in message
    assert len(api.calls) == 0


def test_exact_lookup_is_the_plain_field(client: AnyClient) -> None:
    assert compiled(client, "grants", title__exact="A") == {"title": "A"}


def test_lookups_reach_the_server(client: AnyClient, run: Runner, api: respx.MockRouter) -> None:
    route = api.get(f"{BASE}allocations/requests/").respond(200, json=f.page([]))
    run(
        client.resources.allocation_requests.filter(
            title__not_contains="test",
            submitted__year=2026,
            submitted__hour=4,
            active__gte=dt.date(2026, 1, 1),
            expire__isnull=True,
            status__not_in=["DC", "CR"],
        ).list()
    )
    assert dict(route.calls[0].request.url.params) == {
        "title__not_contains": "test",
        "submitted__year": "2026",
        "submitted__hour": "4",
        "active__gte": "2026-01-01",
        "expire__isnull": "true",
        "status__not_in": "DC,CR",
        "_limit": str(client.page_size),
        "_order": "id",
    }


# -- relations -------------------------------------------------------------------------------


def test_relation_by_server_name_or_model_name(client: AnyClient) -> None:
    assert compiled(client, "grants", team=1) == {"team": "1"}
    assert compiled(client, "grants", team_id=1) == {"team": "1"}
    assert compiled(client, "grants", team__in=[1, 2]) == {"team__in": "1,2"}
    assert compiled(client, "grants", team_id__in=[1, 2]) == {"team__in": "1,2"}
    assert compiled(client, "grants", team_id__isnull=False) == {"team__isnull": "false"}
    assert compiled(client, "allocation_reviews", reviewer_id=4, request_id=2) == {
        "reviewer": "4",
        "request": "2",
    }


def test_relation_by_model(client: AnyClient) -> None:
    team = Team.model_validate(f.team(5))
    summary = TeamSummary.model_validate(f.team_summary(6))
    assert compiled(client, "grants", team=team) == {"team": "5"}
    assert compiled(client, "grants", team_id=summary) == {"team": "6"}
    assert compiled(client, "grants", team__in=[team, summary, 7]) == {"team__in": "5,6,7"}


# -- value conversion ------------------------------------------------------------------------


def test_bool_values(client: AnyClient) -> None:
    assert compiled(client, "clusters", enabled=True) == {"enabled": "true"}
    assert compiled(client, "clusters", enabled=False) == {"enabled": "false"}
    assert compiled(client, "clusters", enabled__in=(True, False)) == {"enabled__in": "true,false"}


def test_date_and_datetime_values_are_iso(client: AnyClient) -> None:
    aware = dt.datetime(2026, 3, 4, 5, 6, 7, tzinfo=dt.UTC)
    assert compiled(client, "grants", start_date__lt=dt.date(2026, 1, 2)) == {
        "start_date__lt": "2026-01-02"
    }
    assert compiled(client, "allocation_requests", submitted__gte=aware) == {
        "submitted__gte": "2026-03-04T05:06:07+00:00"
    }
    offset = dt.timezone(dt.timedelta(hours=-5))
    assert compiled(
        client, "allocation_requests", submitted__lt=dt.datetime(2026, 3, 4, 5, 6, tzinfo=offset)
    ) == {"submitted__lt": "2026-03-04T05:06:00-05:00"}


def test_enum_values(client: AnyClient) -> None:
    assert compiled(client, "allocation_requests", status=RequestStatus.APPROVED) == {
        "status": "AP"
    }
    assert compiled(
        client, "allocation_requests", status__in=[RequestStatus.PENDING, RequestStatus.DECLINED]
    ) == {"status__in": "PD,DC"}
    assert compiled(client, "memberships", role__not_eq=MembershipRole.OWNER) == {
        "role__not_eq": "OW"
    }


def test_number_values(client: AnyClient) -> None:
    assert compiled(client, "grants", amount__gt=Decimal("10.50")) == {"amount__gt": "10.50"}
    assert compiled(client, "grants", amount__lte=2.5) == {"amount__lte": "2.5"}


def test_collections_are_comma_joined(client: AnyClient) -> None:
    assert compiled(client, "grants", id__in=(3, 1, 2)) == {"id__in": "3,1,2"}
    as_set = compiled(client, "grants", id__not_in={4, 5})["id__not_in"]
    assert sorted(as_set.split(",")) == ["4", "5"]
    assert compiled(client, "grants", id__in=frozenset({9})) == {"id__in": "9"}
    assert compiled(client, "grants", id__in=range(1, 4)) == {"id__in": "1,2,3"}
    assert compiled(client, "grants", agency__in=["NSF", "DOE"]) == {"agency__in": "NSF,DOE"}


def test_a_single_value_for_in_is_one_item(client: AnyClient) -> None:
    assert compiled(client, "grants", id__in=3) == {"id__in": "3"}
    assert compiled(client, "grants", agency__in="NSF") == {"agency__in": "NSF"}


def test_none_means_isnull(client: AnyClient) -> None:
    assert compiled(client, "grants", end_date=None) == {"end_date__isnull": "true"}
    assert compiled(client, "grants", end_date__not_eq=None) == {"end_date__isnull": "false"}
    assert compiled(client, "grants", team_id=None) == {"team__isnull": "true"}
    assert compiled(client, "grants", pi__isnull=True) == {"pi__isnull": "true"}


def test_unconvertible_value_raises(client: AnyClient, api: respx.MockRouter) -> None:
    with pytest.raises(FilterError, match="dict"):
        compiled(client, "grants", title={"a": 1})
    with pytest.raises(FilterError, match="NoneType"):
        compiled(client, "grants", id__in=[1, None])
    assert len(api.calls) == 0


# -- errors before sending -------------------------------------------------------------------


def test_unknown_field_names_it_and_the_valid_fields(
    client: AnyClient, run: Runner, api: respx.MockRouter
) -> None:
    with pytest.raises(FilterError) as info:
        client.resources.grants.filter(titel="x")
    message = str(info.value)
    assert "'titel'" in message
    assert "grants" in message
    for valid in ("title", "agency", "amount", "start_date", "team", "team_id"):
        assert valid in message
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, KeystoneError)
    assert len(api.calls) == 0


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.resources.grants.list(titel="x"),
        lambda c: c.resources.grants.count(agencyy="NSF"),
        lambda c: c.resources.users.filter(is_active=True).filter(usrname="x"),
        lambda c: c.resources.feed.list(user_id__contains="1"),
        lambda c: c.resources.notifications.list(read__gt=True),
        lambda c: c.resources.stats.requests(staus="AP"),
        lambda c: c.resources.allocation_requests.filter(title__icontains="x"),
        lambda c: c.resources.allocation_requests.filter(status__foo="AP"),
    ],
)
def test_typos_never_reach_the_server(
    client: AnyClient, run: Runner, api: respx.MockRouter, call: Any
) -> None:
    with pytest.raises(FilterError):
        run(call(client))
    assert len(api.calls) == 0


def test_unknown_lookup_names_it_and_the_valid_lookups(client: AnyClient) -> None:
    with pytest.raises(FilterError) as info:
        client.resources.grants.filter(title__gt="x")
    message = str(info.value)
    assert "'gt'" in message
    assert "'title'" in message
    assert "contains" in message
    assert "exact" in message


def test_order_by_unknown_field(client: AnyClient, api: respx.MockRouter) -> None:
    with pytest.raises(FilterError, match=r"'nme'.*valid fields:.*name"):
        client.resources.clusters.order_by("nme")
    with pytest.raises(FilterError):
        client.resources.clusters.order_by("name", "-enabeld")
    assert len(api.calls) == 0


def test_order_by_model_name_and_descending(client: AnyClient) -> None:
    q = client.resources.memberships.order_by("-team_id", "user_id")
    assert q._state.params() == {"_order": "-team,user"}


def test_feed_filters(client: AnyClient) -> None:
    assert compiled(client, "feed", id__startswith="r", user_id=1, record_type="audit") == {
        "id__startswith": "r",
        "user": "1",
        "record_type": "audit",
    }


# -- values the server would ignore --------------------------------------------------------------


@pytest.mark.parametrize(
    "filters",
    [
        {"title": ""},
        {"title__not_eq": ""},
        {"agency__in": [""]},
        {"title__not_contains": ""},
    ],
)
def test_empty_values_never_widen_to_every_record(
    client: AnyClient, run: Runner, api: respx.MockRouter, filters: dict[str, Any]
) -> None:
    """The server skips a filter whose value is empty, which would return every record."""
    (key,) = filters
    with pytest.raises(FilterError, match=f"Empty value for grants filter '{key}'"):
        client.resources.grants.filter(**filters)
    with pytest.raises(FilterError):
        run(client.resources.grants.count(**filters))
    assert len(api.calls) == 0


def test_excluding_nothing_is_no_filter(client: AnyClient) -> None:
    assert compiled(client, "grants", id__not_in=[], agency="NSF") == {"agency": "NSF"}


@pytest.mark.parametrize("filters", [{"team__in": []}, {"id__in": set()}, {"agency__in": ()}])
def test_in_nothing_matches_no_record_without_a_request(
    client: AnyClient, run: Runner, api: respx.MockRouter, filters: dict[str, Any]
) -> None:
    """As in Django, ``field__in=[]`` matches nothing; the server would return everything."""
    query = client.resources.grants.filter(agency="NSF", **filters)
    assert run(query.list()) == []
    assert run.all(query) == []
    assert run(query.count()) == 0
    assert run(query.first()) is None
    assert run(query.exists()) is False
    assert run(client.resources.grants.list(**filters)) == []
    with pytest.raises(FilterError, match="match no record"):
        run(client.resources.stats.grants(**filters))
    assert len(api.calls) == 0

"""The real server checks filter values before any row: the answers FakeKeystone copies.

Read-only: every request here is a GET on a list endpoint.
"""

from __future__ import annotations

from typing import Any

import pytest

from ..conftest import Runner

CHOICE = "Select a valid choice. That choice is not one of the available choices."
BAD_STATUS = "Select a valid choice. ZZ is not one of the available choices."


@pytest.mark.parametrize(
    ("path", "query", "errors"),
    [
        ("allocations/requests/", {"team": "999999"}, {"team": [CHOICE]}),
        ("allocations/requests/", {"team__in": "1,999999"}, {"team__in": [CHOICE]}),
        ("allocations/requests/", {"team__not_in": "999999"}, {"team__not_in": [CHOICE]}),
        ("users/memberships/", {"team": "999999"}, {"team": [CHOICE]}),
        ("logs/audit/", {"content_type": "999999"}, {"content_type": [CHOICE]}),
        ("allocations/requests/", {"status": "ZZ"}, {"status": [BAD_STATUS]}),
        (
            "allocations/requests/",
            {"id": "-1", "submitted__gt": "abc"},
            {"submitted__gt": ["Enter a valid date/time."]},
        ),
        ("allocations/requests/", {"id__in": "1,abc"}, {"id__in": ["Enter a number."]}),
    ],
)
def test_the_server_refuses_a_filter_value_before_any_row(
    run: Runner, live: Any, path: str, query: dict[str, str], errors: dict[str, list[str]]
) -> None:
    answer = run(live.http_get(path, params=query))
    assert answer.status_code == 400
    assert answer.json() == errors


def test_the_servers_400_names_every_refused_value_by_field_then_lookup(
    run: Runner, live: Any
) -> None:
    query = {"team__in": "abc", "team": "abc", "status": "ZZ", "id__gt": "abc", "id": "abc"}
    answer = run(live.http_get("allocations/requests/", params=query))
    assert answer.status_code == 400
    assert list(answer.json().items()) == [
        ("id", ["Enter a number."]),
        ("id__gt", ["Enter a number."]),
        ("status", [BAD_STATUS]),
        ("team", [CHOICE]),
        ("team__in", [CHOICE]),
    ]


def _count(run: Runner, live: Any, query: dict[str, str]) -> int:
    answer = run(live.http_get("allocations/requests/", params={**query, "_limit": "1"}))
    assert answer.status_code == 200, answer.text
    return int(answer.json()["count"])


def test_the_server_ignores_empty_values_and_relation_comparisons(run: Runner, live: Any) -> None:
    every = _count(run, live, {})
    assert every > 0
    for query in ({"team__lt": "999999"}, {"team": ""}, {"id": ""}, {"submitted__gt": ""}):
        assert _count(run, live, query) == every, query
    assert _count(run, live, {"id": "999999"}) == 0
    # Choice codes are checked for exact and not_eq only.
    assert _count(run, live, {"status__in": "AP,ZZ"}) == _count(run, live, {"status": "AP"})

"""Which records the fake lists for each filter lookup, search and ordering, and in what order."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from keystone_client import BadRequestError
from keystone_client._filters import ID
from keystone_client.testing import FakeKeystone
from keystone_client.testing._schema import COLLECTIONS, CONTENT_TYPE_TARGET


@pytest.fixture
def api() -> Iterator[httpx.Client]:
    """Plain httpx on a fake holding a few grants and users chosen to tell lookups apart."""
    fake = FakeKeystone()
    fake.load(
        "grants",
        [
            # 2024-06-15 is a Saturday (ISO week 24), 2025-03-09 a Sunday (ISO week 10).
            {"title": "G1", "amount": 100, "start_date": "2024-01-01", "pi": "Ada"},
            {
                "title": "G2",
                "amount": 200,
                "start_date": "2024-06-15",
                "end_date": "2025-06-15",
                "description": "alpha beta",
            },
            {
                "title": "G3",
                "amount": 300,
                "start_date": "2025-03-09",
                "end_date": "2026-01-01",
                "description": "beta gamma",
            },
            {"title": "G4", "amount": 200, "start_date": "2024-02-02", "end_date": "2025-01-01"},
        ],
    )
    fake.load(
        "users",
        [
            {"username": "u1", "last_login": "2025-03-09T10:20:30Z"},
            {"username": "u2", "is_active": False, "last_login": "2025-03-10T23:45:59Z"},
        ],
    )
    with httpx.Client(
        base_url=fake.url,
        transport=fake.transport(),
        headers={"Authorization": f"Token {fake.token}"},
    ) as client:
        yield client


def _grants(api: httpx.Client, **query: str) -> list[str]:
    answer = api.get("/research/grants/", params=query)
    assert answer.status_code == 200, answer.text
    return [g["title"] for g in answer.json()["results"]]


def _users(api: httpx.Client, **query: str) -> list[str]:
    answer = api.get("/users/users/", params=query)
    assert answer.status_code == 200, answer.text
    return [u["username"] for u in answer.json()["results"]]


@pytest.mark.parametrize(
    ("query", "titles"),
    [
        ({"amount__lt": "200"}, ["G1"]),
        ({"amount__lte": "200"}, ["G1", "G2", "G4"]),
        ({"amount__gt": "200"}, ["G3"]),
        ({"amount__gte": "200"}, ["G2", "G3", "G4"]),
        ({"amount": "200"}, ["G2", "G4"]),
        ({"amount__not_eq": "200"}, ["G1", "G3"]),
        ({"amount__in": "100,,300"}, ["G1", "G3"]),
        ({"amount__not_in": "100,300"}, ["G2", "G4"]),
        ({"end_date__isnull": "true"}, ["G1"]),
        ({"end_date__isnull": "True"}, ["G1"]),
        ({"end_date__isnull": "1"}, ["G1"]),
        ({"end_date__isnull": "false"}, ["G2", "G3", "G4"]),
        ({"end_date__isnull": "0"}, ["G2", "G3", "G4"]),
        ({"end_date__isnull": "yes"}, ["G1", "G2", "G3", "G4"]),
        ({"description__contains": "beta"}, ["G2", "G3"]),
        ({"description__startswith": "beta"}, ["G3"]),
        ({"description__endswith": "beta"}, ["G2"]),
        # Negated lookups keep NULLs, as Django's exclude() does.
        ({"description__not_eq": "alpha beta"}, ["G1", "G3", "G4"]),
        ({"description__not_contains": "alpha"}, ["G1", "G3", "G4"]),
        ({"description__not_startswith": "beta"}, ["G1", "G2", "G4"]),
        ({"description__not_endswith": "gamma"}, ["G1", "G2", "G4"]),
        ({"start_date__gte": "2024-06-15"}, ["G2", "G3"]),
        ({"start_date__lt": "2024-06-15"}, ["G1", "G4"]),
        ({"start_date__year": "2025"}, ["G3"]),
        ({"start_date__month": "6"}, ["G2"]),
        ({"start_date__day": "9"}, ["G3"]),
        ({"start_date__week": "10"}, ["G3"]),
        ({"start_date__week": "24"}, ["G2"]),
        ({"start_date__week_day": "1"}, ["G3"]),  # Sunday
        ({"start_date__week_day": "7"}, ["G2"]),  # Saturday
        # Unknown lookups, fields and orderings are ignored, as on the server.
        ({"amount__contains": "1"}, ["G1", "G2", "G3", "G4"]),
        ({"title__gt": "G2"}, ["G1", "G2", "G3", "G4"]),
        ({"colour": "red"}, ["G1", "G2", "G3", "G4"]),
    ],
)
def test_grant_lookups(api, query, titles):
    assert _grants(api, **query) == titles


@pytest.mark.parametrize(
    ("query", "usernames"),
    [
        ({"is_active": "true"}, ["admin", "u1"]),
        ({"is_active": "True"}, ["admin", "u1"]),
        ({"is_active": "1"}, ["admin", "u1"]),
        ({"is_active": "false"}, ["u2"]),
        ({"is_active": "0"}, ["u2"]),
        ({"is_active__not_eq": "true"}, ["u2"]),
        ({"is_active__in": "true"}, ["admin", "u1"]),
        ({"is_active__in": "1"}, ["admin", "u1"]),
        # Anything but true/false/1/0 leaves a boolean filter out.
        ({"is_active": "yes"}, ["admin", "u1", "u2"]),
        ({"is_active": "no"}, ["admin", "u1", "u2"]),
        ({"last_login__gte": "2025-03-09T10:20:30"}, ["u1", "u2"]),  # naive means UTC
        ({"last_login__gt": "2025-03-09T10:20:30Z"}, ["u2"]),
        ({"last_login__gte": "2025-03-09T12:20:30+02:00"}, ["u1", "u2"]),
        ({"last_login__lt": "2025-03-09T12:20:31+02:00"}, ["u1"]),
        ({"last_login__lte": "2025-03-10"}, ["u1"]),
        ({"last_login": "2025-03-09T10:20:30Z"}, ["u1"]),
        ({"last_login__year": "2025"}, ["u1", "u2"]),
        ({"last_login__day": "10"}, ["u2"]),
        ({"last_login__week_day": "1"}, ["u1"]),
        ({"last_login__hour": "10"}, ["u1"]),
        ({"last_login__minute": "45"}, ["u2"]),
        ({"last_login__second": "30"}, ["u1"]),
        ({"last_login__isnull": "true"}, ["admin"]),
    ],
)
def test_user_lookups(api, query, usernames):
    assert _users(api, **query) == usernames


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"amount__in": "100,lots"}, "Enter a number."),
        ({"start_date": "2024-01-01T10:00:00"}, "Enter a valid date."),
        ({"start_date__year": "soon"}, "Enter a number."),
        ({"end_date__week_day": "sunday"}, "Enter a number."),
        (
            {"team": "abc"},
            "Select a valid choice. That choice is not one of the available choices.",
        ),
        (
            {"team__in": "1,abc"},
            "Select a valid choice. That choice is not one of the available choices.",
        ),
    ],
)
def test_unparsable_filter_values_answer_400(api, query, message):
    answer = api.get("/research/grants/", params=query)
    assert answer.status_code == 400
    assert answer.json() == {next(iter(query)): [message]}


def test_users_last_login_bad_value_answers_400(api):
    answer = api.get("/users/users/", params={"last_login__hour": "ten"})
    assert answer.json() == {"last_login__hour": ["Enter a number."]}
    answer = api.get("/users/users/", params={"last_login__gte": "soon"})
    assert answer.json() == {"last_login__gte": ["Enter a valid date/time."]}


@pytest.mark.parametrize(
    ("order", "titles"),
    [
        ("-amount", ["G3", "G2", "G4", "G1"]),
        ("-amount,id", ["G3", "G2", "G4", "G1"]),
        ("-amount,-id", ["G3", "G4", "G2", "G1"]),
        (" -amount , -id ", ["G3", "G4", "G2", "G1"]),
        ("amount,-start_date", ["G1", "G2", "G4", "G3"]),
        ("-amount,colour,-id", ["G3", "G4", "G2", "G1"]),
        ("colour,-amount", ["G3", "G2", "G4", "G1"]),
        # NULLs last ascending, first descending.
        ("end_date", ["G4", "G2", "G3", "G1"]),
        ("-end_date", ["G1", "G3", "G2", "G4"]),
        # Only a leading "-" is a direction; other spellings are not fields.
        ("+amount", ["G1", "G2", "G3", "G4"]),
        ("--amount", ["G1", "G2", "G3", "G4"]),
        ("colour", ["G1", "G2", "G3", "G4"]),
    ],
)
def test_ordering(api, order, titles):
    assert _grants(api, _order=order) == titles


def test_an_ordering_of_unknown_fields_falls_back_to_the_default_order():
    fake = FakeKeystone()
    fake.load(
        "task_logs", [{"date_done": "2025-01-02T00:00:00Z"}, {"date_done": "2025-01-03T00:00:00Z"}]
    )
    with httpx.Client(
        base_url=fake.url,
        transport=fake.transport(),
        headers={"Authorization": f"Token {fake.token}"},
    ) as client:
        for order in ("colour", "date_done", "-date_done"):
            ids = [
                t["id"]
                for t in client.get("/logs/tasks/", params={"_order": order}).json()["results"]
            ]
            assert ids == ([1, 2] if order == "date_done" else [2, 1])


@pytest.mark.parametrize(
    ("search", "titles"),
    [
        ("BETA", ["G2", "G3"]),
        ("gamma", ["G3"]),
        ("ada", ["G1"]),
        ("", ["G1", "G2", "G3", "G4"]),
    ],
)
def test_search_is_case_insensitive_over_text_fields(api, search, titles):
    assert _grants(api, _search=search) == titles


# -- filter values checked before any row, as the server's filter form does -------------------

CHOICE = "Select a valid choice. That choice is not one of the available choices."
NUMBER = "Enter a number."


def _bad_code(code: str) -> str:
    return f"Select a valid choice. {code} is not one of the available choices."


@pytest.mark.parametrize(
    ("path", "query", "errors"),
    [
        # A relation takes the id of an existing record of its target.
        ("allocations/requests/", {"team": "999999"}, {"team": [CHOICE]}),
        ("allocations/requests/", {"team__in": "1,999999"}, {"team__in": [CHOICE]}),
        ("allocations/requests/", {"team__in": "999999"}, {"team__in": [CHOICE]}),
        ("allocations/requests/", {"team__in": "abc"}, {"team__in": [CHOICE]}),
        ("allocations/requests/", {"team": "abc"}, {"team": [CHOICE]}),
        ("allocations/requests/", {"team__not_eq": "999999"}, {"team__not_eq": [CHOICE]}),
        ("allocations/requests/", {"team__not_in": "999999"}, {"team__not_in": [CHOICE]}),
        ("allocations/requests/", {"team__not_in": "1,999999"}, {"team__not_in": [CHOICE]}),
        ("users/memberships/", {"team": "999999"}, {"team": [CHOICE]}),
        ("notifications/notifications/", {"user": "999999"}, {"user": [CHOICE]}),
        ("logs/requests/", {"user": "999999"}, {"user": [CHOICE]}),
        ("logs/audit/", {"actor": "999999"}, {"actor": [CHOICE]}),
        ("logs/audit/", {"content_type": "999999"}, {"content_type": [CHOICE]}),
        ("logs/audit/", {"content_type": "36"}, {"content_type": [CHOICE]}),
        ("logs/audit/", {"content_type": "abc"}, {"content_type": [CHOICE]}),
        ("logs/feed/", {"user": "999999"}, {"user": [CHOICE]}),
        # A choice field takes one of its codes, for exact and not_eq.
        ("allocations/requests/", {"status": "ZZ"}, {"status": [_bad_code("ZZ")]}),
        ("allocations/requests/", {"status__not_eq": "ZZ"}, {"status__not_eq": [_bad_code("ZZ")]}),
        ("users/memberships/", {"role": "XX"}, {"role": [_bad_code("XX")]}),
        ("logs/feed/", {"record_type": "ZZ"}, {"record_type": [_bad_code("ZZ")]}),
        (
            "notifications/notifications/",
            {"notification_type": "ZZ"},
            {"notification_type": [_bad_code("ZZ")]},
        ),
        ("logs/audit/", {"action": "9"}, {"action": [_bad_code("9")]}),
        ("logs/audit/", {"action": "abc"}, {"action": [_bad_code("abc")]}),
        ("logs/audit/", {"action__in": "1,abc"}, {"action__in": [NUMBER]}),
        # Values are parsed before any row is compared: no row is left here.
        (
            "allocations/requests/",
            {"id": "-1", "submitted__gt": "abc"},
            {"submitted__gt": ["Enter a valid date/time."]},
        ),
        ("research/grants/", {"id": "-1", "amount": "abc"}, {"amount": [NUMBER]}),
        ("allocations/requests/", {"id": "abc"}, {"id": [NUMBER]}),
        ("allocations/requests/", {"id": "nan"}, {"id": [NUMBER]}),
        ("allocations/requests/", {"id__in": "1,abc"}, {"id__in": [NUMBER]}),
        ("allocations/requests/", {"id__in": "abc,1"}, {"id__in": [NUMBER]}),
        (
            "allocations/requests/",
            {"active": "2024-01-01T00:00:00"},
            {"active": ["Enter a valid date."]},
        ),
    ],
)
def test_a_refused_filter_value_answers_400(run, on, path, query, errors):
    answer = run(on().http_get(path, params=query))
    assert answer.status_code == 400
    assert answer.json() == errors


def test_every_refused_value_is_named_by_field_in_model_order_then_by_lookup(run, on):
    query = {
        "team__not_in": "abc",
        "team": "abc",
        "team__in": "abc",
        "team__not_eq": "abc",
        "id__gt": "abc",
        "id": "abc",
        "status__not_eq": "ZZ",
        "status": "ZZ",
        "submitted__gt": "abc",
        "title": "ok",
    }
    answer = run(on().http_get("allocations/requests/", params=query))
    assert answer.status_code == 400
    body = answer.json()
    assert list(body.items()) == [
        ("id", [NUMBER]),
        ("id__gt", [NUMBER]),
        ("submitted__gt", ["Enter a valid date/time."]),
        ("status", [_bad_code("ZZ")]),
        ("status__not_eq", [_bad_code("ZZ")]),
        ("team", [CHOICE]),
        ("team__not_eq", [CHOICE]),
        ("team__in", [CHOICE]),
        ("team__not_in", [CHOICE]),
    ]


def _ids(run, client, path, query):
    answer = run(client.http_get(path, params=query))
    assert answer.status_code == 200, answer.text
    return [r["id"] for r in answer.json()["results"]]


EVERY_REQUEST = [1, 2, 3, 4, 5, 6, 7]


@pytest.mark.parametrize(
    ("query", "ids"),
    [
        # Relations have no comparison lookups: ignored.
        ({"team__lt": "999999"}, EVERY_REQUEST),
        ({"team__gte": "abc"}, EVERY_REQUEST),
        # Choice codes are checked for exact and not_eq only.
        ({"status__in": "AP,ZZ"}, [1, 2, 4, 7]),
        ({"status__contains": "ZZ"}, []),
        # Empty values leave the filter out, whatever its kind.
        ({"status": ""}, EVERY_REQUEST),
        ({"status__not_eq": ""}, EVERY_REQUEST),
        ({"team": ""}, EVERY_REQUEST),
        ({"team__in": ""}, EVERY_REQUEST),
        ({"id": ""}, EVERY_REQUEST),
        ({"submitted__gt": ""}, EVERY_REQUEST),
        ({"submitted__year": ""}, EVERY_REQUEST),
        ({"team__isnull": "maybe"}, EVERY_REQUEST),
        # A list of empty items names no record.
        ({"team__in": ","}, []),
        ({"team__in": "3,"}, [6]),
        # The record's own id is a number, not a relation.
        ({"id": "999999"}, []),
        ({"team__in": "2,3", "status": "DC"}, [5]),
    ],
)
def test_filters_the_server_ignores_or_accepts(run, on, query, ids):
    assert _ids(run, on(), "allocations/requests/", query) == ids


def test_a_relation_may_name_a_record_the_caller_cannot_see(run, on):
    ben = on("ben")  # a member of teams 1 and 2
    assert _ids(run, ben, "allocations/requests/", {"team": "3"}) == []
    assert _ids(run, ben, "research/grants/", {"team__in": "3"}) == []
    assert _ids(run, ben, "notifications/notifications/", {"user": "1"}) == []
    answer = run(ben.http_get("allocations/requests/", params={"team": "999999"}))
    assert answer.status_code == 400
    assert answer.json() == {"team": [CHOICE]}


def test_audit_filters_take_the_fakes_content_types_and_the_action_codes(run, on):
    client = on()
    run(client.resources.grants.update(1, title="Renamed"))
    answer = run(client.http_get("logs/audit/", params={"_limit": "500"}))
    logs = answer.json()["results"]
    # Content types are the server's ids: 33 is users.user, 35 the last of its models.
    users = [log["id"] for log in logs if log["record_name"] == "users | User"]
    updates = [log["id"] for log in logs if log["action"] == "update"]
    assert users and updates
    assert _ids(run, client, "logs/audit/", {"content_type": "33", "_limit": "500"}) == users
    assert _ids(run, client, "logs/audit/", {"content_type": "35", "_limit": "500"}) != []
    assert _ids(run, client, "logs/audit/", {"content_type": "1", "_limit": "500"}) == []
    for query in ({"action": "1"}, {"action__in": "1,9"}):
        assert _ids(run, client, "logs/audit/", {**query, "_limit": "500"}) == updates


def test_a_typed_query_with_a_missing_relation_raises_bad_request(run, on):
    requests = on().resources.allocation_requests
    with pytest.raises(BadRequestError) as caught:
        run(requests.list(team_id=999999))
    assert caught.value.status_code == 400
    assert caught.value.errors == {"team": [CHOICE]}
    assert run(requests.count(team_id=3)) == 1


def test_every_relation_filter_knows_the_collection_it_points_to():
    relations = [
        (coll.name, name, coll.targets.get(name))
        for coll in COLLECTIONS.values()
        for name, kind in coll.spec.filters.items()
        if kind == ID
    ]
    assert relations
    assert [r for r in relations if r[2] not in (*COLLECTIONS, CONTENT_TYPE_TARGET)] == []
    assert ("audit_logs", "actor", "users") in relations


def test_a_text_filter_compares_text_even_with_a_number_stored(run, on, fake):
    fake.add("grants", title="2024", grant_number="12")
    client = on()
    assert _ids(run, client, "research/grants/", {"title": "2024"}) == [5]
    assert _ids(run, client, "research/grants/", {"title__in": "2024,x"}) == [5]
    assert _ids(run, client, "research/grants/", {"title": "abc"}) == []


def test_a_boolean_field_orders_false_first(run, on):
    client = on()
    assert _ids(run, client, "allocations/clusters/", {"_order": "enabled,id"}) == [3, 1, 2]
    assert _ids(run, client, "allocations/clusters/", {"_order": "-enabled,id"}) == [1, 2, 3]


@pytest.mark.parametrize(
    "query",
    [
        # An ignored parameter before a filter leaves the later filter in force.
        {"colour": "red", "team__in": "2,3"},
        {"team__gt": "1", "team__in": "2,3"},
        {"status": "", "team__in": "2,3"},
        {"team__isnull": "maybe", "team__in": "2,3"},
    ],
)
def test_a_filter_after_an_ignored_one_still_applies(run, on, query):
    assert _ids(run, on(), "allocations/requests/", query) == [4, 5, 6]


def test_a_boolean_not_eq_with_another_word_is_ignored(run, on):
    client = on()
    assert _ids(run, client, "allocations/clusters/", {"enabled__not_eq": "yes"}) == [1, 2, 3]
    assert _ids(run, client, "allocations/clusters/", {"enabled__not_eq": "true"}) == [3]


@pytest.mark.parametrize(
    ("query", "ids"),
    [
        # 23:30 at UTC-2 on 9 March is 01:30 UTC on Monday 10 March.
        ({"created__day": "10"}, [2]),
        ({"created__day": "9"}, []),
        ({"created__hour": "1"}, [2]),
        ({"created__minute": "30"}, [2]),
        ({"created__week_day": "2"}, [2]),
        ({"created__week_day": "1"}, [1]),
        ({"created__week": "11"}, [2]),
        ({"created__gt": "2025-03-10T01:00:00Z"}, [2]),
        ({"created__lt": "2025-03-10T02:00:00+00:00"}, [1, 2]),
        ({"created__lt": "2025-03-10T01:30:00Z"}, [1]),
        ({"created": "2025-03-10T01:30:00Z"}, [2]),
    ],
)
def test_a_timestamp_stored_with_an_offset_is_compared_in_utc(run, on, fake, query, ids):
    fake.add("comments", created="2025-03-09T23:30:00-02:00")
    assert _ids(run, on(), "allocations/comments/", query) == ids

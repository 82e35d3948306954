"""Which records the fake lists for each filter lookup, search and ordering, and in what order."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from keystone_client.testing import FakeKeystone


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

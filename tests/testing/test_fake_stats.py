"""The fake's ``stats/`` endpoints: the numbers the server's aggregates give."""

from __future__ import annotations

import datetime as dt

import pytest

from keystone_client.testing import FakeKeystone

TODAY = dt.date.today()


def _day(offset: int) -> str:
    return str(TODAY + dt.timedelta(days=offset))


def _midnight(offset: int, hour: int = 0) -> str:
    return f"{_day(offset)}T{hour:02d}:00:00Z"


@pytest.fixture
def fake() -> FakeKeystone:
    return FakeKeystone()


def _requests(fake: FakeKeystone) -> None:
    # (status, active, expire, submitted, awarded): the stage follows from the dates.
    rows = [
        ("AP", _day(0), _day(20), _midnight(-2, 12), 100),  # active from today
        ("AP", _day(5), _day(30), _midnight(-1), 20),  # upcoming
        ("AP", _day(-40), _day(0), _midnight(-41), 3),  # active until today
        ("AP", _day(-101), _day(-1), _midnight(-101), 7),  # expired
        ("AP", _day(-3), None, _midnight(-3), 50),  # no expiry: in no stage
        ("PD", None, None, _midnight(-9), None),
        ("DC", None, None, _midnight(-9), 4),
    ]
    for status, active, expire, submitted, awarded in rows:
        request = fake.add(
            "allocation_requests",
            status=status,
            active=active,
            expire=expire,
            submitted=submitted,
        )
        fake.add("allocations", request=request.id, requested=10, awarded=awarded, final=2)


def test_request_stats_count_each_stage_as_the_server_does(fake, raw):
    _requests(fake)
    answer = raw.get("/stats/requests/")
    assert answer.status_code == 200
    assert answer.json() == {
        "request_count": 7,
        "request_pending_count": 1,
        "request_approved_count": 5,
        "request_declined_count": 1,
        "request_upcoming_count": 1,
        "request_active_count": 2,
        "request_expired_count": 1,
        "su_pending_total": 0.0,
        "su_declined_total": 4.0,
        "su_approved_total": 180.0,
        "su_upcoming_total": 20.0,
        "su_active_total": 103.0,
        "su_expired_total": 7.0,
        "su_requested_total": 70.0,
        "su_awarded_total": 184.0,
        "su_finalized_total": 14.0,
        # submitted -> active: 1.5, 6, 1, 0 and 0 days; whole days of the mean 1.7
        "days_pending_average": 1.0,
        # active -> expire: 20, 25, 40 and 100 days; whole days of the mean 46.25
        "days_active_average": 46.0,
    }


def test_request_stats_follow_the_query(run, fake, on):
    _requests(fake)
    stats = run(on().resources.stats.requests(status="PD"))
    assert (stats.request_count, stats.request_pending_count) == (1, 1)
    assert (stats.days_pending_average, stats.days_active_average) == (None, None)


def test_request_stats_of_nothing(fake, raw):
    answer = raw.get("/stats/requests/").json()
    assert answer["request_count"] == 0
    assert answer["su_awarded_total"] == 0.0
    assert (answer["days_pending_average"], answer["days_active_average"]) == (None, None)


def _grants(fake: FakeKeystone) -> None:
    rows = [
        (_day(1), _day(100), "1000.00", "NSF"),  # upcoming
        (_day(-10), _day(10), "200.50", "NSF"),  # active
        (_day(0), None, "300.25", "DOE"),  # open-ended: in no stage
        (_day(-100), _day(0), "50.00", "NIH"),  # ends today: expired
        (_day(-200), _day(-1), "10.01", "NIH"),  # expired
        (_day(0), _day(1), "1.00", "NASA"),  # starts today: active
    ]
    for start, end, amount, agency in rows:
        fake.add("grants", start_date=start, end_date=end, amount=amount, agency=agency)


def test_grant_stats_count_each_stage_as_the_server_does(fake, raw):
    _grants(fake)
    answer = raw.get("/stats/grants/")
    assert answer.status_code == 200
    assert answer.json() == {
        "grant_count": 6,
        "upcoming_count": 1,
        "active_count": 2,
        "expired_count": 2,
        "agency_count": 4,
        "funding_total": "1561.76",
        "funding_upcoming": "1000.00",
        "funding_active": "201.50",
        "funding_expired": "60.01",
        "funding_average": "260.29",
    }


def test_grant_stats_follow_the_query(run, fake, on):
    _grants(fake)
    stats = run(on().resources.stats.grants(agency="NIH"))
    assert (stats.grant_count, stats.expired_count, stats.agency_count) == (2, 2, 1)
    assert str(stats.funding_average) == "30.00"  # 60.01 / 2, rounded half to even


def test_grant_stats_of_nothing(fake, raw):
    assert raw.get("/stats/grants/").json() == {
        "grant_count": 0,
        "upcoming_count": 0,
        "active_count": 0,
        "expired_count": 0,
        "agency_count": 0,
        "funding_total": "0.00",
        "funding_upcoming": "0.00",
        "funding_active": "0.00",
        "funding_expired": "0.00",
        "funding_average": "0.00",
    }


def _publications(fake: FakeKeystone) -> None:
    rows = [
        (None, None, "J1"),  # draft
        (_day(-30), None, "J1"),  # submitted
        ("2024-01-01", "2024-01-11", "J2"),  # accepted after 10 days
        *[("2024-02-01", "2024-02-02", "J3")] * 4,  # after 1 day each
        ("2024-03-01", "2024-03-04", "J3"),  # after 3 days
        ("2024-04-01", "2024-04-01", "J4"),  # the same day
    ]
    for submitted, published, journal in rows:
        fake.add("publications", submitted=submitted, published=published, journal=journal)


def test_publication_stats_count_each_stage_as_the_server_does(fake, raw):
    _publications(fake)
    answer = raw.get("/stats/publications/")
    assert answer.status_code == 200
    assert answer.json() == {
        "publications_count": 9,
        "draft_count": 1,
        "submitted_count": 1,
        "accepted_count": 7,
        "journals_count": 4,
        "review_average": "2 10:17:08.571429",  # 17 days over 7 reviews
    }


@pytest.mark.parametrize(
    ("reviews", "average"),
    [
        ([1, 2], "1 12:00:00"),
        ([0, 0, 1], "08:00:00"),
        ([0] * 23 + [1], "01:00:00"),
        ([0, 0, 0, 0, 0, 0, 1], "03:25:42.857143"),
    ],
)
def test_publication_review_average_in_djangos_duration_format(fake, raw, reviews, average):
    for days in reviews:
        published = dt.date(2024, 1, 1) + dt.timedelta(days=days)
        fake.add("publications", submitted="2024-01-01", published=str(published), journal="J")
    assert raw.get("/stats/publications/").json()["review_average"] == average


def test_publication_stats_follow_the_query(run, fake, on):
    _publications(fake)
    stats = run(on().resources.stats.publications(journal="J1"))
    assert (stats.publications_count, stats.draft_count, stats.submitted_count) == (2, 1, 1)
    assert (stats.accepted_count, stats.journals_count, stats.review_average) == (0, 1, None)

"""Resources, queries and pagination against a real Keystone server (sync and async).

Skipped unless ``KEYSTONE_TEST_URL``, ``KEYSTONE_TEST_USERNAME`` and ``KEYSTONE_TEST_PASSWORD``
are set. The credentials must be a staff user; every record created here is deleted again.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

import pytest

from keystone_client import FieldError, FilterError, NotFoundError
from keystone_client.models import Grant, Team

from ..conftest import Runner

ALL_RESOURCES = [
    "users",
    "teams",
    "memberships",
    "clusters",
    "allocations",
    "allocation_requests",
    "allocation_reviews",
    "comments",
    "attachments",
    "grants",
    "publications",
    "notifications",
    "preferences",
    "audit_logs",
    "request_logs",
    "task_logs",
    "feed",
]

FULL_PAGE = 1000


def ids(records: list[Any]) -> list[Any]:
    return [record.id for record in records]


@pytest.mark.parametrize("name", ["users", "teams", "clusters", "grants", "allocation_requests"])
def test_list_count_first_agree(live: Any, run: Runner, name: str) -> None:
    manager = getattr(live.resources, name)
    total = run(manager.count())
    first = run(manager.all().first())
    if total == 0:
        assert first is None
        return
    assert first is not None
    head = run(manager.all()[:5].list())
    assert len(head) == min(5, total)
    assert ids(head)[0] == first.id
    assert run(manager.all().exists()) is True


def test_filters_narrow_the_result(live: Any, run: Runner) -> None:
    grants = live.resources.grants
    first = run(grants.all().first())
    if first is None:
        pytest.skip("the server has no grants")
    narrowed = run(grants.list(id=first.id))
    assert ids(narrowed) == [first.id]
    by_team = run(grants.filter(team_id=first.team_id)[:50].list())
    assert by_team and all(g.team_id == first.team_id for g in by_team)
    assert run(grants.count(team=first.team_id)) >= len(by_team)
    assert run(grants.count(id__in=[first.id, -1])) == 1
    assert run(grants.filter(title=first.title, id=first.id).exists()) is True
    assert run(grants.filter(id__lt=0).exists()) is False


def test_allocation_requests_filter_by_status_and_order(live: Any, run: Runner) -> None:
    requests = live.resources.allocation_requests
    approved = run(requests.filter(status="AP").order_by("-submitted")[:20].list())
    assert all(r.status == "AP" for r in approved)
    stamps = [r.submitted for r in approved]
    assert stamps == sorted(stamps, reverse=True)
    choices = run(requests.choices("status"))
    assert "AP" in choices


def test_slices_and_index_match_the_listing(live: Any, run: Runner) -> None:
    q = live.resources.users.all()
    head = run(q[:6].list())
    if len(head) < 6:
        pytest.skip("needs at least six users")
    assert ids(run(q[2:6].list())) == ids(head)[2:6]
    assert run(q[3]).id == head[3].id
    assert ids(run(q[2:6][1:3].list())) == ids(head)[3:5]


@pytest.mark.parametrize("name", ALL_RESOURCES)
def test_full_page_of_every_collection_parses(
    make_live_client: Any, run: Runner, name: str
) -> None:
    client = make_live_client(page_size=FULL_PAGE)
    manager = getattr(client.resources, name)
    total = run(manager.count())
    records = run(manager.all()[:FULL_PAGE].list())
    # Log collections grow with the requests this test itself makes.
    assert min(total, FULL_PAGE) <= len(records) <= FULL_PAGE
    assert all(isinstance(record, manager.spec.model) for record in records)
    assert len(set(ids(records))) == len(records)


def test_iteration_yields_each_record_once(make_live_client: Any, run: Runner) -> None:
    client = make_live_client(page_size=50)
    records = run.all(client.resources.audit_logs.all()[:300])
    got = ids(records)
    assert len(got) == len(set(got))
    assert got == sorted(got, reverse=True)


def test_list_equals_iteration(make_live_client: Any, run: Runner) -> None:
    client = make_live_client(page_size=100)
    q = client.resources.grants.filter(id__lte=2000)
    assert ids(run(q.list())) == ids(run.all(q))


def test_stats_and_server_information(live: Any, run: Runner) -> None:
    stats = run(live.resources.stats.grants())
    assert stats.grant_count == run(live.resources.grants.count())
    assert run(live.resources.stats.requests()).request_count >= 0
    assert run(live.resources.stats.publications()).publications_count >= 0
    assert run(live.resources.stats.notifications()).total >= 0
    assert run(live.version())
    assert run(live.config()).max_upload_size > 0
    assert run(live.health()).checks


def test_filter_typo_raises_before_sending(live: Any, run: Runner) -> None:
    with pytest.raises(FilterError, match="titel"):
        run(live.resources.grants.list(titel="x"))
    with pytest.raises(FilterError, match="contain"):
        run(live.resources.grants.count(amount__contains="1"))
    with pytest.raises(FieldError, match="titel"):
        run(live.resources.grants.update(1, titel="x"))


def test_grant_crud_round_trip(live: Any, run: Runner) -> None:
    team = run(live.resources.teams.all().first())
    if team is None:
        pytest.skip("the server has no team to own a grant")
    assert isinstance(team, Team)
    marker = f"keystone-client live test {uuid.uuid4()}"
    grant: Grant | None = None
    try:
        grant = run(
            live.resources.grants.create(
                title=marker,
                agency="NSF",
                amount=Decimal("1234.50"),
                start_date=dt.date(2026, 1, 1),
                team=team,
            )
        )
        assert isinstance(grant, Grant)
        assert grant.title == marker
        assert grant.amount == Decimal("1234.50")
        assert grant.team_id == team.id

        fetched = run(live.resources.grants.get(grant.id))
        assert fetched.title == marker
        assert run(live.resources.grants.filter(title=marker).count()) == 1

        updated = run(live.resources.grants.update(grant.id, pi="Dr. Live"))
        assert updated.pi == "Dr. Live"
        assert updated.title == marker

        fetched.description = "saved"
        saved = run(live.resources.grants.save(fetched))
        assert saved.description == "saved"
        # save() sent only the description: the PATCH of pi above is not overwritten.
        assert saved.pi == "Dr. Live"
        assert fetched.changed_fields() == {}

        replaced = run(
            live.resources.grants.replace(
                grant.id,
                title=marker,
                agency="DOE",
                amount="10.00",
                start_date="2026-02-01",
                team_id=team.id,
            )
        )
        assert replaced.agency == "DOE"
        assert replaced.amount == Decimal("10.00")
        assert replaced.start_date == dt.date(2026, 2, 1)
    finally:
        if grant is not None:
            run(live.resources.grants.delete(grant.id))
    with pytest.raises(NotFoundError):
        run(live.resources.grants.get(grant.id))

"""What a delete does on a real Keystone server: cascades, audits each record, and a PROTECT
key refuses it with the server's 500 page. The fake (``FakeKeystone``) is built to match.

Skipped unless the live tier's variables are set; the credentials must be a staff user.
Every record made here is deleted again, whatever the outcome.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from keystone_client import NotFoundError, ServerError

from ..conftest import Runner


class Made:
    """Records made by a test, deleted in reverse order afterwards (gone ones skipped)."""

    def __init__(self, live: Any, run: Runner) -> None:
        self.live = live
        self.run = run
        self.records: list[tuple[str, int]] = []

    def add(self, resource: str, **fields: Any) -> Any:
        record = self.run(getattr(self.live.resources, resource).create(**fields))
        self.records.append((resource, record.id))
        return record

    def clean(self) -> None:
        for resource, pk in reversed(self.records):
            with contextlib.suppress(NotFoundError):
                self.run(getattr(self.live.resources, resource).delete(pk))


@pytest.fixture
def made(live: Any, run: Runner) -> Iterator[Made]:
    records = Made(live, run)
    yield records
    records.clean()


def _team_with_a_request(made: Made, tag: str, me: int) -> dict[str, Any]:
    cluster = made.add("clusters", name=f"cascade-{tag}")
    team = made.add("teams", name=f"cascade-{tag}")
    request = made.add(
        "allocation_requests", title=f"cascade {tag}", description="d", team=team.id, submitter=me
    )
    allocation = made.add("allocations", requested=10, cluster=cluster.id, request=request.id)
    return {"cluster": cluster, "team": team, "request": request, "allocation": allocation}


def test_deleting_a_team_deletes_what_refers_to_it_and_audits_each(
    live: Any, run: Runner, made: Made, make_live_client: Callable[..., Any]
) -> None:
    tag = uuid.uuid4().hex[:8]
    me = run(live.login()).id
    user = made.add(
        "users",
        username=f"cascade{tag}",
        password=f"Pw-{tag}-cascade!",
        first_name="Cas",
        last_name="Cade",
        email=f"cascade{tag}@example.org",
    )
    records = _team_with_a_request(made, tag, me)
    team, request = records["team"], records["request"]
    run(live.resources.clusters.update(records["cluster"].id, access_teams=[team.id]))
    membership = made.add("memberships", team=team.id, user=user.id, role="MB")
    grant = made.add(
        "grants",
        title=f"cascade {tag}",
        agency="a",
        amount="1.00",
        grant_number=tag,
        start_date="2024-01-01",
        end_date="2025-01-01",
        team=team.id,
    )
    run(live.resources.allocation_requests.update(request.id, grants=[grant.id]))
    comment = made.add("comments", content="hi", request=request.id, user=me)
    review = made.add("allocation_reviews", status="AP", request=request.id, reviewer=me)

    deleter = make_live_client()  # its own correlation id names the delete's audit entries
    run(deleter.resources.teams.delete(team.id))

    gone = [
        ("teams", team.id),
        ("memberships", membership.id),
        ("grants", grant.id),
        ("allocation_requests", request.id),
        ("allocations", records["allocation"].id),
        ("comments", comment.id),
        ("allocation_reviews", review.id),
    ]
    for resource, pk in gone:
        with pytest.raises(NotFoundError):
            run(getattr(live.resources, resource).get(pk))
    assert run(live.resources.users.get(user.id)).id == user.id
    assert run(live.resources.clusters.get(records["cluster"].id)).access_team_ids == []

    entries = run(live.resources.audit_logs.filter(cid=deleter.cid).order_by("id").list())
    assert [(e.record_name, e.record_id, str(e.action)) for e in entries] == [
        ("allocations | ResourceAllocation", records["allocation"].id, "delete"),
        ("allocations | AllocationReview", review.id, "delete"),
        ("allocations | Comment", comment.id, "delete"),
        ("research_products | Grant", grant.id, "delete"),
        ("users | Membership", membership.id, "delete"),
        ("allocations | AllocationRequest", request.id, "delete"),
        ("users | Team", team.id, "delete"),
    ]


def test_a_protected_cluster_refuses_the_delete_with_a_500_page(
    live: Any, run: Runner, made: Made
) -> None:
    tag = uuid.uuid4().hex[:8]
    records = _team_with_a_request(made, tag, run(live.login()).id)
    cluster, allocation = records["cluster"], records["allocation"]
    with pytest.raises(ServerError) as caught:
        run(live.resources.clusters.delete(cluster.id))
    response = caught.value.response
    assert response.status_code == 500
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "<title>Server Error (500)</title>" in response.text
    assert run(live.resources.clusters.get(cluster.id)).id == cluster.id
    assert run(live.resources.allocations.get(allocation.id)).cluster_id == cluster.id

    # In a batch the error is not a failed step (422): the whole request answers the page.
    batch = live.batch()
    batch.clusters.delete(cluster.id)
    with pytest.raises(ServerError) as caught:
        run(batch.submit())
    assert caught.value.response.status_code == 500
    assert run(live.resources.clusters.get(cluster.id)).id == cluster.id

    # Without the allocation (gone with its team's request), the cluster deletes.
    run(live.resources.teams.delete(records["team"].id))
    run(live.resources.clusters.delete(cluster.id))
    with pytest.raises(NotFoundError):
        run(live.resources.clusters.get(cluster.id))

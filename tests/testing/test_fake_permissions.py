"""The fake's permission answers for non-staff users, record by record, as the server gives them.

Demo teams: Genomics Lab (1: ben owner, dan member), Climate Modeling (2: carla owner, ben
admin), Materials Simulation (3: dan owner). Allocation requests 1-3 and 7 are team 1's, 4-5
team 2's, 6 team 3's; the one comment is on request 6.
"""

from __future__ import annotations

import httpx
import pytest

from keystone_client import PermissionDeniedError

FORBIDDEN = {"detail": "You do not have permission to perform this action."}


def test_records_of_a_request_are_seen_by_its_teams_members_only(run, on):
    ben, dan = on("ben"), on("dan")
    assert [a.id for a in run(ben.resources.allocations.list())] == [1, 2, 3, 4, 5, 7]
    assert [a.id for a in run(dan.resources.allocations.list())] == [1, 2, 3, 6, 7]
    assert [r.id for r in run(ben.resources.allocation_reviews.list())] == [1, 2, 3, 4, 6]
    assert [c.id for c in run(dan.resources.comments.list())] == [1]
    assert run(ben.resources.comments.list()) == []
    assert [a.id for a in run(ben.resources.attachments.list())] == [1]
    assert run(on("carla").resources.attachments.list()) == []
    assert run(dan.resources.allocations.get(6)).request_id == 6
    with pytest.raises(PermissionDeniedError) as caught:
        run(ben.resources.allocations.get(6))
    assert caught.value.body == FORBIDDEN
    with pytest.raises(PermissionDeniedError):
        run(ben.resources.comments.get(1))


def test_a_teams_members_see_its_grants_and_publications(run, on):
    carla = on("carla")
    assert [g.id for g in run(carla.resources.grants.list())] == [3]
    assert [p.id for p in run(carla.resources.publications.list())] == [3]
    assert [p.id for p in run(on("dan").resources.publications.list())] == [1, 2]


def test_a_users_team_list_holds_only_their_own_teams(run, on):
    assert [t.id for t in run(on().resources.teams.list())] == [1, 2, 3]  # staff: all
    assert [t.id for t in run(on("ben").resources.teams.list())] == [1, 2]
    assert [t.id for t in run(on("dan").resources.teams.list())] == [1, 3]
    assert run(on("carla").resources.teams.count()) == 1
    # The list is scoped; any team can still be read by its id.
    assert run(on("carla").resources.teams.get(3)).name == "Materials Simulation"


def test_only_owners_and_admins_change_a_team(run, on):
    dan = on("dan")  # a plain member of team 1, owner of team 3
    with pytest.raises(PermissionDeniedError) as caught:
        run(dan.resources.teams.update(1, is_active=False))
    assert caught.value.body == FORBIDDEN
    assert run(dan.resources.teams.update(3, is_active=False)).is_active is False
    ben = on("ben")  # admin of team 2
    assert run(ben.resources.teams.update(2, is_active=False)).is_active is False


def test_only_owners_and_admins_add_members(run, on):
    dan = on("dan")
    with pytest.raises(PermissionDeniedError):
        run(dan.resources.memberships.create(user=3, team=1, role="MB"))
    added = run(dan.resources.memberships.create(user=3, team=3, role="MB"))
    assert (added.user_id, added.team_id) == (3, 3)


def test_request_children_are_created_by_team_owners_and_admins(run, on):
    ben, dan = on("ben"), on("dan")
    made = run(ben.resources.comments.create(content="Scaled.", request=4))
    assert made.request_id == 4
    with pytest.raises(PermissionDeniedError):
        run(ben.resources.comments.create(content="Not mine.", request=6))
    with pytest.raises(PermissionDeniedError):
        run(
            dan.resources.allocation_requests.create(
                title="T", description="D", team=1, submitter=4
            )
        )
    made = run(
        dan.resources.allocation_requests.create(title="T", description="D", team=3, submitter=4)
    )
    assert made.team_id == 3


@pytest.mark.parametrize(
    "body",
    [{}, {"request": None}, {"request": "first"}, {"request": 99}],
    ids=["missing", "null", "not-a-number", "no-such-request"],
)
@pytest.mark.parametrize("path", ["/allocations/attachments/", "/allocations/comments/"])
def test_a_child_of_an_unknown_request_is_refused_not_validated(fake, path, body):
    # The server's permission check cannot resolve the request's team, so it refuses first.
    headers = {"Authorization": f"Token {fake.token_for('ben')}"}
    with httpx.Client(base_url=fake.url, transport=fake.transport(), headers=headers) as http:
        answer = http.post(path, json={"content": "Hi", **body})
    assert (answer.status_code, answer.json()) == (403, FORBIDDEN)

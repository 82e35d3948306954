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


def _as(fake, username):
    headers = {"Authorization": f"Token {fake.token_for(username)}"}
    return httpx.Client(base_url=fake.url, transport=fake.transport(), headers=headers)


def _ids(answer):
    assert answer.status_code == 200
    return [row["id"] for row in answer.json()["results"]]


def test_an_inactive_team_and_its_memberships_do_not_exist_for_non_staff(fake, raw):
    assert raw.patch("/users/teams/1/", json={"is_active": False}).status_code == 200
    ben = _as(fake, "ben")  # owner of team 1
    missing_team = {"detail": "No Team matches the given query."}
    missing_membership = {"detail": "No Membership matches the given query."}
    for method in ("GET", "PATCH", "DELETE"):
        answer = ben.request(method, "/users/teams/1/", json={"is_active": True})
        assert (answer.status_code, answer.json()) == (404, missing_team)
        answer = ben.request(method, "/users/memberships/1/", json={"role": "AD"})
        assert (answer.status_code, answer.json()) == (404, missing_membership)
    assert _ids(ben.get("/users/teams/")) == [2]
    assert _ids(ben.get("/users/memberships/")) == [3, 4, 5]
    assert ben.get("/users/memberships/", params={"team": 1}).json()["count"] == 0
    # Staff see everything.
    assert raw.get("/users/teams/1/").json()["is_active"] is False
    assert _ids(raw.get("/users/teams/")) == [1, 2, 3]
    assert _ids(raw.get("/users/memberships/")) == [1, 2, 3, 4, 5]


def test_an_inactive_user_and_their_memberships_do_not_exist_for_non_staff(fake, raw):
    assert raw.patch("/users/users/4/", json={"is_active": False}).status_code == 200
    ben = _as(fake, "ben")
    answer = ben.get("/users/users/4/")
    assert (answer.status_code, answer.json()) == (
        404,
        {"detail": "No User matches the given query."},
    )
    assert _ids(ben.get("/users/users/")) == [1, 2, 3]
    assert _ids(ben.get("/users/memberships/")) == [1, 3, 4]
    answer = ben.delete("/users/memberships/2/")  # dan's, in ben's team
    assert (answer.status_code, answer.json()) == (
        404,
        {"detail": "No Membership matches the given query."},
    )
    assert raw.get("/users/users/4/").json()["is_active"] is False
    assert _ids(raw.get("/users/users/")) == [1, 2, 3, 4]
    assert _ids(raw.get("/users/memberships/")) == [1, 2, 3, 4, 5]


def test_a_user_changes_and_deletes_their_own_record_only(fake, raw):
    eve = fake.add("users", username="eve", first_name="Eve")
    client = _as(fake, "eve")
    answer = client.patch(f"/users/users/{eve.id}/", json={"first_name": "Evelyn"})
    assert (answer.status_code, answer.json()["first_name"]) == (200, "Evelyn")
    for method in ("PATCH", "DELETE"):
        answer = client.request(method, "/users/users/2/", json={"first_name": "X"})
        assert (answer.status_code, answer.json()) == (403, FORBIDDEN)
    answer = client.post("/users/users/", json={"username": "frank", "password": "pw-123456!"})
    assert (answer.status_code, answer.json()) == (403, FORBIDDEN)
    answer = client.delete(f"/users/users/{eve.id}/")
    assert (answer.status_code, answer.content) == (204, b"")
    assert raw.get(f"/users/users/{eve.id}/").status_code == 404
    assert raw.get("/users/users/2/").json()["first_name"] == "Ben"


def test_a_member_deletes_their_own_membership_but_changes_none(fake, raw):
    dan = _as(fake, "dan")  # membership 2: a plain member of team 1
    answer = dan.patch("/users/memberships/2/", json={"role": "OW"})
    assert (answer.status_code, answer.json()) == (403, FORBIDDEN)
    answer = dan.delete("/users/memberships/1/")  # ben's, in the same team
    assert (answer.status_code, answer.json()) == (403, FORBIDDEN)
    assert dan.get("/users/memberships/1/").status_code == 200  # read by all
    # The team named in the body is checked first, even on deleting one's own membership.
    answer = dan.request("DELETE", "/users/memberships/2/", json={"team": 2})
    assert (answer.status_code, answer.json()) == (403, FORBIDDEN)
    assert dan.delete("/users/memberships/2/").status_code == 204
    assert raw.get("/users/memberships/2/").status_code == 404


def test_a_membership_moves_only_between_teams_the_user_runs(fake, raw):
    ben = _as(fake, "ben")  # owner of team 1, admin of team 2, nothing in team 3
    answer = ben.patch("/users/memberships/2/", json={"team": 3})
    assert (answer.status_code, answer.json()) == (403, FORBIDDEN)
    assert raw.get("/users/memberships/2/").json()["team"] == 1
    answer = ben.patch("/users/memberships/2/", json={"team": 2})
    assert (answer.status_code, answer.json()["team"]) == (200, 2)


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"user": 3, "role": "MB"}, {"team": ["This field is required."]}),
        (
            {"user": 3, "role": "MB", "team": 99},
            {"team": ['Invalid pk "99" - object does not exist.']},
        ),
    ],
    ids=["missing-team", "no-such-team"],
)
def test_a_membership_without_a_known_team_is_validated_not_refused(fake, body, errors):
    answer = _as(fake, "dan").post("/users/memberships/", json=body)
    assert (answer.status_code, answer.json()) == (400, errors)


def test_non_staff_make_no_inactive_team_and_no_member_of_one(fake, raw):
    ben = _as(fake, "ben")
    answer = ben.post("/users/teams/", json={"name": "Dormant", "is_active": False})
    assert (answer.status_code, answer.json()) == (
        400,
        {"is_active": ["This field cannot be set to False on new records by non-staff users."]},
    )
    answer = ben.post("/users/teams/", json={"name": "Awake"})
    assert (answer.status_code, answer.json()["is_active"]) == (201, True)
    assert (
        raw.post("/users/teams/", json={"name": "Dormant", "is_active": False}).status_code == 201
    )
    assert raw.patch("/users/teams/2/", json={"is_active": False}).status_code == 200
    joining = {"team": 2, "user": 4, "role": "MB"}
    answer = ben.post("/users/memberships/", json=joining)  # admin of the inactive team
    assert (answer.status_code, answer.json()) == (
        400,
        {"team": ["Non-staff cannot create a membership for an inactive team."]},
    )
    answer = _as(fake, "dan").post("/users/memberships/", json=joining)  # not its admin
    assert (answer.status_code, answer.json()) == (403, FORBIDDEN)
    assert raw.post("/users/memberships/", json=joining).status_code == 201

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


def _answer(run, response):
    """Status and JSON body of a raw verb's response (None for an empty body)."""
    answer = run(response)
    return answer.status_code, (answer.json() if answer.content else None)


def test_preferences_are_each_users_own(run, on):
    ben = on("ben")  # preference 2 is ben's, preference 1 the staff user's
    assert [(p.id, p.user_id) for p in run(ben.resources.preferences.list())] == [(2, 2)]
    assert [p.id for p in run(on().resources.preferences.list())] == [1, 2]
    assert _answer(run, ben.http_get("notifications/preferences/1")) == (403, FORBIDDEN)
    answer = ben.http_patch("notifications/preferences/1", json={"notify_on_expiration": False})
    assert _answer(run, answer) == (403, FORBIDDEN)
    status, body = _answer(
        run, ben.http_patch("notifications/preferences/2", json={"notify_on_expiration": True})
    )
    assert (status, body["notify_on_expiration"]) == (200, True)
    assert _answer(run, ben.http_delete("notifications/preferences/2")) == (204, None)
    status, body = _answer(run, ben.http_post("notifications/preferences", json={}))
    assert (status, body["user"]) == (201, 2)
    assert _answer(run, ben.http_post("notifications/preferences", json={})) == (
        400,
        {"user": ["preference with this user already exists."]},
    )
    assert [p.user_id for p in run(on().resources.preferences.list())] == [1, 2]


def test_a_user_sets_no_preference_for_another_user(run, on):
    carla = on("carla")  # no preference yet
    other = {"user": ["User field cannot be set to a different user than the request submitter."]}
    answer = carla.http_post("notifications/preferences", json={"user": 2})
    assert _answer(run, answer) == (400, other)
    status, body = _answer(run, carla.http_post("notifications/preferences", json={"user": 3}))
    assert (status, body["user"]) == (201, 3)
    answer = carla.http_patch(f"notifications/preferences/{body['id']}", json={"user": 2})
    assert _answer(run, answer) == (400, other)
    # Staff write anyone's preference.
    answer = on().http_patch(f"notifications/preferences/{body['id']}", json={"user": 4})
    assert _answer(run, answer)[0] == 200


def test_staff_list_every_notification_but_read_only_their_own(run, on):
    staff = on()
    assert [(n.id, n.user_id) for n in run(staff.resources.notifications.list())] == [
        (1, 1),
        (2, 1),
        (3, 1),
        (4, 2),
    ]
    assert run(staff.resources.stats.notifications()).total == 4
    assert _answer(run, staff.http_get("notifications/notifications/4")) == (403, FORBIDDEN)
    answer = staff.http_patch("notifications/notifications/4", json={"read": True})
    assert _answer(run, answer) == (403, FORBIDDEN)
    assert [n.id for n in run(on("ben").resources.notifications.list())] == [4]
    assert run(on("ben").resources.stats.notifications()).total == 1


def test_a_private_comment_is_hidden_from_team_members(run, on, fake):
    secret = fake.add("comments", request=1, content="Staff only.", private=True)
    ben = on("ben")  # owner of request 1's team
    assert run(ben.resources.comments.list()) == []
    assert [c.id for c in run(on().resources.comments.list())] == [1, secret.id]
    path = f"allocations/comments/{secret.id}"
    assert _answer(run, ben.http_get(path)) == (403, FORBIDDEN)
    assert _answer(run, ben.http_patch(path, json={"content": "x"})) == (403, FORBIDDEN)
    assert _answer(run, ben.http_delete(path)) == (403, FORBIDDEN)
    assert fake.get("comments", secret.id).content == "Staff only."


def test_team_members_change_and_delete_public_comments_of_their_requests(run, on, fake):
    ben, dan = on("ben"), on("dan")  # team 1: ben owner, dan member
    made = run(ben.resources.comments.create(content="First.", request=1))
    # Another member of the team changes it, without naming the request again.
    status, body = _answer(
        run, dan.http_patch(f"allocations/comments/{made.id}", json={"content": "Edited."})
    )
    assert (status, body["content"], body["request"]) == (200, "Edited.", 1)
    # Comment 1 is on request 6, of team 3: ben is not in it.
    answer = ben.http_patch("allocations/comments/1", json={"content": "Not mine."})
    assert _answer(run, answer) == (403, FORBIDDEN)
    assert _answer(run, ben.http_delete("allocations/comments/1")) == (403, FORBIDDEN)
    assert _answer(run, dan.http_delete(f"allocations/comments/{made.id}")) == (204, None)
    assert [c.id for c in run(on().resources.comments.list())] == [1]


@pytest.mark.parametrize("private", [True, "true", "True", "1", 1])
def test_only_staff_write_comments_marked_private(run, on, fake, private):
    ben = on("ben")
    refused = {"private": ["Only staff users can write comments marked as private."]}
    body = {"content": "Hush.", "request": 1, "private": private}
    assert _answer(run, ben.http_post("allocations/comments", json=body)) == (400, refused)
    made = run(ben.resources.comments.create(content="Open.", request=1, private=False))
    answer = ben.http_patch(f"allocations/comments/{made.id}", json={"private": private})
    assert _answer(run, answer) == (400, refused)
    assert fake.get("comments", made.id).private is False
    # Outside the user's teams the permission check answers first.
    body = {**body, "request": 6}
    assert _answer(run, ben.http_post("allocations/comments", json=body)) == (403, FORBIDDEN)
    status, made = _answer(run, on().http_post("allocations/comments", json=body))
    assert (status, made["private"]) == (201, True)


PUBLICATION = {"title": "P", "abstract": "A", "journal": "J", "published": "2025-01-01"}
GRANT = {"title": "G", "agency": "NSF", "amount": "1.00", "start_date": "2026-01-01"}


@pytest.mark.parametrize(
    ("endpoint", "fields", "theirs"),
    [("research/grants", GRANT, 1), ("research/publications", PUBLICATION, 1)],
    ids=["grants", "publications"],
)
def test_team_members_write_their_teams_research_products(run, on, endpoint, fields, theirs):
    dan = on("dan")  # a plain member of team 1, owner of team 3; not in team 2
    status, made = _answer(run, dan.http_post(endpoint, json={**fields, "team": 1}))
    assert (status, made["team"]) == (201, 1)
    status, body = _answer(run, dan.http_patch(f"{endpoint}/{theirs}", json={"title": "New"}))
    assert (status, body["title"]) == (200, "New")
    assert _answer(run, dan.http_post(endpoint, json={**fields, "team": 2})) == (403, FORBIDDEN)
    # A record of theirs cannot be moved into a team they are not in, only into one they are.
    answer = dan.http_patch(f"{endpoint}/{made['id']}", json={"team": 2})
    assert _answer(run, answer) == (403, FORBIDDEN)
    status, body = _answer(run, dan.http_patch(f"{endpoint}/{made['id']}", json={"team": "3"}))
    assert (status, body["team"]) == (200, 3)
    assert _answer(run, dan.http_delete(f"{endpoint}/{made['id']}")) == (204, None)


@pytest.mark.parametrize("endpoint", ["research/grants", "research/publications"])
@pytest.mark.parametrize(
    ("team", "errors"),
    [
        (None, {"team": ["This field is required."]}),
        (99, {"team": ['Invalid pk "99" - object does not exist.']}),
    ],
    ids=["missing-team", "no-such-team"],
)
def test_a_research_product_without_a_known_team_is_validated_not_refused(
    run, on, endpoint, team, errors
):
    fields = GRANT if "grants" in endpoint else PUBLICATION
    body = fields if team is None else {**fields, "team": team}
    assert _answer(run, on("dan").http_post(endpoint, json=body)) == (400, errors)
    answer = on("dan").http_patch(f"{endpoint}/1", json={"team": 99})
    assert _answer(run, answer) == (400, {"team": ['Invalid pk "99" - object does not exist.']})


def test_team_owners_and_admins_attach_files_but_change_no_request(run, on, fake):
    ben, dan = on("ben"), on("dan")  # team 1: ben owner, dan member
    made = run(ben.resources.attachments.create(file=("a.txt", b"A", "text/plain"), request=1))
    assert (made.request_id, made.name) == (1, "a.txt")
    with pytest.raises(PermissionDeniedError) as caught:
        run(dan.resources.attachments.create(file=("b.txt", b"B", "text/plain"), request=1))
    assert caught.value.body == FORBIDDEN
    for endpoint in (f"allocations/attachments/{made.id}", "allocations/requests/1"):
        answer = ben.http_patch(endpoint, json={"name": "b.txt", "title": "Renamed"})
        assert _answer(run, answer) == (403, FORBIDDEN)
        assert _answer(run, ben.http_delete(endpoint)) == (403, FORBIDDEN)
    assert fake.get("allocation_requests", 1).title != "Renamed"
    assert [a.id for a in run(ben.resources.attachments.list())] == [1, made.id]


def test_memberships_of_a_deleted_team_or_user_are_gone_for_members(run, on, fake):
    eve = fake.add("users", username="eve")
    joined = fake.add("memberships", user=eve.id, team=1, role="MB")
    staff, ben = on(), on("ben")
    assert [m.id for m in run(ben.resources.memberships.list())] == [1, 2, 3, 4, 5, joined.id]
    assert _answer(run, staff.http_delete("users/teams/3")) == (204, None)
    assert _answer(run, staff.http_delete(f"users/users/{eve.id}")) == (204, None)
    # Membership 5 was dan's in team 3.
    assert [m.id for m in run(ben.resources.memberships.list())] == [1, 2, 3, 4]
    assert _answer(run, ben.http_get("users/memberships/5")) == (
        404,
        {"detail": "No Membership matches the given query."},
    )


def _closed_clusters(fake):
    """Cluster 4 is for team 3 alone, cluster 5 for all but team 1, cluster 6 all but team 2."""
    only_3 = fake.add("clusters", name="only-3", access_mode="WL", access_teams=[3])
    not_1 = fake.add("clusters", name="not-1", access_mode="BL", access_teams=[1])
    not_2 = fake.add("clusters", name="not-2", access_mode="BL", access_teams=[2])
    return only_3.id, not_1.id, not_2.id


def test_a_users_cluster_list_holds_the_clusters_their_teams_may_use(run, on, fake):
    only_3, not_1, not_2 = _closed_clusters(fake)  # 1 arc and 3 legacy open, 2 nova for 1, 2
    assert [c.id for c in run(on().resources.clusters.list())] == [1, 2, 3, 4, 5, 6]
    assert [c.id for c in run(on("ben").resources.clusters.list())] == [1, 2, 3]  # teams 1, 2
    assert [c.id for c in run(on("dan").resources.clusters.list())] == [1, 2, 3, only_3, not_2]
    assert [c.id for c in run(on("carla").resources.clusters.list())] == [1, 2, 3, not_1]
    # The list is scoped; any cluster can still be read by its id.
    assert run(on("ben").resources.clusters.get(only_3)).name == "only-3"


def test_team_owners_and_admins_allocate_on_clusters_open_to_their_team(run, on, fake):
    only_3, not_1, not_2 = _closed_clusters(fake)
    ben, dan = on("ben"), on("dan")  # ben: owner of team 1, admin of 2; dan: member of 1
    made = run(ben.resources.allocations.create(requested=10, cluster=1, request=1))
    assert (made.request_id, made.cluster_id, made.requested) == (1, 1, 10)
    made = run(dan.resources.allocations.create(requested=5, cluster=only_3, request=6))
    assert (made.request_id, made.cluster_id) == (6, only_3)  # dan owns team 3
    refused = [
        (ben, {"cluster": only_3, "request": 1}),  # not open to team 1
        (ben, {"cluster": not_2, "request": 4}),  # request 4 is team 2's
        (ben, {"cluster": not_1, "request": 1}),
        (dan, {"cluster": 1, "request": 1}),  # a plain member
        (ben, {"cluster": 1, "request": 6}),  # not in team 3
        (ben, {"cluster": 1}),
        (ben, {"cluster": 1, "request": 99}),
        (ben, {"request": 1}),
        (ben, {"cluster": 99, "request": 1}),
        (ben, {"cluster": "arc", "request": 1}),
    ]
    for client, body in refused:
        answer = client.http_post("allocations/allocations", json={"requested": 1, **body})
        assert _answer(run, answer) == (403, FORBIDDEN), body
    status, body = _answer(
        run, ben.http_post("allocations/allocations", json={"cluster": not_2, "request": 1})
    )
    assert (status, body) == (400, {"requested": ["This field is required."]})
    answer = ben.http_patch("allocations/allocations/1", json={"awarded": 10, "cluster": 1})
    assert _answer(run, answer) == (403, FORBIDDEN)
    assert _answer(run, ben.http_delete("allocations/allocations/1")) == (403, FORBIDDEN)
    assert fake.get("allocations", 1).awarded == 50000

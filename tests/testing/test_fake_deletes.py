"""Deletes in the fake do what the server's ``on_delete`` choices do: cascade, protect (the
server's 500 page, nothing deleted), set null, drop many-to-many links, audit each record."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from keystone_client import ServerError
from keystone_client.errors import AuthenticationError
from keystone_client.testing import FakeKeystone, _deletes, _wire
from keystone_client.testing._deletes import ON_DELETE, Plan, plan_delete, schema_relations
from keystone_client.testing._faults import ERROR_PAGE

SERVED = (
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
)


@pytest.fixture
def fake() -> FakeKeystone:
    return FakeKeystone()  # only the staff user, admin (id 1)


@pytest.fixture
def lab(fake: FakeKeystone) -> dict[str, int]:
    """A team with one of everything that hangs off it, and a second team left alone."""
    team = fake.add("teams", name="Lab")
    other = fake.add("teams", name="Other Lab")
    uma = fake.add("users", username="uma")
    ids = {
        "team": team.id,
        "other": other.id,
        "uma": uma.id,
        "membership": fake.add("memberships", team=team.id, user=uma.id, role="MB").id,
        "kept_membership": fake.add("memberships", team=other.id, user=uma.id, role="MB").id,
        "grant": fake.add("grants", team=team.id).id,
        "publication": fake.add("publications", team=team.id).id,
        "kept_grant": fake.add("grants", team=other.id).id,
        "cluster": fake.add("clusters", name="c1", access_teams=[team.id, other.id]).id,
    }
    request = fake.add(
        "allocation_requests",
        team=team.id,
        submitter=1,
        grants=[ids["grant"]],
        publications=[ids["publication"]],
        assignees=[uma.id],
    )
    ids["request"] = request.id
    ids["kept_request"] = fake.add(
        "allocation_requests",
        team=other.id,
        submitter=1,
        grants=[ids["kept_grant"]],
        assignees=[uma.id],
    ).id
    ids["allocation"] = fake.add("allocations", request=request.id, cluster=ids["cluster"]).id
    ids["review"] = fake.add("allocation_reviews", request=request.id, reviewer=1).id
    ids["attachment"] = fake.add("attachments", request=request.id).id
    ids["comment"] = fake.add("comments", request=request.id, user=1).id
    return ids


def _ids(fake: FakeKeystone) -> dict[str, list[int]]:
    return {name: [record.id for record in fake.all(name)] for name in SERVED}


def _deleted(fake: FakeKeystone, since: int) -> list[tuple[str, int]]:
    return [
        (entry.record_name, entry.record_id)
        for entry in fake.all("audit_logs")
        if entry.id > since and str(entry.action) == "delete"
    ]


def _last_audit(fake: FakeKeystone) -> int:
    return fake.all("audit_logs")[-1].id


def _as(fake: FakeKeystone, token: str) -> httpx.Client:
    headers = {"Authorization": f"Token {token}"}
    return httpx.Client(base_url=fake.url, transport=fake.transport(), headers=headers)


# -- cascade ----------------------------------------------------------------------------------


def test_deleting_a_team_takes_its_memberships_grants_publications_and_requests(run, on, fake, lab):
    before = _ids(fake)
    run(on().resources.teams.delete(lab["team"]))
    fake.assert_requested("DELETE", f"users/teams/{lab['team']}/", times=1)
    after = _ids(fake)
    assert after["teams"] == [lab["other"]]
    assert after["memberships"] == [lab["kept_membership"]]
    assert after["grants"] == [lab["kept_grant"]]
    assert after["publications"] == []
    assert after["allocation_requests"] == [lab["kept_request"]]
    # The request's own dependents go with it.
    for name in ("allocations", "allocation_reviews", "attachments", "comments"):
        assert after[name] == []
    # Nothing else: the users and the cluster stay.
    assert after["users"] == before["users"]
    assert after["clusters"] == before["clusters"]


def test_deleted_children_answer_404(fake, raw, lab):
    assert raw.delete(f"/users/teams/{lab['team']}/").status_code == 204
    for path, key, model in [
        ("/users/memberships/", "membership", "Membership"),
        ("/research/grants/", "grant", "Grant"),
        ("/research/publications/", "publication", "Publication"),
        ("/allocations/requests/", "request", "AllocationRequest"),
        ("/allocations/allocations/", "allocation", "ResourceAllocation"),
        ("/allocations/reviews/", "review", "AllocationReview"),
        ("/allocations/attachments/", "attachment", "Attachment"),
        ("/allocations/comments/", "comment", "Comment"),
    ]:
        answer = raw.get(f"{path}{lab[key]}/")
        assert (answer.status_code, answer.json()) == (
            404,
            {"detail": f"No {model} matches the given query."},
        )


def test_deleting_a_request_takes_its_allocations_reviews_attachments_comments(run, on, fake, lab):
    run(on().resources.allocation_requests.delete(lab["request"]))
    after = _ids(fake)
    assert after["allocation_requests"] == [lab["kept_request"]]
    for name in ("allocations", "allocation_reviews", "attachments", "comments"):
        assert after[name] == []
    assert after["teams"] == [lab["team"], lab["other"]]
    assert after["grants"] == [lab["grant"], lab["kept_grant"]]


def test_deleting_a_user_takes_memberships_notifications_preference_and_tokens(run, on, fake, lab):
    fake.add("notifications", user=lab["uma"])
    fake.add("preferences", user=lab["uma"])
    kept_note = fake.add("notifications", user=1).id
    token = fake.token_for("uma")
    run(on().resources.users.delete(lab["uma"]))
    after = _ids(fake)
    assert after["users"] == [1]
    assert after["memberships"] == []
    assert after["notifications"] == [kept_note]
    assert after["preferences"] == []
    refused = _as(fake, token).get("/authentication/whoami/")
    assert (refused.status_code, refused.json()) == (401, {"detail": "Invalid token."})
    with pytest.raises(AuthenticationError):
        run(on(token=token).resources.teams.list())
    with pytest.raises(KeyError, match="uma"):
        fake.credentials("uma")


# -- protect ----------------------------------------------------------------------------------


def _protected_cases(fake: FakeKeystone, lab: dict[str, int]) -> dict[str, tuple[str, int]]:
    rex = fake.add("users", username="rex")
    fake.add("allocation_reviews", request=lab["kept_request"], reviewer=rex.id)
    cole = fake.add("users", username="cole")
    fake.add("comments", request=lab["kept_request"], user=cole.id)
    sub = fake.add("users", username="sub")
    fake.add("allocation_requests", team=lab["other"], submitter=sub.id)
    return {
        "cluster with an allocation": ("clusters", lab["cluster"]),
        "user who submitted a request": ("users", sub.id),
        "user who reviewed": ("users", rex.id),
        "user who commented": ("users", cole.id),
    }


PROTECTED = [
    "cluster with an allocation",
    "user who submitted a request",
    "user who reviewed",
    "user who commented",
]
RESOURCE = {"clusters": "clusters", "users": "users"}
ENDPOINT = {"clusters": "/allocations/clusters/", "users": "/users/users/"}


@pytest.mark.parametrize("case", PROTECTED)
def test_a_protected_record_refuses_the_delete_with_the_servers_500_page(fake, raw, lab, case):
    name, pk = _protected_cases(fake, lab)[case]
    if name == "users":  # a membership that would cascade stays too
        fake.add("memberships", team=lab["team"], user=pk)
    before, audit = _ids(fake), _last_audit(fake)
    answer = raw.delete(f"{ENDPOINT[name]}{pk}/")
    assert answer.status_code == 500
    assert answer.headers["content-type"] == "text/html; charset=utf-8"
    assert answer.text == ERROR_PAGE
    assert "<title>Server Error (500)</title>" in answer.text
    assert _ids(fake) == before  # nothing deleted, not even what would have cascaded
    assert _last_audit(fake) == audit
    assert fake.all("request_logs")[-1].response_code == 500


@pytest.mark.parametrize("case", PROTECTED)
def test_a_protected_delete_raises_server_error_in_the_client(run, on, fake, lab, case):
    name, pk = _protected_cases(fake, lab)[case]
    before = _ids(fake)
    with pytest.raises(ServerError) as caught:
        run(getattr(on().resources, RESOURCE[name]).delete(pk))
    assert caught.value.response.status_code == 500
    assert _ids(fake) == before


def test_a_cluster_deletes_once_its_allocations_are_gone(run, on, fake, lab):
    client = on()
    run(client.resources.allocations.delete(lab["allocation"]))
    run(client.resources.clusters.delete(lab["cluster"]))
    assert _ids(fake)["clusters"] == []


# -- set null and many-to-many ----------------------------------------------------------------


def test_deleting_a_user_empties_their_request_logs_and_audit_actor(run, on, fake):
    sam = fake.add("users", username="sam", is_staff=True)
    with httpx.Client(base_url=fake.url, transport=fake.transport()) as http:
        http.post("/authentication/login/", json=fake.credentials("sam"))
        http.headers["X-CSRFToken"] = http.cookies["csrftoken"]  # a session names the actor
        assert http.post("/users/teams/", json={"name": "Sam's"}).status_code == 201
    mine = [log.id for log in fake.all("request_logs") if log.user_id == sam.id]
    acted = [e.id for e in fake.all("audit_logs") if e.actor_id == sam.id]
    assert mine and acted
    run(on().resources.users.delete(sam.id))
    logs = {log.id: log for log in fake.all("request_logs")}
    assert [logs[i].user_id for i in mine] == [None] * len(mine)
    entries = {entry.id: entry for entry in fake.all("audit_logs")}
    assert [entries[i].actor_id for i in acted] == [None] * len(acted)
    assert [str(entries[i].action) for i in acted] == ["create"]  # the entry itself stays


@pytest.mark.parametrize(
    ("collection", "key", "model", "survivor", "field", "left"),
    [
        ("grants", "grant", "allocation_requests", "request", "grant_ids", []),
        ("publications", "publication", "allocation_requests", "request", "publication_ids", []),
        ("users", "uma", "allocation_requests", "kept_request", "assignee_ids", []),
        ("teams", "other", "clusters", "cluster", "access_team_ids", ["team"]),
    ],
)
def test_a_delete_takes_the_id_out_of_many_to_many_links(
    run, on, fake, lab, collection, key, model, survivor, field, left
):
    assert lab[key] in getattr(fake.get(model, lab[survivor]), field)
    run(getattr(on().resources, collection).delete(lab[key]))
    assert getattr(fake.get(model, lab[survivor]), field) == [lab[k] for k in left]


# -- audit ------------------------------------------------------------------------------------


def test_a_cascade_audits_each_record_dependents_first_newest_first(run, on, fake, lab):
    second = fake.add("grants", team=lab["team"]).id
    since = _last_audit(fake)
    run(on().resources.teams.delete(lab["team"]))
    # As the server's deletion collector: the request's dependents, then the team's, each
    # collection newest first, then the request, then the team (checked against a server).
    assert _deleted(fake, since) == [
        ("allocations | ResourceAllocation", lab["allocation"]),
        ("allocations | AllocationReview", lab["review"]),
        ("allocations | Attachment", lab["attachment"]),
        ("allocations | Comment", lab["comment"]),
        ("research_products | Grant", second),
        ("research_products | Grant", lab["grant"]),
        ("research_products | Publication", lab["publication"]),
        ("users | Membership", lab["membership"]),
        ("allocations | AllocationRequest", lab["request"]),
        ("users | Team", lab["team"]),
    ]


def test_cascade_entries_name_the_records_they_pointed_to(fake, raw, lab):
    assert raw.delete(f"/users/teams/{lab['team']}/").status_code == 204
    entries = raw.get("/logs/audit/", params={"action": 2, "_order": "id"}).json()["results"]
    by_name = {entry["record_name"]: entry for entry in entries}
    membership = by_name["users | Membership"]
    assert membership["changes"] == {
        "id": [str(lab["membership"]), "None"],
        "role": ["MB", "None"],
        "user": [str(lab["uma"]), "None"],
        "team": [str(lab["team"]), "None"],
    }
    # Its name was taken while the team still existed.
    stored = fake._store.db["audit_logs"][membership["id"]]
    assert stored["object_repr"] == f"Membership #{lab['membership']} - uma in Team #1 - Lab"


def test_a_plain_delete_audits_only_its_record(run, on, fake, lab):
    since = _last_audit(fake)
    run(on().resources.grants.delete(lab["kept_grant"]))
    assert _deleted(fake, since) == [("research_products | Grant", lab["kept_grant"])]


# -- batch ------------------------------------------------------------------------------------


def _job(*actions: dict[str, Any], dry_run: bool = False) -> dict[str, Any]:
    return {"job": {"dry_run": dry_run, "actions": list(actions)}}


def test_a_batch_step_deletes_with_its_cascade(fake, raw, lab):
    step = {"method": "DELETE", "path": f"/users/teams/{lab['team']}/"}
    answer = raw.post("/batch/", json=_job(step))
    assert answer.status_code == 200
    assert answer.json()["results"][0]["status"] == 204
    assert _ids(fake)["allocations"] == []


def test_a_failed_batch_restores_what_a_cascade_deleted(fake, raw, lab):
    token = fake.token_for("uma")
    before, audit = _ids(fake), _last_audit(fake)
    steps = [
        {"method": "DELETE", "path": f"/users/teams/{lab['team']}/"},
        {"method": "DELETE", "path": f"/users/users/{lab['uma']}/"},
        {"method": "GET", "path": "/users/teams/999/"},
    ]
    answer = raw.post("/batch/", json=_job(*steps))
    assert (answer.status_code, answer.json()["step"]) == (422, 3)
    assert _ids(fake) == before
    assert _last_audit(fake) == audit
    assert fake.get("clusters", lab["cluster"]).access_team_ids == [lab["team"], lab["other"]]
    assert _as(fake, token).get("/authentication/whoami/").status_code == 200


def test_a_dry_run_delete_keeps_the_users_token(fake, raw, lab):
    token = fake.token_for("uma")
    step = {"method": "DELETE", "path": f"/users/users/{lab['uma']}/"}
    answer = raw.post("/batch/", json=_job(step, dry_run=True))
    assert answer.status_code == 200
    assert _as(fake, token).get("/authentication/whoami/").json()["username"] == "uma"


def test_a_protected_delete_in_a_batch_fails_the_whole_request_with_the_500_page(fake, raw, lab):
    before = _ids(fake)
    steps = [
        {"method": "DELETE", "path": f"/research/grants/{lab['kept_grant']}/"},
        {"method": "DELETE", "path": f"/allocations/clusters/{lab['cluster']}/"},
    ]
    answer = raw.post("/batch/", json=_job(*steps))
    # The server's batch view does not catch the error: no 422, its 500 page.
    assert (answer.status_code, answer.text) == (500, ERROR_PAGE)
    assert answer.headers["content-type"] == "text/html; charset=utf-8"
    assert _ids(fake) == before


def test_a_client_batch_deletes_in_order(run, on, fake, lab):
    batch = on().batch()
    batch.allocations.delete(lab["allocation"])
    batch.clusters.delete(lab["cluster"])
    batch.users.delete(lab["uma"])
    results = run(batch.submit())
    assert [r.status for r in results] == [204, 204, 204]
    assert _ids(fake)["clusters"] == []


def test_a_client_batch_with_a_protected_delete_raises_server_error(run, on, fake, lab):
    before = _ids(fake)
    batch = on().batch()
    batch.grants.delete(lab["kept_grant"])
    batch.clusters.delete(lab["cluster"])
    with pytest.raises(ServerError) as caught:
        run(batch.submit())
    assert caught.value.response.status_code == 500
    assert _ids(fake) == before


# -- the plan ---------------------------------------------------------------------------------


def test_every_relation_of_the_schema_has_an_on_delete_rule():
    assert set(ON_DELETE) == set(schema_relations())


def test_each_relation_points_at_its_collection():
    assert schema_relations() == {
        ("memberships", "user"): "users",
        ("memberships", "team"): "teams",
        ("allocations", "cluster"): "clusters",
        ("allocations", "request"): "allocation_requests",
        ("allocation_requests", "submitter"): "users",
        ("allocation_requests", "team"): "teams",
        ("allocation_reviews", "request"): "allocation_requests",
        ("allocation_reviews", "reviewer"): "users",
        ("comments", "user"): "users",
        ("comments", "request"): "allocation_requests",
        ("attachments", "request"): "allocation_requests",
        ("grants", "team"): "teams",
        ("publications", "team"): "teams",
        ("notifications", "user"): "users",
        ("preferences", "user"): "users",
        # Read-only logs: known from their relation filters.
        ("audit_logs", "actor"): "users",
        ("request_logs", "user"): "users",
        ("feed", "user"): "users",
    }


def test_a_plan_changes_nothing(fake, lab):
    before = _ids(fake)
    plan = plan_delete(fake._store.db, "teams", lab["team"])
    assert ("teams", lab["team"]) == plan.deletes[-1]
    assert plan.unlinks == [("clusters", lab["cluster"], "access_teams", lab["team"])]
    assert plan.protected == [] and plan.nulls == []
    assert _ids(fake) == before


def test_a_plan_names_what_protects(fake, lab):
    plan = plan_delete(fake._store.db, "clusters", lab["cluster"])
    assert plan.protected == [("allocations", lab["allocation"])]


def test_a_plan_names_every_record_that_protects(fake, lab):
    rex = fake.add("users", username="rex").id
    submitted = fake.add("allocation_requests", team=lab["other"], submitter=rex).id
    reviewed = fake.add("allocation_reviews", request=lab["kept_request"], reviewer=rex).id
    commented = fake.add("comments", request=lab["kept_request"], user=rex).id
    protecting = [
        ("allocation_requests", submitted),
        ("allocation_reviews", reviewed),
        ("comments", commented),
    ]
    assert plan_delete(fake._store.db, "users", rex).protected == protecting
    # The error the server's view would raise says so (the client only sees the 500 page).
    said = f"users #{rex} is protected by " + ", ".join(f"{c} #{pk}" for c, pk in protecting)
    with pytest.raises(_wire.ServerError, match=f"^{re.escape(said)}$"):
        fake._store.delete("users", rex, None)


def test_a_cycle_of_cascades_keeps_the_order_found(monkeypatch):
    relations = [("a", "x", "b", _deletes.CASCADE), ("b", "y", "a", _deletes.CASCADE)]
    monkeypatch.setattr(_deletes, "RELATIONS", relations)
    monkeypatch.setattr(_deletes, "M2M", [])
    db = {"a": {1: {"id": 1, "x": 1}}, "b": {1: {"id": 1, "y": 1}}}
    assert plan_delete(db, "a", 1) == Plan(deletes=[("a", 1), ("b", 1)])


def test_a_cycle_leaves_every_collection_in_the_order_found(monkeypatch):
    # c could go first, but Django's sort gives up on a cycle and keeps the order found.
    relations = [
        ("b", "y", "a", _deletes.CASCADE),
        ("c", "z", "a", _deletes.CASCADE),
        ("a", "x", "b", _deletes.CASCADE),
    ]
    monkeypatch.setattr(_deletes, "RELATIONS", relations)
    monkeypatch.setattr(_deletes, "M2M", [])
    db = {"a": {1: {"id": 1, "x": 1}}, "b": {1: {"id": 1, "y": 1}}, "c": {1: {"id": 1, "z": 1}}}
    assert plan_delete(db, "a", 1).deletes == [("a", 1), ("b", 1), ("c", 1)]


def test_links_drop_from_every_record_after_one_that_goes(fake, raw, lab):
    # The team's own request goes too and comes first; the other team's request still
    # loses its link to the team's grant.
    kept = fake.get("allocation_requests", lab["kept_request"])
    linked = [lab["kept_grant"], lab["grant"]]
    assert raw.patch(f"/allocations/requests/{kept.id}/", json={"grants": linked}).is_success
    assert raw.delete(f"/users/teams/{lab['team']}/").status_code == 204
    assert fake.get("allocation_requests", kept.id).grant_ids == [lab["kept_grant"]]

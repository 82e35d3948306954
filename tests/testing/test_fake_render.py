"""The JSON the fake renders for each record: nested summaries, related lists and history."""

from __future__ import annotations

import pytest

from keystone_client.testing._render import Renderer

ALICE = {
    "id": 1,
    "username": "alice",
    "first_name": "Alice",
    "last_name": "Moreau",
    "display_name": "Alice Moreau",
    "abbreviation": "AM",
    "email": "alice@example.edu",
    "department": "Research Computing",
    "role": "HPC administrator",
}


@pytest.mark.parametrize(
    ("path", "change"),
    [
        ("/users/teams/1/", {"is_active": False}),
        ("/users/memberships/2/", {"role": "AD"}),
        ("/allocations/clusters/1/", {"description": "Renamed"}),
        ("/allocations/allocations/2/", {"awarded": 16000}),
        ("/allocations/requests/2/", {"title": "Renamed"}),
        ("/allocations/reviews/2/", {"status": "DC"}),
        ("/allocations/comments/1/", {"content": "Renamed"}),
        ("/allocations/attachments/1/", {"name": "renamed.pdf"}),
        ("/research/grants/2/", {"title": "Renamed"}),
        ("/research/publications/2/", {"title": "Renamed"}),
    ],
)
def test_a_changed_record_shows_the_change_in_its_history(raw, signed_in, path, change):
    before = raw.get(path).json()
    assert signed_in.patch(path, json=change).status_code == 200
    history = raw.get(path).json()["_history"]
    assert len(history) == len(before["_history"]) + 1
    (field, new), *_ = change.items()
    assert history[0]["action"] == "update"
    assert history[0]["changes"] == {field: [str(before[field]), str(new)]}
    assert history[0]["_actor"] == ALICE


def test_a_team_lists_its_own_members(raw):
    team = raw.get("/users/teams/1/").json()
    assert team["users"] == [2, 4]
    assert [(m["user"], m["role"], m["_user"]["username"]) for m in team["_membership"]] == [
        (2, "OW", "ben"),
        (4, "MB", "dan"),
    ]


def test_a_request_lists_its_own_allocations_attachments_and_comments(raw):
    first = raw.get("/allocations/requests/1/").json()
    assert [(a["id"], a["requested"]) for a in first["_allocations"]] == [(1, 50000)]
    assert first["_attachments"] == [
        {"file": "allocations/assembly-proposal.pdf", "name": "assembly-proposal.pdf"}
    ]
    assert first["_comments"] == []
    sixth = raw.get("/allocations/requests/6/").json()
    assert [a["id"] for a in sixth["_allocations"]] == [6]
    assert sixth["_attachments"] == []
    assert sixth["_comments"] == [
        {
            "id": 1,
            "user": 1,
            "content": "Please add a scaling study for the GPU runs.",
            "created": "2025-01-05T11:00:00Z",
            "private": False,
            "_user": ALICE,
        }
    ]


def test_a_request_nests_its_grants_and_publications_in_full(raw):
    answer = raw.patch("/allocations/requests/1/", json={"grants": [2], "publications": [1]})
    assert answer.status_code == 200
    request = raw.get("/allocations/requests/1/").json()
    grant = raw.get("/research/grants/2/").json()
    publication = raw.get("/research/publications/1/").json()
    assert request["_grants"] == [{k: v for k, v in grant.items() if not k.startswith("_")}]
    assert request["_publications"] == [
        {k: v for k, v in publication.items() if not k.startswith("_")}
    ]
    assert request["_grants"][0]["title"] == "Sequencing infrastructure"
    assert request["_publications"][0]["title"] == "Reef genomes at scale"


def test_logs_name_their_user(raw, signed_in):
    signed_in.patch("/research/grants/1/", json={"pi": "Someone"})
    audit = raw.get("/logs/audit/", params={"actor": 1}).json()["results"]
    assert [a["changes"] for a in audit] == [{"pi": ["Ben Mensah", "Someone"]}]
    assert audit[0]["_actor"] == ALICE
    requests = raw.get("/logs/requests/").json()["results"]
    assert [r["_user"] for r in requests if r["endpoint"] == "/research/grants/1/"] == [ALICE]
    feed = raw.get("/logs/feed/").json()["results"]
    assert feed and all(entry["_user"] == ALICE for entry in feed if entry["user"] == 1)
    assert any(entry["user"] == 1 for entry in feed)


@pytest.mark.parametrize(
    ("first", "last", "display_name", "abbreviation"),
    [
        ("Ann", "Lee", "Ann Lee", "AL"),
        ("ann", "lee", "ann lee", "AL"),
        ("Ann", "", "Ann", "A"),
        ("", "Lee", "zoe", "ZO"),  # a last name alone is not used
        ("", "", "zoe", "ZO"),
    ],
)
def test_a_user_is_named_and_abbreviated_as_the_server_does(
    first, last, display_name, abbreviation
):
    # The API refuses blank names, so only the first case is reachable through it; the
    # others are users made elsewhere (the admin site, a directory sync).
    user = {"username": "zoe", "first_name": first, "last_name": last}
    assert Renderer._display_name(user) == display_name
    assert Renderer._abbreviation(user) == abbreviation

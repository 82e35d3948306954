"""Seeding: the empty fake, add(), load(), the demo data set."""

from __future__ import annotations

import pytest

from keystone_client.models import AllocationRequest, Grant
from keystone_client.testing import FakeKeystone


def test_an_empty_fake_has_one_staff_user_and_nothing_else(run, make_client):
    fake = FakeKeystone()
    client = make_client(url=fake.url, transport=fake.transport(), **fake.credentials())
    users = run(client.resources.users.list())
    assert [(u.username, u.is_staff) for u in users] == [(fake.username, True)]
    assert run(client.resources.teams.list()) == []
    assert run(client.whoami()).username == fake.username


def test_add_fills_required_fields_and_creates_what_the_record_needs():
    fake = FakeKeystone()
    grant = fake.add("grants", title="Reef survey")
    assert isinstance(grant, Grant)
    assert (grant.title, grant.agency, str(grant.amount)) == ("Reef survey", "Agency 1", "10000.00")
    assert [t.id for t in fake.all("teams")] == [grant.team_id]
    request = fake.add("allocation_requests")
    assert isinstance(request, AllocationRequest)
    assert fake.get("users", request.submitter_id).username == "user2"
    assert request.status == "PD"


def test_add_accepts_model_field_names_and_models_for_relations():
    fake = FakeKeystone()
    team = fake.add("teams", name="Genomics Lab")
    by_model = fake.add("grants", team=team)
    by_alias = fake.add("grants", team_id=team.id)
    assert by_model.team_id == by_alias.team_id == team.id
    assert fake.all("teams") == [fake.get("teams", team.id)]


def test_add_is_deterministic():
    first, second = FakeKeystone(), FakeKeystone()
    a = first.add("publications")
    b = second.add("publications")
    assert (a.id, a.title, a.team_id) == (b.id, b.title, b.team_id)


@pytest.mark.parametrize(
    ("collection", "fields", "message"),
    [
        ("grants", {"amount": "lots"}, "amount"),
        ("grants", {"team": 99}, 'Invalid pk "99"'),
        ("grants", {"colour": "red"}, "no field 'colour'"),
        ("spaceships", {}, "unknown collection 'spaceships'"),
        ("request_logs", {}, "written by the fake"),
    ],
)
def test_add_refuses_bad_records(collection, fields, message):
    fake = FakeKeystone()
    with pytest.raises(ValueError, match=message):
        fake.add(collection, **fields)


def test_a_user_added_without_a_password_logs_in_with_username_password(run, make_client):
    fake = FakeKeystone()
    fake.add("users", username="erin")
    assert fake.credentials("erin") == {"username": "erin", "password": "erin-password"}
    client = make_client(url=fake.url, transport=fake.transport(), **fake.credentials("erin"))
    assert run(client.login()).username == "erin"


def test_credentials_of_an_unknown_user_raise():
    with pytest.raises(KeyError, match="nobody"):
        FakeKeystone().credentials("nobody")


def test_load_takes_a_mapping_or_a_collection_and_records():
    fake = FakeKeystone()
    teams = fake.load({"teams": [{"name": "A"}, {"name": "B"}]})
    grants = fake.load("grants", [{"title": "G", "team": teams[0]}])
    assert [t.name for t in teams] == ["A", "B"]
    assert grants[0].team_id == teams[0].id
    with pytest.raises(TypeError):
        fake.load("grants")


def test_notifications_and_task_logs_can_be_added():
    fake = FakeKeystone()
    note = fake.add("notifications", subject="Hello")
    task = fake.add("task_logs", status="FAILURE")
    assert (note.subject, note.user_id, note.read) == ("Hello", 1, False)
    assert task.status == "FAILURE"


def test_the_demo_seed_holds_the_documentation_data():
    fake = FakeKeystone(seed="demo")
    assert fake.username == "alice"
    assert [u.username for u in fake.all("users")] == ["alice", "ben", "carla", "dan"]
    assert fake.all("teams")[0].name == "Genomics Lab"
    assert {r.status for r in fake.all("allocation_requests")} == {"PD", "AP", "DC", "CR"}
    for name in ("clusters", "allocation_reviews", "allocations", "grants", "publications"):
        assert fake.all(name), name
    assert fake.all("notifications")


def test_the_demo_token_is_alices(run, make_client):
    fake = FakeKeystone(seed="demo")
    client = make_client(url=fake.url, transport=fake.transport(), token=fake.token)
    me = run(client.whoami())
    assert (me.id, me.username, me.is_staff) == (1, "alice", True)
    assert fake.token_for("alice") == fake.token


def test_the_demo_task_logs_are_stored_by_id_and_more_follow_them(run, make_client):
    fake = FakeKeystone(seed="demo")
    assert [fake.get("task_logs", i).id for i in (1, 2)] == [1, 2]
    assert fake.add("task_logs", status="FAILURE").id == 3
    client = make_client(url=fake.url, transport=fake.transport(), token=fake.token)
    logs = run(client.resources.task_logs.order_by("id").list())
    assert [(t.id, t.status) for t in logs] == [(1, "SUCCESS"), (2, "SUCCESS"), (3, "FAILURE")]


def test_an_unknown_seed_is_refused():
    with pytest.raises(ValueError, match="unknown seed 'huge'"):
        FakeKeystone(seed="huge")


def test_a_bad_url_is_refused():
    with pytest.raises(ValueError, match="absolute"):
        FakeKeystone("localhost")


def test_token_for_gives_each_user_a_stable_token(run, make_client):
    fake = FakeKeystone()
    fake.add("users", username="erin")
    token = fake.token_for("erin")
    assert fake.token_for("erin") == token
    assert fake.token_for(fake.username) == fake.token
    client = make_client(url=fake.url, transport=fake.transport(), token=token)
    assert run(client.whoami()).username == "erin"
    with pytest.raises(KeyError):
        fake.token_for("nobody")


def test_attachments_take_a_path_bytes_or_a_file_name(tmp_path):
    fake = FakeKeystone()
    proposal = tmp_path / "proposal.pdf"
    proposal.write_bytes(b"%PDF-1.4")
    from_path = fake.add("attachments", file=proposal)
    from_bytes = fake.add("attachments", file=b"notes", request=from_path.request_id)
    from_name = fake.add("attachments", file="data.csv", name="Data")
    default = fake.add("attachments")
    assert [a.name for a in (from_path, from_bytes, from_name)] == [
        "proposal.pdf",
        "upload.txt",
        "Data",
    ]
    assert from_bytes.request_id == from_path.request_id
    assert default.file.startswith("allocations/file-")
    assert fake.add("attachments", file="photo.gif").file == "allocations/photo.gif"
    with pytest.raises(ValueError, match=r"File type 'application/zip' is not allowed\."):
        fake.add("attachments", file="photos.zip")

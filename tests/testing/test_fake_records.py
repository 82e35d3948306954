"""Records put in with add(): the values filled in, the records created, the server's checks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from keystone_client.errors import BadRequestError
from keystone_client.testing import FakeKeystone


@pytest.fixture
def fake() -> FakeKeystone:
    return FakeKeystone()


@pytest.fixture
def on(fake: FakeKeystone, make_client: Callable[..., Any]) -> Callable[..., Any]:
    """A client of the current mode on the empty fake, as its staff user or another."""

    def build(username: str | None = None) -> Any:
        return make_client(url=fake.url, transport=fake.transport(), **fake.credentials(username))

    return build


def raw_get(fake: FakeKeystone, path: str) -> Any:
    """What the fake answers, exactly, to the staff user's GET."""
    headers = {"Authorization": f"Token {fake.token}"}
    with httpx.Client(base_url=fake.url, transport=fake.transport(), headers=headers) as http:
        answer = http.get(path)
    assert answer.status_code == 200, answer.text
    return answer.json()


# -- refusals ----------------------------------------------------------------------------------


def test_an_unknown_collection_is_refused_with_every_known_name(fake):
    with pytest.raises(ValueError) as caught:
        fake.add("spaceships")
    assert str(caught.value) == (
        "unknown collection 'spaceships'; known: users, teams, memberships, clusters, "
        "allocations, allocation_requests, allocation_reviews, comments, attachments, grants, "
        "publications, notifications, preferences, audit_logs, request_logs, task_logs, feed"
    )


# -- values filled in --------------------------------------------------------------------------


def test_left_out_text_numbers_and_names_get_fixed_values(fake):
    allocation = fake.add("allocations")
    assert allocation.requested == 1000
    request = fake.get("allocation_requests", allocation.request_id)
    assert (request.title, request.description) == ("Allocation Request 1", "Description 1")
    assert fake.get("clusters", allocation.cluster_id).name == "Cluster 1"
    assert fake.get("teams", request.team_id).name == "Team 1"
    grant = fake.add("grants")
    assert (grant.title, grant.agency) == ("Grant 1", "Agency 1")
    assert str(grant.start_date) == "2025-01-01"
    assert fake.add("comments").content == "Content 1"


def test_a_record_given_a_team_creates_only_what_else_it_needs(fake):
    team = fake.add("teams", name="Genomics Lab")
    request = fake.add("allocation_requests", team=team)
    membership = fake.add("memberships", team=team.id)
    assert request.team_id == membership.team_id == team.id
    assert [t.name for t in fake.all("teams")] == ["Genomics Lab"]
    assert [u.username for u in fake.all("users")] == [fake.username, "user2", "user3"]
    assert (request.submitter_id, membership.user_id) == (2, 3)


def test_models_in_a_list_of_relations_stand_for_their_ids(fake):
    ben, carla = fake.add("users", username="ben"), fake.add("users", username="carla")
    request = fake.add("allocation_requests", assignees=[ben, carla.id])
    assert request.assignee_ids == [ben.id, carla.id]


# -- notifications -----------------------------------------------------------------------------


def test_a_notification_gets_the_server_set_fields_and_goes_to_the_staff_user(run, on, fake):
    fake.add("users", username="ben")
    first = fake.add("notifications", user="2")
    second = fake.add("notifications")
    assert (first.subject, first.message_html, first.user_id) == (
        "Notification 1",
        "<p>Notification 1.</p>",
        2,
    )
    assert (second.subject, second.user_id, second.notification_type) == (
        "Notification 2",
        1,
        "GM",
    )
    found = run(on().resources.notifications.list(message_text="Notification 2."))
    assert [n.id for n in found] == [second.id]


def test_a_notification_takes_the_fields_only_the_server_writes(run, on, fake):
    note = fake.add("notifications", message_text="Quota exceeded.", notification_type="RE")
    assert note.notification_type == "RE"
    found = run(on().resources.notifications.list(message_text="Quota exceeded."))
    assert [n.id for n in found] == [note.id]


def test_a_notification_for_an_unknown_user_is_refused(fake):
    with pytest.raises(ValueError, match=r"'user': \['Invalid pk \"99\" - object does not exist"):
        fake.add("notifications", user=99)


# -- set-up writes act as staff ----------------------------------------------------------------


def test_set_up_writes_may_do_what_only_staff_may(run, on, fake):
    closed = fake.add("teams", name="Closed Lab", is_active=False)
    member = fake.add("memberships", team=closed)
    assert (closed.is_active, member.team_id) == (False, closed.id)
    # Even with the fake's staff user demoted, add() keeps setting up as staff.
    run(on().resources.users.update(1, is_staff=False))
    again = fake.add("teams", name="Archived Lab", is_active=False)
    assert fake.add("memberships", team=again).team_id == again.id
    assert fake.add("comments").user_id == 1


# -- task logs ---------------------------------------------------------------------------------


def test_a_task_log_holds_what_the_server_stores_for_a_run(fake):
    fake.add("task_logs")
    fake.add("task_logs", status="FAILURE", traceback="Traceback ...")
    assert raw_get(fake, "/logs/tasks/2/") == {
        "id": 2,
        "task_id": "00000000-0000-4000-8000-000000000002",
        "periodic_task_name": None,
        "task_name": "apps.tasks.task_2",
        "task_args": '"()"',
        "task_kwargs": '"{}"',
        "status": "FAILURE",
        "worker": "celery@worker-1",
        "content_type": "application/json",
        "content_encoding": "utf-8",
        "result": "null",
        "date_created": "2025-06-01T03:00:00Z",
        "date_started": None,
        "date_done": "2025-06-01T03:00:05Z",
        "traceback": "Traceback ...",
        "meta": '{"children": []}',
    }
    assert raw_get(fake, "/logs/tasks/1/")["status"] == "SUCCESS"


def test_a_task_log_reads_back_through_the_client(run, on, fake):
    fake.add("task_logs", periodic_task_name="clear_expired_sessions")
    task = run(on().resources.task_logs.get(1))
    assert (task.task_name, task.periodic_task_name, task.status) == (
        "apps.tasks.task_1",
        "clear_expired_sessions",
        "SUCCESS",
    )
    assert task.date_started is None


# -- uploads -----------------------------------------------------------------------------------


def test_an_attachment_file_given_by_name_is_stored_under_its_base_name(fake):
    by_name = fake.add("attachments", file="reports/2025/data.csv")
    assert (by_name.file, by_name.name) == ("allocations/data.csv", "data.csv")
    default = fake.add("attachments")
    assert (default.file, default.name) == ("allocations/file-2.txt", "file-2.txt")


def test_an_attachment_path_must_exist(fake, tmp_path):
    with pytest.raises(FileNotFoundError):
        fake.add("attachments", file=tmp_path / "missing.pdf")


def test_attachments_are_checked_as_the_server_checks_uploads(fake, tmp_path):
    large = tmp_path / "large.pdf"
    large.write_bytes(b"%" * 2621441)
    with pytest.raises(ValueError, match=r"File size should not exceed 2\.50 MB\."):
        fake.add("attachments", file=large)
    with pytest.raises(ValueError, match=r"File size should not exceed 2\.50 MB\."):
        fake.add("attachments", file=b"x" * 2621441)
    with pytest.raises(ValueError, match=r"File type could not be resolved\."):
        fake.add("attachments", file="README")
    with pytest.raises(ValueError, match=r"File type 'application/zip' is not allowed\."):
        fake.add("attachments", file="photos.zip")
    fits = tmp_path / "fits.pdf"
    fits.write_bytes(b"%" * 2621440)
    assert fake.add("attachments", file=fits).name == "fits.pdf"
    allowed = ("sheet.xls", "paper.latex", "scan.tiff", "image.bmp", "figure.svg", "photo.gif")
    for name in allowed:
        assert fake.add("attachments", file=name).file == f"allocations/{name}"


def test_an_upload_is_judged_by_its_name_not_the_type_sent(run, on, fake):
    client = on()
    request = fake.add("allocation_requests")
    with pytest.raises(BadRequestError) as caught:
        run(
            client.resources.attachments.create(
                file=("archive.zip", b"PK", "application/pdf"), request=request.id
            )
        )
    assert caught.value.errors == {"file": ["File type 'application/zip' is not allowed."]}
    sent = run(
        client.resources.attachments.create(
            file=("notes.csv", b"a,b", "application/octet-stream"), request=request.id
        )
    )
    assert (sent.file, sent.name) == ("allocations/notes.csv", "notes.csv")


def test_a_taken_file_name_gets_a_tag_as_the_server_storage_gives(run, on, fake):
    first = fake.add("attachments", file="document.pdf")
    second = fake.add("attachments", file="document.pdf", request=first.request_id)
    third = run(
        on().resources.attachments.create(
            file=("document.pdf", b"%PDF", "application/pdf"), request=first.request_id
        )
    )
    paths = [first.file, second.file, third.file]
    assert paths[0] == "allocations/document.pdf"
    assert len(set(paths)) == 3
    for path in paths[1:]:
        assert path.startswith("allocations/document_") and path.endswith(".pdf")
        assert len(path) == len("allocations/document_abcdefg.pdf")
    assert {a.name for a in (first, second, third)} == {"document.pdf"}
    several = fake.add("attachments", file="table.v2.csv")
    again = fake.add("attachments", file="table.v2.csv", request=several.request_id)
    assert again.file.startswith("allocations/table_") and again.file.endswith(".v2.csv")


def test_file_names_repeat_from_one_fake_to_the_next():
    names = []
    for _ in range(2):
        fake = FakeKeystone()
        first = fake.add("attachments", file="document.pdf")
        names.append(fake.add("attachments", file="document.pdf", request=first.request_id).file)
    assert names[0] == names[1]

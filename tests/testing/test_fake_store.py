"""The fake's records and logs as the server keeps them: audit entries (django-auditlog's
columns, searchable through the audit log's filters), request logs, the activity feed, team
slugs, and a batch's rollback that keeps the request log."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator

import pytest

from keystone_client.testing._store import Store, _text, now_text, object_repr, slugify

# -- pure helpers ------------------------------------------------------------------------------


def test_now_text_is_utc_written_with_a_z() -> None:
    text = now_text()
    assert text.endswith("Z") and "+" not in text
    when = dt.datetime.fromisoformat(text)
    assert when.utcoffset() == dt.timedelta(0)
    assert abs(dt.datetime.now(dt.UTC) - when) < dt.timedelta(minutes=5)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "None"),
        (False, "False"),
        (7, "7"),
        ("2024-06-01", "2024-06-01"),
        ("2024-06-01T14:30:00Z", "2024-06-01 14:30:00"),
        ("2024-06-01T14:30:00.250000+02:00", "2024-06-01 12:30:00.250000"),
        ("Tuesday", "Tuesday"),
    ],
)
def test_audit_values_are_written_as_python_writes_them(value: object, text: str) -> None:
    assert _text(value) == text


@pytest.fixture
def local_zone_far_from_utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "JST-9")  # POSIX form: needs no zone database
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.usefixtures("local_zone_far_from_utc")
def test_audit_timestamps_are_utc_whatever_the_local_zone() -> None:
    assert dt.datetime(2024, 6, 1, 12).astimezone().utcoffset() == dt.timedelta(hours=9)
    assert _text("2024-06-01T14:30:00.250000+02:00") == "2024-06-01 12:30:00.250000"
    assert _text("2024-06-01T00:30:00Z") == "2024-06-01 00:30:00"


# Django's ``slugify`` (the server's) gives each of these.
@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Genomics Lab", "genomics-lab"),
        ("  Team X!", "team-x"),
        ("A&B Lab", "ab-lab"),
        ("Dr. Smith's lab", "dr-smiths-lab"),
        ("Café Ünïcode", "cafe-unicode"),
        ("under_score", "under_score"),
        ("_lead-", "lead"),
        ("--a  --  b--", "a-b"),
        ("Ωmega", "mega"),
        ("a\tb", "a-b"),
    ],
)
def test_slugs_are_the_servers(name: str, slug: str) -> None:
    assert slugify(name) == slug


def test_a_created_team_gets_the_servers_slug(run, on):
    client = on()
    team = run(client.resources.teams.create(name="-- Café & Co. Lab! --"))
    assert team.slug == "cafe-co-lab"
    assert run(client.resources.teams.get(team.id)).slug == "cafe-co-lab"


# -- audit entries -----------------------------------------------------------------------------


def _grant(title: str) -> dict[str, object]:
    return {"title": title, "agency": "NSF", "amount": 500, "start_date": "2026-01-01", "team": 1}


def test_an_api_write_is_audited_with_its_actor_address_and_email(run, on):
    client = on()
    grant = run(client.resources.grants.create(**_grant("Deep ocean survey")))
    (entry,) = run(client.resources.audit_logs.list(object_pk=str(grant.id), content_type=31))
    assert (entry.record_name, entry.record_id, entry.action) == (
        "research_products | Grant",
        grant.id,
        "create",
    )
    assert (entry.actor_id, entry.remote_addr, entry.remote_port) == (1, "127.0.0.1", None)
    mine = run(client.resources.audit_logs.list(actor_email="alice@example.edu"))
    assert [e.id for e in mine] == [entry.id]


def test_a_record_added_by_the_test_has_no_actor_or_address(run, on, fake):
    grant = fake.add("grants", title="Seeded survey", team=1)
    client = on()
    (entry,) = run(client.resources.audit_logs.list(object_id=grant.id, content_type=31))
    assert (entry.actor_id, entry.actor, entry.remote_addr) == (None, None, None)
    assert run(client.resources.audit_logs.list(actor_email__isnull=True, object_id=grant.id))
    assert run(client.resources.audit_logs.list(actor_email="alice@example.edu")) == []


def test_a_record_added_after_a_session_request_has_no_actor(fake, signed_in):
    assert signed_in.get("/research/grants/1/").status_code == 200  # the session's request
    grant = fake.add("grants", title="Added by the test", team=1)
    grants = "research_products | Grant"
    (entry,) = [
        e for e in fake.all("audit_logs") if (e.record_name, e.record_id) == (grants, grant.id)
    ]
    assert (entry.actor_id, entry.remote_addr) == (None, None)


def test_audit_entries_name_the_record_as_the_server_does(run, on):
    client = on()
    logs = client.resources.audit_logs
    # object_id (a number) and object_pk (its text) find every entry of one record.
    run(client.resources.grants.update(2, title="Renamed"))
    entries = run(logs.list(object_id=2, content_type=31))
    assert [(e.action, e.record_id) for e in entries] == [("update", 2), ("create", 2)]
    assert [e.id for e in run(logs.list(object_pk="2", content_type=31))] == [e.id for e in entries]
    # object_repr is the model's own name of the record, as it was when logged.
    named = run(logs.list(object_repr="Grant #2 - Renamed"))
    assert [(e.action, e.record_id) for e in named] == [("update", 2)]


@pytest.mark.parametrize(
    ("collection", "record_id", "name"),
    [
        ("users", 2, "User #2 - ben"),
        ("teams", 1, "Team #1 - Genomics Lab"),
        ("memberships", 1, "Membership #1 - ben in Team #1 - Genomics Lab"),
        ("clusters", 2, "Cluster #2 - nova"),
        (
            "allocations",
            1,
            "Resource Allocation #1 - Cluster #1 - arc allocation for Team #1 - Genomics Lab",
        ),
        (
            "allocation_requests",
            1,
            "Allocation Request #1 - 'Genome assembly pipeline' for Team #1 - Genomics Lab",
        ),
        ("allocation_reviews", 1, "Allocation Review #1 - alice review of request #1"),
        ("comments", 1, "Comment #1 - by alice on request #6"),
        ("attachments", 1, "Attachment #1 - 'assembly-proposal.pdf' on request #1"),
        ("grants", 1, "Grant #1 - Population genomics of coral reefs"),
        ("publications", 1, None),
    ],
)
def test_every_audited_model_is_named_and_typed_as_on_the_server(raw, collection, record_id, name):
    # The server's content type ids (a fresh install numbers its models so).
    content_types = {
        "allocation_requests": 19,
        "clusters": 20,
        "attachments": 21,
        "allocation_reviews": 22,
        "comments": 23,
        "allocations": 24,
        "grants": 31,
        "publications": 32,
        "users": 33,
        "teams": 34,
        "memberships": 35,
    }
    params = {"content_type": content_types[collection], "object_id": record_id}
    entries = raw.get("/logs/audit/", params=params).json()["results"]
    assert [(e["action"], e["record_id"]) for e in entries] == [("create", record_id)]
    if name is None:  # titles are long: cut at 100 characters, as Django's truncatechars
        title = raw.get(f"/research/publications/{record_id}/").json()["title"]
        name = f"Publication #{record_id} - {title}"
    by_name = raw.get("/logs/audit/", params={"object_repr": name}).json()["results"]
    assert [e["id"] for e in by_name] == [entries[0]["id"]]
    feed = raw.get("/logs/feed/", params={"record_type": "audit", "summary": name}).json()
    assert [f["record_id"] for f in feed["results"]] == [entries[0]["id"]]


def test_long_titles_are_cut_as_django_cuts_them(run, on):
    client = on()
    title = "A" * 99 + "BC"
    grant = run(client.resources.grants.create(**_grant(title)))
    named = run(client.resources.audit_logs.list(object_repr=f"Grant #{grant.id} - {'A' * 99}…"))
    assert [e.record_id for e in named] == [grant.id]


def test_a_title_of_exactly_100_characters_is_kept_whole(run, on):
    client = on()
    title = "A" * 99 + "B"
    grant = run(client.resources.grants.create(**_grant(title)))
    named = run(client.resources.audit_logs.list(object_repr=f"Grant #{grant.id} - {title}"))
    assert [e.record_id for e in named] == [grant.id]


def test_only_audited_models_are_named() -> None:
    db = {"notifications": {1: {"id": 1, "user": 1}}}
    with pytest.raises(ValueError, match=r"^the server does not audit notifications$"):
        object_repr(db, "notifications", db["notifications"][1])


def test_notifications_and_preferences_are_not_audited(run, on, fake):
    client = on()
    before = len(fake.all("audit_logs"))
    note = fake.add("notifications", user=1, subject="Hi", message_text="Hello")
    run(client.resources.notifications.update(note.id, read=True))
    assert len(fake.all("audit_logs")) == before


def test_audit_entries_keep_no_changes_text(run, on):
    client = on()
    run(client.resources.grants.update(1, agency="NIH"))
    logs = client.resources.audit_logs
    everything = run(logs.list())
    # django-auditlog 3 writes the changes as JSON only; its text column stays empty.
    assert run(logs.list(changes_text__isnull=False)) == everything
    assert run(logs.list(changes_text__contains="X")) == []
    assert run(logs.list(changes_text__contains="NIH")) == []


def test_created_records_list_only_the_fields_they_set(run, on):
    client = on()
    cluster = run(client.resources.clusters.create(name="mira", access_teams=[1]))
    (entry,) = run(client.resources.audit_logs.list(object_id=cluster.id, content_type=20))
    # No description (None) and no access_teams (many-to-many): the server leaves both out.
    assert entry.changes == {
        "id": ["None", str(cluster.id)],
        "name": ["None", "mira"],
        "enabled": ["None", "True"],
        "access_mode": ["None", "OP"],
    }


def test_a_deleted_record_lists_what_it_held(run, on):
    client = on()
    run(client.resources.memberships.delete(2))
    deleted = run(client.resources.audit_logs.list(object_id=2, content_type=35, action=2))
    assert [(e.action, e.changes) for e in deleted] == [
        (
            "delete",
            {
                "id": ["2", "None"],
                "user": ["4", "None"],
                "team": ["1", "None"],
                "role": ["MB", "None"],
            },
        )
    ]


def test_a_users_password_never_reaches_the_audit_log(run, on):
    client = on()
    user = run(client.resources.users.create(username="erin", password="a-Secret-pass-91"))
    (entry,) = run(client.resources.audit_logs.list(object_id=user.id, content_type=33))
    assert entry.changes["username"] == ["None", "erin"]
    assert "password" not in entry.changes
    assert "a-Secret-pass-91" not in repr(entry.changes)


def test_a_renamed_user_keeps_their_password_until_deleted(run, on, make_client, fake):
    client = on()
    uma = fake.add("users", username="uma", password="uma-Secret-77")
    run(client.resources.users.update(uma.id, username="uma2"))
    assert fake.credentials("uma2") == {"username": "uma2", "password": "uma-Secret-77"}
    with pytest.raises(KeyError, match="uma"):
        fake.credentials("uma")
    renamed = make_client(url=fake.url, transport=fake.transport(), **fake.credentials("uma2"))
    assert run(renamed.resources.teams.list()) == []  # signs in with the new name
    run(client.resources.users.delete(uma.id))
    assert {"uma", "uma2"}.isdisjoint(fake._store.passwords)  # no password left behind


# -- request logs and the feed ----------------------------------------------------------------


def test_request_logs_record_the_local_address(run, on):
    client = on()
    run(client.resources.grants.get(1))
    (log,) = run(client.resources.request_logs.list(endpoint="/research/grants/1/"))
    assert (log.remote_address, log.response_code) == ("127.0.0.1", 200)


def test_each_log_feeds_one_entry_of_its_own_shape(raw, signed_in, fake):
    signed_in.patch("/research/grants/1/", json={"agency": "NIH"}, headers={"X-KEYSTONE-CID": "c1"})
    feed = raw.get("/logs/feed/", params={"_limit": 200}).json()["results"]
    request = next(f for f in feed if f["record_type"] == "request" and f["cid"] == "c1")
    audit = next(f for f in feed if f["record_type"] == "audit" and f["cid"] == "c1")
    task = next(f for f in feed if f["record_type"] == "task")
    log = next(log for log in fake.all("request_logs") if log.cid == "c1")
    entry = fake.all("audit_logs")[-1]
    alice = request["_user"]
    assert request == {
        "id": f"r{log.id}",
        "_user": alice,
        "record_id": log.id,
        "record_type": "request",
        "timestamp": request["timestamp"],
        "summary": "/research/grants/1/",
        "cid": "c1",
        "status": "200",
        "user": 1,
    }
    assert audit == {
        "id": f"a{entry.id}",
        "_user": alice,
        "record_id": entry.id,
        "record_type": "audit",
        "timestamp": audit["timestamp"],
        "summary": "Grant #1 - Population genomics of coral reefs",
        "cid": "c1",
        "status": None,
        "user": 1,
    }
    stored = fake.all("task_logs")[0]
    first = next(f for f in feed if f["id"] == f"t{stored.id}")
    assert first == {
        "id": f"t{stored.id}",
        "_user": None,
        "record_id": stored.id,
        "record_type": "task",
        "timestamp": "2025-06-01T03:00:00Z",  # when the task was created, not when it finished
        "summary": stored.task_name,
        "cid": None,
        "status": stored.status,
        "user": None,
    }
    assert task["record_type"] == "task"


def test_the_feed_filters_by_record_type(run, on):
    client = on()
    run(client.resources.grants.get(1))
    feed = client.resources.feed
    kinds = {kind: run(feed.list(record_type=kind)) for kind in ("request", "audit", "task")}
    assert all(kinds.values())
    assert {e.record_type for e in kinds["request"]} == {"request"}
    assert {e.id[0] for kind in kinds.values() for e in kind} == {"r", "a", "t"}
    statuses = {e.status for e in kinds["request"]}
    assert "200" in statuses and "None" not in statuses


# -- rollback ----------------------------------------------------------------------------------


def test_a_rollback_keeps_the_request_log_and_its_numbering() -> None:
    store = Store()
    store.log_request("GET", "/version/", 200, None)
    snapshot = store.snapshot()
    store.log_request("POST", "/batch/", 422, None)
    store.insert("teams", {"name": "Undone", "is_active": True}, None)
    store.restore(snapshot)
    assert store.db["teams"] == {} and store.db["audit_logs"] == {}
    assert [log["endpoint"] for log in store.db["request_logs"].values()] == [
        "/version/",
        "/batch/",
    ]
    assert store.take_id("request_logs") == 3
    assert store.take_id("teams") == 1
    assert sorted(store.db) == sorted(Store().db)


def test_a_failed_batch_undoes_its_writes_but_not_its_request_log(raw, fake):
    before = len(fake.all("request_logs"))
    job = {
        "actions": [
            {"method": "POST", "path": "/users/teams/", "payload": {"name": "Temp"}},
            {"method": "GET", "path": "/research/grants/999/"},
        ]
    }
    answer = raw.post("/batch/", json={"job": job})
    assert answer.status_code == 422
    assert [t.name for t in fake.all("teams")].count("Temp") == 0
    logs = fake.all("request_logs")
    assert len(logs) == before + 1
    assert (logs[-1].endpoint, logs[-1].response_code) == ("/batch/", 422)

"""What the fake answers: collections, queries, permissions, errors, logs, batch."""

from __future__ import annotations

import json

import httpx
import pytest

from keystone_client import BadRequestError, NotFoundError, PermissionDeniedError
from keystone_client.testing import FakeKeystone, FakeKeystoneError


def test_filters_lookups_ordering_and_search(run, on):
    client = on()
    grants = client.resources.grants
    assert [g.agency for g in run(grants.list(agency__in=["NSF", "DOE"]))] == ["NSF", "DOE"]
    assert [g.id for g in run(grants.list(amount__gte=750000))] == [2, 4]
    assert [g.id for g in run.all(grants.order_by("-amount"))] == [2, 4, 1, 3]
    assert [g.title for g in run.all(grants.search("coral"))] == [
        "Population genomics of coral reefs"
    ]
    assert run(client.resources.allocation_requests.count(status="PD")) == 1


def test_unknown_query_parameters_and_orderings_are_ignored(raw):
    everything = raw.get("/research/grants/").json()
    odd = raw.get("/research/grants/", params={"colour": "red", "_order": "colour"}).json()
    assert odd == everything
    assert everything["count"] == 4


def test_a_bad_filter_value_answers_400(raw):
    answer = raw.get("/research/grants/", params={"amount__gt": "lots"})
    assert answer.status_code == 400
    assert answer.json() == {"amount__gt": ["Enter a number."]}
    dated = raw.get("/research/grants/", params={"start_date__gte": "soon"})
    assert dated.json() == {"start_date__gte": ["Enter a valid date."]}


def test_pages_are_capped_and_linked(fake, raw):
    fake.page_cap = 2
    page = raw.get("/research/grants/", params={"_limit": 50, "agency__not_eq": "X"}).json()
    assert [g["id"] for g in page["results"]] == [1, 2]
    assert page["count"] == 4
    assert page["next"] == f"{fake.url}/research/grants/?agency__not_eq=X&_limit=2&_offset=2"
    assert page["previous"] is None
    last = raw.get(page["next"]).json()
    assert [g["id"] for g in last["results"]] == [3, 4]
    assert last["next"] is None
    assert last["previous"] == f"{fake.url}/research/grants/?agency__not_eq=X&_limit=2"


def test_the_client_pages_through_a_capped_fake(run, fake, on):
    fake.page_cap = 3
    client = on(page_size=100)
    assert len(run(client.resources.users.list())) == 4
    pages = [r for r in fake.requests if r.path == "/users/users/" and r.method == "GET"]
    assert len(pages) >= 2


def test_page_cap_must_be_positive(fake):
    with pytest.raises(ValueError, match="page_cap"):
        fake.page_cap = 0


def test_drf_errors_on_bad_writes(run, on):
    client = on()
    with pytest.raises(BadRequestError) as caught:
        run(client.resources.grants.create(title="T", agency="A", amount="1.234", team=99))
    assert caught.value.body == {
        "amount": ["Ensure that there are no more than 2 decimal places."],
        "start_date": ["This field is required."],
        "team": ['Invalid pk "99" - object does not exist.'],
    }


def test_read_only_and_unknown_write_fields_are_ignored(raw):
    answer = raw.post(
        "/users/teams/", json={"name": "New Lab", "slug": "custom", "colour": "red", "id": 77}
    )
    assert answer.status_code == 201
    assert (answer.json()["id"], answer.json()["slug"]) == (4, "new-lab")
    assert "colour" not in answer.json()


def test_update_only_writes_updatable_fields(raw):
    answer = raw.patch("/users/teams/1/", json={"name": "Renamed", "is_active": False})
    assert (answer.json()["name"], answer.json()["is_active"]) == ("Genomics Lab", False)


def test_missing_records_and_paths_answer_404(run, on, raw):
    client = on()
    with pytest.raises(NotFoundError, match=r"No Grant matches the given query\."):
        run(client.resources.grants.get(99))
    assert raw.get("/research/spaceships/").status_code == 404
    nowhere = raw.get("/nowhere/")
    assert nowhere.headers["Content-Type"].startswith("text/html")
    assert "<h1>Not Found</h1>" in nowhere.text
    assert raw.get("/logs/feed/1/").status_code == 404  # the feed has no detail view


def test_unsupported_methods_answer_405(raw):
    assert raw.delete("/notifications/notifications/1/").status_code == 405
    assert raw.post("/logs/requests/", json={}).status_code == 405


def test_a_request_to_another_host_raises_at_once(run, fake, make_client):
    client = make_client(url="http://elsewhere.test", transport=fake.transport(), token="x")
    with pytest.raises(FakeKeystoneError, match=r"elsewhere\.test"):
        run(client.version())


def test_a_fake_under_a_path_serves_there(run, make_client):
    fake = FakeKeystone("https://hpc.example.org/api", seed="demo")
    client = make_client(url=fake.url, transport=fake.transport(), token=fake.token)
    assert run(client.resources.teams.count()) == 3
    assert fake.requests[-1].path == "/users/teams/"


def test_non_staff_users_get_the_servers_permission_answers(run, on):
    ben = on("ben")  # member of Genomics Lab (owner) and Climate Modeling (admin)
    assert {g.team_id for g in run(ben.resources.grants.list())} == {1, 2}
    with pytest.raises(PermissionDeniedError):
        run(ben.resources.grants.get(4))  # Materials Simulation's grant
    with pytest.raises(PermissionDeniedError):
        run(ben.resources.request_logs.list())
    with pytest.raises(PermissionDeniedError):
        run(ben.resources.clusters.create(name="mine"))
    with pytest.raises(PermissionDeniedError):
        run(ben.resources.users.update(1, department="Mine now"))
    assert run(ben.resources.users.update(2, department="Genetics")).department == "Genetics"
    created = run(
        ben.resources.grants.create(
            title="T", agency="NSF", amount="1.00", start_date="2026-01-01", team=1
        )
    )
    assert created.team_id == 1
    with pytest.raises(PermissionDeniedError):
        run(
            ben.resources.grants.create(
                title="T", agency="NSF", amount="1.00", start_date="2026-01-01", team=3
            )
        )


def test_notifications_are_listed_to_their_users_and_all_to_staff(run, on):
    assert [n.user_id for n in run(on().resources.notifications.list())] == [1, 1, 1, 2]
    assert [n.user_id for n in run(on("ben").resources.notifications.list())] == [2]


def test_csrf_is_required_for_unsafe_session_requests(fake):
    with httpx.Client(base_url=fake.url, transport=fake.transport()) as http:
        assert http.post("/authentication/login/", json=fake.credentials()).status_code == 200
        refused = http.post("/users/teams/", json={"name": "X"})
        assert refused.status_code == 403
        assert refused.json() == {"detail": "CSRF Failed: CSRF token missing."}
        token = http.cookies["csrftoken"]
        allowed = http.post("/users/teams/", json={"name": "X"}, headers={"X-CSRFToken": token})
        assert allowed.status_code == 201


def test_bad_credentials(raw, fake):
    answer = raw.post("/authentication/login/", json={"username": "alice", "password": "no"})
    assert answer.json() == {"non_field_errors": ["Invalid username or password."]}
    bad_token = raw.get("/research/grants/", headers={"Authorization": "Token nope"})
    assert (bad_token.status_code, bad_token.json()) == (401, {"detail": "Invalid token."})


def test_every_request_is_logged_and_heads_the_feed(run, fake, on, raw):
    client = on()
    run(client.resources.grants.get(1))
    logs = run(client.resources.request_logs.list(endpoint="/research/grants/1/"))
    assert [(r.method, r.response_code, r.cid) for r in logs] == [("GET", 200, client.cid)]
    newest = fake.all("request_logs")[-1]
    head = raw.get("/logs/feed/", params={"_limit": 1}).json()["results"][0]
    assert (head["id"], head["summary"]) == (f"r{newest.id}", newest.endpoint)


def test_writes_are_audited_with_the_requests_cid(run, on):
    client = on()
    grant = run(client.resources.grants.update(1, pi="Someone"))
    assert grant.history[0].action == "update"
    audit = run(client.resources.audit_logs.list(cid=client.cid))
    assert [a.changes for a in audit] == [{"pi": ["Ben Mensah", "Someone"]}]


def test_choices_stats_version_config_health(run, on):
    client = on()
    assert run(client.resources.allocation_requests.choices("status"))["CR"] == (
        "Changes Requested"
    )
    assert run(client.version()) == "1.4.2"
    assert run(client.config()).max_upload_count == 15
    assert run(client.health()).checks[0].check == "Database"
    assert run(client.resources.stats.grants()).grant_count == 4
    assert run(client.resources.stats.requests()).request_pending_count == 1


def test_multipart_uploads(run, on, tmp_path):
    client = on()
    path = tmp_path / "notes.txt"
    path.write_text("hello")
    attachment = run(client.resources.attachments.create(file=path, request=1))
    assert (attachment.name, attachment.file) == ("notes.txt", "allocations/notes.txt")


def test_batch_dry_runs_and_rollbacks_keep_nothing(fake, raw):
    job = {
        "actions": [
            {"ref": "t", "method": "POST", "path": "/users/teams/", "payload": {"name": "New"}},
            {
                "method": "POST",
                "path": "/research/grants/",
                "payload": {
                    "title": "G",
                    "agency": "A",
                    "amount": "1.00",
                    "start_date": "2026-01-01",
                    "team": "@ref{t.id}",
                },
            },
        ]
    }
    dry = raw.post("/batch/", json={"job": {**job, "dry_run": True}})
    assert [s["status"] for s in dry.json()["results"]] == [201, 201]
    assert dry.json()["results"][1]["body"]["team"] == 4
    assert len(fake.all("teams")) == 3
    broken = {"actions": [job["actions"][0], {**job["actions"][1], "payload": {"title": "G"}}]}
    failed = raw.post("/batch/", json={"job": broken})
    assert failed.status_code == 422
    assert failed.json()["step"] == 2
    assert len(fake.all("teams")) == 3
    bad_ref = {"actions": [{"method": "GET", "path": "/users/teams/@ref{x.id}/"}]}
    assert raw.post("/batch/", json={"job": bad_ref}).json()["token"] == "@ref{x.id}"
    done = raw.post("/batch/", json={"job": job})
    assert done.status_code == 200
    assert fake.get("grants", 5).team_id == 4


def test_batch_with_files(fake, raw):
    job = {
        "actions": [
            {
                "method": "POST",
                "path": "/allocations/attachments/",
                "payload": {"file": "@file{doc}", "request": 1},
            }
        ]
    }
    answer = raw.post(
        "/batch/",
        data={"job": json.dumps(job)},
        files={"doc": ("doc.pdf", b"%PDF-1.4", "application/pdf")},
    )
    assert answer.status_code == 200
    assert answer.json()["results"][0]["body"]["name"] == "doc.pdf"


def test_a_batch_step_path_is_resolved_as_given(raw):
    job = {"actions": [{"method": "GET", "path": "research/grants/"}]}
    answer = raw.post("/batch/", json={"job": job})
    assert answer.status_code == 422
    assert answer.json()["body"] == {"detail": "No route matched: research/grants/"}
    assert answer.json()["detail"] == "Step #1 (GET research/grants/) failed with status 404"


def test_a_collection_without_its_own_renderer_is_served_as_stored():
    from keystone_client.testing._render import Renderer
    from keystone_client.testing._store import Store

    assert Renderer(Store()).render("gadgets", {"id": 1, "size": 2}) == {"id": 1, "size": 2}

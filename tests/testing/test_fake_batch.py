"""The fake's batch endpoint answers as the server does: validation, references, files."""

from __future__ import annotations

import json
from typing import Any

import pytest

from keystone_client import BatchError
from keystone_client.testing import FakeKeystone
from keystone_client.testing._routes import Api


def post(raw: Any, job: Any, **kwargs: Any) -> tuple[int, Any]:
    answer = raw.post("/batch/", json={"job": job}, **kwargs)
    return answer.status_code, answer.json()


def step(method: str, path: str, **fields: Any) -> dict[str, Any]:
    return {"method": method, "path": path, **fields}


def grant_fields(**fields: Any) -> dict[str, Any]:
    base = {"title": "G", "agency": "A", "amount": "1.00", "start_date": "2026-01-01", "team": 1}
    return {**base, **fields}


# -- the job itself -------------------------------------------------------------------------


def test_a_job_that_is_not_json_is_refused(raw):
    bad = raw.post("/batch/", json={"job": "{not json"})
    assert (bad.status_code, bad.json()) == (400, {"detail": "The `job` field is not valid JSON."})
    multipart = raw.post("/batch/", data={"job": "[1,"}, files={"f": ("f.txt", b"x")})
    assert multipart.status_code == 400
    assert multipart.json() == {"detail": "The `job` field is not valid JSON."}


def test_a_job_given_as_a_json_string_runs(raw):
    job = json.dumps({"actions": [step("GET", "/users/teams/1/")]})
    status, body = post(raw, job)
    assert status == 200
    assert [r["path"] for r in body["results"]] == ["/users/teams/1/"]


@pytest.mark.parametrize("payload", [{}, {"job": None}, [{"job": {}}]])
def test_a_request_without_a_job_says_no_data(raw, payload):
    answer = raw.post("/batch/", json=payload)
    assert (answer.status_code, answer.json()) == (400, {"non_field_errors": ["No data provided"]})


@pytest.mark.parametrize(
    ("job", "kind"), [(5, "int"), ("[1, 2]", "list"), ('"x"', "str"), ([], "list")]
)
def test_a_job_that_is_not_an_object_is_refused(raw, job, kind):
    message = f"Invalid data. Expected a dictionary, but got {kind}."
    assert post(raw, job) == (400, {"non_field_errors": [message]})


@pytest.mark.parametrize(
    ("job", "errors"),
    [
        ({}, {"actions": ["This field is required."]}),
        ({"actions": None}, {"actions": ["This field may not be null."]}),
        ({"actions": []}, {"actions": {"non_field_errors": ["This list may not be empty."]}}),
        (
            {"actions": {"a": 1}},
            {"actions": {"non_field_errors": ['Expected a list of items but got type "dict".']}},
        ),
        (
            {"actions": "x"},
            {"actions": {"non_field_errors": ['Expected a list of items but got type "str".']}},
        ),
        (
            {"dry_run": "maybe", "actions": [step("GET", "/users/teams/")]},
            {"dry_run": ["Must be a valid boolean."]},
        ),
        (
            {"dry_run": None, "actions": []},
            {
                "dry_run": ["This field may not be null."],
                "actions": {"non_field_errors": ["This list may not be empty."]},
            },
        ),
    ],
)
def test_a_malformed_job_is_refused_with_field_errors(fake, raw, job, errors):
    assert post(raw, job) == (400, errors)
    assert len(fake.all("teams")) == 3


@pytest.mark.parametrize(
    ("action", "errors"),
    [
        (5, {"non_field_errors": ["Invalid data. Expected a dictionary, but got int."]}),
        ({}, {"method": ["This field is required."], "path": ["This field is required."]}),
        (step("get", "/users/teams/"), {"method": ['"get" is not a valid choice.']}),
        (
            step(None, None),
            {"method": ["This field may not be null."], "path": ["This field may not be null."]},
        ),
        (step("GET", "  "), {"path": ["This field may not be blank."]}),
        (step("GET", True), {"path": ["Not a valid string."]}),
        (
            step("GET", "/" + "a" * 2048),
            {"path": ["Ensure this field has no more than 2048 characters."]},
        ),
        (
            step("GET", "/users/teams/", ref="a-b"),
            {
                "ref": [
                    "Reference aliases may only contain alphanumeric characters and underscores."
                ]
            },
        ),
        (step("GET", "/users/teams/", ref=None), {"ref": ["This field may not be null."]}),
        (step("GET", "/users/teams/", ref=[1]), {"ref": ["Not a valid string."]}),
        (step("GET", "/users/teams/", payload=None), {"payload": ["This field may not be null."]}),
        (
            step("GET", "/users/teams/", payload=[1]),
            {"payload": ['Expected a dictionary of items but got type "list".']},
        ),
        (
            step("GET", "/users/teams/", query_params="a=1"),
            {"query_params": ['Expected a dictionary of items but got type "str".']},
        ),
    ],
)
def test_a_malformed_step_is_refused_in_its_place(fake, raw, action, errors):
    good = step("POST", "/users/teams/", payload={"name": "New"})
    assert post(raw, {"actions": [good, action]}) == (400, {"actions": [{}, errors]})
    assert len(fake.all("teams")) == 3


def test_step_aliases_are_unique_within_a_job(fake, raw):
    new = step("POST", "/users/teams/", payload={"name": "New"}, ref="t")
    again = step("POST", "/users/teams/", payload={"name": "Other"}, ref=" t ")
    errors = {"actions": ["Reference aliases must be unique within a job."]}
    assert post(raw, {"actions": [new, again]}) == (400, errors)
    assert len(fake.all("teams")) == 3


def test_numbers_are_taken_for_a_steps_alias_and_path(raw):
    status, body = post(raw, {"actions": [step("GET", "/users/teams/1/", ref=7)]})
    assert status == 200
    assert body["results"][0]["ref"] == "7"


# -- running steps --------------------------------------------------------------------------


def test_results_name_each_step(raw):
    team = raw.get("/users/teams/1/").json()
    job = {"actions": [step("GET", "/users/teams/1/", ref="t"), step("GET", " /users/teams/2/ ")]}
    status, body = post(raw, job)
    assert status == 200
    assert body["results"][0] == {
        "ref": "t",
        "index": 1,
        "method": "GET",
        "path": "/users/teams/1/",
        "status": 200,
        "body": team,
    }
    assert {k: v for k, v in body["results"][1].items() if k != "body"} == {
        "ref": "",
        "index": 2,
        "method": "GET",
        "path": "/users/teams/2/",
        "status": 200,
    }


def test_query_params_are_sent_as_given(raw):
    job = {
        "actions": [
            step("GET", "/research/grants/", ref="g", query_params={"_limit": 1}),
            step("GET", "/research/grants/", query_params={"agency": "@ref{g.results.0.agency}"}),
        ]
    }
    status, body = post(raw, job)
    assert status == 200
    first, second = body["results"]
    assert first["body"]["count"] == 4
    assert len(first["body"]["results"]) == 1
    assert first["body"]["next"] == "http://localhost:8000/research/grants/?_limit=1&_offset=1"
    # The server resolves no token in query parameters: none matches the literal text.
    assert second["body"]["count"] == 0


def test_a_body_less_answer_is_null_in_the_results(fake, raw):
    status, body = post(raw, {"actions": [step("DELETE", "/research/grants/4/", ref="d")]})
    assert status == 200
    assert body["results"][0]["status"] == 204
    assert body["results"][0]["body"] is None
    assert [g.id for g in fake.all("grants")] == [1, 2, 3]


def test_a_dry_run_keeps_nothing(fake, raw):
    job = {"dry_run": "true", "actions": [step("DELETE", "/research/grants/4/")]}
    assert post(raw, job)[0] == 200
    assert [g.id for g in fake.all("grants")] == [1, 2, 3, 4]
    job = {"dry_run": "off", "actions": [step("DELETE", "/research/grants/4/")]}
    assert post(raw, job)[0] == 200
    assert [g.id for g in fake.all("grants")] == [1, 2, 3]


def test_a_failing_step_names_itself_and_keeps_nothing(fake, raw):
    new = step("POST", "/users/teams/", payload={"name": "New"})
    gone = step("GET", "/research/grants/99/")
    status, body = post(raw, {"actions": [new, gone]})
    assert (status, body) == (
        422,
        {
            "detail": "Step #2 (GET /research/grants/99/) failed with status 404",
            "step": 2,
            "status": 404,
            "body": {"detail": "No Grant matches the given query."},
        },
    )
    assert len(fake.all("teams")) == 3


def test_a_throttled_step_fails_the_batch(fake, raw):
    fake.set_throttle(2)  # the batch request and its first step pass; the second is refused
    new = step("POST", "/users/teams/", payload={"name": "New"})
    status, body = post(raw, {"actions": [new, step("GET", "/users/teams/1/")]})
    assert (status, body) == (
        422,
        {
            "detail": "Step #2 (GET /users/teams/1/) failed with status 429",
            "step": 2,
            "status": 429,
            "body": {"detail": "Request was throttled. Expected available in 60 seconds."},
        },
    )
    assert len(fake.all("teams")) == 3


def test_a_step_without_payload_posts_an_empty_body(raw):
    status, body = post(raw, {"actions": [step("POST", "/research/grants/")]})
    assert status == 422
    assert body["status"] == 400
    assert body["body"]["agency"] == ["This field is required."]


def test_an_unexpected_failure_in_a_step_rolls_back_and_propagates(fake, raw, monkeypatch):
    def broken(*args: Any) -> Any:
        raise RuntimeError("stats broke")

    monkeypatch.setattr(Api, "_stats", broken)
    job = {
        "actions": [
            step("POST", "/users/teams/", payload={"name": "New"}),
            step("GET", "/stats/requests/"),
        ]
    }
    with pytest.raises(RuntimeError, match="stats broke"):
        raw.post("/batch/", json={"job": job})
    assert len(fake.all("teams")) == 3


# -- references -----------------------------------------------------------------------------


def test_references_reach_into_earlier_results(fake, raw):
    job = {
        "actions": [
            step("GET", "/research/grants/", ref="all"),
            step("GET", "/research/grants/@ref{all.results.1.id}/", ref="g"),
            step(
                "POST",
                "/research/grants/",
                payload=grant_fields(
                    title="Of @ref{g._team.slug} (@ref{g.id})", team="@ref{g._team.id}"
                ),
            ),
        ]
    }
    status, body = post(raw, job)
    assert status == 200
    assert body["results"][1]["path"] == "/research/grants/2/"
    created = body["results"][2]["body"]
    assert created["title"] == f"Of {body['results'][1]['body']['_team']['slug']} (2)"
    assert created["team"] == body["results"][1]["body"]["team"]


def bad_reference(token: str, reason: str) -> tuple[int, dict[str, str]]:
    return 422, {"detail": f'Cannot resolve reference "{token}": {reason}', "token": token}


@pytest.mark.parametrize(
    ("value", "token", "reason"),
    [
        ("@ref{nope.id}", "@ref{nope.id}", 'Alias "nope" has not been defined by a previous step'),
        ("@ref{g.nope}", "@ref{g.nope}", 'Key "nope" not found in response'),
        ("@ref{g._team.nope}", "@ref{g._team.nope}", 'Key "nope" not found in response'),
        ("@ref{all.results.4.id}", "@ref{all.results.4.id}", 'Invalid list index "4"'),
        ("@ref{all.results.x}", "@ref{all.results.x}", 'Invalid list index "x"'),
        ("@ref{g.id.x}", "@ref{g.id.x}", 'Cannot traverse into int with "x"'),
        ("@ref{d.id}", "@ref{d.id}", 'Cannot traverse into NoneType with "id"'),
        (
            "@ref{g}",
            "@ref{g}",
            "Reference labels may only contain letters, numbers, and underscores",
        ),
        (
            "x @ref{g.a-b} y",
            "@ref{g.a-b}",
            "Reference labels may only contain letters, numbers, and underscores",
        ),
        (
            ["@ref{nope.id}"],
            "@ref{nope.id}",
            'Alias "nope" has not been defined by a previous step',
        ),
        (
            {"deep": ["ok", "@file{doc}"]},
            "@file{doc}",
            'File part "doc" was not uploaded with this request',
        ),
        ("see @file{doc}", "@file{doc}", 'File part "doc" was not uploaded with this request'),
        ("@file{doc}", "@file{doc}", 'File part "doc" was not uploaded with this request'),
        (
            "@file{a.b}",
            "@file{a.b}",
            "Reference labels may only contain letters, numbers, and underscores",
        ),
    ],
)
def test_an_unresolvable_reference_names_its_token(fake, raw, value, token, reason):
    job = {
        "actions": [
            step("GET", "/research/grants/", ref="all"),
            step("GET", "/research/grants/1/", ref="g"),
            step("DELETE", "/research/grants/4/", ref="d"),
            step("POST", "/research/grants/", payload=grant_fields(description=value)),
        ]
    }
    assert post(raw, job) == bad_reference(token, reason)
    assert [g.id for g in fake.all("grants")] == [1, 2, 3, 4]


def test_a_reference_to_the_last_list_item_resolves(raw):
    job = {
        "actions": [
            step("GET", "/research/grants/", ref="all"),
            step("GET", "/research/grants/@ref{all.results.3.id}/"),
        ]
    }
    status, body = post(raw, job)
    assert status == 200
    assert body["results"][1]["path"] == "/research/grants/4/"


def test_a_file_token_in_a_path_must_name_an_upload(raw):
    job = {"actions": [step("GET", "/users/teams/@file{doc}/")]}
    assert post(raw, job) == bad_reference(
        "@file{doc}", 'File part "doc" was not uploaded with this request'
    )


def test_uploads_fill_file_tokens(raw):
    job = {
        "actions": [
            step(
                "POST",
                "/allocations/attachments/",
                payload={"file": "@file{doc}", "request": 1},
            )
        ]
    }
    answer = raw.post(
        "/batch/",
        data={"job": json.dumps(job)},
        files={"doc": ("doc.pdf", b"%PDF-1.4", "application/pdf")},
    )
    assert answer.status_code == 200
    assert answer.json()["results"][0]["body"]["name"] == "doc.pdf"
    missing = {"actions": [step("POST", "/allocations/attachments/", payload={"file": "@file{x}"})]}
    answer = raw.post(
        "/batch/", data={"job": json.dumps(missing)}, files={"doc": ("d.pdf", b"%PDF")}
    )
    assert (answer.status_code, answer.json()) == bad_reference(
        "@file{x}", 'File part "x" was not uploaded with this request'
    )


# -- through the client ---------------------------------------------------------------------


def test_a_client_batch_reads_a_deletes_null_body(run, on, fake):
    batch = on().batch()
    batch.grants.delete(4)
    results = run(batch.submit())
    assert [(r.status, r.body, r.model) for r in results] == [(204, None, None)]
    assert [g.id for g in fake.all("grants")] == [1, 2, 3]


def test_a_client_batch_with_a_bad_reference_raises(run, on, fake: FakeKeystone):
    batch = on().batch()
    batch.add("GET", "research/grants/@ref{nope.id}/")
    with pytest.raises(BatchError) as caught:
        run(batch.submit())
    assert caught.value.status_code == 422
    assert caught.value.token == "@ref{nope.id}"
    assert caught.value.step is None


@pytest.mark.parametrize(
    ("dry_run", "kept"),
    [(1, True), (0, False), (True, True), (False, False), ("on", True), ("0", False)],
)
def test_dry_run_takes_the_servers_booleans(fake, raw, dry_run, kept):
    job = {"dry_run": dry_run, "actions": [step("DELETE", "/research/grants/4/")]}
    assert post(raw, job)[0] == 200
    assert (4 in [g.id for g in fake.all("grants")]) is kept


def test_dry_run_of_2_is_no_boolean(raw):
    job = {"dry_run": 2, "actions": [step("GET", "/users/teams/")]}
    assert post(raw, job) == (400, {"dry_run": ["Must be a valid boolean."]})


def test_a_ref_with_underscores_is_accepted(raw):
    status, body = post(raw, {"actions": [step("GET", "/users/teams/", ref="my_teams_1")]})
    assert status == 200, body
    assert body["results"][0]["ref"] == "my_teams_1"


def test_a_path_of_2048_characters_is_accepted_and_one_more_refused(raw):
    path = "/users/teams/" + "x" * (2048 - len("/users/teams/"))
    assert post(raw, {"actions": [step("GET", path)]})[0] != 400  # it runs (and finds nothing)
    status, body = post(raw, {"actions": [step("GET", path + "x")]})
    assert status == 400
    assert "2048" in str(body)

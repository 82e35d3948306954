"""Batch jobs: recording, the job sent, results and failures (sync + async).

Every test body runs for both clients: `in_batch` opens ``client.batch()`` with ``with`` or
``async with`` (inside a coroutine run by ``run``) and calls ``record(batch)`` in the block.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import inspect
import io
import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from keystone_client import (
    APIError,
    AsyncBatch,
    AsyncKeystoneClient,
    Batch,
    BatchError,
    BatchResult,
    FieldError,
    FilterError,
    KeystoneClient,
    Placeholder,
)
from keystone_client.models import Attachment, Grant, RequestStatus, Team

from . import factories as f
from .conftest import BASE, Runner

AnyClient = KeystoneClient | AsyncKeystoneClient
AnyBatch = Batch | AsyncBatch

BATCH_URL = f"{BASE}batch/"
SINGLE_OPS = ("get", "create", "update", "replace", "delete")


# -- helpers ---------------------------------------------------------------------------------------


def in_batch(
    run: Runner,
    client: AnyClient,
    record: Callable[[Any], object],
    *,
    dry_run: bool | None = None,
) -> Any:
    """Record actions with ``record(batch)`` inside the batch block, leave it, return the batch.

    The batch is also stored on ``record.batch``, so a test still has it when the block
    raised; what ``record`` returns (awaited for the async client) is ``record.returned``.
    """
    options = {} if dry_run is None else {"dry_run": dry_run}

    if run.is_async:
        assert isinstance(client, AsyncKeystoneClient)

        async def go() -> AsyncBatch:
            async with client.batch(**options) as batch:
                record.batch = batch  # type: ignore[attr-defined]
                returned = record(batch)
                if inspect.isawaitable(returned):
                    record.returned = await returned  # type: ignore[attr-defined]
            return batch

        return run(go())
    assert isinstance(client, KeystoneClient)
    with client.batch(**options) as batch:
        record.batch = batch  # type: ignore[attr-defined]
        record.returned = record(batch)  # type: ignore[attr-defined]
    return batch


def step(
    index: int,
    method: str,
    path: str,
    body: Any,
    *,
    ref: str | None = None,
    status: int = 200,
) -> dict[str, Any]:
    """One entry of a successful batch response."""
    return {
        "ref": f"a{index}" if ref is None else ref,
        "index": index,
        "method": method,
        "path": path,
        "status": status,
        "body": body,
    }


def ok(*steps: dict[str, Any]) -> httpx.Response:
    return httpx.Response(200, json={"results": list(steps)})


def sent_job(request: httpx.Request) -> Any:
    """The ``job`` object of a JSON batch request."""
    assert request.headers["Content-Type"] == "application/json"
    body = json.loads(request.content)
    assert set(body) == {"job"}
    return body["job"]


def multipart(request: httpx.Request) -> dict[str, tuple[str | None, bytes, str]]:
    """Parse a multipart/form-data body into part name -> (filename, content, content type)."""
    content_type = request.headers["Content-Type"]
    assert content_type.startswith("multipart/form-data; boundary=")
    raw = f"Content-Type: {content_type}\r\n\r\n".encode() + request.content
    message = email.message_from_bytes(raw, policy=email.policy.HTTP)
    parts: dict[str, tuple[str | None, bytes, str]] = {}
    for part in message.iter_parts():  # type: ignore[attr-defined]
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        parts[name] = (part.get_filename(), payload, part.get_content_type())
    return parts


# -- the job sent ----------------------------------------------------------------------------------


def test_create_then_update_sends_one_atomic_job(
    run: Runner, client: AnyClient, api: respx.MockRouter
) -> None:
    created = f.grant(7, title="G")
    renamed = f.grant(7, title="G2")
    route = api.post(BATCH_URL).mock(
        return_value=ok(
            step(1, "POST", "/research/grants/", created, status=201),
            step(2, "PATCH", "/research/grants/7/", renamed),
        )
    )
    placeholders: list[Any] = []

    def record(batch: Any) -> None:
        grant = batch.grants.create(
            title="G",
            agency="NSF",
            amount=Decimal("10.50"),
            start_date=dt.date(2026, 1, 1),
            team=1,
        )
        placeholders.append(grant)
        placeholders.append(batch.grants.update(grant.id, title="G2"))
        assert len(api.calls) == 0  # recording sends nothing

    batch = in_batch(run, client, record)

    assert route.call_count == 1
    request = route.calls.last.request
    assert request.method == "POST"
    assert request.headers["X-KEYSTONE-CID"] == client.cid
    assert sent_job(request) == {
        "actions": [
            {
                "ref": "a1",
                "method": "POST",
                "path": "/research/grants/",
                "payload": {
                    "title": "G",
                    "agency": "NSF",
                    "amount": "10.50",
                    "start_date": "2026-01-01",
                    "team": 1,
                },
            },
            {
                "ref": "a2",
                "method": "PATCH",
                "path": "/research/grants/@ref{a1.id}/",
                "payload": {"title": "G2"},
            },
        ],
        "dry_run": False,
    }

    results = batch.results
    assert [type(r) for r in results] == [BatchResult, BatchResult]
    first, second = results
    assert (first.ref, first.index, first.method, first.path, first.status) == (
        "a1",
        1,
        "POST",
        "/research/grants/",
        201,
    )
    assert first.body == created
    assert isinstance(first.model, Grant)
    assert first.model.id == 7
    assert first.model.title == "G"
    assert first.model.amount == Decimal("1500.50")
    assert first.model.team.name == "Team 1"
    assert isinstance(second.model, Grant)
    assert second.model.title == "G2"
    assert (second.ref, second.index, second.path, second.status) == (
        "a2",
        2,
        "/research/grants/7/",
        200,
    )
    assert batch.submitted
    assert all(isinstance(p, Placeholder) for p in placeholders)


def test_batch_returns_the_right_class(run: Runner, client: AnyClient) -> None:
    batch = client.batch()
    assert isinstance(batch, AsyncBatch if run.is_async else Batch)
    assert batch.dry_run is False
    assert client.batch(dry_run=True).dry_run is True
    assert client.batch(True).dry_run is True


def test_dry_run_is_sent_and_results_parsed(
    run: Runner, client: AnyClient, api: respx.MockRouter
) -> None:
    route = api.post(BATCH_URL).mock(
        return_value=ok(step(1, "POST", "/users/teams/", f.team(9), status=201))
    )

    batch = in_batch(run, client, lambda b: b.teams.create(name="Dry"), dry_run=True)

    assert sent_job(route.calls.last.request) == {
        "actions": [
            {"ref": "a1", "method": "POST", "path": "/users/teams/", "payload": {"name": "Dry"}}
        ],
        "dry_run": True,
    }
    [result] = batch.results
    assert isinstance(result.model, Team)
    assert result.model.id == 9


def test_placeholders_as_ids_relations_and_query_values(
    run: Runner, client: AnyClient, api: respx.MockRouter
) -> None:
    route = api.post(BATCH_URL).mock(return_value=ok())

    def record(batch: Any) -> None:
        team = batch.teams.create(name="T")  # a1
        grant = batch.grants.create(  # a2
            {"title": "G", "agency": "DOE"},
            amount="5",
            start_date="2026-01-01",
            team=team,
        )
        batch.grants.update(grant, team_id=grant.team_id)  # a3
        batch.grants.replace(  # a4
            grant.id,
            title="G",
            agency="DOE",
            amount="6",
            start_date="2026-01-01",
            team=team.id,
        )
        batch.allocation_requests.create(  # a5
            title="R",
            team=team,
            status=RequestStatus.PENDING,
            grants=[grant, 3],
            assignees=[],
        )
        batch.grants.get(grant)  # a6
        batch.add(  # a7
            "get",
            "research/grants",
            query_params={"team": team, "id__in": [1, grant], "pi__isnull": True},
        )
        batch.grants.delete(grant)  # a8

    in_batch(run, client, record)

    actions = sent_job(route.calls.last.request)["actions"]
    assert [(a["ref"], a["method"], a["path"]) for a in actions] == [
        ("a1", "POST", "/users/teams/"),
        ("a2", "POST", "/research/grants/"),
        ("a3", "PATCH", "/research/grants/@ref{a2.id}/"),
        ("a4", "PUT", "/research/grants/@ref{a2.id}/"),
        ("a5", "POST", "/allocations/requests/"),
        ("a6", "GET", "/research/grants/@ref{a2.id}/"),
        ("a7", "GET", "/research/grants/"),
        ("a8", "DELETE", "/research/grants/@ref{a2.id}/"),
    ]
    assert actions[1]["payload"] == {
        "title": "G",
        "agency": "DOE",
        "amount": "5",
        "start_date": "2026-01-01",
        "team": "@ref{a1.id}",
    }
    assert actions[2]["payload"] == {"team": "@ref{a2.team}"}
    assert actions[3]["payload"]["team"] == "@ref{a1.id}"
    assert actions[4]["payload"] == {
        "title": "R",
        "team": "@ref{a1.id}",
        "status": "PD",
        "grants": ["@ref{a2.id}", 3],
        "assignees": [],
    }
    assert actions[6]["query_params"] == {
        "team": "@ref{a1.id}",
        "id__in": "1,@ref{a2.id}",
        "pi__isnull": "true",
    }
    for action in (actions[5], actions[6], actions[7]):
        assert "payload" not in action
    assert "query_params" not in actions[0]


def test_placeholder_attributes_render_the_server_keys(client: AnyClient) -> None:
    batch = client.batch()
    grant = batch.grants.create(title="G")
    assert grant.id == "@ref{a1.id}"
    assert grant.team_id == "@ref{a1.team}"
    assert grant.title == "@ref{a1.title}"
    assert grant.history == "@ref{a1._history}"
    assert isinstance(grant.team, Placeholder)  # a nested record
    assert grant.team.name == "@ref{a1._team.name}"
    assert str(grant.team) == "@ref{a1._team.id}"
    assert str(grant) == "@ref{a1.id}"
    assert f"/x/{grant}/" == "/x/@ref{a1.id}/"
    assert "a1" in repr(grant)
    with pytest.raises(AttributeError, match="titel"):
        _ = grant.titel
    with pytest.raises(AttributeError):
        _ = grant._private

    attachment = batch.attachments.create(request=1)
    assert attachment.request_id == "@ref{a2.request}"
    assert attachment.request.title == "@ref{a2._request.title}"

    # A raw action outside any known record: names are used as written.
    listing = batch.add("GET", "/research/grants/")
    assert listing.count == "@ref{a3.count}"
    assert listing.anything == "@ref{a3.anything}"
    # A raw action on a known record path uses that model's names.
    raw = batch.add("PATCH", "/research/grants/5/", {"title": "x"})
    assert raw.team_id == "@ref{a4.team}"


def test_file_upload_goes_as_multipart_with_file_token(
    run: Runner, client: AnyClient, api: respx.MockRouter, tmp_path: Path
) -> None:
    path = tmp_path / "report.txt"
    path.write_bytes(b"hello report")
    route = api.post(BATCH_URL).mock(
        return_value=ok(
            step(1, "POST", "/allocations/requests/", f.allocation_request(5), status=201),
            step(2, "POST", "/allocations/attachments/", f.attachment(8, request=5), status=201),
            step(3, "PATCH", "/allocations/requests/5/", f.allocation_request(5)),
        )
    )

    def record(batch: Any) -> None:
        req = batch.allocation_requests.create(title="R", team=1)
        batch.attachments.create(file=path, name="Report", request=req)
        batch.allocation_requests.update(req.id, description="with attachment")

    batch = in_batch(run, client, record, dry_run=True)

    parts = multipart(route.calls.last.request)
    assert set(parts) == {"job", "a2_file"}
    filename, content, content_type = parts["a2_file"]
    assert (filename, content, content_type) == ("report.txt", b"hello report", "text/plain")
    job_filename, job_text, _ = parts["job"]
    assert job_filename is None
    assert json.loads(job_text) == {
        "actions": [
            {
                "ref": "a1",
                "method": "POST",
                "path": "/allocations/requests/",
                "payload": {"title": "R", "team": 1},
            },
            {
                "ref": "a2",
                "method": "POST",
                "path": "/allocations/attachments/",
                "payload": {"name": "Report", "request": "@ref{a1.id}", "file": "@file{a2_file}"},
            },
            {
                "ref": "a3",
                "method": "PATCH",
                "path": "/allocations/requests/@ref{a1.id}/",
                "payload": {"description": "with attachment"},
            },
        ],
        "dry_run": True,
    }
    assert isinstance(batch.results[1].model, Attachment)
    assert batch.results[1].model.request_id == 5


@pytest.mark.parametrize(
    ("upload", "expected"),
    [
        (b"raw bytes", ("upload", b"raw bytes", "application/octet-stream")),
        (("notes.csv", b"a,b"), ("notes.csv", b"a,b", "text/csv")),
        (
            ("x.bin", b"\x00\x01", "application/x-custom"),
            ("x.bin", b"\x00\x01", "application/x-custom"),
        ),
        ("file-object", ("data.json", b"{}", "application/json")),
    ],
    ids=["bytes", "tuple", "tuple-with-type", "file-object"],
)
def test_every_file_input_kind(
    run: Runner,
    client: AnyClient,
    api: respx.MockRouter,
    upload: Any,
    expected: tuple[str, bytes, str],
) -> None:
    if upload == "file-object":
        upload = io.BytesIO(b"{}")
        upload.name = "/somewhere/data.json"
    route = api.post(BATCH_URL).mock(return_value=ok())

    in_batch(run, client, lambda b: b.attachments.create({"file": upload, "request": 2}))

    parts = multipart(route.calls.last.request)
    assert parts["a1_file"] == expected
    [action] = json.loads(parts["job"][1])["actions"]
    assert action["payload"] == {"request": 2, "file": "@file{a1_file}"}


def test_a_missing_file_fails_before_sending(
    run: Runner, client: AnyClient, api: respx.MockRouter, tmp_path: Path
) -> None:
    with pytest.raises(FieldError, match="not found"):
        in_batch(run, client, lambda b: b.attachments.create(file=tmp_path / "nope.pdf"))
    assert len(api.calls) == 0


def test_raw_actions(run: Runner, client: AnyClient, api: respx.MockRouter) -> None:
    route = api.post(BATCH_URL).mock(
        return_value=ok(
            step(1, "POST", "/users/teams/", f.team(3), ref="team", status=201),
            step(2, "GET", "/research/grants/", f.page([f.grant(1)])),
            step(3, "DELETE", "/users/teams/3/", None, status=204),
        )
    )

    def record(batch: Any) -> None:
        team = batch.add(
            "post", "users/teams", {"name": "T", "lead": Team.model_validate(f.team(1))}, ref="team"
        )
        assert team.id == "@ref{team.id}"
        batch.add("GET", "/research/grants/", query_params={"team": team.id})
        batch.add("DELETE", "users/teams/@ref{team.id}/")

    batch = in_batch(run, client, record)

    assert sent_job(route.calls.last.request)["actions"] == [
        {
            "ref": "team",
            "method": "POST",
            "path": "/users/teams/",
            "payload": {"name": "T", "lead": 1},
        },
        {
            "ref": "a2",
            "method": "GET",
            "path": "/research/grants/",
            "query_params": {"team": "@ref{team.id}"},
        },
        {"ref": "a3", "method": "DELETE", "path": "/users/teams/@ref{team.id}/"},
    ]
    created, listing, deleted = batch.results
    assert isinstance(created.model, Team)
    assert created.ref == "team"
    assert listing.model is None  # a page of records, not one record
    assert listing.body["count"] == 1
    assert deleted.model is None
    assert deleted.body is None


def test_raw_action_checks(client: AnyClient) -> None:
    batch = client.batch()
    batch.add("POST", "users/teams/", {"name": "A"}, ref="a2")
    with pytest.raises(ValueError, match="already used"):
        batch.add("POST", "users/teams/", {"name": "B"}, ref="a2")
    with pytest.raises(ValueError, match="letters, digits"):
        batch.add("POST", "users/teams/", ref="bad-ref")
    with pytest.raises(ValueError, match="letters, digits"):
        batch.add("POST", "users/teams/", ref="")
    with pytest.raises(ValueError, match="method"):
        batch.add("FETCH", "users/teams/")
    with pytest.raises(ValueError, match="2048"):
        batch.add("GET", "x" * 3000)
    with pytest.raises(FilterError):
        batch.add("GET", "users/teams/", query_params={"name": object()})
    # An automatic alias never takes one that is already used.
    second = batch.add("POST", "users/teams/", {"name": "C"})
    assert second.id == "@ref{a2_1.id}"
    assert [a.ref for a in batch.actions] == ["a2", "a2_1"]
    assert len(batch) == 2


def test_ids_are_checked(client: AnyClient) -> None:
    batch = client.batch()
    with pytest.raises(TypeError):
        batch.grants.get(None)
    with pytest.raises(ValueError):
        batch.grants.delete("1/../../users")
    assert len(batch) == 0
    batch.grants.get(Grant.model_validate(f.grant(12)))
    assert batch.actions[0].path == "/research/grants/12/"


# -- validation before sending ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("operation", "match"),
    [
        (lambda b: b.grants.create(titel="x"), "titel"),
        (lambda b: b.grants.create(id=4, title="x"), "'id'"),
        (lambda b: b.grants.update(1, history=[]), "history"),
        (lambda b: b.teams.update(1, name="renamed"), "'name'"),  # only at creation
        (lambda b: b.notifications.update(1, subject="x"), "subject"),
        (lambda b: b.grants.replace(b.grants.create(title="x"), agencyy="x"), "agencyy"),
    ],
    ids=["unknown", "read-only", "read-only-update", "create-only", "notification", "replace"],
)
def test_field_error_before_anything_is_sent(
    run: Runner,
    client: AnyClient,
    api: respx.MockRouter,
    operation: Callable[[Any], object],
    match: str,
) -> None:
    with pytest.raises(FieldError, match=match):
        in_batch(run, client, operation)
    assert len(api.calls) == 0


def test_model_names_are_accepted(run: Runner, client: AnyClient, api: respx.MockRouter) -> None:
    route = api.post(BATCH_URL).mock(return_value=ok())
    in_batch(run, client, lambda b: b.grants.update(3, team_id=2, title="x"))
    [action] = sent_job(route.calls.last.request)["actions"]
    assert action["payload"] == {"team": 2, "title": "x"}


# -- nothing sent ----------------------------------------------------------------------------------


def test_block_raising_sends_nothing_and_reraises(
    run: Runner, client: AnyClient, api: respx.MockRouter
) -> None:
    def record(batch: Any) -> None:
        batch.grants.create(title="G")
        batch.teams.create(name="T")
        raise KeyError("boom")

    with pytest.raises(KeyError, match="boom"):
        in_batch(run, client, record)

    assert len(api.calls) == 0
    batch = record.batch  # type: ignore[attr-defined]
    assert batch.results == []
    assert not batch.submitted
    with pytest.raises(RuntimeError, match="discarded"):
        batch.grants.create(title="late")


def test_empty_batch_sends_nothing(run: Runner, client: AnyClient, api: respx.MockRouter) -> None:
    batch = in_batch(run, client, lambda b: None)
    assert len(api.calls) == 0
    assert batch.results == []


def test_explicit_submit_in_the_block_sends_once(
    run: Runner, client: AnyClient, api: respx.MockRouter
) -> None:
    route = api.post(BATCH_URL).mock(
        return_value=ok(step(1, "POST", "/users/teams/", f.team(2), status=201))
    )

    def record(batch: Any) -> Any:
        batch.teams.create(name="T")
        return batch.submit()

    batch = in_batch(run, client, record)

    assert route.call_count == 1  # leaving the block does not send it again
    assert record.returned == batch.results  # type: ignore[attr-defined]
    assert [r.model.id for r in batch.results] == [2]
    with pytest.raises(RuntimeError, match="submitted"):
        batch.teams.create(name="again")


def test_submit_without_a_block(run: Runner, client: AnyClient, api: respx.MockRouter) -> None:
    route = api.post(BATCH_URL).mock(
        return_value=ok(step(1, "POST", "/users/teams/", f.team(2), status=201))
    )
    batch = client.batch()
    batch.teams.create(name="T")
    results = run(batch.submit())
    assert route.call_count == 1
    assert results == batch.results
    assert isinstance(results[0].model, Team)
    with pytest.raises(RuntimeError):
        run(batch.submit())


# -- failures --------------------------------------------------------------------------------------


def test_step_failure_raises_batch_error(
    run: Runner, client: AnyClient, api: respx.MockRouter
) -> None:
    api.post(BATCH_URL).mock(
        return_value=httpx.Response(
            422,
            json={
                "detail": "Step #2 (POST /research/grants/) failed with status 400",
                "step": 2,
                "status": 400,
                "body": {
                    "title": ["This field may not be blank."],
                    "amount": ["This field is required."],
                },
            },
        )
    )

    def record(batch: Any) -> None:
        team = batch.teams.create(name="T")
        batch.grants.create(title="", team=team)

    with pytest.raises(BatchError) as caught:
        in_batch(run, client, record)

    error = caught.value
    assert isinstance(error, APIError)
    assert error.status_code == 422
    assert error.step == 2
    assert error.status == 400
    assert error.errors == {
        "title": ["This field may not be blank."],
        "amount": ["This field is required."],
    }
    assert error.detail == "Step #2 (POST /research/grants/) failed with status 400"
    assert error.token is None
    batch = record.batch  # type: ignore[attr-defined]
    assert batch.results == []
    assert batch.submitted


def test_bad_reference_raises_batch_error_with_token(
    run: Runner, client: AnyClient, api: respx.MockRouter
) -> None:
    detail = 'Cannot resolve reference "@ref{ghost.id}": Alias "ghost" has not been defined'
    api.post(BATCH_URL).mock(
        return_value=httpx.Response(422, json={"detail": detail, "token": "@ref{ghost.id}"})
    )

    with pytest.raises(BatchError) as caught:
        in_batch(run, client, lambda b: b.grants.update("@ref{ghost.id}", title="x"))

    error = caught.value
    assert error.token == "@ref{ghost.id}"
    assert error.detail == detail
    assert error.step is None
    assert error.status is None
    assert error.errors == {}


def test_a_body_that_is_not_json_says_so(
    run: Runner, client: AnyClient, api: respx.MockRouter
) -> None:
    api.post(BATCH_URL).mock(
        return_value=httpx.Response(
            200, text="<html><body>proxy</body></html>", headers={"Content-Type": "text/html"}
        )
    )
    with pytest.raises(APIError, match="HTML"):
        in_batch(run, client, lambda b: b.teams.create(name="T"))


def test_a_result_that_does_not_match_its_model_keeps_the_body(
    run: Runner, client: AnyClient, api: respx.MockRouter
) -> None:
    api.post(BATCH_URL).mock(
        return_value=ok(step(1, "POST", "/research/grants/", {"id": 3, "title": "partial"}))
    )
    batch = in_batch(run, client, lambda b: b.grants.create(title="partial"))
    [result] = batch.results
    assert result.model is None
    assert result.body == {"id": 3, "title": "partial"}


# -- which operations exist ------------------------------------------------------------------------


def test_batch_operations_follow_the_managers(client: AnyClient) -> None:
    batch = client.batch()
    resources = {
        name: manager for name, manager in vars(client.resources).items() if name != "stats"
    }
    assert len(resources) == 17
    for name, manager in resources.items():
        expected = {op for op in SINGLE_OPS if hasattr(manager, op)}
        if not expected:
            with pytest.raises(AttributeError, match="read-only"):
                getattr(batch, name)
            continue
        batch_manager = getattr(batch, name)
        assert {op for op in SINGLE_OPS if hasattr(batch_manager, op)} == expected, name
        assert batch_manager.spec is manager.spec

    assert not hasattr(batch.notifications, "create")
    assert not hasattr(batch.notifications, "delete")
    with pytest.raises(AttributeError):
        batch.notifications.create(subject="x")
    with pytest.raises(AttributeError):
        batch.audit_logs.update(1, action=1)
    with pytest.raises(AttributeError):
        batch.feed.create()
    with pytest.raises(AttributeError):
        batch.stats  # noqa: B018
    with pytest.raises(AttributeError):
        batch.grantz  # noqa: B018
    assert "grants" in dir(batch)
    for name in ("grants", "attachments", "users", "preferences"):
        assert set(SINGLE_OPS) <= set(dir(getattr(batch, name)))
    assert len(batch) == 0


def test_read_only_resources_still_read_in_a_batch(
    run: Runner, client: AnyClient, api: respx.MockRouter
) -> None:
    route = api.post(BATCH_URL).mock(return_value=ok())
    in_batch(run, client, lambda b: (b.audit_logs.get(5), b.notifications.update(2, read=True)))
    assert sent_job(route.calls.last.request)["actions"] == [
        {"ref": "a1", "method": "GET", "path": "/logs/audit/5/"},
        {
            "ref": "a2",
            "method": "PATCH",
            "path": "/notifications/notifications/2/",
            "payload": {"read": True},
        },
    ]

"""Writes: field checks before sending, relation names and models, save(), uploads, errors."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from keystone_client import (
    AsyncKeystoneClient,
    BadRequestError,
    FieldError,
    KeystoneClient,
    KeystoneError,
    NotFoundError,
    PermissionDeniedError,
)
from keystone_client.models import (
    AllocationRequest,
    Attachment,
    Grant,
    Publication,
    RequestStatus,
    Team,
    TeamSummary,
    UserSummary,
)

from . import factories as f
from .conftest import BASE, Runner

AnyClient = KeystoneClient | AsyncKeystoneClient

GRANTS = f"{BASE}research/grants/"
ATTACHMENTS = f"{BASE}allocations/attachments/"


def sent_json(route: respx.Route) -> Any:
    request = route.calls.last.request
    assert request.headers["Content-Type"] == "application/json"
    return json.loads(request.content)


def multipart(route: respx.Route) -> tuple[str, bytes]:
    request = route.calls.last.request
    request.read()
    content_type = request.headers["Content-Type"]
    assert content_type.startswith("multipart/form-data; boundary=")
    return content_type, request.content


def form_part(body: bytes, name: str) -> bytes:
    """Return the content of the multipart part called ``name``."""
    marker = f'name="{name}"'.encode()
    for part in body.split(b"\r\n--"):
        head, _, content = part.partition(b"\r\n\r\n")
        if marker in head:
            return content.removesuffix(b"\r\n")
    raise AssertionError(f"no part {name!r} in {body!r}")


# -- field names are checked before sending --------------------------------------------------


def test_update_with_misspelled_field_raises_before_sending(
    client: AnyClient, run: Runner, api: respx.MockRouter
) -> None:
    with pytest.raises(FieldError) as info:
        run(client.resources.grants.update(3, titel="x"))
    message = str(info.value)
    assert "'titel'" in message
    assert "grants" in message
    for valid in ("title", "agency", "amount", "start_date", "team", "team_id"):
        assert valid in message
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, KeystoneError)
    assert len(api.calls) == 0


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.resources.grants.create(title="G", agencyy="NSF"),
        lambda c: c.resources.grants.create({"title": "G", "id": 4}),
        lambda c: c.resources.grants.replace(3, title="G", history=[]),
        lambda c: c.resources.grants.update(3, _team={"id": 1}),
        lambda c: c.resources.allocation_requests.update(1, submitted="2026-01-01T00:00:00Z"),
        lambda c: c.resources.teams.update(1, name="New name"),
        lambda c: c.resources.teams.replace(1, slug="x"),
        lambda c: c.resources.notifications.update(1, subject="x"),
        lambda c: c.resources.users.update(1, date_joined="2026-01-01"),
        lambda c: c.resources.attachments.update(1, uploaded="2026-01-01"),
    ],
)
def test_unknown_or_read_only_fields_are_refused(
    client: AnyClient, run: Runner, api: respx.MockRouter, call: Any
) -> None:
    with pytest.raises(FieldError, match="unknown or read-only"):
        run(call(client))
    assert len(api.calls) == 0


def test_teams_update_names_is_active_as_the_only_writable_field(
    client: AnyClient, run: Runner, api: respx.MockRouter
) -> None:
    with pytest.raises(FieldError, match=r"'name'.*writable fields: is_active$"):
        run(client.resources.teams.update(1, name="x"))
    create = api.post(f"{BASE}users/teams/").respond(201, json=f.team(9, name="Nine"))
    team = run(client.resources.teams.create(name="Nine"))
    assert isinstance(team, Team)
    assert sent_json(create) == {"name": "Nine"}


# -- names, models and values ---------------------------------------------------------------------


def test_model_names_and_models_become_server_ids(
    client: AnyClient, run: Runner, api: respx.MockRouter
) -> None:
    route = api.patch(f"{BASE}allocations/requests/4/").respond(200, json=f.allocation_request(4))
    team = TeamSummary.model_validate(f.team_summary(8))
    users = [UserSummary.model_validate(f.user_summary(i)) for i in (3, 5)]
    run(
        client.resources.allocation_requests.update(
            4, team=team, assignees=users, submitter_id=2, grant_ids=[7, 9]
        )
    )
    assert sent_json(route) == {"team": 8, "assignees": [3, 5], "submitter": 2, "grants": [7, 9]}
    run(client.resources.allocation_requests.update(4, team_id=6, assignee_ids=(1,)))
    assert sent_json(route) == {"team": 6, "assignees": [1]}


def test_values_are_serialised(client: AnyClient, run: Runner, api: respx.MockRouter) -> None:
    route = api.post(GRANTS).respond(201, json=f.grant(1))
    run(
        client.resources.grants.create(
            title="G",
            agency="NSF",
            amount=Decimal("12345.67"),
            start_date=dt.date(2026, 1, 2),
            end_date=None,
            team=Team.model_validate(f.team(3)),
        )
    )
    assert sent_json(route) == {
        "title": "G",
        "agency": "NSF",
        "amount": "12345.67",
        "start_date": "2026-01-02",
        "end_date": None,
        "team": 3,
    }


def test_enum_values_are_sent_as_codes(
    client: AnyClient, run: Runner, api: respx.MockRouter
) -> None:
    route = api.patch(f"{BASE}allocations/requests/4/").respond(
        200, json=f.allocation_request(4, status="DC")
    )
    updated = run(client.resources.allocation_requests.update(4, status=RequestStatus.DECLINED))
    assert sent_json(route) == {"status": "DC"}
    assert updated.status is RequestStatus.DECLINED


def test_values_are_judged_by_the_server_alone(
    client: AnyClient, run: Runner, api: respx.MockRouter
) -> None:
    route = api.post(GRANTS).respond(
        400,
        json={"amount": ["A valid number is required."], "title": ["This field may not be blank."]},
    )
    with pytest.raises(BadRequestError) as info:
        run(client.resources.grants.create(title="", amount="lots", agency="NSF", team=1))
    assert sent_json(route) == {"title": "", "amount": "lots", "agency": "NSF", "team": 1}
    error = info.value
    assert error.status_code == 400
    assert error.errors == {
        "amount": ["A valid number is required."],
        "title": ["This field may not be blank."],
    }
    assert "A valid number is required." in str(error)


# -- create from a dict or a model ----------------------------------------------------------------


def test_create_from_a_dict_and_keywords(
    client: AnyClient, run: Runner, api: respx.MockRouter
) -> None:
    route = api.post(GRANTS).respond(201, json=f.grant(2))
    data = {"title": "From dict", "agency": "NSF", "team_id": 1}
    grant = run(client.resources.grants.create(data, agency="DOE", amount="5.00"))
    assert isinstance(grant, Grant)
    assert sent_json(route) == {"title": "From dict", "agency": "DOE", "team": 1, "amount": "5.00"}
    assert data == {"title": "From dict", "agency": "NSF", "team_id": 1}


def test_create_from_a_fetched_model_drops_read_only_fields(
    client: AnyClient, run: Runner, api: respx.MockRouter
) -> None:
    api.get(f"{GRANTS}1/").respond(200, json=f.grant(1, pi="Dr. P"))
    route = api.post(GRANTS).respond(201, json=f.grant(2, title="Copy"))
    original = run(client.resources.grants.get(1))
    copy = run(client.resources.grants.create(original, title="Copy"))
    assert copy.id == 2
    assert sent_json(route) == {
        "title": "Copy",
        "agency": "NSF",
        "pi": "Dr. P",
        "amount": "1500.50",
        "grant_number": "G-00001",
        "start_date": "2026-01-01",
        "end_date": None,
        "description": None,
        "team": 1,
    }


def test_create_from_a_model_with_relation_lists(
    client: AnyClient, run: Runner, api: respx.MockRouter
) -> None:
    route = api.post(f"{BASE}allocations/requests/").respond(201, json=f.allocation_request(2))
    source = AllocationRequest.model_validate(f.allocation_request(1, team=4, grants=[6]))
    run(client.resources.allocation_requests.create(source))
    assert sent_json(route) == {
        "title": "Request 1",
        "description": "Simulations of protein folding.",
        "active": "2026-03-01",
        "expire": None,
        "status": "AP",
        "submitter": 2,
        "team": 4,
        "assignees": [3],
        "publications": [],
        "grants": [6],
    }


def test_create_rejects_other_data(client: AnyClient, run: Runner, api: respx.MockRouter) -> None:
    with pytest.raises(TypeError, match="dict or a model"):
        run(client.resources.grants.create(["title", "x"]))
    assert len(api.calls) == 0


# -- save ------------------------------------------------------------------------------------------


def test_save_sends_only_assigned_fields_then_is_clean(
    client: AnyClient, run: Runner, api: respx.MockRouter
) -> None:
    api.get(f"{GRANTS}3/").respond(200, json=f.grant(3))
    route = api.patch(f"{GRANTS}3/").respond(
        200, json=f.grant(3, amount="99.00", end_date="2027-01-01")
    )
    grant = run(client.resources.grants.get(3))
    assert grant.changed_fields() == {}
    grant.amount = Decimal("99.00")
    grant.end_date = dt.date(2027, 1, 1)
    saved = run(client.resources.grants.save(grant))
    assert route.call_count == 1
    assert sent_json(route) == {"amount": "99.00", "end_date": "2027-01-01"}
    assert saved.amount == Decimal("99.00")
    assert grant.changed_fields() == {}
    # Nothing changed since: saving again sends nothing and returns the object itself.
    assert run(client.resources.grants.save(grant)) is grant
    assert route.call_count == 1


def test_save_unchanged_sends_nothing(
    client: AnyClient, run: Runner, api: respx.MockRouter
) -> None:
    grant = Grant.model_validate(f.grant(3))
    assert run(client.resources.grants.save(grant)) is grant
    assert len(api.calls) == 0


def test_save_with_a_relation_model_sends_its_id(
    client: AnyClient, run: Runner, api: respx.MockRouter
) -> None:
    route = api.patch(f"{GRANTS}3/").respond(200, json=f.grant(3, team=7))
    grant = Grant.model_validate(f.grant(3))
    grant.team_id = 7
    run(client.resources.grants.save(grant))
    assert sent_json(route) == {"team": 7}


def test_save_of_a_read_only_change_is_refused(
    client: AnyClient, run: Runner, api: respx.MockRouter
) -> None:
    team = Team.model_validate(f.team(2))
    team.name = "Renamed"
    with pytest.raises(FieldError, match="'name'"):
        run(client.resources.teams.save(team))
    assert len(api.calls) == 0
    # The change stays tracked: nothing was saved.
    assert team.changed_fields() == {"name": "Renamed"}


def test_save_failure_keeps_changes_tracked(
    client: AnyClient, run: Runner, api: respx.MockRouter
) -> None:
    api.patch(f"{GRANTS}3/").respond(400, json={"title": ["Too long."]})
    grant = Grant.model_validate(f.grant(3))
    grant.title = "x" * 300
    with pytest.raises(BadRequestError):
        run(client.resources.grants.save(grant))
    assert grant.changed_fields() == {"title": "x" * 300}


def test_save_refuses_another_resources_record(
    client: AnyClient, run: Runner, api: respx.MockRouter
) -> None:
    """A publication saved through grants would PATCH the grant that has its id."""
    publication = Publication.model_validate(f.publication(3))
    publication.title = "Renamed"
    with pytest.raises(TypeError, match="Grant"):
        run(client.resources.grants.save(publication))  # type: ignore[arg-type]
    assert len(api.calls) == 0


def test_save_needs_a_fetched_record(client: AnyClient, run: Runner) -> None:
    with pytest.raises(TypeError, match="Grant"):
        run(client.resources.grants.save({"id": 1, "title": "x"}))  # type: ignore[arg-type]


# -- attachments: multipart uploads ----------------------------------------------------------------


@pytest.fixture
def upload_route(api: respx.MockRouter) -> respx.Route:
    return api.post(ATTACHMENTS).respond(201, json=f.attachment(4, request=2))


def check_upload(
    route: respx.Route,
    filename: str,
    content: bytes,
    content_type: str,
    name: str = "Report",
    method: str = "POST",
    path: str = "/allocations/attachments/",
) -> None:
    _, body = multipart(route)
    assert f'name="file"; filename="{filename}"'.encode() in body
    assert f"Content-Type: {content_type}".encode() in body
    assert form_part(body, "file") == content
    assert form_part(body, "name") == name.encode()
    assert form_part(body, "request") == b"2"
    request = route.calls.last.request
    assert request.method == method
    assert request.url.path == path


def test_upload_from_a_path(
    client: AnyClient, run: Runner, upload_route: respx.Route, tmp_path: Path
) -> None:
    path = tmp_path / "report.pdf"
    path.write_bytes(b"%PDF-1.4 report")
    attachment = run(client.resources.attachments.create(file=path, name="Report", request=2))
    assert isinstance(attachment, Attachment)
    assert attachment.request_id == 2
    check_upload(upload_route, "report.pdf", b"%PDF-1.4 report", "application/pdf")
    run(client.resources.attachments.create(file=str(path), name="Report", request=2))
    check_upload(upload_route, "report.pdf", b"%PDF-1.4 report", "application/pdf")


def test_upload_from_bytes(client: AnyClient, run: Runner, upload_route: respx.Route) -> None:
    run(client.resources.attachments.create(file=b"\x00raw\xff", name="Report", request=2))
    check_upload(upload_route, "upload", b"\x00raw\xff", "application/octet-stream")


def test_upload_from_a_file_object(
    client: AnyClient, run: Runner, upload_route: respx.Route, tmp_path: Path
) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes(b"hello notes")
    with path.open("rb") as handle:
        run(client.resources.attachments.create(file=handle, name="Report", request=2))
    check_upload(upload_route, "notes.txt", b"hello notes", "text/plain")
    run(client.resources.attachments.create(file=io.BytesIO(b"in memory"), name="R", request=2))
    check_upload(upload_route, "upload", b"in memory", "application/octet-stream", name="R")


def test_upload_from_a_tuple(client: AnyClient, run: Runner, upload_route: respx.Route) -> None:
    run(
        client.resources.attachments.create(
            {"file": ("data.csv", b"a,b\n1,2\n", "text/csv"), "name": "Report"}, request_id=2
        )
    )
    check_upload(upload_route, "data.csv", b"a,b\n1,2\n", "text/csv")
    run(client.resources.attachments.create(file=("img.png", b"PNG"), name="Report", request=2))
    check_upload(upload_route, "img.png", b"PNG", "image/png")


def test_upload_with_a_request_model(
    client: AnyClient, run: Runner, upload_route: respx.Route
) -> None:
    request = AllocationRequest.model_validate(f.allocation_request(2))
    run(client.resources.attachments.create(file=b"x", name="Report", request=request))
    check_upload(upload_route, "upload", b"x", "application/octet-stream")


def test_upload_of_a_missing_path_raises_before_sending(
    client: AnyClient, run: Runner, api: respx.MockRouter, tmp_path: Path
) -> None:
    with pytest.raises(FieldError, match="not found"):
        run(client.resources.attachments.create(file=tmp_path / "missing.pdf", name="x", request=2))
    with pytest.raises(FieldError, match="Cannot upload"):
        run(client.resources.attachments.create(file=12, name="x", request=2))
    assert len(api.calls) == 0


def test_attachment_update_without_file_is_json(
    client: AnyClient, run: Runner, api: respx.MockRouter
) -> None:
    route = api.patch(f"{ATTACHMENTS}4/").respond(200, json=f.attachment(4, name="Renamed"))
    run(client.resources.attachments.update(4, name="Renamed"))
    assert sent_json(route) == {"name": "Renamed"}


def test_attachment_replace_with_file_is_multipart(
    client: AnyClient, run: Runner, api: respx.MockRouter
) -> None:
    route = api.put(f"{ATTACHMENTS}4/").respond(200, json=f.attachment(4, request=2))
    run(client.resources.attachments.replace(4, file=("r.txt", b"new"), name="Report", request=2))
    check_upload(
        route, "r.txt", b"new", "text/plain", method="PUT", path="/allocations/attachments/4/"
    )


def test_upload_retry_resends_the_same_bytes(
    make_client: Any, run: Runner, api: respx.MockRouter
) -> None:
    client = make_client()
    route = api.put(f"{ATTACHMENTS}4/").mock(
        side_effect=[
            httpx.Response(503),
            httpx.Response(200, json=f.attachment(4, request=2)),
        ]
    )
    handle = io.BytesIO(b"once only")
    run(client.resources.attachments.replace(4, file=handle, name="Report", request=2))
    assert route.call_count == 2
    bodies = []
    for call in route.calls:
        call.request.read()
        bodies.append(form_part(call.request.content, "file"))
    assert bodies == [b"once only", b"once only"]


# -- error responses -----------------------------------------------------------------------------


def test_403_is_permission_denied(client: AnyClient, run: Runner, api: respx.MockRouter) -> None:
    api.post(f"{BASE}allocations/clusters/").respond(
        403, json={"detail": "You do not have permission to perform this action."}
    )
    with pytest.raises(PermissionDeniedError) as info:
        run(client.resources.clusters.create(name="c"))
    assert info.value.status_code == 403
    assert info.value.detail == "You do not have permission to perform this action."


def test_404_on_update_is_not_found(client: AnyClient, run: Runner, api: respx.MockRouter) -> None:
    api.patch(f"{GRANTS}77/").respond(404, json={"detail": "No Grant matches the given query."})
    with pytest.raises(NotFoundError, match="No Grant matches"):
        run(client.resources.grants.update(77, title="x"))


def test_400_on_replace_has_field_errors(
    client: AnyClient, run: Runner, api: respx.MockRouter
) -> None:
    api.put(f"{GRANTS}3/").respond(
        400, json={"agency": ["This field is required."], "team": ["This field is required."]}
    )
    with pytest.raises(BadRequestError) as info:
        run(client.resources.grants.replace(3, title="only title"))
    assert info.value.errors == {
        "agency": ["This field is required."],
        "team": ["This field is required."],
    }


def test_writes_carry_the_session_headers(
    client: AnyClient, run: Runner, api: respx.MockRouter
) -> None:
    api.get(f"{GRANTS}1/").respond(
        200, json=f.grant(1), headers={"Set-Cookie": "csrftoken=tok123; Path=/"}
    )
    post = api.post(GRANTS).respond(201, json=f.grant(2))
    delete = api.delete(f"{GRANTS}2/").respond(204)
    run(client.resources.grants.get(1))
    run(client.resources.grants.create(title="G"))
    run(client.resources.grants.delete(2))
    for route in (post, delete):
        request = route.calls.last.request
        assert request.headers["X-CSRFToken"] == "tok123"
        assert request.headers["X-KEYSTONE-CID"] == client.cid
        assert request.headers["Referer"] == BASE


def test_assigning_an_unknown_attribute_raises_instead_of_saving_nothing(
    client: AnyClient, api: respx.MockRouter
) -> None:
    grant = Grant.model_validate(f.grant(7))
    with pytest.raises(FieldError, match="Grant has no field 'titel'"):
        grant.titel = "typo"  # type: ignore[attr-defined]
    assert grant.changed_fields() == {}
    assert not api.calls


def test_save_sends_a_list_of_ids_changed_in_place(
    client: AnyClient, run: Runner, api: respx.MockRouter
) -> None:
    record = AllocationRequest.model_validate(f.allocation_request(3))
    route = api.patch(f"{BASE}allocations/requests/3/").respond(
        200, json=f.allocation_request(3, assignees=[3, 9])
    )
    record.assignee_ids.append(9)
    saved = run(client.resources.allocation_requests.save(record))
    assert json.loads(route.calls.last.request.content) == {"assignees": [3, 9]}
    assert saved.assignee_ids == [3, 9]
    assert record.changed_fields() == {}  # clean again after the save


def test_records_with_the_same_fields_are_equal_whatever_was_assigned() -> None:
    a, b = Grant.model_validate(f.grant(7)), Grant.model_validate(f.grant(7))
    a.title = a.title
    assert a == b
    assert a != Grant.model_validate(f.grant(8))

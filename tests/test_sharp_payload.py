"""Write payloads, pinned exactly: ids in nested values, field names, form values, upload errors."""

from __future__ import annotations

import datetime as dt
import enum
import io
import json
from decimal import Decimal
from typing import Any

import pytest
import respx
from pydantic import Field

from keystone_client import AsyncKeystoneClient, FieldError, KeystoneClient
from keystone_client._payload import build_body, check_fields, normalize_file, to_write_value
from keystone_client._resource_spec import ResourceSpec
from keystone_client.models import Grant, Record, Team

from . import factories as f
from .conftest import BASE, Runner

AnyClient = KeystoneClient | AsyncKeystoneClient

ATTACHMENTS = f"{BASE}allocations/attachments/"


class Shelf(Record):
    """A record whose model name ``label`` is sent as ``title``, next to a field ``label``."""

    label: str = Field(alias="title")
    tags: list[str] = []


class Color(enum.Enum):
    RED = "R"


def shelf_spec(allowed: frozenset[str], file_field: str | None = None) -> ResourceSpec[Shelf]:
    return ResourceSpec(
        name="shelves",
        endpoint="shelves/",
        model=Shelf,
        filters={},
        create_fields=allowed,
        file_field=file_field,
    )


def sent_json(route: respx.Route) -> Any:
    request = route.calls.last.request
    assert request.headers["Content-Type"] == "application/json"
    return json.loads(request.content)


# -- nested values: records become ids at every depth ------------------------------------------


def test_records_inside_a_mapping_become_their_ids() -> None:
    grant = Grant.model_validate(f.grant(5))
    assert to_write_value({"grant": grant, "n": 3, "inner": {"grants": [grant]}}) == {
        "grant": 5,
        "n": 3,
        "inner": {"grants": [5]},
    }


def test_a_record_in_a_nested_update_value_is_sent_as_its_id(
    client: AnyClient, run: Runner, api: respx.MockRouter
) -> None:
    route = api.patch(f"{BASE}research/grants/5/").respond(200, json=f.grant(5))
    grant = Grant.model_validate(f.grant(9))
    run(client.resources.grants.update(5, description={"see": grant}))
    assert sent_json(route) == {"description": {"see": 9}}


# -- field names -------------------------------------------------------------------------------


def test_a_server_name_is_sent_as_is_even_when_a_model_field_has_that_name() -> None:
    # ``label`` is accepted by the server and is also the model name of ``title``.
    spec = shelf_spec(frozenset({"title", "label"}))
    assert check_fields(spec, spec.create_fields, {"label": "a"}) == {"label": "a"}
    assert check_fields(spec, spec.create_fields, {"title": "b"}) == {"title": "b"}


def test_a_resource_without_writable_fields_says_none() -> None:
    spec = shelf_spec(frozenset())
    with pytest.raises(FieldError) as caught:
        check_fields(spec, spec.create_fields, {"label": "a"})
    assert str(caught.value) == (
        "shelves does not accept field 'label' (unknown or read-only); writable fields: none"
    )


# -- create from a model -----------------------------------------------------------------------


def test_create_from_a_model_sends_its_default_values_too(
    client: AnyClient, run: Runner, api: respx.MockRouter
) -> None:
    route = api.post(f"{BASE}users/teams/").respond(201, json=f.team(2))
    data = f.team(1)
    del data["is_active"]  # not sent: the model's default (True) fills it
    source = Team.model_validate(data)
    run(client.resources.teams.create(source))
    assert sent_json(route) == {"name": "Team 1", "is_active": True}


def test_create_with_other_data_names_its_type(
    client: AnyClient, run: Runner, api: respx.MockRouter
) -> None:
    with pytest.raises(TypeError) as caught:
        run(client.resources.grants.create(42))
    assert str(caught.value) == "data must be a dict or a model, not int"
    assert len(api.calls) == 0


# -- multipart form values ---------------------------------------------------------------------


def test_multipart_form_values_are_text_as_the_server_reads_them() -> None:
    spec = shelf_spec(frozenset({"file", "tags", "a", "b", "c", "d", "e"}), file_field="file")
    payload = {
        "file": ("f.txt", b"x", "text/plain"),
        "tags": [1, True, Color.RED, "s"],
        "a": True,
        "b": False,
        "c": Color.RED,
        "d": dt.date(2026, 1, 2),
        "e": Decimal("1.50"),
        "skipped": None,
    }
    body = build_body(spec, payload)
    assert body.json is None
    assert body.files == {"file": ("f.txt", b"x", "text/plain")}
    assert body.data == {
        "tags": ["1", "true", "R", "s"],
        "a": "true",
        "b": "false",
        "c": "R",
        "d": "2026-01-02",
        "e": "1.50",
    }


def test_a_value_that_cannot_go_in_a_form_names_its_type_and_value() -> None:
    spec = shelf_spec(frozenset({"file", "a"}), file_field="file")
    with pytest.raises(FieldError) as caught:
        build_body(spec, {"file": b"x", "a": {"k": 1}})
    assert str(caught.value) == "Cannot send a dict in a multipart form: {'k': 1}"


def test_an_attachment_name_sent_as_a_bool_is_true_or_false(
    client: AnyClient, run: Runner, api: respx.MockRouter
) -> None:
    route = api.post(ATTACHMENTS).respond(201, json=f.attachment(4, request=2))
    for flag, text in ((True, b"true"), (False, b"false")):
        run(client.resources.attachments.create(file=b"x", name=flag, request=2))
        request = route.calls.last.request
        request.read()
        assert b'name="name"\r\n\r\n' + text + b"\r\n" in request.content


# -- uploads -----------------------------------------------------------------------------------


def test_a_file_tuple_may_hold_an_open_file_or_text() -> None:
    assert normalize_file(("a.txt", io.BytesIO(b"from handle"))) == (  # type: ignore[arg-type]
        "a.txt",
        b"from handle",
        "text/plain",
    )
    assert normalize_file(("a.bin", "text", "x/y")) == ("a.bin", b"text", "x/y")  # type: ignore[arg-type]


def test_upload_of_a_tuple_holding_an_open_file(
    client: AnyClient, run: Runner, api: respx.MockRouter
) -> None:
    route = api.post(ATTACHMENTS).respond(201, json=f.attachment(4, request=2))
    handle = io.BytesIO(b"handle bytes")
    run(client.resources.attachments.create(file=("n.csv", handle), name="R", request=2))
    request = route.calls.last.request
    request.read()
    assert b'filename="n.csv"' in request.content
    assert b"\r\n\r\nhandle bytes\r\n" in request.content


@pytest.mark.parametrize("upload", [("only-a-name",), ("a", b"b", "c", "d")])
def test_a_file_tuple_of_the_wrong_length_says_what_it_must_be(upload: Any) -> None:
    with pytest.raises(FieldError) as caught:
        normalize_file(upload)
    assert str(caught.value) == (
        "A file tuple must be (name, bytes) or (name, bytes, content_type)"
    )


def test_an_upload_of_another_type_names_it_and_what_is_accepted(
    client: AnyClient, run: Runner, api: respx.MockRouter
) -> None:
    with pytest.raises(FieldError) as caught:
        run(client.resources.attachments.create(file=12, name="x", request=2))
    assert str(caught.value) == (
        "Cannot upload a int: pass a path, bytes, an open binary file "
        "or a (name, bytes, content_type) tuple"
    )
    assert len(api.calls) == 0


def test_file_content_of_another_type_names_it() -> None:
    with pytest.raises(FieldError) as caught:
        normalize_file(("a.txt", 12))  # type: ignore[arg-type]
    assert str(caught.value) == "File content must be bytes, not int"

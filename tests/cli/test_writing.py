"""create, update, replace and delete; --set and --json parsing, file uploads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from keystone_client.testing import FakeKeystone

from .conftest import Keystone, sent

GRANT = [
    "--set",
    "title=Ocean heat budget",
    "--set",
    "agency=NSF",
    "--set",
    "pi=Carla Ortiz",
    "--set",
    "amount=125000.50",
    "--set",
    "grant_number=NSF-9",
    "--set",
    "start_date=2025-01-01",
    "--set",
    "end_date=2026-01-01",
    "--set",
    "team:=2",
]


def last_body(server: FakeKeystone) -> object:
    return server.requests[-1].body


def test_create_sends_the_fields_and_prints_the_record(
    keystone: Keystone, server: FakeKeystone
) -> None:
    result = keystone("grants", "create", *GRANT, "-o", "json")
    assert result.exit_code == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["title"] == "Ocean heat budget" and record["amount"] == "125000.50"
    assert last_body(server) == {
        "title": "Ocean heat budget",
        "agency": "NSF",
        "pi": "Carla Ortiz",
        "amount": "125000.50",
        "grant_number": "NSF-9",
        "start_date": "2025-01-01",
        "end_date": "2026-01-01",
        "team": 2,
    }
    assert server.get("grants", record["id"]).title == "Ocean heat budget"


def test_typed_json_values_with_colon_equals(keystone: Keystone, server: FakeKeystone) -> None:
    result = keystone(
        "allocation-requests",
        "update",
        "3",
        "--set",
        "assignees:=[1, 2]",
        "--fields",
        "id,assignee_ids",
    )
    assert result.exit_code == 0, result.stderr
    assert last_body(server) == {"assignees": [1, 2]}
    assert json.loads(result.stdout) == {"id": 3, "assignee_ids": [1, 2]}


def test_value_from_a_file_with_at(
    keystone: Keystone, server: FakeKeystone, tmp_path: Path
) -> None:
    (tmp_path / "abstract.txt").write_text("A long description\nover two lines.\n")
    result = keystone("grants", "update", "1", "--set", "description=@abstract.txt")
    assert result.exit_code == 0, result.stderr
    assert last_body(server) == {"description": "A long description\nover two lines."}


def test_whole_body_from_stdin(keystone: Keystone, server: FakeKeystone) -> None:
    body = {"title": "Renamed", "description": "From stdin"}
    result = keystone(
        "grants", "update", "1", "--json", "-", "--set", "title=Set wins", input=json.dumps(body)
    )
    assert result.exit_code == 0, result.stderr
    assert last_body(server) == {"title": "Set wins", "description": "From stdin"}
    assert server.get("grants", 1).description == "From stdin"


def test_replace_sends_put(keystone: Keystone, server: FakeKeystone) -> None:
    result = keystone("teams", "replace", "2", "--set", "is_active:=false", "-o", "json")
    assert result.exit_code == 0, result.stderr
    assert server.requests[-1].method == "PUT"
    assert json.loads(result.stdout)["is_active"] is False


def test_update_sends_patch_with_only_the_given_fields(
    keystone: Keystone, server: FakeKeystone
) -> None:
    result = keystone("notifications", "update", "1", "--set", "read:=true", "--fields", "id,read")
    assert result.exit_code == 0, result.stderr
    assert sent(server)[-1][0] == "PATCH"
    assert last_body(server) == {"read": True}
    assert json.loads(result.stdout) == {"id": 1, "read": True}


def test_delete(keystone: Keystone, server: FakeKeystone) -> None:
    assert [c.id for c in server.all("comments")] == [1]
    result = keystone("comments", "delete", "1")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert "Deleted comments 1" in result.stderr
    assert server.all("comments") == []
    assert sent(server) == [("DELETE", "/allocations/comments/1/")]


def test_attachment_upload(keystone: Keystone, server: FakeKeystone, tmp_path: Path) -> None:
    pdf = tmp_path / "proposal.pdf"
    pdf.write_bytes(b"%PDF-1.4\n% proposal\n%%EOF\n")
    result = keystone(
        "attachments", "create", "--set", f"file=@{pdf}", "--set", "request=3", "-o", "json"
    )
    assert result.exit_code == 0, result.stderr
    assert server.requests[-1].body == {"file": "proposal.pdf", "request": "3"}
    request = keystone.wire[-1]
    assert request.headers["content-type"].startswith("multipart/form-data")
    assert b"%PDF-1.4" in request.content and b'filename="proposal.pdf"' in request.content
    record = json.loads(result.stdout)
    assert record["name"] == "proposal.pdf"
    assert server.get("attachments", record["id"]).request_id == 3


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ("title", "'title' is not field=value, field:=JSON or field=@path"),
        ("=x", "'=x' is not field=value"),
        ("amount:=12,5", "amount:= needs a JSON value"),
        ("team:=", "team:= needs a JSON value"),
        ("description=@", "description=@ needs a file path"),
        ("description=@missing.txt", "description=@missing.txt: no such file"),
    ],
)
def test_bad_set_is_a_usage_error(
    keystone: Keystone, server: FakeKeystone, item: str, message: str
) -> None:
    result = keystone("grants", "update", "1", "--set", item)
    assert result.exit_code == 2
    assert message in result.stderr
    assert sent(server) == []


@pytest.mark.parametrize(
    ("stdin", "message"),
    [("[1, 2]", "must hold a JSON object, not list"), ("{oops", "stdin is not JSON")],
)
def test_bad_json_body_is_a_usage_error(
    keystone: Keystone, server: FakeKeystone, stdin: str, message: str
) -> None:
    result = keystone("grants", "update", "1", "--json", "-", input=stdin)
    assert result.exit_code == 2
    assert message in result.stderr
    assert sent(server) == []


def test_update_with_nothing_to_change_is_a_usage_error(
    keystone: Keystone, server: FakeKeystone
) -> None:
    result = keystone("grants", "update", "1")
    assert result.exit_code == 2
    assert "update needs at least one --set" in result.stderr
    assert sent(server) == []


def test_unknown_or_read_only_field_is_refused_before_sending(
    keystone: Keystone, server: FakeKeystone
) -> None:
    result = keystone("teams", "update", "1", "--set", "name=Renamed")
    assert result.exit_code == 2
    assert result.stderr == (
        "keystone: error: teams does not accept field 'name' (unknown or read-only); "
        "writable fields: is_active\n"
    )
    assert sent(server) == []


def test_server_field_errors_are_listed_on_one_line(
    keystone: Keystone, server: FakeKeystone
) -> None:
    result = keystone("grants", "create", "--set", "title=Only a title", "--set", "amount=lots")
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("keystone: error: HTTP 400: ")
    assert "amount: A valid number is required." in lines[0]
    assert "agency: This field is required." in lines[0]


def test_whole_body_from_a_file(keystone: Keystone, server: FakeKeystone, tmp_path: Path) -> None:
    (tmp_path / "body.json").write_text('{"description": "From a file"}')
    result = keystone("grants", "update", "2", "--json", "body.json", "--fields", "id,description")
    assert result.exit_code == 0, result.stderr
    assert last_body(server) == {"description": "From a file"}


def test_json_body_file_missing(keystone: Keystone, server: FakeKeystone) -> None:
    result = keystone("grants", "update", "2", "--json", "nowhere.json")
    assert result.exit_code == 2
    assert "no such file: nowhere.json" in result.stderr
    assert sent(server) == []


def test_value_from_stdin_with_at_dash(keystone: Keystone, server: FakeKeystone) -> None:
    result = keystone("grants", "update", "2", "--set", "description=@-", input="Piped in\n")
    assert result.exit_code == 0, result.stderr
    assert last_body(server) == {"description": "Piped in"}


def test_text_that_looks_typed_stays_text(keystone: Keystone, server: FakeKeystone) -> None:
    keystone("grants", "update", "2", "--set", "grant_number=007", "--set", "pi=true")
    assert last_body(server) == {"grant_number": "007", "pi": "true"}

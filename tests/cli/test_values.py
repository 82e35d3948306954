"""``--filter`` and ``--set`` values as parsed and sent, and the exact line a bad one gets."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from keystone_client.testing import FakeKeystone

from .conftest import Keystone, sent


def test_a_filter_value_may_hold_equals_signs(keystone: Keystone, server: FakeKeystone) -> None:
    result = keystone("grants", "list", "--filter", "title__contains=a=b", "-o", "json")
    assert result.exit_code == 0, result.stderr
    assert server.requests[-1].query["title__contains"] == "a=b"


def test_a_filter_without_equals_gets_one_usage_line(
    keystone: Keystone, server: FakeKeystone
) -> None:
    result = keystone("grants", "list", "--filter", "amount")
    assert result.exit_code == 2
    assert result.stderr == (
        "keystone: error: Invalid value for '--filter': 'amount' is not field__lookup=value "
        "(for example status=PD or title__contains=GPU) (see 'keystone grants list --help')\n"
    )
    assert sent(server) == []


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ("description=@", "description=@ needs a file path (or @- for stdin)"),
        ("description=@missing.txt", "description=@missing.txt: no such file"),
        ("description=@latin1.txt", "description=@latin1.txt is not UTF-8 text"),
    ],
)
def test_a_bad_at_value_gets_one_usage_line(
    keystone: Keystone, server: FakeKeystone, tmp_path: Path, item: str, message: str
) -> None:
    (tmp_path / "latin1.txt").write_bytes("Café au lait\n".encode("latin-1"))
    result = keystone("grants", "update", "1", "--set", item)
    assert result.exit_code == 2
    assert result.stderr == (
        f"keystone: error: Invalid value for '--set': {message} "
        "(see 'keystone grants update --help')\n"
    )
    assert sent(server) == []


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Ends in a space \n", "Ends in a space "),
        ("Ends in XX\n\n", "Ends in XX"),
        ("\tIndented\n", "\tIndented"),
    ],
)
def test_at_file_and_at_stdin_drop_only_the_final_newlines(
    keystone: Keystone, server: FakeKeystone, tmp_path: Path, text: str, value: str
) -> None:
    (tmp_path / "text.txt").write_text(text, encoding="utf-8")
    result = keystone("grants", "update", "2", "--set", "description=@text.txt")
    assert result.exit_code == 0, result.stderr
    assert server.requests[-1].body == {"description": value}
    result = keystone("grants", "update", "3", "--set", "description=@-", input=text)
    assert result.exit_code == 0, result.stderr
    assert server.requests[-1].body == {"description": value}


def test_an_at_file_is_read_as_utf8_whatever_the_locale(
    keystone: Keystone, server: FakeKeystone, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A cp1252 locale (as on Windows): the file must still be decoded as UTF-8.
    real = io.text_encoding
    monkeypatch.setattr(io, "text_encoding", lambda enc, *a: real(enc) if enc else "cp1252")
    (tmp_path / "text.txt").write_text("Café \u2013 2 µm\n", encoding="utf-8")
    result = keystone("grants", "update", "2", "--set", "description=@text.txt")
    assert result.exit_code == 0, result.stderr
    assert server.requests[-1].body == {"description": "Café \u2013 2 µm"}


def test_the_upload_field_from_stdin_sends_the_bytes_as_they_are(keystone: Keystone) -> None:
    data = b"%PDF-1.4\n\xe2\x80\x93 proposal\n\n"
    keystone("attachments", "create", "--set", "file=@-", "--set", "request=3", input=data)
    request = keystone.wire[-1]
    assert request.method == "POST" and request.url.path == "/allocations/attachments/"
    assert request.headers["content-type"].startswith("multipart/form-data")
    part = b'name="file"; filename="upload"\r\nContent-Type: application/octet-stream\r\n\r\n'
    assert part + data + b"\r\n--" in request.content

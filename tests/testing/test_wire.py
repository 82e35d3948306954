"""What travels between the fake and its callers: encoded answers, cookies and request bodies."""

from __future__ import annotations

import httpx
import pytest

from keystone_client.testing import FakeKeystone
from keystone_client.testing._wire import BadRequest, Result, Upload, parse_body, parse_cookies


def _encoded(data: dict[str, object], files: dict[str, object] | None = None) -> tuple[str, bytes]:
    request = httpx.Request("POST", "http://k.test/", data=data, files=files)
    return request.headers["Content-Type"], request.read()


def test_a_json_answer_names_its_content_type():
    assert Result(201, {"id": 1}).encode() == (
        b'{"id": 1}',
        [("Content-Type", "application/json")],
    )


def test_a_text_answer_names_its_content_type_after_the_extra_headers():
    result = Result(
        500, text="<h1>oops</h1>", headers=[("Retry-After", "3")], content_type="text/html"
    )
    assert result.encode() == (
        b"<h1>oops</h1>",
        [("Retry-After", "3"), ("Content-Type", "text/html")],
    )


def test_an_empty_answer_has_no_content_type():
    assert Result(204).encode() == (b"", [])


def test_bad_request_carries_its_field_errors():
    errors = {"name": ["This field is required."]}
    raised = BadRequest(errors)
    assert raised.errors == errors
    assert raised.args == (errors,)
    assert str(raised) == "{'name': ['This field is required.']}"


def test_cookie_values_may_hold_equals_signs():
    assert parse_cookies("sessionid=abc==; csrftoken=x=y ; flag; =odd") == {
        "sessionid": "abc==",
        "csrftoken": "x=y",
        "": "odd",
    }


def test_multipart_fields_uploads_and_empty_values():
    content_type, body = _encoded(
        {"title": "Report", "note": ""},
        {"file": ("report.pdf", b"%PDF-1.4 data", "application/pdf")},
    )
    assert parse_body(content_type, body) == (
        {"title": "Report", "note": ""},
        {"file": Upload("report.pdf", b"%PDF-1.4 data", "application/pdf")},
    )


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["12"], "12"),
        (["12", "34"], ["12", "34"]),
        (["12", "34", "56"], ["12", "34", "56"]),
    ],
)
def test_a_repeated_multipart_field_is_a_list(values, expected):
    upload = ("a.txt", b"a", "text/plain")
    content_type, body = _encoded({"members": values}, {"file": upload})
    assert parse_body(content_type, body) == ({"members": expected}, {"file": Upload(*upload)})


def test_json_and_other_bodies():
    assert parse_body("application/json; charset=utf-8", b'{"a": [1]}') == ({"a": [1]}, {})
    assert parse_body("text/plain", b"hello") == (None, {})
    assert parse_body("application/json", b"") == (None, {})
    with pytest.raises(ValueError):
        parse_body("application/json", b"{not json")


def test_the_fake_records_a_multipart_upload_by_its_fields_and_file_names(run):
    fake = FakeKeystone()
    cls = httpx.AsyncClient if run.is_async else httpx.Client
    client = cls(base_url=fake.url, transport=fake.transport())
    answer = run(
        client.post(
            "users/users/",
            data={"username": "bob", "note": "", "teams": ["1", "2"]},
            files={"avatar": ("bob.png", b"\x89PNG", "image/png")},
        )
    )
    run(client.aclose() if run.is_async else client.close())
    assert answer.status_code == 401  # anonymous: refused, yet recorded as sent
    assert fake.requests[-1].body == {
        "username": "bob",
        "note": "",
        "teams": ["1", "2"],
        "avatar": "bob.png",
    }

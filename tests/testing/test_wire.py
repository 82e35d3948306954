"""What travels between the fake and its callers: encoded answers, cookies and request bodies."""

from __future__ import annotations

import json

import httpx
import pytest

from keystone_client.testing import FakeKeystone
from keystone_client.testing._wire import (
    BadRequest,
    Form,
    ParseError,
    Result,
    Upload,
    parse_body,
    parse_cookies,
)


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
    assert parse_body("APPLICATION/JSON", b"[1]") == ([1], {})
    assert parse_body("application/json", b"") == (None, {})
    assert parse_body("text/plain", b"") == (None, {})
    form, files = parse_body("application/x-www-form-urlencoded", b"a=1&b=&a=2&c=x+y")
    assert (form, type(form), files) == ({"a": ["1", "2"], "b": "", "c": "x y"}, Form, {})


@pytest.mark.parametrize(
    ("content_type", "body", "status", "detail"),
    [
        (
            "application/json",
            b"{bad",
            400,
            "JSON parse error - Expecting property name "
            "enclosed in double quotes: line 1 column 2 (char 1)",
        ),
        (
            "application/json",
            b"x",
            400,
            "JSON parse error - Expecting value: line 1 column 1 (char 0)",
        ),
        (
            "application/json",
            b'{"a": NaN}',
            400,
            "JSON parse error - Out of range float values are not JSON compliant: 'NaN'",
        ),
        (
            "application/json",
            b"[-Infinity]",
            400,
            "JSON parse error - Out of range float values are not JSON compliant: '-Infinity'",
        ),
        (
            "application/json",
            b"\xff\xfe",
            400,
            "JSON parse error - 'utf-8' codec can't decode "
            "byte 0xff in position 0: invalid start byte",
        ),
        ("text/plain", b"hello", 415, 'Unsupported media type "text/plain" in request.'),
        ("", b"{}", 415, 'Unsupported media type "" in request.'),
    ],
)
def test_a_body_the_servers_parsers_refuse(content_type, body, status, detail):
    with pytest.raises(ParseError) as caught:
        parse_body(content_type, body)
    assert (caught.value.status, caught.value.detail, str(caught.value)) == (status, detail, detail)


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


# -- bodies as the server's parsers read them --------------------------------------------------


def _staff(fake: FakeKeystone) -> httpx.Client:
    headers = {"Authorization": f"Token {fake.token}"}
    return httpx.Client(base_url=fake.url, transport=fake.transport(), headers=headers)


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH"])
def test_a_write_with_malformed_json_is_refused_and_changes_nothing(method):
    fake = FakeKeystone()
    path = "/users/teams/" if method == "POST" else f"/users/teams/{fake.add('teams').id}/"
    with _staff(fake) as raw:
        before = raw.get("/users/teams/").json()
        answer = raw.request(
            method, path, content=b"{bad", headers={"Content-Type": "application/json"}
        )
        detail = (
            "JSON parse error - Expecting property name enclosed in double quotes: "
            "line 1 column 2 (char 1)"
        )
        assert (answer.status_code, answer.json()) == (400, {"detail": detail})
        assert raw.get("/users/teams/").json() == before
    assert fake.requests[-2].body is None


def test_a_write_of_another_media_type_is_refused_with_415():
    fake = FakeKeystone()
    with _staff(fake) as raw:
        answer = raw.post(
            "/users/teams/", content=b"name=Lab", headers={"Content-Type": "text/csv"}
        )
        assert (answer.status_code, answer.json()) == (
            415,
            {"detail": 'Unsupported media type "text/csv" in request.'},
        )
        assert raw.get("/users/teams/").json()["count"] == 0


@pytest.mark.parametrize("method", ["GET", "DELETE"])
def test_a_view_that_reads_no_body_ignores_a_malformed_one(method):
    fake = FakeKeystone()
    team = fake.add("teams")
    with _staff(fake) as raw:
        headers = {"Content-Type": "application/json"}
        answer = raw.request(method, f"/users/teams/{team.id}/", content=b"{bad", headers=headers)
    assert answer.status_code == {"GET": 200, "DELETE": 204}[method]


def test_a_client_writes_with_a_urlencoded_form(run, make_client):
    fake = FakeKeystone()
    client = make_client(url=fake.url, transport=fake.transport(), token=fake.token)
    answer = run(client.http_post("users/teams", data={"name": "Form Lab"}))
    assert (answer.status_code, answer.json()["name"]) == (201, "Form Lab")
    assert fake.requests[-1].body == {"name": "Form Lab"}
    cluster = fake.add("clusters")
    answer = run(
        client.http_patch(f"allocations/clusters/{cluster.id}", data={"access_teams": "1"})
    )
    assert (answer.status_code, answer.json()["access_teams"]) == (200, [1])


def test_blank_query_values_are_recorded():
    fake = FakeKeystone()
    with _staff(fake) as raw:
        assert raw.get("/research/grants/?title=&_limit=1").status_code == 200
    assert fake.requests[-1].query == {"title": "", "_limit": "1"}


def test_the_slash_redirect_is_an_empty_html_page():
    fake = FakeKeystone()
    with _staff(fake) as raw:
        answer = raw.get("/research/grants?x=1")
    assert (answer.status_code, answer.headers["location"], answer.content) == (
        301,
        "/research/grants/?x=1",
        b"",
    )
    assert answer.headers["content-type"] == "text/html; charset=utf-8"


def test_a_request_outside_the_api_root_is_recorded_by_its_own_path():
    fake = FakeKeystone(url="http://localhost:8000/api")
    with httpx.Client(transport=fake.transport()) as http:
        answer = http.get("http://localhost:8000/other/")
    assert answer.status_code == 404
    assert (fake.requests[-1].path, fake.requests[-1].status) == ("/other/", 404)


def test_serve_reads_header_names_in_any_case():
    fake = FakeKeystone()
    headers = {
        "authorization": f"Token {fake.token}",
        "content-type": "application/json",
        "x-keystone-cid": "cid-42",
    }
    status, _, body = fake.serve("POST", "/users/teams/", headers, b'{"name": "Lower Lab"}')
    assert (status, json.loads(body)["name"]) == (201, "Lower Lab")
    record = fake.requests[-1]
    assert (record.user, record.cid, record.body) == (
        fake.username,
        "cid-42",
        {"name": "Lower Lab"},
    )


def test_a_write_whose_body_has_no_media_type_is_refused_with_415():
    fake = FakeKeystone()
    with _staff(fake) as raw:
        answer = raw.post("/users/teams/", content=b'{"name": "Lab"}')
        assert "content-type" not in answer.request.headers
        assert (answer.status_code, answer.json()) == (
            415,
            {"detail": 'Unsupported media type "" in request.'},
        )

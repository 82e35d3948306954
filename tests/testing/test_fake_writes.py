"""Writes the fake checks and records as the server does: passwords, audit actors, and the
inactive-team rule applied only to the team a write names."""

from __future__ import annotations

import httpx
import pytest

from keystone_client import BadRequestError
from keystone_client.testing import FakeKeystone
from keystone_client.testing._writes import MAX_UPLOAD_SIZE


def _as(fake: FakeKeystone, username: str) -> httpx.Client:
    headers = {"Authorization": f"Token {fake.token_for(username)}"}
    return httpx.Client(base_url=fake.url, transport=fake.transport(), headers=headers)


def _newest_audit(raw: httpx.Client) -> dict:
    answer = raw.get("/logs/audit/", params={"_order": "-id", "_limit": 1})
    assert answer.status_code == 200
    entry: dict = answer.json()["results"][0]
    return entry


def _login(fake: FakeKeystone, username: str, password: str) -> httpx.Response:
    with httpx.Client(base_url=fake.url, transport=fake.transport()) as http:
        return http.post(
            "/authentication/login/", json={"username": username, "password": password}
        )


def test_a_password_changed_by_patch_logs_in_and_is_audited_masked(fake, raw):
    old = fake.credentials("dan")["password"]
    answer = raw.patch("/users/users/4/", json={"password": "a-new-secret-42"})
    assert answer.status_code == 200
    assert "password" not in answer.json()
    assert _login(fake, "dan", "a-new-secret-42").status_code == 200
    refused = _login(fake, "dan", old)
    assert (refused.status_code, refused.json()) == (
        400,
        {"non_field_errors": ["Invalid username or password."]},
    )
    entry = _newest_audit(raw)
    assert (entry["record_name"], entry["record_id"], entry["action"]) == (
        "users | User",
        4,
        "update",
    )
    assert entry["changes"] == {"password": ["********", "********"]}


def test_a_password_changed_by_put_logs_in(fake, raw):
    body = {"username": "dan", "password": "put-secret-77"}
    answer = raw.put("/users/users/4/", json=body)
    assert answer.status_code == 200
    assert _login(fake, "dan", "put-secret-77").status_code == 200
    assert _newest_audit(raw)["changes"]["password"] == ["********", "********"]


def test_a_create_is_audited_with_the_session_user(fake, raw, signed_in):
    answer = signed_in.post("/users/teams/", json={"name": "Audited Lab"})
    assert answer.status_code == 201
    entry = _newest_audit(raw)
    assert (entry["record_name"], entry["record_id"], entry["action"]) == (
        "users | Team",
        answer.json()["id"],
        "create",
    )
    assert (entry["actor"], entry["remote_addr"]) == (1, "127.0.0.1")
    assert entry["_actor"]["username"] == "alice"


def test_a_write_made_with_a_token_is_audited_without_an_actor(fake, raw):
    # django-auditlog takes the actor from Django's session; the API reads a token later.
    answer = raw.post("/users/teams/", json={"name": "Token Lab"})
    assert answer.status_code == 201
    entry = _newest_audit(raw)
    assert (entry["record_id"], entry["action"]) == (answer.json()["id"], "create")
    assert (entry["actor"], entry["_actor"], entry["remote_addr"]) == (None, None, "127.0.0.1")
    feed = raw.get("/logs/feed/", params={"record_type": "audit", "_limit": 1}).json()
    assert (feed["results"][0]["record_id"], feed["results"][0]["user"]) == (entry["id"], None)
    with httpx.Client(base_url=fake.url, transport=fake.transport()) as http:
        http.post("/authentication/login/", json=fake.credentials())
        # A session cookie names the actor even when a token authenticates the request.
        http.headers["Authorization"] = f"Token {fake.token}"
        http.headers["X-CSRFToken"] = http.cookies["csrftoken"]
        assert http.patch("/research/grants/1/", json={"title": "Renamed"}).is_success
    assert (_newest_audit(raw)["record_name"], _newest_audit(raw)["actor"]) == (
        "research_products | Grant",
        1,
    )


def test_an_inactive_team_does_not_block_a_change_that_names_no_team(fake, raw):
    assert raw.patch("/users/teams/1/", json={"is_active": False}).status_code == 200
    carla = _as(fake, "carla")  # owner of team 2
    answer = carla.patch("/users/memberships/4/", json={"role": "MB"})
    assert (answer.status_code, answer.json()["role"], answer.json()["team"]) == (200, "MB", 2)
    # A write that names the inactive team is refused.
    ben = _as(fake, "ben")  # owner of team 1
    answer = ben.post("/users/memberships/", json={"team": 1, "user": 3, "role": "MB"})
    assert (answer.status_code, answer.json()) == (
        400,
        {"team": ["Non-staff cannot create a membership for an inactive team."]},
    )


# Each row: collection endpoint, body sent, the exact 400 body the server answers. Fields absent
# from the answer were accepted (a 400 on another field keeps the write from happening).
NULL = "This field may not be null."
NOT_INT = "A valid integer is required."
NOT_NUMBER = "A valid number is required."
BAD_DATE = "Date has wrong format. Use one of these formats instead: YYYY-MM-DD."
NOT_STRING = "Not a valid string."
BLANK = "This field may not be blank."
ALLOCATION = {"requested": 5, "cluster": 1, "request": 1}
GRANT = {"title": "T", "agency": "A", "amount": "1.00", "start_date": "2024-01-01", "team": 1}
INVALID_WRITES = [
    # "" is null only for relations; for a number or a date it is malformed.
    (
        "/allocations/allocations/",
        {"requested": "", "awarded": "", "final": "", "cluster": "", "request": ""},
        {
            "requested": [NOT_INT],
            "awarded": [NOT_INT],
            "final": [NOT_INT],
            "cluster": [NULL],
            "request": [NULL],
        },
    ),
    (
        "/allocations/allocations/",
        {"requested": None, "awarded": None, "cluster": None, "request": 1},
        {"requested": [NULL], "cluster": [NULL]},
    ),
    (
        "/allocations/allocations/",
        {"requested": "abc", "awarded": "1.5", "final": 0, "cluster": "", "request": 1},
        {"requested": [NOT_INT], "awarded": [NOT_INT], "cluster": [NULL]},
    ),
    (
        "/allocations/allocations/",
        {"requested": -1, "awarded": 0, "final": "0", "cluster": 1, "request": 1},
        {"requested": ["Ensure this value is greater than or equal to 0."]},
    ),
    (
        "/allocations/allocations/",
        {**ALLOCATION, "cluster": True, "request": [1]},
        {
            "cluster": ["Incorrect type. Expected pk value, received bool."],
            "request": ["Incorrect type. Expected pk value, received list."],
        },
    ),
    (
        "/allocations/allocations/",
        {**ALLOCATION, "cluster": "abc", "request": 99999},
        {
            "cluster": ["Incorrect type. Expected pk value, received str."],
            "request": ['Invalid pk "99999" - object does not exist.'],
        },
    ),
    (
        "/allocations/allocations/",
        {**ALLOCATION, "cluster": -1, "request": "-2"},
        {
            "cluster": ['Invalid pk "-1" - object does not exist.'],
            "request": ['Invalid pk "-2" - object does not exist.'],
        },
    ),
    (
        "/research/grants/",
        {**GRANT, "amount": "", "start_date": "", "end_date": "", "team": ""},
        {"amount": [NOT_NUMBER], "start_date": [BAD_DATE], "end_date": [BAD_DATE], "team": [NULL]},
    ),
    (
        "/research/grants/",
        {**GRANT, "amount": "NaN", "end_date": "2024-13-01", "team": "x"},
        {
            "amount": [NOT_NUMBER],
            "end_date": [BAD_DATE],
            "team": ["Incorrect type. Expected pk value, received str."],
        },
    ),
    (
        "/research/grants/",
        {**GRANT, "amount": "Infinity", "pi": "", "grant_number": "  ", "team": "x"},
        {"amount": [NOT_NUMBER], "team": ["Incorrect type. Expected pk value, received str."]},
    ),
    (
        "/research/grants/",
        {**GRANT, "amount": "1.234", "team": "x"},
        {
            "amount": ["Ensure that there are no more than 2 decimal places."],
            "team": ["Incorrect type. Expected pk value, received str."],
        },
    ),
    (
        "/allocations/requests/",
        {"title": {}, "description": ["a"], "active": "", "team": "abc", "submitter": None},
        {
            "title": [NOT_STRING],
            "description": [NOT_STRING],
            "active": [BAD_DATE],
            "submitter": [NULL],
            "team": ["Incorrect type. Expected pk value, received str."],
        },
    ),
    (
        "/allocations/requests/",
        {"title": "", "description": " ", "team": 1, "submitter": 1, "assignees": ["x"]},
        {
            "title": [BLANK],
            "description": [BLANK],
            "assignees": ["Incorrect type. Expected pk value, received str."],
        },
    ),
    (
        "/users/users/",
        {"username": True, "password": "", "first_name": "", "email": "  ", "department": ""},
        {"username": [NOT_STRING], "password": [BLANK]},
    ),
]


@pytest.mark.parametrize(("endpoint", "body", "errors"), INVALID_WRITES)
def test_an_invalid_write_answers_the_servers_messages(raw, endpoint, body, errors):
    before = raw.get(endpoint, params={"_limit": 1}).json()["count"]
    answer = raw.post(endpoint, json=body)
    assert (answer.status_code, answer.json()) == (400, errors)
    assert raw.get(endpoint, params={"_limit": 1}).json()["count"] == before


def test_a_blank_value_is_kept_trimmed_where_the_model_allows_null(raw):
    answer = raw.patch("/research/grants/1/", json={"pi": "", "grant_number": "  G-7 "})
    assert answer.status_code == 200
    assert (answer.json()["pi"], answer.json()["grant_number"]) == ("", "G-7")


def test_zero_is_a_valid_allocation_amount(raw):
    answer = raw.post("/allocations/allocations/", json={**ALLOCATION, "requested": 0})
    assert answer.status_code == 201
    assert (answer.json()["requested"], answer.json()["cluster"]) == (0, 1)


@pytest.mark.parametrize(
    ("endpoint", "body", "errors"),
    [
        (
            "/users/users/",
            {"username": "ben", "password": "x-42-secret"},
            {"username": ["A user with that username already exists."]},
        ),
        (
            "/users/teams/",
            {"name": "Genomics Lab"},
            {"name": ["team with this name already exists."]},
        ),
    ],
)
def test_a_taken_unique_name_is_refused(raw, endpoint, body, errors):
    answer = raw.post(endpoint, json=body)
    assert (answer.status_code, answer.json()) == (400, errors)


def _upload(raw: httpx.Client, filename: str, content: bytes = b"hi", **data: str):
    files = {"file": (filename, content, "application/octet-stream")}
    return raw.post("/allocations/attachments/", data={"request": "1", **data}, files=files)


@pytest.mark.parametrize(
    ("filename", "size", "message"),
    [
        ("big.pdf", MAX_UPLOAD_SIZE + 1, "File size should not exceed 2.50 MB."),
        ("notes", 2, "File type could not be resolved."),
        ("bundle.zip", 2, "File type 'application/zip' is not allowed."),
    ],
)
def test_an_upload_the_server_refuses(raw, filename, size, message):
    answer = _upload(raw, filename, b"x" * size)
    assert (answer.status_code, answer.json()) == (400, {"file": [message]})


def test_an_upload_is_named_after_its_file_unless_named(raw):
    answer = _upload(raw, "plan.txt")
    assert answer.status_code == 201
    assert (answer.json()["name"], answer.json()["file"]) == ("plan.txt", "allocations/plan.txt")
    named = _upload(raw, "other.txt", name="Budget")
    assert (named.json()["name"], named.json()["file"]) == ("Budget", "allocations/other.txt")


def test_a_taken_upload_name_gets_a_repeatable_tag(raw):
    names = [_upload(raw, "data.v2.txt").json()["file"] for _ in range(3)]
    assert names == [
        "allocations/data.v2.txt",
        "allocations/data_f36d9d2.v2.txt",
        "allocations/data_b987db9.v2.txt",
    ]


def test_a_client_reads_the_servers_messages_for_empty_values(run, on):
    client = on()
    with pytest.raises(BadRequestError) as caught:
        run(client.resources.allocations.create(requested="", awarded="", cluster="", request=1))
    assert caught.value.errors == {
        "requested": [NOT_INT],
        "awarded": [NOT_INT],
        "cluster": [NULL],
    }
    with pytest.raises(BadRequestError) as caught:
        run(client.resources.grants.update(1, start_date="", title=True))
    assert caught.value.errors == {"title": [NOT_STRING], "start_date": [BAD_DATE]}


@pytest.mark.parametrize(
    ("body", "kind"),
    [("[1]", "list"), ("5", "int"), ('"Lab"', "str"), ("1.5", "float"), ("true", "bool")],
)
@pytest.mark.parametrize(
    ("method", "path"), [("POST", "/users/teams/"), ("PATCH", "/users/teams/1/")]
)
def test_a_body_that_is_no_object_is_refused_with_its_type(raw, method, path, body, kind):
    headers = {"Content-Type": "application/json"}
    answer = raw.request(method, path, content=body, headers=headers)
    message = f"Invalid data. Expected a dictionary, but got {kind}."
    assert (answer.status_code, answer.json()) == (400, {"non_field_errors": [message]})
    assert raw.get("/users/teams/1/").json()["name"] == "Genomics Lab"


def test_a_client_reads_why_a_body_that_is_no_object_is_refused(run, on):
    answer = run(on().http_post("users/teams", json=["Genomics Lab"]))
    assert (answer.status_code, answer.json()) == (
        400,
        {"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]},
    )


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        ("off", False),
        ("yes", True),
        ("t", True),
        ("Y", True),
        ("No", False),
        ("FALSE", False),
        (True, True),
        ("F", False),
        ("tRuE", True),
        ("n", False),
        ("On", True),
        ("0", False),
        ("1", True),
        (0.0, False),
        (1.0, True),
        (False, False),
    ],
)
def test_a_boolean_is_read_from_the_words_drf_knows(raw, value, stored):
    raw.patch("/users/teams/1/", json={"is_active": not stored})
    answer = raw.patch("/users/teams/1/", json={"is_active": value})
    assert (answer.status_code, answer.json()["is_active"]) == (200, stored)
    assert raw.get("/users/teams/1/").json()["is_active"] is stored


@pytest.mark.parametrize("value", ["1.0", 2, "", "maybe", [True], {"yes": 1}])
def test_a_boolean_the_server_cannot_read_is_refused(raw, value):
    answer = raw.patch("/users/teams/1/", json={"is_active": value})
    assert (answer.status_code, answer.json()) == (400, {"is_active": ["Must be a valid boolean."]})
    assert raw.get("/users/teams/1/").json()["is_active"] is True


def test_a_client_sets_a_boolean_from_a_word(run, on):
    client = on()
    answer = run(client.http_patch("users/teams/1", json={"is_active": "no"}))
    assert (answer.status_code, answer.json()["is_active"]) == (200, False)
    assert run(client.resources.teams.get(1)).is_active is False


@pytest.mark.parametrize(
    ("value", "kind"), [(5, "int"), ("5", "str"), (True, "bool"), (1.5, "float")]
)
def test_a_list_field_given_one_value_in_json_is_refused(raw, value, kind):
    answer = raw.patch("/allocations/clusters/1/", json={"access_teams": value})
    message = f'Expected a list of items but got type "{kind}".'
    assert (answer.status_code, answer.json()) == (400, {"access_teams": [message]})
    assert raw.get("/allocations/clusters/1/").json()["access_teams"] == []


def test_a_list_field_given_an_object_reads_its_keys_as_drf_does(raw):
    answer = raw.patch("/allocations/clusters/1/", json={"access_teams": {"2": "ignored"}})
    assert (answer.status_code, answer.json()["access_teams"]) == (200, [2])
    refused = raw.patch("/allocations/clusters/1/", json={"access_teams": {"lab": 1}})
    assert (refused.status_code, refused.json()) == (
        400,
        {"access_teams": ["Incorrect type. Expected pk value, received str."]},
    )


def _form(**fields: str | list[str]) -> tuple[bytes, dict[str, str]]:
    """A multipart body without a file (httpx sends a form without files urlencoded)."""
    parts = []
    for name, values in fields.items():
        for value in [values] if isinstance(values, str) else values:
            disposition = f'Content-Disposition: form-data; name="{name}"'
            parts.append(f"--b0undary\r\n{disposition}\r\n\r\n{value}\r\n")
    body = "".join(parts) + "--b0undary--\r\n"
    return body.encode(), {"Content-Type": "multipart/form-data; boundary=b0undary"}


@pytest.mark.parametrize(("given", "stored"), [("2", [2]), (["1", "2"], [1, 2])])
def test_a_list_field_given_once_in_a_form_is_a_list_of_one(raw, given, stored):
    body, headers = _form(access_teams=given)
    answer = raw.patch("/allocations/clusters/1/", content=body, headers=headers)
    assert (answer.status_code, answer.json()["access_teams"]) == (200, stored)


def test_an_unknown_choice_is_refused_with_drfs_message(run, on):
    answer = run(on().http_patch("users/memberships/1", json={"role": "ZZ"}))
    assert (answer.status_code, answer.json()) == (400, {"role": ['"ZZ" is not a valid choice.']})
    assert run(on().resources.memberships.get(1)).role == "OW"


@pytest.mark.parametrize("value", ["notes.txt", 5, {"name": "notes.txt"}])
def test_a_file_field_given_no_file_is_refused(run, on, value):
    answer = run(on().http_post("allocations/attachments", json={"request": 1, "file": value}))
    message = "The submitted data was not a file. Check the encoding type on the form."
    assert (answer.status_code, answer.json()) == (400, {"file": [message]})

"""The fake's answers held against the real server's captured responses and OpenAPI spec.

Each capture in ``../shared/keystone-api/responses`` is replayed on a fake holding one
record of every collection, as the same kind of user; the status, the content type and the
shape of the body (its keys, and the keys of nested records) must match.
"""

from __future__ import annotations

import json
import os
import re
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import pytest

from keystone_client.testing import FakeKeystone
from keystone_client.testing._schema import COLLECTIONS

# ``../shared`` beside the repository; SHARED_DIR points elsewhere (e.g. from a worktree).
SHARED = (
    Path(os.environ.get("SHARED_DIR") or Path(__file__).resolve().parents[3] / "shared")
    / "keystone-api"
)
RESPONSES = SHARED / "responses"
OPENAPI = SHARED / "openapi.yml"

if not RESPONSES.is_dir():
    pytest.skip(
        f"contract tests need the server's captured responses at {RESPONSES}, which are absent",
        allow_module_level=True,
    )

#: Request bodies of the captured writes (the captures keep only the answers).
GRANT = {"title": "T", "agency": "NSF", "amount": "10.00", "start_date": "2026-01-01", "team": 1}
BODIES: dict[str, Any] = {
    "auth_login_bad_password": {"username": "admin", "password": "wrong"},
    "auth_login_missing_fields": {},
    "grants_create_201": GRANT,
    "grants_create_invalid_400": {"title": "", "amount": "lots"},
    "grants_create_without_csrf_403": GRANT,
    "grants_put_invalid_400": {"title": "T"},
    "grants_patch_200": {"pi": "Someone"},
    "member_clusters_create_403": {"name": "mine"},
    "batch_dry_run_200": {
        "job": {
            "dry_run": True,
            "actions": [
                {"ref": "g", "method": "POST", "path": "/research/grants/", "payload": GRANT}
            ],
        }
    },
    "batch_step_failure_422": {
        "job": {
            "actions": [{"method": "POST", "path": "/research/grants/", "payload": {"title": ""}}]
        }
    },
    "batch_bad_ref_422": {
        "job": {"actions": [{"method": "GET", "path": "/research/grants/@ref{missing.id}/"}]}
    },
}
#: Keys whose values are data (audit changes, choice codes), not structure.
DATA_KEYS = {"changes", "metadata"}


def captures() -> list[Any]:
    return [pytest.param(p, id=p.stem) for p in sorted(RESPONSES.glob("*.json"))]


def contract_fake() -> FakeKeystone:
    fake = FakeKeystone()
    member = fake.add("users", username="member")
    for name in COLLECTIONS:
        if name in ("users", "audit_logs", "request_logs", "feed"):
            continue
        fields = {"user": member} if name in ("notifications", "memberships") else {}
        fake.add(name, **fields)
    with httpx.Client(base_url=fake.url, transport=fake.transport()) as http:
        http.get("/version/")  # a request log to read
    return fake


def http_for(fake: FakeKeystone, name: str) -> httpx.Client:
    """A client acting as the capture's user: anonymous, member, session or staff token."""
    http = httpx.Client(base_url=fake.url, transport=fake.transport())
    if "anonymous" in name or name.startswith("auth_"):
        if name in ("auth_whoami_staff", "auth_logout_200", "auth_whoami_after_logout_401"):
            http.post("/authentication/login/", json=fake.credentials())
        return http
    if name.startswith("member_"):
        http.headers["Authorization"] = f"Token {fake.token_for('member')}"
        return http
    if "without_csrf" in name:
        http.post("/authentication/login/", json=fake.credentials())
        return http
    http.headers["Authorization"] = f"Token {fake.token}"
    return http


def replay(path: Path) -> tuple[dict[str, Any], httpx.Response]:
    captured = json.loads(path.read_text())
    name = path.stem
    fake = contract_fake()
    http = http_for(fake, name)
    target = captured["path"]
    if captured["status"] < 300 or name.startswith("grants_put"):
        # Detail captures name the server's ids; the fake's records are the first ones.
        target = re.sub(r"/(\d+)/$", "/1/", target)
    if name == "auth_login_ok":
        body: Any = fake.credentials()
    elif name == "auth_login_member":
        body = fake.credentials("member")
    else:
        body = BODIES.get(name)
    if name == "auth_whoami_after_logout_401":
        http.post("/authentication/logout/", headers={"X-CSRFToken": http.cookies["csrftoken"]})
    headers = {}
    if "csrftoken" in http.cookies and "without_csrf" not in name and name != "auth_logout_200":
        headers["X-CSRFToken"] = http.cookies["csrftoken"]
    if name == "auth_logout_200":
        headers["X-CSRFToken"] = http.cookies["csrftoken"]
    answer = http.request(captured["method"], target, json=body, headers=headers)
    return captured, answer


def same_shape(expected: Any, actual: Any, where: str = "body") -> None:
    if isinstance(expected, dict) and isinstance(actual, dict):
        assert set(actual) == set(expected), f"{where}: keys differ"
        for key, value in expected.items():
            if key not in DATA_KEYS:
                same_shape(value, actual[key], f"{where}.{key}")
    elif isinstance(expected, list) and isinstance(actual, list) and expected and actual:
        same_shape(expected[0], actual[0], f"{where}[0]")


@pytest.mark.parametrize("path", captures())
def test_the_fake_answers_like_the_captured_server(path):
    captured, answer = replay(path)
    assert answer.status_code == captured["status"]
    kind = (captured.get("content_type") or "").split(";")[0]
    if kind:
        assert answer.headers["Content-Type"].split(";")[0] == kind
    if captured.get("body") is not None:
        actual = answer.json()
        if path.stem.endswith("_choices"):
            assert actual == captured["body"]
        else:
            same_shape(captured["body"], actual)
        if captured["status"] >= 400 and "detail" in captured["body"]:
            assert actual["detail"] == captured["body"]["detail"]
        if captured["status"] in (400, 422):
            assert actual == captured["body"]  # DRF's messages, word for word
    elif captured["status"] == 204 or captured.get("text") == "":
        assert answer.content == b""


@cache
def openapi() -> dict[str, Any]:
    yaml = pytest.importorskip("yaml")
    return dict(yaml.safe_load(OPENAPI.read_text()))


def test_every_served_collection_is_in_the_openapi_spec():
    if not OPENAPI.is_file():
        pytest.skip(f"the OpenAPI spec is absent at {OPENAPI}")
    paths = openapi()["paths"]
    for coll in COLLECTIONS.values():
        assert coll.endpoint in paths, coll.endpoint
        methods = {m.upper() for m in paths[coll.endpoint]}
        detail = f"{coll.endpoint}{{id}}/"
        if coll.detail:
            methods |= {m.upper() for m in paths.get(detail, {})}
        assert coll.methods <= methods, coll.name

"""The models against the real server: captured responses and the OpenAPI spec in ``../shared``.

Nothing is copied from there: the files are read in place, and the whole module is skipped
when the ``shared`` folder beside the repository is absent.
"""

from __future__ import annotations

import json
import re
import types
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any, Union, get_args, get_origin
from urllib.parse import urlsplit

import pytest
from pydantic import AwareDatetime, BaseModel
from pydantic.fields import FieldInfo

import keystone_client.models as models
from keystone_client.models import KeystoneModel, Page

SHARED = Path(__file__).resolve().parents[2] / "shared"
API = SHARED / "keystone-api"
RESPONSES = API / "responses"
SPEC = API / "openapi.yml"
BENCH = API / "bench"

if not RESPONSES.is_dir() or not SPEC.is_file():
    pytest.skip(
        f"../shared/keystone-api not available: {API} has no responses/ or openapi.yml",
        allow_module_level=True,
    )

yaml = pytest.importorskip("yaml")

# ----------------------------------------------------------------- which model answers where

#: Path prefix of every endpoint answering with records -> the record model.
ROUTES: list[tuple[str, type[KeystoneModel]]] = [
    ("/allocations/requests/", models.AllocationRequest),
    ("/allocations/reviews/", models.AllocationReview),
    ("/allocations/allocations/", models.Allocation),
    ("/allocations/attachments/", models.Attachment),
    ("/allocations/clusters/", models.Cluster),
    ("/allocations/comments/", models.Comment),
    ("/research/grants/", models.Grant),
    ("/research/publications/", models.Publication),
    ("/notifications/notifications/", models.Notification),
    ("/notifications/preferences/", models.Preference),
    ("/users/users/", models.User),
    ("/users/teams/", models.Team),
    ("/users/memberships/", models.Membership),
    ("/logs/audit/", models.AuditLog),
    ("/logs/requests/", models.RequestLog),
    ("/logs/tasks/", models.TaskResult),
    ("/logs/feed/", models.FeedEntry),
    ("/authentication/login/", models.User),
    ("/authentication/whoami/", models.User),
    ("/stats/requests/", models.AllocationRequestStats),
    ("/stats/grants/", models.GrantStats),
    ("/stats/publications/", models.PublicationStats),
    ("/stats/notifications/", models.NotificationStats),
    ("/config/", models.Config),
    ("/health/json/", models.Health),
]

#: Choice endpoints -> the enum whose values are the codes listed there.
CHOICES: dict[str, type[StrEnum]] = {
    "/allocations/request-choices/status/": models.RequestStatus,
    "/allocations/review-choices/status/": models.ReviewStatus,
    "/allocations/cluster-choices/access-mode/": models.AccessMode,
    "/users/membership-choices/role/": models.MembershipRole,
    "/notifications/notification-choices/type/": models.NotificationType,
}

#: Response schemas of the spec -> the model that parses them.
SCHEMAS: dict[str, type[KeystoneModel]] = {
    "AllocationRequest": models.AllocationRequest,
    "AllocationRequestStats": models.AllocationRequestStats,
    "AllocationRequestSummary": models.AllocationRequestSummary,
    "AllocationReview": models.AllocationReview,
    "Attachment": models.Attachment,
    "AttachmentSummary": models.AttachmentSummary,
    "AuditLog": models.AuditLog,
    "AuditLogSummary": models.AuditLogSummary,
    "Cluster": models.Cluster,
    "ClusterSummary": models.ClusterSummary,
    "Comment": models.Comment,
    "CommentSummary": models.CommentSummary,
    "Config": models.Config,
    "FeedEntry": models.FeedEntry,
    "Grant": models.Grant,
    "GrantStats": models.GrantStats,
    "GrantSummary": models.GrantSummary,
    "Membership": models.Membership,
    "Notification": models.Notification,
    "NotificationStats": models.NotificationStats,
    "Preference": models.Preference,
    "Publication": models.Publication,
    "PublicationStats": models.PublicationStats,
    "PublicationSummary": models.PublicationSummary,
    "RequestLog": models.RequestLog,
    "ResourceAllocation": models.Allocation,
    "ResourceAllocationSummary": models.AllocationSummary,
    "RestrictedUser": models.User,
    "TaskResult": models.TaskResult,
    "Team": models.Team,
    "TeamUpdate": models.Team,
    "TeamRole": models.TeamRole,
    "TeamSummary": models.TeamSummary,
    "UserRole": models.UserRole,
    "UserSummary": models.UserSummary,
}

#: Schemas a client never receives as a record: request bodies, pages, batch jobs, choices.
NOT_RECEIVED = re.compile(r"^(Paginated.*|Patched.*|Job.*|LoginRequest|.*Choices|.*Request)$")

#: Fields typed more precisely than the spec says: Django's duration text is a timedelta.
TYPE_OVERRIDES: dict[tuple[str, str], set[Any]] = {
    ("PublicationStats", "review_average"): {timedelta},
}

#: Fields the spec calls non-nullable but the server does send null for (system changes).
NULL_IN_PRACTICE = {("AuditLogSummary", "_actor")}


def model_for(path: str) -> type[KeystoneModel] | None:
    for prefix, model in ROUTES:
        if path.startswith(prefix):
            return model
    return None


# --------------------------------------------------------------------------- loading


def load_spec() -> dict[str, Any]:
    schemas: dict[str, Any] = yaml.safe_load(SPEC.read_text())["components"]["schemas"]
    return schemas


def captured() -> list[tuple[str, dict[str, Any]]]:
    return [(f.stem, json.loads(f.read_text())) for f in sorted(RESPONSES.glob("*.json"))]


def record_responses() -> list[tuple[str, dict[str, Any]]]:
    """Every 2xx response with a JSON body, except the choice lists and batch jobs."""
    out = []
    for name, response in captured():
        path = urlsplit(response["path"]).path
        if not 200 <= response["status"] < 300 or not isinstance(response.get("body"), dict):
            continue
        if path in CHOICES or path.startswith("/batch/"):
            continue
        out.append((name, response))
    return out


# --------------------------------------------------------------------------- comparison


def parse_instant(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def assert_same_json(got: Any, want: Any, where: str = "$") -> None:
    """Equal JSON, key for key; timestamps compare as instants ("Z" == "+00:00")."""
    if isinstance(want, dict):
        assert isinstance(got, dict), where
        assert set(got) == set(want), f"{where}: keys differ {set(got) ^ set(want)}"
        for key in want:
            assert_same_json(got[key], want[key], f"{where}.{key}")
    elif isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), where
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            assert_same_json(g, w, f"{where}[{i}]")
    elif isinstance(want, str) and isinstance(got, str) and got != want:
        got_at, want_at = parse_instant(got), parse_instant(want)
        assert got_at is not None and got_at == want_at, f"{where}: {got!r} != {want!r}"
    else:
        assert type(got) is type(want) and got == want, f"{where}: {got!r} != {want!r}"


def parse(model: type[KeystoneModel], body: dict[str, Any]) -> BaseModel:
    target: type[BaseModel] = model
    if "results" in body and "count" in body:
        target = Page[model]  # type: ignore[valid-type]
    return target.model_validate_json(json.dumps(body))


# --------------------------------------------------------------------------- responses


RESPONSES_WITH_RECORDS = record_responses()


def test_captured_responses_are_all_covered() -> None:
    assert len(RESPONSES_WITH_RECORDS) > 30
    unknown = [
        (name, r["path"])
        for name, r in RESPONSES_WITH_RECORDS
        if model_for(urlsplit(r["path"]).path) is None
    ]
    assert unknown == [], "add the endpoint to ROUTES"


@pytest.mark.parametrize(
    ("name", "response"), RESPONSES_WITH_RECORDS, ids=[n for n, _ in RESPONSES_WITH_RECORDS]
)
def test_captured_response_parses_and_round_trips(name: str, response: dict[str, Any]) -> None:
    model = model_for(urlsplit(response["path"]).path)
    assert model is not None
    parsed = parse(model, response["body"])
    assert_same_json(parsed.model_dump(mode="json", by_alias=True), response["body"])
    # Nothing the server sent was left unmodelled: no model carries extra fields.
    assert_no_extras(parsed, name)


def assert_no_extras(value: Any, where: str) -> None:
    if isinstance(value, BaseModel):
        assert not value.model_extra, f"{where}: {type(value).__name__} extra {value.model_extra}"
        for field in type(value).model_fields:
            assert_no_extras(getattr(value, field), f"{where}.{field}")
    elif isinstance(value, list):
        for item in value:
            assert_no_extras(item, where)


def test_batch_step_bodies_parse_and_round_trip() -> None:
    steps = [
        step
        for _, r in captured()
        if urlsplit(r["path"]).path == "/batch/" and r["status"] == 200
        for step in r["body"]["results"]
        if isinstance(step.get("body"), dict) and 200 <= step["status"] < 300
    ]
    if not steps:
        pytest.skip("no successful batch capture")
    for step in steps:
        model = model_for(step["path"])
        assert model is not None, step["path"]
        parsed = parse(model, step["body"])
        assert_same_json(parsed.model_dump(mode="json", by_alias=True), step["body"])


def test_review_average_round_trips_exactly() -> None:
    body = json.loads((RESPONSES / "stats_publications.json").read_text())["body"]
    stats = models.PublicationStats.model_validate(body)
    assert stats.review_average is not None
    assert stats.model_dump(mode="json")["review_average"] == body["review_average"]


def test_decimal_strings_keep_their_digits() -> None:
    body = json.loads((RESPONSES / "stats_grants.json").read_text())["body"]
    dumped = models.GrantStats.model_validate(body).model_dump(mode="json")
    for key, value in body.items():
        assert dumped[key] == value
        assert type(dumped[key]) is type(value)


@pytest.mark.parametrize("path", sorted(CHOICES))
def test_enum_values_match_the_server_choices(path: str) -> None:
    bodies = [r["body"] for _, r in captured() if urlsplit(r["path"]).path == path]
    if not bodies:
        pytest.skip(f"no capture of {path}")
    assert set(bodies[0]) == {member.value for member in CHOICES[path]}


@pytest.mark.parametrize(
    ("file", "model"),
    [
        ("allocation_requests_page_1000.json", models.AllocationRequest),
        ("audit_logs_page_1000.json", models.AuditLog),
    ],
)
def test_benchmark_pages_parse_and_round_trip(file: str, model: type[KeystoneModel]) -> None:
    path = BENCH / file
    if not path.is_file():
        pytest.skip(f"../shared/keystone-api/bench/{file} not available")
    raw = path.read_bytes()
    page = Page[model].model_validate_json(raw)  # type: ignore[valid-type]
    body = json.loads(raw)
    assert len(page.results) == len(body["results"])
    assert_same_json(page.model_dump(mode="json", by_alias=True), body)


# --------------------------------------------------------------------------- spec


SPEC_SCHEMAS = load_spec()
RECEIVED = sorted(name for name in SPEC_SCHEMAS if not NOT_RECEIVED.match(name))


def test_every_received_schema_has_a_model() -> None:
    # AllocationRequest is a record despite its name; the regex would drop it.
    received = set(RECEIVED) | {"AllocationRequest"}
    assert received == set(SCHEMAS)


def by_alias(model: type[BaseModel]) -> dict[str, FieldInfo]:
    return {info.alias or name: info for name, info in model.model_fields.items()}


def flat_args(annotation: Any) -> set[Any]:
    """Every type named in an annotation: ``list[int] | None`` -> {list, int, None}."""
    found: set[Any] = set()
    stack = [annotation]
    while stack:
        current = stack.pop()
        origin = get_origin(current)
        if origin is None:
            found.add(type(None) if current is None else current)
            continue
        if origin not in (Union, types.UnionType):
            found.add(origin)
        stack.extend(get_args(current))
    return found


def accepts_none(info: FieldInfo) -> bool:
    return info.annotation is Any or type(None) in flat_args(info.annotation)


def expected_types(prop: dict[str, Any]) -> set[Any]:
    """The Python types a model field must use for a property of the spec."""
    if "allOf" in prop:
        return {SCHEMAS[prop["allOf"][0]["$ref"].rsplit("/", 1)[-1]]}
    if "enum" in prop:
        return {str}
    kind: str = prop.get("type", "")
    fmt: str = prop.get("format", "")
    if kind == "array":
        items = prop["items"]
        if "$ref" in items:
            return {list, SCHEMAS[items["$ref"].rsplit("/", 1)[-1]]}
        return {list} | expected_types(items)
    strings: dict[str, set[Any]] = {
        "date-time": {AwareDatetime},
        "date": {date},
        "decimal": {Decimal},
    }
    if kind == "string":
        return strings.get(fmt, {str})
    scalars: dict[str, set[Any]] = {"integer": {int}, "number": {float}, "boolean": {bool}}
    return scalars.get(kind, set())


@pytest.mark.parametrize("schema_name", sorted(SCHEMAS))
def test_model_fields_match_the_schema(schema_name: str) -> None:
    schema = SPEC_SCHEMAS[schema_name]
    model = SCHEMAS[schema_name]
    fields = by_alias(model)
    assert set(fields) == set(schema["properties"]), schema_name
    required = set(schema.get("required", []))
    for key, prop in schema["properties"].items():
        info = fields[key]
        where = f"{schema_name}.{key}"
        if prop.get("nullable"):
            assert accepts_none(info), f"{where} is nullable"
        elif key in required and (schema_name, key) not in NULL_IN_PRACTICE:
            assert not accepts_none(info), f"{where} is not nullable"
        if key not in required:
            assert not info.is_required(), f"{where} is optional in the spec: give it a default"
        named = flat_args(info.annotation)
        expected = TYPE_OVERRIDES.get((schema_name, key)) or expected_types(prop)
        assert expected <= named, f"{where}: {info.annotation} for {prop}"
        if "enum" in prop:
            enums = [t for t in named if isinstance(t, type) and issubclass(t, StrEnum)]
            assert len(enums) == 1, f"{where} should be an OpenEnum"
            assert {m.value for m in enums[0]} == set(prop["enum"]), where


@pytest.mark.parametrize("schema_name", sorted(SCHEMAS))
def test_every_id_with_an_expanded_twin_is_renamed(schema_name: str) -> None:
    model = SCHEMAS[schema_name]
    if not issubclass(model, models.Record):
        return
    props = SPEC_SCHEMAS[schema_name]["properties"]
    # Every plain key with an expanded ``_key`` twin is renamed (``team`` -> ``team_id``).
    twins = {key for key in props if f"_{key}" in props}
    renamed = {
        info.alias
        for name, info in model.model_fields.items()
        if info.alias and info.alias != name and not info.alias.startswith("_")
    }
    assert renamed == twins

"""The resource catalog against the server's OpenAPI specification in ``../shared``.

Every filter, lookup, writable field, endpoint and operation the client offers must be exactly
what the server documents: a filter the server lacks would be silently ignored by it (turning a
narrow query into "all"), and a writable field it lacks would be silently dropped.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from keystone_client import AsyncKeystoneClient, KeystoneClient
from keystone_client._base_client import Flow
from keystone_client._filters import BOOL, DATE, DATETIME, ID, IP, LOOKUPS, NUMBER, TEXT
from keystone_client._resource_spec import StatsSpec
from keystone_client.resources import AsyncStats, ResourceSpec, Stats
from keystone_client.resources._catalog import ALL_SPECS, _order

SHARED = Path(__file__).resolve().parents[2] / "shared"
OPENAPI = SHARED / "keystone-api" / "openapi.yml"

if not OPENAPI.is_file():
    pytest.skip(
        f"contract tests need the server's OpenAPI spec at {OPENAPI}, which is absent",
        allow_module_level=True,
    )

yaml = pytest.importorskip("yaml", reason="contract tests need PyYAML to read the OpenAPI spec")

CONTROL_PARAMS = {"_limit", "_offset", "_order", "_search"}
#: Fields the server filters on that the client refuses: lookups on a password hash leak it.
REFUSED_FILTERS = {"users": {"password"}}
SPECS = {spec.name: spec for spec in ALL_SPECS}

#: The manager operations each HTTP method of the spec stands for.
LIST_OPS = {"get": {"all", "filter", "order_by", "search", "list", "count"}, "post": {"create"}}
DETAIL_OPS = {
    "get": {"get", "choices"},
    "put": {"replace"},
    "patch": {"update", "save"},
    "delete": {"delete"},
}

#: Filter type -> the OpenAPI (type, format) its base parameter has.
KIND_SCHEMAS: dict[str, set[tuple[Any, Any]]] = {
    BOOL: {("boolean", None)},
    ID: {("integer", None)},
    IP: {("string", None)},
    NUMBER: {("integer", None), ("number", None)},
    TEXT: {("string", None)},
    DATE: {("string", "date")},
    DATETIME: {("string", "date-time")},
}


@cache
def openapi() -> dict[str, Any]:
    with OPENAPI.open(encoding="utf-8") as handle:
        loaded: dict[str, Any] = yaml.safe_load(handle)
    return loaded


def path_item(path: str) -> dict[str, Any]:
    item: dict[str, Any] = openapi()["paths"].get(path, {})
    return item


def methods(path: str) -> set[str]:
    return set(path_item(path)) & {"get", "post", "put", "patch", "delete"}


def query_params(path: str) -> dict[str, dict[str, Any]]:
    return {
        p["name"]: p for p in path_item(path)["get"].get("parameters", []) if p["in"] == "query"
    }


def filter_params(path: str) -> set[str]:
    return set(query_params(path)) - CONTROL_PARAMS


def client_filter_params(spec: ResourceSpec[Any]) -> set[str]:
    """Every ``field__lookup`` query parameter the client can send for ``spec``."""
    return {
        f"{field}__{lookup}" if lookup else field
        for field, kind in spec.filters.items()
        for lookup in LOOKUPS[kind]
    }


def request_fields(path: str, method: str) -> set[str]:
    """The writable properties of the request body schema of ``method`` on ``path``."""
    content = path_item(path)[method]["requestBody"]["content"]
    fields: set[str] | None = None
    for media in content.values():
        name = media["schema"]["$ref"].rsplit("/", 1)[-1]
        schema = openapi()["components"]["schemas"][name]
        props = {k for k, v in schema.get("properties", {}).items() if not v.get("readOnly")}
        assert fields is None or props == fields, f"{method} {path}: media types disagree"
        fields = props
    assert fields is not None
    return fields


def list_path(spec: ResourceSpec[Any]) -> str:
    return f"/{spec.endpoint}"


def detail_path(spec: ResourceSpec[Any]) -> str:
    return f"/{spec.endpoint}{{id}}/"


@pytest.fixture(scope="module")
def managers() -> Iterator[dict[str, tuple[Any, Any]]]:
    sync = KeystoneClient(url="http://keystone.test/")
    aclient = AsyncKeystoneClient(url="http://keystone.test/")
    yield {
        name: (getattr(sync.resources, name), getattr(aclient.resources, name)) for name in SPECS
    }
    sync.close()
    asyncio.run(aclient.close())


def test_the_spec_is_the_keystone_api() -> None:
    assert openapi()["info"]["title"] == "Keystone API"


def test_every_collection_of_the_spec_has_a_resource() -> None:
    """Each list endpoint with a detail endpoint or filters is declared in the catalog."""
    declared = {list_path(spec) for spec in ALL_SPECS}
    collections = {
        path
        for path, item in openapi()["paths"].items()
        if "{id}" not in path
        and "get" in item
        and any(p["name"] == "_limit" for p in item["get"].get("parameters", []))
    }
    assert collections == declared


@pytest.mark.parametrize("name", sorted(SPECS))
def test_endpoints_exist_in_the_spec(name: str) -> None:
    spec = SPECS[name]
    assert spec.endpoint.endswith("/") and not spec.endpoint.startswith("/")
    assert "get" in methods(list_path(spec))


@pytest.mark.parametrize("name", sorted(SPECS))
def test_filters_and_lookups_equal_the_spec(name: str) -> None:
    spec = SPECS[name]
    documented = filter_params(list_path(spec))
    offered = client_filter_params(spec)
    refused = {p for p in documented if p.partition("__")[0] in REFUSED_FILTERS.get(name, ())}
    assert offered - documented == set(), "the client offers filters the server ignores"
    assert documented - refused - offered == set(), "the server has filters the client refuses"


@pytest.mark.parametrize("name", sorted(SPECS))
def test_filter_types_match_the_spec(name: str) -> None:
    spec = SPECS[name]
    params = query_params(list_path(spec))
    for field, kind in spec.filters.items():
        schema = params[field]["schema"]
        found = (schema.get("type"), schema.get("format"))
        assert found in KIND_SCHEMAS[kind], f"{name}.{field} is {kind} but the spec says {found}"


@pytest.mark.parametrize("name", sorted(SPECS))
def test_operations_match_the_spec_methods(name: str, managers: dict[str, tuple[Any, Any]]) -> None:
    spec = SPECS[name]
    expected: set[str] = set()
    for method in methods(list_path(spec)):
        expected |= LIST_OPS[method]
    for method in methods(detail_path(spec)):
        expected |= DETAIL_OPS[method]
    every = set().union(*LIST_OPS.values(), *DETAIL_OPS.values())
    for manager in managers[name]:
        present = {op for op in every if hasattr(manager, op)}
        assert present == expected, type(manager).__name__


@pytest.mark.parametrize("name", sorted(SPECS))
def test_writable_fields_equal_the_request_schemas(name: str) -> None:
    spec = SPECS[name]
    if "post" in methods(list_path(spec)):
        assert set(spec.create_fields) == request_fields(list_path(spec), "post")
    else:
        assert spec.create_fields == frozenset()
    detail = methods(detail_path(spec))
    for method in ("put", "patch"):
        if method in detail:
            assert set(spec.writable_on_update) == request_fields(detail_path(spec), method)
    if not detail & {"put", "patch"}:
        assert spec.writable_on_update == frozenset()


@pytest.mark.parametrize("name", sorted(SPECS))
def test_file_field_is_binary_in_the_spec(name: str) -> None:
    spec = SPECS[name]
    schemas = openapi()["components"]["schemas"]
    binary: set[str] = set()
    if "post" in methods(list_path(spec)):
        content = path_item(list_path(spec))["post"]["requestBody"]["content"]
        ref = content["multipart/form-data"]["schema"]["$ref"].rsplit("/", 1)[-1]
        binary = {
            field
            for field, prop in schemas[ref].get("properties", {}).items()
            if prop.get("format") == "binary"
        }
    assert {spec.file_field} - {None} == binary


@pytest.mark.parametrize("name", sorted(SPECS))
def test_choices_endpoints_exist_in_the_spec(name: str) -> None:
    spec = SPECS[name]
    for field, endpoint in spec.choices.items():
        assert methods(f"/{endpoint}") == {"get"}, endpoint
        assert field in spec.filters
        assert field in spec.model.model_fields


def test_every_choices_endpoint_of_the_spec_is_offered() -> None:
    documented = {path for path in openapi()["paths"] if "-choices/" in path}
    offered = {f"/{endpoint}" for spec in ALL_SPECS for endpoint in spec.choices.values()}
    assert offered == documented


def probe_stats(stats_cls: type[Stats] | type[AsyncStats]) -> dict[str, ResourceSpec[Any]]:
    """Record which collection's filters each stats method compiles against (no I/O)."""
    seen: dict[str, ResourceSpec[Any]] = {}

    def fake_flow(self: Any, stats: StatsSpec[Any], filters: Any) -> Flow[None]:
        seen[f"/{stats.endpoint}"] = SPECS[stats.collection]
        return None
        yield  # pragma: no cover - makes this a generator

    patch = pytest.MonkeyPatch()
    patch.setattr(stats_cls, "_flow", fake_flow)
    try:
        if stats_cls is Stats:
            with KeystoneClient(url="http://keystone.test/") as client:
                for method in ("requests", "grants", "publications", "notifications"):
                    getattr(client.resources.stats, method)()
        else:

            async def run_all() -> None:
                async with AsyncKeystoneClient(url="http://keystone.test/") as client:
                    for method in ("requests", "grants", "publications", "notifications"):
                        await getattr(client.resources.stats, method)()

            asyncio.run(run_all())
    finally:
        patch.undo()
    return seen


@pytest.mark.parametrize("stats_cls", [Stats, AsyncStats])
def test_stats_filters_equal_the_spec(stats_cls: type[Stats] | type[AsyncStats]) -> None:
    seen = probe_stats(stats_cls)
    documented = {path for path in openapi()["paths"] if path.startswith("/stats/")}
    assert set(seen) == documented
    for path, spec in seen.items():
        assert client_filter_params(spec) == filter_params(path), path


def test_stats_filters_are_their_collections_filters() -> None:
    pairs = {
        "/stats/requests/": "/allocations/requests/",
        "/stats/grants/": "/research/grants/",
        "/stats/publications/": "/research/publications/",
        "/stats/notifications/": "/notifications/notifications/",
    }
    for stats_path, collection in pairs.items():
        assert filter_params(stats_path) == filter_params(collection)


#: Readable fields the server cannot order by: values it computes, not columns.
COMPUTED_FIELDS = {
    "users": {"abbreviation", "display_name"},
    "audit_logs": {"action", "record_name", "record_id"},
}
#: Order fields the record shows under another name (``record_id`` is ``object_pk``).
RENAMED_ORDER_FIELDS = {"audit_logs": {"object_pk"}}


def record_properties(path: str) -> dict[str, dict[str, Any]]:
    """The properties of one record in the list response of ``path``."""
    schemas = openapi()["components"]["schemas"]

    def resolve(schema: dict[str, Any]) -> dict[str, Any]:
        ref = schema.get("$ref")
        return resolve(schemas[ref.rsplit("/", 1)[-1]]) if ref else schema

    schema = resolve(
        path_item(path)["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    )
    if "results" in schema.get("properties", {}):
        schema = resolve(schema["properties"]["results"]["items"])
    elif schema.get("type") == "array":
        schema = resolve(schema["items"])
    properties: dict[str, dict[str, Any]] = schema.get("properties", {})
    return properties


def test_order_fields_are_read_from_the_declarations_words() -> None:
    # The collection table was built at import; the reader runs again here.
    assert _order(" id\n title  team ") == frozenset({"id", "title", "team"})


@pytest.mark.parametrize("name", sorted(SPECS))
def test_order_fields_are_the_record_s_columns(name: str) -> None:
    spec = SPECS[name]
    properties = record_properties(list_path(spec))
    columns = {
        field
        for field, schema in properties.items()
        if not field.startswith("_") and schema.get("type") != "array"
    } - COMPUTED_FIELDS.get(name, set())
    assert spec.order_fields - RENAMED_ORDER_FIELDS.get(name, set()) == columns

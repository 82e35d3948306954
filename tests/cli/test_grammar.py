"""The grammar comes from the collection declarations: names, operations, filters."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from keystone_client.resources import _catalog
from keystone_client.resources._declarations import ReadOnly
from keystone_client.testing import FakeKeystone

from .conftest import Keystone, sent


def declare(monkeypatch: pytest.MonkeyPatch, name: str, declaration: Any) -> None:
    """Declare one more collection in the library's table, as a new release would."""
    declaration.__set_name__(_catalog.Collections, name)
    monkeypatch.setattr(_catalog.Collections, name, declaration, raising=False)


def declare_widgets(monkeypatch: pytest.MonkeyPatch, **spec: Any) -> None:
    """Declare ``widget_parts``: read-only, at its own endpoint, with the grants' model."""
    grants = _catalog.Collections.grants.spec
    declaration = ReadOnly(endpoint="research/widget-parts/", model=grants.model, **spec)
    declare(monkeypatch, "widget_parts", declaration)


def commands_in(help_text: str) -> list[str]:
    """The command names a --help page lists."""
    section = help_text.split("Commands:")[1]
    return [
        line.split()[0] for line in section.splitlines() if line.startswith("  ") and line[2] != " "
    ]


def test_help_lists_every_declared_collection_dashed(keystone: Keystone) -> None:
    result = keystone("--help")
    assert result.exit_code == 0
    for spec in _catalog.ALL_SPECS:
        assert spec.name.replace("_", "-") in result.stdout
    assert "allocation-requests" in result.stdout
    assert "allocation_requests" not in result.stdout
    for static in ("whoami", "version", "health", "config", "settings", "stats", "completion"):
        assert static in result.stdout


@pytest.mark.parametrize(
    ("collection", "offered", "absent"),
    [
        (
            "allocation-requests",
            ["list", "count", "get", "create", "update", "replace", "delete", "choices"],
            [],
        ),
        ("grants", ["list", "count", "get", "create", "update", "replace", "delete"], ["choices"]),
        (
            "notifications",
            ["list", "count", "get", "update", "choices"],
            ["create", "replace", "delete"],
        ),
        (
            "audit-logs",
            ["list", "count", "get"],
            ["create", "update", "replace", "delete", "choices"],
        ),
        ("feed", ["list", "count"], ["get", "create", "update", "replace", "delete", "choices"]),
    ],
)
def test_only_the_operations_a_collection_has(
    keystone: Keystone, collection: str, offered: list[str], absent: list[str]
) -> None:
    result = keystone(collection, "--help")
    assert result.exit_code == 0
    commands = commands_in(result.stdout)
    for op in offered:
        assert op in commands
    for op in absent:
        assert op not in commands
        refused = keystone(collection, op, "1")
        assert refused.exit_code == 2
        assert f"No such command '{op}'" in refused.stderr


def test_unknown_collection_is_a_usage_error(keystone: Keystone) -> None:
    result = keystone("widgets", "list")
    assert result.exit_code == 2
    assert "No such command 'widgets'" in result.stderr


def test_a_declared_collection_operation_and_filter_appear_with_no_cli_code(
    keystone: Keystone, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A made-up collection (grants' filters plus one, under a new name and endpoint, with
    fewer operations), declared in the table alone, shows up in help, parsing and completion."""
    grants = _catalog.Collections.grants.spec
    declare_widgets(monkeypatch, filters={**grants.filters, "colour": "text"})
    assert "widget-parts" in keystone("--help").stdout
    ops = commands_in(keystone("widget-parts", "--help").stdout)
    assert ops == ["list", "count", "get"]
    # The made-up filter is completed, with its type's lookups.
    words = keystone.complete("widget-parts", "list", "--filter", "col")
    assert words == ["colour=", "colour__"]
    words = keystone.complete("widget-parts", "list", "--filter", "colour__st")
    assert words == ["colour__startswith="]
    # And checked before sending: a lookup its type lacks is refused.
    refused = keystone("widget-parts", "list", "--filter", "colour__gt=1")
    assert refused.exit_code == 2
    assert "Lookup 'gt' is not available for widget_parts field 'colour' (text)" in refused.stderr


def test_a_filter_added_to_a_declaration_is_accepted_and_sent(
    keystone: Keystone, server: FakeKeystone, monkeypatch: pytest.MonkeyPatch
) -> None:
    grants = _catalog.Collections.grants
    extended = dataclasses.replace(grants.spec, filters={**grants.spec.filters, "colour": "text"})
    monkeypatch.setattr(grants, "spec", extended)
    result = keystone("grants", "list", "--filter", "colour__startswith=bl", "--limit", "1")
    assert result.exit_code == 0, result.stderr
    (request,) = sent(server)
    assert request[0] == "GET"
    assert "colour__startswith=bl" in request[1]


def test_without_the_declaration_the_filter_is_refused_before_sending(
    keystone: Keystone, server: FakeKeystone
) -> None:
    result = keystone("grants", "list", "--filter", "colour__startswith=bl")
    assert result.exit_code == 2
    assert result.stderr.startswith("keystone: error: Unknown filter field 'colour' for grants")
    assert sent(server) == []  # type: ignore[arg-type]


# -- the snapshot cache used when the declarations are not loaded ---------------------------


@pytest.fixture
def unloaded(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Make the grammar behave as in a fresh process: declarations not imported yet."""
    from keystone_client.cli import grammar

    monkeypatch.setattr(grammar, "_CATALOG", "keystone_client.resources._not_loaded")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    return tmp_path / "keystone-client"


def test_snapshot_cache_is_written_then_read(unloaded: Path) -> None:
    from keystone_client.cli import grammar

    live = grammar._index(grammar._from_declarations())
    assert grammar.collections() == live
    (cache,) = unloaded.glob("grammar-*.json")
    data = json.loads(cache.read_text())
    assert [item["name"] for item in data] == [spec.name for spec in _catalog.ALL_SPECS]
    # The next run reads the file instead of the declarations.
    data[0]["operations"] = ["count"]
    cache.write_text(json.dumps(data))
    assert grammar.collections()["users"].operations == ["count"]


def test_a_broken_cache_is_rebuilt(unloaded: Path) -> None:
    from keystone_client.cli import grammar

    grammar.collections()
    (cache,) = unloaded.glob("grammar-*.json")
    cache.write_text("{not json")
    assert grammar.collections()["users"].operations[:2] == ["list", "count"]
    assert json.loads(cache.read_text())[0]["name"] == "users"


def test_the_cache_is_named_after_the_library_sources(unloaded: Path) -> None:
    from keystone_client.cli import grammar

    grammar.collections()
    (cache,) = unloaded.glob("grammar-*.json")
    assert cache.name == f"grammar-{grammar._fingerprint()}.json"


def test_an_unwritable_cache_still_works(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from keystone_client.cli import grammar

    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setattr(grammar, "_CATALOG", "keystone_client.resources._not_loaded")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))  # a file: no folder can be made in it
    assert "allocation-requests" in grammar.collections()


def test_choice_codes_come_from_the_models_enums() -> None:
    from keystone_client.cli import grammar

    requests = grammar.collections()["allocation-requests"]
    assert requests.choices == {"status": ["PD", "AP", "DC", "CR"]}
    assert grammar.collections()["clusters"].choices == {"access_mode": ["WL", "BL", "OP"]}


def test_no_operation_shows_the_collection_help(keystone: Keystone) -> None:
    result = keystone("grants")
    assert result.exit_code == 2
    assert result.stderr.startswith("Usage: keystone grants [OPTIONS] COMMAND")
    assert "keystone: error" not in result.stderr


def test_an_operation_added_to_a_declaration_appears(
    keystone: Keystone, server: FakeKeystone, monkeypatch: pytest.MonkeyPatch
) -> None:

    assert "get" not in commands_in(keystone("feed", "--help").stdout)
    feed = _catalog.Collections.feed.spec
    declare(
        monkeypatch,
        "feed",
        ReadOnly(endpoint=feed.endpoint, model=feed.model, filters=feed.filters, keyset_order=None),
    )
    assert commands_in(keystone("feed", "--help").stdout) == ["list", "count", "get"]
    keystone("feed", "get", "r1")
    assert ("GET", "/logs/feed/r1/") in sent(server)


# -- the grammar's content, exactly ------------------------------------------------------------


def test_a_collection_as_the_command_line_sees_it() -> None:
    from keystone_client.cli import grammar

    grants = grammar.collections()["grants"]
    assert grants.name == "grants"
    assert grants.endpoint == "research/grants/"
    assert grants.command == "grants"
    number = ["exact", "gt", "gte", "in", "isnull", "lt", "lte", "not_eq", "not_in"]
    assert grants.lookups["number"] == number
    assert grammar.lookups_of(grants, "amount") == number
    assert grammar.lookups_of(grants, "nope") == []
    assert grammar.collections()["allocation-requests"].label == "allocation requests"


def test_every_lookup_list_starts_with_exact() -> None:
    from keystone_client.cli import grammar

    for coll in grammar.collections().values():
        for kind, lookups in coll.lookups.items():
            assert lookups[0] == "exact", (coll.name, kind)
            assert lookups[1:] == sorted(lookups[1:])


def test_the_help_of_a_collection_names_its_endpoint(keystone: Keystone) -> None:
    result = keystone("grants", "--help")
    assert "The grants collection (research/grants/): list, count, get," in result.stdout


def test_writable_fields_take_the_model_names_of_writable_server_fields() -> None:
    from keystone_client.cli import grammar

    memberships = grammar.collections()["memberships"]
    assert memberships.create_fields == ["role", "team", "team_id", "user", "user_id"]
    # ``user_id`` names the ``user`` filter, which is not writable here.
    notifications = grammar.collections()["notifications"]
    assert notifications.create_fields == []
    assert notifications.update_fields == ["read"]


def test_a_choice_field_with_no_enum_in_the_model_has_no_codes(
    keystone: Keystone, monkeypatch: pytest.MonkeyPatch
) -> None:
    from keystone_client.cli import grammar

    grants = _catalog.Collections.grants.spec
    declare_widgets(
        monkeypatch,
        filters=grants.filters,
        choices={"agency": "research/widget-choices/agency/", "colour": "research/c/"},
    )
    assert grammar.collections()["widget-parts"].choices == {"agency": [], "colour": []}
    assert keystone.complete("widget-parts", "choices", "") == ["agency", "colour"]
    assert keystone.complete("widget-parts", "list", "--filter", "agency=") == []


def test_a_filter_of_a_kind_with_no_lookups_offers_none(
    keystone: Keystone, monkeypatch: pytest.MonkeyPatch
) -> None:
    from keystone_client.cli import grammar

    declare_widgets(monkeypatch, filters={"serial": "uuid"})
    widgets = grammar.collections()["widget-parts"]
    assert widgets.filters == {"serial": "uuid"}
    assert widgets.lookups == {}
    assert grammar.lookups_of(widgets, "serial") == []
    assert keystone.complete("widget-parts", "list", "--filter", "serial__") == []

"""The generated collection commands: their help pages as printed, ``--order-by`` lists and
the ``-s`` short option of ``--set``."""

from __future__ import annotations

import types
from typing import Any

import pytest

from keystone_client.testing import FakeKeystone

from .conftest import Keystone

FILTER_OPTIONS = """\
  -f, --filter FIELD[__LOOKUP]=VALUE
                                  Keep records matching this filter (repeatable;
                                  all must match).
  --order-by FIELD[,-FIELD]       Sort by these fields; a leading - sorts
                                  descending.
  --search TEXT                   Full-text search on the server.
"""

WRITE_OPTIONS = """\
  -s, --set FIELD=VALUE           field=text, field:=JSON (numbers, true, null,
                                  lists) or field=@path (repeatable).
  --json -|PATH                   The whole body as a JSON object, from stdin
                                  (-) or a file; --set wins over it.
"""

OUTPUT_OPTIONS = """\
  --fields A,B.C                  Fields to show, comma-separated; dotted names
                                  follow relations (team.name).
  -o, --format [table|json|ndjson|csv|yaml]
                                  Output format (default: table on a terminal,
                                  ndjson in a pipe).
  -h, --help                      Show this message and exit.
"""

PAGES = {
    ("grants", "list"): "Usage: keystone grants list [OPTIONS]\n\n"
    "  List grants; every match unless --limit.\n\nOptions:\n"
    + FILTER_OPTIONS
    + "  --limit INTEGER RANGE           At most N records.  [x>=0]\n"
    + OUTPUT_OPTIONS,
    ("grants", "create"): "Usage: keystone grants create [OPTIONS]\n\n"
    "  Create a record from --set fields or --json.\n\nOptions:\n" + WRITE_OPTIONS + OUTPUT_OPTIONS,
    ("attachments", "create"): "Usage: keystone attachments create [OPTIONS]\n\n"
    "  Create a record from --set fields or --json. Upload a file with --set\n"
    "  file=@PATH.\n\nOptions:\n" + WRITE_OPTIONS + OUTPUT_OPTIONS,
    ("grants", "update"): "Usage: keystone grants update [OPTIONS] ID\n\n"
    "  Change the given fields of one record.\n\nOptions:\n" + WRITE_OPTIONS + OUTPUT_OPTIONS,
    ("grants", "replace"): "Usage: keystone grants replace [OPTIONS] ID\n\n"
    "  Replace one record with the given fields (PUT).\n\nOptions:\n"
    + WRITE_OPTIONS
    + OUTPUT_OPTIONS,
}


@pytest.mark.parametrize("command", list(PAGES), ids=" ".join)
def test_the_help_page_as_printed(keystone: Keystone, command: tuple[str, str]) -> None:
    result = keystone(*command, "--help", COLUMNS="200")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == PAGES[command]


def test_order_by_takes_a_comma_separated_list(keystone: Keystone, server: FakeKeystone) -> None:
    result = keystone("grants", "list", "--order-by", " agency , -id ", "--fields", "id")
    assert result.exit_code == 0, result.stderr
    assert server.requests[-1].query["_order"] == "agency,-id"


def test_s_is_short_for_set(keystone: Keystone, server: FakeKeystone) -> None:
    result = keystone("grants", "update", "2", "-s", "title=Short", "--fields", "id,title")
    assert result.exit_code == 0, result.stderr
    assert server.requests[-1].body == {"title": "Short"}


def test_the_root_help_lists_each_collection_with_its_operations(keystone: Keystone) -> None:
    result = keystone("--help")
    listed = " ".join(result.stdout.split("Commands:")[1].split())
    assert " grants list, count, get, create, update, replace, delete " in f" {listed} "
    assert " feed list, count " in f" {listed} "


def test_a_collection_without_an_operation_shows_its_help(keystone: Keystone) -> None:
    result = keystone("grants")
    assert result.exit_code == 2  # click's code for help shown instead of a command
    assert result.output.startswith("Usage: keystone grants [OPTIONS] COMMAND [ARGS]...")
    assert "Missing command" not in result.output
    assert "  count    Print the number of matching grants." in result.output


@pytest.mark.parametrize(
    ("resources", "message"),
    [
        ({}, "this version of the library has no grants manager"),
        ({"grants": object()}, "the grants manager of this library offers no get()"),
    ],
    ids=["no-manager", "no-operation"],
)
def test_a_library_without_the_declared_operation_is_a_usage_error(
    keystone: Keystone,
    monkeypatch: pytest.MonkeyPatch,
    resources: dict[str, object],
    message: str,
) -> None:
    factory = keystone.factory

    def stripped(conn: Any) -> Any:
        client = factory(conn)
        monkeypatch.setattr(client, "resources", types.SimpleNamespace(**resources))
        return client

    monkeypatch.setattr(keystone, "factory", stripped)
    result = keystone("grants", "get", "1")
    assert result.exit_code == 2
    assert f"keystone: error: {message}" in result.stderr

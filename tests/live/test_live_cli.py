"""The ``keystone`` command line against the real server (read-only commands)."""

from __future__ import annotations

import json
import os

import pytest
from click.testing import CliRunner, Result

pytest.importorskip("click")

from keystone_client.cli.app import cli
from keystone_client.cli.connection import AppState


def keystone(*args: str) -> Result:
    env = {
        "KEYSTONE_URL": os.environ["KEYSTONE_TEST_URL"],
        "KEYSTONE_USERNAME": os.environ["KEYSTONE_TEST_USERNAME"],
        "KEYSTONE_PASSWORD": os.environ["KEYSTONE_TEST_PASSWORD"],
        "KEYSTONE_TOKEN": None,
    }
    return CliRunner().invoke(cli, list(args), env=env, obj=AppState(), prog_name="keystone")


def test_whoami() -> None:
    result = keystone("whoami", "--fields", "username", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == {"username": os.environ["KEYSTONE_TEST_USERNAME"]}


def test_count_matches_a_listing() -> None:
    count = keystone("teams", "count")
    assert count.exit_code == 0, count.stderr
    listing = keystone("teams", "list", "--fields", "id")
    assert listing.exit_code == 0, listing.stderr
    assert int(count.stdout) == len(listing.stdout.splitlines())


def test_list_with_limit_as_json() -> None:
    result = keystone(
        "allocation-requests",
        "list",
        "--limit",
        "3",
        "--fields",
        "id,status,team.name",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)
    assert isinstance(rows, list) and len(rows) <= 3
    for row in rows:
        assert set(row) == {"id", "status", "team.name"}


def test_choices_and_version() -> None:
    choices = keystone("allocation-requests", "choices", "status", "--format", "json")
    assert choices.exit_code == 0, choices.stderr
    assert "PD" in {row["code"] for row in json.loads(choices.stdout)}
    version = keystone("version")
    assert version.exit_code == 0 and version.stdout.strip()


def test_not_found_and_bad_filter_exit_codes() -> None:
    assert keystone("grants", "get", "999999999").exit_code == 3
    refused = keystone("grants", "list", "--filter", "colour=red")
    assert refused.exit_code == 2
    assert "Unknown filter field 'colour'" in refused.stderr

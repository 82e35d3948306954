"""The ``keystone`` command line against the real server: in-process and as the installed
script; every write is undone."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

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


def test_stats_and_a_bad_token() -> None:
    stats = keystone("stats", "requests", "--format", "json")
    assert stats.exit_code == 0, stats.stderr
    assert isinstance(json.loads(stats.stdout)["request_count"], int)
    refused = keystone("--token", "not-a-token", "teams", "count")
    assert refused.exit_code == 4
    assert refused.stderr == "keystone: error: HTTP 401: Invalid token.\n"


def test_create_update_and_delete_a_team() -> None:
    name = f"cli-live-{uuid.uuid4().hex[:12]}"
    created = keystone("teams", "create", "--set", f"name={name}", "--format", "json")
    assert created.exit_code == 0, created.stderr
    team = json.loads(created.stdout)
    try:
        assert team["name"] == name and team["is_active"] is True
        updated = keystone(
            "teams",
            "update",
            str(team["id"]),
            "--set",
            "is_active:=false",
            "--fields",
            "id,is_active",
        )
        assert updated.exit_code == 0, updated.stderr
        assert json.loads(updated.stdout) == {"id": team["id"], "is_active": False}
        shown = keystone("teams", "get", str(team["id"]), "--fields", "name,is_active")
        assert json.loads(shown.stdout) == {"name": name, "is_active": False}
    finally:
        deleted = keystone("teams", "delete", str(team["id"]))
    assert deleted.exit_code == 0, deleted.stderr
    assert deleted.stderr == f"Deleted teams {team['id']}\n"
    assert keystone("teams", "get", str(team["id"])).exit_code == 3


def _script_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEYSTONE_")}
    env.update(
        KEYSTONE_URL=os.environ["KEYSTONE_TEST_URL"],
        KEYSTONE_USERNAME=os.environ["KEYSTONE_TEST_USERNAME"],
        KEYSTONE_PASSWORD=os.environ["KEYSTONE_TEST_PASSWORD"],
        **extra,
    )
    return env


SCRIPT = shutil.which("keystone", path=str(Path(sys.executable).parent))


@pytest.mark.skipif(SCRIPT is None, reason="the keystone script is not installed")
def test_the_installed_script_in_pipes(tmp_path: Path) -> None:
    assert SCRIPT is not None
    listing = subprocess.run(
        [SCRIPT, "teams", "list", "--limit", "3", "--fields", "id,name"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env=_script_env(),
    )
    assert listing.returncode == 0, listing.stderr
    rows = [json.loads(line) for line in listing.stdout.splitlines()]
    assert len(rows) <= 3 and all(set(row) == {"id", "name"} for row in rows)
    assert listing.stderr == ""
    command = shlex.join([SCRIPT, "teams", "list", "--fields", "id"])
    head = subprocess.run(
        f'{command} | head -n 1; echo "status=${{PIPESTATUS[0]}}"',
        shell=True,
        executable="/bin/bash",
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env=_script_env(KEYSTONE_PAGE_SIZE="2"),
    )
    lines = head.stdout.splitlines()
    assert len(lines) == 2 and lines[1] == "status=0"
    assert set(json.loads(lines[0])) == {"id"}
    assert head.stderr == ""

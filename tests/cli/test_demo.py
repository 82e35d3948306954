"""``keystone --demo``: every command against the in-memory demo Keystone."""

from __future__ import annotations

import importlib
import json
import os

import pytest
from click.testing import CliRunner, Result

from keystone_client.cli.app import cli
from keystone_client.cli.connection import AppState


def demo(*args: str, **env: str) -> Result:
    # No KEYSTONE_* configuration at all unless given: the demo needs none.
    unset: dict[str, str | None] = {
        name: None for name in os.environ if name.startswith("KEYSTONE_")
    }
    return CliRunner().invoke(
        cli, ["--demo", *args], env={**unset, **env}, obj=AppState(), prog_name="keystone"
    )


def test_without_the_demo_module_the_error_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.import_module

    def missing(name: str, *args: object) -> object:
        if name == "keystone_client.testing":
            raise ImportError("No module named 'keystone_client.testing'")
        return real(name, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(importlib, "import_module", missing)
    result = demo("teams", "count")
    assert result.exit_code == 2
    assert "--demo needs keystone_client.testing" in result.stderr


def test_settings_of_the_demo_send_nothing() -> None:
    result = demo("settings", "-o", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {"url": "(built-in demo)", "demo": True}


class TestWithTheDemo:
    @pytest.fixture(autouse=True)
    def _needs_demo(self) -> None:
        pytest.importorskip("keystone_client.testing", reason="the demo Keystone is not available")

    def test_pending_requests(self) -> None:
        result = demo("allocation-requests", "list", "--filter", "status=PD")
        assert result.exit_code == 0, result.stderr
        rows = [json.loads(line) for line in result.stdout.splitlines()]
        assert rows and {row["status"] for row in rows} == {"PD"}

    def test_whoami_is_the_staff_user(self) -> None:
        result = demo("whoami", "--fields", "is_staff", "-o", "json")
        assert result.exit_code == 0, result.stderr
        assert json.loads(result.stdout) == {"is_staff": True}

    def test_count_and_list_agree(self) -> None:
        count = demo("grants", "count")
        listing = demo("grants", "list", "--fields", "id")
        assert int(count.stdout) == len(listing.stdout.splitlines())

    def test_writes_change_the_demo_of_this_run_only(self) -> None:
        first = demo("teams", "count")
        created = demo("teams", "create", "--set", "name=Demo Team", "-o", "json")
        assert created.exit_code == 0, created.stderr
        assert json.loads(created.stdout)["name"] == "Demo Team"
        # Each run starts from the same seeded data set.
        assert demo("teams", "count").stdout == first.stdout

    def test_not_found(self) -> None:
        assert demo("grants", "get", "987654321").exit_code == 3

    def test_page_size_of_the_environment_applies(self, monkeypatch: pytest.MonkeyPatch) -> None:
        import keystone_client.testing as testing

        made: list[testing.FakeKeystone] = []

        class Recorded(testing.FakeKeystone):
            def __init__(self, *args: object, **kwargs: object) -> None:
                super().__init__(*args, **kwargs)  # type: ignore[arg-type]
                made.append(self)

        monkeypatch.setattr(testing, "FakeKeystone", Recorded)
        result = demo("allocation-requests", "list", "--fields", "id", KEYSTONE_PAGE_SIZE="2")
        assert result.exit_code == 0, result.stderr
        assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == list(range(1, 8))
        (fake,) = made
        pages = fake.assert_requested("GET", "allocations/requests", query={"_limit": "2"})
        assert len(pages) == 4

    def test_connection_settings_do_not_apply(self) -> None:
        result = demo(
            "teams", "count", KEYSTONE_URL="http://127.0.0.1:9", KEYSTONE_TOKEN="not-a-token"
        )
        assert result.exit_code == 0, result.stderr
        assert result.stdout == "3\n"

    def test_a_bad_page_size_is_a_configuration_error(self) -> None:
        result = demo("teams", "count", KEYSTONE_PAGE_SIZE="0")
        assert result.exit_code == 2
        assert result.stderr.startswith("keystone: error: Invalid configuration: ")
        assert "KEYSTONE_PAGE_SIZE" in result.stderr


@pytest.mark.parametrize(
    ("options", "named"),
    [
        (["--url", "http://127.0.0.1:9"], "--url"),
        (["--token", "t", "--username", "ben"], "--token, --username"),
        (["--password-stdin"], "--password-stdin"),
    ],
)
def test_connection_options_with_the_demo_are_a_usage_error(options: list[str], named: str) -> None:
    result = CliRunner().invoke(
        cli, [*options, "--demo", "teams", "count"], obj=AppState(), prog_name="keystone"
    )
    assert result.exit_code == 2
    assert result.stderr == (
        f"keystone: error: --demo needs no server: drop {named} (see 'keystone --help')\n"
    )
    assert result.stdout == ""

"""Shell completion from the declarations, with no request and no client."""

from __future__ import annotations

import pytest

from .conftest import Keystone


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_script(keystone: Keystone, shell: str) -> None:
    result = keystone("completion", shell)
    assert result.exit_code == 0
    assert "_KEYSTONE_COMPLETE" in result.stdout
    assert f"{shell}_complete" in result.stdout


def test_unknown_shell(keystone: Keystone) -> None:
    result = keystone("completion", "tcsh")
    assert result.exit_code == 2
    assert "'tcsh' is not one of 'bash', 'zsh', 'fish'" in result.stderr


def test_collections(keystone: Keystone) -> None:
    assert keystone.complete("alloc") == [
        "allocation-requests",
        "allocation-reviews",
        "allocations",
    ]


def test_operations_of_a_collection(keystone: Keystone) -> None:
    assert keystone.complete("feed", "") == ["list", "count"]
    assert keystone.complete("notifications", "") == ["list", "count", "get", "update", "choices"]


def test_filter_fields_and_lookups(keystone: Keystone) -> None:
    assert keystone.complete("allocation-requests", "list", "--filter", "sta") == [
        "status=",
        "status__",
    ]
    lookups = keystone.complete("allocation-requests", "list", "--filter", "submitted__")
    assert "submitted__gte=" in lookups and "submitted__year=" in lookups
    assert "submitted__contains=" not in lookups
    assert keystone.complete("grants", "count", "-f", "amount__l") == [
        "amount__lt=",
        "amount__lte=",
    ]


def test_choice_codes_after_a_filter_field(keystone: Keystone) -> None:
    assert keystone.complete("allocation-requests", "list", "--filter", "status=") == [
        "status=PD",
        "status=AP",
        "status=DC",
        "status=CR",
    ]
    assert keystone.complete("memberships", "list", "--filter", "role=O") == ["role=OW"]


def test_writable_fields_and_choice_codes_for_set(keystone: Keystone) -> None:
    assert keystone.complete("teams", "update", "1", "--set", "") == ["is_active="]
    assert "name=" in keystone.complete("teams", "create", "--set", "")
    assert keystone.complete("allocation-reviews", "create", "--set", "status=D") == ["status=DC"]


def test_order_fields(keystone: Keystone) -> None:
    assert keystone.complete("grants", "list", "--order-by", "am") == ["amount"]


def test_choice_fields(keystone: Keystone) -> None:
    assert keystone.complete("clusters", "choices", "") == ["access_mode"]


def test_stats_names(keystone: Keystone) -> None:
    assert keystone.complete("stats", "") == ["grants", "notifications", "publications", "requests"]

"""Shell completion from the declarations, with no request and no client."""

from __future__ import annotations

import re
from typing import Any

import click
import pytest

from keystone_client.cli.app import cli
from keystone_client.cli.completion import (
    complete_choice_field,
    complete_filter,
    complete_order,
    complete_set,
    script,
)
from keystone_client.cli.connection import AppState

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


# -- what bash receives: each word with its type ---------------------------------------------


def offered(keystone: Keystone, *words: str) -> list[tuple[str, str]]:
    """(type, word) pairs bash completion receives for the last of ``words``: ``nospace``
    words leave the cursor after them, for a value or a lookup to follow."""
    env = {
        **keystone.env,
        "_KEYSTONE_COMPLETE": "bash_complete",
        "COMP_WORDS": " ".join(["keystone", *words]),
        "COMP_CWORD": str(len(words)),
    }
    result = keystone.runner.invoke(cli, [], env=env, obj=AppState(), prog_name="keystone")
    assert result.exit_code == 0, result.output
    pairs = [line.split(",", 1) for line in result.stdout.splitlines() if line]
    return [(kind, word) for kind, word in pairs]


def test_filter_fields_wait_for_a_value_or_a_lookup(keystone: Keystone) -> None:
    assert offered(keystone, "grants", "list", "--filter", "am") == [
        ("nospace", "amount="),
        ("nospace", "amount__"),
    ]


def test_a_whole_field_name_is_offered_with_its_two_endings(keystone: Keystone) -> None:
    assert offered(keystone, "allocation-requests", "list", "-f", "status") == [
        ("nospace", "status="),
        ("nospace", "status__"),
    ]


def test_lookups_wait_for_a_value(keystone: Keystone) -> None:
    assert offered(keystone, "grants", "list", "--filter", "amount__") == [
        ("nospace", f"amount__{lookup}=")
        for lookup in ["exact", "gt", "gte", "in", "isnull", "lt", "lte", "not_eq", "not_in"]
    ]


@pytest.mark.parametrize("lookup", ["", "__exact", "__in", "__not_eq", "__not_in"])
def test_choice_codes_after_each_lookup_taking_codes(keystone: Keystone, lookup: str) -> None:
    word = f"status{lookup}="
    assert offered(keystone, "allocation-requests", "list", "--filter", word) == [
        ("plain", f"{word}{code}") for code in ["PD", "AP", "DC", "CR"]
    ]


@pytest.mark.parametrize("word", ["status__isnull=", "status__contains=", "amount=", "nope="])
def test_no_codes_where_none_apply(keystone: Keystone, word: str) -> None:
    assert offered(keystone, "allocation-requests", "list", "--filter", word) == []


def test_set_fields_wait_for_a_value(keystone: Keystone) -> None:
    assert offered(keystone, "teams", "create", "--set", "") == [
        ("nospace", "is_active="),
        ("nospace", "name="),
    ]


def test_replace_offers_the_fields_writable_on_update(keystone: Keystone) -> None:
    assert keystone.complete("teams", "replace", "1", "--set", "") == ["is_active="]
    assert keystone.complete("teams", "create", "--set", "") == ["is_active=", "name="]


def test_set_codes_only_for_a_choice_field(keystone: Keystone) -> None:
    assert offered(keystone, "memberships", "update", "1", "--set", "role=") == [
        ("plain", "role=OW"),
        ("plain", "role=AD"),
        ("plain", "role=MB"),
    ]
    assert offered(keystone, "memberships", "update", "1", "--set", "user=") == []
    assert offered(keystone, "memberships", "update", "1", "--set", "role=OW=") == []


def test_no_bare_codes_for_a_json_value(keystone: Keystone) -> None:
    """``role:=OW`` is not JSON, so ``role:=`` gets no codes (``role=`` does)."""
    assert offered(keystone, "memberships", "update", "1", "--set", "role:=") == []
    refused = keystone("memberships", "update", "1", "--set", "role:=OW")
    assert refused.exit_code == 2
    assert "role:= needs a JSON value" in refused.stderr


# -- the completion functions outside a collection's command ---------------------------------


def context_without_collection() -> click.Context:
    return click.Context(click.Command("whoami"))


@pytest.mark.parametrize(
    "complete", [complete_filter, complete_order, complete_set, complete_choice_field]
)
def test_nothing_to_complete_without_a_collection(complete: Any) -> None:
    param = click.Option(["--filter"])
    assert complete(context_without_collection(), param, "") == []


# -- the scripts -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("shell", "line"),
    [
        ("bash", "complete -o nosort -F _keystone_completion keystone"),
        ("zsh", "#compdef keystone"),
        ("fish", "complete --no-files --command keystone --arguments"),
    ],
)
def test_the_script_completes_the_keystone_command(
    keystone: Keystone, shell: str, line: str
) -> None:
    result = keystone("completion", shell)
    assert line in result.stdout
    # The script asks the command itself, through this variable, for the words.
    assert re.search(rf"\b_KEYSTONE_COMPLETE={shell}_complete\b", result.stdout)
    assert "XX" not in result.stdout


def test_a_shell_click_cannot_complete_is_a_usage_error() -> None:
    with pytest.raises(click.UsageError) as raised:
        script(cli, "tcsh")
    assert raised.value.message == "no completion for tcsh"

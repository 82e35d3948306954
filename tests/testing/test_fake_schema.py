"""What the fake serves for each declared collection, derived afresh from the declarations
and compared with a snapshot: fields and their rules, labels, default orders, methods, and
the choices endpoints. After a deliberate change, rewrite the snapshot with
``python -m tests.testing.test_fake_schema`` and review its diff."""

from __future__ import annotations

import dataclasses
import json
import typing
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from pydantic import BaseModel, Field

from keystone_client.resources._catalog import ALL_SPECS, Collections
from keystone_client.resources._spec import ResourceSpec
from keystone_client.testing import _schema
from keystone_client.testing._schema import (
    FieldRule,
    _choices,
    _methods,
    _rule,
    _target,
    _unwrap,
    derive,
    words,
)

SNAPSHOT = Path(__file__).parent / "data" / "schema.json"


def served() -> dict[str, Any]:
    """Every collection as :func:`derive` builds it now, and every choices endpoint."""
    collections: dict[str, Any] = {}
    for spec in ALL_SPECS:
        served = derive(spec)
        collections[served.name] = {
            "endpoint": served.endpoint,
            "fields": {name: dataclasses.asdict(rule) for name, rule in served.fields.items()},
            "label": served.label,
            "model_name": served.model_name,
            "default_order": served.default_order,
            "methods": sorted(served.methods),
            "detail": served.detail,
            "staff_only": served.staff_only,
            "update_fields": sorted(served.update_fields),
            "filter_order": list(served.filter_order),
            "filter_targets": served.targets,
            "filter_codes": {name: sorted(codes) for name, codes in served.codes.items()},
        }
    choices = {
        "/" + str(endpoint): _choices(spec, choice)
        for spec in ALL_SPECS
        for choice, endpoint in spec.choices.items()
    }
    plain: dict[str, Any] = json.loads(
        json.dumps({"collections": collections, "choices": choices}, default=str)
    )
    return plain


def test_each_collection_is_served_as_the_snapshot_shows() -> None:
    expected = json.loads(SNAPSHOT.read_text("utf-8"))
    actual = served()
    assert sorted(actual["collections"]) == sorted(expected["collections"])
    for name, collection in expected["collections"].items():
        assert actual["collections"][name] == collection, name
    assert actual["choices"] == expected["choices"]


def test_words_splits_a_model_name_at_its_capitals() -> None:
    assert words("AllocationRequest") == "Allocation Request"
    assert words("ResourceAllocation") == "Resource Allocation"
    assert words("Team") == "Team"
    assert words("URLField") == "URLField"


class Widget(BaseModel):
    """A made-up record: a relation whose summary type names no model, and no choices."""

    part: int
    part_summary: int | str = Field(alias="_part")


def widgets(name: str = "widgets", **declared: typing.Any) -> ResourceSpec:  # type: ignore[type-arg]
    """A small declaration of a collection the library does not have."""
    fields = frozenset({"part", "colour", "is_active", "password", "scan"})
    return ResourceSpec(
        name=name,
        endpoint="research/widgets/",
        model=Widget,
        filters={},
        create_fields=fields,
        keyset_order=None,
        **declared,
    )


def test_each_operation_is_served_by_its_method() -> None:
    assert _methods(frozenset({"get"})) == {"GET"}
    assert _methods(frozenset({"list"})) == {"GET"}
    assert _methods(frozenset({"create", "update", "replace", "delete", "choices"})) == {
        "POST",
        "PATCH",
        "PUT",
        "DELETE",
    }


def test_unwrap_drops_only_none_from_a_union() -> None:
    assert _unwrap(int | None) == (int, True)
    assert _unwrap(typing.Optional[int]) == (int, True)  # noqa: UP045
    assert _unwrap(int | str | None) == (typing.Union[int, str], True)  # noqa: UP007
    assert _unwrap(int | str) == (int | str, False)
    assert _unwrap(int) == (int, False)


def test_a_relation_points_to_the_collection_its_summary_names() -> None:
    assert _target(Collections.grants.spec, "team") == "teams"
    assert _target(Collections.allocation_requests.spec, "assignees") == "users"
    assert _target(Collections.grants.spec, "title") == ""
    # A summary type without a name (a bare union) points nowhere.
    assert _target(SimpleNamespace(model=Widget), "part") == ""  # type: ignore[arg-type]


def test_fields_the_model_does_not_show_are_write_only(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = widgets()
    assert _rule(spec, "password") == FieldRule("str", required=True)
    assert _rule(spec, "colour") == FieldRule("json")
    # A server default applies to a write-only field too.
    assert _rule(widgets("users"), "is_active") == FieldRule("json", default=True)
    monkeypatch.setitem(_schema._WRITE_ONLY, "scan", "file")
    assert _rule(spec, "scan") == FieldRule("file", required=True)


def test_a_small_declaration_is_served_with_the_default_id_order() -> None:
    served = derive(widgets())
    # Model fields first, in the model's order; the rest sorted.
    assert list(served.fields) == ["part", "colour", "is_active", "password", "scan"]
    assert served.fields["part"] == FieldRule("int", required=True)
    assert served.default_order == "id"
    assert served.label == "research_products | Widget"
    assert served.model_name == "Widget"


def test_fields_are_served_in_the_models_order() -> None:
    served = derive(Collections.users.spec)
    assert list(served.fields)[:4] == ["is_superuser", "username", "first_name", "last_name"]
    assert list(served.fields)[-1] == "password"
    assert list(derive(Collections.grants.spec).fields) == [
        "title",
        "agency",
        "pi",
        "amount",
        "grant_number",
        "start_date",
        "end_date",
        "description",
        "team",
    ]


def test_a_field_without_an_enum_has_no_choices() -> None:
    assert _choices(Collections.grants.spec, "title") == {}
    assert _choices(SimpleNamespace(model=Widget), "part") == {}  # type: ignore[arg-type]
    assert _choices(Collections.allocation_requests.spec, "status")["AP"] == "Approved"


if __name__ == "__main__":
    SNAPSHOT.write_text(json.dumps(served(), indent=1, ensure_ascii=False) + "\n", "utf-8")

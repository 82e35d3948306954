"""What the fake serves for each declared collection, derived afresh from the declarations
and compared with a snapshot: fields and their rules, labels, default orders, methods, and
the choices endpoints. After a deliberate change, rewrite the snapshot with
``python -m tests.testing.test_fake_schema`` and review its diff."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from keystone_client.resources._catalog import ALL_SPECS
from keystone_client.testing._schema import _choices, derive, words

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


if __name__ == "__main__":
    SNAPSHOT.write_text(json.dumps(served(), indent=1, ensure_ascii=False) + "\n", "utf-8")

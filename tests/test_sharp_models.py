"""Models, pinned exactly: lazy relations of a record class declared here, built on first read.

The record classes are made inside each test (``fresh_models()``), so the whole ``Lazy``
machinery, from the schema pydantic builds for the class to the first read, runs in the test.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from pydantic import Field, ValidationError

from keystone_client.models import KeystoneModel, Record
from keystone_client.models._lazy import Lazy

# Serializer warnings would mean a relation was dumped unbuilt.
pytestmark = pytest.mark.filterwarnings("error")

OWNER = {"name": "Ada", "joined": "2026-01-02", "user": 5}
BOX = {"id": 1, "_owner": OWNER, "_owners": [OWNER, {**OWNER, "user": 6}], "title": "Box"}


def fresh_models() -> tuple[type[KeystoneModel], type[Record]]:
    """Declare a record with relations: a model, a list of models and an optional one."""

    class Owner(KeystoneModel):
        name: str
        joined: dt.date
        user_id: int = Field(alias="user")

    class Box(Record):
        owner: Lazy[Owner] = Field(alias="_owner")
        owners: Lazy[list[Owner]] = Field(alias="_owners")
        spare: Lazy[Owner | None] = Field(default=None, alias="_spare")
        title: str

    return Owner, Box


def owner_dump(user_id: int = 5) -> dict[str, Any]:
    return {"name": "Ada", "joined": dt.date(2026, 1, 2), "user_id": user_id}


def test_relations_parsed_from_json_read_as_their_models() -> None:
    owner_model, box_model = fresh_models()
    box: Any = box_model.model_validate_json(json.dumps(BOX))
    assert type(box.owner) is owner_model
    assert box.owner.model_dump() == owner_dump()
    assert [type(o) for o in box.owners] == [owner_model, owner_model]
    assert [o.user_id for o in box.owners] == [5, 6]
    assert box.spare is None
    # Built once and kept: the same object on every read.
    assert box.owner is box.owner
    assert box.owners is box.owners


def test_a_second_record_of_the_class_builds_its_relations_too() -> None:
    owner_model, box_model = fresh_models()
    first: Any = box_model.model_validate_json(json.dumps(BOX))
    second: Any = box_model.model_validate_json(json.dumps({**BOX, "id": 2}))
    assert type(first.owner) is owner_model
    assert type(second.owner) is owner_model
    assert second.owners[1].user_id == 6


def test_a_malformed_relation_in_json_fails_when_read_not_when_parsed() -> None:
    _, box_model = fresh_models()
    raw = json.dumps({**BOX, "_owner": {"name": "Ada", "joined": "not a date", "user": 5}})
    box: Any = box_model.model_validate_json(raw)
    assert box.title == "Box"
    with pytest.raises(ValidationError, match="joined"):
        _ = box.owner


def test_python_data_is_validated_up_front() -> None:
    owner_model, box_model = fresh_models()
    box: Any = box_model.model_validate(BOX)
    assert type(box.__dict__["owner"]) is owner_model
    with pytest.raises(ValidationError, match="joined"):
        box_model.model_validate({**BOX, "_owner": {**OWNER, "joined": "not a date"}})
    with pytest.raises(ValidationError, match="_owners"):
        box_model.model_validate({**BOX, "_owners": "not a list"})


def test_a_record_dumped_before_its_relations_are_read_dumps_them_built() -> None:
    _, box_model = fresh_models()
    raw = json.dumps(BOX)
    expected = {
        "id": 1,
        "owner": owner_dump(),
        "owners": [owner_dump(), owner_dump(6)],
        "spare": None,
        "title": "Box",
    }
    assert box_model.model_validate_json(raw).model_dump() == expected
    assert box_model.model_validate(BOX).model_dump() == expected
    assert box_model.model_validate_json(raw).model_dump(mode="json", by_alias=True) == {
        **BOX,
        "_spare": None,
    }
    assert json.loads(box_model.model_validate_json(raw).model_dump_json(by_alias=True)) == {
        **BOX,
        "_spare": None,
    }
    assert box_model.model_validate_json(raw).model_dump(
        include={"owner": {"name"}, "owners": {0: {"user_id"}}}
    ) == {"owner": {"name": "Ada"}, "owners": [{"user_id": 5}]}


def test_a_dump_builds_the_relation_for_itself_only() -> None:
    _, box_model = fresh_models()
    box: Any = box_model.model_validate_json(json.dumps(BOX))
    box.model_dump()
    # Still exactly what the JSON held: reading is what builds and keeps it.
    assert box.__dict__["owner"] == OWNER


def test_a_dump_sends_an_assigned_value_as_it_is() -> None:
    # Only JSON still pending is built: what the user assigned is dumped untouched.
    _, box_model = fresh_models()
    box: Any = box_model.model_validate_json(json.dumps(BOX))
    box.owner = None
    assert box.model_dump(warnings=False)["owner"] is None


def test_a_relation_can_be_stored_through_the_descriptor() -> None:
    owner_model, box_model = fresh_models()
    box: Any = box_model.model_validate_json(json.dumps(BOX))
    other = owner_model.model_validate({**OWNER, "user": 9})
    object.__setattr__(box, "owner", other)
    assert box.owner is other
    assert box.model_dump()["owner"] == owner_dump(9)


def test_a_lazy_field_shows_lazy_in_its_field_info() -> None:
    _, box_model = fresh_models()
    assert repr(box_model.model_fields["owner"]).endswith(", metadata=[Lazy])")

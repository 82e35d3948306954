"""Models, pinned exactly: lazy relations, change tracking, repr and equality, Django durations.

The record classes are declared inside each test (``fresh_models()``, ``fresh_record()``), so
what runs when a class is created (the schema pydantic builds for a ``Lazy`` field, the lists
of ids and relations a record finds in its fields) runs in the test too, not only at import.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import typing
from datetime import timedelta
from enum import StrEnum
from typing import Any

import pytest
from pydantic import Field, ValidationError

from keystone_client import FieldError
from keystone_client.models import KeystoneModel, PublicationStats, Record
from keystone_client.models._lazy import Lazy

from .test_models import PUBLICATION_STATS

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


def test_a_record_parsed_from_json_equals_one_validated_from_python() -> None:
    _, box_model = fresh_models()
    raw = json.dumps(BOX)
    eager = box_model.model_validate(BOX)
    assert box_model.model_validate_json(raw) == eager
    assert eager == box_model.model_validate_json(raw)
    assert dict(box_model.model_validate_json(raw)) == dict(eager)
    assert box_model.model_validate_json(raw) != box_model.model_validate(
        {**BOX, "_owner": {**OWNER, "name": "Bob"}}
    )


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


# -- records: lists of ids tracked, repr, assignment, equality, copies --------------------------


class Level(StrEnum):
    HIGH = "HI"


def fresh_record() -> type[Record]:
    """Declare a record with lists of ids (typed and untyped), a list of models and a choice."""

    class Item(KeystoneModel):
        n: int

    class Shelf(Record):
        _repr_fields = ("id", "title", "level", "missing")

        title: str
        level: Level = Level.HIGH
        item_ids: list[int] = Field(alias="items")
        tags: typing.List = []  # type: ignore[type-arg]  # noqa: UP006
        parts: list[Item] = []
        note: str | None = None

    return Shelf


SHELF = {"id": 3, "title": "Top", "items": [1, 2], "tags": ["a"], "parts": [{"n": 1}]}


def test_lists_of_ids_changed_in_place_count_as_changed() -> None:
    shelf: Any = fresh_record().model_validate(SHELF)
    assert shelf.changed_fields() == {}
    shelf.item_ids.append(3)
    shelf.tags.remove("a")
    assert shelf.changed_fields() == {"item_ids": [1, 2, 3], "tags": []}
    shelf.mark_clean()
    assert shelf.changed_fields() == {}
    # After a save, the lists as they are now are the new reference.
    shelf.item_ids.pop()
    assert shelf.changed_fields() == {"item_ids": [1, 2]}


def test_a_list_of_models_is_not_a_list_of_ids() -> None:
    shelf_model = fresh_record()
    shelf: Any = shelf_model.model_validate(SHELF)
    shelf.parts.append(shelf.parts[0])
    assert shelf.changed_fields() == {}
    assert shelf_model._list_fields == ("item_ids", "tags")


def test_changed_fields_are_sorted_by_name_with_their_current_values() -> None:
    shelf: Any = fresh_record().model_validate(SHELF)
    shelf.title = "Bottom"
    shelf.note = "n"
    shelf.item_ids = [9]
    assert list(shelf.changed_fields().items()) == [
        ("item_ids", [9]),
        ("note", "n"),
        ("title", "Bottom"),
    ]


def test_assigning_an_unknown_name_lists_the_fields() -> None:
    shelf: Any = fresh_record().model_validate(SHELF)
    with pytest.raises(FieldError) as caught:
        shelf.titel = "x"
    assert str(caught.value) == (
        "Shelf has no field 'titel'; fields: id, item_ids, level, note, parts, tags, title"
    )
    assert shelf.changed_fields() == {}


def test_extra_server_fields_can_be_assigned_and_are_tracked() -> None:
    shelf: Any = fresh_record().model_validate({**SHELF, "color": "red"})
    shelf.color = "blue"
    assert shelf.changed_fields() == {"color": "blue"}


def test_private_names_can_be_set_and_are_not_changes() -> None:
    shelf: Any = fresh_record().model_validate(SHELF)
    shelf._scratch = 1
    assert shelf._scratch == 1
    assert shelf.changed_fields() == {}


def test_repr_shows_the_naming_fields_and_choice_codes() -> None:
    shelf: Any = fresh_record().model_validate(SHELF)
    assert repr(shelf) == "Shelf(id=3, title='Top', level='HI', missing=None)"
    assert str(shelf) == repr(shelf)


def test_a_model_without_repr_fields_shows_every_field() -> None:
    class Plain(KeystoneModel):
        a: int
        b: str

    plain = Plain(a=1, b="x")
    assert repr(plain) == "Plain(a=1, b='x')"
    assert str(plain) == "a=1 b='x'"


def test_records_compare_by_content_and_type() -> None:
    shelf_model = fresh_record()
    first: Any = shelf_model.model_validate(SHELF)
    second: Any = shelf_model.model_validate(SHELF)
    second.title = "Top"  # assigned, but the same content
    assert first == second
    assert first != shelf_model.model_validate({**SHELF, "color": "red"})
    assert first != shelf_model.model_validate({**SHELF, "title": "Other"})

    class Sub(shelf_model):  # type: ignore[valid-type,misc]
        pass

    assert first != Sub.model_validate(SHELF)  # another class, the same fields
    assert Sub.model_validate(SHELF) != first
    assert first != SHELF
    assert first.__eq__(SHELF) is NotImplemented
    with pytest.raises(TypeError):
        hash(first)


def test_a_copy_keeps_the_changes_but_not_the_bookkeeping() -> None:
    shelf: Any = fresh_record().model_validate(SHELF)
    shelf.title = "Mine"
    copied = copy.copy(shelf)
    copied.note = "copy"
    copied.item_ids.append(5)  # a shallow copy shares the list itself
    assert copied.changed_fields() == {"item_ids": [1, 2, 5], "note": "copy", "title": "Mine"}
    assert shelf.changed_fields() == {"item_ids": [1, 2, 5], "title": "Mine"}
    copied.mark_clean()
    assert shelf.changed_fields() == {"item_ids": [1, 2, 5], "title": "Mine"}


def test_model_copy_update_marks_only_fields_changed() -> None:
    shelf: Any = fresh_record().model_validate(SHELF)
    updated = shelf.model_copy(update={"title": "New", "note": "n"}, deep=True)
    assert updated.changed_fields() == {"note": "n", "title": "New"}
    updated.item_ids.append(4)
    assert shelf.item_ids == [1, 2]
    assert shelf.changed_fields() == {}
    shallow = shelf.model_copy()
    assert shallow.changed_fields() == {}
    assert shallow.item_ids is shelf.item_ids  # shallow unless asked, as in pydantic


# -- statistics: Django durations --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7", timedelta(seconds=7)),
        ("05:06", timedelta(minutes=5, seconds=6)),
        ("00:00:01.5", timedelta(seconds=1, microseconds=500000)),
        ("00:00:01,25", timedelta(seconds=1, microseconds=250000)),
        ("00:00:01.1234567", timedelta(seconds=1, microseconds=123456)),
        ("1 day, 2:03:04", timedelta(days=1, hours=2, minutes=3, seconds=4)),
        ("2 days, 0:00:00", timedelta(days=2)),
        ("-01:00:00", timedelta(hours=-1)),
        ("-1 -01:00:00", timedelta(days=-1, hours=-1)),
    ],
)
def test_review_average_reads_every_django_duration_form(text: str, expected: timedelta) -> None:
    stats = PublicationStats.model_validate({**PUBLICATION_STATS, "review_average": text})
    assert stats.review_average == expected


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (timedelta(0), "00:00:00"),
        (timedelta(microseconds=5), "00:00:00.000005"),
        (timedelta(hours=10, minutes=2, seconds=3), "10:02:03"),
        (timedelta(days=3), "3 00:00:00"),
        (timedelta(days=-2, hours=1), "-2 01:00:00"),
    ],
)
def test_review_average_is_written_as_django_writes_it(value: timedelta, text: str) -> None:
    stats = PublicationStats.model_validate({**PUBLICATION_STATS, "review_average": value})
    assert stats.model_dump(mode="json")["review_average"] == text
    assert json.loads(stats.model_dump_json())["review_average"] == text
    assert stats.model_dump()["review_average"] == value

"""Relations of records parsed from JSON are built on first read, and nobody can tell.

Every record model is checked: parsed from JSON it gives the same types, equality, dumps,
copies and change tracking as the same record validated from Python data, eagerly.
"""

from __future__ import annotations

import copy
import json
import pickle
import typing
from typing import Any

import pytest
from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic_core import PydanticSerializationError

from keystone_client.models import (
    AllocationRequest,
    AuditLog,
    Grant,
    Page,
    Record,
    Team,
    TeamSummary,
    UserSummary,
)
from keystone_client.models._lazy import is_lazy

from .test_models import ALLOCATION_REQUEST, AUDIT_LOG, GRANT, SAMPLES, TEAM, page_of

# Serializer warnings would mean a relation was dumped unbuilt.
pytestmark = pytest.mark.filterwarnings("error")

RECORD_SAMPLES = [(m, d) for m, d in SAMPLES if issubclass(m, Record)]
RECORD_IDS = [m.__name__ for m, _ in RECORD_SAMPLES]


def lazy_fields(model: type[BaseModel]) -> list[str]:
    return [name for name, info in model.model_fields.items() if is_lazy(info.metadata)]


def test_every_relation_of_a_record_is_lazy() -> None:
    # Any field whose server name starts with "_" is a nested relation.
    for model, _ in RECORD_SAMPLES:
        nested = [
            name for name, info in model.model_fields.items() if (info.alias or "").startswith("_")
        ]
        assert lazy_fields(model) == nested, model


@pytest.mark.parametrize(("model", "data"), RECORD_SAMPLES, ids=RECORD_IDS)
def test_relations_read_as_their_declared_types(model: type[Record], data: dict[str, Any]) -> None:
    parsed = model.model_validate_json(json.dumps(data))
    eager = model.model_validate(copy.deepcopy(data))
    for name in lazy_fields(model):
        value = getattr(parsed, name)
        assert value == getattr(eager, name)
        TypeAdapter(model.model_fields[name].annotation).validate_python(value, strict=True)
        # Read twice, the same object: built once and kept.
        assert getattr(parsed, name) is value


@pytest.mark.parametrize(("model", "data"), RECORD_SAMPLES, ids=RECORD_IDS)
def test_unread_relations_compare_dump_and_copy_as_built_ones(
    model: type[Record], data: dict[str, Any]
) -> None:
    raw = json.dumps(data)
    eager = model.model_validate(copy.deepcopy(data))
    assert model.model_validate_json(raw) == eager
    assert eager == model.model_validate_json(raw)
    assert model.model_validate_json(raw).model_dump() == eager.model_dump()
    assert model.model_validate_json(raw).model_dump(mode="json", by_alias=True) == data
    assert json.loads(model.model_validate_json(raw).model_dump_json(by_alias=True)) == data
    assert dict(model.model_validate_json(raw)) == dict(eager)
    assert str(model.model_validate_json(raw)) == str(eager)
    assert copy.copy(model.model_validate_json(raw)) == eager
    assert copy.deepcopy(model.model_validate_json(raw)) == eager
    assert pickle.loads(pickle.dumps(model.model_validate_json(raw))) == eager
    assert model.model_validate_json(raw).model_copy() == eager
    assert model.model_validate_json(raw).changed_fields() == {}


def test_a_page_of_records_dumps_the_server_json_without_reading_relations() -> None:
    raw = json.dumps(page_of(ALLOCATION_REQUEST, {**ALLOCATION_REQUEST, "id": 13})).encode()
    page = TypeAdapter(Page[AllocationRequest]).validate_json(raw)
    assert page.model_dump(mode="json", by_alias=True) == json.loads(raw)
    assert page == Page[AllocationRequest].model_validate(json.loads(raw))


def test_reading_relations_marks_nothing_changed() -> None:
    req = AllocationRequest.model_validate_json(json.dumps(ALLOCATION_REQUEST))
    assert isinstance(req.team, TeamSummary)
    assert all(isinstance(user, UserSummary) for user in req.assignees)
    assert req.changed_fields() == {}


def test_assigning_a_relation_before_reading_it_is_a_change() -> None:
    grant = Grant.model_validate_json(json.dumps(GRANT))
    other = TeamSummary(id=9, slug="team-9", name="Team 9")
    grant.team = other
    assert grant.team is other
    assert grant.changed_fields() == {"team": other}
    assert grant.model_dump(by_alias=True)["_team"]["id"] == 9


def test_a_changed_relation_is_not_shared_with_a_copy() -> None:
    team = Team.model_validate_json(json.dumps(TEAM))
    copied = team.model_copy(deep=True)
    copied.membership[0].role = "OW"
    assert team.membership[0].role == "AD"
    assert copied != team


def test_a_malformed_relation_fails_when_read() -> None:
    data = {**AUDIT_LOG, "_actor": {"id": "not a number"}}
    log = AuditLog.model_validate_json(json.dumps(data))
    assert log.id == AUDIT_LOG["id"]
    with pytest.raises(ValidationError, match="UserSummary"):
        _ = log.actor
    with pytest.raises(PydanticSerializationError, match="UserSummary"):
        log.model_dump()


def test_python_input_is_still_validated_up_front() -> None:
    with pytest.raises(ValidationError):
        AuditLog.model_validate({**AUDIT_LOG, "_actor": {"id": "not a number"}})


def test_the_json_schema_still_describes_the_relation() -> None:
    schema = Grant.model_json_schema(by_alias=True)
    team = schema["properties"]["_team"]
    team = schema["$defs"][team["$ref"].rsplit("/", 1)[1]] if "$ref" in team else team
    assert team["properties"] == TeamSummary.model_json_schema()["properties"]
    assert (
        schema["required"]
        == Grant.model_json_schema(by_alias=True, mode="serialization")["required"]
    )
    assert typing.get_origin(AllocationRequest.model_fields["assignees"].annotation) is list


class NotedTeam(Team):
    """A subclass with a private attribute of its own, as users may write."""

    _note: str = "fresh"


def test_change_tracking_keeps_a_subclass_private_attributes() -> None:
    team = NotedTeam.model_validate_json(json.dumps(TEAM))
    assert team._note == "fresh"
    team._note = "seen"
    team.name = "Renamed"
    team.users.append(8)
    assert team.changed_fields() == {"name": "Renamed", "users": [7, 8]}
    copied = copy.copy(team)
    copied.slug = "other"
    assert copied._note == "seen"
    assert team.changed_fields() == {"name": "Renamed", "users": [7, 8]}
    team.mark_clean()
    assert team.changed_fields() == {}
    assert team._note == "seen"
    assert copied.changed_fields() == {"name": "Renamed", "slug": "other", "users": [7, 8]}

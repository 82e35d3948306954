"""Record ids in paths: a record, its id or a placeholder, and the values that cannot be one."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import httpx
import pytest
import respx
from pydantic import BaseModel

from keystone_client.models import User

from .conftest import BASE, Runner
from .factories import user

# The private imports of this file: the two helpers every id in a path goes through.
from keystone_client._ids import RecordRef, id_of, path_id  # isort: skip
from keystone_client._placeholders import Placeholder  # isort: skip

USERS = BASE + "users/users/"


class NoId(BaseModel):
    name: str = "x"


def test_id_of_a_record_is_its_id() -> None:
    assert id_of(User.model_validate(user(7))) == 7


def test_id_of_a_placeholder_is_its_token() -> None:
    assert id_of(Placeholder("a1")) == "@ref{a1.id}"


def test_id_of_a_model_without_an_id_is_the_model_itself() -> None:
    model = NoId()
    assert id_of(model) is model


def test_id_of_an_object_with_an_id_that_is_not_a_model_is_the_object_itself() -> None:
    thing = SimpleNamespace(id=3)
    assert id_of(thing) is thing


@pytest.mark.parametrize("value", [5, "abc", 0])
def test_id_of_a_plain_value_is_the_value(value: Any) -> None:
    assert id_of(value) == value


def test_a_record_ref_must_say_its_token() -> None:
    class Bare(RecordRef):
        pass

    with pytest.raises(NotImplementedError):
        Bare().ref_token()
    assert id_of.__module__ == RecordRef.__module__


@pytest.mark.parametrize(
    ("value", "segment"),
    [(5, "5"), ("abc", "abc"), (0, "0"), (User.model_validate(user(7)), "7")],
)
def test_path_id_renders_an_id_as_a_segment(value: Any, segment: str) -> None:
    assert path_id(value) == segment


def test_path_id_of_a_placeholder_is_its_token() -> None:
    assert path_id(Placeholder("a1")) == "@ref{a1.id}"


@pytest.mark.parametrize(
    ("value", "shown"), [(None, "None"), (True, "True"), (False, "False"), (NoId(), "name='x'")]
)
def test_path_id_refuses_what_cannot_be_an_id(value: Any, shown: str) -> None:
    with pytest.raises(TypeError, match=r"^A record id is needed, not ") as raised:
        path_id(value)
    assert shown in str(raised.value)


@pytest.mark.parametrize("value", ["", "a/b", "/", "a?b", "?", "5/../6"])
def test_path_id_refuses_what_would_change_the_path(value: str) -> None:
    with pytest.raises(ValueError) as raised:
        path_id(value)
    assert str(raised.value) == f"Not a record id: {value!r}"


@pytest.mark.parametrize("pk", [7, "7", User.model_validate(user(7))])
def test_get_sends_the_id_in_the_path(
    pk: Any, client: Any, run: Runner, api: respx.MockRouter
) -> None:
    route = api.get(USERS + "7/").mock(return_value=httpx.Response(200, json=user(7)))

    got = run(client.resources.users.get(pk))

    assert got.id == 7
    assert route.call_count == 1


@pytest.mark.parametrize(("pk", "error"), [(None, TypeError), ("7/../8", ValueError)])
def test_get_with_a_bad_id_sends_nothing(
    pk: Any, error: type[Exception], client: Any, run: Runner, api: respx.MockRouter
) -> None:
    with pytest.raises(error):
        run(client.resources.users.get(pk))

    assert len(api.calls) == 0

"""Batch jobs, pinned to the exact tokens, reprs, requests and errors (sync + async).

Placeholders first (``@ref{...}`` tokens for responses of earlier actions), then the job
sent to ``POST batch/``, the batch managers and the batch block itself.
"""

from __future__ import annotations

import typing

import pytest
from pydantic import AliasChoices, Field

from keystone_client import AsyncKeystoneClient, KeystoneClient, Placeholder
from keystone_client.models import Grant, KeystoneModel

AnyClient = KeystoneClient | AsyncKeystoneClient


# -- placeholders ----------------------------------------------------------------------------------


class Leaf(KeystoneModel):
    value: int


class Middle(KeystoneModel):
    leaf: Leaf = Field(alias="_leaf")
    maybe_leaf: typing.Optional[Leaf] = None  # noqa: UP045 - the typing.Union spelling
    label: str


class Outer(KeystoneModel):
    middle: Middle | None = Field(alias="_middle")
    either: Leaf | Middle | None = None  # two records: no single nested model
    server_key: int = Field(validation_alias="srv")
    choice: int = Field(alias="primary", validation_alias=AliasChoices("primary", "secondary"))


def test_placeholder_repr_shows_alias_path_and_model(client: AnyClient) -> None:
    batch = client.batch()
    grant = batch.grants.create(title="G")
    assert repr(grant) == "<Placeholder a1 Grant id=@ref{a1.id}>"
    assert repr(grant.team) == "<Placeholder a1._team TeamSummary id=@ref{a1._team.id}>"
    raw = batch.add("GET", "/somewhere/else/")
    assert repr(raw) == "<Placeholder a2 id=@ref{a2.id}>"
    assert (
        repr(Placeholder("x", None, "deep.er")) == "<Placeholder x.deep.er id=@ref{x.deep.er.id}>"
    )


def test_a_nested_placeholder_keeps_its_model(client: AnyClient) -> None:
    grant = client.batch().grants.create(title="G")
    with pytest.raises(AttributeError) as caught:
        _ = grant.team.titel
    assert str(caught.value) == (
        "TeamSummary has no field 'titel' to refer to; fields: id, is_active, name, slug"
    )


def test_an_unknown_field_error_lists_the_model_fields(client: AnyClient) -> None:
    log = client.batch().audit_logs.get(1)
    with pytest.raises(AttributeError) as caught:
        _ = log.actor.usr
    assert str(caught.value) == (
        "UserSummary has no field 'usr' to refer to; fields: abbreviation, department, "
        "display_name, email, first_name, id, last_name, role, username"
    )


def test_an_optional_nested_record_is_a_placeholder(client: AnyClient) -> None:
    log = client.batch().audit_logs.get(4)  # AuditLog.actor is ``UserSummary | None``
    actor = log.actor
    assert isinstance(actor, Placeholder)
    assert actor.username == "@ref{a1._actor.username}"
    assert str(actor) == "@ref{a1._actor.id}"
    assert repr(actor) == "<Placeholder a1._actor UserSummary id=@ref{a1._actor.id}>"


def test_optional_and_union_annotations_of_nested_records() -> None:
    outer = Placeholder("a1", Outer)
    middle = outer.middle  # ``Middle | None``
    assert isinstance(middle, Placeholder)
    maybe = middle.maybe_leaf  # ``typing.Optional[Leaf]``
    assert isinstance(maybe, Placeholder)
    assert maybe.value == "@ref{a1._middle.maybe_leaf.value}"
    # A union of two records is not one nested record: a plain reference.
    assert outer.either == "@ref{a1.either}"


def test_nested_placeholders_join_the_whole_path() -> None:
    outer = Placeholder("a1", Outer)
    assert outer.middle.label == "@ref{a1._middle.label}"
    assert outer.middle.leaf.value == "@ref{a1._middle._leaf.value}"
    assert str(outer.middle.leaf) == "@ref{a1._middle._leaf.id}"
    assert (
        repr(outer.middle.leaf)
        == "<Placeholder a1._middle._leaf Leaf id=@ref{a1._middle._leaf.id}>"
    )
    # A placeholder built at a path, as a nested one is.
    assert Placeholder("a2", Grant, "grant").team.name == "@ref{a2.grant._team.name}"


def test_tokens_use_the_key_the_response_is_read_from() -> None:
    outer = Placeholder("a1", Outer)
    assert outer.server_key == "@ref{a1.srv}"  # validation_alias only
    assert outer.choice == "@ref{a1.primary}"  # several validation keys: the alias


@pytest.mark.parametrize("name", ["_private", "_team", "__wrapped__"])
def test_underscore_names_are_no_references(client: AnyClient, name: str) -> None:
    batch = client.batch()
    grant = batch.grants.create(title="G")
    raw = batch.add("GET", "/somewhere/else/")
    for placeholder in (grant, raw):
        with pytest.raises(AttributeError) as caught:
            getattr(placeholder, name)
        assert caught.value.args == (name,)
        assert not hasattr(placeholder, name)

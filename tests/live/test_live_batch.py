"""Batch jobs against a real Keystone server (sync + async); everything created is deleted."""

from __future__ import annotations

import datetime as dt
import inspect
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from keystone_client import BatchError
from keystone_client.models import Grant

from ..conftest import Runner


def in_batch(
    run: Runner, client: Any, record: Callable[[Any], object], *, dry_run: bool = False
) -> Any:
    """Record with ``record(batch)`` inside ``client.batch()`` (``with`` / ``async with``)."""
    if run.is_async:

        async def go() -> Any:
            async with client.batch(dry_run=dry_run) as batch:
                returned = record(batch)
                assert not inspect.isawaitable(returned)
            return batch

        return run(go())
    with client.batch(dry_run=dry_run) as batch:
        record(batch)
    return batch


def unique_title(label: str) -> str:
    return f"keystone-client batch {label} {uuid.uuid4().hex[:12]}"


def grant_fields(title: str, team_id: int) -> dict[str, Any]:
    return {
        "title": title,
        "agency": "NSF",
        "amount": Decimal("1234.50"),
        "grant_number": "KC-BATCH",
        "start_date": dt.date(2026, 1, 1),
        "end_date": dt.date(2027, 1, 1),
        "team": team_id,
    }


@pytest.fixture
def team_id(live: Any, run: Runner) -> int:
    team = run(live.resources.teams.all().first())
    if team is None:
        pytest.skip("the live server has no team to hold a grant")
    return int(team.id)


def test_create_then_update_through_a_reference(live: Any, run: Runner, team_id: int) -> None:
    title = unique_title("create")
    renamed = f"{title} renamed"
    created_id: int | None = None
    try:

        def record(batch: Any) -> None:
            grant = batch.grants.create(**grant_fields(title, team_id))
            batch.grants.update(grant.id, title=renamed, description=grant.title)

        batch = in_batch(run, live, record)

        created, updated = batch.results
        assert isinstance(created.model, Grant)
        created_id = created.model.id
        assert created.status == 201
        assert created.model.title == title
        assert created.model.team_id == team_id
        assert isinstance(updated.model, Grant)
        assert updated.path == f"/research/grants/{created_id}/"
        assert updated.model.id == created_id
        assert updated.model.title == renamed
        assert updated.model.description == title  # resolved from the first response

        stored = run(live.resources.grants.get(created_id))
        assert stored.title == renamed
        assert stored.amount == Decimal("1234.50")
    finally:
        if created_id is None:  # the batch may have run before an assertion failed
            for grant in run(live.resources.grants.list(title__startswith=title)):
                run(live.resources.grants.delete(grant.id))
        else:
            run(live.resources.grants.delete(created_id))
    assert run(live.resources.grants.count(title__startswith=title)) == 0


def test_dry_run_leaves_nothing(live: Any, run: Runner, team_id: int) -> None:
    title = unique_title("dry-run")
    assert run(live.resources.grants.count(title=title)) == 0

    def record(batch: Any) -> None:
        grant = batch.grants.create(**grant_fields(title, team_id))
        batch.grants.update(grant, pi="Dry Runner")

    batch = in_batch(run, live, record, dry_run=True)

    created, updated = batch.results
    assert isinstance(created.model, Grant)
    assert created.model.title == title
    assert isinstance(updated.model, Grant)
    assert updated.model.pi == "Dry Runner"
    assert run(live.resources.grants.count(title=title)) == 0


def test_failure_in_step_two_keeps_nothing_from_step_one(
    live: Any, run: Runner, team_id: int
) -> None:
    title = unique_title("rollback")
    assert run(live.resources.grants.count(title=title)) == 0

    def record(batch: Any) -> None:
        batch.grants.create(**grant_fields(title, team_id))
        batch.grants.create(title="", team=team_id)  # blank title, required fields missing

    with pytest.raises(BatchError) as caught:
        in_batch(run, live, record)

    error = caught.value
    assert error.status_code == 422
    assert error.step == 2
    assert error.status == 400
    assert "title" in error.errors
    assert "agency" in error.errors
    assert run(live.resources.grants.count(title=title)) == 0


def test_unresolvable_reference_names_the_token(live: Any, run: Runner, team_id: int) -> None:
    title = unique_title("bad-ref")

    def record(batch: Any) -> None:
        batch.grants.create(**grant_fields(title, team_id))
        batch.grants.update("@ref{ghost.id}", title="never")

    with pytest.raises(BatchError) as caught:
        in_batch(run, live, record)

    assert caught.value.token == "@ref{ghost.id}"
    assert caught.value.step is None
    assert run(live.resources.grants.count(title=title)) == 0

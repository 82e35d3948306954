"""Write errors users read: the field refused, and every field that would be accepted."""

from __future__ import annotations

from typing import Any

import pytest
import respx

from keystone_client import FieldError

from .conftest import Runner

GRANT_FIELDS = (
    "agency, amount, description, end_date, grant_number, pi, start_date, team, team_id, title"
)


def test_create_with_a_misspelled_field_names_it_and_the_writable_fields(
    client: Any, run: Runner, api: respx.MockRouter
) -> None:
    with pytest.raises(FieldError) as caught:
        run(client.resources.grants.create(title="x", titel="x"))

    assert str(caught.value) == (
        "grants does not accept field 'titel' (unknown or read-only); "
        f"writable fields: {GRANT_FIELDS}"
    )
    assert len(api.calls) == 0


def test_update_of_a_read_only_field_names_it(
    client: Any, run: Runner, api: respx.MockRouter
) -> None:
    with pytest.raises(FieldError) as caught:
        run(client.resources.grants.update(5, created="2026-01-01"))

    assert str(caught.value) == (
        "grants does not accept field 'created' (unknown or read-only); "
        f"writable fields: {GRANT_FIELDS}"
    )
    assert len(api.calls) == 0


def test_writable_fields_include_the_model_names_of_relations(client: Any, run: Runner) -> None:
    with pytest.raises(FieldError) as caught:
        run(client.resources.allocation_requests.create(assignees_ids=[1]))

    assert str(caught.value) == (
        "allocation_requests does not accept field 'assignees_ids' (unknown or read-only); "
        "writable fields: active, assignee_ids, assignees, description, expire, grant_ids, "
        "grants, publication_ids, publications, status, submitter, submitter_id, team, "
        "team_id, title"
    )

"""Batch jobs, pinned to the exact tokens, reprs, requests and errors (sync + async).

Placeholders first (``@ref{...}`` tokens for responses of earlier actions), then the job
sent to ``POST batch/``, the batch managers and the batch block itself.
"""

from __future__ import annotations

import inspect
import json
import logging
import typing
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import respx
from pydantic import AliasChoices, Field

from keystone_client import (
    AsyncBatch,
    AsyncKeystoneClient,
    Batch,
    BatchError,
    KeystoneClient,
    Placeholder,
)
from keystone_client.models import Grant, KeystoneModel

from . import factories as f
from .conftest import BASE, Runner
from .test_batch import ok, step

AnyClient = KeystoneClient | AsyncKeystoneClient

BATCH_URL = f"{BASE}batch/"


def in_batch(
    run: Runner, client: AnyClient, record: Callable[[Any], object], **options: Any
) -> Any:
    """Open ``client.batch(**options)``, call ``record(batch)`` in the block, return the batch."""
    if run.is_async:
        assert isinstance(client, AsyncKeystoneClient)

        async def go() -> Any:
            async with client.batch(**options) as batch:
                returned = record(batch)
                if inspect.isawaitable(returned):
                    await returned
            return batch

        return run(go())
    assert isinstance(client, KeystoneClient)
    with client.batch(**options) as batch:
        record(batch)
    return batch


def sent(route: respx.Route) -> Any:
    """The JSON body of the last request to ``route``."""
    return json.loads(route.calls.last.request.content)


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


# -- results of a job ------------------------------------------------------------------------------


def test_a_record_body_of_a_raw_action_without_resource_has_no_model(
    run: Runner, client: AnyClient, api: respx.MockRouter
) -> None:
    api.post(BATCH_URL).mock(return_value=ok(step(1, "GET", "/somewhere/7/", {"id": 7})))
    batch = in_batch(run, client, lambda b: b.add("GET", "somewhere/7"))
    [result] = batch.results
    assert (result.index, result.path, result.status, result.body) == (
        1,
        "/somewhere/7/",
        200,
        {"id": 7},
    )
    assert result.model is None


@pytest.mark.parametrize("status", [299, 200])
def test_only_a_2xx_step_is_parsed_into_a_model(
    run: Runner, client: AnyClient, api: respx.MockRouter, status: int
) -> None:
    api.post(BATCH_URL).mock(
        return_value=ok(step(1, "GET", "/research/grants/5/", f.grant(5), status=status))
    )
    batch = in_batch(run, client, lambda b: b.grants.get(5))
    assert isinstance(batch.results[0].model, Grant)
    assert batch.results[0].model.id == 5


@pytest.mark.parametrize("status", [300, 301, 199])
def test_a_step_outside_2xx_has_no_model(
    run: Runner, client: AnyClient, api: respx.MockRouter, status: int
) -> None:
    api.post(BATCH_URL).mock(
        return_value=ok(step(1, "GET", "/research/grants/5/", f.grant(5), status=status))
    )
    batch = in_batch(run, client, lambda b: b.grants.get(5))
    [result] = batch.results
    assert result.status == status
    assert result.body == f.grant(5)
    assert result.model is None


def test_a_body_that_is_not_the_record_logs_a_warning_and_has_no_model(
    run: Runner, client: AnyClient, api: respx.MockRouter, caplog: pytest.LogCaptureFixture
) -> None:
    body = f.grant(5, amount="lots", start_date="never")  # two errors: the first is told
    api.post(BATCH_URL).mock(return_value=ok(step(1, "PATCH", "/research/grants/5/", body)))
    with caplog.at_level(logging.WARNING, logger="keystone_client"):
        batch = in_batch(run, client, lambda b: b.grants.update(5, title="x"))
    assert batch.results[0].model is None
    assert batch.results[0].body == body
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert [r.getMessage() for r in warnings] == [
        "Batch step 1 (PATCH /research/grants/5/): body is not a Grant: "
        "Input should be a valid decimal"
    ]


def test_steps_the_client_did_not_record_have_no_model(
    run: Runner, client: AnyClient, api: respx.MockRouter
) -> None:
    # A server answering with more steps than were sent: those extra steps are kept
    # as they are, without a model and without failing the batch.
    api.post(BATCH_URL).mock(
        return_value=ok(
            step(1, "GET", "/research/grants/5/", f.grant(5)),
            step(2, "GET", "/research/grants/6/", f.grant(6)),
            step(0, "GET", "/research/grants/7/", f.grant(7)),
        )
    )
    batch = in_batch(run, client, lambda b: b.grants.get(5))
    assert [(r.index, r.body["id"]) for r in batch.results] == [(1, 5), (2, 6), (0, 7)]
    assert isinstance(batch.results[0].model, Grant)
    assert [r.model for r in batch.results[1:]] == [None, None]


# -- the batch block -------------------------------------------------------------------------------


def test_batch_repr_counts_the_actions_and_tells_the_state(
    run: Runner, client: AnyClient, api: respx.MockRouter
) -> None:
    name = type(client.batch()).__name__
    assert name == ("AsyncBatch" if run.is_async else "Batch")
    assert repr(client.batch()) == f"<{name} 0 actions dry_run=False open>"
    api.post(BATCH_URL).mock(return_value=ok(step(1, "POST", "/users/teams/", f.team(2))))
    batch = in_batch(run, client, lambda b: b.teams.create(name="T"), dry_run=True)
    assert repr(batch) == f"<{name} 1 action dry_run=True submitted>"
    two = client.batch()
    two.teams.create(name="A")
    two.teams.create(name="B")
    assert repr(two) == f"<{name} 2 actions dry_run=False open>"


def test_dir_lists_only_what_a_batch_can_run(client: AnyClient) -> None:
    names = dir(client.batch())
    for name in ("grants", "audit_logs", "notifications", "add", "submit", "results", "actions"):
        assert name in names
    assert "stats" not in names  # statistics cannot be read in a batch
    assert "feed" not in names  # list-only


def test_recording_checks_say_what_is_wrong(client: AnyClient) -> None:
    batch = client.batch()
    with pytest.raises(ValueError) as caught:
        batch.add("FETCH", "users/teams/")
    assert str(caught.value) == (
        "Unknown batch method 'FETCH'; use one of ['DELETE', 'GET', 'PATCH', 'POST', 'PUT']"
    )
    batch.add("GET", "x" * 2046)  # "/" + 2046 + "/": the longest path
    assert len(batch.actions[0].path) == 2048
    with pytest.raises(ValueError) as caught:
        batch.add("GET", "x" * 2047)
    assert str(caught.value) == "A batch action path may have at most 2048 characters"
    with pytest.raises(ValueError) as caught:
        batch.add("GET", "users/teams/", ref="a-1")
    assert str(caught.value) == "Invalid batch ref 'a-1': use letters, digits and underscores only"
    with pytest.raises(ValueError) as caught:
        batch.add("GET", "users/teams/", ref="a1")
    assert str(caught.value) == "The batch ref 'a1' is already used by another action"
    assert len(batch) == 1


def test_automatic_aliases_skip_every_alias_in_use(client: AnyClient) -> None:
    batch = client.batch()
    batch.add("GET", "users/teams/1/", ref="a3")
    batch.add("GET", "users/teams/2/", ref="a3_1")
    third = batch.add("GET", "users/teams/3/")  # a3 and a3_1 are taken
    fourth = batch.teams.get(4)
    batch.add("GET", "users/teams/5/", ref="A_b9")
    assert str(third) == "@ref{a3_2.id}"
    assert str(fourth) == "@ref{a4.id}"
    assert [a.ref for a in batch.actions] == ["a3", "a3_1", "a3_2", "a4", "A_b9"]
    assert [a.index for a in batch.actions] == [1, 2, 3, 4, 5]


def test_empty_payload_and_query_of_a_raw_action(
    run: Runner, client: AnyClient, api: respx.MockRouter
) -> None:
    route = api.post(BATCH_URL).mock(return_value=ok())

    def record(batch: Any) -> None:
        batch.add("post", "users/teams", {}, {})
        batch.add("Get", "users/teams", None, {"name": "x", "id": 4})

    in_batch(run, client, record)
    assert sent(route) == {
        "job": {
            "actions": [
                {"ref": "a1", "method": "POST", "path": "/users/teams/", "payload": {}},
                {
                    "ref": "a2",
                    "method": "GET",
                    "path": "/users/teams/",
                    "query_params": {"name": "x", "id": "4"},
                },
            ],
            "dry_run": False,
        }
    }


def test_recording_into_a_batch_that_was_sent_says_why_not(
    run: Runner, client: AnyClient, api: respx.MockRouter
) -> None:
    seen: list[str] = []
    held: list[Any] = []

    def answer(request: httpx.Request) -> httpx.Response:
        with pytest.raises(RuntimeError) as caught:
            held[0].teams.create(name="while sending")
        seen.append(str(caught.value))
        return ok(step(1, "POST", "/users/teams/", f.team(2), status=201))

    route = api.post(BATCH_URL).mock(side_effect=answer)

    def record(batch: Any) -> None:
        held.append(batch)
        batch.teams.create(name="T")

    batch = in_batch(run, client, record)
    assert seen == ["This batch was already being sent; start a new one with client.batch()"]
    assert len(sent(route)["job"]["actions"]) == 1
    with pytest.raises(RuntimeError) as caught:
        batch.teams.create(name="late")
    assert str(caught.value) == (
        "This batch was already submitted; start a new one with client.batch()"
    )
    with pytest.raises(RuntimeError) as caught:
        run(batch.submit())
    assert str(caught.value) == "This batch was already submitted"
    assert route.call_count == 1


def test_a_discarded_batch_says_so(
    run: Runner, client: AnyClient, api: respx.MockRouter, caplog: pytest.LogCaptureFixture
) -> None:
    held: list[Any] = []

    def record(batch: Any) -> None:
        held.append(batch)
        batch.teams.create(name="A")
        batch.teams.create(name="B")
        raise LookupError("stop")

    with caplog.at_level(logging.DEBUG, logger="keystone_client"), pytest.raises(LookupError):
        in_batch(run, client, record)
    [batch] = held
    assert "Batch of 2 actions discarded" in [r.getMessage() for r in caplog.records]
    assert (batch.submitted, batch.failed) == (False, False)
    assert repr(batch).endswith(" 2 actions dry_run=False discarded>")
    with pytest.raises(RuntimeError) as caught:
        batch.add("GET", "users/teams/")
    assert str(caught.value) == (
        "This batch was already discarded; start a new one with client.batch()"
    )
    with pytest.raises(RuntimeError) as caught:
        run(batch.submit())
    assert str(caught.value) == "This batch was already discarded"
    assert len(api.calls) == 0


def test_a_failed_batch_says_how_to_send_it_again(
    run: Runner, client: AnyClient, api: respx.MockRouter
) -> None:
    api.post(BATCH_URL).mock(
        side_effect=[
            httpx.Response(422, json={"detail": "Step #1 failed", "step": 1, "status": 400}),
            ok(step(1, "POST", "/users/teams/", f.team(2), status=201)),
        ]
    )
    batch = client.batch()
    batch.teams.create(name="T")
    with pytest.raises(Exception, match="Step #1 failed"):
        run(batch.submit())
    assert (batch.submitted, batch.failed, batch.results) == (True, True, [])
    assert repr(batch).endswith(" failed>")
    with pytest.raises(RuntimeError) as caught:
        batch.teams.create(name="more")
    assert str(caught.value) == (
        "This batch failed: submit() sends it again as recorded; to change it, start a new "
        "one with client.batch()"
    )
    results = run(batch.submit())
    assert [r.model.id for r in results] == [2]
    assert results == batch.results
    assert results is not batch.results  # a copy each time
    assert (batch.submitted, batch.failed) == (True, False)


def test_a_batch_says_it_is_sending_while_its_job_is_in_flight(
    run: Runner, client: AnyClient, api: respx.MockRouter
) -> None:
    batch = client.batch()
    batch.teams.get(1)
    seen: list[object] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.extend([repr(batch), batch.submitted, batch.failed])
        return ok(step(1, "GET", "/users/teams/1/", f.team(1)))

    api.post(BATCH_URL).mock(side_effect=answer)
    run(batch.submit())
    name = type(batch).__name__
    assert seen == [f"<{name} 1 action dry_run=False being sent>", False, False]
    assert repr(batch).endswith(" submitted>")


def test_an_empty_batch_is_submitted_without_a_request(
    run: Runner, client: AnyClient, api: respx.MockRouter, caplog: pytest.LogCaptureFixture
) -> None:
    batch = client.batch()
    with caplog.at_level(logging.DEBUG, logger="keystone_client"):
        assert run(batch.submit()) == []
    assert len(api.calls) == 0
    assert (batch.submitted, batch.failed) == (True, False)
    assert repr(batch).endswith(" 0 actions dry_run=False submitted>")
    assert not [r for r in caplog.records if "Submitting" in r.getMessage()]
    with pytest.raises(RuntimeError, match=r"^This batch was already submitted$"):
        run(batch.submit())


def test_submitting_logs_the_size_and_dry_run(
    run: Runner, client: AnyClient, api: respx.MockRouter, caplog: pytest.LogCaptureFixture
) -> None:
    route = api.post(BATCH_URL).mock(return_value=ok())

    def record(batch: Any) -> None:
        batch.teams.get(1)
        batch.teams.get(2)

    with caplog.at_level(logging.DEBUG, logger="keystone_client"):
        in_batch(run, client, record, dry_run=True)
    messages = [r.getMessage() for r in caplog.records]
    assert "Submitting a batch of 2 actions (dry_run=True)" in messages
    assert sent(route)["job"]["dry_run"] is True


# -- a throttled step ------------------------------------------------------------------------------


def throttled(step_number: int, detail: str) -> httpx.Response:
    """The server's 422 for a job whose step ``step_number`` was throttled."""
    return httpx.Response(
        422,
        json={
            "detail": f"Step #{step_number} (POST /users/teams/) failed with status 429",
            "step": step_number,
            "status": 429,
            "body": {"detail": detail},
        },
    )


def test_each_throttled_step_waits_and_counts_against_throttle_wait(
    run: Runner,
    make_client: Callable[..., AnyClient],
    api: respx.MockRouter,
    sleeps: list[float],
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = make_client(throttle_wait=100)
    route = api.post(BATCH_URL).mock(
        side_effect=[
            throttled(2, "Request was throttled. Expected available in 30 seconds."),
            throttled(1, "Request was throttled. Expected available in 45 seconds."),
            ok(step(1, "POST", "/users/teams/", f.team(2), status=201)),
        ]
    )
    batch = client.batch()
    batch.teams.create(name="T")
    with caplog.at_level(logging.INFO, logger="keystone_client"):
        results = run(batch.submit())
    assert [r.model.id for r in results] == [2]
    assert route.call_count == 3
    assert sleeps == [30.0, 45.0]
    waits = [r for r in caplog.records if r.levelno == logging.INFO]
    assert [r.getMessage() for r in waits] == [
        "Batch step 2 throttled (429): waiting 30.00s before sending the batch again "
        "(30s of 100s allowed)",
        "Batch step 1 throttled (429): waiting 45.00s before sending the batch again "
        "(75s of 100s allowed)",
    ]
    assert [(r.reason, r.wait, r.throttled_for) for r in waits] == [  # type: ignore[attr-defined]
        ("429 Too Many Requests", 30.0, 30.0),
        ("429 Too Many Requests", 45.0, 75.0),
    ]


def test_a_throttled_step_past_throttle_wait_raises(
    run: Runner, make_client: Callable[..., AnyClient], api: respx.MockRouter, sleeps: list[float]
) -> None:

    client = make_client(throttle_wait=100)
    route = api.post(BATCH_URL).mock(
        side_effect=[
            throttled(1, "Request was throttled. Expected available in 60 seconds."),
            throttled(1, "Request was throttled. Expected available in 41 seconds."),
        ]
    )
    batch = client.batch()
    batch.teams.create(name="T")
    with pytest.raises(BatchError) as caught:
        run(batch.submit())
    assert (caught.value.step, caught.value.status) == (1, 429)
    assert route.call_count == 2
    assert sleeps == [60.0]  # 60 + 41 would pass the 100 s allowed
    assert batch.failed


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (
            httpx.Response(422, text="<html>busy</html>", headers={"Content-Type": "text/html"}),
            "the server sent an HTML page, not JSON",
        ),
        (httpx.Response(422, json=[{"status": 429}]), "{'status': 429}"),
        (httpx.Response(422, json={"status": "429", "step": 1}), "status: 429"),
    ],
    ids=["not-json", "a-list", "status-text"],
)
def test_a_422_that_is_not_a_throttled_step_raises_at_once(
    run: Runner,
    client: AnyClient,
    api: respx.MockRouter,
    sleeps: list[float],
    answer: httpx.Response,
    message: str,
) -> None:
    route = api.post(BATCH_URL).mock(return_value=answer)
    batch = client.batch()
    batch.teams.get(1)
    with pytest.raises(BatchError) as caught:
        run(batch.submit())
    assert message in str(caught.value)
    assert caught.value.status_code == 422
    assert route.call_count == 1
    assert sleeps == []


# -- batch managers --------------------------------------------------------------------------------


def test_a_file_in_the_data_dict_leaves_the_callers_dict_alone(
    run: Runner, client: AnyClient, api: respx.MockRouter
) -> None:
    route = api.post(BATCH_URL).mock(return_value=ok())
    data = {"file": ("notes.txt", b"n", "text/plain"), "request": 2}

    def record(batch: Any) -> None:
        request = batch.allocation_requests.create(title="R")
        batch.attachments.create(data, request=request)

    in_batch(run, client, record)
    assert data == {"file": ("notes.txt", b"n", "text/plain"), "request": 2}
    body = route.calls.last.request
    assert body.headers["Content-Type"].startswith("multipart/form-data")
    assert b'name="a2_file"; filename="notes.txt"' in body.content
    assert b'"payload":{"request":"@ref{a1.id}","file":"@file{a2_file}"}' in body.content


def test_placeholders_and_records_in_a_data_dict_become_ids(
    run: Runner, client: AnyClient, api: respx.MockRouter
) -> None:
    route = api.post(BATCH_URL).mock(return_value=ok())

    def record(batch: Any) -> None:
        team = batch.teams.create(name="T")
        batch.grants.create({"team": team, "title": "G"}, amount="1")
        batch.grants.create({"team": Grant.model_validate(f.grant(9)).team, "title": "H"})

    in_batch(run, client, record)
    actions = sent(route)["job"]["actions"]
    assert actions[1]["payload"] == {"team": "@ref{a1.id}", "title": "G", "amount": "1"}
    assert actions[2]["payload"] == {"team": 1, "title": "H"}


@pytest.mark.parametrize(
    ("method", "path", "model"),
    [
        ("GET", "research/grants/5", "Grant"),
        ("delete", "/research/grants/@ref{a1.id}/", "Grant"),
        ("GET", "research/grants/5/?fields=id", "Grant"),
        ("GET", "research/grants/X", "Grant"),  # a key of letters
        ("POST", "research/grants", "Grant"),
        ("PATCH", "users/teams/2/", "Team"),
        ("GET", "research/grants", None),  # a page of records
        ("PUT", "research/grants/", None),
        ("GET", "research/grants/5/history", None),
        ("GET", "research/grantsx/5", None),
        ("GET", "elsewhere/5", None),
    ],
)
def test_a_raw_action_knows_the_record_its_path_returns(
    client: AnyClient, method: str, path: str, model: str | None
) -> None:
    placeholder = client.batch().add(method, path)
    if model is None:
        assert repr(placeholder) == "<Placeholder a1 id=@ref{a1.id}>"
        assert placeholder.anything == "@ref{a1.anything}"
    else:
        assert repr(placeholder) == f"<Placeholder a1 {model} id=@ref{{a1.id}}>"
        with pytest.raises(AttributeError):
            _ = placeholder.anything


def test_a_step_answer_without_ref_or_body_and_with_extra_keys(
    run: Runner, client: AnyClient, api: respx.MockRouter
) -> None:
    api.post(BATCH_URL).mock(
        return_value=httpx.Response(
            200,
            json={
                "results": [
                    {
                        "index": 1,
                        "method": "DELETE",
                        "path": "/users/teams/3/",
                        "status": 204,
                        "ms": 4,
                    }
                ],
                "dry_run": False,
            },
        )
    )
    batch = in_batch(run, client, lambda b: b.teams.delete(3))
    [result] = batch.results
    assert (result.ref, result.index, result.method, result.path) == (
        None,
        1,
        "DELETE",
        "/users/teams/3/",
    )
    assert (result.status, result.body, result.model) == (204, None, None)


def test_throttled_steps_without_a_stated_wait_back_off_longer_each_time(
    run: Runner,
    make_client: Callable[..., AnyClient],
    api: respx.MockRouter,
    sleeps: list[float],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("keystone_client._retry.random.uniform", lambda low, high: high)
    client = make_client(throttle_wait=100)
    route = api.post(BATCH_URL).mock(
        side_effect=[
            throttled(1, "Request was throttled."),
            throttled(1, "Request was throttled."),
            throttled(1, "Request was throttled."),
            ok(step(1, "POST", "/users/teams/", f.team(2), status=201)),
        ]
    )
    batch = client.batch()
    batch.teams.create(name="T")
    assert [r.status for r in run(batch.submit())] == [201]
    assert route.call_count == 4
    assert sleeps == [0.5, 1.0, 2.0]  # backoff_base 0.5, doubled per throttle


def test_dry_run_is_a_bool(run: Runner, client: AnyClient, api: respx.MockRouter) -> None:
    route = api.post(BATCH_URL).mock(return_value=ok())
    batch = in_batch(run, client, lambda b: b.teams.get(1), dry_run=1)
    assert batch.dry_run is True
    assert sent(route)["job"] == {
        "actions": [{"ref": "a1", "method": "GET", "path": "/users/teams/1/"}],
        "dry_run": True,
    }
    assert client.batch(dry_run=0).dry_run is False


def test_a_batch_built_directly_is_not_a_dry_run(client: AnyClient) -> None:
    batch = AsyncBatch(client) if isinstance(client, AsyncKeystoneClient) else Batch(client)
    assert batch.dry_run is False


def test_results_and_actions_are_copies(
    run: Runner, client: AnyClient, api: respx.MockRouter
) -> None:
    api.post(BATCH_URL).mock(return_value=ok(step(1, "GET", "/users/teams/1/", f.team(1))))
    batch = in_batch(run, client, lambda b: b.teams.get(1))
    batch.results.clear()
    assert len(batch.results) == 1
    assert isinstance(batch.actions, tuple)


def test_get_and_delete_placeholders_and_results_use_the_resource(
    run: Runner, client: AnyClient, api: respx.MockRouter
) -> None:
    # A DELETE answered with the record body is parsed like a raw DELETE on the same path.
    api.post(BATCH_URL).mock(
        return_value=ok(
            step(1, "GET", "/research/grants/5/", f.grant(5)),
            step(2, "DELETE", "/research/grants/6/", f.grant(6)),
        )
    )
    placeholders: list[Placeholder[Any]] = []
    batch = in_batch(
        run, client, lambda b: placeholders.extend([b.grants.get(5), b.grants.delete(6)])
    )
    assert [repr(p) for p in placeholders] == [
        "<Placeholder a1 Grant id=@ref{a1.id}>",
        "<Placeholder a2 Grant id=@ref{a2.id}>",
    ]
    assert [p.title for p in placeholders] == ["@ref{a1.title}", "@ref{a2.title}"]
    models = [r.model for r in batch.results]
    assert all(isinstance(m, Grant) for m in models)
    assert [m.id for m in models if m is not None] == [5, 6]

"""Collection declarations, the generic managers and the statistics: edge cases (sync + async)."""

from __future__ import annotations

import json
from typing import Any

import pytest
import respx

from keystone_client import (
    APIError,
    AsyncBatch,
    AsyncKeystoneClient,
    Batch,
    FieldError,
    FilterError,
    KeystoneClient,
)
from keystone_client._batch_managers import BatchManager, BatchReadManager, BatchUpdatableManager
from keystone_client._filters import NUMBER, TEXT
from keystone_client.models import (
    AllocationRequestStats,
    Grant,
    GrantStats,
    KeystoneModel,
    NotificationStats,
    PublicationStats,
    Record,
)
from keystone_client.resources import (
    AsyncListManager,
    AsyncManager,
    AsyncReadOnlyManager,
    AsyncResources,
    AsyncStats,
    AsyncUpdatableManager,
    ListManager,
    Manager,
    ReadOnlyManager,
    Resources,
    Stats,
    UpdatableManager,
)
from keystone_client.resources._catalog import Collections
from keystone_client.resources._declarations import (
    AsyncFace,
    BatchFace,
    Face,
    Full,
    ListOnly,
    ReadOnly,
    Statistics,
    SyncFace,
    Updatable,
    serve_collections,
)
from keystone_client.resources._spec import Access

from . import factories as f
from .conftest import BASE, Runner

AnyClient = KeystoneClient | AsyncKeystoneClient


class Gadget(Record):
    name: str = ""


def face_class(client: AnyClient) -> type[Any]:
    return AsyncResources if isinstance(client, AsyncKeystoneClient) else Resources


def batch_class(client: AnyClient) -> type[Any]:
    return AsyncBatch if isinstance(client, AsyncKeystoneClient) else Batch


def sent_json(route: respx.Route) -> Any:
    return json.loads(route.calls.last.request.content)


# -- declarations ----------------------------------------------------------------------------------


def test_a_declaration_passes_every_argument_to_its_spec() -> None:
    filters = {"id": NUMBER, "name": TEXT}
    choices = {"kind": "gadgets/gadget-choices/kind/"}

    class Table:
        gadgets = Full(
            endpoint="gadgets/gadgets/",
            model=Gadget,
            filters=filters,
            create_fields=frozenset({"name", "kind"}),
            update_fields=frozenset({"name"}),
            choices=choices,
            keyset_order="-id",
            file_field="blob",
            ordering=frozenset({"name"}),
        )

    spec = Table.gadgets.spec
    assert spec.name == "gadgets"
    assert spec.endpoint == "gadgets/gadgets/"
    assert spec.model is Gadget
    assert spec.filters == filters
    assert spec.create_fields == {"name", "kind"}
    assert spec.update_fields == {"name"}
    assert spec.choices == choices
    assert spec.choices is not choices
    assert spec.keyset_order == "-id"
    assert spec.file_field == "blob"
    assert spec.access is Access.FULL
    assert spec.ordering == {"name"}


def test_a_declaration_s_defaults() -> None:
    class Table:
        gadgets = ReadOnly(endpoint="gadgets/", model=Gadget, filters={"id": NUMBER})

    spec = Table.gadgets.spec
    assert spec.create_fields == frozenset()
    assert spec.update_fields is None
    assert spec.choices == {}
    assert spec.keyset_order == "id"
    assert spec.file_field is None
    assert spec.ordering is None
    assert spec.access is Access.READ_ONLY


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("grants", "Full(grants)"),
        ("notifications", "Updatable(notifications)"),
        ("audit_logs", "ReadOnly(audit_logs)"),
        ("feed", "ListOnly(feed)"),
    ],
)
def test_a_declaration_s_repr_names_its_class_and_collection(name: str, text: str) -> None:
    assert repr(vars(Collections)[name]) == text


def test_read_on_a_class_a_declaration_is_itself() -> None:
    assert isinstance(Resources.grants, Full)
    assert isinstance(AsyncResources.feed, ListOnly)
    assert isinstance(Resources.audit_logs, ReadOnly)
    assert isinstance(Batch.notifications, Updatable)
    assert isinstance(Resources.stats, Statistics)
    assert isinstance(Batch.stats, Statistics)


@pytest.mark.parametrize("kind", [Full, Updatable, ReadOnly, ListOnly])
def test_a_declaration_on_a_plain_class_is_a_missing_attribute(kind: Any) -> None:
    class Table:
        gadgets = kind(endpoint="gadgets/", model=Gadget, filters={"id": NUMBER})

    with pytest.raises(AttributeError) as info:
        Table().gadgets  # noqa: B018
    assert str(info.value) == "'Table' object has no attribute 'gadgets'"


def test_a_list_only_collection_in_a_batch_says_why(client: AnyClient) -> None:
    class Table:
        ticker = ListOnly(endpoint="gadgets/ticker/", model=Gadget, filters={"id": NUMBER})

    batch: Any = type("TickerBatch", (Table, batch_class(client)), {})(client)
    with pytest.raises(AttributeError) as info:
        batch.ticker  # noqa: B018
    assert str(info.value) == "ticker has no operation a batch can run (it is read-only)"
    with pytest.raises(AttributeError) as info:
        client.batch().feed  # noqa: B018
    assert str(info.value) == "feed has no operation a batch can run (it is read-only)"


def test_statistics_in_a_batch_say_why(client: AnyClient) -> None:
    with pytest.raises(AttributeError) as info:
        client.batch().stats  # noqa: B018
    assert str(info.value) == "Statistics cannot be read in a batch"


@pytest.mark.parametrize(
    ("kind", "sync", "asynchronous", "batch"),
    [
        (Full, Manager, AsyncManager, BatchManager),
        (Updatable, UpdatableManager, AsyncUpdatableManager, BatchUpdatableManager),
        (ReadOnly, ReadOnlyManager, AsyncReadOnlyManager, BatchReadManager),
        (ListOnly, ListManager, AsyncListManager, None),
    ],
)
def test_each_declaration_builds_its_manager_on_each_face(
    kind: Any, sync: type, asynchronous: type, batch: Any
) -> None:
    class Table:
        gadgets = kind(endpoint="gadgets/", model=Gadget, filters={"id": NUMBER})

    owner = object()
    declaration = Table.gadgets
    built = {face: declaration.build(face, owner) for face in Face}
    assert type(built[Face.SYNC]) is sync
    assert type(built[Face.ASYNC]) is asynchronous
    if batch is None:
        assert built[Face.BATCH] is None
    else:
        assert type(built[Face.BATCH]) is batch
    for manager in filter(None, built.values()):
        assert manager.spec is declaration.spec
    assert built[Face.SYNC]._client is owner
    assert built[Face.ASYNC]._client is owner
    if batch is not None:
        assert built[Face.BATCH]._batch is owner


def test_the_faces_hold_their_managers_as_instance_attributes(client: AnyClient) -> None:
    resources = client.resources
    held = vars(resources)
    assert isinstance(held["grants"], Manager | AsyncManager)
    assert isinstance(held["feed"], ListManager | AsyncListManager)
    assert isinstance(held["stats"], Stats | AsyncStats)
    assert held["grants"]._client is client
    assert held["stats"]._client is client
    batch = client.batch()
    assert isinstance(vars(batch)["grants"], BatchManager)
    assert "feed" not in vars(batch)
    assert "stats" not in vars(batch)


def test_serve_collections_runs_managers_through_the_owner_given() -> None:
    class Table:
        gadgets = Full(endpoint="gadgets/", model=Gadget, filters={"id": NUMBER})
        ticker = ListOnly(endpoint="ticker/", model=Gadget, filters={"id": NUMBER})

    class Host(Table):
        pass

    host: Any = Host()
    owner = object()
    serve_collections(host, Face.BATCH, owner)
    assert type(vars(host)["gadgets"]) is BatchManager
    assert vars(host)["gadgets"]._batch is owner
    assert "ticker" not in vars(host)
    serve_collections(host, Face.SYNC, owner)
    assert type(vars(host)["ticker"]) is ListManager
    assert vars(host)["ticker"]._client is owner


def test_a_subclass_s_declaration_wins_over_its_base_s(
    client: AnyClient, run: Runner, api: respx.MockRouter
) -> None:
    class Narrower:
        grants = ReadOnly(endpoint="other/grants/", model=Grant, filters={"id": NUMBER})

    # The subclass comes first in the method resolution order, the stock table after it.
    resources: Any = type("Narrowed", (Narrower, face_class(client)), {})(client)
    manager = resources.grants
    assert manager.spec.endpoint == "other/grants/"
    assert not hasattr(manager, "update")
    route = api.get(f"{BASE}other/grants/5/").respond(200, json=f.grant(5))
    assert run(manager.get(5)).id == 5
    assert route.call_count == 1


def test_statistics_take_the_filters_of_their_own_table(
    client: AnyClient, run: Runner, api: respx.MockRouter
) -> None:
    class Table:
        grants = Full(endpoint="gadgets/grants/", model=Grant, filters={"sponsor": TEXT})
        stats = Statistics()

    base = AsyncFace if isinstance(client, AsyncKeystoneClient) else SyncFace
    resources: Any = type("WithStats", (Table, base), {})(client)
    route = api.get(f"{BASE}stats/grants/").respond(200, json=f.grant_stats())
    stats = run(resources.stats.grants(sponsor="NSF"))
    assert isinstance(stats, GrantStats)
    assert dict(route.calls.last.request.url.params) == {"sponsor": "NSF"}
    with pytest.raises(FilterError, match="agency"):
        run(resources.stats.grants(agency="NSF"))
    assert route.call_count == 1


def test_statistics_build_per_face() -> None:
    owner = object()
    declaration = Collections.__dict__["stats"]
    sync = declaration.build(Face.SYNC, owner)
    asynchronous = declaration.build(Face.ASYNC, owner)
    assert type(sync) is Stats
    assert type(asynchronous) is AsyncStats
    assert declaration.build(Face.BATCH, owner) is None
    assert sync._client is owner and asynchronous._client is owner
    assert sync._collections["grants"] is Collections.grants.spec
    assert set(sync._collections) == {
        name
        for name, value in vars(Collections).items()
        if isinstance(value, Full | Updatable | ReadOnly | ListOnly)
    }


def test_a_batch_face_runs_its_managers_through_itself(client: AnyClient) -> None:
    batch = client.batch()
    assert isinstance(batch, BatchFace)
    assert batch.grants._batch is batch


# -- managers --------------------------------------------------------------------------------------


class Plain(KeystoneModel):
    id: int = 0


def gadget_resources(client: AnyClient, declaration: Any) -> Any:
    """A face of ``client`` serving one more collection, ``gadgets``."""
    table = type("Table", (), {"gadgets": declaration})
    declaration.__set_name__(table, "gadgets")
    return type("WithGadgets", (table, face_class(client)), {})(client)


def test_the_query_methods_start_from_every_record(
    client: AnyClient, run: Runner, api: respx.MockRouter
) -> None:
    grants = client.resources.grants
    route = api.get(f"{BASE}research/grants/").respond(200, json=f.page([f.grant(2)]))
    assert [g.id for g in run.all(grants.all())] == [2]
    assert dict(route.calls.last.request.url.params) == {
        "_limit": str(client.page_size),
        "_order": "id",
    }
    assert [g.id for g in run.all(grants.filter(agency="NSF"))] == [2]
    assert route.calls.last.request.url.params["agency"] == "NSF"
    assert [g.id for g in run.all(grants.order_by("-title"))] == [2]
    assert route.calls.last.request.url.params["_order"] == "-title"
    assert [g.id for g in run.all(grants.search("quantum"))] == [2]
    assert route.calls.last.request.url.params["_search"] == "quantum"
    assert [g.id for g in run(grants.list(title="T"))] == [2]
    assert route.calls.last.request.url.params["title"] == "T"


def test_count_passes_its_filters(client: AnyClient, run: Runner, api: respx.MockRouter) -> None:
    route = api.get(f"{BASE}research/grants/").respond(200, json=f.page([f.grant(1)], count=7))
    assert run(client.resources.grants.count(agency="DOE")) == 7
    assert dict(route.calls.last.request.url.params) == {"agency": "DOE", "_limit": "1"}


def test_update_of_a_model_patches_its_id(
    client: AnyClient, run: Runner, api: respx.MockRouter
) -> None:
    route = api.patch(f"{BASE}research/grants/4/").respond(200, json=f.grant(4, title="N"))
    grant = Grant.model_validate(f.grant(4))
    updated = run(client.resources.grants.update(grant, title="N"))
    assert isinstance(updated, Grant)
    assert updated.title == "N"
    assert route.calls.last.request.method == "PATCH"
    assert sent_json(route) == {"title": "N"}


def test_replace_refuses_fields_the_update_does_not_accept(
    client: AnyClient, run: Runner, api: respx.MockRouter
) -> None:
    with pytest.raises(FieldError, match="'name'"):
        run(client.resources.teams.replace(2, name="Renamed"))
    route = api.put(f"{BASE}users/teams/2/").respond(200, json=f.team(2, is_active=False))
    assert run(client.resources.teams.replace(2, is_active=False)).is_active is False
    assert route.calls.last.request.method == "PUT"
    assert sent_json(route) == {"is_active": False}


def test_create_refuses_fields_the_server_does_not_accept(
    client: AnyClient, run: Runner, api: respx.MockRouter
) -> None:
    with pytest.raises(FieldError, match="'slug'"):
        run(client.resources.teams.create(name="T", slug="t"))
    assert not api.calls


def test_create_posts_a_dict_merged_with_keywords(
    client: AnyClient, run: Runner, api: respx.MockRouter
) -> None:
    route = api.post(f"{BASE}research/grants/").respond(201, json=f.grant(2))
    grant = run(client.resources.grants.create({"title": "D", "agency": "NSF"}, agency="DOE"))
    assert isinstance(grant, Grant)
    assert grant.id == 2
    assert route.calls.last.request.method == "POST"
    assert sent_json(route) == {"title": "D", "agency": "DOE"}


def test_a_file_is_sent_as_multipart_form_data(
    client: AnyClient, run: Runner, api: respx.MockRouter
) -> None:
    created = api.post(f"{BASE}allocations/attachments/").respond(201, json=f.attachment(4))
    replaced = api.put(f"{BASE}allocations/attachments/4/").respond(200, json=f.attachment(4))
    run(client.resources.attachments.create(file=("a.txt", b"first"), name="A", request=2))
    run(client.resources.attachments.replace(4, file=("b.txt", b"second"), name="B", request=2))
    for route, filename, content, name in (
        (created, "a.txt", b"first", b"A"),
        (replaced, "b.txt", b"second", b"B"),
    ):
        request = route.calls.last.request
        assert request.headers["Content-Type"].startswith("multipart/form-data; boundary=")
        body = request.content
        assert f'name="file"; filename="{filename}"'.encode() in body
        assert b"\r\n\r\n" + content + b"\r\n" in body
        assert b'name="name"\r\n\r\n' + name + b"\r\n" in body
        assert b'name="request"\r\n\r\n2\r\n' in body


def test_save_of_an_unchanged_record_returns_it_unsent(
    client: AnyClient, run: Runner, api: respx.MockRouter
) -> None:
    grant = Grant.model_validate(f.grant(3))
    assert run(client.resources.grants.save(grant)) is grant
    assert not api.calls


def test_save_returns_the_record_as_the_server_saved_it(
    client: AnyClient, run: Runner, api: respx.MockRouter
) -> None:
    route = api.patch(f"{BASE}research/grants/3/").respond(
        200, json=f.grant(3, title="Renamed by the server")
    )
    grant = Grant.model_validate(f.grant(3))
    grant.title = "Renamed"
    saved = run(client.resources.grants.save(grant))
    assert saved is not grant
    assert saved.title == "Renamed by the server"
    assert route.calls.last.request.method == "PATCH"
    assert sent_json(route) == {"title": "Renamed"}
    assert grant.changed_fields() == {}


def test_save_of_something_else_names_the_model_it_needs(client: AnyClient, run: Runner) -> None:
    with pytest.raises(TypeError) as info:
        run(client.resources.grants.save({"id": 1}))  # type: ignore[arg-type]
    assert str(info.value) == "save() needs a Grant fetched from the server"


def test_save_needs_a_record_even_of_the_collection_s_model(
    client: AnyClient, run: Runner, api: respx.MockRouter
) -> None:
    resources = gadget_resources(
        client, Updatable(endpoint="gadgets/", model=Plain, filters={"id": NUMBER})
    )
    with pytest.raises(TypeError) as info:
        run(resources.gadgets.save(Plain(id=1)))
    assert str(info.value) == "save() needs a Plain fetched from the server"
    assert not api.calls


def test_choices_lists_the_fields_that_have_them(
    client: AnyClient, run: Runner, api: respx.MockRouter
) -> None:
    resources = gadget_resources(
        client,
        ReadOnly(
            endpoint="gadgets/",
            model=Gadget,
            filters={"id": NUMBER},
            choices={"size": "gadgets/choices/size/", "kind": "gadgets/choices/kind/"},
        ),
    )
    with pytest.raises(FieldError) as info:
        run(resources.gadgets.choices("colour"))
    assert str(info.value) == (
        "gadgets has no choices for 'colour'; fields with choices: kind, size"
    )
    with pytest.raises(FieldError) as info:
        run(client.resources.grants.choices("agency"))
    assert str(info.value) == "grants has no choices for 'agency'; fields with choices: none"
    assert not api.calls
    route = api.get(f"{BASE}gadgets/choices/size/").respond(200, json={"S": "Small"})
    assert run(resources.gadgets.choices("size")) == {"S": "Small"}
    assert route.calls.last.request.method == "GET"


def test_choices_must_be_labels(client: AnyClient, run: Runner, api: respx.MockRouter) -> None:
    api.get(f"{BASE}users/membership-choices/role/").respond(200, json={"OW": ["Owner"]})
    with pytest.raises(APIError, match="at OW: Input should be a valid string"):
        run(client.resources.memberships.choices("role"))


def test_delete_raises_for_a_server_error(
    client: AnyClient, run: Runner, api: respx.MockRouter
) -> None:
    from keystone_client import PermissionDeniedError

    route = api.delete(f"{BASE}users/teams/2/").respond(403, json={"detail": "No."})
    with pytest.raises(PermissionDeniedError):
        run(client.resources.teams.delete(2))
    assert route.calls.last.request.url.path == "/users/teams/2/"


# -- statistics ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "filters", "collection"),
    [
        ("requests", {"status__in": []}, "allocation_requests"),
        ("grants", {"id__in": []}, "grants"),
        ("publications", {"team__in": []}, "publications"),
        ("notifications", {"id__in": []}, "notifications"),
    ],
)
def test_statistics_of_nothing_are_refused_before_sending(
    client: AnyClient,
    run: Runner,
    api: respx.MockRouter,
    method: str,
    filters: dict[str, Any],
    collection: str,
) -> None:
    with pytest.raises(FilterError) as info:
        run(getattr(client.resources.stats, method)(**filters))
    assert str(info.value) == (
        f"These {collection} filters match no record (an empty __in list); "
        "the server cannot compute statistics of nothing"
    )
    assert not api.calls


@pytest.mark.parametrize(
    ("method", "endpoint", "filters", "params", "body", "model"),
    [
        (
            "requests",
            "stats/requests/",
            {"title": "T"},
            {"title": "T"},
            f.request_stats(),
            AllocationRequestStats,
        ),
        ("grants", "stats/grants/", {"team_id": 4}, {"team": "4"}, f.grant_stats(), GrantStats),
        (
            "publications",
            "stats/publications/",
            {"journal": "J"},
            {"journal": "J"},
            f.publication_stats(),
            PublicationStats,
        ),
        (
            "notifications",
            "stats/notifications/",
            {"subject": "S"},
            {"subject": "S"},
            {"total": 1, "unread": 0},
            NotificationStats,
        ),
    ],
)
def test_each_statistic_takes_its_collection_s_filters(
    client: AnyClient,
    run: Runner,
    api: respx.MockRouter,
    method: str,
    endpoint: str,
    filters: dict[str, Any],
    params: dict[str, str],
    body: dict[str, Any],
    model: type,
) -> None:
    route = api.get(f"{BASE}{endpoint}").respond(200, json=body)
    result = run(getattr(client.resources.stats, method)(**filters))
    assert type(result) is model
    assert route.calls.last.request.method == "GET"
    assert dict(route.calls.last.request.url.params) == params


@pytest.mark.parametrize(
    ("method", "collection"),
    [
        ("requests", "allocation_requests"),
        ("grants", "grants"),
        ("publications", "publications"),
        ("notifications", "notifications"),
    ],
)
def test_an_unknown_statistics_filter_names_the_collection(
    client: AnyClient, run: Runner, api: respx.MockRouter, method: str, collection: str
) -> None:
    with pytest.raises(FilterError) as info:
        run(getattr(client.resources.stats, method)(nonsense=1))
    assert str(info.value).startswith(
        f"Unknown filter field 'nonsense' for {collection}; valid fields: "
    )
    assert not api.calls


def test_a_manager_s_repr_names_its_class_collection_and_endpoint(client: AnyClient) -> None:
    manager = client.resources.grants
    expected = f"<{type(manager).__name__} grants at research/grants/>"
    assert repr(manager) == expected
    assert (
        repr(client.resources.users)
        == f"<{type(client.resources.users).__name__} users at users/users/>"
    )
    assert type(manager).__name__ in ("Manager", "AsyncManager")

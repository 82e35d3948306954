"""The package's shape: imports run one way, and each collection is declared once."""

from __future__ import annotations

import ast
import asyncio
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

import keystone_client
from keystone_client import (
    AsyncBatch,
    AsyncKeystoneClient,
    Batch,
    FieldError,
    KeystoneClient,
)
from keystone_client._batch_managers import BatchUpdatableManager
from keystone_client._filters import NUMBER, TEXT
from keystone_client.models import Record
from keystone_client.resources import (
    AsyncResources,
    AsyncUpdatableManager,
    Resources,
    UpdatableManager,
)
from keystone_client.resources._catalog import ALL_SPECS, Collections, iter_specs
from keystone_client.resources._declarations import Collection, Full, ListOnly, Updatable
from keystone_client.resources._spec import Access

from . import factories as f
from .conftest import BASE, Runner

AnyClient = KeystoneClient | AsyncKeystoneClient

PACKAGE = Path(keystone_client.__file__).parent
LOGIN = "/authentication/login/"

# Top to bottom; a module may import from its own tier or any tier below it, never above.
TIERS: list[tuple[str, tuple[str, ...]]] = [
    ("applications", ("keystone_client.cli", "keystone_client.testing")),
    ("client", ("keystone_client", "keystone_client._client")),
    (
        "resources and batch",
        (
            "keystone_client._batch",
            "keystone_client._batch_managers",
            "keystone_client._batch_job",
            "keystone_client.resources",
        ),
    ),
    (
        "queries and pagination",
        ("keystone_client._query", "keystone_client._pagination", "keystone_client._query_state"),
    ),
    ("core", ("keystone_client._base_client", "keystone_client._runners")),
    (
        "leaves",
        (
            "keystone_client._settings",
            "keystone_client._filters",
            "keystone_client._payload",
            "keystone_client._response",
            "keystone_client._retry",
            "keystone_client._ids",
            "keystone_client._paths",
            "keystone_client._pacing",
            "keystone_client._concurrency",
            "keystone_client._placeholders",
            "keystone_client._resource_spec",
            "keystone_client._version",
            "keystone_client.errors",
            "keystone_client.models",
        ),
    ),
]


def module_names() -> dict[str, Path]:
    names = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = path
    return names


def tier_of(module: str) -> int:
    best: tuple[int, int] | None = None  # (length of the matching name, tier)
    for index, (_, names) in enumerate(TIERS):
        for name in names:
            matches = module == name or (
                name != "keystone_client" and module.startswith(f"{name}.")
            )
            if matches and (best is None or len(name) > best[0]):
                best = (len(name), index)
    assert best is not None, f"{module} belongs to no tier: place it in TIERS"
    return best[1]


def imports_of(module: str, path: Path, known: dict[str, Path]) -> set[str]:
    """Every package module ``module`` imports, TYPE_CHECKING ones and packages run included."""
    is_package = path.name == "__init__.py"
    targets: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                base = base[: len(base) - node.level + (1 if is_package else 0)]
                source = ".".join([*base, *([node.module] if node.module else [])])
            else:
                source = node.module or ""
            targets.add(source)
            targets.update(f"{source}.{alias.name}" for alias in node.names)
    found = set()
    for target in targets:
        if target not in known:
            continue
        found.add(target)
        # Importing a.b.c runs the package a.b first, unless the importer lives inside it.
        parts = target.split(".")
        for depth in range(2, len(parts)):
            parent = ".".join(parts[:depth])
            if not (module == parent or module.startswith(f"{parent}.")):
                found.add(parent)
    # The packages that hold the importer are running already.
    return {target for target in found if not module.startswith(f"{target}.")} - {module}


def import_graph() -> dict[str, set[str]]:
    known = module_names()
    return {name: imports_of(name, path, known) for name, path in known.items()}


def test_every_module_has_a_tier() -> None:
    for module in module_names():
        tier_of(module)


def test_no_import_runs_up_a_tier() -> None:
    upward = [
        f"{source} ({TIERS[tier_of(source)][0]}) imports {target} ({TIERS[tier_of(target)][0]})"
        for source, targets in import_graph().items()
        for target in targets
        if tier_of(target) < tier_of(source)
    ]
    assert upward == []


def test_no_import_circle() -> None:
    graph = import_graph()
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> Iterator[list[str]]:
        if node in path:
            yield [*path[path.index(node) :], node]
            return
        if node in done:
            return
        for target in sorted(graph[node]):
            yield from visit(target, [*path, node])
        done.add(node)

    circles = [circle for node in sorted(graph) for circle in visit(node, [])]
    assert circles == []


def test_the_graph_sees_type_checking_imports(tmp_path: Path) -> None:
    source = tmp_path / "keystone_client" / "_probe.py"
    source.parent.mkdir()
    source.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from ._client import KeystoneClient\n"
        "from .resources._catalog import Collections\n"
    )
    known = {**module_names(), "keystone_client._probe": source}
    found = imports_of("keystone_client._probe", source, known)
    assert {
        "keystone_client._client",
        "keystone_client.resources",
        "keystone_client.resources._catalog",
    } <= found


# -- one declaration per collection ----------------------------------------------------------


def declarations() -> dict[str, Collection[Any]]:
    return {
        name: value for name, value in vars(Collections).items() if isinstance(value, Collection)
    }


def test_the_table_declares_every_collection_once_named_by_its_attribute() -> None:
    table = declarations()
    assert [d.spec for d in table.values()] == list(ALL_SPECS) == list(iter_specs())
    assert len(ALL_SPECS) == 17
    for name, declaration in table.items():
        assert declaration.spec.name == name
        assert declaration.access is declaration.spec.access
    kinds = {name: type(d).__name__ for name, d in table.items() if type(d) is not Full}
    assert kinds == {
        "notifications": "Updatable",
        "audit_logs": "ReadOnly",
        "request_logs": "ReadOnly",
        "task_logs": "ReadOnly",
        "feed": "ListOnly",
    }


def test_the_descriptor_class_is_the_access() -> None:
    class Table:
        gadgets = Updatable(endpoint="gadgets/", model=Record, filters={"id": NUMBER})

    (spec,) = iter_specs(Table)
    assert (spec.name, spec.access, spec.endpoint) == ("gadgets", Access.UPDATABLE, "gadgets/")
    assert spec.operations == {"list", "count", "get", "choices", "update", "save"}


def test_each_face_serves_exactly_the_declared_operations(client: AnyClient) -> None:
    batch = client.batch()
    for name, declaration in declarations().items():
        manager = getattr(client.resources, name)
        ops = declaration.spec.operations
        for op in ("get", "choices", "update", "save", "create", "replace", "delete"):
            assert hasattr(manager, op) == (op in ops), (name, op)
        single = {"get", "update", "create", "replace", "delete"} & ops
        if not single:
            assert not hasattr(batch, name)
            assert name not in dir(batch)
            continue
        batch_manager = getattr(batch, name)
        for op in ("get", "update", "create", "replace", "delete"):
            assert hasattr(batch_manager, op) == (op in single), (name, op)
        assert batch_manager.spec is manager.spec is declaration.spec
    assert "stats" not in dir(batch)


class Widget(Record):
    name: str


class WithWidgets:
    """A collection the server might add: one declaration (and its model), nothing else."""

    widgets = Updatable(
        endpoint="gadgets/widgets/",
        model=Widget,
        filters={"id": NUMBER, "name": TEXT},
        create_fields=frozenset({"name"}),
        ordering=frozenset({"id", "name"}),
    )


def test_a_new_collection_gets_sync_async_and_batch_managers(
    client: AnyClient, run: Runner, api: respx.MockRouter
) -> None:
    is_async = isinstance(client, AsyncKeystoneClient)
    face = AsyncResources if is_async else Resources
    resources: Any = type("Extended", (WithWidgets, face), {})(client)
    manager = resources.widgets
    assert type(manager) is (AsyncUpdatableManager if is_async else UpdatableManager)
    assert not hasattr(manager, "create") and not hasattr(manager, "delete")

    route = api.patch(f"{BASE}gadgets/widgets/3/").respond(200, json={"id": 3, "name": "W"})
    widget = run(manager.update(3, name="W"))
    assert isinstance(widget, Widget) and widget.name == "W"
    assert route.calls.last.request.content == b'{"name":"W"}'
    listing = api.get(f"{BASE}gadgets/widgets/").respond(200, json=f.page([]))
    assert run.all(manager.order_by("-name")) == []
    assert listing.calls.last.request.url.params["_order"] == "-name"

    batch_class = AsyncBatch if is_async else Batch
    batch: Any = type("ExtendedBatch", (WithWidgets, batch_class), {})(client)
    assert type(batch.widgets) is BatchUpdatableManager
    assert not hasattr(batch.widgets, "create")
    batch.widgets.update(4, name="V")
    assert [(a.method, a.path, a.payload) for a in batch.actions] == [
        ("PATCH", "/gadgets/widgets/4/", {"name": "V"})
    ]
    # The stock faces stay as they were.
    assert not hasattr(client.resources, "widgets")


def test_a_list_only_collection_has_no_batch_manager(client: AnyClient) -> None:
    class WithTicker:
        ticker = ListOnly(endpoint="gadgets/ticker/", model=Widget, filters={"id": NUMBER})

    batch_class = AsyncBatch if isinstance(client, AsyncKeystoneClient) else Batch
    batch: Any = type("TickerBatch", (WithTicker, batch_class), {})(client)
    with pytest.raises(AttributeError, match="no operation a batch can run"):
        batch.ticker  # noqa: B018
    assert "ticker" not in dir(batch)


# -- ids are positional only -------------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.resources.grants.update(3, id=5),
        lambda c: c.resources.grants.replace(3, id=5, title="G"),
        lambda c: c.resources.notifications.update(3, id=5),
    ],
)
def test_an_id_field_next_to_the_id_is_a_read_only_field(
    client: AnyClient, run: Runner, api: respx.MockRouter, call: Any
) -> None:
    with pytest.raises(FieldError, match=r"'id' \(unknown or read-only\)"):
        run(call(client))
    assert len(api.calls) == 0


def test_an_id_field_in_a_batch_is_a_read_only_field(client: AnyClient) -> None:
    batch = client.batch()
    with pytest.raises(FieldError, match="'id'"):
        batch.grants.update(3, id=5)
    with pytest.raises(FieldError, match="'id'"):
        batch.grants.replace(3, id=5)
    assert len(batch) == 0


# -- one login for threads sharing a client ------------------------------------------------------


class SessionServer:
    """Issues session cookies; `revoke()` ends the current session, as an expiry would."""

    def __init__(self, waiting: int) -> None:
        self.lock = threading.Lock()
        self.logins = 0
        self.session: str | None = None
        # Holds back the 401s until every thread has one, so all of them see the session end.
        self.refusals = threading.Barrier(waiting)
        self.revoked = False

    def revoke(self) -> None:
        self.session, self.revoked = "revoked", True

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == LOGIN:
            # Keeps the login in flight a moment, so that a second login would overlap it.
            time.sleep(0.05)
            with self.lock:
                self.logins += 1
                self.session = f"s{self.logins}"
            return httpx.Response(
                200, json=f.user(1), headers={"Set-Cookie": f"sessionid={self.session}; Path=/"}
            )
        if f"sessionid={self.session}" not in request.headers.get("cookie", ""):
            if self.revoked:
                self.refusals.wait(timeout=30)
            return httpx.Response(401, json={"detail": "Authentication credentials expired."})
        return httpx.Response(200, json=f.grant(int(request.url.path.split("/")[-2])))


def test_threads_sharing_a_sync_client_log_in_once_when_the_session_expires() -> None:
    threads = 6
    server = SessionServer(waiting=threads)
    client = KeystoneClient(
        url=BASE, username="user1", password="pw", transport=httpx.MockTransport(server)
    )
    with client, ThreadPoolExecutor(threads) as pool:
        first = list(pool.map(client.resources.grants.get, range(1, threads + 1)))
        assert [grant.id for grant in first] == list(range(1, threads + 1))
        assert server.logins == 1

        server.revoke()
        second = list(pool.map(client.resources.grants.get, range(11, threads + 11)))
        assert [grant.id for grant in second] == list(range(11, threads + 11))
        assert server.logins == 2
        assert server.session == "s2"


class AsyncSessionServer(SessionServer):
    """`SessionServer` for tasks: the 401s wait on an asyncio barrier."""

    def __init__(self, waiting: int) -> None:
        super().__init__(waiting)
        self.async_refusals = asyncio.Barrier(waiting)

    async def handle(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == LOGIN:
            # Let every other task run up to its next wait while this login is in flight.
            for _ in range(20):
                await asyncio.sleep(0)
        cookie = request.headers.get("cookie", "")
        if self.revoked and request.url.path != LOGIN and f"sessionid={self.session}" not in cookie:
            await asyncio.wait_for(self.async_refusals.wait(), 30)
            return httpx.Response(401, json={"detail": "Authentication credentials expired."})
        return self(request)


def test_tasks_sharing_an_async_client_log_in_once_when_the_session_expires() -> None:
    tasks = 6
    server = AsyncSessionServer(waiting=tasks)

    async def scenario() -> None:
        client = AsyncKeystoneClient(
            url=BASE, username="user1", password="pw", transport=httpx.MockTransport(server.handle)
        )
        async with client:
            grants = client.resources.grants
            first = await asyncio.gather(*(grants.get(i) for i in range(1, tasks + 1)))
            assert [grant.id for grant in first] == list(range(1, tasks + 1))
            assert server.logins == 1

            server.revoke()
            second = await asyncio.gather(*(grants.get(i) for i in range(11, tasks + 11)))
            assert [grant.id for grant in second] == list(range(11, tasks + 11))
            assert server.logins == 2

    asyncio.run(scenario())


# -- filters and ordering the server offers ----------------------------------------------------


@pytest.mark.parametrize(
    "filters", [{"password": "x"}, {"password__startswith": "pbkdf2"}, {"password__isnull": False}]
)
def test_users_cannot_be_filtered_by_password(
    client: AnyClient, run: Runner, api: respx.MockRouter, filters: dict[str, Any]
) -> None:
    with pytest.raises(keystone_client.FilterError, match="'password'"):
        client.resources.users.filter(**filters)
    with pytest.raises(keystone_client.FilterError, match="'password'"):
        run(client.resources.users.count(**filters))
    assert len(api.calls) == 0


@pytest.mark.parametrize(
    ("resource", "field"),
    [("users", "password"), ("notifications", "message_text"), ("audit_logs", "object_repr")],
)
def test_order_by_a_field_the_server_cannot_order_by_is_refused(
    client: AnyClient, api: respx.MockRouter, resource: str, field: str
) -> None:
    manager = getattr(client.resources, resource)
    with pytest.raises(
        keystone_client.FilterError, match=rf"Cannot order {resource} by '{field}'; valid"
    ):
        manager.order_by(f"-{field}")
    assert len(api.calls) == 0


@pytest.mark.parametrize(
    ("resource", "path", "order", "sent"),
    [
        ("preferences", "notifications/preferences/", "user", "user"),
        ("audit_logs", "logs/audit/", "-object_pk", "-object_pk"),
        ("users", "users/users/", "last_login", "last_login"),
        ("grants", "research/grants/", "-team_id", "-team"),
    ],
)
def test_order_by_a_field_the_server_orders_by(
    client: AnyClient,
    run: Runner,
    api: respx.MockRouter,
    resource: str,
    path: str,
    order: str,
    sent: str,
) -> None:
    route = api.get(f"{BASE}{path}").respond(200, json=f.page([]))
    assert run.all(getattr(client.resources, resource).order_by(order)) == []
    assert route.calls.last.request.url.params["_order"] == sent


# -- one path normalizer -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "normalized"),
    [
        ("research/grants", "/research/grants/"),
        ("/research/grants/7//", "/research/grants/7/"),
        (" users/users/?_limit=1", "/users/users/?_limit=1"),
        ("", "/"),
    ],
)
def test_batch_paths_follow_the_client_s_endpoint_rules(
    client: AnyClient, path: str, normalized: str
) -> None:
    batch = client.batch()
    batch.add("GET", path)
    assert batch.actions[0].path == normalized


def test_a_batch_path_must_not_be_a_url(client: AnyClient) -> None:
    batch = client.batch()
    with pytest.raises(ValueError, match="relative"):
        batch.add("GET", "https://elsewhere.example/research/grants/")
    assert len(batch) == 0

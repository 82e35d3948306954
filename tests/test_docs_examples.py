"""Run every ```python block of README.md and docs/*.md as a test, against a fake server.

Each fenced ``python`` block is one test, with the id ``<file>:<line of the opening fence>``
(``docs/queries.md:42``). Blocks in ``bash``, ``text``, ``pycon`` ... are not run.

How a block runs:

- The blocks of one file share one namespace and one demo `FakeKeystone`
  (``keystone_client.testing``),
  in order, like a reader working down the page: a later block may use the ``client`` made
  by an earlier one. Running one test alone first runs the blocks above it.
- The fake is installed with respx at ``http://localhost:8000``; requests to
  ``http://127.0.0.1:<port>`` (a fake an example serves itself) go through; any other
  request fails.
- ``KEYSTONE_URL``, ``KEYSTONE_USERNAME`` and ``KEYSTONE_PASSWORD`` are set to the fake
  server's (every other ``KEYSTONE_*`` variable is removed), and the working directory is a
  fresh temporary directory per file holding a small ``proposal.pdf`` for upload examples.
  A non-Python block titled with a file name (```` ```ini title=".env" ````) is written
  there before the blocks below it run, so the file the page shows is the file used.
- A block with top-level ``await`` / ``async with`` / ``async for`` runs on a new event loop.
- Any exception fails the test.

Output shown in a block is checked, so the docs cannot claim what the library does not do:

- ``expression  # -> text``: the value's ``repr()`` must be ``text``;
  ``print(...)  # -> text``: the printed line must be ``text``. Checked on every execution.
- A comment line ``# Output:`` followed by comment lines: everything else the block prints
  (including log lines written to ``sys.stdout``) must be exactly those lines.
- In both, ``...`` matches any text within a line (like doctest's ELLIPSIS).

A block preceded by ``<!-- skip: reason -->`` is reported as skipped with that reason; use it
only for code that cannot run here.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import inspect
import io
import logging
import os
import re
import tokenize
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from keystone_client import AsyncKeystoneClient, KeystoneClient
from keystone_client.testing import FakeKeystone

BASE_URL = "http://localhost:8000"

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("**/*.md"))]

FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<ticks>`{3,}|~{3,})\s*(?P<lang>[\w+-]*)(?P<rest>.*)$")
SKIP = re.compile(r"^\s*<!--\s*skip:\s*(?P<reason>.+?)\s*-->\s*$")
EXPECT = re.compile(r"^#\s*->\s?(?P<text>.*)$")
OUTPUT = re.compile(r"^#\s*Output:\s*$")
TITLE = re.compile(r'title="(?P<name>[^"]+)"')

BATCH_MISSING = (
    "client.batch() is not available (keystone_client/_batch.py, API.md section 8, is "
    "missing), so the batch examples cannot run"
)


@dataclass
class Block:
    """One ```python block of a Markdown file."""

    path: str  # relative to the repository, e.g. "docs/queries.md"
    line: int  # 1-based line of the opening fence
    code: str
    skip: str | None = None

    @property
    def id(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass
class ShownFile:
    """A non-Python block with a file name as title (```ini title=".env"): written to disk."""

    line: int
    name: str
    content: str


def collect(path: Path) -> list[Block]:
    """Return the ```python blocks of one Markdown file, indented ones (tabs, lists) too."""
    return [b for b in _fences(path) if isinstance(b, Block)]


def collect_files(path: Path) -> list[ShownFile]:
    """Return the blocks of one Markdown file that show a file's content under its name."""
    return [b for b in _fences(path) if isinstance(b, ShownFile)]


def _fences(path: Path) -> list[Block | ShownFile]:
    lines = path.read_text(encoding="utf-8").splitlines()
    relative = path.relative_to(ROOT).as_posix()
    blocks: list[Block | ShownFile] = []
    i = 0
    while i < len(lines):
        match = FENCE.match(lines[i])
        if match is None:
            i += 1
            continue
        indent, ticks, lang = match["indent"], match["ticks"], match["lang"].lower()
        start = i
        body: list[str] = []
        i += 1
        while i < len(lines):
            closing = lines[i].strip()
            if closing.startswith(ticks[0] * len(ticks)) and closing.strip(ticks[0]) == "":
                break
            line = lines[i]
            body.append(line[len(indent) :] if line.startswith(indent) else line.lstrip())
            i += 1
        i += 1
        if lang not in ("python", "py"):
            title = TITLE.search(match["rest"])
            if title and "/" not in title["name"]:
                blocks.append(ShownFile(start + 1, title["name"], "\n".join(body) + "\n"))
            continue
        skip = None
        for back in range(start - 1, -1, -1):
            if lines[back].strip():
                found = SKIP.match(lines[back])
                skip = found["reason"] if found else None
                break
        blocks.append(Block(relative, start + 1, "\n".join(body) + "\n", skip))
    return blocks


def skip_reason(block: Block) -> str | None:
    """Why a block is not run, or None."""
    if block.skip:
        return block.skip
    if ".batch(" in block.code and not hasattr(KeystoneClient, "batch"):
        return BATCH_MISSING
    return None


def all_blocks() -> list[Any]:
    params = []
    for source in SOURCES:
        for block in collect(source):
            reason = skip_reason(block)
            marks = [pytest.mark.skip(reason=reason)] if reason else []
            params.append(pytest.param(block, id=block.id, marks=marks))
    return params


# -- checked output --------------------------------------------------------------------------


def _matches(expected: str, actual: str) -> bool:
    expected, actual = expected.rstrip(), actual.rstrip()
    if "..." not in expected:
        return expected == actual
    pattern = ".*".join(re.escape(part) for part in expected.split("..."))
    return re.fullmatch(pattern, actual, flags=re.DOTALL) is not None


@dataclass
class Expectations:
    """The ``# -> text`` comments (by line) and the ``# Output:`` lines of one block."""

    inline: dict[int, str] = field(default_factory=dict)
    output: list[str] | None = None


def read_expectations(code: str) -> Expectations:
    found = Expectations()
    comments: list[tuple[int, str, bool]] = []  # (line, text, alone on its line)
    tokens = tokenize.generate_tokens(io.StringIO(code).readline)
    for tok in tokens:
        if tok.type == tokenize.COMMENT:
            alone = tok.line[: tok.start[1]].strip() == ""
            comments.append((tok.start[0], tok.string, alone))
    index = 0
    while index < len(comments):
        line, text, alone = comments[index]
        index += 1
        if alone and OUTPUT.match(text):
            if found.output is not None:
                raise ValueError(f"line {line}: a block may have only one '# Output:'")
            found.output = []
            expected_line = line + 1
            while index < len(comments):
                next_line, next_text, next_alone = comments[index]
                if not next_alone or next_line != expected_line:
                    break
                found.output.append(re.sub(r"^# ?", "", next_text))
                expected_line += 1
                index += 1
            continue
        match = EXPECT.match(text)
        if match and not alone:
            found.inline[line] = match["text"]
    return found


class _Checker(ast.NodeTransformer):
    """Route each expression statement carrying a ``# -> text`` comment through a check."""

    def __init__(self, inline: dict[int, str]) -> None:
        self.inline = inline
        self.used: set[int] = set()

    def visit_Expr(self, node: ast.Expr) -> ast.AST:
        self.generic_visit(node)
        line = node.end_lineno
        if line not in self.inline:
            return node
        self.used.add(line)
        value = node.value
        if (
            isinstance(value, ast.Call)
            and isinstance(value.func, ast.Name)
            and value.func.id == "print"
        ):
            call = ast.Call(
                func=ast.Name("__docs_print__", ast.Load()),
                args=[ast.Constant(line), *value.args],
                keywords=value.keywords,
            )
        else:
            call = ast.Call(
                func=ast.Name("__docs_show__", ast.Load()),
                args=[ast.Constant(line), value],
                keywords=[],
            )
        return ast.copy_location(ast.Expr(call), node)


class ExampleFailed(AssertionError):
    """An example printed or returned something other than what its comment claims."""


def _helpers(block: Block, inline: dict[int, str], offset: int) -> dict[str, Any]:
    def check(line: int, actual: str) -> None:
        expected = inline[line]
        if not _matches(expected, actual):
            where = f"{block.path}:{line + offset}"
            raise ExampleFailed(f"{where}: the comment says {expected!r} but got {actual!r}")

    def docs_print(line: int, *args: Any, **kwargs: Any) -> None:
        buffer = io.StringIO()
        kwargs.pop("file", None)
        print(*args, file=buffer, **kwargs)
        check(line, buffer.getvalue().removesuffix("\n"))

    def docs_show(line: int, value: Any) -> Any:
        check(line, repr(value))
        return value

    return {"__docs_print__": docs_print, "__docs_show__": docs_show}


def execute(block: Block, namespace: dict[str, Any]) -> None:
    """Run one block in ``namespace``; raise if it fails or its shown output is wrong."""
    expectations = read_expectations(block.code)
    flags = ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
    tree = compile(block.code, block.id, "exec", flags=flags, dont_inherit=True)
    checker = _Checker(expectations.inline)
    tree = checker.visit(tree)
    unused = sorted(set(expectations.inline) - checker.used)
    if unused:
        raise ExampleFailed(
            f"{block.path}:{unused[0] + block.line}: a '# -> ' comment must follow an "
            "expression or print() call, so that it can be checked"
        )
    ast.fix_missing_locations(tree)
    # Line numbers in tracebacks point into the Markdown file.
    ast.increment_lineno(tree, block.line)
    namespace.update(_helpers(block, expectations.inline, block.line))
    code = compile(
        tree,
        str(ROOT / block.path),
        "exec",
        flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT,
        dont_inherit=True,
    )
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        if code.co_flags & inspect.CO_COROUTINE:
            asyncio.run(eval(code, namespace))
        else:
            exec(code, namespace)
    if expectations.output is not None:
        actual = stdout.getvalue().splitlines()
        expected = expectations.output
        same = len(actual) == len(expected) and all(
            _matches(e, a) for e, a in zip(expected, actual, strict=True)
        )
        if not same:
            raise ExampleFailed(
                f"{block.id}: '# Output:' does not match what the block printed.\n"
                "expected:\n  " + "\n  ".join(expected) + "\nprinted:\n  " + "\n  ".join(actual)
            )


# -- one page at a time ------------------------------------------------------------------------


@dataclass
class Page:
    """The shared state of one Markdown file's blocks: namespace, server, working directory."""

    path: str
    workdir: Path
    server: FakeKeystone = field(default_factory=lambda: FakeKeystone(BASE_URL, seed="demo"))
    namespace: dict[str, Any] = field(default_factory=lambda: {"__name__": "__main__"})
    done: set[int] = field(default_factory=set)

    def write_files(self, before: int) -> None:
        """Write the files the page shows above line ``before`` into the working directory."""
        for shown in collect_files(ROOT / self.path):
            if shown.line < before and shown.line not in self.done:
                self.done.add(shown.line)
                (self.workdir / shown.name).write_text(shown.content, encoding="utf-8")

    def run_through(self, block: Block) -> None:
        """Run the blocks above ``block`` that have not run yet, then ``block`` itself."""
        for earlier in collect(ROOT / self.path):
            if earlier.line >= block.line:
                break
            if earlier.line in self.done or skip_reason(earlier):
                continue
            self.done.add(earlier.line)
            self.write_files(earlier.line)
            try:
                execute(earlier, self.namespace)
            except Exception as exc:
                pytest.fail(f"an earlier block of the page, {earlier.id}, failed: {exc!r}")
        self.done.add(block.line)
        self.write_files(block.line)
        execute(block, self.namespace)

    def close(self) -> None:
        for value in list(self.namespace.values()):
            if isinstance(value, KeystoneClient):
                value.close()
            elif isinstance(value, AsyncKeystoneClient):
                with contextlib.suppress(Exception):
                    asyncio.run(value.close())


@pytest.fixture(scope="session")
def pages(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Page]]:
    made: dict[str, Page] = {}
    yield made
    for page in made.values():
        page.close()


@contextlib.contextmanager
def _mounted(fake: FakeKeystone) -> Iterator[None]:
    """Route every httpx request to ``BASE_URL`` to the fake; any other request fails."""
    transport = fake.transport()

    def serve(request: httpx.Request) -> httpx.Response:
        return transport.handle_request(request)

    with respx.mock(assert_all_called=False, assert_all_mocked=True) as router:
        router.route(url__startswith=BASE_URL).mock(side_effect=serve)
        # Fakes an example serves over HTTP itself (serve_in_thread) are reached for real.
        router.route(url__startswith="http://127.0.0.1:").pass_through()
        yield


@contextlib.contextmanager
def _environment(fake: FakeKeystone) -> Iterator[None]:
    """Point KEYSTONE_* at the fake server; restore the whole environment afterwards."""
    saved = os.environ.copy()
    for name in [n for n in os.environ if n.startswith("KEYSTONE_")]:
        del os.environ[name]
    os.environ.update(
        KEYSTONE_URL=BASE_URL, KEYSTONE_USERNAME=fake.username, KEYSTONE_PASSWORD=fake.password
    )
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@contextlib.contextmanager
def _logging_restored() -> Iterator[None]:
    """Undo whatever logging set-up an example does (handlers, levels) when it ends."""
    loggers = [logging.getLogger(), logging.getLogger("keystone_client")]
    saved = [(lg, list(lg.handlers), lg.level, lg.propagate) for lg in loggers]
    try:
        yield
    finally:
        for logger, handlers, level, propagate in saved:
            logger.handlers[:] = handlers
            logger.setLevel(level)
            logger.propagate = propagate


@pytest.mark.parametrize("block", all_blocks())
def test_example(
    block: Block,
    pages: dict[str, Page],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    page = pages.get(block.path)
    if page is None:
        workdir = tmp_path_factory.mktemp(re.sub(r"\W+", "_", block.path))
        (workdir / "proposal.pdf").write_bytes(b"%PDF-1.4\n% an example proposal\n%%EOF\n")
        page = pages[block.path] = Page(block.path, workdir)
    monkeypatch.chdir(page.workdir)
    with _environment(page.server), _mounted(page.server), _logging_restored():
        page.run_through(block)


def test_examples_were_found() -> None:
    """The collector sees the documentation: a broken fence pattern must not pass silently."""
    blocks = [p.values[0] for p in all_blocks()]
    assert any(b.path == "README.md" for b in blocks)
    assert len({b.path for b in blocks}) >= 5

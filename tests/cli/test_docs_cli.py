"""Run every ``$ keystone ...`` line of the ```console blocks of docs/cli.md.

Each command runs in-process (click's runner) against one ``FakeKeystone(seed="demo")`` per
page, as its staff user (``KEYSTONE_URL``, ``KEYSTONE_USERNAME`` and ``KEYSTONE_PASSWORD``
set), in a fresh working directory per page; commands of one page share the fake, in
order, like a reader working down the page. The lines under a command, up to the next
``$`` line or the end of the block, are what it must print (stdout and stderr together);
``...`` matches any text within a line. A last line ``[exit N]`` checks the exit code,
which is 0 otherwise. ``$ cat > NAME <<'EOF'`` ... ``EOF`` writes a file to the working
directory; ``$ keystone ... < NAME`` feeds a file to stdin. Commands with ``--demo`` run as
written, on the command's own built-in demo (fresh each run, as for a reader).
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner

from keystone_client.cli.app import cli
from keystone_client.cli.connection import AppState
from keystone_client.testing import FakeKeystone

from .conftest import mounted_factory, staff_env

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "docs" / "cli.md"]
FENCE = re.compile(r"^```\s*console\s*$")
EXIT = re.compile(r"^\[exit (\d+)\]$")


@dataclass
class Command:
    line: int
    text: str
    expected: list[str] = field(default_factory=list)
    heredoc: str | None = None


def commands(path: Path) -> list[Command]:
    found: list[Command] = []
    lines = path.read_text(encoding="utf-8").splitlines()
    inside = False
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if not inside:
            inside = bool(FENCE.match(line))
            continue
        if line.startswith("```"):
            inside = False
            continue
        if line.startswith("$ "):
            command = Command(index, line[2:])
            if "<<'EOF'" in line:
                body = []
                while lines[index] != "EOF":
                    body.append(lines[index])
                    index += 1
                index += 1
                command.heredoc = "\n".join(body) + "\n"
            found.append(command)
        elif found:
            found[-1].expected.append(line)
    return found


def all_commands() -> list[object]:
    return [
        pytest.param(page, command, id=f"{page.relative_to(ROOT)}:{command.line}")
        for page in PAGES
        for command in commands(page)
    ]


def _matches(expected: str, actual: str) -> bool:
    if "..." not in expected:
        return expected == actual
    pattern = ".*".join(re.escape(part) for part in expected.split("..."))
    return re.fullmatch(pattern, actual) is not None


@dataclass
class Page:
    workdir: Path
    server: FakeKeystone = field(default_factory=lambda: FakeKeystone(seed="demo"))
    done: set[int] = field(default_factory=set)


def run(page: Page, command: Command) -> None:
    if command.heredoc is not None:
        name = command.text.split(">", 1)[1].split("<<", 1)[0].strip()
        (page.workdir / name).write_text(command.heredoc, encoding="utf-8")
        return
    words = shlex.split(command.text)
    stdin = None
    if "<" in words:
        at = words.index("<")
        stdin = (page.workdir / words[at + 1]).read_text(encoding="utf-8")
        words = words[:at] + words[at + 2 :]
    assert words[0] == "keystone", f"line {command.line}: only keystone commands are run"
    args = words[1:]
    state = AppState() if "--demo" in args else AppState(factory=mounted_factory(page.server))
    result = CliRunner().invoke(
        cli, args, input=stdin, env=staff_env(page.server), obj=state, prog_name="keystone"
    )
    expected = list(command.expected)
    while expected and not expected[-1].strip():
        expected.pop()
    code = 0
    if expected and (match := EXIT.match(expected[-1])):
        code = int(match[1])
        expected.pop()
    actual = [line.rstrip() for line in result.output.splitlines()]
    while actual and not actual[-1]:
        actual.pop()
    same = len(actual) == len(expected) and all(
        _matches(e.rstrip(), a) for e, a in zip(expected, actual, strict=True)
    )
    assert same, (
        f"line {command.line}: `{command.text}` printed:\n"
        + "\n".join(actual)
        + "\n--- but the page shows:\n"
        + "\n".join(expected)
    )
    assert result.exit_code == code, f"line {command.line}: exit {result.exit_code}, not {code}"


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[Path, Page]:
    return {}


@pytest.mark.parametrize(("path", "command"), all_commands())
def test_cli_example(
    path: Path,
    command: Command,
    pages: dict[Path, Page],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    page = pages.get(path)
    if page is None or any(line >= command.line for line in page.done):
        # A fresh page when run out of page order (as mutation testing does): every
        # command before this one runs again, once, on fresh data.
        page = pages[path] = Page(tmp_path_factory.mktemp("cli-docs"))
    monkeypatch.chdir(page.workdir)
    for earlier in commands(path):
        if earlier.line >= command.line:
            break
        if earlier.line not in page.done:
            page.done.add(earlier.line)
            run(page, earlier)
    page.done.add(command.line)
    run(page, command)


def test_the_cli_page_has_examples() -> None:
    assert len(commands(PAGES[0])) >= 20

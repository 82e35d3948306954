"""The mutation tool's configuration: every test file of the command line and the fake is
among their own tests, so a new file's kills count."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# They run the program in a child process, where mutmut's switch between mutants does not
# reach; the same behaviours are tested in-process (tests/cli/test_main.py).
IN_A_CHILD_PROCESS = {"tests/cli/test_process.py", "tests/cli/test_startup.py"}


def _own_tests() -> dict[str, list[str]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    own: dict[str, list[str]] = config["tool"]["mutmut"]["own_tests"]
    return own


@pytest.mark.parametrize("folder", ["tests/cli", "tests/testing"])
def test_every_test_file_of_the_cli_and_the_fake_is_an_own_test(folder):
    listed = set(_own_tests()["testing/*"]) | set(_own_tests()["cli/*"])
    files = {p.relative_to(ROOT).as_posix() for p in (ROOT / folder).glob("test_*.py")}
    assert files, folder
    assert sorted(files - listed - IN_A_CHILD_PROCESS) == []


def test_every_listed_test_file_exists():
    listed = {name for names in _own_tests().values() for name in names}
    assert sorted(name for name in listed if not (ROOT / name).exists()) == []

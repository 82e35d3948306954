"""The grammar's cache file: where it is written, when it is rebuilt, and what a broken or
unwritable one does. The declarations count as not loaded, as in a fresh ``keystone`` run."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from keystone_client.cli import grammar

NAME = re.compile(r"grammar-[0-9a-f]{16}\.json")


@pytest.fixture(autouse=True)
def unloaded(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Declarations not imported yet; no cache of the machine's own, nor its home."""
    monkeypatch.setattr(grammar, "_CATALOG", "keystone_client.resources._not_loaded")
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)


def files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def live() -> dict[str, grammar.Collection]:
    return grammar._index(grammar._from_declarations())


@pytest.mark.parametrize("xdg", [None, ""])
def test_without_xdg_cache_home_the_cache_is_in_the_home_cache_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, xdg: str | None
) -> None:
    if xdg is not None:
        monkeypatch.setenv("XDG_CACHE_HOME", xdg)
    assert grammar.collections() == live()
    (name,) = files_under(tmp_path / "home")
    assert name == f".cache/keystone-client/grammar-{grammar._fingerprint()}.json"
    assert files_under(tmp_path / "cwd") == []


def test_xdg_cache_home_is_made_when_missing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    base = tmp_path / "not" / "yet"
    monkeypatch.setenv("XDG_CACHE_HOME", str(base))
    assert grammar.collections() == live()
    (name,) = files_under(base)
    assert name == f"keystone-client/grammar-{grammar._fingerprint()}.json"
    assert files_under(tmp_path / "home") == []


def test_the_cache_holds_the_grammar_and_nothing_else(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "c"))
    grammar.collections()
    (cache,) = (tmp_path / "c" / "keystone-client").iterdir()  # no temporary file left
    assert NAME.fullmatch(cache.name)
    data = json.loads(cache.read_text(encoding="utf-8"))
    assert grammar._index([grammar.Collection(**item) for item in data]) == live()


@pytest.mark.parametrize("content", ["{not json", "[{}]", '{"a": 1}', "[1]", ""])
def test_a_broken_cache_is_replaced(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, content: str
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "c"))
    grammar.collections()
    (cache,) = (tmp_path / "c" / "keystone-client").iterdir()
    cache.write_text(content)
    assert grammar.collections() == live()
    assert grammar._index([grammar.Collection(**i) for i in json.loads(cache.read_text())]) == (
        live()
    )


def test_an_unwritable_cache_folder_still_gives_the_grammar(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))  # a file: no folder can be made in it
    assert grammar.collections() == live()
    assert blocker.read_text() == ""


# -- the fingerprint: which source changes make a new cache ---------------------------------


@pytest.fixture
def package(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A package tree the fingerprint reads instead of the installed library."""
    root = tmp_path / "pkg"
    for name in (
        "__init__.py",
        "resources/_catalog.py",
        "cli/grammar.py",
        "__pycache__/stray.py",
        "notes.txt",
    ):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("x = 1\n")
    monkeypatch.setattr(grammar, "__file__", str(root / "cli" / "grammar.py"))
    return root


def rewrite(path: Path, text: str, mtime_ns: int) -> None:
    path.write_text(text)
    os.utime(path, ns=(mtime_ns, mtime_ns))


def test_the_fingerprint_is_sixteen_hex_digits_and_stable(package: Path) -> None:
    first = grammar._fingerprint()
    assert re.fullmatch(r"[0-9a-f]{16}", first)
    assert grammar._fingerprint() == first


def test_a_changed_library_source_changes_the_fingerprint(package: Path) -> None:
    catalog = package / "resources" / "_catalog.py"
    before = grammar._fingerprint()
    rewrite(catalog, "x = 22\n", 1_000_000_000_000_000_000)
    after_size = grammar._fingerprint()
    assert after_size != before
    rewrite(catalog, "x = 33\n", 1_000_000_000_000_000_000)  # same size and time
    assert grammar._fingerprint() == after_size
    os.utime(catalog, ns=(2_000_000_000_000_000_000, 2_000_000_000_000_000_000))
    assert grammar._fingerprint() != after_size


def test_a_changed_top_level_source_changes_the_fingerprint(package: Path) -> None:
    before = grammar._fingerprint()
    rewrite(package / "__init__.py", "x = 22\n", 1_000_000_000_000_000_000)
    assert grammar._fingerprint() != before


@pytest.mark.parametrize("name", ["cli/grammar.py", "__pycache__/stray.py", "notes.txt"])
def test_changes_the_grammar_cannot_see_keep_the_fingerprint(package: Path, name: str) -> None:
    before = grammar._fingerprint()
    rewrite(package / name, "x = 22222\n", 1_000_000_000_000_000_000)
    (package / name).with_stem("added").write_text("")
    assert grammar._fingerprint() == before


def test_a_changed_library_source_rebuilds_the_cache(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, package: Path
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "c"))
    grammar.collections()
    (first,) = files_under(tmp_path / "c")
    rewrite(package / "resources" / "_catalog.py", "x = 22\n", 1_000_000_000_000_000_000)
    assert grammar.collections() == live()
    second = f"keystone-client/grammar-{grammar._fingerprint()}.json"
    assert files_under(tmp_path / "c") == sorted([first, second])
    assert first != second

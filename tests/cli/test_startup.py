"""Help and completion import neither the models, rich, yaml nor the network stack.

Each probe is a fresh interpreter that imports the command line as the script does (the
package's ``__init__`` imports its public names only on first use).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PROBE = """
import json, sys
from keystone_client.cli.app import cli
try:
    cli.main(sys.argv[1:], prog_name="keystone")
except SystemExit as exit:
    code = exit.code
heavy = ("keystone_client.models", "keystone_client.resources", "pydantic", "httpx", "rich", "yaml")
loaded = sorted({h for h in heavy for m in sys.modules if m == h or m.startswith(h + ".")})
sys.stderr.write("\\nPROBE " + json.dumps({"code": code, "loaded": loaded}) + "\\n")
"""

COMPLETE = {
    "_KEYSTONE_COMPLETE": "bash_complete",
    "COMP_WORDS": "keystone allocation-requests list --filter status=",
    "COMP_CWORD": "4",
}


def probe(cache: Path, *args: str, **env: str) -> tuple[dict[str, object], str]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "XDG_CACHE_HOME": str(cache), **env},
    )
    line = result.stderr.rsplit("PROBE ", 1)[-1]
    return json.loads(line), result.stdout


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A grammar cache built by a first run, as after installation."""
    folder = tmp_path_factory.mktemp("cache")
    probe(folder, "--help")
    assert list((folder / "keystone-client").glob("grammar-*.json"))
    return folder


def test_help_imports_nothing_heavy(cache: Path) -> None:
    outcome, out = probe(cache, "--help")
    assert outcome == {"code": 0, "loaded": []}
    assert "allocation-requests" in out


def test_collection_help_imports_nothing_heavy(cache: Path) -> None:
    outcome, out = probe(cache, "allocation-requests", "list", "--help")
    assert outcome == {"code": 0, "loaded": []}
    assert "--filter" in out


def test_completion_imports_nothing_heavy(cache: Path) -> None:
    outcome, out = probe(cache, **COMPLETE)
    assert outcome == {"code": 0, "loaded": []}
    assert "plain,status=PD" in out.splitlines()


def test_the_first_run_builds_the_cache_from_the_declarations(tmp_path: Path) -> None:
    outcome, out = probe(tmp_path, "--help")
    assert outcome["code"] == 0
    assert "keystone_client.models" in outcome["loaded"]  # type: ignore[operator]
    assert "allocation-requests" in out


WITHOUT = """
import sys
for name in sys.argv[1].split(","):
    sys.modules[name] = None  # importing it raises ModuleNotFoundError, as when not installed
sys.argv[1:2] = []
from keystone_client.cli.main import main
main()
"""


@pytest.mark.parametrize(
    ("missing", "args"),
    [
        ("click", ["--help"]),
        ("rich,rich.table,rich.console", ["--demo", "teams", "list", "-o", "table"]),
        ("yaml", ["--demo", "teams", "get", "1", "-o", "yaml"]),
    ],
)
def test_without_the_cli_extra_the_error_says_how_to_install_it(
    missing: str, args: list[str], tmp_path: Path
) -> None:
    result = subprocess.run(
        [sys.executable, "-c", WITHOUT, missing, *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env={k: v for k, v in os.environ.items() if not k.startswith("KEYSTONE_")},
    )
    assert result.returncode == 2
    first = missing.split(",")[0]
    assert result.stderr == (
        f"keystone: error: the command line needs the 'cli' extra "
        f"(import of {first} halted; None in sys.modules); "
        "install it with: pip install 'keystone-client[cli]'\n"
    )
    assert result.stdout == ""

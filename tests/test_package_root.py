"""The package root: every public name resolves, on first use, to the object its module
defines; anything else is an AttributeError. Each check runs in a fresh interpreter, because
the root caches a name the first time it is read."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import keystone_client

PACKAGE = str(Path(keystone_client.__file__).parent)
HOMES = {
    "AsyncBatch": "_batch",
    "Batch": "_batch",
    "BatchResult": "_batch_job",
    "AsyncKeystoneClient": "_client",
    "KeystoneClient": "_client",
    "Placeholder": "_placeholders",
    "RecordPage": "_pagination",
    "AsyncQuery": "_query",
    "Query": "_query",
    "KeystoneSettings": "_settings",
}


# The new interpreter loads the package from the directory this one did, whatever an
# installed copy or import hook would pick first.
LOAD = f"""
import importlib.util, sys
_spec = importlib.util.spec_from_file_location(
    "keystone_client", {keystone_client.__file__!r}, submodule_search_locations=[{PACKAGE!r}]
)
_root = importlib.util.module_from_spec(_spec)
sys.modules["keystone_client"] = _root
_spec.loader.exec_module(_root)
"""


def fresh(code: str) -> object:
    """Run ``code`` (which sets ``result``) in a new interpreter; return ``result``."""
    done = subprocess.run(
        [sys.executable, "-c", f"{LOAD}\n{code}\nimport json; print(json.dumps(result))"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return json.loads(done.stdout)


def test_every_public_name_is_the_object_of_its_module() -> None:
    result = fresh(
        "import importlib, keystone_client as k\n"
        "result = {}\n"
        "for name in k.__all__:\n"
        "    if name == '__version__':\n"
        "        continue\n"
        "    value = getattr(k, name)\n"
        "    home = importlib.import_module(value.__module__)\n"
        "    result[name] = [value.__module__, getattr(home, name) is value,\n"
        "                    getattr(k, name) is value, name in vars(k)]\n"
    )
    assert isinstance(result, dict)
    exceptions = set(keystone_client.__all__) - set(HOMES) - {"__version__"}
    assert set(result) == set(HOMES) | exceptions
    for name, (module, same, cached, stored) in result.items():
        home = HOMES.get(name, "errors")
        assert module == f"keystone_client.{home}", name
        assert same and cached and stored, name
    assert all(issubclass(getattr(keystone_client, n), Exception) for n in exceptions)


def test_an_unknown_name_is_an_attribute_error_naming_it() -> None:
    result = fresh(
        "import keystone_client as k\n"
        "try:\n"
        "    k.NoSuchThing\n"
        "except AttributeError as exc:\n"
        "    result = [str(exc), 'NoSuchThing' in vars(k)]\n"
    )
    assert result == ["module 'keystone_client' has no attribute 'NoSuchThing'", False]


@pytest.mark.parametrize("name", ["NoSuchThing", "field_errors", "httpx"])
def test_a_name_that_is_not_public_is_an_attribute_error_in_this_interpreter(name: str) -> None:
    # Nothing is cached for a name that is not public, so this interpreter sees what a fresh
    # one does; ``field_errors`` and ``httpx`` are names of ``errors`` that the root must not
    # lend out.
    with pytest.raises(AttributeError) as caught:
        getattr(keystone_client, name)

    assert str(caught.value) == f"module 'keystone_client' has no attribute {name!r}"
    assert name not in vars(keystone_client)
    assert not hasattr(keystone_client, name)


def test_importing_the_root_loads_no_public_module_before_it_is_used() -> None:
    result = fresh(
        "import sys, keystone_client\n"
        "result = sorted(m for m in sys.modules if m.startswith('keystone_client.'))\n"
    )
    assert result == ["keystone_client._version"]


def test_dir_lists_the_public_names_sorted() -> None:
    assert dir(keystone_client) == sorted(keystone_client.__all__)
    assert "__version__" in dir(keystone_client)

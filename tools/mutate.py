"""Mutation testing of one or more package modules with mutmut, one worker, on demand.

    python -m tools.mutate _retry _filters      # or no name: every module of the package
    python -m tools.mutate --together --jobs 2 _query _batch   # one scratch copy, whole suite

For each module, in a scratch copy of the project under ``mutants/<module>/``:

1. mutmut mutates only that module and runs each mutant against the module's own test
   files (``[tool.mutmut.own_tests]`` in pyproject.toml): fast, and it shows what those
   tests pin down;
2. the survivors of all the named modules run again, together, against the whole suite
   (in ``mutants/together.<first>/``), so a behaviour tested elsewhere (say, through a
   client) still counts as killed. One run of the suite, which finds the tests that reach
   each function, then serves every module.

It prints the score (killed / checked) and the diff of every mutant that survived both runs.
Judge each survivor: kill it with a test, or list it as equivalent in docs/contributing.md.

``--together`` mutates the named modules in one scratch copy (``mutants/together.<first>/``)
against the whole suite in one pass: one run of the suite finds which tests reach each
function for all the modules at once, which saves that run per module when there are many.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "keystone_client"
WORK = ROOT / "mutants"
# What the tests need besides the package and the tests themselves.
COPIED = ("keystone_client", "tests", "docs", "README.md", "mkdocs.yml", "pyproject.toml")
NO_TESTS = "could not find any test case for any mutant"
MUTMUT = [sys.executable, "-c", "import sys; from mutmut.__main__ import cli; sys.exit(cli())"]


def _config() -> dict[str, Any]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    config: dict[str, Any] = data["tool"]["mutmut"]
    return config


def _modules() -> list[str]:
    """Every module of the package, as ``_retry`` or ``models/base`` (no ``.py``)."""
    excluded = set(_config().get("do_not_mutate", []))
    found = []
    for path in sorted((ROOT / PACKAGE).rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if relative not in excluded and path.stat().st_size > 0:
            found.append(path.relative_to(ROOT / PACKAGE).with_suffix("").as_posix())
    return found


def _own_tests(module: str) -> list[str]:
    own: dict[str, list[str]] = _config().get("own_tests", {})
    return own.get(module) or own.get(_package_entry(module), ["tests"])


def _final(module: str) -> bool:
    """Whether ``module``'s own tests give its final verdict (``own_tests_final``)."""
    final: list[str] = _config().get("own_tests_final", [])
    return module in final or _package_entry(module) in final


def _package_entry(module: str) -> str:
    """The entry that serves every module of ``module``'s package: ``cli/*``."""
    return f"{module.rpartition('/')[0]}/*"


def _second_pass(modules: list[str]) -> list[str]:
    """The modules whose survivors meet the whole suite after their own tests."""
    return [m for m in modules if _own_tests(m) != ["tests"] and not _final(m)]


def _write_config(workdir: Path, modules: list[str], tests: list[str]) -> None:
    """Point the scratch copy's [tool.mutmut] at the modules and the given tests."""
    text = (ROOT / "pyproject.toml").read_text("utf-8")
    # Drop the project's own [tool.mutmut] tables; the scratch copy gets its own below.
    text = re.sub(r"(?ms)^\[tool\.mutmut(\.[^\]]+)?\]\n.*?(?=^\[|\Z)", "", text)
    base = _config()
    args = base.get("pytest_add_cli_args", [])
    text += (
        "\n[tool.mutmut]\n"
        f'source_paths = ["{PACKAGE}"]\n'
        f"only_mutate = {_toml_list([f'{PACKAGE}/{m}.py' for m in modules])}\n"
        f"pytest_add_cli_args = {_toml_list(args)}\n"
        f"pytest_add_cli_args_test_selection = {_toml_list(tests)}\n"
        f'also_copy = ["docs", "README.md", "mkdocs.yml"]\n'
    )
    (workdir / "pyproject.toml").write_text(text, "utf-8")


def _toml_list(items: list[str]) -> str:
    return "[" + ", ".join('"' + item.replace('"', '\\"') + '"' for item in items) + "]"


def _prepare(name: str) -> Path:
    workdir = WORK / name.replace("/", ".")
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, workdir / name, ignore=shutil.ignore_patterns("__pycache__"))
        elif source.exists():
            shutil.copy2(source, workdir / name)
    # The contract tests read ../shared beside the project; mutmut runs one level deeper.
    shared = ROOT.parent / "shared"
    if shared.is_dir():
        (workdir / "shared").symlink_to(shared)
    return workdir


def _mutmut(workdir: Path, *args: str) -> str:
    done = subprocess.run(
        [*MUTMUT, *args], cwd=workdir, capture_output=True, text=True, check=False
    )
    # No test reaching any mutant is a verdict (every mutant "no tests"), not a failure.
    if done.returncode != 0 and NO_TESTS not in done.stdout + done.stderr:
        sys.stderr.write(done.stdout[-4000:] + done.stderr[-4000:])
        raise SystemExit(f"mutmut {' '.join(args[:1])} failed in {workdir}")
    return done.stdout


def _statuses(workdir: Path) -> dict[str, str]:
    out = _mutmut(workdir, "results", "--all", "true")
    found = {}
    for line in out.splitlines():
        name, sep, status = line.strip().rpartition(": ")
        if sep:
            found[name] = status
    return found


def first_pass(module: str, jobs: int = 1, again: bool = False) -> dict[str, str]:
    """Run ``module``'s mutants against its own test files; return each mutant's status.

    With ``again``, and the module unchanged since its last first pass, only that pass's
    survivors run, in a fresh copy of the project (its current package and tests).
    """
    record = WORK / module.replace("/", ".") / "first-pass.json"
    statuses: dict[str, str] = {}
    names: list[str] = []
    if again and record.is_file() and _unchanged(record.parent, module):
        statuses = json.loads(record.read_text("utf-8"))
        names = [name for name, status in statuses.items() if status != "killed"]
        if not names:
            return statuses
    # A fresh copy: the same source makes the same mutants, under the same names.
    workdir = _prepare(module)
    _write_config(workdir, [module], _own_tests(module))
    _mutmut(workdir, "run", "--max-children", str(jobs), *names)
    found = _statuses(workdir)
    statuses.update({name: found[name] for name in names} if names else found)
    # A later run with other tests resets mutmut's verdicts; keep this pass's on record.
    record.write_text(json.dumps(statuses, indent=1), "utf-8")
    return statuses


def _unchanged(workdir: Path, module: str) -> bool:
    """Whether ``module``'s source is the one its scratch copy was mutated from."""
    copy = workdir / PACKAGE / f"{module}.py"
    source = ROOT / PACKAGE / f"{module}.py"
    return copy.is_file() and copy.read_bytes() == source.read_bytes()


def whole_suite(
    modules: list[str], jobs: int = 1, names: list[str] | None = None
) -> dict[str, str]:
    """Run the mutants of ``modules`` (only ``names``, if given) against the whole suite.

    One scratch copy serves all the modules; returns each mutant's status.
    """
    workdir = _prepare(_together_name(modules))
    _write_config(workdir, modules, ["tests"])
    _mutmut(workdir, "run", "--max-children", str(jobs), *(names or []))
    statuses = _statuses(workdir)
    return statuses if names is None else {name: statuses[name] for name in names}


def _module_of(mutant: str) -> str:
    """``keystone_client.models._base.x_f__mutmut_3`` -> ``models/_base``."""
    dotted = mutant.rsplit(".", 1)[0].removeprefix(PACKAGE + ".")
    return dotted.replace(".", "/")


def _together_name(modules: list[str]) -> str:
    return "together." + modules[0].replace("/", ".")


def mutate(
    modules: list[str], jobs: int, again: bool = False, own_only: bool = False
) -> dict[str, tuple[int, int, list[str]]]:
    """Each module against its own tests, then every survivor against the whole suite."""
    statuses: dict[str, str] = {}
    for module in modules:
        found = first_pass(module, jobs, again)
        killed = sum(status == "killed" for status in found.values())
        print(f"{module}: {killed}/{len(found)} killed by its own tests", flush=True)
        statuses.update(found)
    # A module without its own tests has already met the whole suite; a final one stays out.
    second = [] if own_only else _second_pass(modules)
    survivors = [
        name
        for name, status in statuses.items()
        if status != "killed" and _module_of(name) in second
    ]
    if survivors:
        statuses.update(whole_suite(second, jobs, survivors))
    return _by_module(modules, statuses)


def _by_module(
    modules: list[str], statuses: dict[str, str]
) -> dict[str, tuple[int, int, list[str]]]:
    results: dict[str, tuple[int, int, list[str]]] = {m: (0, 0, []) for m in modules}
    for name, status in statuses.items():
        killed, total, survivors = results.setdefault(_module_of(name), (0, 0, []))
        if status == "killed":
            killed += 1
        else:
            survivors.append(name)
        results[_module_of(name)] = (killed, total + 1, survivors)
    return results


def mutate_together(modules: list[str], jobs: int) -> dict[str, tuple[int, int, list[str]]]:
    """Mutate ``modules`` in one scratch copy against the whole suite, in one pass."""
    return _by_module(modules, whole_suite(modules, jobs))


def main(argv: list[str] | None = None) -> int:
    """Mutate the named modules (default: all) and print scores and surviving mutants."""
    parser = argparse.ArgumentParser(prog="python -m tools.mutate", description=__doc__)
    parser.add_argument("modules", nargs="*", help="module names like _retry (default: all)")
    parser.add_argument("--diffs", action="store_true", help="print each survivor's diff")
    parser.add_argument("--jobs", type=int, default=1, help="mutants run at once (default 1)")
    parser.add_argument(
        "--together", action="store_true", help="one scratch copy and one pass for all modules"
    )
    parser.add_argument(
        "--own-only",
        action="store_true",
        help="stop after the first pass (a score that can only understate)",
    )
    parser.add_argument(
        "--again",
        action="store_true",
        help="run only the last first pass's survivors of each unchanged module, on the "
        "current tests",
    )
    options = parser.parse_args(argv)
    modules = [m.removesuffix(".py") for m in options.modules] or _modules()
    if options.together:
        results = mutate_together(modules, options.jobs)
    else:
        results = mutate(modules, options.jobs, options.again, options.own_only)
    rows = []
    for module in modules:
        killed, total, survivors = results[module]
        again = _second_pass(modules) or modules
        workdir = WORK / _together_name(again)
        if not workdir.is_dir():
            workdir = WORK / module.replace("/", ".")
        rows.append((module, killed, total))
        print(f"{module}: {killed}/{total} killed", flush=True)
        for name in survivors:
            print(f"  survived: {name}")
            if options.diffs:
                print(_mutmut(workdir, "show", name))
    print("\nmodule                 killed / mutants")
    for module, killed, total in rows:
        score = 100 * killed / total if total else 100.0
        print(f"{module:<22} {killed:>6} / {total:<6} {score:5.1f}%")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

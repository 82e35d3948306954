"""The pytest examples of ``docs/testing.md`` run as a test file of their own (pytester)."""

from __future__ import annotations

import pytest

from ..test_docs_examples import ROOT, collect

pytest_plugins = ["pytester"]


@pytest.mark.parametrize("mode", ["strict", "auto"])
def test_the_pages_pytest_examples_pass(pytester, mode):
    blocks = collect(ROOT / "docs" / "testing.md")
    section = [b.code for b in blocks if "def test_" in b.code or "def register_grant" in b.code]
    assert len(section) == 4
    pytester.makepyfile(test_page="\n\n".join(section))
    result = pytester.runpytest_inprocess(
        "-p",
        "no:cacheprovider",
        "-o",
        f"asyncio_mode={mode}",
        "-o",
        "asyncio_default_fixture_loop_scope=function",
    )
    result.assert_outcomes(passed=3)

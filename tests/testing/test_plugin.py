"""The pytest plugin, run in a separate pytest session per case (pytester)."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytest_plugins = ["pytester"]


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    options = ("-p", "no:cacheprovider", "-o", "asyncio_default_fixture_loop_scope=function")
    return pytester.runpytest_inprocess(*options, *args)


SYNC_AND_ASYNC = """
import pytest

def test_sync(keystone_fake, keystone_client):
    assert keystone_client.resources.users.count() == 1
    assert keystone_fake.requests[-1].user == keystone_fake.username

{async_mark}
async def test_async(keystone_fake, async_keystone_client):
    team = keystone_fake.add("teams", name="Lab")
    assert [t.id for t in await async_keystone_client.resources.teams.list()] == [team.id]
"""


@pytest.mark.parametrize(
    ("mode", "mark", "extra"),
    [
        ("strict", "@pytest.mark.asyncio", ""),
        ("auto", "", ""),
        (
            "strict",
            "@pytest.mark.anyio",
            "@pytest.fixture\ndef anyio_backend():\n    return 'asyncio'\n",
        ),
    ],
    ids=["asyncio-strict", "asyncio-auto", "anyio"],
)
def test_the_fixtures_work_sync_and_async(pytester, mode, mark, extra):
    pytester.makepyfile(SYNC_AND_ASYNC.format(async_mark=mark) + extra)
    result = run(pytester, "-o", f"asyncio_mode={mode}")
    result.assert_outcomes(passed=2)


def test_the_marker_chooses_seed_user_and_page_cap(pytester):
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.keystone(seed="demo", user="ben", page_cap=2)
        def test_marked(keystone_fake, keystone_client):
            assert keystone_client.login().username == "ben"
            assert len(keystone_client.resources.users.list()) == 4
            assert keystone_fake.page_cap == 2
            pages = [r for r in keystone_fake.requests if r.path == "/users/users/"]
            assert len(pages) == 2

        def test_unmarked(keystone_fake):
            assert [u.username for u in keystone_fake.all("users")] == ["admin"]
        """
    )
    run(pytester).assert_outcomes(passed=2)


def test_an_unknown_marker_option_is_a_usage_error(pytester):
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.keystone(sead="demo")
        def test_marked(keystone_fake):
            pass
        """
    )
    result = run(pytester)
    result.stdout.fnmatch_lines(["*unknown option 'sead'*"])
    assert result.ret != 0


def test_the_fixtures_keep_real_credentials_out(pytester, monkeypatch):
    monkeypatch.setenv("KEYSTONE_TOKEN", "real-token")
    monkeypatch.setenv("KEYSTONE_URL", "https://keystone.example.org")
    pytester.makefile(".env", **{"": "KEYSTONE_USERNAME=me\nKEYSTONE_PASSWORD=real-password\n"})
    pytester.makepyfile(
        """
        import os
        from keystone_client import KeystoneClient

        def test_clean(keystone_fake, keystone_client):
            assert not [n for n in os.environ if n.startswith("KEYSTONE_")]
            mine = KeystoneClient(url=keystone_fake.url, transport=keystone_fake.transport())
            assert "auth=anonymous" in repr(mine)
            assert keystone_client.resources.users.count() == 1
        """
    )
    run(pytester).assert_outcomes(passed=1)


def _python(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    return done.stdout.strip()


def test_loading_the_plugin_does_not_load_the_fake():
    loaded = _python(
        "import sys, keystone_client.testing._plugin as p; "
        "print(sorted(m for m in sys.modules if m.startswith('keystone_client.testing.')))"
    )
    assert loaded == "['keystone_client.testing._plugin']"


def test_importing_the_library_does_not_load_the_testing_package():
    loaded = _python(
        "import sys, keystone_client; "
        "print([m for m in sys.modules if m.startswith('keystone_client.testing')])"
    )
    assert loaded == "[]"


def test_the_marker_is_declared_with_its_options(pytester):
    result = run(pytester, "--markers")
    result.stdout.fnmatch_lines(
        [
            "@pytest.mark.keystone(seed=None, user=None, page_cap=1000, throttle=None, url=None):"
            " set up the keystone_fake fixture (seed 'demo', the user the clients log in as,"
            " the page cap, requests per user per minute, the fake's base URL)"
        ]
    )
    assert result.ret == 0


def test_a_marked_test_passes_under_strict_markers(pytester):
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.keystone(seed="demo")
        def test_marked(keystone_fake):
            assert len(keystone_fake.all("users")) == 4
        """
    )
    run(pytester, "--strict-markers").assert_outcomes(passed=1)


def test_a_module_wide_marker_reaches_tests_with_other_markers(pytester):
    pytester.makepyfile(
        """
        import pytest

        pytestmark = pytest.mark.keystone(seed="demo", user="carla")

        @pytest.mark.filterwarnings("ignore::DeprecationWarning")
        def test_marked(keystone_fake, keystone_client):
            assert keystone_client.login().username == "carla"
            assert len(keystone_fake.all("users")) == 4
        """
    )
    run(pytester).assert_outcomes(passed=1)


def test_positional_marker_arguments_are_a_usage_error(pytester):
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.keystone("demo")
        def test_marked(keystone_fake):
            pass
        """
    )
    result = run(pytester)
    result.stdout.fnmatch_lines(
        ["*UsageError: @pytest.mark.keystone takes keywords only, e.g. seed='demo'"]
    )
    assert result.ret != 0


def test_an_unknown_marker_option_names_the_known_ones(pytester):
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.keystone(pages=5)
        def test_marked(keystone_fake):
            pass
        """
    )
    result = run(pytester)
    result.stdout.fnmatch_lines(
        [
            "*UsageError: @pytest.mark.keystone got an unknown option 'pages';"
            " it takes seed, user, page_cap, throttle, url"
        ]
    )
    assert result.ret != 0

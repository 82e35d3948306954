"""The fake over real HTTP: serve_in_thread and ``python -m keystone_client.testing serve``."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest

from keystone_client import KeystoneClient
from keystone_client.testing import FakeKeystone, serve_in_thread


@pytest.fixture
def served() -> Iterator[tuple[FakeKeystone, str]]:
    fake = FakeKeystone(seed="demo")
    url, server = serve_in_thread(fake, port=0)
    yield fake, url
    server.shutdown()
    server.server_close()


def test_a_client_works_against_the_served_fake(served):
    fake, url = served
    with KeystoneClient(url=url, **fake.credentials("ben")) as client:
        assert [t.name for t in client.resources.teams.list(name__startswith="G")] == [
            "Genomics Lab"
        ]
        created = client.resources.grants.create(
            title="Served", agency="NSF", amount="5.00", start_date="2026-01-01", team=1
        )
    assert fake.get("grants", created.id).title == "Served"
    fake.assert_requested("POST", "research/grants", user="ben")


def test_links_name_the_served_address(served):
    fake, url = served
    page = httpx.get(
        f"{url}/users/users/",
        params={"_limit": 1},
        headers={"Authorization": f"Token {fake.token}"},
    ).json()
    assert page["next"] == f"{url}/users/users/?_limit=1&_offset=1"


def test_unknown_paths_answer_404_over_http(served):
    _, url = served
    answer = httpx.get(f"{url}/nowhere/")
    assert answer.status_code == 404
    assert "<title>Not Found</title>" in answer.text


def test_the_command_line_serves_the_demo(tmp_path):
    process = subprocess.Popen(
        [sys.executable, "-m", "keystone_client.testing", "serve", "--port", "0", "--seed", "demo"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
    )
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()
        assert "log in as alice / example-password" in banner
        url = banner.split()[3].rstrip("/")
        with KeystoneClient(url=url, username="alice", password="example-password") as client:
            assert client.version() == "1.4.2"
            assert client.resources.users.count() == 4
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_the_command_line_explains_a_busy_port(served):
    _, url = served
    port = url.rsplit(":", 1)[1]
    done = subprocess.run(
        [sys.executable, "-m", "keystone_client.testing", "serve", "--port", port],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr


def test_the_readme_examples_run_against_the_demo_server(served, monkeypatch, tmp_path):
    from ..test_docs_examples import ROOT, collect, execute, skip_reason

    fake, url = served
    monkeypatch.chdir(tmp_path)
    for name in ("TOKEN", "TIMEOUT", "VERIFY_SSL", "MAX_RETRIES", "PAGE_SIZE"):
        monkeypatch.delenv(f"KEYSTONE_{name}", raising=False)
    monkeypatch.setenv("KEYSTONE_URL", url)
    monkeypatch.setenv("KEYSTONE_USERNAME", fake.username)
    monkeypatch.setenv("KEYSTONE_PASSWORD", fake.password)
    namespace: dict[str, object] = {"__name__": "__main__"}
    blocks = [b for b in collect(ROOT / "README.md") if not skip_reason(b)]
    assert blocks
    for block in blocks:
        block.code = block.code.replace("http://localhost:8000", url)
        execute(block, namespace)
    assert any(r.path == "/research/grants/" and r.method == "POST" for r in fake.requests)

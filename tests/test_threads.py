"""One sync client shared by threads, against FakeKeystone: pacing, the server's throttle and a
session that expires mid-run, all at once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from keystone_client.testing import FakeKeystone

THREADS = 6
ROUNDS = 12


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeKeystone:
    """A throttled fake whose clock moves by every wait the client asks for; the client's
    pacing reads the same clock."""
    server = FakeKeystone(throttle=40, clock=lambda: 0.0)
    lock = threading.Lock()
    monkeypatch.setattr("keystone_client._pacing.time.monotonic", server.now)

    def sleep(seconds: float) -> None:
        with lock:
            WAITS.append(seconds)
            server.advance(seconds)

    WAITS.clear()
    monkeypatch.setattr("keystone_client._client.sleep", sleep)
    return server


WAITS: list[float] = []


def test_threads_share_one_client_under_pacing_throttling_and_an_expiring_session(
    fake: FakeKeystone,
) -> None:
    expired = threading.Event()

    with fake.client(rate_limit=600, throttle_wait=600) as client:

        def work(worker: int) -> list[int]:
            made = []
            for round_ in range(ROUNDS):
                if worker == 0 and round_ == ROUNDS // 2:
                    fake.expire_sessions()
                    expired.set()
                team = client.resources.teams.create(name=f"w{worker}-r{round_}")
                assert client.resources.teams.get(team.id).name == team.name
                made.append(team.id)
            return made

        with ThreadPoolExecutor(THREADS) as pool:
            made = [i for ids in pool.map(work, range(THREADS)) for i in ids]

        names = sorted(team.name for team in client.resources.teams.list())

    assert expired.is_set()
    # Every write applied exactly once, whatever waited, retried or logged in again.
    assert len(made) == len(set(made)) == THREADS * ROUNDS
    assert names == sorted(f"w{w}-r{r}" for w in range(THREADS) for r in range(ROUNDS))
    served = [(r.method, r.path, r.status) for r in fake.requests]
    logins = [s for s in served if s[:2] == ("POST", "/authentication/login/") and s[2] == 200]
    assert len(logins) == 2  # one at the start, one for all threads after the expiry
    assert any(status == 429 for *_, status in served)  # the throttle was met, and waited out
    assert any(0 < wait < 1 for wait in WAITS)  # pacing slots (the throttle's waits are >= 1 s)
    assert sum(1 for s in served if s[:2] == ("POST", "/users/teams/") and s[2] == 201) == len(made)


def test_a_login_in_another_thread_never_splits_a_requests_csrf_header_from_its_cookies() -> None:
    """A request takes its CSRF header and its Cookie header from one state of the jar:
    a login landing in another thread between the two would make Django refuse it."""
    fake = FakeKeystone()
    with fake.client() as client:
        client.login()  # the jar now holds csrftoken and sessionid
        core = client
        jar = core._cookies
        relogin = httpx.Response(
            200,
            headers=[
                ("Set-Cookie", "csrftoken=new; Path=/"),
                ("Set-Cookie", "sessionid=new; Path=/"),
            ],
            request=httpx.Request("POST", core.base_url + "authentication/login/"),
        )
        original = jar.set_cookie_header

        def set_cookie_header(request: httpx.Request) -> None:
            # Another thread's login response arrives while this request is being built.
            other = threading.Thread(target=core._store_cookies, args=(relogin,))
            other.start()
            other.join(0.2)  # it waits for the jar, or lands now
            original(request)

        jar.set_cookie_header = set_cookie_header  # type: ignore[method-assign]
        request = core._build_request("POST", "users/teams/", json={})
        jar.set_cookie_header = original  # type: ignore[method-assign]

    cookies = dict(part.split("=", 1) for part in request.headers["Cookie"].split("; "))
    assert request.headers["X-CSRFToken"] == cookies["csrftoken"]

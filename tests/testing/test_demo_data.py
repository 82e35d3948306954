"""The demo data set, record by record: the documentation's examples print it, so any change
to it is deliberate. After one, rewrite the snapshot with
``python -m tests.testing.test_demo_data`` and review its diff."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from keystone_client.testing import FakeKeystone
from keystone_client.testing._schema import COLLECTIONS

SNAPSHOT = Path(__file__).parent / "data" / "demo.json"


def demo_data() -> dict[str, Any]:
    """Every record of the demo data set as the fake serves it, by id (feed entries are the
    logs'), with its credentials."""
    fake = FakeKeystone(seed="demo")
    # The served JSON, not the models: a model would read "2024-05-01t10:00:00z" as the
    # same time as "2024-05-01T10:00:00Z", and the server writes only the second.
    rows = fake._store.db
    data: dict[str, Any] = {
        name: [fake._api.renderer.render(name, row) for _, row in sorted(rows[name].items())]
        for name in COLLECTIONS
        if name != "feed"
    }
    data["passwords"] = {
        user["username"]: fake.credentials(user["username"])["password"] for user in data["users"]
    }
    data["staff"] = {"username": fake.username, "token": fake.token}
    return data


def test_the_demo_data_set_is_the_documented_one() -> None:
    expected = json.loads(SNAPSHOT.read_text("utf-8"))
    actual = demo_data()
    assert sorted(actual) == sorted(expected)
    for name in expected:  # one collection at a time, for a readable difference
        assert actual[name] == expected[name], name


def test_every_demo_data_set_is_the_same() -> None:
    assert demo_data() == demo_data()


if __name__ == "__main__":
    SNAPSHOT.write_text(json.dumps(demo_data(), indent=1, ensure_ascii=False) + "\n", "utf-8")

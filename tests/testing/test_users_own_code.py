"""A user's own code, tested with the plugin's fixtures alone (no server, no mocks)."""

from __future__ import annotations

import pytest

from keystone_client import AsyncKeystoneClient, KeystoneClient, ServerError


def register_grants(client: KeystoneClient, team_name: str, titles: list[str]) -> list[int]:
    """The code under test: find a team, add a grant, batch-add more, return the team's ids."""
    team = client.resources.teams.list(name=team_name)[0]
    first = client.resources.grants.create(
        title=titles[0], agency="NSF", amount="1000.00", start_date="2026-01-01", team=team
    )
    with client.batch() as batch:
        for title in titles[1:]:
            batch.grants.create(
                title=title, agency="NIH", amount="500.00", start_date="2026-02-01", team=team
            )
    rest = [result.model.id for result in batch.results]
    return [first.id, *rest]


async def register_grants_async(
    client: AsyncKeystoneClient, team_name: str, titles: list[str]
) -> list[int]:
    """The same code for the async client."""
    team = (await client.resources.teams.list(name=team_name))[0]
    first = await client.resources.grants.create(
        title=titles[0], agency="NSF", amount="1000.00", start_date="2026-01-01", team=team
    )
    async with client.batch() as batch:
        for title in titles[1:]:
            batch.grants.create(
                title=title, agency="NIH", amount="500.00", start_date="2026-02-01", team=team
            )
    rest = [result.model.id for result in batch.results]
    return [first.id, *rest]


def test_register_grants(keystone_fake, keystone_client):
    team = keystone_fake.add("teams", name="Genomics Lab")
    ids = register_grants(keystone_client, "Genomics Lab", ["A", "B", "C"])
    stored = keystone_fake.all("grants")
    assert [g.id for g in stored] == ids
    assert [(g.title, g.team_id) for g in stored] == [
        ("A", team.id),
        ("B", team.id),
        ("C", team.id),
    ]
    keystone_fake.assert_requested("POST", "batch", times=1)


async def test_register_grants_async(keystone_fake, async_keystone_client):
    team = keystone_fake.add("teams", name="Genomics Lab")
    ids = await register_grants_async(async_keystone_client, "Genomics Lab", ["A", "B"])
    stored = keystone_fake.all("grants")
    assert [g.id for g in stored] == ids
    assert {g.team_id for g in stored} == {team.id}


def test_when_the_batch_fails_only_the_first_grant_is_kept(keystone_fake, keystone_client):
    keystone_fake.add("teams", name="Genomics Lab")
    keystone_fake.fail("POST", "batch", 503, times=None)
    with pytest.raises(ServerError):
        register_grants(keystone_client, "Genomics Lab", ["A", "B"])
    assert [g.title for g in keystone_fake.all("grants")] == ["A"]

"""The demo data set: the teams, people and records the documentation's examples print."""

from __future__ import annotations

from typing import Any

from ._store import Store

__all__ = ["DEMO_PASSWORD", "DEMO_STAFF", "DEMO_TOKEN", "load_demo"]

DEMO_STAFF = "alice"
DEMO_PASSWORD = "example-password"
DEMO_TOKEN = "0123456789abcdef0123456789abcdef01234567"


def load_demo(store: Store) -> None:
    """Fill an empty store with the demo data set; alice is staff, with ``DEMO_TOKEN``."""

    def add(collection: str, when: str | None = None, /, **row: Any) -> dict[str, Any]:
        return store.insert(collection, row, None, when)

    people = [
        ("alice", "Alice", "Moreau", "Research Computing", "HPC administrator", True),
        ("ben", "Ben", "Mensah", "Genomics", "Postdoctoral researcher", False),
        ("carla", "Carla", "Ortiz", "Earth Sciences", "Professor", False),
        ("dan", "Dan", "Kim", "Materials Science", "PhD student", False),
    ]
    for i, (username, first, last, dept, role, staff) in enumerate(people):
        add(
            "users",
            f"2024-0{i + 1}-15T09:00:00Z",
            username=username,
            password=DEMO_PASSWORD if username == DEMO_STAFF else f"{username}-password",
            first_name=first,
            last_name=last,
            email=f"{username}@example.edu",
            department=dept,
            role=role,
            is_superuser=staff,
            is_active=True,
            is_staff=staff,
            is_ldap_user=False,
            groups=[],
            user_permissions=[],
        )
    for name in ("Genomics Lab", "Climate Modeling", "Materials Simulation"):
        add("teams", "2024-05-01T10:00:00Z", name=name, is_active=True)
    for user, team, role in [
        (2, 1, "OW"),
        (4, 1, "MB"),
        (3, 2, "OW"),
        (2, 2, "AD"),
        (4, 3, "OW"),
    ]:
        add("memberships", "2024-05-01T10:05:00Z", user=user, team=team, role=role)
    for name, description, enabled, mode, teams in [
        ("arc", "General-purpose CPU cluster", True, "OP", []),
        ("nova", "GPU cluster for machine learning", True, "WL", [1, 2]),
        ("legacy", "Retired in 2025", False, "OP", []),
    ]:
        add(
            "clusters",
            "2024-04-01T08:00:00Z",
            name=name,
            description=description,
            enabled=enabled,
            access_mode=mode,
            access_teams=teams,
        )
    requests = [
        ("Genome assembly pipeline", 1, 2, "AP", "2025-01-01", "2025-12-31"),
        ("Variant calling at scale", 1, 2, "AP", "2025-07-01", "2026-06-30"),
        ("Single-cell RNA atlas", 1, 4, "PD", None, None),
        ("Ocean circulation ensemble", 2, 3, "AP", "2025-03-01", "2026-02-28"),
        ("Regional climate downscaling", 2, 3, "DC", None, None),
        ("Alloy phase diagrams", 3, 4, "CR", None, None),
        ("Metagenome binning", 1, 4, "AP", "2025-10-01", "2026-09-30"),
    ]
    for i, (title, team, submitter, status, active, expire) in enumerate(requests):
        add(
            "allocation_requests",
            f"2024-{i + 6:02d}-0{i + 1}T14:30:00Z",
            title=title,
            description=f"{title}: compute time for the {store.db['teams'][team]['name']}.",
            active=active,
            expire=expire,
            status=status,
            submitter=submitter,
            team=team,
            assignees=[1],
            publications=[],
            grants=[],
        )
    for request, cluster, requested, awarded, final in [
        (1, 1, 50000, 50000, 48210),
        (2, 2, 20000, 15000, None),
        (3, 1, 10000, None, None),
        (4, 1, 80000, 80000, None),
        (5, 2, 40000, None, None),
        (6, 1, 5000, None, None),
        (7, 1, 30000, 25000, None),
    ]:
        add(
            "allocations",
            "2024-12-01T12:00:00Z",
            requested=requested,
            awarded=awarded,
            final=final,
            cluster=cluster,
            request=request,
        )
    for request, status in [(1, "AP"), (2, "AP"), (4, "AP"), (5, "DC"), (6, "CR"), (7, "AP")]:
        add(
            "allocation_reviews",
            "2024-12-10T16:00:00Z",
            status=status,
            request=request,
            reviewer=1,
            submitted=f"2024-12-{request + 10}T16:00:00Z",
        )
    add(
        "comments",
        "2025-01-05T11:00:00Z",
        user=1,
        content="Please add a scaling study for the GPU runs.",
        private=False,
        request=6,
    )
    add(
        "attachments",
        "2024-11-20T09:30:00Z",
        file="allocations/assembly-proposal.pdf",
        name="assembly-proposal.pdf",
        request=1,
    )
    grants = [
        (
            "Population genomics of coral reefs",
            "NSF",
            "Ben Mensah",
            "450000.00",
            1,
            "2024-09-01",
            "2027-08-31",
        ),
        (
            "Sequencing infrastructure",
            "NIH",
            "Ben Mensah",
            "1200000.00",
            1,
            "2023-01-01",
            "2025-12-31",
        ),
        (
            "Coastal climate risk",
            "NOAA",
            "Carla Ortiz",
            "300000.00",
            2,
            "2024-07-01",
            "2026-06-30",
        ),
        ("High-entropy alloys", "DOE", "Dan Kim", "750000.00", 3, "2025-01-01", None),
    ]
    for i, (title, agency, pi, amount, team, start, end) in enumerate(grants):
        add(
            "grants",
            "2024-08-01T10:00:00Z",
            title=title,
            agency=agency,
            pi=pi,
            amount=amount,
            grant_number=f"{agency}-{2024000 + i + 1}",
            start_date=start,
            end_date=end,
            description=None,
            team=team,
        )
    pubs = [
        ("Reef genomes at scale", "Genome Research", "2025-02-10", "2025-05-20", 1),
        ("Variant calling on a budget", "Bioinformatics", "2025-09-01", None, 1),
        ("Downscaling with diffusion models", None, None, None, 2),
    ]
    for i, (title, journal, submitted, published, team) in enumerate(pubs):
        add(
            "publications",
            "2025-01-10T10:00:00Z",
            title=title,
            abstract=None,
            published=published,
            submitted=submitted,
            journal=journal,
            doi=f"10.5555/example.{i + 1}" if journal else None,
            volume=None,
            issue=None,
            team=team,
        )
    notes = [
        (1, "GM", "Scheduled maintenance on arc", False),
        (1, "RE", "Allocation request expiring soon", False),
        (1, "RD", "Allocation request expired", True),
        (2, "GM", "Welcome to Keystone", True),
    ]
    for user, kind, subject, read in notes:
        add(
            "notifications",
            "2025-06-01T08:00:00Z",
            user=user,
            notification_type=kind,
            subject=subject,
            message_html=f"<p>{subject}.</p>",
            read=read,
        )
    add(
        "preferences",
        user=1,
        request_expiry_thresholds=[30, 14],
        notify_on_expiration=True,
    )
    add(
        "preferences",
        user=2,
        request_expiry_thresholds=[7],
        notify_on_expiration=False,
    )
    for i, (name, status) in enumerate(
        [("notify_upcoming_expirations", "SUCCESS"), ("clear_expired_sessions", "SUCCESS")]
    ):
        done = f"2025-06-0{i + 1}T03:00:05Z"
        pk = store.take_id("task_logs")
        store.db["task_logs"][pk] = {
            "id": pk,
            "task_id": f"5c0ffee0-0000-4000-8000-00000000000{i + 1}",
            "periodic_task_name": name,
            "task_name": f"apps.tasks.{name}",
            "task_args": "()",
            "task_kwargs": "{}",
            "status": status,
            "worker": "celery@worker-1",
            "content_type": "application/json",
            "content_encoding": "utf-8",
            "result": "null",
            "date_created": f"2025-06-0{i + 1}T03:00:00Z",
            "date_started": f"2025-06-0{i + 1}T03:00:01Z",
            "date_done": done,
            "traceback": None,
            "meta": "{}",
        }
    store.tokens[DEMO_TOKEN] = 1

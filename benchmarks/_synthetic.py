"""Synthetic allocation-request records shaped like the Keystone API's list responses.

Every value is made up by a seeded random generator; nothing is copied from a real server.
The shape follows the server's ``AllocationRequest`` serializer: the record's own fields,
the related ids (``submitter``, ``team``, ``assignees``, ...) and their expanded objects
(``_submitter``, ``_team``, ``_assignees``, ``_publications``, ``_grants``, ``_history``
with its ``_actor``, ``_allocations`` with their ``_cluster``, ``_attachments`` and
``_comments`` with their ``_user``). The sizes were tuned so a record serializes to about
8.4 KB of compact JSON (min ~6.5 KB, max ~10.5 KB), like the records of a seeded server,
where most of the bytes are the ~2 KB description, repeated once in the audit history.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from typing import Any

__all__ = ["make_records", "record_bytes"]


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


WORDS = _words(
    "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor "
    "incididunt ut labore et dolore magna aliqua enim ad minim veniam quis nostrud "
    "exercitation ullamco laboris nisi aliquip ex ea commodo consequat duis aute irure "
    "in reprehenderit voluptate velit esse cillum fugiat nulla pariatur excepteur sint "
    "occaecat cupidatat non proident sunt culpa qui officia deserunt mollit anim id est "
    "laborum curabitur pretium tincidunt lacus nunc gravida morbi tristique senectus "
    "netus malesuada fames turpis egestas vestibulum tortor quam feugiat vitae ultricies"
)
FIRST = _words(
    "Ada Bram Cora Dario Elin Faye Gideon Hana Ivo Juno Kasper Lena Milo Nora Otto "
    "Petra Quinn Rosa Silas Tova Ugo Vera Wren Xavi Yara Zeno"
)
LAST = _words(
    "Abara Brightwell Castellan Dunmore Eskola Fairbairn Galloway Hartigan Ilves "
    "Jaramillo Kettering Lindqvist Morrow Nakashima Oyelaran Penhallow Quayle Rasmussen "
    "Stavros Thorne Umbrecht Valcourt Whitlock Yoshida Zoller"
)
ROLES = (
    "Research scientist",
    "Postdoctoral fellow",
    "Graduate student",
    "Systems engineer",
    "Data analyst",
    "Lab manager",
    "Associate professor",
    "Research software engineer",
)
DEPT_VERBS = ("model", "simulate", "measure", "compute", "analyze", "sequence", "render")
DEPT_ADJ = ("coupled", "stochastic", "spectral", "parallel", "adaptive", "quantum", "sparse")
DEPT_NOUNS = ("climate systems", "fluid flows", "genomes", "lattices", "materials", "galaxies")

N_USERS = 300
N_TEAMS = 60
N_CLUSTERS = 4
EPOCH = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


class _Gen:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def words(self, n: int) -> str:
        return " ".join(self.rng.choice(WORDS) for _ in range(n))

    def sentence(self, lo: int, hi: int) -> str:
        text = self.words(self.rng.randint(lo, hi))
        return text[:1].upper() + text[1:] + "."

    def paragraph(self, chars: int, line_break: float = 0.0) -> str:
        parts: list[str] = []
        size = 0
        while size < chars:
            sentence = self.sentence(4, 12)
            parts.append(sentence)
            size += len(sentence) + 1
            if line_break and self.rng.random() < line_break:
                parts.append("\n")
        return " ".join(parts).replace(" \n ", "\n").strip()

    def timestamp(self, days: int = 900) -> str:
        when = EPOCH + dt.timedelta(seconds=self.rng.randrange(days * 86400))
        when = when.replace(microsecond=self.rng.randrange(1_000_000))
        return when.isoformat().replace("+00:00", "Z")

    def date(self, days: int = 900) -> dt.date:
        return (EPOCH + dt.timedelta(days=self.rng.randrange(days))).date()


def _user(gen: _Gen, uid: int) -> dict[str, Any]:
    first, last = gen.rng.choice(FIRST), gen.rng.choice(LAST)
    dept = f"{gen.rng.choice(DEPT_VERBS)} {gen.rng.choice(DEPT_ADJ)} {gen.rng.choice(DEPT_NOUNS)}"
    return {
        "id": uid,
        "username": f"member{uid:04d}",
        "first_name": first,
        "last_name": last,
        "display_name": f"{first} {last}",
        "abbreviation": first[0] + last[0],
        "email": f"member{uid:04d}@university.invalid",
        "department": dept,
        "role": gen.rng.choice(ROLES),
    }


def _team(tid: int) -> dict[str, Any]:
    return {"id": tid, "slug": f"group-{tid}", "name": f"Group {tid}", "is_active": True}


def _publication(gen: _Gen, pid: int, team: int) -> dict[str, Any]:
    published = gen.rng.random() < 0.67
    return {
        "id": pid,
        "title": gen.sentence(5, 9),
        "abstract": gen.paragraph(350),
        "published": gen.date().isoformat() if published else None,
        "submitted": gen.date().isoformat() if gen.rng.random() < 0.8 else None,
        "journal": gen.words(3).title(),
        "doi": f"10.{gen.rng.randrange(10**7, 10**8)}/x{gen.rng.randrange(16**6):06x}",
        "volume": str(gen.rng.randint(1, 80)) if published else None,
        "issue": str(gen.rng.randint(1, 12)) if published else None,
        "team": team,
    }


def _grant(gen: _Gen, gid: int, team: int) -> dict[str, Any]:
    start = gen.date()
    return {
        "id": gid,
        "title": gen.sentence(5, 8),
        "agency": f"{gen.rng.choice(LAST)} Foundation",
        "pi": None,
        "amount": f"{gen.rng.randrange(10_000, 2_000_000)}.{gen.rng.randrange(100):02d}",
        "grant_number": f"AWD-{gid:06d}",
        "start_date": start.isoformat(),
        "end_date": (start + dt.timedelta(days=730)).isoformat(),
        "description": gen.paragraph(340),
        "team": team,
    }


def make_records(count: int, *, seed: int = 2024, first_id: int = 1) -> list[dict[str, Any]]:
    """Return ``count`` allocation-request records with ids ``first_id, first_id + 1, ...``."""
    gen = _Gen(seed)
    rng = gen.rng
    users = [_user(gen, uid) for uid in range(1, N_USERS + 1)]
    teams = [_team(tid) for tid in range(1, N_TEAMS + 1)]
    clusters = [
        {"id": cid, "name": f"Cluster {cid}", "enabled": True} for cid in range(1, N_CLUSTERS + 1)
    ]
    pubs = {
        t["id"]: [_publication(gen, t["id"] * 10 + i, t["id"]) for i in range(3)] for t in teams
    }
    grants = {t["id"]: [_grant(gen, t["id"] * 10 + i, t["id"]) for i in range(3)] for t in teams}
    records = []
    alloc_id = comment_id = 0
    for rid in range(first_id, first_id + count):
        team = rng.choice(teams)
        submitter = rng.choice(users)
        assignees = rng.sample(users, rng.randint(1, 2))
        publications = rng.sample(pubs[team["id"]], rng.randint(1, 2))
        team_grants = rng.sample(grants[team["id"]], rng.randint(1, 2))
        roll = rng.random()
        status = "AP" if roll < 0.9 else ("DC" if roll < 0.995 else "PD")
        title = gen.sentence(2, 4)
        description = gen.paragraph(1920, line_break=0.35)
        submitted = gen.timestamp()
        active = gen.date() if status == "AP" else None
        expire = active + dt.timedelta(days=365) if active else None
        allocations = []
        n_alloc = rng.choices(range(1, N_CLUSTERS + 1), weights=(2, 2, 3, 3))[0]
        for cluster in rng.sample(clusters, n_alloc):
            alloc_id += 1
            awarded = rng.randrange(1000, 100_000) if status == "AP" else None
            allocations.append(
                {
                    "id": alloc_id,
                    "cluster": cluster["id"],
                    "requested": rng.randrange(1000, 100_000),
                    "awarded": awarded,
                    "final": None,
                    "_cluster": cluster,
                }
            )
        comments = []
        for _ in range(rng.randint(0, 4)):
            comment_id += 1
            author = rng.choice(assignees)
            comments.append(
                {
                    "id": comment_id,
                    "user": author["id"],
                    "content": gen.sentence(6, 11),
                    "created": gen.timestamp(),
                    "private": rng.random() < 0.47,
                    "_user": author,
                }
            )
        attachments = [
            {"file": f"allocations/{name}", "name": name}
            for name in rng.sample(["proposal.pdf", "budget.xlsx", "notes.txt"], rng.randint(0, 2))
        ]
        changes: dict[str, list[str]] = {}
        if status == "AP":
            changes["expire"] = ["None", str(expire)]
        changes.update(
            {
                "status": ["None", status],
                "id": ["None", str(rid)],
                "comments": ["None", "allocations.Comment.None"],
                "submitter": ["None", str(submitter["id"])],
                "team": ["None", str(team["id"])],
                "allocation_set": ["None", "allocations.ResourceAllocation.None"],
                "title": ["None", title],
                "description": ["None", description],
                "submitted": ["None", submitted.replace("T", " ").rstrip("Z")],
            }
        )
        if status == "AP":
            changes["active"] = ["None", str(active)]
        history = {
            "id": 50_000 + rid,
            "timestamp": gen.timestamp(),
            "action": "create",
            "actor": None,
            "_actor": None,
            "changes": changes,
        }
        records.append(
            {
                "id": rid,
                "_submitter": submitter,
                "_team": team,
                "_assignees": assignees,
                "_publications": publications,
                "_grants": team_grants,
                "_history": [history],
                "_allocations": allocations,
                "_attachments": attachments,
                "_comments": comments,
                "title": title,
                "description": description,
                "submitted": submitted,
                "active": active.isoformat() if active else None,
                "expire": expire.isoformat() if expire else None,
                "status": status,
                "submitter": submitter["id"],
                "team": team["id"],
                "assignees": [u["id"] for u in assignees],
                "publications": [p["id"] for p in publications],
                "grants": [g["id"] for g in team_grants],
            }
        )
    return records


def record_bytes(record: dict[str, Any]) -> bytes:
    """Serialize one record as the server does: compact JSON, UTF-8."""
    return json.dumps(record, separators=(",", ":"), ensure_ascii=False).encode()

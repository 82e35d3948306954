"""What a delete does to the records that refer to the deleted one: Django's ``on_delete``.

`plan_delete` works out, without changing anything, what deleting one record takes with it
(cascade), what it empties (set null, many-to-many links) and what refuses it (protect), in
the order Django's deletion collector deletes and audits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ._schema import COLLECTIONS

__all__ = ["M2M", "ON_DELETE", "RELATIONS", "Plan", "plan_delete", "schema_relations"]

CASCADE = "cascade"
PROTECT = "protect"
SET_NULL = "set_null"
DO_NOTHING = "do_nothing"

# The server's on_delete choice for every relation the fake serves, from keystone-api's
# apps/*/models.py, django-auditlog's LogEntry.actor and the feed (a database view, which
# Django leaves alone). Listed as Django finds a record's dependents (installed apps in
# order, then each app's models and fields in order): a cascade deletes, and audits, in the
# order this gives. API tokens (rest_framework.authtoken's Token.user, CASCADE) live outside
# the collections; the store drops them with their user.
ON_DELETE: dict[tuple[str, str], str] = {
    ("audit_logs", "actor"): SET_NULL,  # auditlog
    ("allocations", "cluster"): PROTECT,  # apps.allocations
    ("allocations", "request"): CASCADE,
    ("allocation_requests", "submitter"): PROTECT,
    ("allocation_requests", "team"): CASCADE,
    ("allocation_reviews", "request"): CASCADE,
    ("allocation_reviews", "reviewer"): PROTECT,
    ("attachments", "request"): CASCADE,
    ("comments", "user"): PROTECT,
    ("comments", "request"): CASCADE,
    ("feed", "user"): DO_NOTHING,  # apps.logging
    ("request_logs", "user"): SET_NULL,
    ("notifications", "user"): CASCADE,  # apps.notifications
    ("preferences", "user"): CASCADE,
    ("grants", "team"): CASCADE,  # apps.research_products
    ("publications", "team"): CASCADE,
    ("memberships", "user"): CASCADE,  # apps.users
    ("memberships", "team"): CASCADE,
}


def schema_relations() -> dict[tuple[str, str], str]:
    """Every single-valued relation the fake's schema knows: (collection, field) -> target.

    Writable foreign keys, and the relation filters of read-only collections (the logs).
    """
    found: dict[tuple[str, str], str] = {}
    for name, coll in COLLECTIONS.items():
        for key, rule in coll.fields.items():
            if rule.kind == "fk":
                found[(name, key)] = rule.target
        for key, target in coll.targets.items():
            if target in COLLECTIONS:
                found.setdefault((name, key), target)
    return found


_TARGETS = schema_relations()
#: (collection, field, target, rule) for each relation, in `ON_DELETE`'s order.
RELATIONS = [(coll, key, _TARGETS[coll, key], rule) for (coll, key), rule in ON_DELETE.items()]
#: (collection, field, target) for each many-to-many field: a delete takes its id out.
M2M = [
    (name, key, rule.target)
    for name, coll in COLLECTIONS.items()
    for key, rule in coll.fields.items()
    if rule.kind == "m2m"
]


@dataclass
class Plan:
    """What one delete does; nothing happens when ``protected`` is not empty."""

    deletes: list[tuple[str, int]] = field(default_factory=list)  # in deletion order
    nulls: list[tuple[str, int, str]] = field(default_factory=list)  # (collection, id, field)
    unlinks: list[tuple[str, int, str, int]] = field(default_factory=list)  # ..., id removed
    protected: list[tuple[str, int]] = field(default_factory=list)  # records that refuse it


def plan_delete(db: dict[str, dict[int, dict[str, Any]]], name: str, pk: int) -> Plan:
    """Plan deleting record ``pk`` of collection ``name`` as Django's ``Collector`` does.

    Dependents go before what they depend on: collections are ordered by Django's
    ``Collector.sort`` (repeated passes over the collections in the order they were found,
    taking each one whose cascaded dependents are already taken; a cycle leaves them in the
    order found), records of one collection by descending id. Any record referring through a
    PROTECT key refuses the whole delete.
    """
    plan = Plan()
    found: dict[str, list[int]] = {}  # collection -> ids, in the order Django collects them
    first: dict[str, set[str]] = {}  # collection -> collections whose records must go first

    def collect(coll: str, ids: list[int]) -> None:
        seen = found.setdefault(coll, [])
        new = [i for i in ids if i not in seen]
        seen.extend(new)
        for child, key, target, rule in RELATIONS:
            if target != coll or not new:
                continue
            rows = [row["id"] for row in db[child].values() if row.get(key) in new]
            if not rows:
                continue
            if rule == CASCADE:
                first.setdefault(coll, set()).add(child)
                collect(child, rows)
            elif rule == PROTECT:
                plan.protected += [(child, row) for row in rows]
            elif rule == SET_NULL:
                plan.nulls += [(child, row, key) for row in rows]

    collect(name, [pk])
    order: list[str] = []
    for _ in found:  # a pass that takes none meets a cycle: this many passes always suffice
        for coll in found:
            if coll not in order and first.get(coll, set()) <= set(order):
                order.append(coll)
    if len(order) < len(found):  # a cycle: Django leaves every collection in the order found
        order = list(found)
    plan.deletes = [(coll, row) for coll in order for row in sorted(found[coll], reverse=True)]
    gone = set(plan.deletes)
    for coll, key, target in M2M:
        for row in db[coll].values():
            if (coll, row["id"]) in gone:
                continue
            plan.unlinks += [
                (coll, row["id"], key, ref) for ref in row.get(key) or [] if (target, ref) in gone
            ]
    return plan

"""`Collections`: every Keystone collection as one typed attribute, declared once.

Each line pairs a catalog spec with the descriptor class of its access; `Resources`,
`AsyncResources` and the batches inherit this table and so offer the same collections.
"""

from __future__ import annotations

from . import _catalog as c
from ._declarations import Full, ListOnly, ReadOnly, Statistics, Updatable

__all__ = ["Collections"]


class Collections:
    """The table of collections; read from a face, each attribute is that face's manager."""

    users = Full(c.USERS)
    teams = Full(c.TEAMS)
    memberships = Full(c.MEMBERSHIPS)
    clusters = Full(c.CLUSTERS)
    allocations = Full(c.ALLOCATIONS)
    allocation_requests = Full(c.ALLOCATION_REQUESTS)
    allocation_reviews = Full(c.ALLOCATION_REVIEWS)
    comments = Full(c.COMMENTS)
    attachments = Full(c.ATTACHMENTS)
    grants = Full(c.GRANTS)
    publications = Full(c.PUBLICATIONS)
    notifications = Updatable(c.NOTIFICATIONS)
    preferences = Full(c.PREFERENCES)
    audit_logs = ReadOnly(c.AUDIT_LOGS)
    request_logs = ReadOnly(c.REQUEST_LOGS)
    task_logs = ReadOnly(c.TASK_LOGS)
    feed = ListOnly(c.FEED)
    stats = Statistics()

"""Ending a request's transaction without reloading what the request already holds."""

from __future__ import annotations

from server.extensions import db


def commit_keeping_rows() -> None:
    """Commit without expiring the rows loaded so far (the device and its user): after a plain
    commit they were read again, a SELECT each, for an audit entry or the access log's line."""
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True

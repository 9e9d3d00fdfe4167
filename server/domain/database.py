"""Engine set-up and the change sequence that every synced row carries."""

from __future__ import annotations

from collections import deque

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, scoped_session

from server.domain.models.base import ChangeCounter, ScopedMixin, SyncMixin
from server.domain.models.devices import ScopeExit

SYNCHRONOUS_MODES = ("FULL", "EXTRA", "NORMAL", "OFF")


def sqlite_file(engine: Engine) -> str | None:
    """The path of the engine's SQLite database file; None for PostgreSQL or an in-memory one."""
    if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):
        return None
    return engine.url.database


def install_engine_hooks(engine: Engine, synchronous: str = "FULL") -> None:
    """SQLite needs foreign keys switched on and WAL for a reader beside the writer.

    `synchronous` FULL flushes the log to disk at every commit: once the server has answered
    "stored", the tablet counts a record as synced, so a power cut must not take that commit
    back (NORMAL may lose the last ones). The tablet's own store runs NORMAL: it keeps its
    records until the server has them. The tests' throw-away databases use OFF."""
    if synchronous not in SYNCHRONOUS_MODES:
        raise ValueError(f"SQLITE_SYNCHRONOUS must be one of {', '.join(SYNCHRONOUS_MODES)}")
    if engine.dialect.name != "sqlite" or getattr(engine, "_xuncha_hooked", False):
        return

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        if sqlite_file(engine):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA synchronous={synchronous}")
        # A savepoint's journal (each push is applied in one) in memory, not a temporary file
        # written page by page: it is only read to roll that savepoint back.
        cursor.execute("PRAGMA temp_store=MEMORY")
        # 32 MiB of pages per connection (SQLite's default is 2 MiB): a push of 500 findings
        # into a table of 15,000-20,000 inserted ~18 % faster, its index pages no longer read
        # back from the file; the cache fills only as pages are used.
        cursor.execute("PRAGMA cache_size=-32768")
        cursor.close()

    engine._xuncha_hooked = True


def take_change_numbers(session: Session, count: int) -> range:
    """Reserve `count` consecutive change sequence numbers in the session's transaction."""
    table = ChangeCounter.__table__
    new_value = session.execute(
        sa.update(table).where(table.c.id == 1).values(value=table.c.value + count)
        .returning(table.c.value)
    ).scalar()
    if new_value is None:
        session.execute(sa.insert(table).values(id=1, value=count))
        new_value = count
    return range(new_value - count + 1, new_value + 1)


_POOL = "xuncha_change_pool"


def reserve_change_numbers(session: Session, count: int) -> None:
    """Take `count` numbers now, for the flushes to come in this transaction.

    A push of 250 new records then costs one counter update instead of 250. Call it outside
    any savepoint: numbers taken inside one would vanish with its rollback while still in the
    pool. Numbers left unused are gaps, which a cursor never minds.
    """
    real = session() if isinstance(session, scoped_session) else session
    if real.in_nested_transaction():
        raise RuntimeError("reserve change numbers outside savepoints")
    session.info.setdefault(_POOL, deque()).extend(take_change_numbers(session, count))


def _next_numbers(session: Session, count: int) -> list[int]:
    pool: deque[int] = session.info.get(_POOL) or deque()
    taken = [pool.popleft() for _ in range(min(count, len(pool)))]
    if len(taken) < count:
        # Taken and used in this very flush, so a savepoint rollback takes both back together.
        taken += list(take_change_numbers(session, count - len(taken)))
    return taken


def next_change_numbers(session: Session, count: int) -> list[int]:
    """`count` numbers for rows written without the ORM (bulk INSERTs), from the reserve first."""
    return _next_numbers(session, count)


@event.listens_for(Session, "after_transaction_end")
def _drop_pool(session: Session, transaction) -> None:
    # Reserved numbers belong to the transaction that took them (its rollback undoes them).
    if transaction.parent is None:
        session.info.pop(_POOL, None)


def current_change_number(session: Session) -> int:
    table = ChangeCounter.__table__
    return session.execute(sa.select(table.c.value).where(table.c.id == 1)).scalar() or 0


@event.listens_for(Session, "before_flush")
def _stamp_change_sequence(session: Session, _context, _instances) -> None:
    """Every synced row that is new or changed in this flush gets the next change number."""
    changed = [obj for obj in session.new if isinstance(obj, SyncMixin)]
    changed += [
        obj
        for obj in session.dirty
        if isinstance(obj, SyncMixin) and session.is_modified(obj, include_collections=False)
    ]
    leaving = [obj for obj in session.deleted if isinstance(obj, ScopedMixin)]
    if not changed and not leaving:
        return
    numbers = iter(_next_numbers(session, len(changed) + len(leaving)))
    for obj in changed:
        obj.server_seq = next(numbers)
        old_code = _previous_region_code(obj)
        if old_code is not None:
            session.add(_exit(obj, old_code, obj.server_seq))
    for obj in leaving:
        session.add(_exit(obj, obj.region_code, next(numbers)))


def _previous_region_code(obj) -> str | None:
    """The region code a scoped row had before this flush, if the flush moves it."""
    if not isinstance(obj, ScopedMixin):
        return None
    history = sa.inspect(obj).attrs.region_code.history
    if history.deleted and history.deleted[0] and history.deleted[0] != obj.region_code:
        return history.deleted[0]
    return None


def _exit(obj, old_code: str, seq: int) -> ScopeExit:
    # Devices whose scope held the old region get a tombstone; the row's new region sees it
    # arrive through its own change number.
    return ScopeExit(server_seq=seq, kind=obj.__tablename__, record_id=str(obj.id),
                     old_region_code=old_code)

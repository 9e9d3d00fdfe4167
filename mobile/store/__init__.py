"""The tablet's local store: SQLite (WAL), migrations, records, outbox, photo files."""

from mobile.store.connection import NotPaired, Store, StoreBusy
from mobile.store.records import ImmutableField, InvalidRecord, Record

__all__ = ["ImmutableField", "InvalidRecord", "NotPaired", "Record", "Store", "StoreBusy"]

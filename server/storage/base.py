"""The photo store interface: content-addressed bytes, resumable uploads, thumbnails.

Keys are lowercase hex SHA-256 strings that the domain has already checked. The store keeps
bytes only; which photos exist, and whether they were checked, is the database's business.
"""

from __future__ import annotations

import contextlib
import enum
import hashlib
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO


class Variant(enum.StrEnum):
    ORIGINAL = "original"
    THUMB = "thumb"


class StorageError(OSError):
    """The store could not keep the bytes (disk full, bucket unreachable): retry later."""


class OffsetMismatch(Exception):
    """A chunk did not start where the upload stands; `offset` is where it does."""

    def __init__(self, offset: int) -> None:
        super().__init__(f"upload stands at byte {offset}")
        self.offset = offset


@dataclass(frozen=True)
class PendingUpload:
    sha256: str
    offset: int
    modified_at: datetime  # UTC, naive


CONTENT_TYPES = {"image/jpeg": "jpg", "image/png": "png"}


class PhotoStore(ABC):
    """Where photo bytes live. A backend implements these methods and nothing else.

    Uploads: `append_upload` and `commit_upload` change an upload and must be called under
    `lock(sha256)` by a caller that also holds the database row lock of the photo; then at most
    one writer touches an upload at a time, in this process, in others, and on other hosts.
    """

    # --- resumable uploads -------------------------------------------------------------------

    @abstractmethod
    def upload_offset(self, sha256: str) -> int:
        """How many bytes of the upload are durably kept (0 when none)."""

    @abstractmethod
    def append_upload(self, sha256: str, offset: int, data: bytes) -> int:
        """Add `data` at `offset`, which must equal the current offset, else OffsetMismatch.

        The chunk is kept whole or not at all, and is durable when this returns the new offset.
        """

    @abstractmethod
    def open_upload(self, sha256: str) -> BinaryIO:
        """Read the bytes received so far (to hash and check them before commit)."""

    @abstractmethod
    def discard_upload(self, sha256: str) -> None:
        """Forget the upload's bytes; no error when there are none."""

    @abstractmethod
    def commit_upload(self, sha256: str, content_type: str) -> None:
        """Make the upload the original photo in one atomic step; the upload is gone after."""

    @abstractmethod
    def pending_uploads(self) -> Iterator[PendingUpload]:
        """Uploads not committed nor discarded, for the clean-up of abandoned ones."""

    def lock(self, sha256: str) -> contextlib.AbstractContextManager[None]:
        """Exclusive right to change one upload.

        A backend shared by several hosts relies on the database row lock of the photo
        (PostgreSQL SELECT … FOR UPDATE), which the domain always takes first; this default
        adds nothing to it.
        """
        return contextlib.nullcontext()

    # --- finished photos ---------------------------------------------------------------------

    @abstractmethod
    def put_bytes(self, sha256: str, data: bytes, content_type: str, *, hashed: bool = False) -> None:
        """Store a whole original at once, atomically and durably (a photo sent whole, demo
        data, imports). The bytes must hash to `sha256`: checked here unless `hashed` says the
        caller has just checked these very bytes."""

    @abstractmethod
    def put_thumbnail(self, sha256: str, data: bytes) -> None:
        """Store the JPEG thumbnail of a photo, atomically."""

    @abstractmethod
    def open(self, sha256: str, variant: Variant = Variant.ORIGINAL) -> BinaryIO:
        """Read a stored photo; FileNotFoundError when it is not there."""

    @abstractmethod
    def exists(self, sha256: str, variant: Variant = Variant.ORIGINAL) -> bool: ...

    @abstractmethod
    def delete(self, sha256: str) -> None:
        """Remove the original, the thumbnail and any upload; no error when absent."""

    def local_path(self, sha256: str, variant: Variant = Variant.ORIGINAL) -> str | None:
        """A file path the web server may send directly, or None for a remote backend."""
        return None


def check_content(sha256: str, data: bytes, content_type: str) -> None:
    """A store never files bytes under a name they do not hash to."""
    if hashlib.sha256(data).hexdigest() != sha256:
        raise ValueError(f"bytes do not hash to {sha256}")
    if content_type not in CONTENT_TYPES:
        raise ValueError(f"unsupported content type {content_type!r}")

"""Photos as files on a local disk, sharded by the first two hex digits of their SHA-256.

    <root>/ab/<sha256>.jpg             originals (.png for PNG)
    <root>/thumbs/ab/<sha256>.jpg      thumbnails
    <root>/uploads/<sha256>.part       uploads in progress
    <root>/locks/ab.lock               256 lock files shared by all photos (never deleted)

The 256 folders of originals are made, durably, before the first photo this process writes,
so no photo pays for a new folder (a mkdir, and an fsync of its parent). Stores written
before this layout keep photos in two levels, <root>/ab/cd/<sha256>.jpg (thumbnails
<root>/thumbs/ab/cd/…); every read, existence check and delete looks there too, so they keep
working unmoved (the two kinds of names cannot collide: a folder has two hex digits, a file
64 and an extension).

Every finished file appears at its final path in one os.replace of a complete, fsync'd file,
so a reader or a crash never sees half a photo there.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from server.storage.base import (
    CONTENT_TYPES,
    OffsetMismatch,
    PendingUpload,
    PhotoStore,
    StorageError,
    Variant,
    check_content,
)

_KEY = re.compile(r"[0-9a-f]{64}")


SHARDS = tuple(f"{n:02x}" for n in range(256))


class LocalDiskStore(PhotoStore):
    def __init__(self, root: str | os.PathLike) -> None:
        self.root = Path(root)
        self._shards_ready = False

    # --- paths -------------------------------------------------------------------------------

    def _key(self, sha256: str) -> str:
        # The domain checks keys already; this keeps a caller's mistake from naming any path.
        if not isinstance(sha256, str) or not _KEY.fullmatch(sha256):
            raise ValueError(f"not a lowercase hex SHA-256: {sha256!r}")
        return sha256

    def _shard(self, base: Path, sha256: str) -> Path:
        return base / sha256[:2]

    def _old_shard(self, base: Path, sha256: str) -> Path:
        """Where stores written before the one-level layout keep a photo."""
        return base / sha256[:2] / sha256[2:4]

    def _original_candidates(self, sha256: str) -> list[Path]:
        self._key(sha256)
        return [shard(self.root, sha256) / f"{sha256}.{ext}"
                for shard in (self._shard, self._old_shard) for ext in CONTENT_TYPES.values()]

    def _original_path(self, sha256: str, content_type: str) -> Path:
        return self._shard(self.root, self._key(sha256)) / f"{sha256}.{CONTENT_TYPES[content_type]}"

    def _thumb_path(self, sha256: str) -> Path:
        return self._shard(self.root / "thumbs", self._key(sha256)) / f"{sha256}.jpg"

    def _thumb_candidates(self, sha256: str) -> list[Path]:
        return [self._thumb_path(sha256), self._old_shard(self.root / "thumbs", sha256) / f"{sha256}.jpg"]

    def _prepare_shards(self) -> None:
        """The 256 folders of originals, made and made durable before this process writes its
        first photo into them: then a photo's file and its folder's entry are all it fsyncs.

        An empty store would otherwise make a new folder for most of its first few hundred
        photos, each costing a mkdir and an fsync of the root."""
        if self._shards_ready:
            return
        created = _ensure_dir(self.root, durable=False)
        for name in SHARDS:
            with contextlib.suppress(FileExistsError):
                os.mkdir(self.root / name, 0o750)
        # Fsync'd even when this call made nothing: another thread or process may have made
        # them a moment ago and not fsync'd them yet. Two fsyncs, once per process.
        for folder in dict.fromkeys([self.root, self.root.parent, *reversed(created)]):
            _fsync_dir(folder)
        self._shards_ready = True

    def _upload_path(self, sha256: str) -> Path:
        return self.root / "uploads" / f"{self._key(sha256)}.part"

    def _existing(self, sha256: str, variant: Variant) -> Path | None:
        candidates = (
            self._thumb_candidates(sha256) if variant == Variant.THUMB else self._original_candidates(sha256)
        )
        return next((path for path in candidates if path.is_file()), None)

    # --- uploads -----------------------------------------------------------------------------

    def upload_offset(self, sha256: str) -> int:
        try:
            return self._upload_path(sha256).stat().st_size
        except FileNotFoundError:
            return 0

    def append_upload(self, sha256: str, offset: int, data: bytes) -> int:
        path = self._upload_path(sha256)
        if offset == 0:
            _ensure_dir(path.parent, durable=False)
        flags = os.O_WRONLY | os.O_APPEND | (os.O_CREAT if offset == 0 else 0)
        try:
            fd = os.open(path, flags, 0o640)
        except FileNotFoundError:
            raise OffsetMismatch(0) from None
        try:
            size = os.fstat(fd).st_size
            if size != offset:
                raise OffsetMismatch(size)
            try:
                _write_all(fd, data)
                os.fdatasync(fd)
            except OSError as exc:
                # Whole chunk or nothing: a half-written chunk would be reported to nobody.
                with contextlib.suppress(OSError):
                    os.ftruncate(fd, offset)
                raise StorageError(f"could not keep the chunk: {exc}") from exc
        finally:
            os.close(fd)
        # The new name is not fsync'd into uploads/: a crash that loses it only sends the
        # tablet back to offset 0, as the offset is always read from the file itself.
        return offset + len(data)

    def open_upload(self, sha256: str) -> BinaryIO:
        return open(self._upload_path(sha256), "rb")  # noqa: SIM115 (the caller closes it)

    def discard_upload(self, sha256: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self._upload_path(sha256).unlink()

    def commit_upload(self, sha256: str, content_type: str) -> None:
        source = self._upload_path(sha256)
        target = self._original_path(sha256, content_type)
        try:
            self._prepare_shards()
            _ensure_dir(target.parent)  # made above; only a folder removed since is made here
            # Each chunk was fdatasync'd when it arrived, so the renamed file is complete on disk.
            os.replace(source, target)
            _fsync_dir(target.parent)  # durable before the database says "stored"
        except OSError as exc:
            raise StorageError(f"could not commit {sha256}: {exc}") from exc

    def pending_uploads(self) -> Iterator[PendingUpload]:
        folder = self.root / "uploads"
        if not folder.is_dir():
            return
        for entry in os.scandir(folder):
            name, dot, ext = entry.name.partition(".")
            if ext != "part" or not _KEY.fullmatch(name):
                continue
            with contextlib.suppress(FileNotFoundError):
                stat = entry.stat()
                modified = datetime.fromtimestamp(stat.st_mtime, UTC).replace(tzinfo=None)
                yield PendingUpload(name, stat.st_size, modified)

    @contextlib.contextmanager
    def lock(self, sha256: str) -> Iterator[None]:
        # flock (not fcntl record locks) also excludes other threads of this process, because
        # every call opens its own file description.
        path = self.root / "locks" / f"{self._key(sha256)[:2]}.lock"
        _ensure_dir(path.parent)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o640)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    # --- finished photos ---------------------------------------------------------------------

    def put_bytes(self, sha256: str, data: bytes, content_type: str, *, hashed: bool = False) -> None:
        if hashed:  # the caller hashed these very bytes a moment ago
            self._key(sha256)
            if content_type not in CONTENT_TYPES:
                raise ValueError(f"unsupported content type {content_type!r}")
        else:
            check_content(self._key(sha256), data, content_type)
        target = self._original_path(sha256, content_type)
        for existing in (target, self._old_shard(self.root, sha256) / target.name):
            with contextlib.suppress(FileNotFoundError):
                if os.stat(existing).st_size == len(data):
                    # Same name, same bytes: content addressing makes this a no-op. Its folder
                    # is fsync'd all the same (a flush, when nothing is pending): a request
                    # that renamed it there a moment ago may not have fsync'd it yet, and the
                    # caller's row may say stored once this returns.
                    try:
                        _fsync_dir(existing.parent)
                    except OSError as exc:
                        raise StorageError(f"could not flush {existing.parent}: {exc}") from exc
                    return
        try:
            self._prepare_shards()
        except OSError as exc:
            raise StorageError(f"could not make the photo folders: {exc}") from exc
        _atomic_write(target, data)

    def put_thumbnail(self, sha256: str, data: bytes) -> None:
        # A thumbnail lost in a crash is made again from the original when asked for, so its
        # name needs no directory fsync; its bytes still do, so it is never seen half-written.
        _atomic_write(self._thumb_path(sha256), data, durable_name=False)

    def open(self, sha256: str, variant: Variant = Variant.ORIGINAL) -> BinaryIO:
        path = self._existing(sha256, variant)
        if path is None:
            raise FileNotFoundError(f"no {variant} for {sha256}")
        return open(path, "rb")  # noqa: SIM115 (the caller closes it)

    def exists(self, sha256: str, variant: Variant = Variant.ORIGINAL) -> bool:
        return self._existing(sha256, variant) is not None

    def delete(self, sha256: str) -> None:
        for path in [*self._original_candidates(sha256), *self._thumb_candidates(sha256),
                     self._upload_path(sha256)]:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()

    def local_path(self, sha256: str, variant: Variant = Variant.ORIGINAL) -> str | None:
        path = self._existing(sha256, variant)
        return str(path) if path else None


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _fsync_dir(path: Path) -> None:
    """Make a created, renamed or removed directory entry survive a power cut."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _ensure_dir(path: Path, durable: bool = True) -> list[Path]:
    """Make `path` and its missing parents; returns the folders that gained an entry, which
    must be fsync'd for the new folders to survive a power cut (now, when `durable`)."""
    missing = []
    while not path.is_dir():
        missing.append(path)
        path = path.parent
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):
            folder.mkdir(mode=0o750)
    changed = [folder.parent for folder in reversed(missing)]
    if durable:
        for folder in changed:
            _fsync_dir(folder)
    return changed


def _temporary_file(target: Path) -> tuple[int, str]:
    """A new file beside `target`, open for writing, mode 0640 (mkstemp's 0600 needed a chmod)."""
    for _ in range(100):
        tmp = f"{target.parent}/.tmp-{target.name}-{secrets.token_hex(4)}"
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name beside {target}")


def _atomic_write(target: Path, data: bytes, durable_name: bool = True) -> None:
    """Write a temporary file beside the target, fsync it, then rename it over the target.

    Folders made on the way are fsync'd after the rename, with the target's own: the file's
    fsync has already committed the journal with them, so they cost little then, where each
    one fsync'd on creation cost a journal commit of its own.
    """
    try:
        created: list[Path] = []
        fd, tmp = _temporary_file(target)
    except FileNotFoundError:  # a new shard folder: made only then, not looked for on every write
        created = _ensure_dir(target.parent, durable=False)
        fd, tmp = _temporary_file(target)
    try:
        try:
            _write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise StorageError(f"could not write {target.name}: {exc}") from exc
        raise
    if durable_name:
        for folder in [target.parent, *reversed(created)]:
            _fsync_dir(folder)

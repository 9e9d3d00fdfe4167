"""The local photo store: sharded paths, atomic files, resumable uploads, locks."""

from __future__ import annotations

import fcntl
import hashlib
import os
import signal
import subprocess
import sys
import textwrap
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask

from server.config import ConfigError
from server.domain.photos import discard_abandoned_uploads
from server.storage import LocalDiskStore, OffsetMismatch, Variant, get_photo_store
from tests.factories import jpeg_bytes

DATA = jpeg_bytes(320, 240, seed=7)
SHA = hashlib.sha256(DATA).hexdigest()


@pytest.fixture
def store(tmp_path) -> LocalDiskStore:
    return LocalDiskStore(tmp_path / "photos")


def files_under(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_photos_are_kept_under_sharded_paths_with_thumbnails_apart(store):
    store.put_bytes(SHA, DATA, "image/jpeg")
    store.put_thumbnail(SHA, b"thumbnail bytes")
    assert files_under(store.root) == [
        f"{SHA[:2]}/{SHA}.jpg",
        f"thumbs/{SHA[:2]}/{SHA}.jpg",
    ]
    with store.open(SHA) as original, store.open(SHA, Variant.THUMB) as thumb:
        assert (original.read(), thumb.read()) == (DATA, b"thumbnail bytes")
    assert store.local_path(SHA) == str(store.root / SHA[:2] / f"{SHA}.jpg")


def folders_under(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_dir()}


def test_the_256_folders_are_made_before_the_first_photo_so_no_photo_makes_one(store):
    store.put_bytes(SHA, DATA, "image/jpeg")
    assert {p.name for p in store.root.iterdir() if p.is_dir()} == {f"{n:02x}" for n in range(256)}
    folders = folders_under(store.root)
    others = [jpeg_bytes(64, 48, seed=seed) for seed in range(20)]
    for data in others:
        store.put_bytes(hashlib.sha256(data).hexdigest(), data, "image/jpeg")
    assert folders_under(store.root) == folders  # each photo went into a folder made already
    # Another process (a fresh store object) finds them made and makes none.
    again = LocalDiskStore(store.root)
    again.put_bytes(hashlib.sha256(b"x").hexdigest(), b"x", "image/jpeg")
    assert folders_under(store.root) == folders


def test_a_shard_folder_removed_while_running_is_made_again(store):
    store.put_bytes(SHA, DATA, "image/jpeg")
    store.delete(SHA)
    (store.root / SHA[:2]).rmdir()
    store.put_bytes(SHA, DATA, "image/jpeg")
    with store.open(SHA) as original:
        assert original.read() == DATA


def test_photos_of_a_store_in_the_two_level_layout_are_still_found(store):
    """A store written before the one-level layout keeps ab/cd/<sha>.jpg: read, checked,
    deleted, and not written again, where it is."""
    png = b"\x89PNG pretend"
    digest = hashlib.sha256(png).hexdigest()
    old_original = store.root / SHA[:2] / SHA[2:4] / f"{SHA}.jpg"
    old_thumb = store.root / "thumbs" / SHA[:2] / SHA[2:4] / f"{SHA}.jpg"
    old_png = store.root / digest[:2] / digest[2:4] / f"{digest}.png"
    for path, data in ((old_original, DATA), (old_thumb, b"old thumb"), (old_png, png)):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    assert store.exists(SHA) and store.exists(SHA, Variant.THUMB) and store.exists(digest)
    assert store.local_path(SHA) == str(old_original) and store.local_path(digest) == str(old_png)
    with store.open(SHA) as original, store.open(SHA, Variant.THUMB) as thumb:
        assert (original.read(), thumb.read()) == (DATA, b"old thumb")
    store.put_bytes(SHA, DATA, "image/jpeg")  # a restore of the same photo: already there
    assert not (store.root / SHA[:2] / f"{SHA}.jpg").exists()
    store.put_thumbnail(SHA, b"new thumb")  # a remade thumbnail goes to the new place, and wins
    with store.open(SHA, Variant.THUMB) as thumb:
        assert thumb.read() == b"new thumb"
    store.delete(SHA)
    store.delete(digest)
    assert not store.exists(SHA) and not store.exists(SHA, Variant.THUMB) and not store.exists(digest)
    assert files_under(store.root) == []


def test_put_bytes_refuses_bytes_that_do_not_hash_to_their_name(store):
    with pytest.raises(ValueError, match="do not hash"):
        store.put_bytes(SHA, DATA + b"x", "image/jpeg")
    with pytest.raises(ValueError, match="content type"):
        store.put_bytes(SHA, DATA, "image/gif")
    assert files_under(store.root) == []


@pytest.mark.parametrize("bad", ["../../etc/passwd", SHA.upper(), SHA[:-1], SHA + "0", "", "/" + SHA[1:]])
def test_a_name_that_is_not_a_sha256_never_becomes_a_path(store, bad):
    for call in (lambda: store.open(bad), lambda: store.upload_offset(bad),
                 lambda: store.append_upload(bad, 0, b"x"), lambda: store.put_thumbnail(bad, b"x")):
        with pytest.raises(ValueError):
            call()
    assert not store.root.exists()


def test_upload_grows_only_from_its_current_offset(store):
    assert store.upload_offset(SHA) == 0
    with pytest.raises(OffsetMismatch) as missing:
        store.append_upload(SHA, 10, DATA[10:20])
    assert missing.value.offset == 0
    assert store.append_upload(SHA, 0, DATA[:1000]) == 1000
    for wrong in (0, 999, 1001):
        with pytest.raises(OffsetMismatch) as refused:
            store.append_upload(SHA, wrong, DATA[wrong:wrong + 10])
        assert refused.value.offset == 1000
    assert store.append_upload(SHA, 1000, DATA[1000:]) == len(DATA)
    with store.open_upload(SHA) as received:
        assert received.read() == DATA


def test_an_upload_is_never_visible_at_the_final_path_until_committed(store):
    store.append_upload(SHA, 0, DATA[:500])
    store.append_upload(SHA, 500, DATA[500:])
    assert not store.exists(SHA) and store.local_path(SHA) is None
    with pytest.raises(FileNotFoundError):
        store.open(SHA)
    assert files_under(store.root) == [f"uploads/{SHA}.part"]

    store.commit_upload(SHA, "image/jpeg")
    assert store.upload_offset(SHA) == 0
    assert files_under(store.root) == [f"{SHA[:2]}/{SHA}.jpg"]
    with store.open(SHA) as original:
        assert original.read() == DATA


def test_replacing_a_file_leaves_readers_of_the_old_one_whole(store):
    store.put_thumbnail(SHA, b"A" * 100_000)
    with store.open(SHA, Variant.THUMB) as reader:
        store.put_thumbnail(SHA, b"B" * 50)
        assert reader.read() == b"A" * 100_000
    with store.open(SHA, Variant.THUMB) as reader:
        assert reader.read() == b"B" * 50
    assert not [name for name in files_under(store.root) if ".tmp-" in name]


def test_png_originals_keep_their_extension(store):
    png = b"\x89PNG pretend"
    digest = hashlib.sha256(png).hexdigest()
    store.put_bytes(digest, png, "image/png")
    assert store.local_path(digest).endswith(f"{digest}.png")
    assert store.exists(digest) and not store.exists(digest, Variant.THUMB)


def test_discard_and_delete_leave_nothing(store):
    store.append_upload(SHA, 0, DATA[:100])
    store.discard_upload(SHA)
    store.discard_upload(SHA)  # twice is fine
    assert store.upload_offset(SHA) == 0
    store.put_bytes(SHA, DATA, "image/jpeg")
    store.put_thumbnail(SHA, b"t")
    store.append_upload(SHA, 0, DATA[:100])
    store.delete(SHA)
    assert files_under(store.root) == []
    store.delete(SHA)


def test_abandoned_uploads_are_discarded_and_recent_ones_kept(store):
    other = hashlib.sha256(b"other").hexdigest()
    store.append_upload(SHA, 0, DATA[:100])
    store.append_upload(other, 0, b"recent")
    old = store.root / "uploads" / f"{SHA}.part"
    stamp = old.stat().st_mtime - 3 * 24 * 3600
    os.utime(old, (stamp, stamp))
    assert {p.sha256: p.offset for p in store.pending_uploads()} == {SHA: 100, other: 6}
    assert discard_abandoned_uploads(store, timedelta(days=2)) == 1
    assert [p.sha256 for p in store.pending_uploads()] == [other]


def test_the_lock_of_a_photo_excludes_other_threads_and_processes(store):
    held, release = threading.Event(), threading.Event()

    def holder() -> None:
        with store.lock(SHA):
            held.set()
            release.wait()

    thread = threading.Thread(target=holder)
    thread.start()
    held.wait()
    lock_file = store.root / "locks" / f"{SHA[:2]}.lock"
    fd = os.open(lock_file, os.O_RDWR)
    try:
        with pytest.raises(BlockingIOError):
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        release.set()
        thread.join()
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # free once the holder left
    finally:
        os.close(fd)


def test_a_writer_killed_mid_upload_leaves_an_offset_backed_by_its_bytes(store, tmp_path):
    """Whatever moment the process dies, the offset is the size on disk and every byte there
    is the client's byte at that position, so resuming from the offset is always right."""
    script = textwrap.dedent(f"""
        import sys
        from server.storage import LocalDiskStore
        store = LocalDiskStore({str(store.root)!r})
        data = bytes(range(256)) * 4096
        offset = 0
        print("ready", flush=True)
        while True:
            with store.lock({SHA!r}):
                start = offset % len(data)
                offset = store.append_upload({SHA!r}, offset, data[start:start + 65536])
    """)
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                             cwd=Path(__file__).resolve().parents[1])
    assert child.stdout.readline() == b"ready\n"
    while store.upload_offset(SHA) < 2_000_000:
        assert child.poll() is None, "the writer stopped by itself"
    child.send_signal(signal.SIGKILL)
    child.wait()
    child.stdout.close()
    offset = store.upload_offset(SHA)
    with store.open_upload(SHA) as received:
        kept = received.read()
    assert len(kept) == offset
    pattern = bytes(range(256)) * 4096
    assert kept == (pattern * (offset // len(pattern) + 1))[:offset]


def test_the_store_is_chosen_by_configuration(app, tmp_path):
    store = get_photo_store(app)
    assert isinstance(store, LocalDiskStore) and store.root == Path(app.config["PHOTO_DIR"])
    assert get_photo_store(app) is store
    other = Flask(__name__)
    other.config.update(PHOTO_STORE="floppy", PHOTO_DIR=str(tmp_path))
    with pytest.raises(ConfigError, match="floppy"):
        get_photo_store(other)

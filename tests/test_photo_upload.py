"""Photo uploads over the API: chunks, resuming, checks, access; every refusal is a 4xx JSON."""

from __future__ import annotations

import hashlib
import io
import itertools
import random
import struct
import subprocess
import sys
import threading
import uuid
import zlib
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image
from werkzeug.test import EnvironBuilder

from server.domain.devices import revoke_device
from server.domain.models import AuditEntry, Device, Photo, PhotoLink
from server.domain.photos import PhotoLimits, PhotoRejected, add_photo
from server.extensions import db
from server.storage import Variant, get_photo_store
from shared_schema.photos import chunk_range
from tests import factories
from tests.factories import PASSWORD, photo_jpeg_bytes
from tests.small_city import build_small_city
from tests.sync_client import pair

KIB = 1024


@pytest.fixture
def city(app_ctx, monkeypatch):
    # factories numbers regions from one process-wide counter and makes codes by appending
    # three digits per level; after ~1000 calls a community code passes the 12 characters
    # PostgreSQL allows. Tables are emptied between tests, so each test may count from 1.
    monkeypatch.setattr(factories, "_counter", itertools.count(1))
    return build_small_city()


@pytest.fixture
def tablet(client, city):
    return pair(client, "insp_a", PASSWORD)


@pytest.fixture
def store(app):
    return get_photo_store(app)


@pytest.fixture(scope="module")
def photo() -> bytes:
    return photo_jpeg_bytes()


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def upload_url(digest: str) -> str:
    return f"/api/v1/photos/{digest}/upload"


def put(client, headers, data: bytes, start: int, length: int, total: int | None = None,
        digest: str | None = None):
    total = len(data) if total is None else total
    return client.put(upload_url(digest or sha(data)), data=data[start:start + length],
                      headers={**headers, "Content-Range": chunk_range(start, length, total).header()})


def put_cut_short(client, headers, data: bytes, start: int, length: int, sent: int):
    """The connection drops after `sent` of the chunk's `length` bytes left the tablet."""
    environ = EnvironBuilder(
        path=upload_url(sha(data)), method="PUT", data=data[start:start + sent],
        headers={**headers, "Content-Range": chunk_range(start, length, len(data)).header()},
    ).get_environ()
    environ["CONTENT_LENGTH"] = str(length)
    return client.open(environ)


class Tablet:
    """The tablet's side of docs/photos.md, counting requests and bytes of photo sent."""

    def __init__(self, client, headers: dict[str, str], chunk: int = 256 * KIB) -> None:
        self.client, self.headers, self.chunk = client, headers, chunk
        self.requests = 0
        self.bytes_sent = 0

    def status(self, digest: str) -> dict:
        self.requests += 1
        reply = self.client.get(upload_url(digest), headers=self.headers)
        assert reply.status_code == 200, reply.get_json()
        return reply.get_json()

    def send(self, data: bytes) -> dict:
        state = self.status(sha(data))
        while not state["complete"]:
            state = self.send_one(data, state["offset"])
        return state

    def send_one(self, data: bytes, offset: int) -> dict:
        self.requests += 1
        length = min(self.chunk, len(data) - offset)
        if length == 0:
            reply = self.client.put(upload_url(sha(data)), data=b"",
                                    headers={**self.headers, "Content-Range": f"bytes */{len(data)}"})
        else:
            self.bytes_sent += length
            reply = put(self.client, self.headers, data, offset, length)
        if reply.status_code == 409:
            return {"complete": False, "offset": reply.get_json()["error"]["details"]["offset"]}
        assert reply.status_code in (200, 201), reply.get_json()
        return reply.get_json()


def fetch(client, url: str, headers: dict[str, str]):
    """GET and read the answer; closing it releases the file a WSGI server would close."""
    reply = client.get(url, headers=headers)
    reply.get_data()
    reply.close()
    return reply


def error_code(reply) -> str:
    assert 400 <= reply.status_code < 500, (reply.status_code, reply.data[:200])
    body = reply.get_json()
    assert set(body["error"]) >= {"code", "message"}
    return body["error"]["code"]


def assert_nothing_stored(store, digest: str) -> None:
    db.session.expire_all()
    row = db.session.get(Photo, digest)
    assert row is None or not row.stored
    assert not store.exists(digest)
    assert not store.exists(digest, Variant.THUMB)
    assert store.upload_offset(digest) == 0


def png_bomb(width: int, height: int) -> bytes:
    """A valid one-colour 1-bit PNG: tiny on disk, width × height pixels once decoded."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    rows = (b"\x00" + b"\x00" * ((width + 7) // 8)) * 100
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(rows) for _ in range(height // 100)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


# --- the happy path ----------------------------------------------------------------------------


def test_photo_sent_in_chunks_is_stored_with_its_thumbnail(client, tablet, store, photo):
    digest = sha(photo)
    state = Tablet(client, tablet.headers, chunk=100 * KIB).status(digest)
    assert state == {"sha256": digest, "offset": 0, "complete": False, "max_chunk": 1024 * KIB}

    offsets = []
    for start in range(0, len(photo), 100 * KIB):
        reply = put(client, tablet.headers, photo, start, min(100 * KIB, len(photo) - start))
        offsets.append((reply.status_code, reply.get_json()["offset"]))
    assert offsets == [(200, 100 * KIB), (200, 200 * KIB), (200, 300 * KIB), (201, len(photo))]
    assert reply.get_json()["photo"] == {
        "sha256": digest, "content_type": "image/jpeg", "size": len(photo), "width": 1280,
        "height": 960, "taken_at": None, "latitude": None, "longitude": None,
    }

    original = fetch(client, f"/api/v1/photos/{digest}", tablet.headers)
    assert original.status_code == 200 and original.mimetype == "image/jpeg"
    assert original.data == photo
    thumb = fetch(client, f"/api/v1/photos/{digest}/thumb", tablet.headers)
    assert thumb.status_code == 200 and thumb.mimetype == "image/jpeg"
    with Image.open(io.BytesIO(thumb.data)) as img:
        assert img.format == "JPEG" and img.size == (320, 240)
    db.session.expire_all()
    row = db.session.get(Photo, digest)
    assert (row.stored, row.size, row.content_type) == (True, len(photo), "image/jpeg")
    assert store.upload_offset(digest) == 0  # the upload became the original


def test_second_upload_of_the_same_bytes_is_one_request(client, tablet, photo):
    first = Tablet(client, tablet.headers)
    assert first.send(photo)["complete"]
    assert (first.requests, first.bytes_sent) == (3, len(photo))  # status + two 256 KiB chunks

    again = Tablet(client, tablet.headers)
    state = again.send(photo)
    assert state["complete"] and state["photo"]["size"] == len(photo)
    assert (again.requests, again.bytes_sent) == (1, 0)


def test_chunk_for_a_complete_photo_is_answered_complete_and_changes_nothing(client, tablet, photo):
    Tablet(client, tablet.headers).send(photo)
    reply = put(client, tablet.headers, photo, 0, 1000)
    assert reply.status_code == 200 and reply.get_json()["complete"] is True
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action == "upload_photo")) == 1


@pytest.mark.parametrize("seed", range(8))
def test_upload_cut_at_random_points_resumes_to_identical_bytes(client, tablet, store, seed):
    """Connections drop mid-chunk, replies get lost, the server dies mid-write; the tablet
    asks for the offset and goes on. Only bytes of the chunk in flight are ever sent twice."""
    rng = random.Random(seed)
    data = photo_jpeg_bytes(seed=seed)
    digest = sha(data)
    tablet_side = Tablet(client, tablet.headers)
    wasted = 0
    offset = tablet_side.status(digest)["offset"]
    done = None
    while done is None:
        length = min(rng.randrange(1, 300 * KIB), len(data) - offset)
        event = rng.choice(["ok", "ok", "cut", "reply_lost", "server_died"])
        if event == "cut":
            sent = rng.randrange(length)
            reply = put_cut_short(client, tablet.headers, data, offset, length, sent)
            assert error_code(reply) in ("body_incomplete", "body_length_mismatch")
            wasted += sent
        elif event == "server_died":
            # The server wrote part of the chunk, then died before answering.
            kept = rng.randrange(length)
            with store.lock(digest):
                store.append_upload(digest, offset, data[offset:offset + kept])
            wasted += length - kept
        else:
            reply = put(client, tablet.headers, data, offset, length)
            assert reply.status_code in (200, 201), reply.get_json()
            if reply.status_code == 201:
                done = reply.get_json()
        tablet_side.bytes_sent += sent if event == "cut" else length
        if event != "ok" and done is None:
            state = tablet_side.status(digest)
            offset = state["offset"]
            if state["complete"]:
                done = state
        elif done is None:
            offset = reply.get_json()["offset"]
    assert done["photo"]["size"] == len(data)
    assert tablet_side.bytes_sent == len(data) + wasted
    with store.open(digest) as kept_file:
        assert kept_file.read() == data


def test_upload_whose_last_bytes_arrived_before_a_crash_is_finished_by_an_empty_put(
        client, tablet, store, photo):
    digest = sha(photo)
    with store.lock(digest):
        store.append_upload(digest, 0, photo)  # every byte on disk, the check never ran
    assert Tablet(client, tablet.headers).status(digest) == {
        "sha256": digest, "offset": len(photo), "complete": False, "max_chunk": 1024 * KIB}
    reply = client.put(upload_url(digest), data=b"",
                       headers={**tablet.headers, "Content-Range": f"bytes */{len(photo)}"})
    assert reply.status_code == 201 and reply.get_json()["photo"]["size"] == len(photo)


def test_two_tablets_sending_the_same_photo_at_once_store_it_once(app, client, city, store):
    data = photo_jpeg_bytes(seed=42)
    tablets = [Tablet(app.test_client(), pair(client, name, PASSWORD).headers, chunk=chunk)
               for name, chunk in (("insp_a", 64 * KIB), ("insp_a2", 48 * KIB))]
    results: list = [None, None]
    start = threading.Barrier(2)

    def run(i: int) -> None:
        start.wait()
        try:
            results[i] = tablets[i].send(data)
        except BaseException as exc:  # noqa: BLE001 - reported to the main thread below
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(isinstance(r, dict) and r["complete"] for r in results), results
    with store.open(sha(data)) as kept:
        assert kept.read() == data
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                             .where(AuditEntry.entity_id == sha(data))) == 1


def test_png_is_kept_as_png_with_a_jpeg_thumbnail(client, tablet):
    img = Image.new("RGBA", (500, 200), (0, 128, 255, 100))
    out = io.BytesIO()
    img.save(out, "PNG")
    data = out.getvalue()
    state = Tablet(client, tablet.headers).send(data)
    assert state["photo"]["content_type"] == "image/png"
    assert (state["photo"]["width"], state["photo"]["height"]) == (500, 200)
    original = fetch(client, f"/api/v1/photos/{sha(data)}", tablet.headers)
    assert original.mimetype == "image/png" and original.data == data
    thumb = fetch(client, f"/api/v1/photos/{sha(data)}/thumb", tablet.headers)
    with Image.open(io.BytesIO(thumb.data)) as small:
        assert (small.format, small.size) == ("JPEG", (320, 128))


def test_exif_orientation_time_and_position_are_read(client, tablet):
    img = Image.open(io.BytesIO(factories.jpeg_bytes(400, 300, seed=3)))
    exif = Image.Exif()
    exif[0x0112] = 6  # shown rotated a quarter turn clockwise
    exif.get_ifd(0x8769)[0x9003] = "2025:03:01 10:30:00"
    exif.get_ifd(0x8769)[0x9011] = "+08:00"
    exif.get_ifd(0x8825).update({1: "N", 2: (31.0, 18.0, 0.0), 3: "E", 4: (120.0, 36.0, 36.0)})
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif)
    state = Tablet(client, tablet.headers).send(out.getvalue())
    meta = state["photo"]
    assert (meta["width"], meta["height"]) == (300, 400)
    assert meta["taken_at"] == "2025-03-01T02:30:00.000Z"
    assert meta["latitude"] == pytest.approx(31.3) and meta["longitude"] == pytest.approx(120.61)
    thumb = fetch(client, f"/api/v1/photos/{sha(out.getvalue())}/thumb", tablet.headers)
    with Image.open(io.BytesIO(thumb.data)) as small:
        assert small.size == (240, 320)


def test_photo_bytes_answer_conditional_requests_and_stay_private(client, tablet, photo):
    Tablet(client, tablet.headers).send(photo)
    url = f"/api/v1/photos/{sha(photo)}"
    reply = fetch(client, url, {**tablet.headers, "If-None-Match": f'"{sha(photo)}"'})
    assert reply.status_code == 304
    reply = fetch(client, url, {**tablet.headers, "Range": "bytes=0-99"})
    assert reply.status_code == 206 and reply.data == photo[:100]
    assert reply.cache_control.private and not reply.cache_control.public


def test_add_photo_checks_and_stores_a_whole_photo_once(app_ctx, store, photo):
    limits = PhotoLimits.from_config(app_ctx.config)
    row = add_photo(store, photo, limits)
    assert row.stored and row.width == 1280 and store.exists(row.sha256, Variant.THUMB)
    assert add_photo(store, photo, limits) is row
    with pytest.raises(PhotoRejected) as refused:
        add_photo(store, b"not a photo at all", limits)
    assert refused.value.code == "photo_not_image"
    assert_nothing_stored(store, sha(b"not a photo at all"))


# --- refusals ----------------------------------------------------------------------------------

TEXT = "巡查记录：楼道堆放杂物。\n".encode() * 40
GIF = io.BytesIO()
Image.new("RGB", (50, 50), "red").save(GIF, "GIF")

BAD_PHOTOS = {
    "truncated jpeg": (lambda p: p[: len(p) // 2], "photo_not_image"),
    "text file named .jpg": (lambda p: TEXT, "photo_not_image"),
    "gif": (lambda p: GIF.getvalue(), "photo_not_image"),
    "jpeg header then garbage": (lambda p: p[:600] + bytes(range(256)) * 40, "photo_not_image"),
    "bomb png 20000x20000": (lambda p: png_bomb(20000, 20000), "photo_too_many_pixels"),
    "png 10000x10000 (Pillow only warns)": (lambda p: png_bomb(10000, 10000), "photo_too_many_pixels"),
    "png 8000x8000 (over our 50 MP)": (lambda p: png_bomb(8000, 8000), "photo_too_many_pixels"),
    # Stored by hash and served as sent, so a tail cannot be cut off: the photo is refused.
    "jpeg with a script tail": (lambda p: p + b"<script>alert(document.cookie)</script>",
                                "photo_trailing_data"),
    "jpeg with an html page after it": (lambda p: p + b"\xff\xd9<html><body>hi</body></html>\xff\xd9",
                                        "photo_trailing_data"),
    "png with a script tail": (lambda p: png_bomb(100, 100) + b"<script>1</script>", "photo_trailing_data"),
}


@pytest.mark.parametrize(("make_bytes", "code"), BAD_PHOTOS.values(), ids=BAD_PHOTOS.keys())
def test_bytes_that_are_not_an_acceptable_photo_are_refused(client, tablet, store, photo,
                                                            make_bytes, code):
    data = make_bytes(photo)
    assert len(data) < 1024 * KIB
    reply = put(client, tablet.headers, data, 0, len(data))
    assert reply.status_code == 422 and error_code(reply) == code
    assert_nothing_stored(store, sha(data))


def test_a_script_tail_is_refused_on_the_last_of_several_chunks_too(client, tablet, store, photo):
    data = photo + b"<script>alert(1)</script>"
    assert put(client, tablet.headers, data, 0, 200 * KIB).status_code == 200
    reply = put(client, tablet.headers, data, 200 * KIB, len(data) - 200 * KIB)
    assert reply.status_code == 422 and error_code(reply) == "photo_trailing_data"
    assert "结束标记" in reply.get_json()["error"]["message"]
    assert_nothing_stored(store, sha(data))


def test_a_photo_in_one_put_is_stored_at_once_and_its_thumbnail_made_on_first_view(client, tablet, store):
    small = photo_jpeg_bytes(480, 360, seed=3)
    reply = put(client, tablet.headers, small, 0, len(small))  # no status query first
    assert reply.status_code == 201 and reply.get_json()["complete"] is True
    assert reply.get_json()["photo"]["width"] == 480
    digest = sha(small)
    assert store.exists(digest) and store.upload_offset(digest) == 0
    assert not store.exists(digest, Variant.THUMB)
    thumb = fetch(client, f"/api/v1/photos/{digest}/thumb", tablet.headers)
    assert thumb.status_code == 200 and store.exists(digest, Variant.THUMB)
    again = put(client, tablet.headers, small, 0, len(small))  # a resent reply that was lost
    assert again.status_code == 200 and again.get_json()["complete"] is True
    db.session.expire_all()
    uploads = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.entity_id == digest)).all()
    assert [entry.action for entry in uploads] == ["upload_photo"]


def test_bytes_that_do_not_hash_to_the_name_are_refused_and_discarded(client, tablet, store, photo):
    other = photo_jpeg_bytes(seed=9)
    digest = sha(other)
    assert put(client, tablet.headers, photo, 0, 200 * KIB, digest=digest).status_code == 200
    reply = put(client, tablet.headers, photo, 200 * KIB, len(photo) - 200 * KIB, digest=digest)
    assert reply.status_code == 422 and error_code(reply) == "photo_hash_mismatch"
    assert_nothing_stored(store, digest)
    assert Tablet(client, tablet.headers).send(other)["complete"]  # a fresh start works


def test_chunk_at_the_wrong_offset_is_refused_with_the_current_offset(client, tablet, store, photo):
    put(client, tablet.headers, photo, 0, 100 * KIB)
    for start in (0, 50 * KIB, 150 * KIB):
        reply = put(client, tablet.headers, photo, start, 10 * KIB)
        assert reply.status_code == 409 and error_code(reply) == "offset_mismatch"
        assert reply.get_json()["error"]["details"] == {"offset": 100 * KIB}
    reply = client.put(upload_url(sha(photo)), data=b"",
                       headers={**tablet.headers, "Content-Range": f"bytes */{len(photo)}"})
    assert reply.status_code == 409 and reply.get_json()["error"]["details"] == {"offset": 100 * KIB}
    assert store.upload_offset(sha(photo)) == 100 * KIB


def test_first_chunk_not_at_zero_is_refused(client, tablet, store, photo):
    reply = put(client, tablet.headers, photo, 1000, 1000)
    assert reply.status_code == 409 and reply.get_json()["error"]["details"] == {"offset": 0}
    assert_nothing_stored(store, sha(photo))


GARBAGE_RANGES = [
    "", "bytes", "bytes=0-9/100", "bytes 0-9", "bytes 9-0/100", "bytes 0-100/100", "bytes -1-9/100",
    "bytes 0-9/*", "items 0-9/100", " bytes 0-9/100", "bytes 0-9/100 ", "bytes 00-9/100",
    "bytes 0-9/100, 10-19/100", "bytes 0-9/1e3", "bytes 0-9/99999999999999999999", "bytes */0",
    "bytes ０-9/100", "bytes 0x0-9/100", "BYTES 0-9/100", "bytes 0-9/100\x00",
]


def test_garbled_content_range_is_a_400(client, tablet, store, photo):
    # One test, many headers: each case costs a request, not a fresh database.
    for header in GARBAGE_RANGES:
        reply = client.put(upload_url(sha(photo)), data=photo[:10],
                           headers={**tablet.headers, "Content-Range": header})
        assert (reply.status_code, error_code(reply)) == (400, "bad_content_range"), header
    assert_nothing_stored(store, sha(photo))


def test_missing_content_range_is_a_400(client, tablet, store, photo):
    reply = client.put(upload_url(sha(photo)), data=photo[:10], headers=tablet.headers)
    assert reply.status_code == 400 and error_code(reply) == "bad_content_range"


@pytest.mark.parametrize(("body_length", "status", "code"), [(1001, 400, "body_length_mismatch"),
                                                             (999, 400, "body_length_mismatch"),
                                                             (0, 411, "length_required")])
def test_body_of_another_length_than_the_range_is_refused(client, tablet, store, photo, body_length,
                                                          status, code):
    reply = client.put(upload_url(sha(photo)), data=photo[:body_length],
                       headers={**tablet.headers, "Content-Range": f"bytes 0-999/{len(photo)}"})
    assert reply.status_code == status and error_code(reply) == code
    assert_nothing_stored(store, sha(photo))


def test_oversized_photo_and_chunk_are_refused_before_reading(client, tablet, store, photo):
    reply = client.put(upload_url(sha(photo)), data=photo[:10],
                       headers={**tablet.headers, "Content-Range": f"bytes 0-9/{15 * 1024 * KIB + 1}"})
    assert reply.status_code == 413 and error_code(reply) == "photo_too_large"
    big = bytes(1024 * KIB + 1)
    reply = client.put(upload_url(sha(photo)), data=big,
                       headers={**tablet.headers, "Content-Range": f"bytes 0-{len(big) - 1}/{len(big) + 5}"})
    assert reply.status_code == 413 and error_code(reply) == "chunk_too_large"
    assert_nothing_stored(store, sha(photo))


def test_malformed_sha256_in_the_url_is_a_4xx(client, tablet):
    for bad in ["A" * 64, "abc", "g" * 64, "0" * 63, "0" * 65, "%2e%2e", "0" * 64 + "%00"]:
        for method, suffix in [("get", "/upload"), ("put", "/upload"), ("get", ""), ("get", "/thumb")]:
            reply = getattr(client, method)(f"/api/v1/photos/{bad}{suffix}", data=b"x",
                                            headers={**tablet.headers, "Content-Range": "bytes 0-0/1"})
            assert error_code(reply) in ("invalid_sha256", "not_found"), (bad, method, suffix)


ALL_ENDPOINTS = [("get", "/upload"), ("put", "/upload"), ("get", ""), ("get", "/thumb")]


@pytest.mark.parametrize(("method", "suffix"), ALL_ENDPOINTS)
def test_revoked_device_gets_403_everywhere(client, tablet, store, photo, method, suffix):
    Tablet(client, tablet.headers).send(photo)
    revoke_device(db.session.get(Device, uuid.UUID(tablet.device_id)))
    db.session.commit()
    reply = getattr(client, method)(f"/api/v1/photos/{sha(photo)}{suffix}", data=photo[:10],
                                    headers={**tablet.headers, "Content-Range": f"bytes 0-9/{len(photo)}"})
    assert reply.status_code == 403 and error_code(reply) == "device_revoked"


@pytest.mark.parametrize(("method", "suffix"), ALL_ENDPOINTS)
def test_a_disabled_account_gets_403_everywhere_and_nothing_is_stored(client, tablet, store, photo,
                                                                    method, suffix):
    device = db.session.get(Device, uuid.UUID(tablet.device_id))
    device.user.active = False
    db.session.commit()
    whole = f"bytes 0-{len(photo) - 1}/{len(photo)}"
    reply = getattr(client, method)(f"/api/v1/photos/{sha(photo)}{suffix}", data=photo,
                                    headers={**tablet.headers, "Content-Range": whole})
    assert reply.status_code == 403 and error_code(reply) == "user_inactive"
    assert_nothing_stored(store, sha(photo))


def test_a_photo_in_one_put_writes_its_row_its_audit_entry_and_when_the_tablet_was_seen(client, tablet,
                                                                                      photo):
    device = db.session.get(Device, uuid.UUID(tablet.device_id))
    device.last_seen_at = datetime(2026, 1, 1)
    db.session.commit()
    assert put(client, tablet.headers, photo, 0, len(photo)).status_code == 201
    db.session.expire_all()
    entries = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.entity_id == sha(photo))).all()
    assert [(e.action, e.entity, e.actor_id, e.office_id, e.changes) for e in entries] == [
        ("upload_photo", "photo", device.user_id, device.office_id,
         {"device_id": tablet.device_id, "size": len(photo)})]
    assert db.session.get(Photo, sha(photo)).stored
    assert db.session.get(Device, device.id).last_seen_at > datetime(2026, 1, 1)
    # Sent again (its reply lost): the same answer, no second row or entry.
    again = put(client, tablet.headers, photo, 0, len(photo))
    assert again.status_code == 200 and again.get_json()["complete"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                             .where(AuditEntry.entity_id == sha(photo))) == 1


@pytest.mark.parametrize(("method", "suffix"), ALL_ENDPOINTS)
@pytest.mark.parametrize(("drop", "status", "code"), [("X-Xuncha-Schema", 400, "schema_version_missing"),
                                                      ("Authorization", 401, "unauthorized")])
def test_request_without_schema_header_or_token_is_refused(client, tablet, store, photo, method, suffix,
                                                           drop, status, code):
    headers = {k: v for k, v in tablet.headers.items() if k != drop}
    whole = f"bytes 0-{len(photo) - 1}/{len(photo)}"
    reply = getattr(client, method)(f"/api/v1/photos/{sha(photo)}{suffix}", data=photo,
                                    headers={**headers, "Content-Range": whole})
    assert reply.status_code == status and error_code(reply) == code
    assert_nothing_stored(store, sha(photo))


# --- who may see a photo -----------------------------------------------------------------------


def can_see(client, tablet, digest: str) -> bool:
    replies = [fetch(client, f"/api/v1/photos/{digest}{suffix}", tablet.headers) for suffix in ("", "/thumb")]
    assert replies[0].status_code == replies[1].status_code
    if replies[0].status_code == 404:
        assert error_code(replies[0]) == "photo_not_found"
        return False
    assert replies[0].status_code == 200
    return True


def link(photo_digest: str, estate) -> PhotoLink:
    finding = factories.finding(estate)
    row = PhotoLink(photo_sha256=photo_digest, finding_id=finding.id, region_code=finding.region_code)
    db.session.add(row)
    db.session.commit()
    return row


def test_photo_is_seen_by_its_uploader_and_by_the_scope_of_its_records(client, city, photo):
    uploader = pair(client, "insp_a", PASSWORD)
    same_district, other_district = pair(client, "insp_a2", PASSWORD), pair(client, "insp_b", PASSWORD)
    office_wide = pair(client, "supervisor", PASSWORD)
    digest = sha(photo)
    Tablet(client, uploader.headers).send(photo)

    seen = {name: can_see(client, t, digest) for name, t in
            (("uploader", uploader), ("a2", same_district), ("b", other_district), ("office", office_wide))}
    assert seen == {"uploader": True, "a2": False, "b": False, "office": False}

    row = link(digest, city.estate_a1)
    seen = {name: can_see(client, t, digest) for name, t in
            (("a2", same_district), ("b", other_district), ("office", office_wide))}
    assert seen == {"a2": True, "b": False, "office": True}

    row.deleted_at = datetime(2026, 1, 1)
    db.session.commit()
    assert not can_see(client, same_district, digest)


def test_unknown_and_unfinished_photos_are_not_found(client, tablet, photo):
    assert not can_see(client, tablet, sha(b"never uploaded"))
    put(client, tablet.headers, photo, 0, 1000)
    assert not can_see(client, tablet, sha(photo))


def test_pillow_bomb_warning_is_an_error_outside_pytest_too(tmp_path):
    """pytest turns every warning into an error; a server process must refuse on its own."""
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(png_bomb(10000, 10000))  # 100 MP: Pillow itself only warns
    script = (
        "import sys\n"
        "from server.domain.photos import PhotoLimits, PhotoRejected, inspect_image\n"
        "limits = PhotoLimits(15 << 20, 200_000_000, 1 << 20)  # our own limit out of the way\n"
        "try:\n"
        f"    inspect_image(open({str(bomb)!r}, 'rb').read(), limits)\n"
        "except PhotoRejected as exc:\n"
        "    print(exc.code)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                            cwd=Path(__file__).resolve().parents[1])
    assert result.stdout.strip() == "photo_too_many_pixels", result.stderr


@pytest.mark.parametrize("complete", [False, True])
def test_the_upload_reply_is_what_its_schema_dumps(app_ctx, complete):
    from server.api.photos import upload_reply
    from server.domain.photos import UploadStatus
    from shared_schema.photos import UploadStatusSchema

    photo = Photo(sha256="ab" * 32, content_type="image/jpeg", size=1234, width=960, height=1280,
                  taken_at=datetime(2026, 3, 1, 2, 30, 0, 123000), latitude=31.3, longitude=None, stored=True)
    status = UploadStatus(photo.sha256, 1234 if complete else 512, complete, photo if complete else None)
    expected = UploadStatusSchema().dump({"sha256": status.sha256, "offset": status.offset,
                                          "complete": complete, "max_chunk": 1 << 20,
                                          **({"photo": photo} if complete else {})})
    assert upload_reply(status, 1 << 20) == expected


def test_behind_a_server_that_buffers_bodies_one_transaction_stores_or_refuses_alike(client, tablet,
                                                                                     store, photo):
    from server.body_buffer import BODY_BUFFERED

    buffered = {BODY_BUFFERED: True}  # as `xuncha serve` marks every request

    def put_whole(data: bytes):
        whole = chunk_range(0, len(data), len(data)).header()
        return client.put(upload_url(sha(data)), data=data, environ_base=buffered,
                          headers={**tablet.headers, "Content-Range": whole})

    tail = photo + b"<script>alert(1)</script>"
    refused = put_whole(tail)
    assert refused.status_code == 422 and error_code(refused) == "photo_trailing_data"
    assert_nothing_stored(store, sha(tail))
    assert put_whole(photo).status_code == 201
    db.session.expire_all()
    assert db.session.get(Photo, sha(photo)).stored and store.exists(sha(photo))
    assert put_whole(photo).get_json()["complete"]

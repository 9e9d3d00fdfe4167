"""Photos: resumable, content-addressed uploads, the checks that make bytes a photo, who may see one.

A photo's id is the lowercase hex SHA-256 of its bytes. Its row exists from the first chunk
with `stored=False` and turns `stored=True` only when every byte has arrived, hashes to the id
and opens as a real JPEG or PNG within the limits, with nothing after the image's end. A photo
sent whole in one request skips the partial file and the stored=False row. Thumbnails are made
on first view. Functions here flush; the caller commits.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import re
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import sqlalchemy as sa
from PIL import Image, ImageOps, UnidentifiedImageError

from server.domain.audit import after_audit_entry, audit_values, record_audit
from server.domain.driver_sql import DriverStatement
from server.domain.models import AuditEntry, Device, Photo, PhotoLink, User
from server.domain.models.base import utcnow
from server.domain.sync.scope import OutOfScope, scope_for
from server.extensions import db
from server.storage import OffsetMismatch, PhotoStore, Variant

# Pillow only warns between Image.MAX_IMAGE_PIXELS and twice that; this process refuses
# instead. Set once at import: warnings.catch_warnings() is not thread-safe.
warnings.simplefilter("error", Image.DecompressionBombWarning)

SHA256_PATTERN = re.compile(r"[0-9a-f]{64}")
THUMB_EDGE = 320
THUMB_QUALITY = 80
UPLOAD_ACTION = "upload_photo"
OPEN_FORMATS = ("JPEG", "PNG")
# Pillow names a JPEG with extra pictures (some phone cameras) "MPO"; it is still a JPEG.
FORMATS = {"JPEG": "image/jpeg", "MPO": "image/jpeg", "PNG": "image/png"}
# Cameras write EXIF times as local wall-clock time; without an offset tag, China's one zone.
CHINA = timezone(timedelta(hours=8))


def is_sha256(value: str) -> bool:
    return bool(SHA256_PATTERN.fullmatch(value))


@dataclass(frozen=True)
class PhotoLimits:
    max_bytes: int
    max_pixels: int
    max_chunk: int

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> PhotoLimits:
        return cls(config["PHOTO_MAX_BYTES"], config["PHOTO_MAX_PIXELS"], config["PHOTO_MAX_CHUNK"])


class PhotoRejected(ValueError):
    """The bytes or the request cannot become a photo; `code` is stable, the message readable."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class ImageFacts:
    content_type: str
    width: int  # as displayed, EXIF orientation applied
    height: int
    thumbnail: bytes | None  # JPEG; None when only checked
    taken_at: datetime | None = None  # naive UTC
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True)
class UploadStatus:
    sha256: str
    offset: int
    complete: bool
    photo: Photo | None = None  # set when complete
    created: bool = False  # True only for the request that completed the upload


# --- checking the bytes ------------------------------------------------------------------------


def inspect_image(data: bytes, limits: PhotoLimits, thumbnail: bool = True) -> ImageFacts:
    """Prove `data` is a whole JPEG or PNG within the limits and (unless told not to) make its
    thumbnail. Without a thumbnail a JPEG is checked by its structure (header, every marker
    segment, the end marker, nothing after it), not decoded: that waits for the thumbnail.

    Raises PhotoRejected: photo_not_image (not JPEG/PNG, damaged, truncated),
    photo_trailing_data (bytes after the image's end marker) or photo_too_many_pixels (over
    the pixel limit, decompression bombs included).
    """
    try:
        with Image.open(io.BytesIO(data), formats=OPEN_FORMATS) as probe:
            width, height = probe.size
            content_type = FORMATS[probe.format]
            _check_pixels(width, height, limits)
            if content_type == "image/jpeg" and not thumbnail:
                # Its EXIF came with the header; the walk below is the structural check, so
                # one open is enough (a second one cost as much as the walk).
                exif = probe.getexif()
            else:
                exif = None
                probe.verify()  # PNG: every chunk's CRC
        _refuse_trailing_data(data, content_type)
        if exif is not None:
            return _facts(content_type, width, height, None, exif)
        with Image.open(io.BytesIO(data), formats=OPEN_FORMATS) as img:
            if content_type == "image/jpeg" and thumbnail:
                # Decode every byte of the stream, but scaled down in the IDCT: a damaged file
                # still fails, while a 50 MP photo costs a few MB instead of 150.
                img.draft(None, (THUMB_EDGE, THUMB_EDGE))
            if content_type != "image/jpeg" or thumbnail:
                # A JPEG's structure was walked above, segment by segment to its end marker; its
                # pixels are decoded when its thumbnail is first made (ensure_thumbnail). The
                # decode was most of an upload's time (3 ms of a 150 KB photo).
                img.load()
            exif = img.getexif()
            small = _thumbnail(img) if thumbnail else None
            return _facts(content_type, width, height, small, exif)
    except PhotoRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels(limits) from None
    except UnidentifiedImageError:
        raise PhotoRejected("photo_not_image", "不是 JPEG 或 PNG 图片 (not a JPEG or PNG image)") from None
    except Exception as exc:
        # Hostile bytes reach Pillow's parsers, whose failures are OSError, SyntaxError,
        # ValueError, struct.error, IndexError… none of them may become a server error.
        raise PhotoRejected(
            "photo_not_image", f"图片已损坏或不完整 (damaged or truncated image): {type(exc).__name__}"
        ) from None


def _facts(content_type: str, width: int, height: int, thumbnail: bytes | None,
           exif: Image.Exif) -> ImageFacts:
    taken_at, latitude, longitude = _exif_facts(exif)
    if exif.get(0x0112) in (5, 6, 7, 8):  # rotated a quarter turn: displayed sideways
        width, height = height, width
    return ImageFacts(content_type, width, height, thumbnail, taken_at, latitude, longitude)


def _refuse_trailing_data(data: bytes, content_type: str) -> None:
    """A photo is stored by hash and served as it came, so bytes after the image (an HTML or
    script tail) cannot be trimmed off: the upload is refused."""
    end = _jpeg_end(data) if content_type == "image/jpeg" else _png_end(data)
    if end != len(data):
        raise PhotoRejected(
            "photo_trailing_data",
            f"图片结束标记之后还有 {len(data) - end} 字节其他数据，不是干净的图片"
            " (bytes after the image's end marker)",
        )


def _jpeg_end(data: bytes) -> int:
    """Where the last of one or more back-to-back JPEG streams ends (several: MPO cameras)."""
    position = 0
    while position < len(data):
        if data[position:position + 2] != b"\xff\xd8":
            break
        position = _one_jpeg_end(data, position + 2)
    return position


# In scan data 0xFF is followed by 0x00 (a stuffed byte), a restart marker (0xD0–0xD7) or more
# 0xFF fill bytes; anything else is a marker. One regex search instead of a loop per 0xFF.
_NEXT_MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")  # the last 0xFF of a fill run matches


def _one_jpeg_end(data: bytes, position: int) -> int:
    """Walk the marker segments from just after SOI; entropy-coded data after each SOS is
    skipped to the next marker that is not a stuffed 0xFF00 or a restart marker."""
    size = len(data)
    while position + 2 <= size:
        if data[position] != 0xFF:
            raise ValueError("marker expected")
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte before a marker
            position += 1
            continue
        if marker == 0xD9:  # EOI
            return position + 2
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # no length field
            position += 2
            continue
        position += 2 + int.from_bytes(data[position + 2:position + 4], "big")
        if marker == 0xDA:  # SOS: scan data follows, up to the first real marker
            found = _NEXT_MARKER.search(data, position)
            if found is None:
                raise ValueError("no end marker")
            position = found.start()
    raise ValueError("no end marker")


def _png_end(data: bytes) -> int:
    """Where the IEND chunk ends: length, type, data and CRC of each chunk after the signature."""
    position = 8
    while position + 12 <= len(data):
        length = int.from_bytes(data[position:position + 4], "big")
        kind = data[position + 4:position + 8]
        position += 12 + length
        if kind == b"IEND":
            return position
    raise ValueError("no IEND chunk")


def _check_pixels(width: int, height: int, limits: PhotoLimits) -> None:
    if width < 1 or height < 1 or width * height > limits.max_pixels:
        raise _too_many_pixels(limits)


def _too_many_pixels(limits: PhotoLimits) -> PhotoRejected:
    return PhotoRejected(
        "photo_too_many_pixels",
        f"图片像素超过上限 {limits.max_pixels // 1_000_000} 百万 (more than {limits.max_pixels} pixels)",
    )


def _thumbnail(img: Image.Image) -> bytes:
    # Shrink first, in the image's own mode where resampling works, so that rotating and
    # flattening touch a 320 px image, never a 50 MP one.
    if img.mode in ("1", "P", "PA"):
        keeps_alpha = img.mode == "PA" or "transparency" in img.info
        img = img.convert("RGBA" if keeps_alpha else "L" if img.mode == "1" else "RGB")
    img.thumbnail((THUMB_EDGE, THUMB_EDGE), Image.Resampling.LANCZOS)
    img = ImageOps.exif_transpose(img)
    if img.mode in ("RGBA", "LA"):
        flat = Image.new("RGB", img.size, (255, 255, 255))
        flat.paste(img.convert("RGBA"), mask=img.getchannel("A"))
        img = flat
    out = io.BytesIO()
    img.convert("RGB").save(out, "JPEG", quality=THUMB_QUALITY, optimize=True)
    return out.getvalue()


def _exif_facts(exif: Image.Exif) -> tuple[datetime | None, float | None, float | None]:
    """Capture time and GPS position when the camera wrote them; anything odd is ignored."""
    taken_at = latitude = longitude = None
    with contextlib.suppress(Exception):
        details = exif.get_ifd(0x8769)
        raw = details.get(0x9003) or exif.get(0x0132)  # DateTimeOriginal, else DateTime
        if raw:
            local = datetime.strptime(str(raw).strip("\x00 ")[:19], "%Y:%m:%d %H:%M:%S")
            zone = _exif_offset(details.get(0x9011)) or CHINA  # OffsetTimeOriginal
            moment = local.replace(tzinfo=zone).astimezone(UTC).replace(tzinfo=None)
            if datetime(2000, 1, 1) <= moment <= utcnow() + timedelta(days=1):
                taken_at = moment
    with contextlib.suppress(Exception):
        gps = exif.get_ifd(0x8825)
        lat, lon = _degrees(gps[2], gps[1], "S"), _degrees(gps[4], gps[3], "W")
        if -90 <= lat <= 90 and -180 <= lon <= 180:
            latitude, longitude = lat, lon
    return taken_at, latitude, longitude


def _exif_offset(raw: Any) -> timezone | None:
    match = re.fullmatch(r"([+-])(\d{2}):(\d{2})", str(raw or "").strip("\x00 "))
    if not match:
        return None
    sign = -1 if match[1] == "-" else 1
    return timezone(sign * timedelta(hours=int(match[2]), minutes=int(match[3])))


def _degrees(dms: Any, ref: Any, negative: str) -> float:
    degrees, minutes, seconds = (float(part) for part in dms)
    value = degrees + minutes / 60 + seconds / 3600
    return -value if str(ref).strip("\x00 ").upper() == negative else value


# --- uploads -----------------------------------------------------------------------------------


def upload_status(store: PhotoStore, sha256: str, viewer: User | None = None) -> UploadStatus:
    """Where an upload stands: the durable offset, or complete with the photo.

    With a `viewer`, the photo's details (size, place, time taken) come only if the viewer may
    see the photo; anyone holding the bytes may still learn that they are stored, which costs
    a repeat upload nothing.
    """
    photo = db.session.get(Photo, sha256)
    if photo is not None and photo.stored:
        shown = photo if viewer is None or photo_visible_to(viewer, sha256) else None
        return UploadStatus(sha256, photo.size, True, shown)
    return UploadStatus(sha256, store.upload_offset(sha256), False)


def begin_upload(sha256: str) -> Photo:
    """The photo's row, made with stored=False if this is the first chunk anyone sends."""
    photo = db.session.get(Photo, sha256)
    if photo is not None:
        return photo
    insert = _dialect_insert()
    # Two devices may send a first chunk at once: the second insert quietly does nothing.
    db.session.execute(
        insert(Photo.__table__)
        .values(sha256=sha256, stored=False, size=0, content_type="image/jpeg",
                created_at=utcnow(), updated_at=utcnow())
        .on_conflict_do_nothing(index_elements=["sha256"])
    )
    return db.session.get(Photo, sha256)


def _dialect_insert():
    return _insert_for(db.session.get_bind().dialect.name)


def _insert_for(name: str):
    """The INSERT with ON CONFLICT of this database kind."""
    if name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - the project runs on these two
        raise RuntimeError(f"unsupported database {name}")
    return insert


@contextlib.contextmanager
def upload_lock(store: PhotoStore, sha256: str) -> Iterator[Photo]:
    """Hold the photo's row (PostgreSQL: SELECT … FOR UPDATE) and the store's lock.

    Always in this order, so two requests never wait on each other crosswise. The row lock
    lasts until the caller's commit or rollback, which it must do inside this block. On SQLite
    the row lock is a no-op and the store's lock alone keeps uploads apart.
    """
    photo = db.session.execute(
        sa.select(Photo).where(Photo.sha256 == sha256).with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()
    with store.lock(sha256):
        # On SQLite the row was read before the wait: read it again, now that nobody else can
        # change it (another upload may have finished while this one waited).
        db.session.refresh(photo)
        yield photo


def receive_chunk(
    store: PhotoStore,
    photo: Photo,
    start: int | None,
    data: bytes,
    total: int,
    limits: PhotoLimits,
    actor: User,
    device: Device | None = None,
) -> UploadStatus:
    """Append one chunk at `start` (None: no bytes, only "finish at `total`"); finish at `total`.

    Call inside `upload_lock`. Raises OffsetMismatch when `start` is not the stored offset,
    PhotoRejected when the finished bytes are refused (the upload is then discarded).
    """
    sha256 = photo.sha256
    if photo.stored:
        return UploadStatus(sha256, photo.size, True, photo)
    check_chunk_size(limits, total, len(data))
    if start is None:
        offset = store.upload_offset(sha256)
        if offset != total:
            raise OffsetMismatch(offset)
    else:
        if start + len(data) > total:
            raise PhotoRejected("bad_content_range", "分块超出总长度 (chunk goes past the total)")
        offset = store.append_upload(sha256, start, data)
    if offset < total:
        return UploadStatus(sha256, offset, False)
    _finish_upload(store, photo, limits, actor, device)
    return UploadStatus(sha256, photo.size, True, photo, created=True)


def check_chunk_size(limits: PhotoLimits, total: int, length: int) -> None:
    """Refuse a photo over the size limit, or a chunk over the chunk limit, before reading it."""
    if total > limits.max_bytes:
        raise PhotoRejected("photo_too_large", _too_large_message(limits))
    if length > limits.max_chunk:
        raise PhotoRejected("chunk_too_large", f"分块超过 {limits.max_chunk} 字节 (chunk too large)")


def _too_large_message(limits: PhotoLimits) -> str:
    mib = limits.max_bytes // (1024 * 1024)
    return f"照片超过 {mib} MB 上限 (photo larger than {limits.max_bytes} bytes)"


def _finish_upload(
    store: PhotoStore, photo: Photo, limits: PhotoLimits, actor: User, device: Device | None
) -> None:
    with store.open_upload(photo.sha256) as received:
        data = received.read()
    try:
        if hashlib.sha256(data).hexdigest() != photo.sha256:
            raise PhotoRejected(
                "photo_hash_mismatch",
                "收到的字节与 SHA-256 不符，请从头重新上传"
                " (bytes do not match the SHA-256; upload again from 0)",
            )
        facts = inspect_image(data, limits, thumbnail=False)  # the thumbnail waits for a viewer
    except PhotoRejected:
        store.discard_upload(photo.sha256)
        raise
    store.commit_upload(photo.sha256, facts.content_type)
    _mark_stored(photo, len(data), facts)
    _audit_upload(photo, len(data), actor, device)


def _audit_upload(photo: Photo, size: int, actor: User | None, device: Device | None) -> None:
    # "Uploaded it" is what lets the uploader fetch the photo before any link points to it.
    record_audit(actor, UPLOAD_ACTION, photo, _upload_changes(device, size),
                 office_id=actor.office_id if actor else None)


def store_whole_photo(
    store: PhotoStore, sha256: str, data: bytes, limits: PhotoLimits, actor: User,
    device: Device | None = None,
) -> UploadStatus | None:
    """A photo sent whole in one request: checked in memory, written once, stored at once.

    No partial file, no stored=False row, no lock: the bytes are complete before anything is
    written, and the row appears with stored=True, with its audit entry, in one statement on
    PostgreSQL (two on SQLite). None when an upload of this photo is already under way (the
    caller then goes the chunked way, which reports its offset). Raises PhotoRejected like the
    last chunk of an upload.
    """
    # No lookup first: a new photo is the common case, and the INSERT below says whether the
    # row was there (a resent photo then costs a hash and a check more, and no write).
    if hashlib.sha256(data).hexdigest() != sha256:
        raise PhotoRejected("photo_hash_mismatch",
                            "收到的字节与 SHA-256 不符 (bytes do not match the SHA-256)")
    facts = inspect_image(data, limits, thumbnail=False)
    store.put_bytes(sha256, data, facts.content_type, hashed=True)  # durable before the row says stored
    now = utcnow()
    photo = Photo(sha256=sha256, stored=True, size=len(data), content_type=facts.content_type,
                  width=facts.width, height=facts.height, taken_at=facts.taken_at,
                  latitude=facts.latitude, longitude=facts.longitude, created_at=now, updated_at=now)
    changes = _upload_changes(device, len(data))
    audit = audit_values(actor, UPLOAD_ACTION, photo, changes, office_id=actor.office_id if actor else None)
    if not _insert_photo_and_audit(photo, audit):
        # Stored before (a resent photo whose reply was lost), or an upload under way.
        known = db.session.get(Photo, sha256)
        return UploadStatus(sha256, known.size, True, known) if known.stored else None
    after_audit_entry(actor, UPLOAD_ACTION, photo, changes)
    return UploadStatus(sha256, len(data), True, photo, created=True)


_PHOTO_COLUMNS = ("sha256", "stored", "size", "content_type", "width", "height", "taken_at",
                  "latitude", "longitude", "created_at", "updated_at")
_AUDIT_COLUMNS = ("id", "office_id", "actor_id", "at", "action", "entity", "entity_id", "changes")


@functools.cache
def _photo_and_audit_statements(dialect: sa.Dialect) -> tuple[DriverStatement, DriverStatement | None]:
    """Built once per database kind: (the statement that inserts the photo row and, where
    the database can, its audit entry; the audit entry's INSERT where it cannot).

    PostgreSQL takes both in one statement (the audit INSERT selects from the photo INSERT's
    RETURNING, so a photo already there gets no second entry): one round trip, not two.
    """
    photos, audits = Photo.__table__, AuditEntry.__table__
    insert = _insert_for(dialect.name)
    photo = (insert(photos).values({name: sa.bindparam(name, type_=photos.c[name].type)
                                    for name in _PHOTO_COLUMNS})
             .on_conflict_do_nothing(index_elements=["sha256"]))
    audit_params = [sa.bindparam(f"audit_{name}", type_=audits.c[name].type) for name in _AUDIT_COLUMNS]
    if dialect.name == "postgresql":
        made = photo.returning(photos.c.sha256).cte("made")
        entry = sa.select(*audit_params).select_from(made)
        both = sa.insert(audits).from_select(list(_AUDIT_COLUMNS), entry).returning(audits.c.entity_id)
        return DriverStatement.compile(both, dialect), None
    audit = sa.insert(audits).values(dict(zip(_AUDIT_COLUMNS, audit_params, strict=True)))
    return (DriverStatement.compile(photo.returning(photos.c.sha256), dialect),
            DriverStatement.compile(audit, dialect))


def _insert_photo_and_audit(photo: Photo, audit: dict[str, Any]) -> bool:
    """Insert the stored photo's row and its audit entry, in the session's transaction; False
    (nothing written) when a row of this photo exists already."""
    connection = db.session.connection()
    first, second = _photo_and_audit_statements(connection.dialect)
    params = {name: getattr(photo, name) for name in _PHOTO_COLUMNS}
    params.update({f"audit_{name}": value for name, value in audit.items()})
    # RETURNING says whether the row was made (psycopg's rowcount is -1 for this statement).
    if first.first(connection, params) is None:
        return False
    if second is not None:
        second.first(connection, params)
    return True


def _upload_changes(device: Device | None, size: int) -> dict[str, Any]:
    return {"device_id": device.id if device else None, "size": size}


def _mark_stored(photo: Photo, size: int, facts: ImageFacts) -> None:
    photo.size = size
    photo.content_type = facts.content_type
    photo.width, photo.height = facts.width, facts.height
    photo.taken_at, photo.latitude, photo.longitude = facts.taken_at, facts.latitude, facts.longitude
    photo.stored = True
    db.session.flush()


def add_photo(store: PhotoStore, data: bytes, limits: PhotoLimits, actor: User | None = None) -> Photo:
    """Check and store a whole photo in one call (demo data, imports); returns its stored row.

    The same checks as an upload; adding the same bytes twice returns the same row.
    """
    sha256 = hashlib.sha256(data).hexdigest()
    if len(data) > limits.max_bytes:
        raise PhotoRejected("photo_too_large", _too_large_message(limits))
    photo = begin_upload(sha256)
    if photo.stored:
        return photo
    facts = inspect_image(data, limits)
    store.put_thumbnail(sha256, facts.thumbnail)
    store.put_bytes(sha256, data, facts.content_type)
    _mark_stored(photo, len(data), facts)
    record_audit(actor, UPLOAD_ACTION, photo, {"size": len(data)},
                 office_id=actor.office_id if actor else None)
    return photo


def ensure_thumbnail(store: PhotoStore, photo: Photo, limits: PhotoLimits) -> None:
    """Make a missing thumbnail from the original (files written before thumbnails existed)."""
    if store.exists(photo.sha256, Variant.THUMB):
        return
    with store.open(photo.sha256) as original:
        facts = inspect_image(original.read(), limits)
    store.put_thumbnail(photo.sha256, facts.thumbnail)


def discard_abandoned_uploads(store: PhotoStore, older_than: timedelta) -> int:
    """Delete uploads untouched for `older_than`; returns how many. The clients start again."""
    cutoff = utcnow() - older_than
    count = 0
    for pending in list(store.pending_uploads()):
        if pending.modified_at < cutoff:
            with store.lock(pending.sha256):
                store.discard_upload(pending.sha256)
            count += 1
    return count


# --- who may see a photo -------------------------------------------------------------------------


def photo_visible_to(user: User, sha256: str) -> bool:
    """A user may see a photo they uploaded, or one linked to a live record their sync pulls.

    The scope is the sync scope (server.domain.sync.scope): records whose region_code starts
    with the user's region code; a user without a region sees the whole office.
    """
    uploaded = (
        sa.select(AuditEntry.id)
        .where(AuditEntry.entity == Photo.__tablename__, AuditEntry.entity_id == sha256,
               AuditEntry.action == UPLOAD_ACTION, AuditEntry.actor_id == user.id)
    )
    try:
        scope = scope_for(user)
    except OutOfScope:
        return bool(db.session.scalar(sa.select(sa.exists(uploaded))))
    linked = sa.select(PhotoLink.id).where(
        PhotoLink.photo_sha256 == sha256,
        PhotoLink.deleted_at.is_(None),
        scope.region_filter(PhotoLink.region_code),
    )
    return bool(db.session.scalar(sa.select(sa.or_(sa.exists(linked), sa.exists(uploaded)))))


def readable_photo(user: User, sha256: str) -> Photo | None:
    """The stored photo if this user may see it; None alike for absent and forbidden."""
    photo = db.session.get(Photo, sha256)
    if photo is None or not photo.stored or not photo_visible_to(user, sha256):
        return None
    return photo

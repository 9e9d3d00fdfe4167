"""From the camera's JPEG to the evidence photo the server keeps.

Steps: decode (at a reduced scale when the JPEG allows it: a 12 MP photo decodes at half size in
a fraction of the time), apply the EXIF orientation, shrink to a long edge of about 1600 px,
stamp estate, place and time in a corner, encode at the best quality that fits ~400 KB, make a
thumbnail, hash, and write both files atomically under their SHA-256. Nothing half-written is
ever left where the store looks: files appear by rename, or not at all.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, ImageOps, UnidentifiedImageError

from mobile.timeutil import CHINA, to_wire

LONG_EDGE = 1600
THUMB_EDGE = 320
MAX_BYTES = 400 * 1024
QUALITIES = (85, 80, 75, 70, 65, 60)
MAX_PIXELS = 64_000_000  # 64 MP: more than any tablet camera; more is a decompression bomb

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/system/fonts/NotoSansCJK-Regular.ttc",  # Android
    "/system/fonts/DroidSansFallback.ttf",
)
# Face of the Noto .ttc whose glyphs are the simplified-Chinese forms (face 0 is Japanese).
_NOTO_SC_FACE = 2


class PhotoError(ValueError):
    """The input is not a usable image; nothing was written."""


@dataclass(frozen=True)
class ProcessedPhoto:
    sha256: str
    path: Path
    thumb_path: Path
    size: int
    width: int
    height: int
    taken_at: str | None  # ISO 8601 UTC
    latitude: float | None
    longitude: float | None


@lru_cache(maxsize=1)
def find_cjk_font() -> str | None:
    """A font file with Chinese glyphs, or None (the stamp then shows only ASCII)."""
    env = os.environ.get("XUNCHA_CJK_FONT")
    for path in ((env,) if env else ()) + FONT_CANDIDATES:
        if path and os.path.exists(path):
            return path
    return None


@lru_cache(maxsize=8)
def _font(size: int) -> tuple[ImageFont.FreeTypeFont | ImageFont.ImageFont, bool]:
    path = find_cjk_font()
    if path:
        try:
            index = _NOTO_SC_FACE if "NotoSansCJK" in path else 0
            return ImageFont.truetype(path, size, index=index), True
        except OSError:
            pass
    return ImageFont.load_default(size=size), False


def process_photo(source: bytes | str | Path, out_dir: str | Path, *, estate: str = "",
                  location: str = "", taken_at: datetime | None = None,
                  latitude: float | None = None, longitude: float | None = None,
                  long_edge: int = LONG_EDGE) -> ProcessedPhoto:
    """Turn a camera JPEG (bytes or a path) into the stored evidence photo.

    `taken_at` (naive UTC) and the GPS position come from the platform when it has them;
    otherwise from the photo's EXIF; otherwise the time is now and the position unknown.
    """
    raw = Path(source).read_bytes() if isinstance(source, str | Path) else bytes(source)
    image, exif_time, exif_gps = _decode(raw, long_edge)
    taken = taken_at or exif_time or datetime.now(UTC).replace(tzinfo=None)
    if latitude is None or longitude is None:
        latitude, longitude = exif_gps or (None, None)

    if max(image.size) > long_edge:
        image.thumbnail((long_edge, long_edge), Image.Resampling.LANCZOS)
    _stamp(image, estate, location, taken)
    body = _encode(image)
    thumb_bytes = _thumbnail(image)

    digest = hashlib.sha256(body).hexdigest()
    out = Path(out_dir)
    path = out / digest[:2] / f"{digest}.jpg"
    thumb_path = out / "thumbs" / digest[:2] / f"{digest}.jpg"
    # Thumbnail first: a photo file present means its thumbnail is too.
    _write_atomic(thumb_path, thumb_bytes)
    _write_atomic(path, body)
    return ProcessedPhoto(digest, path, thumb_path, len(body), image.width, image.height,
                          to_wire(taken), latitude, longitude)


def _thumbnail(image: Image.Image) -> bytes:
    thumb = image.copy()
    thumb.thumbnail((THUMB_EDGE, THUMB_EDGE), Image.Resampling.BILINEAR)
    buffer = io.BytesIO()
    thumb.save(buffer, "JPEG", quality=70)
    return buffer.getvalue()


def write_thumbnail(jpeg: bytes, path: Path) -> tuple[int, int]:
    """A thumbnail of a photo fetched from the server (it is already oriented and stamped);
    returns the photo's (width, height). Raises PhotoError for bytes that are not an image."""
    image, _time, _gps = _decode(jpeg, THUMB_EDGE)
    size = Image.open(io.BytesIO(jpeg)).size
    _write_atomic(path, _thumbnail(image))
    return size


def _decode(raw: bytes, long_edge: int) -> tuple[Image.Image, datetime | None, tuple | None]:
    try:
        image = Image.open(io.BytesIO(raw))
        if image.width * image.height > MAX_PIXELS:
            raise PhotoError(f"图片过大 ({image.width}×{image.height}) (image too large)")
        if image.format == "JPEG" and raw.rfind(b"\xff\xd9") == -1:
            # A cut JPEG has no end marker. Checked here because Pillow decodes cut files
            # without complaint once any module in the process (WeasyPrint does) sets
            # ImageFile.LOAD_TRUNCATED_IMAGES.
            raise PhotoError("不是有效的图片或文件已损坏 (not a valid image): JPEG 数据不完整 (truncated)")
        exif = image.getexif()
        if image.format == "JPEG" and max(image.size) > 2 * long_edge:
            ratio = long_edge / max(image.size)
            image.draft("RGB", (int(image.width * ratio) + 1, int(image.height * ratio) + 1))
        image.load()
        image = ImageOps.exif_transpose(image)
        image = image.convert("RGB")
    except PhotoError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError,
            EOFError, TypeError) as exc:
        raise PhotoError(f"不是有效的图片或文件已损坏 (not a valid image): {exc}") from None
    return image, _exif_time(exif), _exif_gps(exif)


def _exif_time(exif: Image.Exif) -> datetime | None:
    try:
        sub = exif.get_ifd(0x8769)
        text = sub.get(36867) or exif.get(306)  # DateTimeOriginal, else DateTime
        if not text:
            return None
        local = datetime.strptime(str(text).strip("\x00 "), "%Y:%m:%d %H:%M:%S")
        offset = sub.get(36881)  # OffsetTimeOriginal, e.g. "+08:00"
        if offset:
            sign = -1 if str(offset).startswith("-") else 1
            hours, minutes = str(offset).lstrip("+-").split(":")
            tz = timezone(sign * timedelta(hours=int(hours), minutes=int(minutes)))
        else:
            tz = CHINA  # cameras without an offset write the local clock, which is China time here
        moment = local.replace(tzinfo=tz).astimezone(UTC).replace(tzinfo=None)
        return moment if 2000 <= moment.year <= 2100 else None
    except (ValueError, TypeError, KeyError, AttributeError):
        return None


def _exif_gps(exif: Image.Exif) -> tuple[float, float] | None:
    try:
        gps = exif.get_ifd(0x8825)
        if not gps or 2 not in gps or 4 not in gps:
            return None

        def degrees(value) -> float:
            d, m, s = (float(x) for x in value)
            return d + m / 60 + s / 3600

        lat, lon = degrees(gps[2]), degrees(gps[4])
        if str(gps.get(1, "N")).upper().startswith("S"):
            lat = -lat
        if str(gps.get(3, "E")).upper().startswith("W"):
            lon = -lon
        if -90 <= lat <= 90 and -180 <= lon <= 180:
            return round(lat, 7), round(lon, 7)
    except (ValueError, TypeError, ZeroDivisionError, KeyError, AttributeError):
        pass
    return None


def _stamp(image: Image.Image, estate: str, location: str, taken: datetime) -> None:
    """Estate, place and local time in the bottom-left corner, white on a dark band."""
    size = max(14, image.height // 42)
    font, cjk = _font(size)
    when = taken.replace(tzinfo=UTC).astimezone(CHINA).strftime("%Y-%m-%d %H:%M")
    place = " ".join(p for p in (estate, location) if p)
    if not cjk:
        # No Chinese font on this device: keep only what the default font can draw.
        place = "".join(ch for ch in place if ch.isascii()).strip()
    lines = [line for line in (place, when) if line]
    draw = ImageDraw.Draw(image, "RGBA")
    pad = size // 2
    widths = [draw.textlength(line, font=font) for line in lines]
    box_h = len(lines) * (size + pad // 2) + pad
    top = image.height - box_h - pad
    draw.rectangle([pad, top, pad + max(widths) + 2 * pad, top + box_h], fill=(0, 0, 0, 140))
    y = top + pad // 2
    for line in lines:
        draw.text((2 * pad, y), line, font=font, fill=(255, 255, 255, 255))
        y += size + pad // 2


def _encode(image: Image.Image) -> bytes:
    """The best quality in QUALITIES that fits MAX_BYTES (the last one if none does)."""
    body = b""
    for quality in QUALITIES:
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=quality, optimize=True)
        body = buffer.getvalue()
        if len(body) <= MAX_BYTES:
            break
    return body


def _write_atomic(path: Path, data: bytes) -> None:
    if path.exists() and path.stat().st_size == len(data):
        return  # content-addressed: same name, same bytes
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise

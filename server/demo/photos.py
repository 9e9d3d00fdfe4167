"""Drawn evidence photos for the demo city, stored by the SHA-256 of their bytes.

A photo is a simple street scene (sky, buildings with windows, ground) with a red box around
"the problem" and the watermark strip that inspectors' camera apps stamp on site photos:
category, estate and place, time, GPS. Text is Chinese when fontconfig finds a CJK font, and
English with PIL's own font otherwise.

Like a tablet's camera, the JPEG carries EXIF capture time (local, +08:00) and GPS position,
so the server's own photo check (server.domain.photos.inspect_image) reads them back.
"""

from __future__ import annotations

import functools
import io
import random
import subprocess
from dataclasses import dataclass
from datetime import datetime

from PIL import Image, ImageDraw, ImageFont
from PIL.TiffImagePlugin import IFDRational

SIZES = [(1280, 960), (1024, 768), (960, 1280), (800, 600), (768, 1024), (640, 480)]
JPEG_QUALITY = 82


@dataclass(frozen=True)
class PhotoScene:
    """What a photo shows and its watermark."""

    category: str
    category_en: str
    estate: str
    location: str
    taken_at_local: datetime
    latitude: float
    longitude: float
    inspector: str


@functools.cache
def cjk_font_path() -> tuple[str, int] | None:
    """(file, face index) of a Simplified Chinese font known to fontconfig, or None."""
    try:
        listing = subprocess.run(
            ["fc-list", ":lang=zh", "file", "family", "index"],
            capture_output=True, text=True, timeout=10, check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    candidates: list[tuple[int, str, int]] = []
    for line in listing.splitlines():
        path, _, rest = line.partition(": ")
        family, _, index = rest.rpartition(":index=")
        rank = 0 if "CJK SC" in family and "Mono" not in family and "Sans" in family else (
            1 if "WenQuanYi Micro Hei" in family and "Mono" not in family else 2
        )
        if path and index.isdigit():
            candidates.append((rank, path, int(index)))
    if not candidates:
        return None
    _, path, index = min(candidates)
    return path, index


@functools.cache
def _font(size: int) -> tuple[ImageFont.FreeTypeFont | ImageFont.ImageFont, bool]:
    found = cjk_font_path()
    if found:
        try:
            return ImageFont.truetype(found[0], size=size, index=found[1]), True
        except OSError:
            pass
    return ImageFont.load_default(size=size), False


def render_photo(scene: PhotoScene, rng: random.Random) -> bytes:
    """A JPEG of the scene; the same scene and rng state give the same bytes."""
    width, height = rng.choice(SIZES)
    img = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(img)
    horizon = int(height * rng.uniform(0.55, 0.7))
    top, bottom = (rng.randrange(120, 170), rng.randrange(170, 200), 235), (205, 222, 240)
    for y in range(horizon):
        t = y / max(horizon - 1, 1)
        colour = tuple(int(a + (b - a) * t) for a, b in zip(top, bottom, strict=True))
        draw.line([(0, y), (width, y)], fill=colour)
    ground = rng.choice([(120, 120, 118), (104, 110, 100), (140, 132, 120)])
    draw.rectangle([0, horizon, width, height], fill=ground)
    x = -rng.randrange(40)
    while x < width:
        w = rng.randrange(width // 8, width // 4)
        h = rng.randrange(int(horizon * 0.35), int(horizon * 0.9))
        wall = rng.choice([(214, 205, 190), (190, 196, 204), (226, 218, 200), (176, 160, 150)])
        draw.rectangle([x, horizon - h, x + w, horizon], fill=wall, outline=(90, 90, 90))
        step_x, step_y = max(w // 5, 12), max(h // 10, 14)
        for wx in range(x + step_x // 3, x + w - step_x // 2, step_x):
            for wy in range(horizon - h + step_y // 2, horizon - step_y // 2, step_y):
                lit = rng.random() < 0.15
                draw.rectangle([wx, wy, wx + step_x // 2, wy + step_y // 2],
                               fill=(240, 220, 150) if lit else (70, 90, 110))
        x += w + rng.randrange(6, 30)
    for _ in range(rng.randrange(6, 14)):  # clutter, bikes, parked things near the camera
        cx, cy = rng.randrange(width), rng.randrange(horizon, height)
        s = rng.randrange(20, max(21, width // 10))
        draw.rectangle([cx, cy, cx + s, cy + s // 2],
                       fill=(rng.randrange(60, 220), rng.randrange(60, 220), rng.randrange(60, 220)))
    bx = rng.randrange(width // 6, width // 2)
    by = rng.randrange(horizon - height // 6, horizon + height // 8)
    bw, bh = rng.randrange(width // 6, width // 3), rng.randrange(height // 8, height // 4)
    draw.rectangle([bx, by, bx + bw, by + bh], outline=(230, 30, 30), width=max(3, width // 200))
    _watermark(draw, scene, width, height)
    out = io.BytesIO()
    img.save(out, "JPEG", quality=JPEG_QUALITY, exif=_exif(scene))
    return out.getvalue()


def _exif(scene: PhotoScene) -> Image.Exif:
    exif = Image.Exif()
    stamp = scene.taken_at_local.strftime("%Y:%m:%d %H:%M:%S")
    exif[0x010F], exif[0x0110], exif[0x0132] = "Xuncha", "Demo camera", stamp  # Make, Model, DateTime
    details = exif.get_ifd(0x8769)
    details[0x9003], details[0x9011] = stamp, "+08:00"  # DateTimeOriginal, OffsetTimeOriginal
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = ("N" if scene.latitude >= 0 else "S"), _dms(scene.latitude)
    gps[3], gps[4] = ("E" if scene.longitude >= 0 else "W"), _dms(scene.longitude)
    return exif


def _dms(value: float) -> tuple[IFDRational, IFDRational, IFDRational]:
    value = abs(value)
    degrees, minutes = int(value), int(value * 60) % 60
    seconds = round((value * 3600) % 60, 3)
    return IFDRational(degrees, 1), IFDRational(minutes, 1), IFDRational(round(seconds * 1000), 1000)


def _watermark(draw: ImageDraw.ImageDraw, scene: PhotoScene, width: int, height: int) -> None:
    big, cjk = _font(max(18, width // 28))
    small, _ = _font(max(14, width // 42))
    when = scene.taken_at_local.strftime("%Y-%m-%d %H:%M")
    gps = f"N {scene.latitude:.5f}  E {scene.longitude:.5f}"
    if cjk:
        lines = [(scene.category, big), (f"{scene.estate} {scene.location}", small),
                 (f"{when}  检查员：{scene.inspector}", small), (gps, small)]
    else:
        lines = [(scene.category_en, big), (when, small), (gps, small)]
    pad = width // 60
    heights = [draw.textbbox((0, 0), text, font=font)[3] + pad // 2 for text, font in lines]
    box_h = sum(heights) + pad * 2
    box_w = max(draw.textlength(text, font=font) for text, font in lines) + pad * 3
    top = height - box_h - pad
    draw.rectangle([pad, top, pad + box_w, height - pad], fill=(20, 20, 20))
    draw.rectangle([pad, top, pad + pad // 2, height - pad], fill=(245, 170, 30))
    y = top + pad
    for (text, font), h in zip(lines, heights, strict=True):
        draw.text((pad * 2, y), text, font=font, fill=(255, 255, 255))
        y += h

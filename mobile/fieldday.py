"""A scripted field day: inspections run on the core as an inspector would, offline.

Used by the CLI (`simulate-day`), the tests and the benchmarks, so that all three drive the
same code paths the UI drives: Checklist.start → answer → attach_photo → finish, ad-hoc
findings with photos.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass

from PIL import Image, ImageDraw

from mobile.checklist import Checklist
from mobile.findings import record_finding
from mobile.photos import process_photo
from mobile.store import Store


def camera_jpeg(seed: int, width: int = 1600, height: int = 1200, quality: int = 90) -> bytes:
    """A JPEG that compresses like a photo of a stairwell: gradients, shapes, sensor noise."""
    rng = random.Random(seed)
    base = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    draw = ImageDraw.Draw(base)
    for _ in range(30):
        x, y = rng.randrange(width), rng.randrange(height)
        w, h = rng.randrange(width // 20, width // 3), rng.randrange(height // 20, height // 3)
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        draw.rectangle([x, y, x + w, y + h], fill=colour)
    noise = Image.effect_noise((width, height), 40).convert("RGB")
    image = Image.blend(base, noise, 0.25)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()


@dataclass
class DayResult:
    inspections: list[str]
    findings: int
    photos: int
    answers: int


def record_day(store: Store, inspections: int = 5, photos_per_inspection: int = 2, adhoc_findings: int = 1,
               seed: int = 0, photo_size: tuple[int, int] = (640, 480), fail_rate: float = 0.2) -> DayResult:
    """Run `inspections` checklists over the estates and templates held by the store."""
    rng = random.Random(seed)
    estates = store.records.all("estate")
    templates = [t for t in store.records.all("checklist_template") if t.get("status") != "draft"]
    if not estates or not templates:
        raise RuntimeError("本机没有小区或检查表，请先同步 (no estates or templates; sync first)")
    result = DayResult([], 0, 0, 0)
    photo_seed = seed * 100_000
    for n in range(inspections):
        estate = estates[n % len(estates)]
        checklist = Checklist.start(store, estate.id, templates[n % len(templates)].id)
        result.inspections.append(checklist.inspection_id)
        photos_left = photos_per_inspection
        items = list(checklist.items.values())
        for index, item in enumerate(items):
            # Fail enough items to carry this inspection's photos, and a share at random.
            must_fail = photos_left > 0 and (len(items) - index) <= photos_left
            failed = must_fail or rng.random() < fail_rate
            result_word = "fail" if failed else rng.choice(["pass", "pass", "pass", "na"])
            place = f"{rng.randint(1, 20)}栋{rng.randint(1, 4)}单元" if failed else ""
            state = checklist.answer(item.id, result_word, note="现场发现问题" if failed else None,
                                     location=place)
            result.answers += 1
            if failed:
                result.findings += 1
            if (failed and (state.needs_photo or photos_left > 0)) or (photos_left > 0 and must_fail):
                photo_seed += 1
                photo = process_photo(camera_jpeg(photo_seed, *photo_size), store.photo_dir,
                                      estate=estate.get("name", ""), location=place)
                checklist.attach_photo(item.id, photo)
                result.photos += 1
                photos_left -= 1
        checklist.finish()
    for n in range(adhoc_findings):
        estate = estates[n % len(estates)]
        photo_seed += 1
        photo = process_photo(camera_jpeg(photo_seed, *photo_size), store.photo_dir,
                              estate=estate.get("name", ""), location="2栋1单元")
        record_finding(store, estate.id, "楼道堆放杂物", "minor", "楼道内堆放纸箱", location="2栋1单元",
                       photos=[photo])
        result.findings += 1
        result.photos += 1
    return result

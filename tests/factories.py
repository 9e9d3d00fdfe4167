"""Factory helpers: each makes one believable row with defaults and flushes it.

Call them inside an app context (the `make` fixture gives one). Keyword arguments override.
"""

from __future__ import annotations

import io
import itertools
import random
from datetime import date, datetime, timedelta

from PIL import Image, ImageDraw

from server.domain.accounts import set_password
from server.domain.credit_code import make_credit_code
from server.domain.models import (
    ChecklistItem,
    ChecklistSection,
    ChecklistTemplate,
    Company,
    Estate,
    Finding,
    FindingStatus,
    Inspection,
    InspectionKind,
    ManagementType,
    Office,
    Region,
    RegionLevel,
    Role,
    Severity,
    TemplateStatus,
    User,
)
from server.domain.models.base import utcnow
from server.extensions import db

PASSWORD = "correct horse battery"
_counter = itertools.count(1)


def _n() -> int:
    return next(_counter)


def _save(obj):
    db.session.add(obj)
    db.session.flush()
    return obj


def office(**kw) -> Office:
    n = _n()
    return _save(Office(**{"name": f"测试市住建局{n}", "short_name": f"测住建{n}", **kw}))


def region(office: Office, parent: Region | None = None, **kw) -> Region:
    n = _n()
    level = kw.pop("level", None)
    if level is None:
        order = list(RegionLevel)
        level = order[order.index(parent.level) + 1] if parent else RegionLevel.CITY
    code = kw.pop("code", None) or (parent.code if parent else "") + f"{n:03d}"
    return _save(
        Region(office_id=office.id, parent_id=parent.id if parent else None, level=level,
               code=code, name=kw.pop("name", f"{level.value}{n}"), **kw)
    )


def region_tree(office: Office) -> dict[str, Region]:
    """city → district → street → community, one of each."""
    city = region(office, name="测试市")
    district = region(office, city, name="测试区")
    street = region(office, district, name="测试街道")
    community = region(office, street, name="测试社区")
    return {"city": city, "district": district, "street": street, "community": community}


def company(office: Office, **kw) -> Company:
    n = _n()
    code = make_credit_code("91", "320505", f"MA{n:07d}")
    return _save(Company(**{"office_id": office.id, "name": f"测试物业服务有限公司{n}",
                            "credit_code": code, "filed_at": date(2024, 1, 1), **kw}))


def estate(community: Region, company: Company | None = None, **kw) -> Estate:
    n = _n()
    return _save(
        Estate(**{
            "office_id": community.office_id,
            "region_id": community.id,
            "region_code": community.code,
            "company_id": company.id if company else None,
            "name": f"测试花园{n}",
            "management_type": ManagementType.PROFESSIONAL if company else ManagementType.FALLBACK,
            "households": 400,
            "floor_area": 52000,
            **kw,
        })
    )


def user(office: Office, role: Role = Role.INSPECTOR, password: str = PASSWORD, **kw) -> User:
    n = _n()
    account = User(**{"office_id": office.id, "username": f"{role.value}{n}",
                      "display_name": f"{role.value}{n}", "role": role,
                      "email": f"{role.value}{n}@example.test", **kw})
    set_password(account, password)
    return _save(account)


def template(office: Office, sections: int = 2, items_per_section: int = 3,
             published: bool = True, **kw) -> ChecklistTemplate:
    tpl = ChecklistTemplate(**{"office_id": office.id, "family": f"std{_n()}",
                               "name": "物业服务检查表", **kw})
    categories = ["消防通道占用", "飞线充电", "楼道堆放杂物", "电梯维保不及时", "收支未公示"]
    for s in range(1, sections + 1):
        section = ChecklistSection(position=s, title=f"第{s}部分")
        for i in range(1, items_per_section + 1):
            section.items.append(ChecklistItem(
                position=i, code=f"{s}.{i}", text=f"检查项{s}.{i}",
                category=categories[(s + i) % len(categories)], points=5,
                default_severity=Severity.MAJOR, rectification_days=7,
            ))
        tpl.sections.append(section)
    if published:
        tpl.status = TemplateStatus.PUBLISHED
        tpl.published_at = utcnow()
    return _save(tpl)


def inspection(estate: Estate, template: ChecklistTemplate | None = None,
               inspectors: list[User] = (), **kw) -> Inspection:
    visit = Inspection(**{"office_id": estate.office_id, "estate_id": estate.id,
                          "region_code": estate.region_code,
                          "template_id": template.id if template else None,
                          "kind": InspectionKind.ROUTINE, **kw})
    visit.inspectors.extend(inspectors)
    return _save(visit)


def finding(estate: Estate, **kw) -> Finding:
    now = utcnow()
    return _save(Finding(**{"office_id": estate.office_id, "estate_id": estate.id,
                            "region_code": estate.region_code,
                            "category": "楼道堆放杂物", "severity": Severity.MAJOR,
                            "location": "3栋2单元", "description": "楼道内堆放纸箱和旧家具",
                            "status": FindingStatus.OPEN, "found_at": now,
                            "due_at": now + timedelta(days=7), **kw}))


def jpeg_bytes(width: int = 640, height: int = 480, seed: int = 0, quality: int = 85) -> bytes:
    """A real JPEG with some structure (so it compresses like a photo, not a flat colour)."""
    rng = random.Random(seed)
    img = Image.new("RGB", (width, height), (rng.randrange(256), rng.randrange(256), 200))
    draw = ImageDraw.Draw(img)
    for _ in range(40):
        x, y = rng.randrange(width), rng.randrange(height)
        draw.rectangle([x, y, x + rng.randrange(20, 200), y + rng.randrange(20, 200)],
                       fill=(rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=quality)
    return out.getvalue()


def at(days: float = 0) -> datetime:
    return utcnow() + timedelta(days=days)

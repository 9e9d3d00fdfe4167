"""Factory helpers: each makes one believable row with defaults and flushes it.

Call them inside an app context (the `make` fixture gives one). Keyword arguments override.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import random
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
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
    # Three digits a level keep a community within Region.code's 12 characters; each test starts
    # from empty tables, so codes only need to differ inside one test.
    code = kw.pop("code", None) or (parent.code if parent else "") + f"{n % 1000:03d}"
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


# --- Estate ledger (台账导入) --------------------------------------------------------------------

_COMMUNITY_WORDS = ["幸福", "和平", "光明", "新华", "朝阳", "建设", "文化", "团结", "红星", "长青",
                    "民主", "育才", "花园", "友谊", "胜利", "东风"]
_STREET_WORDS = ["东城", "西城", "南湖", "北塘", "金阊", "平江", "沧浪", "双塔"]
_ESTATE_WORDS = ["阳光花园", "锦绣家园", "翠湖雅苑", "金色华府", "书香名邸", "梧桐新村", "枫林湾",
                 "御景园"]
_PEOPLE = ["张伟", "王芳", "李娜", "刘洋", "陈静", "杨帆", "赵磊", "黄敏"]


def community_tree(office: Office, streets: int = 2, communities_per_street: int = 3) -> list[Region]:
    """City → district → streets → communities with administrative-style codes (12 digits at the
    community level); returns every region made, communities last."""
    n = _n() % 10_000
    city = _save(Region(office_id=office.id, level=RegionLevel.CITY, code=f"{n:04d}", name="测试市"))
    district = _save(Region(office_id=office.id, parent_id=city.id, level=RegionLevel.DISTRICT,
                            code=f"{city.code}05", name="姑苏区"))
    made_streets, communities = [], []
    for s in range(streets):
        street = _save(Region(office_id=office.id, parent_id=district.id, level=RegionLevel.STREET,
                              code=f"{district.code}{s + 1:03d}",
                              name=f"{_STREET_WORDS[s % len(_STREET_WORDS)]}街道"))
        made_streets.append(street)
        for c in range(communities_per_street):
            k = s * communities_per_street + c
            word = _COMMUNITY_WORDS[k % len(_COMMUNITY_WORDS)] + ("" if k < len(_COMMUNITY_WORDS) else str(k))
            communities.append(_save(Region(
                office_id=office.id, parent_id=street.id, level=RegionLevel.COMMUNITY,
                code=f"{street.code}{c + 1:03d}", name=f"{word}社区")))
    return [city, district, *made_streets, *communities]


def ledger_rows(communities: list[Region], count: int, code_body: str = "MA") -> list[dict[str, object]]:
    """`count` valid ledger rows keyed by the template's headers: about seven in ten estates are
    professionally managed by one of count/10 companies, the rest self-managed or fallback.

    `code_body` starts the credit codes' body, so two calls can make distinct companies."""
    from server.domain.ledger.columns import COLUMNS, COMMITTEE_LABELS, MANAGEMENT_TYPE_LABELS
    from server.domain.models import CommitteeStatus

    header = {column.key: column.header for column in COLUMNS}
    communities = [r for r in communities if r.level == RegionLevel.COMMUNITY]
    companies = []
    for k in range(max(1, count // 10)):
        code = make_credit_code("91", "320508", f"{code_body}{k:0{9 - len(code_body)}d}")
        companies.append({"company_name": f"{_STREET_WORDS[k % 8]}{code_body}{k}物业服务有限公司",
                          "credit_code": code, "filed_at": date(2015 + k % 9, 1 + k % 12, 1 + k % 28),
                          "contact_person": _PEOPLE[k % len(_PEOPLE)], "phone": f"0512-6{k:07d}"})
    others = [ManagementType.UNIT_SELF, ManagementType.OWNER_SELF, ManagementType.FALLBACK]
    committees = list(CommitteeStatus)
    rows, professional = [], 0
    for i in range(count):
        community = communities[i % len(communities)]
        values: dict[str, object] = {
            "estate_name": f"{_ESTATE_WORDS[i % len(_ESTATE_WORDS)]}{i + 1}期",
            "community": community.name,
            "address": f"{community.name.removesuffix('社区')}路{i + 1}号",
            "households": 120 + (i * 37) % 1800,
            "floor_area": round(9500 + (i * 613) % 180_000 + 0.5 * (i % 2), 2),
            "buildings": 2 + i % 40,
            "committee_status": COMMITTEE_LABELS[committees[i % len(committees)]],
            "built_year": 1985 + i % 38,
            "latitude": round(31.25 + (i % 97) / 1000, 6),
            "longitude": round(120.55 + (i % 89) / 1000, 6),
        }
        if i % 10 < 7:
            values["management_type"] = MANAGEMENT_TYPE_LABELS[ManagementType.PROFESSIONAL]
            values.update(companies[professional % len(companies)])
            professional += 1
        else:
            values["management_type"] = MANAGEMENT_TYPE_LABELS[others[i % 10 - 7]]
        rows.append({header[key]: value for key, value in values.items()})
    return rows


def ledger_headers() -> list[str]:
    from server.domain.ledger.columns import COLUMNS

    return [column.header for column in COLUMNS]


def ledger_xlsx(rows: list[dict[str, object]], headers: list[str] | None = None,
                title: str | None = None) -> bytes:
    """A real .xlsx of `rows` under `headers`; `title` puts a title row above the header."""
    from openpyxl import Workbook

    headers = headers or ledger_headers()
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "小区台账"
    if title:
        sheet.append([title])
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(h) for h in headers])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def ledger_csv(rows: list[dict[str, object]], encoding: str = "utf-8-sig",
               headers: list[str] | None = None) -> bytes:
    """The rows as CSV text in `encoding`, dates written the way Excel writes them (2024/3/1)."""
    import csv

    headers = headers or ledger_headers()
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(headers)
    for row in rows:
        writer.writerow([_csv_value(row.get(h)) for h in headers])
    return out.getvalue().encode(encoding)


def _csv_value(value: object) -> object:
    if isinstance(value, date):
        return f"{value.year}/{value.month}/{value.day}"
    return "" if value is None else value


def photo_jpeg_bytes(width: int = 1280, height: int = 960, seed: int = 0) -> bytes:
    """A JPEG the size of a tablet photo (~300 KB): jpeg_bytes with sensor-like noise over it."""
    from PIL import ImageFilter

    rng = random.Random(seed)
    base = Image.open(io.BytesIO(jpeg_bytes(width, height, seed=seed, quality=95))).convert("RGB")
    noise = Image.frombytes("RGB", (width, height), rng.randbytes(width * height * 3))
    img = Image.blend(base, noise.filter(ImageFilter.GaussianBlur(0.6)), 0.3)
    out = io.BytesIO()
    img.save(out, "JPEG", quality=85)
    return out.getvalue()


def loop_world(**office_kw) -> dict:
    """The cast of the rectification loop: an office, its region tree, one company with one
    estate, a district supervisor, a street inspector and a company user."""
    from tests import factories

    the_office = office(**office_kw)
    tree = region_tree(the_office)
    the_company = company(the_office)
    return {
        "office": the_office, "tree": tree, "company": the_company, "make": factories,
        "estate": estate(tree["community"], the_company),
        "supervisor": user(the_office, Role.SUPERVISOR, region_id=tree["district"].id),
        "inspector": user(the_office, Role.INSPECTOR, region_id=tree["street"].id),
        "company_user": user(the_office, Role.COMPANY, company_id=the_company.id),
    }


STANDARD_HEADERS = ["检查分项", "编号", "检查内容", "问题类别", "分值", "默认严重程度", "整改天数",
                    "不合格须拍照", "检查指引"]


def checklist_rows(sections: int = 13, items: int = 144) -> list[list[object]]:
    """Rows of a checklist standard in the workbook's columns: `items` items spread over
    `sections` sections, the section written only on each section's first row (as a merged
    cell reads), points summing to about 100 over a 144-item file."""
    severities = ["一般", "较重", "严重"]
    categories = ["消防通道占用", "飞线充电", "楼道堆放杂物", "电梯维保不及时", "收支未公示", "保洁不到位"]
    rows = []
    for n in range(items):
        s = n * sections // items
        first = not rows or rows[-1][1].split(".")[0] != str(s + 1)
        rows.append([f"第{s + 1}部分 分项{s + 1}" if first else None, f"{s + 1}.{n + 1}",
                     f"检查内容第{n + 1}条：设施完好，记录齐全", categories[n % len(categories)],
                     1 if n % 3 else 2, severities[n % 3], [15, 7, 3][n % 3], "是" if n % 2 else "否",
                     f"现场查看第{n + 1}项" if n % 4 == 0 else None])
    return rows


def checklist_xlsx(rows: list[list[object]], headers: list[str] | None = None,
                   title: str | None = None) -> bytes:
    """A checklist standard workbook (header on row 1) as the bytes of an .xlsx file."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers or STANDARD_HEADERS)
    for row in rows:
        sheet.append(row)
    if title:
        workbook.properties.title = title
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@contextlib.contextmanager
def scratch_database(database_url: str, suffix: str, sqlite_file: Path) -> Iterator[str]:
    """A second, empty database of the suite's kind: `sqlite_file`, or `<db><suffix>` on the same
    PostgreSQL server, dropped again afterwards."""
    url = sa.make_url(database_url)
    if url.get_backend_name() == "sqlite":
        yield f"sqlite:///{sqlite_file}"
        return
    name = f"{url.database}{suffix}"
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def plans_world(estates: int = 12, inspectors: int = 6) -> dict:
    """The cast of a double-random draw and of complaints: one district of one office with
    `estates` estates over two communities and two companies, `inspectors` district inspectors
    with distinct names and phones, a district supervisor and a published checklist."""
    the_office = office()
    tree = region_tree(the_office)
    second = region(the_office, tree["street"], name="第二社区")
    companies = [company(the_office, name=f"抽查物业公司{n}") for n in (1, 2)]
    places = [estate(tree["community"] if n % 2 else second, companies[n % 2], name=f"抽查小区{n:02d}")
              for n in range(estates)]
    people = [user(the_office, Role.INSPECTOR, region_id=tree["district"].id,
                   display_name=f"检查员{'甲乙丙丁戊己庚辛壬癸'[n]}", phone=f"1390000{n:04d}")
              for n in range(inspectors)]
    return {"office": the_office, "tree": tree, "companies": companies, "estates": places,
            "inspectors": people, "template": template(the_office),
            "supervisor": user(the_office, Role.SUPERVISOR, region_id=tree["district"].id,
                               display_name="督导王科长", phone="13811112222")}


# --- Assessment (量化考核) ----------------------------------------------------------------------
# score-begin

def publish_rules(the_office: Office, rules: dict | None = None, effective_from: date = date(2026, 1, 1),
                  actor: User | None = None):
    """Publish a rule set (the template rules unless given) as the office's next version."""
    from server.domain.assessment import rules as assessment_rules

    actor = actor or user(the_office, Role.ADMIN)
    assessment_rules.save_draft(db.session, the_office.id, rules or assessment_rules.template_rules())
    return assessment_rules.publish_draft(db.session, the_office.id, effective_from, actor)


def publish_october_rules(world: dict):
    """The template rules with two places a list and a black line at 85, from 1 October 2026."""
    from server.domain.assessment import rules as assessment_rules

    rules = assessment_rules.template_rules()
    rules["lists"].update(n=2, black_below_score=85)
    return publish_rules(world["office"], rules, effective_from=date(2026, 10, 1))


def _cst(day: int, hour: int = 10, month: int = 10) -> datetime:
    """A moment of October 2026 given in China time, stored as naive UTC."""
    return datetime(2026, month, day, hour) - timedelta(hours=8)


def assessment_world() -> dict:
    """October 2026 in one office, with known scores under the template rules (docs/assessment.md):
    E1 97.00, E3 95.00, E2 78.50, E5 75.00, E6 60.00 (E4 has no inspection in October);
    companies C1 87.75 / credit 95.30, C2 85.00 / 82.20, C3 none / 93.80. Inspectors, company
    contacts and the complainant carry names and phones a public page must never show."""
    from server.domain.models import CreditRecord, Escalation, EscalationKind, InspectionStatus

    the_office = office(name="考核测试市住建局")
    tree = region_tree(the_office)
    c1, c2, c3 = (company(the_office, name=name, contact_person=person, phone=phone)
                  for name, person, phone in (("红旗物业服务有限公司", "孙经理", "13700000001"),
                                              ("蓝天物业服务有限公司", "周经理", "13700000002"),
                                              ("黄河物业服务有限公司", "吴经理", "13700000003")))
    place = {key: estate(tree["community"], owner, name=name) for key, owner, name in (
        ("E1", c1, "金色华府"), ("E2", c1, "梧桐新村"), ("E3", c2, "翠湖雅苑"), ("E4", c3, "枫林湾"),
        ("E5", c2, "书香名邸"), ("E6", None, "老街小区"))}
    inspectors = [user(the_office, Role.INSPECTOR, region_id=tree["district"].id, display_name=name,
                       phone=phone)
                  for name, phone in (("钱检查", "13912340001"), ("郑督查", "13912340002"))]
    finished = InspectionStatus.FINISHED

    def visit(key: str, score: int, day: int, **kw) -> Inspection:
        when = kw.pop("finished_at", None) or _cst(day)
        return inspection(place[key], inspectors=inspectors, status=kw.pop("status", finished),
                          score=score, max_score=80, finished_at=when, **kw)

    visit("E1", 96, 8), visit("E1", 98, 22)
    visit("E2", 90, 10)
    visit("E3", 100, 5)
    visit("E5", 80, 3)
    visit("E5", 0, 12, kind=InspectionKind.COMPLAINT)  # not a kind the rules count
    visit("E5", 10, 14, status=InspectionStatus.CANCELLED)  # cancelled visits do not count
    visit("E5", 20, 1, finished_at=datetime(2026, 9, 30, 15))  # 23:00 on 30 September, China time
    visit("E6", 60, 18)
    visit("E4", 100, 1, finished_at=_cst(20, month=11))  # November: another period

    def problem(key: str, severity: Severity, found: datetime, due: datetime, closed: datetime | None = None,
                category: str = "楼道堆放杂物") -> Finding:
        status = FindingStatus.CLOSED if closed else FindingStatus.NOTIFIED
        return finding(place[key], severity=severity, found_at=found, due_at=due, closed_at=closed,
                       status=status, category=category, reported_by_id=inspectors[0].id)

    problem("E2", Severity.MINOR, _cst(10), _cst(31, 23), _cst(15), category="收支未公示")
    severe_e2 = problem("E2", Severity.SEVERE, _cst(10), datetime(2026, 10, 20), category="消防通道占用")
    problem("E3", Severity.SEVERE, _cst(5), _cst(10, month=11), category="飞线充电")
    problem("E5", Severity.MAJOR, _cst(3), datetime(2026, 10, 8), datetime(2026, 10, 12),
            category="电梯维保不及时")
    problem("E4", Severity.MAJOR, _cst(1, month=9), _cst(10, month=9))  # overdue all October: 31 days
    db.session.add_all([
        Escalation(finding_id=severe_e2.id, company_id=c1.id, kind=EscalationKind.URGE, decided_at=_cst(25)),
        Escalation(finding_id=severe_e2.id, company_id=c1.id, kind=EscalationKind.INTERVIEW,
                   decided_at=_cst(3, month=11)),
        CreditRecord(office_id=the_office.id, company_id=c1.id, kind="commendation",
                     occurred_on=date(2026, 10, 15), title="垃圾分类示范小区"),
        CreditRecord(office_id=the_office.id, company_id=c2.id, kind="penalty",
                     occurred_on=date(2026, 10, 20), title="拒不整改通报批评"),
        CreditRecord(office_id=the_office.id, company_id=c2.id, kind="penalty",
                     occurred_on=date(2026, 11, 2), title="十一月的处罚"),
        CreditRecord(office_id=the_office.id, company_id=c2.id, kind="penalty",
                     occurred_on=date(2026, 10, 21), title="已撤销的处罚", deleted_at=utcnow()),
    ])
    db.session.flush()
    return {"office": the_office, "tree": tree, "companies": {"C1": c1, "C2": c2, "C3": c3},
            "estates": place, "inspectors": inspectors}

# score-end

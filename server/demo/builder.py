"""Building the demo city: one office, its regions, companies, estates, users, checklist and a
few months of inspection history, all in one transaction.

Everything comes from `random.Random` streams seeded from the build's seed (one stream per
part, so that turning photos off does not change the estates), and every date counts back
from `today`, so the same seed and day give the same rows. Rows go in with bulk INSERTs in
batches; synced rows get their change numbers from `take_change_numbers` because the ORM hook
that usually stamps them does not see bulk inserts.

Times are stored as naive UTC like everywhere else; the city lives in China Standard Time
(UTC+8), so office hours and deadlines (end of the local day) are made in local time first.
"""

from __future__ import annotations

import hashlib
import math
import random
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session, selectinload

from server.config import DEMO_PASSWORD
from server.demo import checklist_data, names
from server.demo.guidance import GUIDANCE
from server.demo.photos import PhotoScene, render_photo
from server.demo.wipe import delete_office_data
from server.domain.accounts import hash_password, set_password
from server.domain.assessment.demo import add_demo_assessment
from server.domain.complaints.demo import add_demo_complaints
from server.domain.credit_code import ALPHABET, make_credit_code
from server.domain.database import take_change_numbers
from server.domain.estate_initials import name_initials
from server.domain.models import (
    Answer,
    AnswerResult,
    AuditEntry,
    Channel,
    ChecklistItem,
    ChecklistSection,
    ChecklistTemplate,
    CommitteeStatus,
    Company,
    ComplaintChannel,
    Escalation,
    EscalationKind,
    Estate,
    Finding,
    FindingStatus,
    Inspection,
    InspectionKind,
    InspectionStatus,
    ManagementType,
    Notice,
    NoticeSequence,
    NoticeStatus,
    Office,
    Photo,
    PhotoLink,
    PhotoRole,
    Rectification,
    RectificationStatus,
    Region,
    RegionLevel,
    Reminder,
    ReminderKind,
    Revisit,
    RevisitResult,
    RevisitStatus,
    Role,
    Severity,
    TemplateStatus,
    UnitKind,
    User,
    inspection_inspector,
)
from server.domain.photos import PhotoLimits, inspect_image
from server.domain.pinyin_sort import pinyin_key
from server.domain.progress import ProgressFn
from server.domain.random_plans.demo import add_demo_plan
from server.domain.rectification.reminders import (
    AWAITING_FIX,
    PlannedReminder,
    next_overdue_time,
    planned_reminders,
)
from server.domain.rectification.settings import EscalationRule, days_for_severity, escalation_rules
from server.notify.messages import render_reminder
from server.storage import PhotoStore
from shared_schema.scoring import compute_score

LOCAL_OFFSET = timedelta(hours=8)  # China Standard Time, no daylight saving
BATCH = 2000
CHUNK = 50  # inspections generated and written per step (and per progress tick)


STAGE_CITY = "城市与小区 city"
STAGE_HISTORY = "检查记录 inspections"
STAGE_PHOTOS = "照片 photos"
STAGE_REMINDERS = "提醒 reminders"


class DemoCityExistsError(RuntimeError):
    """The database already holds the demo office and --replace was not given."""


class DemoBuildError(RuntimeError):
    """The demo city cannot be built into this database; the message says why."""


@dataclass(frozen=True)
class DemoOptions:
    scale: int = 1
    seed: int = 20240601
    today: date | None = None  # the local date the history ends before; None = today in China
    months: int = 4
    photos: bool = True
    photo_limit: int = 1000  # at most this many findings get a drawn photo
    replace: bool = False


@dataclass(frozen=True)
class Login:
    username: str
    role: str
    display_name: str
    scope: str
    label: str = ""  # how the list names the account's kind; "" = the role's own label


@dataclass
class DemoReport:
    office_id: uuid.UUID
    office_name: str
    counts: dict[str, int]
    logins: list[Login]
    photos_drawn: int
    today: date


def china_today() -> date:
    return (datetime.now(UTC) + LOCAL_OFFSET).date()


def build_demo_city(
    session: Session,
    store: PhotoStore,
    options: DemoOptions = DemoOptions(),
    progress: ProgressFn | None = None,
    limits: PhotoLimits | None = None,
) -> DemoReport:
    """Build the demo city and commit; on any error or Ctrl-C, roll back and delete the photos
    this run put in the store, so the database and the photo store are as they were.

    Photos pass the server's own check (`inspect_image`, within `limits`, by default the app's
    PHOTO_* settings), which also makes their thumbnails."""
    if options.scale < 1 or options.months < 1:
        raise DemoBuildError("scale 和 months 必须至少为 1 (scale and months must be at least 1)")
    limits = limits or PhotoLimits.from_config(current_app.config)
    builder = _Builder(session, store, limits, options, progress or (lambda *_: None))
    orphaned: set[str] = set()
    try:
        builder.check_schema()
        existing = session.scalar(sa.select(Office).where(Office.name == names.OFFICE_NAME))
        if existing is not None:
            if not options.replace:
                raise DemoCityExistsError(
                    f"数据库中已有演示城市「{names.OFFICE_NAME}」；要重建请加 --replace "
                    "(the demo city already exists; use --replace to rebuild it)"
                )
            orphaned = delete_office_data(session, existing.id)
        report = builder.run()
        session.commit()
    except BaseException:
        # A Ctrl-C in the middle of a statement can leave the connection unable to roll back
        # cleanly; the photo files go whatever happens to the rollback.
        try:
            session.rollback()
        finally:
            builder.remove_added_photos()
        raise
    _remove_unused_files(session, store, orphaned)
    return report


def _remove_unused_files(session: Session, store: PhotoStore, shas: set[str]) -> None:
    """Files of photos the replaced city alone used, unless the new city drew the same bytes."""
    if not shas:
        return
    ordered = sorted(shas)
    kept: set[str] = set()
    for start in range(0, len(ordered), 500):
        kept.update(session.scalars(
            sa.select(Photo.sha256).where(Photo.sha256.in_(ordered[start:start + 500]))
        ))
    for sha in sorted(shas - kept):
        store.delete(sha)


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _utc(local: datetime) -> datetime:
    return local - LOCAL_OFFSET


def _local_at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute))


def _end_of_day(day: date) -> datetime:
    """A deadline: the last second of the local day, as the rectification services set it."""
    return datetime.combine(day, time(23, 59, 59))


def _split(total: int, parts: int, rng: random.Random, weights: Sequence[float] | None = None) -> list[int]:
    """`total` things over `parts` holders, each holder at least one (when total allows)."""
    counts = [1 if total >= parts else 0] * parts
    rest = total - sum(counts)
    if rest > 0:
        for index in rng.choices(range(parts), weights=weights, k=rest):
            counts[index] += 1
    return counts


def _pick(rng: random.Random, table: Sequence[tuple[Any, float]]) -> Any:
    return rng.choices([value for value, _ in table], weights=[w for _, w in table])[0]


@dataclass
class _District:
    region_id: uuid.UUID
    code: str
    name: str
    pinyin: str
    centre: tuple[float, float]
    roads: list[str]
    supervisor_id: uuid.UUID | None = None
    inspectors: list[tuple[uuid.UUID, str]] = field(default_factory=list)


@dataclass
class _Estate:
    id: uuid.UUID
    name: str
    region_code: str
    district: _District
    management_type: ManagementType
    company_id: uuid.UUID | None
    company_user_id: uuid.UUID | None
    highrise: bool
    committee: bool
    buildings: int
    latitude: float
    longitude: float
    problem_rate: float


@dataclass(frozen=True)
class _Item:
    id: uuid.UUID
    spec: checklist_data.ItemSpec


@dataclass
class _PhotoCandidate:
    finding_id: uuid.UUID
    estate: _Estate
    category: str
    location: str
    found_local: datetime
    inspector: str
    open_ledger: bool


# Management types in the proportions of a large city: about half professionally managed.
MANAGEMENT_MIX = [
    (ManagementType.PROFESSIONAL, 0.52),
    (ManagementType.UNIT_SELF, 0.10),
    (ManagementType.OWNER_SELF, 0.13),
    (ManagementType.FALLBACK, 0.25),
]
# (owners' committee, temporary committee, none) by management type: about 70% have one.
COMMITTEE_MIX = {
    ManagementType.PROFESSIONAL: (0.78, 0.12, 0.10),
    ManagementType.UNIT_SELF: (0.45, 0.10, 0.45),
    ManagementType.OWNER_SELF: (0.85, 0.10, 0.05),
    ManagementType.FALLBACK: (0.45, 0.30, 0.25),
}
# Chance that an average item fails, before the category's weight and the estate's age: about
# one and a half findings per visit, as in offices that report ~400 problems from ~740 visits.
BASE_PROBLEM_RATE = {
    ManagementType.PROFESSIONAL: 0.011,
    ManagementType.UNIT_SELF: 0.016,
    ManagementType.OWNER_SELF: 0.018,
    ManagementType.FALLBACK: 0.026,
}
INSPECTION_KINDS = [
    (InspectionKind.ROUTINE, 0.55),
    (InspectionKind.SPECIAL, 0.15),
    (InspectionKind.RANDOM, 0.12),
    (InspectionKind.COMPLAINT, 0.10),
    (InspectionKind.REVISIT, 0.08),
]
# Complaints by channel, in the proportions one office reported for a year.
COMPLAINT_CHANNELS = [
    (ComplaintChannel.ON_SITE, 47),
    (ComplaintChannel.PHONE, 109),
    (ComplaintChannel.ONLINE, 25),
    (ComplaintChannel.HOTLINE_12345, 86),
    (ComplaintChannel.LEADER_INSTRUCTION, 11),
]
COMPLAINT_CHANNEL_LABEL = {
    ComplaintChannel.ON_SITE: "现场投诉",
    ComplaintChannel.PHONE: "电话投诉",
    ComplaintChannel.ONLINE: "网络舆情",
    ComplaintChannel.HOTLINE_12345: "12345热线",
    ComplaintChannel.LEADER_INSTRUCTION: "领导批示",
}
COMPLAINT_CATEGORIES = ["楼道堆放杂物", "飞线充电", "电梯维保不及时", "收支未公示", "保洁不到位",
                        "车辆乱停放", "漏雨渗水", "违章搭建", "秩序维护不到位", "设施设备老化"]
# Campaigns (专项检查) by month, and the categories they look hardest at.
CAMPAIGNS = {
    "winter": ("冬季消防安全专项检查", ["消防通道占用", "消防设施损坏", "飞线充电"]),
    "ebike": ("电动自行车充电安全专项整治", ["飞线充电", "电动自行车违规停放充电", "充电设施不足"]),
    "flood": ("汛期房屋安全专项检查", ["漏雨渗水", "管网堵塞", "高空坠物隐患"]),
    "lift": ("电梯安全专项检查", ["电梯维保不及时"]),
    "disclosure": ("物业服务信息公示专项检查", ["收支未公示", "收费信息未公示", "公共收益管理不规范"]),
}
ESCALATION_NOTES = {
    EscalationKind.URGE: "逾期未整改，发督办函",
    EscalationKind.INTERVIEW: "约谈企业项目负责人",
    EscalationKind.PENALTY: "拒不整改，移交行政处罚",
}
REVISIT_DAYS = 5  # about three working days
REMINDER_BATCH = 500  # findings planned, rendered and written per step
READ_AFTER_DAYS = 3  # inbox reminders older than this were read; the newer ones wait unread
RECTIFICATION_NOTES = ["已按要求整改完毕，附整改后照片", "已清理完毕并加强日常巡查",
                       "已维修更换，恢复正常使用", "已张贴公示并拍照留存", "已约谈相关业主，完成清理"]
REVISIT_NOTES = ["现场复查，已整改到位，予以销号", "复查合格，销号", "经回头看核实已整改"]
SITE_PLACES = ["东门", "南门", "北门", "中心广场", "小区主干道", "地下车库", "垃圾分类投放点", "配电房",
               "水泵房", "非机动车棚", "儿童游乐区", "西侧绿化带"]
OFFICE_CATEGORIES = {"收支未公示", "收费信息未公示", "公共收益管理不规范", "综合管理不规范", "服务合同不规范",
                     "人员管理不规范", "服务接待不到位", "投诉处理不及时", "档案资料不全", "业主自治不规范",
                     "维修资金使用不规范", "消防管理不规范", "应急管理不到位", "维修不及时"}
SITE_CATEGORIES = {"消防通道占用", "车辆乱停放", "保洁不到位", "绿化养护不到位", "充电设施不足", "管网堵塞",
                   "秩序维护不到位", "拒绝安装充电桩", "二次供水管理不规范"}


class _Builder:
    def __init__(self, session: Session, store: PhotoStore, limits: PhotoLimits, options: DemoOptions,
                 progress: ProgressFn):
        self.session = session
        self.store = store
        self.limits = limits
        self.options = options
        self.progress = progress
        self.today = options.today or china_today()
        self.as_of = _utc(_local_at(self.today, 0))  # the start of today, local time
        self.start_day = self.today - timedelta(days=30 * options.months)
        self.born = _utc(_local_at(self.start_day - timedelta(days=14), 9))  # static rows' created_at
        self.added: list[str] = []  # photos this run put in the store (not there before)
        self.counts: dict[str, int] = defaultdict(int)
        self.logins: list[Login] = []
        self.photo_candidates: list[_PhotoCandidate] = []
        self.notice_numbers: dict[int, int] = defaultdict(int)
        self.ladder = escalation_rules()  # the office's configured ladder (督办 → 约谈 → 行政处罚)

    def rng(self, part: str) -> random.Random:
        return random.Random(f"{self.options.seed}:{self.options.scale}:{part}")

    # -- writing -------------------------------------------------------------------------

    def insert(self, model: Any, rows: list[dict[str, Any]]) -> None:
        """Bulk insert; synced tables get fresh change numbers in insertion order."""
        if not rows:
            return
        table = model if isinstance(model, sa.Table) else model.__table__
        if "name_pinyin" in table.c:
            # Bulk INSERTs pass by the models' listeners: the name keys they keep are set here.
            for row in rows:
                row["name_pinyin"] = pinyin_key(row["name"])
                if "name_initials" in table.c:
                    row["name_initials"] = name_initials(row["name"])
        if "server_seq" in table.c:
            for row, number in zip(rows, take_change_numbers(self.session, len(rows)), strict=True):
                row["server_seq"] = number
        for start in range(0, len(rows), BATCH):
            self.session.execute(sa.insert(table), rows[start:start + BATCH])
        self.counts[table.name] += len(rows)

    def synced(self, rng: random.Random, at: datetime, **values: Any) -> dict[str, Any]:
        return {"id": _uuid(rng), "created_at": at, "updated_at": at, "deleted_at": None,
                "server_seq": 0, **values}

    def remove_added_photos(self) -> None:
        for sha in self.added:
            self.store.delete(sha)
        self.added.clear()

    # -- the whole build -----------------------------------------------------------------

    def run(self) -> DemoReport:
        self.progress(STAGE_CITY, 0, 5)
        self.office_id = self._office()
        self._regions()
        self.progress(STAGE_CITY, 1, 5)
        self._template()
        self._companies()
        self.progress(STAGE_CITY, 2, 5)
        self._users()
        self.progress(STAGE_CITY, 3, 5)
        self._estates()
        self.progress(STAGE_CITY, 5, 5)
        self._history()
        self._reminders()
        self._photos()
        self._notice_sequences()
        self._audit()
        self.counts["complaint"] = add_demo_complaints(  # 投诉 behind the complaint visits
            self.session, self.office_id, self.rng("complaints"), self.today, names.person_name)
        self.counts["inspection_plan"] = add_demo_plan(self.session, self.office_id, self.today)  # 双随机
        self.counts["assessment_rule_set"] = add_demo_assessment(  # 量化考核 rules, last month public
            self.session, self.office_id, self.today)
        return DemoReport(self.office_id, names.OFFICE_NAME, dict(self.counts), self.logins,
                          self.counts["photo_link"], self.today)

    def check_schema(self) -> None:
        have = set(sa.inspect(self.session.connection()).get_table_names())
        if "estate" not in have or "office" not in have:
            raise DemoBuildError("数据库还没有建表，请先运行 xuncha db upgrade "
                                 "(no tables yet: run `xuncha db upgrade` first)")

    def _office(self) -> uuid.UUID:
        rng = self.rng("office")
        office_id = _uuid(rng)
        self.insert(Office, [{"id": office_id, "name": names.OFFICE_NAME,
                              "short_name": names.OFFICE_SHORT_NAME, "legal_basis": names.LEGAL_BASIS,
                              "created_at": self.born, "updated_at": self.born}])
        return office_id

    # -- regions -------------------------------------------------------------------------

    def _regions(self) -> None:
        rng = self.rng("regions")
        scale = self.options.scale
        n_districts = min(len(names.DISTRICTS), 3 * math.ceil(math.sqrt(scale)))
        n_streets = max(n_districts, 12 * scale)
        n_communities = max(n_streets, 40 * scale)
        rows: list[dict[str, Any]] = []
        city_id = _uuid(rng)
        self.city_id = city_id
        rows.append(self.synced(rng, self.born, id=city_id, office_id=self.office_id, parent_id=None,
                                level=RegionLevel.CITY, code=names.CITY_CODE, name=names.CITY_NAME))
        self.districts: list[_District] = []
        self.communities: list[tuple[uuid.UUID, str, _District, str]] = []  # id, code, district, name
        streets_per = _split(n_streets, n_districts, rng)
        self._street_slots: list[tuple[uuid.UUID, str, _District]] = []
        self.street_names: dict[str, str] = {}  # street code -> name
        lat0, lon0 = names.CITY_CENTRE
        for d_index, (d_name, d_pinyin) in enumerate(names.DISTRICTS[:n_districts]):
            angle = 2 * math.pi * d_index / n_districts + rng.uniform(-0.2, 0.2)
            radius = 0.0 if d_index == 0 else rng.uniform(0.04, 0.03 + 0.02 * math.sqrt(n_districts))
            district = _District(
                region_id=_uuid(rng), code=f"{names.CITY_CODE}{d_index + 2:02d}", name=d_name,
                pinyin=d_pinyin, centre=(lat0 + radius * math.sin(angle), lon0 + radius * math.cos(angle)),
                roads=[w + rng.choice(names.ROAD_KINDS) for w in rng.sample(names.PLACE_WORDS, 24)],
            )
            self.districts.append(district)
            rows.append(self.synced(rng, self.born, id=district.region_id, office_id=self.office_id,
                                    parent_id=city_id, level=RegionLevel.DISTRICT, code=district.code,
                                    name=district.name))
            street_names = self._unique_names(rng, streets_per[d_index], names.STREET_SUFFIXES, "街道")
            for s_index, s_name in enumerate(street_names):
                street_id, street_code = _uuid(rng), f"{district.code}{s_index + 1:03d}"
                rows.append(self.synced(rng, self.born, id=street_id, office_id=self.office_id,
                                        parent_id=district.region_id, level=RegionLevel.STREET,
                                        code=street_code, name=s_name))
                self._street_slots.append((street_id, street_code, district))
                self.street_names[street_code] = s_name
        per_street = _split(n_communities, len(self._street_slots), rng)
        used_by_district: dict[str, set[str]] = defaultdict(set)
        for (street_id, street_code, district), count in zip(self._street_slots, per_street, strict=True):
            for c_index in range(count):
                c_name = self._unique_name(rng, used_by_district[district.code], names.COMMUNITY_SUFFIXES,
                                           "社区")
                c_id, c_code = _uuid(rng), f"{street_code}{c_index + 1:03d}"
                rows.append(self.synced(rng, self.born, id=c_id, office_id=self.office_id,
                                        parent_id=street_id, level=RegionLevel.COMMUNITY, code=c_code,
                                        name=c_name))
                self.communities.append((c_id, c_code, district, c_name))
        self.insert(Region, rows)

    def _unique_names(self, rng: random.Random, count: int, suffixes: list[str], kind: str) -> list[str]:
        used: set[str] = set()
        return [self._unique_name(rng, used, suffixes, kind) for _ in range(count)]

    @staticmethod
    def _unique_name(rng: random.Random, used: set[str], suffixes: list[str], kind: str) -> str:
        for attempt in range(200):
            suffix = "" if attempt < 20 else rng.choice(suffixes)
            name = f"{rng.choice(names.PLACE_WORDS)}{suffix}{kind}"
            if name not in used:
                used.add(name)
                return name
        n = len(used) + 1
        name = f"第{n}{kind}"
        used.add(name)
        return name

    # -- checklist -----------------------------------------------------------------------

    def _template(self) -> None:
        rng = self.rng("template")
        published = self.born - timedelta(days=30)
        template_id = _uuid(rng)
        self.template_id = template_id
        self.insert(ChecklistTemplate, [self.synced(
            rng, published, id=template_id, office_id=self.office_id, family=checklist_data.TEMPLATE_FAMILY,
            version=1, name=checklist_data.TEMPLATE_NAME, status=TemplateStatus.PUBLISHED,
            published_at=published)])
        sections, items = [], []
        self.items: list[_Item] = []
        for s_pos, (title, specs) in enumerate(checklist_data.SECTIONS, start=1):
            section_id = _uuid(rng)
            sections.append(self.synced(rng, published, id=section_id, template_id=template_id,
                                        position=s_pos, title=title))
            for i_pos, spec in enumerate(specs, start=1):
                item = _Item(_uuid(rng), spec)
                self.items.append(item)
                items.append(self.synced(
                    rng, published, id=item.id, section_id=section_id, position=i_pos,
                    code=f"{s_pos}.{i_pos}", text=spec.text, category=spec.category, points=spec.points,
                    default_severity=Severity(spec.severity), rectification_days=spec.days,
                    photo_required_on_fail=spec.photo, guidance=GUIDANCE.get(spec.text, "")))
        self.insert(ChecklistSection, sections)
        self.insert(ChecklistItem, items)

    # -- companies -----------------------------------------------------------------------

    def _companies(self) -> None:
        rng = self.rng("companies")
        count = max(2, round(20 * self.options.scale))
        used: set[str] = {names.FALLBACK_COMPANY}
        rows = []
        self.companies: list[tuple[uuid.UUID, str]] = []
        for index in range(count):
            name = names.FALLBACK_COMPANY if index == 0 else self._company_name(rng, used)
            district = rng.choice(self.districts)
            filed = self.start_day - timedelta(days=rng.randrange(60, 365 * 12))
            company_id = _uuid(rng)
            rows.append(self.synced(
                rng, self.born, id=company_id, office_id=self.office_id, name=name,
                kind=UnitKind.PROPERTY_COMPANY,
                credit_code=_credit_code(rng, district.code, filed), filed_at=filed,
                contact_person=names.person_name(rng), phone=names.mobile(rng),
                address=f"{names.CITY_NAME}{district.name}{rng.choice(district.roads)}"
                        f"{rng.randrange(1, 400)}号"))
            self.companies.append((company_id, name))
        self.n_property_companies = count
        rows += self._street_offices()
        self.insert(Company, rows)
        # A few large companies serve many estates, most serve one or two; street offices none by
        # weight (they answer only for the 无物业 estates of their own street).
        self.company_weights = ([1 / (rank ** 0.9) for rank in range(1, count + 1)]
                                + [0.0] * (len(self.companies) - count))

    def _street_offices(self) -> list[dict[str, Any]]:
        """One street office (街道办事处) per street, with a login: the responsible unit that
        receives the notices of its street's 无物业 estates and reports their fixes."""
        rng = self.rng("street_offices")  # its own stream: the companies' draws stay as they were
        rows = []
        self.street_offices: dict[str, int] = {}  # street code -> index into self.companies
        for _, street_code, district in self._street_slots:
            name = f"{self.street_names[street_code]}办事处"
            filed = self.start_day - timedelta(days=rng.randrange(365 * 5, 365 * 20))
            body8 = f"{rng.randrange(1, 5)}{rng.randrange(10**7):07d}"
            unit_id = _uuid(rng)
            rows.append(self.synced(
                rng, self.born, id=unit_id, office_id=self.office_id, name=name,
                kind=UnitKind.STREET_OFFICE,  # 11: an organ of state, not an enterprise
                credit_code=make_credit_code("11", district.code, body8 + _organisation_check(body8)),
                filed_at=filed, contact_person=names.person_name(rng), phone=names.mobile(rng),
                address=f"{names.CITY_NAME}{district.name}{rng.choice(district.roads)}"
                        f"{rng.randrange(1, 400)}号"))
            self.street_offices[street_code] = len(self.companies)
            self.companies.append((unit_id, name))
        return rows

    @staticmethod
    def _company_name(rng: random.Random, used: set[str]) -> str:
        for attempt in range(100):
            word = rng.choice(names.COMPANY_WORDS)
            if attempt >= 10:
                word += rng.choice(names.COMPANY_WORDS)
            name = rng.choice(names.COMPANY_FORMS).format(city="澜江", w=word)
            if name not in used:
                used.add(name)
                return name
        raise DemoBuildError("ran out of company names")

    # -- users ---------------------------------------------------------------------------

    def _users(self) -> None:
        rng = self.rng("users")
        # One slow hash for everybody; set_password records that it is the demo password.
        probe = User()
        set_password(probe, DEMO_PASSWORD, password_hash=hash_password(DEMO_PASSWORD))
        rows: list[dict[str, Any]] = []

        def add(username: str, role: Role, display: str, scope: str, region_id=None, company_id=None):
            user_id = _uuid(rng)
            rows.append({"id": user_id, "office_id": self.office_id, "username": username,
                         "display_name": display, "password_hash": probe.password_hash,
                         "password_is_demo": probe.password_is_demo, "role": role, "region_id": region_id,
                         "company_id": company_id, "email": f"{username}@{names.EMAIL_DOMAIN}",
                         "phone": names.mobile(rng), "active": True, "last_login_at": None,
                         "created_at": self.born, "updated_at": self.born})
            self.logins.append(Login(username, role.value, display, scope))
            return user_id

        add("admin", Role.ADMIN, f"管理员{names.person_name(rng)}", names.CITY_NAME, self.city_id)
        add("supervisor", Role.SUPERVISOR, names.person_name(rng), names.CITY_NAME, self.city_id)
        estates_per_district = 120 * self.options.scale / len(self.districts)
        n = 0
        for index, district in enumerate(self.districts, start=1):
            district.supervisor_id = add(f"supervisor{index}", Role.SUPERVISOR, names.person_name(rng),
                                         district.name, district.region_id)
            for _ in range(max(rng.randint(2, 4), round(estates_per_district / 40))):
                n += 1
                display = names.person_name(rng)
                user_id = add(f"inspector{n}", Role.INSPECTOR, display, district.name, district.region_id)
                district.inspectors.append((user_id, display))
        self.company_users: dict[uuid.UUID, uuid.UUID] = {}
        for index, (company_id, company_name) in enumerate(self.companies, start=1):
            street = index - self.n_property_companies  # the street offices come after the companies
            username = f"company{index}" if street <= 0 else f"street{street}"
            self.company_users[company_id] = add(username, Role.COMPANY, names.person_name(rng),
                                                 company_name, company_id=company_id)
        self._refuse_taken_usernames([row["username"] for row in rows])
        self.insert(User, rows)

    def _refuse_taken_usernames(self, usernames: list[str]) -> None:
        taken: list[str] = []
        for start in range(0, len(usernames), 500):
            taken += self.session.scalars(
                sa.select(User.username).where(User.username.in_(usernames[start:start + 500]))
            ).all()
        if taken:
            raise DemoBuildError(
                f"用户名已被其他机构使用 (usernames already taken): {', '.join(sorted(taken)[:5])}")

    # -- estates -------------------------------------------------------------------------

    def _estates(self) -> None:
        rng = self.rng("estates")
        total = round(120 * self.options.scale)
        community_weights = [rng.lognormvariate(0, 0.5) for _ in self.communities]
        per_community = _split(total, len(self.communities), rng, community_weights)
        professional_companies = list(range(self.n_property_companies))
        unserved = list(professional_companies)  # every company gets at least one estate first
        rng.shuffle(unserved)
        used_names: set[str] = set()
        rows = []
        self.estates: list[_Estate] = []
        for (c_id, c_code, district, c_name), count in zip(self.communities, per_community, strict=True):
            in_community: set[str] = set()
            for _ in range(count):
                kind = _pick(rng, MANAGEMENT_MIX)
                company_index = None
                if kind == ManagementType.PROFESSIONAL:
                    company_index = unserved.pop() if unserved else rng.choices(
                        range(len(self.companies)), weights=self.company_weights)[0]
                elif kind == ManagementType.FALLBACK:
                    # Nobody manages them, so their street office answers for them: the unit kinds
                    # UNITS_FOR_MANAGEMENT allows (see docs/rectification.md).
                    company_index = self.street_offices[c_code[:-3]]
                row, estate = self._estate(rng, kind, company_index, district, c_id, c_code, c_name,
                                           used_names, in_community)
                rows.append(row)
                self.estates.append(estate)
        self.insert(Estate, rows)

    def _estate(self, rng, kind, company_index, district, c_id, c_code, c_name, used_names, in_community):
        if kind == ManagementType.PROFESSIONAL:
            built = rng.randint(1998, self.today.year - 2)
            households = int(rng.triangular(200, 3200, 700))
            highrise = rng.random() < (0.85 if built >= 2005 else 0.4)
        elif kind == ManagementType.UNIT_SELF:
            built = rng.randint(1978, 2002)
            households = int(rng.triangular(60, 700, 180))
            highrise = rng.random() < 0.08
        elif kind == ManagementType.OWNER_SELF:
            built = rng.randint(1988, 2012)
            households = int(rng.triangular(40, 500, 150))
            highrise = rng.random() < 0.15
        else:
            built = rng.randint(1982, 2008)
            households = int(rng.triangular(40, 600, 160))
            highrise = rng.random() < 0.1
        per_building = rng.randint(60, 200) if highrise else rng.randint(18, 48)
        buildings = max(1, round(households / per_building))
        unit_area = rng.uniform(90, 135) if built >= 2005 else rng.uniform(52, 88)
        floor_area = Decimal(str(round(households * unit_area * rng.uniform(1.05, 1.15), 2)))
        committee = rng.choices(
            [CommitteeStatus.OWNERS_COMMITTEE, CommitteeStatus.TEMPORARY_COMMITTEE, CommitteeStatus.NONE],
            weights=COMMITTEE_MIX[kind])[0]
        name = self._estate_name(rng, kind, district, used_names, in_community)
        lat = district.centre[0] + rng.gauss(0, 0.018)
        lon = district.centre[1] + rng.gauss(0, 0.022)
        company_id = self.companies[company_index][0] if company_index is not None else None
        age_factor = 1 + max(0, 2010 - built) / 40
        estate = _Estate(
            id=_uuid(rng), name=name, region_code=c_code, district=district, management_type=kind,
            company_id=company_id,
            company_user_id=self.company_users.get(company_id) if company_id else None,
            highrise=highrise, committee=committee != CommitteeStatus.NONE, buildings=buildings,
            latitude=round(lat, 6), longitude=round(lon, 6),
            problem_rate=BASE_PROBLEM_RATE[kind] * age_factor * rng.lognormvariate(0, 0.35),
        )
        row = self.synced(
            rng, self.born, id=estate.id, office_id=self.office_id, region_id=c_id, region_code=c_code,
            company_id=company_id, name=name,
            address=f"{names.CITY_NAME}{district.name}{rng.choice(district.roads)}{rng.randrange(1, 600)}号",
            management_type=kind, households=households, floor_area=floor_area, buildings=buildings,
            committee_status=committee, latitude=estate.latitude, longitude=estate.longitude,
            built_year=built)
        return row, estate

    @staticmethod
    def _estate_name(rng, kind, district, used_names: set[str], in_community: set[str]) -> str:
        for attempt in range(60):
            if kind == ManagementType.UNIT_SELF:
                base = rng.choice(names.WORK_UNITS) + rng.choice(names.WORK_UNIT_KINDS)
            elif kind == ManagementType.FALLBACK and rng.random() < 0.6:
                road = rng.choice(district.roads)
                base = f"{road}{rng.randrange(1, 300)}号院" if rng.random() < 0.5 else (
                    road[:2] + rng.choice(names.OLD_ESTATE_KINDS[1:]))
            else:
                base = rng.choice(names.ESTATE_PREFIXES) + rng.choice(names.ESTATE_SUFFIXES)
            phase = "" if attempt < 30 else names.PHASES[1 + (attempt - 30) % (len(names.PHASES) - 1)]
            name = base + phase
            if name not in used_names and name not in in_community:
                used_names.add(name)
                in_community.add(name)
                return name
        name = f"{base}{len(used_names) + 1}号"
        in_community.add(name)
        used_names.add(name)
        return name

    # -- history -------------------------------------------------------------------------

    def _history(self) -> None:
        rng = self.rng("history")
        days = [self.start_day + timedelta(days=n) for n in range((self.today - self.start_day).days)]
        workdays = [d for d in days if d.weekday() < 5]
        total = round(len(self.estates) * 0.5 * self.options.months)
        dates = sorted(rng.choice(workdays) for _ in range(total))
        # The office supervises companies first: estates without one are visited less often.
        weights = [1.3 if e.management_type == ManagementType.PROFESSIONAL else 1.0 if e.company_id else 0.7
                   for e in self.estates]
        visited: list[tuple[date, _Estate]] = []
        plan: list[tuple[date, InspectionKind, _Estate]] = []
        for day in dates:
            kind = _pick(rng, INSPECTION_KINDS)
            if kind == InspectionKind.REVISIT:
                earlier = [e for d, e in visited if (day - d).days >= 7]
                if earlier:
                    plan.append((day, kind, rng.choice(earlier)))
                    continue
                kind = InspectionKind.ROUTINE
            estate = rng.choices(self.estates, weights=weights)[0]
            visited.append((day, estate))
            plan.append((day, kind, estate))
        self.progress(STAGE_HISTORY, 0, len(plan))
        for start in range(0, len(plan), CHUNK):
            chunk = _Chunk()
            for day, kind, estate in plan[start:start + CHUNK]:
                self._inspection(rng, chunk, day, kind, estate)
            chunk.write(self)
            self.progress(STAGE_HISTORY, min(start + CHUNK, len(plan)), len(plan))

    def _inspection(self, rng: random.Random, chunk: _Chunk, day: date, kind: InspectionKind,
                    estate: _Estate) -> None:
        district = estate.district
        team = rng.sample(district.inspectors, k=min(2, len(district.inspectors)))
        started_local = _local_at(day, rng.randint(8, 15), rng.choice([0, 10, 20, 30, 40, 50]))
        duration = timedelta(minutes=rng.randint(40, 130))
        finished_local = started_local + duration
        focus: set[str] = set()
        channel = None
        note = ""
        factor = 1.0
        if kind == InspectionKind.COMPLAINT:
            channel = _pick(rng, COMPLAINT_CHANNELS)
            complained = rng.choice(COMPLAINT_CATEGORIES)
            focus = {complained}
            note = f"{COMPLAINT_CHANNEL_LABEL[channel]}反映：{complained}，现场核查"
        elif kind == InspectionKind.SPECIAL:
            title, focus_list = CAMPAIGNS[self._campaign(day, rng)]
            focus = set(focus_list)
            note = title
        elif kind == InspectionKind.RANDOM:
            note = f"“双随机、一公开”抽查（{day.year}年第{(day.month - 1) // 3 + 1}季度）"
        elif kind == InspectionKind.REVISIT:
            note = "回头看：复查前次检查问题整改情况"
            factor = 0.6
        else:
            note = "日常督导检查"
        inspection_id = _uuid(rng)
        results: list[tuple[_Item, AnswerResult]] = []
        for item in self.items:
            spec = item.spec
            if ((spec.applies == "highrise" and not estate.highrise)
                    or (spec.applies == "company" and estate.company_id is None)
                    or (spec.applies == "committee" and not estate.committee)):
                results.append((item, AnswerResult.NA))
                continue
            if kind == InspectionKind.COMPLAINT and spec.category in focus:
                p = 0.8
            else:
                p = estate.problem_rate * checklist_data.CATEGORY_WEIGHT.get(spec.category, 1.0) * factor
                if spec.category in focus:
                    p *= 2
            results.append((item, AnswerResult.FAIL if rng.random() < min(p, 0.6) else AnswerResult.PASS))
        score, applicable = compute_score((item.spec.points, result.value) for item, result in results)
        finished = _utc(finished_local)
        chunk.inspections.append(self.synced(
            rng, finished, id=inspection_id, office_id=self.office_id, region_code=estate.region_code,
            field_clocks={}, estate_id=estate.id,
            template_id=self.template_id, kind=kind, status=InspectionStatus.FINISHED,
            complaint_channel=channel, planned_for=_utc(_local_at(day, 8)), started_at=_utc(started_local),
            finished_at=finished, score=score, max_score=applicable, note=note,
            created_by_id=team[0][0]))
        chunk.inspectors.extend({"inspection_id": inspection_id, "user_id": user_id} for user_id, _ in team)
        step = duration / (len(results) + 1)
        failed: list[tuple[_Item, dict[str, Any]]] = []
        for position, (item, result) in enumerate(results, start=1):
            answered = _utc(started_local + step * position)
            description = ""
            location = ""
            if result == AnswerResult.FAIL:
                location = self._location(rng, estate, item.spec.category)
                templates = checklist_data.DESCRIPTIONS.get(item.spec.category,
                                                            checklist_data.DEFAULT_DESCRIPTIONS)
                description = rng.choice(templates).format(loc=location)
            answer = self.synced(rng, answered, region_code=estate.region_code, field_clocks={},
                                 inspection_id=inspection_id, item_id=item.id, result=result,
                                 note=description, answered_at=answered)
            chunk.answers.append(answer)
            if result == AnswerResult.FAIL:
                failed.append((item, {"location": location, "description": description, "at": answered}))
        if failed:
            self._findings(rng, chunk, estate, inspection_id, finished_local, team, failed)

    @staticmethod
    def _campaign(day: date, rng: random.Random) -> str:
        if day.month in (11, 12, 1, 2):
            return rng.choice(["winter", "winter", "ebike", "lift"])
        if day.month in (5, 6, 7, 8, 9):
            return rng.choice(["flood", "flood", "ebike", "disclosure"])
        return rng.choice(["ebike", "lift", "disclosure"])

    @staticmethod
    def _location(rng: random.Random, estate: _Estate, category: str) -> str:
        if category in OFFICE_CATEGORIES:
            return "物业服务中心"
        if category in SITE_CATEGORIES:
            return rng.choice(SITE_PLACES)
        building = rng.randint(1, estate.buildings)
        if rng.random() < 0.75:
            return f"{building}栋{rng.randint(1, 3 if estate.highrise else 4)}单元"
        return f"{building}栋"

    def _findings(self, rng, chunk: _Chunk, estate: _Estate, inspection_id, finished_local: datetime,
                  team, failed) -> None:
        """Findings of one visit, and what became of them (notice, reports, revisits, escalation).

        As in the rectification services: only an estate with a company gets a notice, and a
        deadline counts from the notice's issue day (a finding without a notice has none yet).
        Some problems are fixed while the inspector waits (当场整改) and close on site.
        """
        found_day = finished_local.date()
        today_start = _local_at(self.today, 0)
        has_company = estate.company_id is not None
        # A notice usually goes out the next working day, so the last days' findings may still wait.
        notified = has_company and not ((self.today - found_day).days <= 3 and rng.random() < 0.6)
        issued_local = None
        if notified:
            issued_local = _local_at(found_day + timedelta(days=1), 10, rng.randrange(60))
            if issued_local >= today_start - timedelta(hours=3):
                issued_local = finished_local + timedelta(hours=1)
        supervisor_id = estate.district.supervisor_id
        notice_id = _uuid(rng) if notified else None
        on_site_chance = 0.1 if has_company else 0.5
        statuses = []
        for item, seen in failed:
            spec = item.spec
            severity = Severity(spec.severity)
            days = spec.days
            if rng.random() < 0.12:  # the inspector judged this one differently from the default
                order = [Severity.MINOR, Severity.MAJOR, Severity.SEVERE]
                severity = order[max(0, min(2, order.index(severity) + rng.choice([-1, 1])))]
                if severity != Severity(spec.severity):
                    days = min(spec.days, days_for_severity(severity))  # as default_days() does
            found = seen["at"]
            finding_id = _uuid(rng)
            due_local = None
            if rng.random() < on_site_chance:
                fixed = found + LOCAL_OFFSET + timedelta(minutes=rng.randint(5, 40))
                fate = _Fate(FindingStatus.CLOSED, closed=fixed)
            elif notified:
                due_local = _end_of_day(issued_local.date() + timedelta(days=days))
                fate = self._fate(rng, estate, issued_local, due_local)
            else:
                fate = _Fate(FindingStatus.OPEN)
            statuses.append(fate.status)
            chunk.findings.append(self.synced(
                rng, found, id=finding_id, office_id=self.office_id, region_code=estate.region_code,
                estate_id=estate.id, inspection_id=inspection_id, item_id=item.id,
                notice_id=notice_id if due_local else None, category=spec.category, severity=severity,
                location=seen["location"], description=seen["description"], status=fate.status,
                found_at=found, due_at=_utc(due_local) if due_local else None,
                closed_at=_utc(fate.closed) if fate.closed else None, reported_by_id=team[0][0],
                escalation_step=len(fate.escalations),
                next_escalation_at=_utc(fate.next_escalation) if fate.next_escalation else None,
                field_clocks={}))
            scoped = {"finding_id": finding_id, "region_code": estate.region_code, "field_clocks": {}}
            if fate.reported is not None:
                chunk.rectifications.append(self.synced(
                    rng, _utc(fate.reported), **scoped, reported_by_id=estate.company_user_id,
                    reported_at=_utc(fate.reported), note=rng.choice(RECTIFICATION_NOTES),
                    status=RectificationStatus.ACCEPTED if fate.closed else RectificationStatus.SUBMITTED))
            if fate.revisit_trigger:
                self._revisit(rng, chunk, scoped, fate, due_local, team)
            for rule, decided in fate.escalations:
                by_scheduler = rule.kind == EscalationKind.URGE  # later rungs a supervisor decides
                chunk.escalations.append({
                    "id": _uuid(rng), "finding_id": finding_id, "company_id": estate.company_id,
                    "kind": rule.kind, "decided_at": _utc(decided),
                    "decided_by_id": None if by_scheduler else supervisor_id,
                    "credit_points": rule.credit_points, "note": ESCALATION_NOTES.get(rule.kind, ""),
                    "created_at": _utc(decided), "updated_at": _utc(decided)})
            if spec.photo:
                self.photo_candidates.append(_PhotoCandidate(
                    finding_id, estate, spec.category, seen["location"], found + LOCAL_OFFSET,
                    team[0][1], fate.status != FindingStatus.CLOSED))
            if due_local is None and notified:
                statuses.pop()  # closed on site: not on the notice
        if notified and statuses:
            year = issued_local.year
            self.notice_numbers[year] += 1
            all_closed = all(s == FindingStatus.CLOSED for s in statuses)
            chunk.notices.append(self.synced(
                rng, _utc(issued_local), id=notice_id, office_id=self.office_id,
                region_code=estate.region_code, estate_id=estate.id, company_id=estate.company_id, year=year,
                number=self.notice_numbers[year], issued_at=_utc(issued_local),
                status=NoticeStatus.CLOSED if all_closed else NoticeStatus.ISSUED, issued_by_id=supervisor_id,
                legal_basis=names.LEGAL_BASIS, day_kind="calendar"))

    def _fate(self, rng, estate: _Estate, issued: datetime, due: datetime) -> _Fate:
        """What became of a notified finding by the start of today (local times throughout).

        It follows the workflow: fixed and verified before the deadline, or reported and waiting
        for the revisit; past the deadline it is overdue, and each rung of the escalation ladder
        (by default urge at 7 days overdue, interview at 14, penalty at 28) that fell due was
        taken, until the company fixed it.
        """
        today_start = _local_at(self.today, 0)
        latest = today_start - timedelta(hours=2)  # nothing happens after office hours yesterday
        if due >= today_start:
            span = latest - issued
            roll = rng.random()
            if roll < 0.2 and span > timedelta(days=1):
                reported = issued + span * rng.uniform(0.1, 0.5)
                closed = min(reported + timedelta(days=rng.uniform(0.3, 1)), latest + timedelta(hours=1))
                return _Fate(FindingStatus.CLOSED, reported, closed, revisit_trigger="reported")
            if roll < 0.45 and span > timedelta(hours=12):
                reported = issued + span * rng.uniform(0.2, 0.9)
                return _Fate(FindingStatus.RECTIFIED_REPORTED, reported, revisit_trigger="reported")
            return _Fate(FindingStatus.NOTIFIED)
        overdue_days = (today_start - due).days
        on_time = 0.82 if estate.management_type == ManagementType.PROFESSIONAL else 0.7
        if overdue_days < self.ladder[0].days_overdue:
            on_time *= 0.6  # some of the latest deadlines are simply still being worked on
        if rng.random() < on_time:
            reported = issued + (min(due, latest) - issued) * rng.uniform(0.2, 0.9)
            closed = min(reported + timedelta(days=rng.uniform(0.5, 3)), latest + timedelta(hours=1))
            return _Fate(FindingStatus.CLOSED, reported, closed, revisit_trigger="reported")
        fate = _Fate(FindingStatus.OVERDUE, revisit_trigger="deadline")
        for index, rule in enumerate(self.ladder):
            # The scheduler takes a rung once due + days has passed: the next morning's work.
            rung = _local_at((due + timedelta(days=rule.days_overdue + 1)).date(), 9, rng.randrange(60))
            if rung >= latest:
                fate.next_escalation = due + timedelta(days=rule.days_overdue)
                return fate
            fate.status = FindingStatus.ESCALATED
            fate.escalations.append((rule, rung))
            following = (_local_at((due + timedelta(days=self.ladder[index + 1].days_overdue + 1)).date(), 9)
                         if index + 1 < len(self.ladder) else latest)
            if rng.random() < 0.6:  # the rung worked: the company fixed it before the next one
                reported = rung + (min(following, latest) - rung) * rng.uniform(0.1, 0.8)
                fate.status, fate.reported, fate.revisit_trigger = FindingStatus.CLOSED, reported, "reported"
                fate.closed = min(reported + timedelta(days=rng.uniform(0.5, 2)), latest + timedelta(hours=1))
                return fate
        return fate

    def _revisit(self, rng, chunk: _Chunk, scoped: dict[str, Any], fate: _Fate, due_local: datetime,
                 team) -> None:
        """One revisit (回头看) task per finding: done when the fix was verified, else pending."""
        inspector_id = rng.choice(team)[0]
        row = {**scoped, "inspector_id": inspector_id, "status": RevisitStatus.PENDING, "result": None,
               "done_at": None, "note": "", "trigger": fate.revisit_trigger}
        if fate.revisit_trigger == "reported":
            row["due_at"] = _utc(fate.reported + timedelta(days=REVISIT_DAYS))
            created = fate.reported
        else:
            row["due_at"] = _utc(due_local + timedelta(days=REVISIT_DAYS))
            created = due_local
        if fate.status == FindingStatus.CLOSED:
            row.update(status=RevisitStatus.DONE, result=RevisitResult.FIXED, done_at=_utc(fate.closed),
                       note=rng.choice(REVISIT_NOTES))
        chunk.revisits.append(self.synced(rng, _utc(created), **row))

    # -- reminders -----------------------------------------------------------------------

    def _reminders(self) -> None:
        """提醒 for the findings still awaiting a fix (notified, overdue, escalated), planned
        by the rectification services' own planner — the same recipients, channels and times
        as issuing their notice planned (`planned_reminders`, as of the notice's issue time) —
        then played forward as the scheduler would have: each overdue reminder that went out
        planned the next a week later (`next_overdue_time`) while the finding stayed overdue.

        Everything due before the end of today counts as sent at its time (subject and body
        written; in the inbox, read when older than READ_AFTER_DAYS), so the inbox has a
        history and a server started on the build day mails nothing: the first reminders go out
        at tomorrow's REMINDER_HOUR, the day's share as in a live office. Findings already
        reported or closed get none (their reminders would all be sent or cancelled history).
        """
        rng = self.rng("reminders")
        until = self.as_of + timedelta(days=1)  # the end of today, local time
        waiting = self.session.execute(
            sa.select(Finding.id, Notice.issued_at)
            .join(Notice, Notice.id == Finding.notice_id)
            .where(Finding.office_id == self.office_id, Finding.status.in_(AWAITING_FIX),
                   Finding.due_at.is_not(None))
            .order_by(Finding.due_at, Finding.id)).all()
        first_escalation = dict(self.session.execute(
            sa.select(Escalation.finding_id, sa.func.min(Escalation.decided_at))
            .join(Finding, Finding.id == Escalation.finding_id)
            .where(Finding.office_id == self.office_id)
            .group_by(Escalation.finding_id)).all())
        users = {u.id: u for u in self.session.scalars(
            sa.select(User).where(User.office_id == self.office_id))}
        self.progress(STAGE_REMINDERS, 0, len(waiting))
        for start in range(0, len(waiting), REMINDER_BATCH):
            issued = dict(waiting[start:start + REMINDER_BATCH])
            findings = {f.id: f for f in self.session.scalars(
                sa.select(Finding).where(Finding.id.in_(list(issued)))
                .options(selectinload(Finding.estate), selectinload(Finding.notice)))}
            texts: dict[tuple, tuple[str, str]] = {}
            rows = []
            for plan in planned_reminders(list(issued), issued):
                finding, recipient = findings[plan.finding_id], users[plan.recipient_id]
                for at, planned in self._played_forward(plan, issued[plan.finding_id], until):
                    if at >= until:
                        rows.append(self._reminder_row(rng, plan, at, planned, None))
                        continue
                    # The message says what the finding's status was when it went out.
                    status = FindingStatus.NOTIFIED
                    if plan.kind == ReminderKind.OVERDUE:
                        escalated = first_escalation.get(finding.id)
                        status = (FindingStatus.ESCALATED if escalated and escalated <= at
                                  else FindingStatus.OVERDUE)
                    key = (finding.id, recipient.id, plan.kind, status)
                    if key not in texts:
                        texts[key] = render_reminder(Reminder(kind=plan.kind), finding, recipient, status)
                    rows.append(self._reminder_row(rng, plan, at, planned, texts[key]))
            self.insert(Reminder, rows)
            self.progress(STAGE_REMINDERS, min(start + REMINDER_BATCH, len(waiting)), len(waiting))

    @staticmethod
    def _played_forward(plan: PlannedReminder, issued: datetime,
                        until: datetime) -> list[tuple[datetime, datetime]]:
        """(scheduled time, planned at) of the planned reminder and, for an overdue one, of
        each repeat its sending planned, up to the first one at or after `until`."""
        chain = [(plan.scheduled_at, issued)]
        if plan.kind == ReminderKind.OVERDUE:
            while chain[-1][0] < until:
                chain.append((next_overdue_time(chain[-1][0]), chain[-1][0]))
        return chain

    def _reminder_row(self, rng: random.Random, plan: PlannedReminder, at: datetime, planned: datetime,
                      text: tuple[str, str] | None) -> dict[str, Any]:
        sent = text is not None
        read = sent and plan.channel == Channel.INBOX and at < self.as_of - timedelta(days=READ_AFTER_DAYS)
        return {"id": _uuid(rng), "finding_id": plan.finding_id, "recipient_id": plan.recipient_id,
                "channel": plan.channel, "kind": plan.kind, "scheduled_at": at,
                "sent_at": at if sent else None, "read_at": at + timedelta(hours=3) if read else None,
                "attempts": 1 if sent else 0, "last_error": "", "subject": text[0][:200] if sent else "",
                "body": text[1] if sent else "", "next_attempt_at": at, "claim_token": None,
                "cancelled_at": None, "created_at": planned, "updated_at": at if sent else planned}

    # -- photos --------------------------------------------------------------------------

    def _photos(self) -> None:
        if not self.options.photos or self.options.photo_limit <= 0:
            return
        rng = self.rng("photos")
        # Findings still on the open ledger are the ones a supervisor opens first: photos go there first.
        ranked = sorted((not c.open_ledger, rng.random(), index)
                        for index, c in enumerate(self.photo_candidates))
        chosen = sorted(index for _, _, index in ranked[:self.options.photo_limit])
        self.progress(STAGE_PHOTOS, 0, len(chosen))
        photos: dict[str, dict[str, Any]] = {}
        links: list[dict[str, Any]] = []
        for done, index in enumerate(chosen, start=1):
            candidate = self.photo_candidates[index]
            photo_rng = random.Random(f"{self.options.seed}:photo:{candidate.finding_id}")
            lat = candidate.estate.latitude + photo_rng.uniform(-0.0012, 0.0012)
            lon = candidate.estate.longitude + photo_rng.uniform(-0.0012, 0.0012)
            scene = PhotoScene(candidate.category,
                               checklist_data.CATEGORY_EN.get(candidate.category, "Finding"),
                               candidate.estate.name, candidate.location, candidate.found_local, lat, lon,
                               candidate.inspector)
            data = render_photo(scene, photo_rng)
            sha = hashlib.sha256(data).hexdigest()
            taken = candidate.found_local - LOCAL_OFFSET
            if sha not in photos:
                photos[sha] = self._store_photo(sha, data, taken)
            links.append(self.synced(photo_rng, taken, region_code=candidate.estate.region_code,
                                     photo_sha256=sha, role=PhotoRole.EVIDENCE,
                                     finding_id=candidate.finding_id, answer_id=None, rectification_id=None,
                                     revisit_id=None,
                                     caption=f"{candidate.category}（{candidate.location}）"))
            if done % 25 == 0 or done == len(chosen):
                self.progress(STAGE_PHOTOS, done, len(chosen))
        existing = self._existing_photos(list(photos))
        self.insert(Photo, [row for sha, row in photos.items() if sha not in existing])
        self.insert(PhotoLink, links)

    def _store_photo(self, sha: str, data: bytes, taken: datetime) -> dict[str, Any]:
        """Check the bytes as an upload would be checked, keep original and thumbnail, and
        return the Photo row (capture time and place as read back from the EXIF)."""
        facts = inspect_image(data, self.limits)
        if not self.store.exists(sha):
            self.added.append(sha)  # before writing: a Ctrl-C mid-write still cleans up
        self.store.put_thumbnail(sha, facts.thumbnail)
        self.store.put_bytes(sha, data, facts.content_type)
        return {"sha256": sha, "content_type": facts.content_type, "size": len(data), "width": facts.width,
                "height": facts.height, "taken_at": facts.taken_at or taken,
                "latitude": _round(facts.latitude), "longitude": _round(facts.longitude), "stored": True,
                "created_at": taken, "updated_at": taken}

    def _existing_photos(self, shas: list[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(shas), 500):
            batch = shas[start:start + 500]
            found.update(self.session.scalars(sa.select(Photo.sha256).where(Photo.sha256.in_(batch))))
        return found

    # -- bookkeeping ---------------------------------------------------------------------

    def _notice_sequences(self) -> None:
        self.insert(NoticeSequence, [{"office_id": self.office_id, "year": year, "last_number": number}
                                     for year, number in sorted(self.notice_numbers.items())])

    def _audit(self) -> None:
        rng = self.rng("audit")
        options = self.options
        self.insert(AuditEntry, [{
            "id": _uuid(rng), "office_id": self.office_id, "actor_id": None, "at": self.as_of,
            "action": "build_demo_city", "entity": "office", "entity_id": str(self.office_id),
            "changes": {"seed": options.seed, "scale": options.scale, "months": options.months,
                        "today": self.today.isoformat(),
                        "photo_limit": options.photo_limit if options.photos else 0},
        }])


@dataclass
class _Fate:
    status: FindingStatus
    reported: datetime | None = None
    closed: datetime | None = None
    revisit_trigger: str = ""
    escalations: list[tuple[EscalationRule, datetime]] = field(default_factory=list)
    next_escalation: datetime | None = None


@dataclass
class _Chunk:
    """Rows of a run of inspections, written together in foreign-key order."""

    inspections: list[dict[str, Any]] = field(default_factory=list)
    inspectors: list[dict[str, Any]] = field(default_factory=list)
    answers: list[dict[str, Any]] = field(default_factory=list)
    notices: list[dict[str, Any]] = field(default_factory=list)
    findings: list[dict[str, Any]] = field(default_factory=list)
    rectifications: list[dict[str, Any]] = field(default_factory=list)
    revisits: list[dict[str, Any]] = field(default_factory=list)
    escalations: list[dict[str, Any]] = field(default_factory=list)

    def write(self, builder: _Builder) -> None:
        builder.insert(Inspection, self.inspections)
        builder.insert(inspection_inspector, self.inspectors)
        builder.insert(Answer, self.answers)
        builder.insert(Notice, self.notices)
        builder.insert(Finding, self.findings)
        builder.insert(Rectification, self.rectifications)
        builder.insert(Revisit, self.revisits)
        builder.insert(Escalation, self.escalations)


def _credit_code(rng: random.Random, district_code: str, filed: date) -> str:
    """91 (an enterprise registered with market regulation) + division code + organisation code.

    Before the 2015 reform organisation codes were 8 digits; since then they start with MA.
    The organisation code's own ninth character follows GB 11714.
    """
    if filed.year < 2016:
        body8 = f"{rng.randrange(5, 8)}{rng.randrange(10**7):07d}"
    else:
        body8 = "MA" + "".join(rng.choice(ALPHABET) for _ in range(6))
    return make_credit_code("91", district_code, body8 + _organisation_check(body8))


def _organisation_check(body8: str) -> str:
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(ch, 36) * w for ch, w in zip(body8, weights, strict=True))
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 6)

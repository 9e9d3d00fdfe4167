"""The demo city: believable figures, valid codes, consistent deadlines, real photos, the same city
from the same seed, and a build that is refused twice and leaves nothing when interrupted.

One city is built for the whole module (a few seconds); the tests read it, and the last ones
replace it.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import io
import json
import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image

from server import create_app
from server.config import DEMO_PASSWORD
from server.demo import DemoCityExistsError, DemoOptions, build_demo_city
from server.demo.builder import STAGE_PHOTOS
from server.demo.checklist_data import SECTIONS
from server.domain.accounts import verify_password
from server.domain.credit_code import validate_credit_code
from server.domain.estate_initials import name_initials
from server.domain.models import (
    AnswerResult,
    ChecklistItem,
    CommitteeStatus,
    Company,
    Escalation,
    Estate,
    Finding,
    FindingStatus,
    Inspection,
    InspectionKind,
    InspectionStatus,
    ManagementType,
    Notice,
    Office,
    Photo,
    PhotoLink,
    Region,
    RegionLevel,
    Reminder,
    ReminderKind,
    Role,
    UnitKind,
    User,
)
from server.domain.models.base import SyncMixin
from server.domain.pinyin_sort import pinyin_key
from server.domain.rectification.reminders import AWAITING_FIX, planned_reminders, unread_count
from server.domain.rectification.settings import escalation_rules
from server.domain.registry.units import UNITS_FOR_MANAGEMENT
from server.domain.registry.users import ROLE_LABELS
from server.extensions import db
from server.jobs import run_once
from server.storage import Variant, get_photo_store
from tests.conftest import _test_config, empty_all_tables
from tests.smtp_sink import SmtpServer
from tests.web_support import login

TODAY = date(2026, 3, 16)
# The start of TODAY in the city (UTC+8), as stored (naive UTC).
AS_OF = datetime(2026, 3, 16) - timedelta(hours=8)
SMALL = DemoOptions(seed=7, today=TODAY, months=2, photo_limit=6)

DIGEST_TABLES = [
    "office", "region", "company", "estate", "user_account", "checklist_template", "checklist_section",
    "checklist_item", "inspection", "inspection_inspector", "answer", "notice", "finding", "rectification",
    "revisit", "escalation", "photo", "photo_link", "notice_sequence", "audit_entry", "reminder",
]


@pytest.fixture(scope="module")
def city(_schema, database_url, tmp_path_factory):
    app = create_app(_test_config(database_url, tmp_path_factory.mktemp("demo_city")))
    with app.app_context():
        report = build_demo_city(db.session, get_photo_store(app), SMALL)
        yield app, report
        db.session.remove()
        empty_all_tables(db.engine)
        db.engine.dispose()


def count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def city_digest() -> dict[str, tuple[int, str]]:
    """Per table: row count and a hash of every value (except salted password hashes and session
    tokens, random by design, and change numbers, which depend on what the database held before)."""
    digest = {}
    for name in DIGEST_TABLES:
        table = db.metadata.tables[name]
        columns = [c for c in table.c if c.name not in ("password_hash", "session_token", "server_seq")]
        rows = sorted(repr(tuple(_plain(v) for v in row)) for row in db.session.execute(sa.select(*columns)))
        digest[name] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
    return digest


def _plain(value):
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, uuid.UUID | datetime | date):
        return str(value)
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True)
    return value


def photo_files(app) -> set[Path]:
    return {p for p in Path(app.config["PHOTO_DIR"]).rglob("*") if p.is_file() and "locks" not in p.parts}


def stored_files(app, shas) -> set[Path]:
    """Where the photo store keeps these photos: the original and its thumbnail."""
    store = get_photo_store(app)
    return {Path(store.local_path(sha, variant)) for sha in shas for variant in Variant}


def test_city_has_the_shape_of_a_prefecture_city(city):
    assert count(Office) == 1
    levels = dict(db.session.execute(sa.select(Region.level, sa.func.count()).group_by(Region.level)).all())
    assert levels == {RegionLevel.CITY: 1, RegionLevel.DISTRICT: 3, RegionLevel.STREET: 12,
                      RegionLevel.COMMUNITY: 40}
    assert count(Estate) == 120 and count(Company, Company.kind == UnitKind.PROPERTY_COMPANY) == 20
    assert count(Company, Company.kind == UnitKind.STREET_OFFICE) == 12  # one per street
    kinds = dict(db.session.execute(
        sa.select(Estate.management_type, sa.func.count()).group_by(Estate.management_type)).all())
    assert set(kinds) == set(ManagementType)
    assert 0.4 <= kinds[ManagementType.PROFESSIONAL] / 120 <= 0.65
    with_committee = count(Estate, Estate.committee_status == CommitteeStatus.OWNERS_COMMITTEE)
    assert 0.5 <= with_committee / 120 <= 0.85
    professional = Estate.management_type == ManagementType.PROFESSIONAL
    assert count(Estate, professional, Estate.company_id.is_(None)) == 0
    for estate in db.session.scalars(sa.select(Estate)):
        assert 30 <= estate.households <= 3500 and estate.buildings >= 1 and 1975 <= estate.built_year <= 2026
        assert estate.floor_area > estate.households * 40
        assert 28 < estate.latitude < 30 and 111 < estate.longitude < 114


def test_every_estate_nobody_manages_has_its_street_office_as_responsible_unit(city):
    regions = {r.id: r for r in db.session.scalars(sa.select(Region))}
    fallback = list(db.session.scalars(sa.select(Estate).where(
        Estate.management_type == ManagementType.FALLBACK)))
    by_street = [e for e in fallback if e.company and e.company.kind == UnitKind.STREET_OFFICE]
    assert fallback and by_street == fallback
    for estate in by_street:
        street = regions[regions[estate.region_id].parent_id]
        assert estate.company.name == f"{street.name}办事处"
    # Each street office has a login and its own unit kind's credit code (11: an organ of state).
    for unit in db.session.scalars(sa.select(Company).where(Company.kind == UnitKind.STREET_OFFICE)):
        assert unit.credit_code.startswith("11")
        login_name = db.session.scalar(sa.select(User.username).where(User.company_id == unit.id))
        assert login_name.startswith("street")


def test_every_estate_answers_to_a_unit_its_management_type_allows(city):
    """The demo follows the rule the estate form enforces (registry.units.UNITS_FOR_MANAGEMENT):
    a 无物业 or 业主自管 estate to its street office or community, never to a company."""
    rows = db.session.execute(sa.select(Estate.name, Estate.management_type, Company.kind)
                              .join(Company, Company.id == Estate.company_id)).all()
    assert len({management for _, management, _ in rows}) >= 2
    broken = [(name, management, kind) for name, management, kind in rows
              if kind not in UNITS_FOR_MANAGEMENT[management]]
    assert broken == []
    used = set(db.session.scalars(sa.select(Estate.company_id)))
    property_companies = db.session.scalars(sa.select(Company.id).where(
        Company.kind == UnitKind.PROPERTY_COMPANY)).all()
    assert set(property_companies) <= used  # every company of the demo manages an estate
    # Its bulk inserts keep the name keys the models keep: pinyin order and initials search work.
    for estate in db.session.scalars(sa.select(Estate)):
        assert estate.name_pinyin == pinyin_key(estate.name)
        assert estate.name_initials == name_initials(estate.name)
    for unit in db.session.scalars(sa.select(Company)):
        assert unit.name_pinyin == pinyin_key(unit.name)


def test_a_street_office_reads_its_notices_and_sees_its_name_as_the_heading(city):
    unit = db.session.scalar(sa.select(Company).join(Notice, Notice.company_id == Company.id)
                             .where(Company.kind == UnitKind.STREET_OFFICE).limit(1))
    assert unit is not None, "the demo's history gives at least one notice to a street office"
    account = db.session.scalar(sa.select(User).where(User.company_id == unit.id))
    as_built = {c.key: getattr(account, c.key) for c in sa.inspect(User).column_attrs}
    client = city[0].test_client()
    login(client, account.username, DEMO_PASSWORD)
    page = client.get("/company/notices").get_data(as_text=True)
    # The module's city is shared (and compared by digest): put the account back as built.
    db.session.refresh(account)
    for key, value in as_built.items():
        setattr(account, key, value)
    db.session.commit()
    assert unit.name in page and "本企业" not in page
    label = db.session.scalar(sa.select(Notice).where(Notice.company_id == unit.id).limit(1)).label
    assert label in page


def test_region_codes_nest_like_division_codes(city):
    regions = {r.id: r for r in db.session.scalars(sa.select(Region))}
    lengths = {RegionLevel.CITY: 4, RegionLevel.DISTRICT: 6, RegionLevel.STREET: 9, RegionLevel.COMMUNITY: 12}
    for region in regions.values():
        assert len(region.code) == lengths[region.level] and region.code.isdigit()
        if region.parent_id:
            assert region.code.startswith(regions[region.parent_id].code)
    for estate in db.session.scalars(sa.select(Estate)):
        assert regions[estate.region_id].level == RegionLevel.COMMUNITY
        assert estate.region_code == regions[estate.region_id].code


def test_every_company_has_a_valid_credit_code_and_a_filing(city):
    for company in db.session.scalars(sa.select(Company)):
        assert validate_credit_code(company.credit_code) == company.credit_code
        assert company.filed_at < TODAY and company.contact_person and company.phone


def test_every_role_can_log_in_with_the_demo_password(city):
    roles = dict(db.session.execute(sa.select(User.role, sa.func.count()).group_by(User.role)).all())
    assert roles[Role.ADMIN] == 1 and roles[Role.SUPERVISOR] == 4 and roles[Role.COMPANY] == 20 + 12
    assert 6 <= roles[Role.INSPECTOR] <= 12
    for user in db.session.scalars(sa.select(User)):
        assert user.password_is_demo
    admin = db.session.scalar(sa.select(User).where(User.username == "admin"))
    assert verify_password(admin, DEMO_PASSWORD)
    for inspector in db.session.scalars(sa.select(User).where(User.role == Role.INSPECTOR)):
        assert inspector.region.level == RegionLevel.DISTRICT


def test_checklist_is_a_published_hundred_point_standard(city):
    items = db.session.scalars(sa.select(ChecklistItem)).all()
    assert len(SECTIONS) == 13 and len(items) >= 60
    assert sum(item.points for item in items) == 100
    categories = {item.category for item in items}
    expected = {"消防通道占用", "飞线充电", "楼道堆放杂物", "电梯维保不及时", "收支未公示", "违章搭建"}
    assert expected <= categories
    severe = [item.rectification_days for item in items if item.default_severity == "severe"]
    minor = [item.rectification_days for item in items if item.default_severity == "minor"]
    assert max(severe) <= 7 < max(minor)


def test_inspections_are_finished_scored_and_answer_every_item(city):
    n_items = count(ChecklistItem)
    inspections = db.session.scalars(sa.select(Inspection)).all()
    assert 100 <= len(inspections) <= 160
    assert {i.kind for i in inspections} == set(InspectionKind)
    for inspection in inspections:
        assert inspection.status == InspectionStatus.FINISHED
        assert len(inspection.answers) == n_items
        assert Decimal(0) <= inspection.score <= Decimal(100)
        # As the sync push stores it: max_score is the points of the applicable items.
        applicable = sum(a.item.points for a in inspection.answers if a.result != AnswerResult.NA)
        assert inspection.max_score == applicable
        assert len(inspection.inspectors) == 2
        failed = [a for a in inspection.answers if a.result == AnswerResult.FAIL]
        assert count(Finding, Finding.inspection_id == inspection.id) == len(failed)
        if inspection.kind == InspectionKind.COMPLAINT:
            assert inspection.complaint_channel is not None


def test_finding_status_agrees_with_its_deadline(city):
    findings = db.session.scalars(sa.select(Finding)).all()
    statuses = {f.status for f in findings}
    assert statuses == set(FindingStatus) - {FindingStatus.REOPENED}
    for finding in findings:
        item = db.session.get(ChecklistItem, finding.item_id)
        assert finding.category == item.category and finding.found_at < AS_OF
        if finding.status in (FindingStatus.OVERDUE, FindingStatus.ESCALATED):
            assert finding.due_at < AS_OF and finding.closed_at is None
            assert_on_the_escalation_ladder(finding)
        elif finding.status in (FindingStatus.NOTIFIED, FindingStatus.RECTIFIED_REPORTED):
            assert finding.due_at >= AS_OF and finding.notice_id is not None
        elif finding.status == FindingStatus.OPEN:
            assert finding.due_at is None and finding.notice_id is None
        else:
            assert finding.closed_at is not None and finding.found_at < finding.closed_at < AS_OF
            assert finding.next_escalation_at is None  # some closed only after an escalation
        if finding.notice_id is not None:
            notice = db.session.get(Notice, finding.notice_id)
            assert notice.company_id == finding.estate.company_id is not None
            assert finding.found_at < notice.issued_at < finding.due_at


def assert_on_the_escalation_ladder(finding: Finding) -> None:
    rules = escalation_rules()
    taken = db.session.scalars(sa.select(Escalation).where(Escalation.finding_id == finding.id)
                               .order_by(Escalation.decided_at)).all()
    assert finding.escalation_step == len(taken)
    assert (finding.status == FindingStatus.ESCALATED) == bool(taken)
    for rule, escalation in zip(rules, taken, strict=False):
        assert escalation.kind == rule.kind and escalation.credit_points == rule.credit_points
        assert escalation.decided_at > finding.due_at + timedelta(days=rule.days_overdue)
    if len(taken) < len(rules):
        next_rule = rules[len(taken)]
        assert finding.next_escalation_at == finding.due_at + timedelta(days=next_rule.days_overdue)
    else:
        assert finding.next_escalation_at is None


def test_reminders_are_the_planners_played_forward_to_today(city):
    """Findings awaiting a fix have the reminders their notice planned (the services' own
    planner), sent up to the end of TODAY and queued after it; nothing else has any."""
    reminders = db.session.scalars(sa.select(Reminder)).all()
    waiting = db.session.execute(
        sa.select(Finding.id, Notice.issued_at).join(Notice, Notice.id == Finding.notice_id)
        .where(Finding.status.in_(AWAITING_FIX))).all()
    assert waiting and {r.finding_id for r in reminders} == {fid for fid, _ in waiting}
    every, until = timedelta(days=7), AS_OF + timedelta(days=1)
    mine: dict[tuple, list[Reminder]] = {}
    for r in reminders:
        assert (r.sent_at is not None) == (r.scheduled_at < until) and r.cancelled_at is None
        if r.sent_at is not None:
            assert r.sent_at == r.scheduled_at and r.subject.startswith("【巡查】") and r.attempts == 1
        else:
            assert r.next_attempt_at == r.scheduled_at and r.subject == "" and r.read_at is None
        mine.setdefault((r.finding_id, r.recipient_id, r.channel, r.kind), []).append(r)
    planned: dict[tuple, list[datetime]] = {}
    for p in planned_reminders([fid for fid, _ in waiting], dict(waiting)):
        planned.setdefault((p.finding_id, p.recipient_id, p.channel, p.kind), []).append(p.scheduled_at)
    assert set(planned) == set(mine)
    for key, times in planned.items():
        made = sorted(r.scheduled_at for r in mine[key])
        if key[3] == ReminderKind.OVERDUE:
            # Weekly while overdue, up to exactly one still to come.
            assert made == [times[0] + every * n for n in range(len(made))]
            assert made[-1] >= until and (len(made) == 1 or made[-2] < until)
        else:
            assert made == sorted(times)
    # A server started on the build day sends nothing; tomorrow brings a day's share.
    queued = sa.select(sa.func.count()).select_from(Reminder).where(
        Reminder.sent_at.is_(None), Reminder.cancelled_at.is_(None))
    assert db.session.scalar(queued.where(Reminder.next_attempt_at < until)) == 0
    tomorrow = db.session.scalar(queued.where(Reminder.next_attempt_at < until + timedelta(days=1)))
    assert 0 < tomorrow < len(reminders) / 4
    # Inboxes have a history, the last days' messages still unread; a district supervisor's too.
    inbox = [r for r in reminders if r.sent_at and r.channel.value == "inbox"]
    assert 0 < sum(r.read_at is None for r in inbox) < len(inbox)
    assert all(r.read_at is None or AS_OF - r.sent_at > timedelta(days=3) for r in inbox)
    supervisor = db.session.scalar(sa.select(User).where(User.username == "supervisor1"))
    assert any(r.recipient_id == supervisor.id for r in inbox)
    assert unread_count(supervisor) == sum(r.recipient_id == supervisor.id and not r.read_at for r in inbox)
    before = next(r for r in reminders if r.sent_at and r.kind == ReminderKind.BEFORE)
    assert "当前状态：已下发整改通知" in before.body


def test_a_server_started_on_the_build_day_mails_nothing(tmp_path):
    """The real scheduler over a fresh city: nothing on the build day, the day's share the next."""
    other = create_app(_test_config(f"sqlite:///{tmp_path / 'ticks.sqlite3'}", tmp_path))
    with other.app_context(), SmtpServer() as smtp:
        other.config.update(MAIL_PORT=smtp.port)
        db.create_all()
        build_demo_city(db.session, get_photo_store(other), dataclasses.replace(SMALL, photos=False))
        assert run_once(AS_OF + timedelta(hours=23)).sent == 0  # 23:00 on the build day (local)
        assert smtp.sink.messages == []
        report = run_once(AS_OF + timedelta(days=1, hours=10))  # 10:00 the next morning
        assert report.sent > 0 and report.failed == 0 and smtp.sink.messages
        db.session.remove()
        db.engine.dispose()


def test_photos_are_real_jpegs_named_by_their_hash(city):
    app, _ = city
    photos = db.session.scalars(sa.select(Photo)).all()
    assert len(photos) == SMALL.photo_limit
    assert photo_files(app) == stored_files(app, [p.sha256 for p in photos])
    store = get_photo_store(app)
    for photo in photos:
        path = Path(store.local_path(photo.sha256))
        assert path.relative_to(app.config["PHOTO_DIR"]).parts[:1] == (photo.sha256[:2],)
        data = path.read_bytes()
        assert path.name == f"{photo.sha256}.jpg" and hashlib.sha256(data).hexdigest() == photo.sha256
        assert len(data) == photo.size and photo.stored
        with Image.open(io.BytesIO(data)) as img:
            assert img.format == "JPEG" and img.size == (photo.width, photo.height)
            assert 640 <= max(img.size) <= 1280
        link = db.session.scalar(sa.select(PhotoLink).where(PhotoLink.photo_sha256 == photo.sha256))
        estate = db.session.get(Finding, link.finding_id).estate
        assert abs(photo.latitude - estate.latitude) < 0.01 and abs(photo.longitude - estate.longitude) < 0.01
        # The EXIF capture time read back by the server's check is when the finding was made.
        assert abs(photo.taken_at - db.session.get(Finding, link.finding_id).found_at) < timedelta(seconds=1)
        assert link.region_code == estate.region_code


def test_every_synced_row_has_its_own_change_number(city):
    numbers = []
    for mapper in db.Model.registry.mappers:
        model = mapper.class_
        if issubclass(model, SyncMixin):
            numbers += db.session.scalars(sa.select(model.server_seq)).all()
    assert all(n > 0 for n in numbers) and len(numbers) == len(set(numbers))
    counter = db.session.execute(sa.text("SELECT value FROM change_counter WHERE id = 1")).scalar()
    assert max(numbers) <= counter


def test_same_seed_builds_the_same_city_in_another_database(city, tmp_path):
    expected = city_digest()
    other = create_app(_test_config(f"sqlite:///{tmp_path / 'other.sqlite3'}", tmp_path))
    with other.app_context():
        db.create_all()
        build_demo_city(db.session, get_photo_store(other), SMALL)
        assert city_digest() == expected
        db.session.remove()
        db.engine.dispose()


def test_building_twice_is_refused_in_one_line(city):
    app, _ = city
    before = city_digest()
    with pytest.raises(DemoCityExistsError, match="--replace"):
        build_demo_city(db.session, get_photo_store(app), SMALL)
    result = app.test_cli_runner().invoke(args=["demo", "build", "--no-photos", "--today", "2026-03-16"])
    assert result.exit_code != 0
    assert "--replace" in result.output and len(result.output.strip().splitlines()) == 1
    assert city_digest() == before


def test_demo_logins_are_listed(city):
    app, _ = city
    result = app.test_cli_runner().invoke(args=["demo", "logins"])
    assert result.exit_code == 0, result.output
    assert DEMO_PASSWORD in result.output and "admin" in result.output and "company20" in result.output
    # Each unit's account is named by its unit's kind and shows its unit's name.
    lines = {line.split()[0]: line for line in result.output.splitlines() if line.startswith("  ")}
    street_user = db.session.scalar(sa.select(User).join(Company, User.company_id == Company.id)
                                    .where(Company.kind == UnitKind.STREET_OFFICE))
    company_user = db.session.scalar(sa.select(User).join(Company, User.company_id == Company.id)
                                     .where(Company.kind == UnitKind.PROPERTY_COMPANY))
    street_line = lines[street_user.username]
    assert "街道办事处" in street_line and street_user.company.name in street_line
    assert "物业服务企业" in lines[company_user.username]
    # Office staff are named as the account pages name them (one table of role labels).
    supervisor = db.session.scalar(sa.select(User).where(User.role == Role.SUPERVISOR))
    assert ROLE_LABELS[Role.SUPERVISOR] in lines[supervisor.username]


def test_the_servers_banner_shows_property_companies_first_with_their_names(city, capsys):
    from server.commands.serve import _print_demo_logins, active_demo_accounts

    app, _ = city
    with app.app_context():
        _print_demo_logins(active_demo_accounts())
    out = capsys.readouterr().out
    unit_lines = [line for line in out.splitlines() if "物业服务企业" in line or "街道办事处" in line]
    assert unit_lines and all("物业服务企业" in line for line in unit_lines)  # 3 shown: companies first
    names = set(db.session.scalars(sa.select(Company.name)))
    assert all(any(name in line for name in names) for line in unit_lines)
    assert "个企业/责任单位账号" in out


def test_city_estates_lists_a_district_with_open_findings(city):
    app, _ = city
    result = app.test_cli_runner().invoke(args=["city", "estates", "--district", "澜湖区", "--limit", "500"])
    assert result.exit_code == 0, result.output
    district = db.session.scalar(sa.select(Region).where(Region.name == "澜湖区"))
    in_district = Estate.region_code.startswith(district.code)
    names = db.session.scalars(sa.select(Estate.name).where(in_district)).all()
    assert names and all(name in result.output for name in names)
    result = app.test_cli_runner().invoke(args=["city", "estates", "--district", "没有这个区"])
    assert result.exit_code != 0 and "没有这个区" in result.output


def test_interrupted_rebuild_leaves_database_and_photo_folder_as_they_were(city):
    app, _ = city
    before, files_before = city_digest(), photo_files(app)
    seen = []

    def interrupt(stage: str, done: int, total: int) -> None:
        seen.append(stage)
        if stage == STAGE_PHOTOS and done == total > 0:  # every new photo file is written by now
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        build_demo_city(db.session, get_photo_store(app),
                        DemoOptions(seed=8, today=TODAY, months=2, photo_limit=10, replace=True), interrupt)
    assert STAGE_PHOTOS in seen
    assert city_digest() == before
    assert photo_files(app) == files_before


def test_replace_rebuilds_the_city_and_drops_unused_photo_files(city):
    app, _ = city
    old_names = set(db.session.scalars(sa.select(Estate.name)))
    report = build_demo_city(db.session, get_photo_store(app),
                             DemoOptions(seed=9, today=TODAY, months=2, photo_limit=4, replace=True))
    assert count(Office) == 1 and count(Estate) == 120 and report.counts["estate"] == 120
    assert set(db.session.scalars(sa.select(Estate.name))) != old_names
    shas = set(db.session.scalars(sa.select(Photo.sha256)))
    assert len(shas) == 4
    assert photo_files(app) == stored_files(app, shas)

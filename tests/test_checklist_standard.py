"""Checklist standards (检查标准) from Excel: a 144-item file imported by `xuncha checklist`,
bad files refused row by row with nothing written, a draft edited, published (then frozen),
exported back, and the published version on a tablet after its next sync."""

from __future__ import annotations

import openpyxl
import pytest
import sqlalchemy as sa

from server.domain.checklist_standard import ItemNotValidError, update_draft_item
from server.domain.checklists import TemplateFrozenError
from server.domain.models import ChecklistItem, ChecklistTemplate, Role, Severity, TemplateStatus
from server.extensions import db
from tests import factories
from tests.mobile_helpers import engine_for, new_tablet, seed_office

live_server = __import__("tests.mobile_helpers", fromlist=["live_server"]).live_server  # fixture


@pytest.fixture
def office(make):
    office = make.office()
    make.user(office, Role.ADMIN, username="admin1")
    db.session.commit()
    return office


def _file(tmp_path, rows, headers=None, name="标准.xlsx", title=None):
    path = tmp_path / name
    path.write_bytes(factories.checklist_xlsx(rows, headers, title))
    return path


def _templates() -> list[ChecklistTemplate]:
    return db.session.scalars(sa.select(ChecklistTemplate).order_by(ChecklistTemplate.version)).all()


def test_a_144_item_standard_imports_as_a_draft_then_publishes(office, runner, tmp_path):
    path = _file(tmp_path, factories.checklist_rows(13, 144))

    result = runner.invoke(args=["checklist", "import", str(path), "--name", "某市物业服务检查标准",
                                 "--family", "city", "--user", "admin1"])

    assert result.exit_code == 0, result.output
    assert "13个分项，144个检查项" in result.output
    [draft] = _templates()
    assert draft.status == TemplateStatus.DRAFT and draft.family == "city" and draft.version == 1
    assert [len(s.items) for s in draft.sections][:2] == [12, 11] and len(draft.items) == 144
    first = draft.sections[0].items[0]
    assert (first.code, first.points, first.default_severity, first.rectification_days,
            first.photo_required_on_fail, first.guidance) == ("1.1", 2, Severity.MINOR, 15, False,
                                                               "现场查看第1项")
    # The section left blank on later rows (a merged cell) belongs to the one above.
    assert draft.sections[0].title == "第1部分 分项1" and draft.sections[0].items[-1].code == "1.12"

    published = runner.invoke(args=["checklist", "publish", "city", "--user", "admin1"])
    assert published.exit_code == 0, published.output and "已发布" in published.output
    db.session.expire_all()
    assert _templates()[0].status == TemplateStatus.PUBLISHED
    listing = runner.invoke(args=["checklist", "list"]).output
    assert "city 第1版" in listing and "已发布" in listing and "144个检查项" in listing
    again = runner.invoke(args=["checklist", "publish", "city"])
    assert again.exit_code == 1 and "已发布" in again.output and "Traceback" not in again.output


@pytest.mark.parametrize("case, expected", [
    ("wrong_columns", ["第1行 检查项名称(B1)：不认识的列名", "第1行 编号：缺少必填列“编号”"]),
    ("duplicate_codes", ["第4行 编号(B4) “1.2”：编号与第3行重复", "第9行 编号(B9) “1.2”：编号与第3行重复"]),
    ("bad_points", ["第2行 分值(E2) “abc”：应为整数", "第3行 分值(E3) “0”：不能小于1",
                    "第6行 分值(E6) “2.5”：应为整数，不能有小数",
                    "第7行 默认严重程度(F7) “很严重”：应为一般、较重、严重之一"]),
])
def test_a_bad_file_is_reported_row_by_row_and_nothing_is_written(office, runner, tmp_path, case, expected):
    rows = factories.checklist_rows(2, 12)
    headers = list(factories.STANDARD_HEADERS)
    if case == "wrong_columns":
        headers[1] = "检查项名称"
    elif case == "duplicate_codes":
        rows[2][1] = rows[7][1] = rows[1][1]
    else:
        rows[0][4], rows[1][4], rows[4][4], rows[5][5] = "abc", 0, 2.5, "很严重"
    path = _file(tmp_path, rows, headers)

    result = runner.invoke(args=["checklist", "import", str(path)])

    assert result.exit_code == 2, result.output
    for line in expected:
        assert line in result.output
    assert "未写入任何数据" in result.output and "Traceback" not in result.output
    assert _templates() == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ChecklistItem)) == 0


def test_an_unreadable_file_is_one_line(office, runner, tmp_path):
    path = tmp_path / "标准.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    result = runner.invoke(args=["checklist", "import", str(path)])
    assert result.exit_code == 2 and "不是有效的.xlsx" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_the_template_explains_itself_and_its_example_imports(office, runner, tmp_path):
    out = tmp_path / "模板.xlsx"
    assert runner.invoke(args=["checklist", "template", str(out)]).exit_code == 0
    workbook = openpyxl.load_workbook(out)
    assert workbook.sheetnames == ["检查标准", "填写说明"]
    assert [c.value for c in workbook["检查标准"][1]] == factories.STANDARD_HEADERS
    notes = " ".join(str(c.value) for row in workbook["填写说明"].iter_rows() for c in row if c.value)
    assert "一行也不写入" in notes and "平板下次同步时收到" in notes
    assert runner.invoke(args=["checklist", "template", str(out)]).exit_code == 1  # exists: --force
    assert runner.invoke(args=["checklist", "import", str(out), "--name", "示例"]).exit_code == 0


def test_an_export_imports_back_as_the_next_version(office, runner, tmp_path):
    runner.invoke(args=["checklist", "import", str(_file(tmp_path, factories.checklist_rows(3, 20))),
                        "--name", "区标准", "--publish"])
    out = tmp_path / "导出.xlsx"
    assert runner.invoke(args=["checklist", "export", "区标准", str(out)]).exit_code == 0

    result = runner.invoke(args=["checklist", "import", str(out)])

    assert result.exit_code == 0, result.output
    first, second = _templates()
    assert (second.family, second.version, second.name, second.status) == (first.family, 2, "区标准",
                                                                           TemplateStatus.DRAFT)

    def shape(t):
        return [(s.title, i.code, i.text, i.category, i.points, i.default_severity, i.rectification_days,
                 i.photo_required_on_fail, i.guidance) for s in t.sections for i in s.items]

    assert shape(second) == shape(first)
    # Importing again replaces the unpublished draft instead of piling up versions.
    assert runner.invoke(args=["checklist", "import", str(out)]).exit_code == 0
    db.session.expire_all()
    assert [t.version for t in _templates()] == [1, 2]
    # Publishing the new version retires the old one (tablets start on the new one).
    assert runner.invoke(args=["checklist", "publish", "区标准"]).exit_code == 0
    db.session.expire_all()
    assert [t.status for t in _templates()] == [TemplateStatus.RETIRED, TemplateStatus.PUBLISHED]


def test_a_draft_item_is_edited_with_the_import_rules_and_a_published_one_is_frozen(office, make):
    template = make.template(office, published=False)
    item = template.items[0]
    admin = make.user(office, Role.ADMIN)
    fields = {"code": "9.9", "text": "新的检查内容", "category": "飞线充电", "points": "3",
              "severity": "严重", "days": "1", "photo": "是", "guidance": "看充电桩"}
    update_draft_item(item, fields, admin)
    assert (item.code, item.points, item.default_severity) == ("9.9", 3, Severity.SEVERE)
    assert item.guidance == "看充电桩"
    for wrong, field in (({"points": "-1"}, "分值"), ({"code": template.items[1].code}, "编号")):
        with pytest.raises(ItemNotValidError) as refused:
            update_draft_item(item, {**fields, **wrong}, admin)
        assert list(refused.value.reasons) == [field] and item.points == 3
    template.status = TemplateStatus.PUBLISHED
    db.session.flush()
    with pytest.raises(TemplateFrozenError):
        update_draft_item(item, fields, admin)


def test_a_published_standard_reaches_the_tablet_on_its_next_sync(live_server, tmp_path):
    seed = seed_office(live_server.app)
    store = new_tablet(tmp_path / "tablet", live_server, seed)
    engine_for(store).run()
    assert store.records.count("checklist_item") == 6
    runner = live_server.app.test_cli_runner()
    path = _file(tmp_path, factories.checklist_rows(13, 144))
    assert runner.invoke(args=["checklist", "import", str(path), "--name", "新标准"]).exit_code == 0
    engine_for(store).run()
    assert store.records.count("checklist_item") == 6  # a draft stays on the server

    assert runner.invoke(args=["checklist", "publish", "新标准"]).exit_code == 0
    engine_for(store).run()

    assert store.records.count("checklist_template") == 2 and store.records.count("checklist_section") == 15
    assert store.records.count("checklist_item") == 150
    guided = [r for r in store.records.find("checklist_item") if r.get("guidance")]
    assert len(guided) == 36 and guided[0].get("guidance").startswith("现场查看")


def test_a_workbook_past_the_spreadsheet_bounds_is_refused_in_one_line(office, runner, tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(factories.STANDARD_HEADERS)
    sheet.append(factories.checklist_rows(1, 1)[0])
    sheet.cell(row=9000, column=2, value="9.9")  # the shared bounds stop it before it is read
    path = tmp_path / "大.xlsx"
    workbook.save(path)
    result = runner.invoke(args=["checklist", "import", str(path)])
    assert result.exit_code == 2 and "超过上限" in result.output and "Traceback" not in result.output
    assert _templates() == []

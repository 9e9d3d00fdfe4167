"""Estate ledger import (台账导入): a file is checked whole, and written whole or not at all."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from server.domain.credit_code import make_credit_code
from server.domain.ledger import LedgerFileError, import_ledger, read_ledger, write_template
from server.domain.ledger.columns import COLUMNS
from server.domain.models import (
    AuditEntry,
    CommitteeStatus,
    Company,
    Estate,
    ManagementType,
    Region,
    RegionLevel,
)
from server.extensions import db
from tests import factories

HEADERS = [column.header for column in COLUMNS]
TODAY = date(2025, 6, 30)


@pytest.fixture
def city(make):
    """An office with two streets of three communities each (6 communities)."""
    office = make.office()
    regions = make.community_tree(office, streets=2, communities_per_street=3)
    db.session.commit()
    return office, regions


def communities(regions: list[Region]) -> list[Region]:
    return [r for r in regions if r.level == RegionLevel.COMMUNITY]


def run(rows, office, **kwargs):
    """Import `rows` as a real .xlsx and return the report."""
    return import_ledger(factories.ledger_xlsx(rows), office, filename="台账.xlsx", today=TODAY, **kwargs)


def count(model, office) -> int:
    query = sa.select(sa.func.count()).select_from(model).where(model.office_id == office.id)
    return db.session.scalar(query)


def only_error(report):
    assert len(report.errors) == 1, [p.line() for p in report.errors]
    return report.errors[0]


# The whole file ---------------------------------------------------------------------------------

def test_one_bad_row_among_500_is_named_and_nothing_is_written(city, make):
    office, regions = city
    make.estate(communities(regions)[0], name="老街坊小区")
    db.session.commit()
    rows = factories.ledger_rows(regions, 500)
    rows[316]["户数"] = -5
    before = (count(Estate, office), count(Company, office), count(AuditEntry, office))

    report = run(rows, office)

    problem = only_error(report)
    assert (problem.row, problem.column, problem.cell, problem.value) == (318, "户数", "K318", "-5")
    assert "不能小于0" in problem.reason
    assert not report.applied
    db.session.rollback()
    assert (count(Estate, office), count(Company, office), count(AuditEntry, office)) == before


def test_the_corrected_file_writes_all_500_estates_with_change_numbers(city):
    office, regions = city
    rows = factories.ledger_rows(regions, 500)

    report = run(rows, office)
    db.session.commit()

    assert report.ok and report.applied
    assert report.estates.to_dict() == {"created": 500, "updated": 0, "unchanged": 0}
    assert report.companies.created == 50
    estates = db.session.scalars(sa.select(Estate).where(Estate.office_id == office.id)).all()
    assert len(estates) == 500
    assert all(e.region_code == e.region.code for e in estates)
    assert len({e.server_seq for e in estates}) == 500 and min(e.server_seq for e in estates) > 0
    professional = [e for e in estates if e.management_type == ManagementType.PROFESSIONAL]
    assert len(professional) == 350 and all(e.company is not None for e in professional)
    assert all(e.company_id is None for e in estates if e.management_type != ManagementType.PROFESSIONAL)
    audit = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "import_ledger")).one()
    assert audit.changes["estates"]["created"] == 500 and audit.changes["companies"]["created"] == 50


def test_stored_values_are_those_of_the_file(city):
    office, regions = city
    row = factories.ledger_rows(regions, 1)[0]
    run([row], office)
    db.session.commit()
    estate = db.session.scalars(sa.select(Estate)).one()
    company = estate.company
    assert (estate.name, estate.region.name, estate.address) == (
        row["小区名称"], row["所属社区"], row["详细地址"])
    assert (estate.households, estate.buildings, estate.built_year) == (
        row["户数"], row["楼栋数"], row["建成年份"])
    assert estate.floor_area == Decimal(str(row["建筑面积(㎡)"]))
    assert (estate.latitude, estate.longitude) == (row["纬度"], row["经度"])
    assert estate.committee_status == CommitteeStatus.NONE
    assert (company.name, company.credit_code, company.filed_at) == (
        row["物业服务企业"], row["统一社会信用代码"], row["企业备案日期"])
    assert (company.contact_person, company.phone) == (row["联系人"], row["联系电话"])


def test_reimporting_the_same_file_creates_nothing_and_takes_no_change_numbers(city):
    office, regions = city
    data = factories.ledger_xlsx(factories.ledger_rows(regions, 500))
    import_ledger(data, office, filename="a.xlsx")
    db.session.commit()
    seq_before = db.session.scalar(sa.select(sa.func.max(Estate.server_seq)))

    report = import_ledger(data, office, filename="a.xlsx")
    db.session.commit()

    assert report.estates.to_dict() == {"created": 0, "updated": 0, "unchanged": 500}
    assert report.companies.to_dict() == {"created": 0, "updated": 0, "unchanged": 50}
    assert (count(Estate, office), count(Company, office)) == (500, 50)
    assert db.session.scalar(sa.select(sa.func.max(Estate.server_seq))) == seq_before


def test_changed_rows_update_the_existing_estate_and_company(city, make):
    office, regions = city
    community = communities(regions)[2]
    company = make.company(office, name="旧名物业有限公司")
    estate = make.estate(community, company, name="阳光花园（一期）", households=10)
    db.session.commit()
    old_seq = estate.server_seq
    row = factories.ledger_rows(regions, 1)[0] | {
        "小区名称": "阳光花园(一期)", "所属社区": community.code, "户数": 640,
        "物业服务企业": "新名物业服务有限公司", "统一社会信用代码": company.credit_code}

    report = run([row], office)
    db.session.commit()

    assert report.estates.to_dict() == {"created": 0, "updated": 1, "unchanged": 0}
    assert report.companies.to_dict() == {"created": 0, "updated": 1, "unchanged": 0}
    assert (count(Estate, office), count(Company, office)) == (1, 1)
    db.session.refresh(estate)
    assert (estate.name, estate.households) == ("阳光花园(一期)", 640)
    assert estate.company.name == "新名物业服务有限公司"
    assert estate.server_seq > old_seq


def test_blank_cells_keep_stored_values_but_a_blank_company_unlinks(city, make):
    office, regions = city
    community = communities(regions)[0]
    estate = make.estate(community, make.company(office), name="梧桐新村", households=432, built_year=1999)
    db.session.commit()
    row = {"小区名称": "梧桐新村", "所属社区": community.name, "管理类型": "兜底"}

    report = run([row], office)
    db.session.commit()

    assert report.estates.updated == 1
    db.session.refresh(estate)
    assert (estate.households, estate.built_year) == (432, 1999)
    assert (estate.management_type, estate.company_id) == (ManagementType.FALLBACK, None)


def test_dry_run_reports_what_would_happen_and_writes_nothing(city):
    office, regions = city
    report = run(factories.ledger_rows(regions, 20), office, dry_run=True)
    assert report.ok and not report.applied and report.estates.created == 20
    db.session.rollback()
    assert count(Estate, office) == 0 and count(AuditEntry, office) == 0


@pytest.mark.parametrize(("encoding", "shown"), [
    ("utf-8-sig", "UTF-8-BOM"), ("utf-8", "UTF-8"), ("gb18030", "GB18030"), ("utf-16", "UTF-16"),
])
def test_csv_is_read_in_the_encodings_excel_writes(city, encoding, shown):
    office, regions = city
    rows = factories.ledger_rows(regions, 40)
    # The same company's filing date written two other ways still agrees with its other rows.
    filed = rows[5]["企业备案日期"]
    rows[5]["企业备案日期"] = f"{filed.year}年{filed.month}月{filed.day}日"
    rows[6]["企业备案日期"] = rows[6]["企业备案日期"].isoformat()
    report = import_ledger(factories.ledger_csv(rows, encoding), office, filename="台账.csv", today=TODAY)
    assert report.ok, [p.line() for p in report.errors]
    assert (report.kind, report.encoding, report.estates.created) == ("csv", shown, 40)
    names = set(db.session.scalars(sa.select(Estate.name)))
    assert rows[39]["小区名称"] in names


def test_a_gb18030_csv_reports_row_problems_in_chinese(city):
    office, regions = city
    rows = factories.ledger_rows(regions, 3)
    rows[1]["管理类型"] = "物业托管"
    report = import_ledger(factories.ledger_csv(rows, "gb18030"), office, filename="台账.csv")
    problem = only_error(report)
    assert (problem.row, problem.column, problem.value) == (3, "管理类型", "物业托管")


# One rule at a time -----------------------------------------------------------------------------

GOOD_CODE = make_credit_code("91", "320508", "MA0000000")
BAD_CHECK = GOOD_CODE[:17] + ("0" if GOOD_CODE[17] != "0" else "1")


@pytest.mark.parametrize(("changes", "column", "fragment"), [
    ({"小区名称": None}, "小区名称", "不能为空"),
    ({"小区名称": "园" * 101}, "小区名称", "不能超过100个字"),
    ({"所属社区": "不存在社区"}, "所属社区", "找不到该社区"),
    ({"所属社区": "西城街道"}, "所属社区", "这是街道，不是社区"),
    ({"所属社区": None}, "所属社区", "不能为空"),
    ({"所属街道": "南湖街道"}, "所属街道", "找不到该街道"),
    ({"所属街道": "西城街道"}, "所属社区", "不在街道“西城街道”下"),
    ({"管理类型": "物业托管"}, "管理类型", "应为专业物业服务、单位后勤自管、业主自管、兜底之一"),
    ({"管理类型": None}, "管理类型", "不能为空"),
    ({"物业服务企业": None, "统一社会信用代码": None}, "物业服务企业",
     "专业物业服务的小区须填写物业服务企业"),
    ({"统一社会信用代码": None}, "统一社会信用代码", "填写了物业服务企业时必填"),
    ({"管理类型": "业主自管", "物业服务企业": None}, "物业服务企业", "填写了统一社会信用代码时必填"),
    ({"统一社会信用代码": BAD_CHECK}, "统一社会信用代码", "校验位错误"),
    ({"统一社会信用代码": "91320508MA00000"}, "统一社会信用代码", "应为18位，实际为15位"),
    ({"统一社会信用代码": "91320508MA000000I0"}, "统一社会信用代码", "非法字符：I"),
    ({"统一社会信用代码": 913205081234567000}, "统一社会信用代码", "被Excel存成了数字"),
    ({"企业备案日期": "2024-02-30"}, "企业备案日期", "日期不存在"),
    ({"企业备案日期": "去年春天"}, "企业备案日期", "应为日期"),
    ({"企业备案日期": TODAY + timedelta(days=1)}, "企业备案日期", "晚于今天"),
    ({"企业备案日期": "1970-01-01"}, "企业备案日期", "早于1980年"),
    ({"联系电话": "请联系物业"}, "联系电话", "格式不正确"),
    ({"户数": -1}, "户数", "不能小于0"),
    ({"户数": 12.5}, "户数", "应为整数，不能有小数"),
    ({"户数": "很多"}, "户数", "应为整数"),
    ({"户数": 150_000}, "户数", "不能大于100000"),
    ({"建筑面积(㎡)": -3}, "建筑面积(㎡)", "不能小于0"),
    ({"建筑面积(㎡)": "约五万"}, "建筑面积(㎡)", "应为数字"),
    ({"楼栋数": 2.5}, "楼栋数", "应为整数"),
    ({"业主委员会": "筹备中"}, "业主委员会", "应为已成立、临时管委会、未成立之一"),
    ({"建成年份": 1800}, "建成年份", "应在1900至2025之间"),
    ({"建成年份": 2030}, "建成年份", "应在1900至2025之间"),
    ({"纬度": 60.1}, "纬度", "中国境内"),
    ({"经度": 150}, "经度", "中国境内"),
    ({"纬度": 120.58, "经度": 31.29}, "纬度", "纬度与经度可能填反了"),
    ({"经度": None}, "经度", "须与纬度同时填写"),
    ({"纬度": "#N/A"}, "纬度", "Excel错误值#N/A"),
    ({"户数": True}, "户数", "应为整数"),
])
def test_each_rule_names_the_cell_and_the_reason(city, changes, column, fragment):
    office, regions = city
    row = factories.ledger_rows(communities(regions)[:1], 1)[0] | changes
    report = run([row], office)
    problem = only_error(report)
    assert (problem.row, problem.column) == (2, column)
    assert fragment in problem.reason, problem.reason
    assert problem.cell == f"{chr(ord('A') + HEADERS.index(column))}2"


@pytest.mark.parametrize(("second", "column", "fragment"), [
    ({"统一社会信用代码": make_credit_code("91", "320508", "MB0000001"), "小区名称": "别的小区"},
     "统一社会信用代码",
     "该企业在第2行的信用代码为"),
    ({"物业服务企业": "另一家物业有限公司", "小区名称": "别的小区"}, "物业服务企业",
     "该信用代码在第2行对应"),
    ({}, "小区名称", "与第2行重复（同一社区内小区名称相同）"),
    ({"小区名称": " 阳光花园１期 "}, "小区名称", "与第2行重复"),
    ({"小区名称": "别的小区", "企业备案日期": date(2020, 1, 1)}, "企业备案日期", "前后不一致"),
])
def test_rows_that_contradict_an_earlier_row_name_it(city, second, column, fragment):
    office, regions = city
    first = factories.ledger_rows(communities(regions)[:1], 1)[0] | {
        "小区名称": "阳光花园1期", "统一社会信用代码": GOOD_CODE, "企业备案日期": date(2019, 5, 1)}
    report = run([first, first | second], office)
    problem = only_error(report)
    assert (problem.row, problem.column) == (3, column)
    assert fragment in problem.reason, problem.reason


def test_same_estate_name_in_two_communities_is_two_estates(city):
    office, regions = city
    first, second = communities(regions)[:2]
    row = factories.ledger_rows([first], 1)[0]
    report = run([row, row | {"所属社区": second.name}], office)
    assert report.ok and report.estates.created == 2


def test_community_names_shared_by_two_streets_need_the_street_or_the_code(city, make):
    office, regions = city
    west = next(r for r in regions if r.name == "西城街道")
    twin = make.region(office, west, name="幸福社区", code=f"{west.code}009")
    db.session.commit()
    row = factories.ledger_rows(communities(regions)[:1], 1)[0] | {"所属社区": "幸福社区"}

    problem = only_error(run([row], office))
    assert problem.column == "所属社区" and "2个同名社区（东城街道、西城街道）" in problem.reason

    by_street = row | {"所属街道": "西城街道"}
    by_code = row | {"所属社区": twin.code, "小区名称": "另一个"}
    report = run([by_street, by_code], office)
    assert report.ok
    assert {e.region_code for e in db.session.scalars(sa.select(Estate))} == {twin.code}


def test_a_community_of_another_office_is_not_found(city, make):
    office, regions = city
    other = make.office()
    foreign = communities(make.community_tree(other, 1, 1))[0]
    row = factories.ledger_rows(communities(regions)[:1], 1)[0] | {"所属社区": foreign.code}
    assert "找不到该社区" in only_error(run([row], office)).reason


def test_a_company_registered_with_another_office_is_refused(city, make):
    office, regions = city
    theirs = make.company(make.office())
    row = factories.ledger_rows(regions, 1)[0] | {"统一社会信用代码": theirs.credit_code}
    problem = only_error(run([row], office))
    assert problem.column == "统一社会信用代码" and "其他监管单位" in problem.reason


def test_a_company_name_already_stored_under_another_code_is_refused(city, make):
    office, regions = city
    stored = make.company(office, name="苏州示例物业服务有限公司")
    row = factories.ledger_rows(regions, 1)[0] | {"物业服务企业": "苏州示例物业服务有限公司"}
    problem = only_error(run([row], office))
    assert f"系统中已有同名企业，其信用代码为{stored.credit_code}" in problem.reason


@pytest.mark.parametrize("value", [
    datetime(2024, 3, 1), date(2024, 3, 1), "2024-03-01", "2024/3/1", "2024年3月1日", "2024.3.1",
    "20240301", 45352, "2024-03-01 00:00:00",
])
def test_dates_are_read_in_every_way_excel_users_write_them(city, value):
    office, regions = city
    row = factories.ledger_rows(regions, 1)[0] | {"企业备案日期": value}
    assert run([row], office).ok
    assert db.session.scalars(sa.select(Company.filed_at)).one() == date(2024, 3, 1)


@pytest.mark.parametrize(("management", "committee", "expected"), [
    ("单位后勤自管", "临时管委会", (ManagementType.UNIT_SELF, CommitteeStatus.TEMPORARY_COMMITTEE)),
    ("owner_self", "owners_committee", (ManagementType.OWNER_SELF, CommitteeStatus.OWNERS_COMMITTEE)),
    ("兜底/无物业", "未成立", (ManagementType.FALLBACK, CommitteeStatus.NONE)),
    ("Professional", "已成立", (ManagementType.PROFESSIONAL, CommitteeStatus.OWNERS_COMMITTEE)),
])
def test_management_and_committee_words_in_chinese_or_english(city, management, committee, expected):
    office, regions = city
    row = factories.ledger_rows(regions, 1)[0] | {"管理类型": management, "业主委员会": committee}
    assert run([row], office).ok
    estate = db.session.scalars(sa.select(Estate)).one()
    assert (estate.management_type, estate.committee_status) == expected


# Headers ----------------------------------------------------------------------------------------

def test_missing_required_columns_are_reported_once_not_per_row(city):
    office, regions = city
    headers = [h for h in HEADERS if h not in ("管理类型", "统一社会信用代码")]
    data = factories.ledger_xlsx(factories.ledger_rows(regions, 30), headers=headers)
    report = import_ledger(data, office, filename="台账.xlsx")
    assert [(p.row, p.column, p.reason) for p in report.errors] == [
        (1, "管理类型", "缺少必填列"), (1, "统一社会信用代码", "缺少必填列")]


def test_unknown_columns_are_reported_and_ignored_and_english_headers_work(city):
    office, regions = city
    english = {"小区名称": "Estate name", "所属社区": "community", "管理类型": "Management type",
               "物业服务企业": "company", "统一社会信用代码": "credit code", "户数": "households"}
    rows = [{english.get(k, k): v for k, v in row.items()} | {"备注": "无"}
            for row in factories.ledger_rows(regions, 5)]
    headers = ["序号", *[english.get(h, h) for h in HEADERS], "备注"]
    report = import_ledger(factories.ledger_xlsx(rows, headers=headers), office, filename="x.xlsx")
    assert report.ok and report.estates.created == 5
    assert [(w.column, w.reason) for w in report.warnings] == [("备注", "未识别的列，已忽略")]


def test_a_title_row_above_the_header_keeps_spreadsheet_row_numbers(city):
    office, regions = city
    rows = factories.ledger_rows(regions, 3)
    rows[0]["户数"] = "abc"
    data = factories.ledger_xlsx(rows, title="姑苏区住宅小区基础台账（2025年）")
    problem = only_error(import_ledger(data, office, filename="x.xlsx"))
    assert (problem.row, problem.cell) == (3, "K3")


def test_a_column_given_twice_is_an_error(city):
    office, regions = city
    data = factories.ledger_xlsx(factories.ledger_rows(regions, 2), headers=[*HEADERS, "总户数"])
    problem = only_error(import_ledger(data, office, filename="x.xlsx"))
    assert (problem.column, problem.reason) == ("总户数", "与K列“户数”重复")


# Files that cannot be read ----------------------------------------------------------------------

def _encrypted_xlsx() -> bytes:
    ooxml = pytest.importorskip("msoffcrypto.format.ooxml")
    out = io.BytesIO()
    ooxml.OOXMLFile(io.BytesIO(factories.ledger_xlsx([]))).encrypt("密码123", out)
    return out.getvalue()


BAD_FILES = {
    "empty": (b"", "a.xlsx", "文件是空的"),
    "blank csv": (b"\r\n \r\n", "a.csv", "文件是空的"),
    "truncated xlsx": (None, "a.xlsx", "Excel文件已损坏"),
    "zip that is no workbook": (None, "a.xlsx", "Excel文件已损坏"),
    "picture named xlsx": (factories.jpeg_bytes(32, 32), "a.xlsx", "内容不是Excel工作簿"),
    "password": (None, "a.xlsx", "设置了打开密码"),
    "old xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "a.xls", "旧版Excel(.xls)"),
    "wrong encoding": ("小区名称,所属社区\n".encode("utf-16-le") + b"\xff\xfe\xfd", "a.csv",
                       "无法识别文件编码"),
    "no header": ("名称,地点\n阳光,东城\n".encode(), "a.csv", "找不到表头"),
    "header only": (factories.ledger_csv([]), "a.csv", "第1行是表头，但下面没有任何数据"),
    "empty workbook": (None, "a.xlsx", "工作簿中没有任何数据"),
    "pdf": (b"%PDF-1.4\n", "a.pdf", "不支持.pdf文件"),
}


def _bad_file(name: str) -> tuple[bytes, str, str]:
    data, filename, fragment = BAD_FILES[name]
    if name == "truncated xlsx":
        data = factories.ledger_xlsx([])[:900]
    elif name == "zip that is no workbook":
        out = io.BytesIO()
        import zipfile

        with zipfile.ZipFile(out, "w") as archive:
            archive.writestr("readme.txt", "not a workbook")
        data = out.getvalue()
    elif name == "password":
        data = _encrypted_xlsx()
    elif name == "empty workbook":
        from openpyxl import Workbook

        out = io.BytesIO()
        Workbook().save(out)
        data = out.getvalue()
    return data, filename, fragment


@pytest.mark.parametrize("name", list(BAD_FILES))
def test_an_unreadable_file_gives_one_readable_line(name):
    data, filename, fragment = _bad_file(name)
    with pytest.raises(LedgerFileError) as caught:
        read_ledger(data, filename)
    message = str(caught.value)
    assert fragment in message and "\n" not in message


@pytest.mark.parametrize("name", ["truncated xlsx", "password", "wrong encoding"])
def test_cli_prints_one_line_for_an_unreadable_file(city, runner, tmp_path, name):
    data, filename, fragment = _bad_file(name)
    path = tmp_path / filename
    path.write_bytes(data)
    result = runner.invoke(args=["ledger", "import", str(path)])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0] and "Traceback" not in result.output


# The command line -------------------------------------------------------------------------------

def test_cli_lists_each_bad_row_and_exits_2_writing_nothing(city, runner, tmp_path):
    office, regions = city
    rows = factories.ledger_rows(regions, 120)
    rows[9]["户数"] = -5
    rows[99]["纬度"] = 99
    rows[99]["管理类型"] = "物业托管"
    path = tmp_path / "台账.xlsx"
    path.write_bytes(factories.ledger_xlsx(rows))

    result = runner.invoke(args=["ledger", "import", str(path), "--office", office.name])

    assert result.exit_code == 2, result.output
    assert "第11行 户数(K11) “-5”：不能小于0" in result.output
    bad_lines = [line for line in result.output.splitlines() if line.startswith("第")]
    assert [line.split(" ")[0:2] for line in bad_lines] == [
        ["第11行", "户数(K11)"], ["第101行", "管理类型(E101)"], ["第101行", "纬度(P101)"]]
    assert "3处错误（涉及2行），未写入任何数据" in result.output
    assert "Traceback" not in result.output
    db.session.rollback()
    assert count(Estate, office) == 0


def test_cli_shows_the_first_50_problems_and_the_total(city, runner, tmp_path):
    office, regions = city
    rows = factories.ledger_rows(regions, 80)
    for row in rows:
        row["户数"] = "?"
    path = tmp_path / "台账.xlsx"
    path.write_bytes(factories.ledger_xlsx(rows))
    result = runner.invoke(args=["ledger", "import", str(path)])
    assert result.exit_code == 2
    assert sum(line.startswith("第") for line in result.output.splitlines()) == 50
    assert "仅显示前50条，共80条" in result.output


def test_cli_imports_a_good_file_and_a_dry_run_writes_nothing(city, runner, tmp_path):
    office, regions = city
    path = tmp_path / "台账.csv"
    path.write_bytes(factories.ledger_csv(factories.ledger_rows(regions, 30), "gb18030"))

    dry = runner.invoke(args=["ledger", "import", str(path), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "试运行未写入" in dry.output and "新增30" in dry.output
    db.session.rollback()
    assert count(Estate, office) == 0

    result = runner.invoke(args=["ledger", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "导入完成 (imported) — 小区：新增30，更新0，未变0；物业服务企业：新增3" in result.output
    db.session.rollback()
    assert count(Estate, office) == 30


def test_cli_report_as_json(city, runner, tmp_path):
    import json

    office, regions = city
    rows = factories.ledger_rows(regions, 3)
    rows[2]["建成年份"] = "去年"
    path = tmp_path / "台账.xlsx"
    path.write_bytes(factories.ledger_xlsx(rows))
    result = runner.invoke(args=["ledger", "import", str(path), "--json"])
    assert result.exit_code == 2
    report = json.loads(result.output[: result.output.rindex("}") + 1])
    assert report["ok"] is False and report["rows"] == 3
    assert report["errors"] == [{"row": 4, "column": "建成年份", "cell": "O4", "value": "去年",
                                 "reason": "应为整数"}]


def test_cli_needs_an_office_when_there_are_several(city, make, runner, tmp_path):
    make.office(name="另一个住建局")
    db.session.commit()
    path = tmp_path / "台账.xlsx"
    path.write_bytes(factories.ledger_xlsx([]))
    result = runner.invoke(args=["ledger", "import", str(path)])
    assert result.exit_code != 0 and "--office" in result.output


# The template -----------------------------------------------------------------------------------

def test_template_has_headers_an_example_and_the_allowed_values(city, runner, tmp_path):
    office, regions = city
    out = tmp_path / "模板.xlsx"
    result = runner.invoke(args=["ledger", "template", str(out), "--office", office.short_name])
    assert result.exit_code == 0, result.output

    workbook = load_workbook(out)
    assert workbook.sheetnames == ["小区台账", "填写说明", "社区列表"]
    ledger = workbook["小区台账"]
    assert [c.value for c in ledger[1]] == HEADERS
    explained = " ".join(str(c.value) for row in workbook["填写说明"].iter_rows() for c in row if c.value)
    for word in ("专业物业服务", "单位后勤自管", "业主自管", "兜底", "已成立", "临时管委会", "未成立"):
        assert word in explained
    listed = {row[3] for row in workbook["社区列表"].iter_rows(min_row=2, values_only=True)}
    assert listed == {r.code for r in communities(regions)}

    again = runner.invoke(args=["ledger", "template", str(out)])
    assert again.exit_code != 0 and "--force" in again.output


def test_the_template_example_row_imports_cleanly(city):
    office, regions = city
    out = io.BytesIO()
    write_template(out, regions)
    report = import_ledger(out.getvalue(), office, filename="模板.xlsx")
    assert report.ok, [p.line() for p in report.errors]
    assert report.estates.created == 1 and report.companies.created == 1


def test_a_large_import_reports_its_progress_by_stage(city):
    office, regions = city
    seen: list[tuple[str, int, int]] = []
    report = run(factories.ledger_rows(regions, 1200), office,
                 progress=lambda stage, done, total: seen.append((stage, done, total)))
    assert report.ok and report.applied
    stages = [stage for stage, _, _ in seen]
    assert stages[0].startswith("校验") and stages[-1].startswith("写入")
    for stage in set(stages):
        steps = [(done, total) for s, done, total in seen if s == stage]
        assert [d for d, _ in steps] == sorted(d for d, _ in steps)
        assert steps[-1][0] == steps[-1][1]

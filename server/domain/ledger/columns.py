"""The columns of the estate ledger (小区基础台账): headers, aliases and accepted values."""

from __future__ import annotations

from dataclasses import dataclass

from server.domain.credit_code import make_credit_code
from server.domain.ledger.cells import normalise_key
from server.domain.models import CommitteeStatus, ManagementType

EXAMPLE_CREDIT_CODE = make_credit_code("91", "320505", "MA1MXY312")


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # the Chinese header the template writes
    aliases: tuple[str, ...]  # other headers met in offices' own ledgers, and English ones
    required: bool
    notes: str  # shown on the template's explanation sheet
    example: object
    width: int = 14


COLUMNS: tuple[Column, ...] = (
    Column("estate_name", "小区名称", ("小区", "小区名", "项目名称", "estate", "estate name", "name"),
           True, "同一社区内不能重复；与系统中同社区同名的小区视为同一小区（更新）", "阳光花园", 18),
    Column("street", "所属街道", ("街道", "街道办", "街道名称", "street"),
           False, "可选；社区名称在辖区内重名时用于区分", "", 12),
    Column("community", "所属社区", ("社区", "社区名称", "社区代码", "所属社区代码", "community",
                                   "community code"),
           True, "填写社区名称或12位区划代码，须在本单位辖区内（见“社区列表”工作表）", "", 14),
    Column("address", "详细地址", ("地址", "小区地址", "address"),
           False, "不超过200字", "幸福路88号", 24),
    Column("management_type", "管理类型", ("管理方式", "管理模式", "物业管理类型", "management type"),
           True, "专业物业服务 / 单位后勤自管 / 业主自管 / 兜底", "专业物业服务", 14),
    Column("company_name", "物业服务企业", ("物业企业", "物业公司", "物业服务企业名称", "物业服务企业全称",
                                         "company", "company name"),
           True, "企业全称；管理类型为“专业物业服务”时必填", "示例物业服务有限公司", 24),
    Column("credit_code", "统一社会信用代码", ("信用代码", "社会信用代码", "企业信用代码", "credit code",
                                           "uscc"),
           True, "18位，填写物业服务企业时必填；同一企业各行须一致", EXAMPLE_CREDIT_CODE, 22),
    Column("filed_at", "企业备案日期", ("备案日期", "备案时间", "filed at", "filing date"),
           False, "如 2024-03-01、2024/3/1、2024年3月1日", "2024-03-01", 14),
    Column("contact_person", "联系人", ("企业联系人", "项目负责人", "contact", "contact person"),
           False, "物业服务企业的联系人（同一企业取第一个填写的）", "张三", 10),
    Column("phone", "联系电话", ("电话", "手机", "联系方式", "phone", "telephone"),
           False, "手机或座机，如 0512-12345678", "13800000000", 16),
    Column("households", "户数", ("总户数", "住户数", "households"),
           False, "不小于0的整数", 520, 8),
    Column("floor_area", "建筑面积(㎡)", ("建筑面积", "总建筑面积", "建筑面积(平方米)", "建筑面积(平米)",
                                      "floor area", "area"),
           False, "平方米，不小于0，最多两位小数", 68000.5, 12),
    Column("buildings", "楼栋数", ("楼栋", "栋数", "楼幢数", "buildings"),
           False, "不小于0的整数", 12, 8),
    Column("committee_status", "业主委员会", ("业委会", "业主委员会情况", "业委会成立情况", "committee",
                                          "owners committee"),
           False, "已成立 / 临时管委会 / 未成立（空白视为未成立）", "已成立", 12),
    Column("built_year", "建成年份", ("建成时间", "竣工年份", "建成年代", "built year", "year built"),
           False, "四位年份，如 2008", 2008, 10),
    Column("latitude", "纬度", ("lat", "latitude"),
           False, "十进制度数，须与经度同时填写", 31.2989, 10),
    Column("longitude", "经度", ("lng", "lon", "longitude"),
           False, "十进制度数，须与纬度同时填写", 120.5853, 10),
)

BY_KEY = {column.key: column for column in COLUMNS}
REQUIRED = tuple(column for column in COLUMNS if column.required)

# Columns that many offices keep and that carry nothing to import; ignored without a warning.
SILENTLY_IGNORED = {normalise_key(h) for h in ("序号", "No.", "No", "#")}

_HEADER_INDEX: dict[str, str] = {}
for _column in COLUMNS:
    for _name in (_column.header, _column.key, *_column.aliases):
        _HEADER_INDEX[normalise_key(_name)] = _column.key


def header_key(header: object) -> str | None:
    """The column a header names, tolerant of spaces, full-width brackets and a required-mark *."""
    if header is None:
        return None
    return _HEADER_INDEX.get(normalise_key(str(header)).strip("*"))


MANAGEMENT_TYPE_WORDS: dict[ManagementType, tuple[str, ...]] = {
    ManagementType.PROFESSIONAL: ("专业物业服务", "专业物业", "专业化物业服务", "物业服务企业管理",
                                  "物业公司管理", "professional"),
    ManagementType.UNIT_SELF: ("单位后勤自管", "单位自管", "后勤自管", "单位后勤管理", "unit_self",
                               "unit self"),
    ManagementType.OWNER_SELF: ("业主自管", "业主自治", "自治管理", "owner_self", "owner self"),
    ManagementType.FALLBACK: ("兜底", "兜底/无物业", "无物业", "社区兜底", "街道兜底", "fallback"),
}
COMMITTEE_WORDS: dict[CommitteeStatus, tuple[str, ...]] = {
    CommitteeStatus.OWNERS_COMMITTEE: ("已成立", "已成立业主委员会", "业主委员会", "有", "是",
                                       "owners_committee", "owners committee"),
    CommitteeStatus.TEMPORARY_COMMITTEE: ("临时管委会", "临时管理委员会", "物业管理委员会", "管委会",
                                          "temporary_committee", "temporary committee"),
    CommitteeStatus.NONE: ("未成立", "无", "否", "没有", "none"),
}
MANAGEMENT_TYPE_LABELS = {kind: words[0] for kind, words in MANAGEMENT_TYPE_WORDS.items()}
COMMITTEE_LABELS = {status: words[0] for status, words in COMMITTEE_WORDS.items()}


def _index(words: dict) -> dict[str, object]:
    return {normalise_key(word): member for member, options in words.items() for word in options}


MANAGEMENT_TYPE_INDEX = _index(MANAGEMENT_TYPE_WORDS)
COMMITTEE_INDEX = _index(COMMITTEE_WORDS)

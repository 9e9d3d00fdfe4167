"""Turning the bytes of an .xlsx or .csv ledger into a header and numbered rows.

The kind of file is told by its content, not its name: operators rename files, and a
password-protected workbook or an old .xls saved as .xlsx should get an error that says so.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from server.domain.ledger.cells import is_blank
from server.domain.ledger.columns import header_key
from server.domain.xlsx_limits import XlsxLimits, XlsxTooLarge, bounded_rows, open_bounded_workbook

MAX_BYTES = 50 * 1024 * 1024
MAX_ROWS = 50_000
# A title row such as “某某区住宅小区基础台账” often sits above the header.
HEADER_SEARCH_ROWS = 10
# Room for the title, the header and blank rows around MAX_ROWS data rows; a ledger has about
# 20 columns, so 100 leaves space for an office's own extra ones.
XLSX_LIMITS = XlsxLimits(max_rows=MAX_ROWS + 1_000, max_cols=100)

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# An Office file with an open password is an OLE container holding this stream.
_ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")

LedgerSource = str | os.PathLike | bytes | IO[bytes]


class LedgerFileError(ValueError):
    """The file as a whole cannot be read; the message is one line for the operator."""


@dataclass
class LedgerTable:
    source: str
    kind: str  # "xlsx" or "csv"
    header_row: int
    headers: list[str]
    rows: list[tuple[int, list[Any]]] = field(default_factory=list)  # (spreadsheet row, cells)
    sheet: str | None = None
    encoding: str | None = None


def read_ledger(source: LedgerSource, filename: str | None = None) -> LedgerTable:
    """Read the first sheet (or CSV) that has a recognisable header."""
    data, name = _read_bytes(source, filename)
    if not data.strip():
        raise LedgerFileError("文件是空的 (the file is empty)")
    if data.startswith(_ZIP_MAGIC):
        return _read_xlsx(data, name)
    if data.startswith(_OLE_MAGIC):
        if _ENCRYPTED_STREAM in data:
            raise LedgerFileError("Excel文件设置了打开密码，请在Excel中取消密码后再导入 "
                                  "(the workbook is password-protected)")
        raise LedgerFileError("这是旧版Excel(.xls)文件，请在Excel中另存为.xlsx后再导入 "
                              "(old .xls format: save as .xlsx)")
    suffix = Path(name).suffix.lower()
    if suffix in {".xlsx", ".xlsm"}:
        raise LedgerFileError("文件扩展名是.xlsx，但内容不是Excel工作簿（文件可能已损坏） "
                              "(not a valid .xlsx workbook)")
    if suffix not in {".csv", ".txt", ".tsv", ""}:
        raise LedgerFileError(f"不支持{suffix}文件，请使用.xlsx或.csv (only .xlsx and .csv are supported)")
    return _read_csv(data, name)


def _read_bytes(source: LedgerSource, filename: str | None) -> tuple[bytes, str]:
    if isinstance(source, bytes):
        return source[: MAX_BYTES + 1], filename or "ledger"
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        try:
            if path.stat().st_size > MAX_BYTES:
                raise LedgerFileError(_too_big())
            return path.read_bytes(), filename or path.name
        except FileNotFoundError:
            raise LedgerFileError("找不到文件 (file not found)") from None
        except IsADirectoryError:
            raise LedgerFileError("这是一个文件夹，不是文件 (a directory)") from None
        except PermissionError:
            raise LedgerFileError("没有读取权限 (permission denied)") from None
    data = source.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise LedgerFileError(_too_big())
    return data, filename or getattr(source, "name", None) or "ledger"


def _too_big() -> str:
    return f"文件超过{MAX_BYTES // 1024 // 1024}MB，请拆分后导入 (file too large)"


def _read_xlsx(data: bytes, name: str) -> LedgerTable:
    try:
        workbook = open_bounded_workbook(data, XLSX_LIMITS)
    except XlsxTooLarge as exc:
        raise LedgerFileError(str(exc)) from None
    except Exception as exc:  # zipfile, XML and openpyxl errors all mean the same to an operator
        raise LedgerFileError(_corrupt_xlsx(exc)) from None
    try:
        saw_data = False
        for sheet in workbook.worksheets:
            table, sheet_has_data = _table_from_rows(bounded_rows(sheet, XLSX_LIMITS), name, "xlsx")
            if table is not None:
                table.sheet = sheet.title
                return _with_rows(table)
            saw_data = saw_data or sheet_has_data
    except LedgerFileError:
        raise
    except XlsxTooLarge as exc:
        raise LedgerFileError(str(exc)) from None
    except Exception as exc:
        raise LedgerFileError(_corrupt_xlsx(exc)) from None
    finally:
        workbook.close()
    if not saw_data:
        raise LedgerFileError("工作簿中没有任何数据 (the workbook is empty)")
    raise LedgerFileError(_no_header())


def _corrupt_xlsx(exc: Exception) -> str:
    detail = "不是有效的压缩包" if isinstance(exc, zipfile.BadZipFile) else type(exc).__name__
    return f"Excel文件已损坏或不是有效的.xlsx，无法打开（{detail}） (corrupt or invalid .xlsx)"


def _no_header() -> str:
    return (f"前{HEADER_SEARCH_ROWS}行中找不到表头：应有“小区名称”“所属社区”“管理类型”等列 "
            "(no header row found)")


def _table_from_rows(rows, name: str, kind: str) -> tuple[LedgerTable | None, bool]:
    """Find the header in the first rows, then collect the non-blank rows below it.

    Also says whether anything at all was written in the rows looked at.
    """
    iterator = iter(rows)
    saw_data = False
    for number, cells in enumerate(iterator, start=1):
        if number > HEADER_SEARCH_ROWS:
            return None, saw_data
        saw_data = saw_data or not all(is_blank(c) for c in cells)
        if sum(1 for cell in cells if header_key(cell)) >= 2:
            headers = ["" if is_blank(c) else str(c).strip() for c in cells]
            table = LedgerTable(source=name, kind=kind, header_row=number, headers=headers)
            break
    else:
        return None, saw_data
    width = len(headers)
    for number, cells in enumerate(iterator, start=table.header_row + 1):
        if all(is_blank(c) for c in cells):
            continue
        if len(table.rows) >= MAX_ROWS:
            raise LedgerFileError(f"数据超过{MAX_ROWS}行，请拆分后导入 (more than {MAX_ROWS} rows)")
        values = list(cells[:width]) + [None] * (width - len(cells))
        table.rows.append((number, values))
    return table, True


def _read_csv(data: bytes, name: str) -> LedgerTable:
    text, encoding = _decode(data)
    if "\x00" in text:
        raise LedgerFileError("文件不是文本格式的CSV (not a text CSV file)")
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max("\t,;", key=first_line.count)
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        table, _ = _table_from_rows(reader, name, "csv")
    except csv.Error as exc:
        raise LedgerFileError(f"CSV格式错误：{exc} (malformed CSV)") from None
    if table is None:
        raise LedgerFileError(_no_header())
    table.encoding = encoding
    return _with_rows(table)


def _with_rows(table: LedgerTable) -> LedgerTable:
    if not table.rows:
        raise LedgerFileError(f"第{table.header_row}行是表头，但下面没有任何数据 (no rows below the header)")
    return table


def _decode(data: bytes) -> tuple[str, str]:
    """UTF-8 (with or without BOM), UTF-16 with BOM (Excel's “Unicode text”), else GB18030.

    Excel on Chinese Windows saves “CSV (逗号分隔)” in the ANSI code page, which is GBK; GB18030
    is its superset. Valid GBK text of any length is almost never valid UTF-8, so trying UTF-8
    first is a reliable test.
    """
    if data.startswith(codecs.BOM_UTF8):
        candidates = ["utf-8-sig"]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ["utf-16"]
    else:
        candidates = ["utf-8", "gb18030"]
    for encoding in candidates:
        try:
            return data.decode(encoding), {"utf-8-sig": "UTF-8-BOM"}.get(encoding, encoding.upper())
        except UnicodeDecodeError:
            continue
    raise LedgerFileError("无法识别文件编码（不是UTF-8也不是GB18030），请在Excel中另存为“CSV UTF-8” "
                          "(unknown text encoding)")

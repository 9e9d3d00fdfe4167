"""An uploaded .xlsx cannot exhaust the server: inflated size, declared dimension and the rows
and columns actually read are bounded, and each refusal is a readable message."""

from __future__ import annotations

import io
import re
import zipfile
from types import SimpleNamespace

import pytest

from server.domain.models import Role
from server.domain.xlsx_limits import XlsxLimits, XlsxTooLarge, bounded_rows, open_bounded_workbook
from server.extensions import db
from tests import factories
from tests.web_support import login, token_from

SHEET = "xl/worksheets/sheet1.xml"


def rewritten(data: bytes, member: str, change) -> bytes:
    """The same .xlsx with one member's XML passed through `change`."""
    out = io.BytesIO()
    with (zipfile.ZipFile(io.BytesIO(data)) as source,
          zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target):
        for info in source.infolist():
            body = source.read(info.filename)
            if info.filename == member:
                body = change(body.decode()).encode()
            target.writestr(info.filename, body)
        if member not in source.namelist():
            target.writestr(member, change(""))
    return out.getvalue()


@pytest.fixture
def small_ledger(app_ctx):
    office = factories.office()
    communities = factories.community_tree(office, streets=1, communities_per_street=2)
    return factories.ledger_xlsx(factories.ledger_rows(communities, 3))


def with_cell_at(data: bytes, ref: str, row: int) -> bytes:
    cell = f'<row r="{row}"><c r="{ref}" t="inlineStr"><is><t>远处</t></is></c></row>'
    return rewritten(data, SHEET, lambda xml: xml.replace("</sheetData>", cell + "</sheetData>"))


def declaring(data: bytes, ref: str) -> bytes:
    dimension = f'<dimension ref="{ref}"'
    return rewritten(data, SHEET, lambda xml: re.sub(r'<dimension ref="[^"]+"', dimension, xml))


def rows_of(data: bytes, limits: XlsxLimits) -> list[tuple]:
    workbook = open_bounded_workbook(data, limits)
    try:
        return list(bounded_rows(workbook.worksheets[0], limits))
    finally:
        workbook.close()


def test_a_workbook_within_bounds_reads_every_row(small_ledger):
    rows = rows_of(small_ledger, XlsxLimits(max_rows=10, max_cols=30))
    assert len(rows) == 4 and rows[0][0] == factories.ledger_headers()[0]


def test_shared_strings_that_inflate_past_the_bound_are_refused_unread(small_ledger):
    # 40 MB of text that deflates to a few tens of kilobytes: a "zip bomb" in the strings table.
    text = '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>'
    text += "巡" * (14 * 1024 * 1024) + "</t></si></sst>"
    bomb = rewritten(small_ledger, "xl/sharedStrings.xml", lambda xml: text)
    assert len(bomb) < 1024 * 1024
    with pytest.raises(XlsxTooLarge, match="sharedStrings.xml"):
        open_bounded_workbook(bomb, XlsxLimits())


def test_all_members_together_are_bounded(small_ledger):
    with pytest.raises(XlsxTooLarge, match="解压后"):
        open_bounded_workbook(small_ledger, XlsxLimits(max_unzipped_bytes=1024))


def test_a_declared_dimension_past_the_bound_is_refused(small_ledger):
    huge = declaring(small_ledger, "A1:XFD1048576")
    with pytest.raises(XlsxTooLarge, match="1048576行×16384列"):
        rows_of(huge, XlsxLimits())


def test_data_past_the_last_row_or_column_read_is_refused(small_ledger):
    # The dimension is left small, as a crafted file would: the bound holds on what is read.
    with pytest.raises(XlsxTooLarge, match="超过10行"):
        rows_of(with_cell_at(small_ledger, "A1048576", 1048576), XlsxLimits(max_rows=10, max_cols=30))
    with pytest.raises(XlsxTooLarge, match="第5行"):
        rows_of(with_cell_at(small_ledger, "XFD5", 5), XlsxLimits(max_rows=10, max_cols=30))


def test_blank_rows_past_the_bound_are_left_unread(small_ledger):
    blank = '<row r="5000"><c r="AZ5000" s="1"/></row><row r="1048576"/>'
    padded = rewritten(small_ledger, SHEET, lambda xml: xml.replace("</sheetData>", blank + "</sheetData>"))
    assert rows_of(padded, XlsxLimits(max_rows=10, max_cols=30)) == rows_of(small_ledger, XlsxLimits())


@pytest.fixture
def supervisor_ledger(app, tmp_path):
    app.config["LEDGER_UPLOAD_DIR"] = str(tmp_path / "ledger-uploads")
    with app.app_context():
        office = factories.office()
        communities = factories.community_tree(office, streets=1, communities_per_street=2)
        user = factories.user(office, Role.SUPERVISOR)
        data = factories.ledger_xlsx(factories.ledger_rows(communities, 3))
        db.session.commit()
        return SimpleNamespace(username=user.username, data=data)


def upload(client, data: bytes):
    return client.post("/ledger/check", data={"csrf_token": token_from(client, "/ledger"),
                                              "file": (io.BytesIO(data), "台账.xlsx")},
                       content_type="multipart/form-data")


def test_the_ledger_page_refuses_a_bomb_with_a_readable_message(client, supervisor_ledger):
    login(client, supervisor_ledger.username)
    huge = declaring(supervisor_ledger.data, "A1:ALL200000")
    reply = upload(client, huge)
    page = reply.get_data(as_text=True)
    assert reply.status_code == 400 and "200000行×1000列" in page and "请删除多余的空行空列" in page
    far = upload(client, with_cell_at(supervisor_ledger.data, "A1048576", 1048576))
    assert far.status_code == 400 and "超过51000行" in far.get_data(as_text=True)
    assert upload(client, supervisor_ledger.data).status_code == 200  # the real ledger still passes

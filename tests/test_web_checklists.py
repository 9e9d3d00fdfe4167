"""检查标准 pages over HTTP: an admin imports a workbook (a bad one is listed row by row and
writes nothing), edits a draft item, publishes it (then frozen), copies it to a new draft and
exports it back to Excel."""

from __future__ import annotations

import io

import openpyxl
import pytest
import sqlalchemy as sa

from server.domain.models import ChecklistTemplate, Role, TemplateStatus
from server.extensions import db
from tests import factories
from tests.web_support import login, token_from


@pytest.fixture
def admin(make):
    office = make.office()
    user = make.user(office, Role.ADMIN)
    db.session.commit()
    return user.username


def _upload(client, data: bytes, name: str = "标准.xlsx", **form):
    return client.post("/checklists/import", data={
        "csrf_token": token_from(client, "/checklists"), "file": (io.BytesIO(data), name), **form},
        content_type="multipart/form-data")


def test_a_bad_workbook_is_listed_row_by_row_and_writes_nothing(client, admin):
    login(client, admin)
    rows = factories.checklist_rows(2, 10)
    rows[3][4] = "五"
    rows[6][1] = rows[2][1]
    response = _upload(client, factories.checklist_xlsx(rows))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "未写入任何数据" in page and "E5" in page and "应为整数" in page and "编号与第4行重复" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ChecklistTemplate)) == 0
    broken = _upload(client, b"not a workbook", "x.xlsx")
    assert broken.status_code == 400 and "须是.xlsx文件" in broken.get_data(as_text=True)


def test_import_edit_publish_copy_and_export(client, admin):
    login(client, admin)
    response = _upload(client, factories.checklist_xlsx(factories.checklist_rows(3, 12)), name="区标准")
    assert response.status_code == 302
    page_url = response.headers["Location"]
    page = client.get(page_url).get_data(as_text=True)
    assert "区标准" in page and "草稿" in page and "12个检查项" in page
    draft = db.session.scalars(sa.select(ChecklistTemplate)).one()
    item = draft.items[0]
    form = {"csrf_token": token_from(client, page_url), "code": "1.1", "text": "消防通道畅通",
            "category": "消防通道占用", "points": "abc", "severity": "严重", "days": "1", "photo": "是",
            "guidance": ""}
    edit_url = f"/checklists/{draft.id}/items/{item.id}"
    refused = client.post(edit_url, data=form, follow_redirects=True).get_data(as_text=True)
    assert "未保存" in refused and "分值：应为整数" in refused
    client.post(edit_url, data={**form, "points": "4"})
    db.session.expire_all()
    assert (item.text, item.points) == ("消防通道畅通", 4)

    token = token_from(client, page_url)
    assert "请勾选确认" in client.post(f"/checklists/{draft.id}/publish", data={"csrf_token": token},
                                     follow_redirects=True).get_data(as_text=True)
    client.post(f"/checklists/{draft.id}/publish", data={"csrf_token": token, "confirm": "yes"})
    db.session.expire_all()
    assert draft.status == TemplateStatus.PUBLISHED
    frozen = client.post(edit_url, data={**form, "points": "5"}, follow_redirects=True).get_data(as_text=True)
    assert "已发布，不能修改" in frozen

    copied = client.post(f"/checklists/{draft.id}/copy", data={"csrf_token": token_from(client, page_url)})
    assert copied.status_code == 302
    again = client.post(f"/checklists/{draft.id}/copy", data={"csrf_token": token_from(client, page_url)},
                        follow_redirects=True).get_data(as_text=True)
    assert "已有第2版草稿" in again
    assert [t.version for t in db.session.scalars(sa.select(ChecklistTemplate))] in ([1, 2], [2, 1])

    exported = client.get(f"/checklists/{draft.id}/export.xlsx")
    assert exported.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(exported.data))["检查标准"]
    assert [c.value for c in sheet[2]][:5] == ["第1部分 分项1", "1.1", "消防通道畅通", "消防通道占用", 4]
    assert client.get("/checklists/template.xlsx").status_code == 200

"""The printed notice: an A4 PDF in Chinese, parsed back to check what it says."""

from __future__ import annotations

import hashlib
import io
import os
from datetime import datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from server.documents import render_notice_pdf
from server.domain.models import Photo, PhotoLink, PhotoRole, Role
from server.domain.rectification import issue_notice
from server.extensions import db

MONDAY = datetime(2026, 3, 2, 2, 0)


def add_evidence(finding, data: bytes) -> str:
    sha = hashlib.sha256(data).hexdigest()
    if db.session.get(Photo, sha) is None:
        db.session.add(Photo(sha256=sha, size=len(data), stored=True))
    db.session.add(PhotoLink(photo_sha256=sha, role=PhotoRole.EVIDENCE, finding_id=finding.id,
                             region_code=finding.region_code))
    db.session.flush()
    return sha


@pytest.fixture
def notice_with_photos(make):
    office = make.office(name="测试市住房和城乡建设局", short_name="测住建",
                         legal_basis="《物业管理条例》第四十六条：物业服务企业应当协助做好物业管理区域内的安全防范工作。")
    tree = make.region_tree(office)
    company = make.company(office, name="阳光物业服务有限公司")
    estate = make.estate(tree["community"], company, name="阳光花园")
    supervisor = make.user(office, Role.SUPERVISOR)
    categories = ["消防通道占用", "飞线充电", "楼道堆放杂物", "电梯维保不及时", "收支未公示"]
    findings, photos = [], {}
    for n in range(10):
        finding = make.finding(estate, category=categories[n % 5], location=f"{n + 1}栋1单元",
                               description=f"第{n + 1}号问题描述", found_at=MONDAY)
        for k in range(2):
            data = make.jpeg_bytes(1600, 1200, seed=n * 2 + k)
            photos[add_evidence(finding, data)] = data
        findings.append(finding)
    notice = issue_notice(estate, findings, supervisor, now=MONDAY)
    return notice, findings, photos


def test_notice_pdf_has_the_number_every_finding_and_the_legal_basis(notice_with_photos):
    notice, findings, photos = notice_with_photos
    pdf = render_notice_pdf(notice, photos.get)
    if os.environ.get("XUNCHA_KEEP_PDF"):  # to look at it: pdftoppm -png -r 60 $XUNCHA_KEEP_PDF out
        Path(os.environ["XUNCHA_KEEP_PDF"]).write_bytes(pdf)
    reader = PdfReader(io.BytesIO(pdf))
    text = "".join(page.extract_text() for page in reader.pages).replace(" ", "").replace("\n", "")
    assert reader.pages[0].mediabox.width == pytest.approx(595.28, abs=1)  # A4
    assert "整改通知书" in text and "〔2026〕第0001号" in text
    assert "测试市住房和城乡建设局" in text and "阳光物业服务有限公司" in text and "阳光花园" in text
    assert "物业管理条例》第四十六条" in text
    for finding in findings:
        assert finding.description in text
    assert "2026年3月9日前" in text  # major: 7 calendar days
    # WeasyPrint shares one resource dictionary between pages, so count distinct images.
    images = {hashlib.sha256(image.data).hexdigest() for page in reader.pages for image in page.images}
    assert len(images) == 20
    assert len(pdf) < 5 * 1024 * 1024

"""The estate page prints as a one-page PDF history (WeasyPrint), with before/after photos."""

from __future__ import annotations

import io
import uuid

import pytest
from pypdf import PdfReader

from server.documents.estate_pdf import render_estate_pdf
from server.domain.models import Estate
from server.extensions import db
from tests import factories as make
from tests.dashboard_city import NOW, build_city
from tests.web_support import login


@pytest.fixture
def city(app):
    app.config["CLOCK"] = lambda: NOW
    with app.app_context():
        return build_city()


def test_the_estate_history_is_one_page_with_its_photos(app, city):
    f = city["findings"]
    shots = {"b1": make.jpeg_bytes(seed=1), "a1": make.jpeg_bytes(seed=2)}
    with app.app_context():
        estate = db.session.get(Estate, uuid.UUID(city["estates"][0]))
        photos = {uuid.UUID(f["closed"]): {"before": ["b1"], "after": ["a1"]}}
        pdf = PdfReader(io.BytesIO(render_estate_pdf(estate, photos, NOW, read_photo=shots.get)))
    assert len(pdf.pages) == 1
    text = pdf.pages[0].extract_text()
    assert "阳光花园" in text and "整改前" in text and "整改后" in text and "已过期限 30 天" in text
    assert len(pdf.pages[0].images) == 2  # the closed finding's before and after


def test_the_estate_pdf_is_served_to_its_district_only(client, city):
    login(client, city["supervisor"])
    response = client.get(f"/estates/{city['estates'][0]}/pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert len(PdfReader(io.BytesIO(response.data)).pages) == 1
    client.post("/logout")
    login(client, city["far"])
    assert client.get(f"/estates/{city['estates'][0]}/pdf").status_code == 404

"""公开 The assessment results an office has published, for anyone, without a login: red and
black lists (page and PDF) and star ratings. Only names of estates and companies, figures and
reasons appear: no inspector, no complainant, no resident, no contact person, no photo."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Response, abort, render_template

from server.documents.red_black_pdf import red_black_pdf
from server.domain import assessment
from server.domain.assessment import runs as assessment_runs
from server.domain.models import AssessmentRun, Office
from server.domain.periods import Period, PeriodError
from server.domain.pinyin_sort import by_pinyin
from server.extensions import db
from server.web import bp
from server.web.helpers import get_or_404


def _published(office_id: str, period_key: str) -> tuple[Office, Period, AssessmentRun]:
    office = get_or_404(Office, office_id)
    try:
        period = Period.parse(period_key)
    except PeriodError:
        abort(404)
    run = assessment_runs.public_run(db.session, office.id, period)
    if run is None:
        abort(404)  # not published (or withdrawn): as if it did not exist
    return office, period, run


@bp.get("/public/assessment")
def public_assessment():
    """考核结果公开: every office's published periods, newest first."""
    office_ids = db.session.scalars(sa.select(AssessmentRun.office_id).distinct()).all()
    offices = by_pinyin(db.session.scalars(sa.select(Office).where(Office.id.in_(office_ids))),
                        lambda office: office.name)
    published = [(o, assessment_runs.published_periods(db.session, o.id)) for o in offices]
    return render_template("web/public/assessment.html", published=[(o, p) for o, p in published if p])


@bp.get("/public/assessment/<office_id>/<period_key>")
def public_red_black(office_id: str, period_key: str):
    office, period, run = _published(office_id, period_key)
    lists = assessment.red_black_lists(db.session, office.id, period, n=None, rule_set=run.rule_set)
    return render_template("web/public/red_black.html", office=office, period=period, lists=lists)


@bp.get("/public/assessment/<office_id>/<period_key>/red-black.pdf")
def public_red_black_pdf(office_id: str, period_key: str):
    office, period, run = _published(office_id, period_key)
    lists = assessment.red_black_lists(db.session, office.id, period, n=None, rule_set=run.rule_set)
    response = Response(red_black_pdf(office.name, lists), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f"inline; filename=red-black-{period.key}.pdf"
    return response


@bp.get("/public/assessment/<office_id>/<period_key>/stars")
def public_stars(office_id: str, period_key: str):
    office, period, run = _published(office_id, period_key)
    ratings = assessment.star_ratings(db.session, office.id, period, rule_set=run.rule_set)
    previous = assessment_runs.public_run(db.session, office.id, period.previous())
    before = ({r.estate_id: r.stars for r in assessment.star_ratings(db.session, office.id, period.previous(),
                                                                      rule_set=previous.rule_set)}
              if previous else {})
    return render_template("web/public/stars.html", office=office, period=period, ratings=ratings,
                           before=before, previous=period.previous() if previous else None)

"""A small two-district city for sync and access tests."""

from __future__ import annotations

from types import SimpleNamespace

from server.domain.models import Role
from server.extensions import db
from tests import factories as make


def build_small_city() -> SimpleNamespace:
    office = make.office()
    city = make.region(office, name="测试市")
    district_a = make.region(office, city, name="东区")
    district_b = make.region(office, city, name="西区")
    street_a = make.region(office, district_a, name="东街道")
    street_b = make.region(office, district_b, name="西街道")
    community_a1 = make.region(office, street_a, name="东一社区")
    community_a2 = make.region(office, street_a, name="东二社区")
    community_b = make.region(office, street_b, name="西一社区")
    company = make.company(office)
    template = make.template(office, sections=2, items_per_section=3)
    ns = SimpleNamespace(
        office=office, city=city, district_a=district_a, district_b=district_b,
        community_a1=community_a1, community_a2=community_a2, community_b=community_b,
        company=company, template=template,
        estate_a1=make.estate(community_a1, company, name="阳光花园"),
        estate_a2=make.estate(community_a2, company, name="和平小区"),
        estate_b=make.estate(community_b, company, name="西湖苑"),
        inspector_a=make.user(office, Role.INSPECTOR, region_id=district_a.id, username="insp_a"),
        inspector_a2=make.user(office, Role.INSPECTOR, region_id=district_a.id, username="insp_a2"),
        inspector_b=make.user(office, Role.INSPECTOR, region_id=district_b.id, username="insp_b"),
        supervisor=make.user(office, Role.SUPERVISOR, username="supervisor"),
        company_user=make.user(office, Role.COMPANY, company_id=company.id, username="company"),
    )
    db.session.commit()
    return ns

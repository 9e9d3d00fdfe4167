"""总览 Overview: the landing page of office staff, scoped to the user's area."""

from __future__ import annotations

from flask import render_template

from server.domain.dashboard.overview import build_overview
from server.domain.models import FIELD_ROLES
from server.web import bp
from server.web.charts import Series, columns, horizontal_bars
from server.web.helpers import me, now, roles_required


@bp.get("/overview")
@roles_required(*FIELD_ROLES)
def overview():
    """总览: figures, trends and the oldest overdue problems of my area."""
    view = build_overview(me(), now())
    weeks = [w.start.strftime("%m-%d") for w in view.weeks]
    charts = {
        "weeks": columns(weeks, [Series("新发现 found", [w.found for w in view.weeks], "c1"),
                                 Series("销号 closed", [w.closed for w in view.weeks], "c2")],
                         "每周新发现与销号 Found and closed by week", "t-weeks"),
        "categories": horizontal_bars(
            [c for c, _, _ in view.categories],
            [Series("未销号 open", [n for _, n, _ in view.categories], "c1"),
             Series("逾期 overdue", [o for _, _, o in view.categories], "c3")],
            "未销号问题按类别 Open findings by category", "t-categories"),
        "areas": horizontal_bars(
            [a.region.name for a in view.areas],
            [Series("未销号 open", [a.open for a in view.areas], "c1"),
             Series("逾期 overdue", [a.overdue for a in view.areas], "c3")],
            "各区域未销号与逾期 Open and overdue by area", "t-areas"),
    }
    return render_template("web/overview.html", view=view, charts=charts, user=me())

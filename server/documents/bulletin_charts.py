"""The bulletin's charts, drawn by the dashboard's SVG chart helpers (server.web.charts), for the
page and, as images, for the PDF."""

from __future__ import annotations

import base64

from markupsafe import Markup

from server.domain.bulletins.report import Bulletin

# The dashboard's colours (dashboard.css), written into each SVG for the PDF, where no page
# stylesheet reaches an image.
CHART_STYLE = ("<style>text{font-size:12px;fill:#1d2329;font-family:'Noto Sans CJK SC','WenQuanYi Micro Hei',"
               "sans-serif}.tick,.value{fill:#6b7785;font-size:11px}.grid{stroke:#e3e8ee;stroke-width:1}"
               ".c1{fill:#1f6feb}.c2{fill:#2e9e5b}.c3{fill:#d1452f}</style>")


TOP_CATEGORIES = 12  # the chart's bars; the table below it lists every category


def bulletin_charts(b: Bulletin) -> dict[str, Markup]:
    """name → SVG: problems found and rectified by district and by category, and by month for a
    quarter, half-year or year. Each names the table that holds its numbers."""
    # Imported here: server.web's package imports its views, one of which imports this module.
    from server.web.charts import Series, columns, horizontal_bars

    found_rectified = ("发现问题 found", "已整改销号 rectified")
    top = b.categories[:TOP_CATEGORIES]
    charts = {
        "districts": horizontal_bars(
            [d.region.name for d in b.districts],
            [Series(found_rectified[0], [d.counts["findings_found"] for d in b.districts], "c1"),
             Series(found_rectified[1], [d.counts["findings_rectified"] for d in b.districts], "c2")],
            "各区域发现与整改 Found and rectified by area", "t-main"),
        "categories": horizontal_bars(
            [c.category for c in top],
            [Series(found_rectified[0], [c.counts["findings_found"] for c in top], "c1"),
             Series(found_rectified[1], [c.counts["findings_rectified"] for c in top], "c2")],
            f"问题最多的{TOP_CATEGORIES}类 Top categories" if len(b.categories) > TOP_CATEGORIES
            else "问题按类别 Problems by category", "t-categories"),
    }
    if b.trend:
        charts["trend"] = columns(
            [f"{p.month.start.month}月" for p in b.trend],
            [Series("发现问题 found", [p.found for p in b.trend], "c1"),
             Series("本期销号 closed", [p.closed for p in b.trend], "c2")],
            "逐月发现与销号 Found and closed by month", "t-trend")
    return {name: svg for name, svg in charts.items() if svg}


def as_image_uri(svg: Markup) -> str:
    """The SVG as a data: URI with the chart colours inside it (for WeasyPrint's <img>)."""
    text = str(svg)
    head_end = text.index(">") + 1
    styled = text[:head_end] + CHART_STYLE + text[head_end:]
    return "data:image/svg+xml;base64," + base64.b64encode(styled.encode()).decode()

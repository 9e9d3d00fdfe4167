"""The bulletin as an A4 PDF in Chinese, rendered by WeasyPrint from the same tables as the
page and the XLSX, with the charts embedded as SVG images."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from server.documents.bulletin_charts import as_image_uri, bulletin_charts
from server.domain.bulletins.report import BULLETIN_KINDS_ZH, Bulletin
from server.domain.bulletins.tables import bulletin_tables
from server.domain.rectification.deadlines import local_time

_env = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                   autoescape=select_autoescape(["html"]))


def render_bulletin_html(b: Bulletin) -> str:
    made = local_time(b.generated_at)
    charts = {name: as_image_uri(svg) for name, svg in bulletin_charts(b).items()}
    return _env.get_template("bulletin.html").render(
        b=b, tables=bulletin_tables(b), charts=charts, kind_zh=BULLETIN_KINDS_ZH[b.period.kind],
        made=f"{made.year}年{made.month}月{made.day}日 {made:%H:%M}")


def render_bulletin_pdf(b: Bulletin) -> bytes:
    from weasyprint import HTML  # imported here: it loads Pango, which only this needs

    return HTML(string=render_bulletin_html(b), base_url=str(Path(__file__).parent)).write_pdf()

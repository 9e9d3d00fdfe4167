"""The red and black lists (红黑榜) of one period as an A4 PDF in Chinese, for publishing:
names, figures and reasons only, no person (the same rows as the public page)."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from server.domain.assessment import RedBlackLists

_env = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                   autoescape=select_autoescape(["html"]))


def red_black_pdf(office_name: str, lists: RedBlackLists) -> bytes:
    html = _env.get_template("red_black.html").render(office_name=office_name, lists=lists)
    from weasyprint import HTML  # imported here: it loads Pango, which only documents need

    return HTML(string=html, base_url=str(Path(__file__).parent)).write_pdf()

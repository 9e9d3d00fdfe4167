"""Printable documents: the rectification notice (整改通知书) as an A4 PDF."""

from server.documents.notice_pdf import render_notice_html, render_notice_pdf

__all__ = ["render_notice_html", "render_notice_pdf"]

"""Headers that every answer carries, pages and API alike (docs/security.md).

The pages load scripts and styles only from this server (no inline script or style anywhere),
so the policy can forbid everything else; photos and thumbnails come from here too. Framing is
refused, so no other site can lay the dashboard under a decoy (clickjacking).
"""

from __future__ import annotations

from flask import Flask, Response

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "img-src 'self' data:",  # data: for the small inline icons browsers make of SVG/CSS
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def install_security_headers(app: Flask) -> None:
    @app.after_request
    def _add_security_headers(response: Response) -> Response:
        # One pass over the headers there are (setdefault looked through them once per name).
        present = {name.lower() for name, _value in response.headers}
        response.headers.extend([(name, value) for name, value in SECURITY_HEADERS.items()
                                 if name.lower() not in present])
        return response

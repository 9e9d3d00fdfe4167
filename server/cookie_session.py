"""The signed-cookie session, opened only for a request that carries its cookie.

Flask builds the cookie's signing serializer before it looks for the cookie; a tablet's API
request never has one, and paid for the serializer (about a tenth of a millisecond) anyway.
"""

from __future__ import annotations

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface


class CookieSessionInterface(SecureCookieSessionInterface):
    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if app.secret_key and self.get_cookie_name(app) not in request.cookies:
            return self.session_class()  # what Flask gives a request without the cookie
        return super().open_session(app, request)

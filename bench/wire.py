"""Counting requests and the bytes they put on the wire, for the bench scripts."""

from __future__ import annotations

import requests


class Wire:
    """Counts requests and the HTTP bytes in each direction (request/status lines, headers and
    bodies as sent; TCP/IP framing not counted). A compressed answer counts as compressed."""

    def __init__(self, session: requests.Session, host: str) -> None:
        self.session, self.host = session, host
        self.requests = 0
        self.up = 0
        self.down = 0

    def send(self, method: str, url: str, **kwargs) -> requests.Response:
        reply = self.session.request(method, url, **kwargs)
        sent = reply.request
        head = f"{sent.method} {sent.path_url} HTTP/1.1\r\nHost: {self.host}\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in sent.headers.items()) + "\r\n"
        body = sent.body or b""
        self.up += len(head.encode()) + len(body if isinstance(body, bytes) else body.encode())
        status = f"HTTP/1.1 {reply.status_code} {reply.reason}\r\n"
        status += "".join(f"{k}: {v}\r\n" for k, v in reply.headers.items()) + "\r\n"
        length = reply.headers.get("Content-Length")
        self.down += len(status.encode()) + (int(length) if length else len(reply.content))
        self.requests += 1
        return reply

    def reset(self) -> None:
        self.requests = self.up = self.down = 0

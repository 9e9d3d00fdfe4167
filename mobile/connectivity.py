"""Can the tablet reach its server? One GET of /api/v1/health, answered in a few seconds.

A refused or timed-out connection is "offline"; an answer that is not the health JSON (a hotel or
office Wi-Fi login page, a 404 from some other web server, a redirect) is "wrong_server", so the
inspector is told to sign in to the Wi-Fi or check the address instead of "connection refused".
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    import requests

HEALTH_PATH = "/api/v1/health"
State = Literal["online", "offline", "wrong_server", "error"]


@dataclass(frozen=True)
class Reachability:
    state: State
    reason: str  # Chinese first, for the status bar; "" when online
    latency_ms: float | None = None
    change_seq: int | None = None  # the server's newest change number (online only)

    @property
    def online(self) -> bool:
        return self.state == "online"


def probe(server_url: str, timeout: float = 3.0, session: requests.Session | None = None) -> Reachability:
    """Ask the server's health endpoint; never raises."""
    import requests  # here: importing it costs the app's cold start ~0.3 s (see mobile/sync/transport.py)

    if not server_url or not server_url.startswith(("http://", "https://")):
        return Reachability("error", "服务器地址无效，应以 http:// 或 https:// 开头 (invalid server address)")
    started = time.monotonic()
    try:
        response = (session or requests).get(server_url.rstrip("/") + HEALTH_PATH, timeout=(timeout, timeout),
                                             allow_redirects=False)
    except requests.exceptions.ConnectTimeout:
        return Reachability("offline", "连接服务器超时，请检查网络 (connection timed out)")
    except requests.exceptions.ReadTimeout:
        return Reachability("error", "服务器没有应答，请稍后再试 (the server did not answer)")
    except requests.exceptions.InvalidURL:
        return Reachability("error", "服务器地址无效 (invalid server address)")
    except requests.RequestException:
        return Reachability("offline", "无法连接服务器，请检查网络或服务器地址 (server unreachable)")
    latency = (time.monotonic() - started) * 1000
    try:
        body = response.json() if "json" in response.headers.get("Content-Type", "") else None
    except ValueError:
        body = None
    if response.status_code == 200 and isinstance(body, dict) and body.get("status") == "ok":
        return Reachability("online", "", latency, body.get("change_seq"))
    if response.status_code >= 500 and isinstance(body, dict) and "error" in body:
        return Reachability("error", f"服务器暂时不可用 (server error {response.status_code})", latency)
    if response.is_redirect or body is None or response.status_code == 404:
        return Reachability("wrong_server", "该地址不是巡查服务器：可能需要先登录无线网络，或地址有误"
                                            f" (not the Xuncha server: HTTP {response.status_code})", latency)
    return Reachability("error", f"服务器应答异常 (unexpected answer: HTTP {response.status_code})", latency)

"""How the tablet reaches the server. The engine sees only this interface, so the phases hold
no HTTP and a different transport (another library, a USB cable) slots in.

Errors are sorted by what the engine should do: retry later (TransientError), stop and ask
for an update (PleaseUpdate), wipe (DeviceRevoked), re-pair (Unauthorized), or give up on this
request with a readable reason (RequestRefused).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Protocol

from shared_schema import SCHEMA_VERSION

if TYPE_CHECKING:
    import requests

SCHEMA_HEADER = "X-Xuncha-Schema"


class SyncError(Exception):
    code = "sync_error"

    def __init__(self, message: str, code: str | None = None, status: int | None = None,
                 retry_after: float | None = None, details: dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}
        if code:
            self.code = code
        self.status = status
        self.retry_after = retry_after


class TransientError(SyncError):
    """The network or the server had a bad moment; the same request later should work."""

    code = "transient"


class Offline(TransientError):
    """No connection could be made at all (refused, unreachable, connect timeout): the engine
    gives up at once instead of backing off for half a minute; the next trigger tries again."""

    code = "offline"


class PleaseUpdate(SyncError):
    code = "please_update"


class DeviceRevoked(SyncError):
    code = "device_revoked"


class Unauthorized(SyncError):
    code = "unauthorized"


class RequestRefused(SyncError):
    """A 4xx the tablet cannot fix by retrying."""


class Transport(Protocol):
    bytes_sent: int
    bytes_received: int

    def pair(self, payload: dict[str, Any]) -> dict[str, Any]: ...
    def health(self) -> dict[str, Any]: ...
    def pull(self, cursor: int, limit: int) -> dict[str, Any]: ...
    def bootstrap(self) -> Iterator[dict[str, Any]]: ...
    def push(self, body: dict[str, Any]) -> dict[str, Any]: ...
    def photo_status(self, sha256: str) -> tuple[int, bool, int | None]: ...
    def upload_photo(self, sha256: str, offset: int | None, chunk: bytes, total: int) -> tuple[int, bool]: ...
    def download_photo(self, sha256: str) -> bytes: ...


OFFLINE_MESSAGE = "无法连接服务器，请检查网络 (cannot reach the server)"


def _no_connection(exc: requests.RequestException) -> bool:
    """True when no TCP connection was made (as opposed to one that broke on the way)."""
    # requests is imported where it is used, not at the top: it is ~0.3 s of the app's cold start,
    # and nothing before the first sync (on a worker thread) needs it.
    import requests
    import urllib3

    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    if not isinstance(exc, requests.exceptions.ConnectionError):
        return False
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, urllib3.exceptions.NewConnectionError)


class HttpTransport:
    """The sync API over HTTP with requests. `timeout` is (connect, read) seconds: a server that
    is not there is known after the connect timeout, a slow link gets the read timeout."""

    def __init__(self, base_url: str, token: str | None = None,
                 timeout: tuple[float, float] = (3.0, 30.0), session: requests.Session | None = None) -> None:
        import requests

        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.session = session or requests.Session()
        self.bytes_sent = 0
        self.bytes_received = 0

    def close(self) -> None:
        """Close the pooled connections (the app does this when it stops or unpairs)."""
        self.session.close()

    # -- plumbing -----------------------------------------------------------------------------
    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {SCHEMA_HEADER: str(SCHEMA_VERSION), "Accept-Encoding": "gzip"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        headers.update(extra or {})
        return headers

    def _request(self, method: str, path: str, *, json_body: Any = None, data: bytes | None = None,
                 params: dict | None = None, headers: dict[str, str] | None = None,
                 stream: bool = False) -> requests.Response:
        import requests

        body = data
        extra = dict(headers or {})
        if json_body is not None:
            body = json.dumps(json_body, ensure_ascii=False, separators=(",", ":")).encode()
            extra["Content-Type"] = "application/json"
        try:
            response = self.session.request(
                method, self.base_url + path, data=body, params=params,
                headers=self._headers(extra), timeout=self.timeout, stream=stream,
            )
        except requests.RequestException as exc:
            if _no_connection(exc):
                raise Offline(OFFLINE_MESSAGE) from None
            raise TransientError(f"网络错误 (network error): {type(exc).__name__}: {exc}") from None
        self.bytes_sent += len(body or b"")
        if response.status_code >= 400:
            raise self._error(response)
        return response

    def _json(self, response: requests.Response) -> Any:
        import requests

        try:
            raw = response.content
        except requests.RequestException as exc:
            raise TransientError(f"应答中断 (reply cut off): {exc}") from None
        self.bytes_received += len(raw)
        try:
            return json.loads(raw)
        except ValueError:
            raise TransientError("应答不完整 (incomplete reply)") from None

    def _error(self, response: requests.Response) -> SyncError:
        import requests

        try:
            error = response.json().get("error", {})
        except (ValueError, AttributeError, requests.RequestException):
            error = {}
        code = error.get("code") or f"http_{response.status_code}"
        message = error.get("message") or response.reason or code
        status = response.status_code
        retry_after = None
        with contextlib.suppress(ValueError):
            retry_after = float(response.headers.get("Retry-After", ""))
        if status == 426 or code == "please_update":
            return PleaseUpdate(message, code, status)
        if code == "device_revoked":
            return DeviceRevoked(message, code, status)
        if status == 401 and code != "pairing_refused":
            return Unauthorized(message, code, status)
        if status >= 500 or status in (408, 429):
            return TransientError(message, code, status, retry_after)
        if code in ("body_incomplete", "body_length_mismatch"):
            return TransientError(message, code, status)  # the body was cut on the way
        return RequestRefused(message, code, status, details=error.get("details") or {})

    # -- the API ------------------------------------------------------------------------------
    def pair(self, payload: dict[str, Any]) -> dict[str, Any]:
        return self._json(self._request("POST", "/api/v1/devices/pair", json_body=payload))

    def health(self) -> dict[str, Any]:
        """The server's health answer ({status, change_seq}); cheap, and the first request of a sync."""
        return self._json(self._request("GET", "/api/v1/health"))

    def inbox(self) -> dict[str, Any]:
        """The user's reminders ({unread, reminders: [...]}, newest first) from /api/v1/inbox."""
        return self._json(self._request("GET", "/api/v1/inbox"))

    def mark_read(self, ids: list[str]) -> int:
        return int(self._json(self._request("POST", "/api/v1/inbox/read", json_body={"ids": ids}))["marked"])

    def pull(self, cursor: int, limit: int) -> dict[str, Any]:
        return self._json(self._request("GET", "/api/v1/sync/pull",
                                        params={"cursor": cursor, "limit": limit}))

    def bootstrap(self) -> Iterator[dict[str, Any]]:
        import requests

        response = self._request("GET", "/api/v1/sync/bootstrap", stream=True)
        try:
            for line in response.iter_lines():
                self.bytes_received += len(line) + 1
                if line:
                    try:
                        yield json.loads(line)
                    except ValueError:
                        raise TransientError("数据流不完整 (bootstrap stream cut off)") from None
        except requests.RequestException as exc:
            raise TransientError(f"数据流中断 (bootstrap stream cut off): {exc}") from None
        finally:
            response.close()

    def push(self, body: dict[str, Any]) -> dict[str, Any]:
        return self._json(self._request("POST", "/api/v1/sync/push", json_body=body))

    def photo_status(self, sha256: str) -> tuple[int, bool, int | None]:
        """(bytes the server holds, complete?, largest chunk it takes)."""
        status = self._json(self._request("GET", f"/api/v1/photos/{sha256}/upload"))
        return int(status.get("offset") or 0), bool(status.get("complete")), status.get("max_chunk")

    def upload_photo(self, sha256: str, offset: int | None, chunk: bytes, total: int) -> tuple[int, bool]:
        """Append a chunk at `offset` (None with no bytes: "all sent, finish now"); returns the
        server's (offset, complete). When the server's copy stands elsewhere (a reply was lost)
        its true offset comes back instead of an error."""
        if offset is None:
            content_range = f"bytes */{total}"
        else:
            content_range = f"bytes {offset}-{offset + len(chunk) - 1}/{total}"
        try:
            response = self._request(
                "PUT", f"/api/v1/photos/{sha256}/upload", data=chunk,
                headers={"Content-Type": "application/octet-stream", "Content-Range": content_range},
            )
        except RequestRefused as exc:
            if exc.code == "offset_mismatch" and exc.details.get("offset") is not None:
                return int(exc.details["offset"]), False
            raise
        status = self._json(response)
        return int(status.get("offset") or 0), bool(status.get("complete"))

    def download_photo(self, sha256: str) -> bytes:
        import requests

        response = self._request("GET", f"/api/v1/photos/{sha256}")
        try:
            data = response.content
        except requests.RequestException as exc:
            raise TransientError(f"下载中断 (download cut off): {exc}") from None
        self.bytes_received += len(data)
        return data

"""Pairing: a server address, then an inspector's name and password or a one-time code."""

from __future__ import annotations

from kivy.properties import BooleanProperty, StringProperty

from mobile.device import pair
from mobile.explain import explain
from mobile.sync.transport import HttpTransport
from mobile.ui.i18n import tr
from mobile.ui.screens import XunchaScreen


class PairingScreen(XunchaScreen):
    message = StringProperty("")
    busy = BooleanProperty(False)
    use_code = BooleanProperty(False)

    def show(self, **params) -> None:
        server = self.ids.server
        if not server.text:
            server.text = self.store.get_meta("server_url") or self.app.default_server
        self.busy = False

    def submit(self) -> None:
        url = self.ids.server.text.strip().rstrip("/")
        username, password = self.ids.username.text.strip(), self.ids.password.text
        code = self.ids.code.text.strip()
        if not url.startswith(("http://", "https://")):
            self.message = tr("请填写服务器地址，例如 http://192.168.1.10:5000")
            return
        if self.use_code and not code:
            self.message = tr("请填写配对码")
            return
        if not self.use_code and not (username and password):
            self.message = tr("请填写用户名和密码")
            return
        self.busy, self.message = True, tr("正在连接服务器…")
        store = self.store

        def work():
            transport = HttpTransport(url, timeout=(4.0, 20.0))
            if self.use_code:
                return pair(store, transport, code=code, server_url=url)
            return pair(store, transport, username=username, password=password, server_url=url)

        self.app.run_in("net", work, self._paired, self._refused)

    def _paired(self, reply: dict) -> None:
        self.busy = False
        self.message = ""
        self.ids.password.text = self.ids.code.text = ""
        user = reply.get("user") or {}
        self.app.toast(tr("已配对：{name}", name=user.get("display_name") or user.get("username") or ""))
        self.app.refresh_status()
        self.app.go("today")
        self.app.sync_now()

    def _refused(self, exc: BaseException) -> None:
        self.busy = False
        self.message = explain(exc)

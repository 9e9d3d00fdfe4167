"""XunchaApp: the font, the catalogue, the screens, the status bar and the background sync.

App-wide state lives here as Kivy properties the .kv rules bind to (`sync_state`,
`status_text`, `sync_fraction`, `pending`, `banner`, `lang`); everything else is asked of the
core, off the UI thread where it touches the network, many rows or photo bytes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.cache import Cache
from kivy.clock import Clock
from kivy.core.image import Image as CoreImage
from kivy.core.window import Window
from kivy.graphics.texture import Texture
from kivy.lang import Builder
from kivy.loader import Loader
from kivy.properties import NumericProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from mobile import APP_VERSION
from mobile.connectivity import probe
from mobile.device import http_transport
from mobile.explain import REVOKED, explain
from mobile.inbox import fetch_inbox
from mobile.photoqueue import PhotoQueue, Ticket
from mobile.reads import status_summary, today
from mobile.store import Store
from mobile.sync.engine import Progress, RetryPolicy, SyncBlocked, SyncEngine
from mobile.sync.transport import DeviceRevoked, TransientError
from mobile.timeutil import local_text
from mobile.ui import i18n
from mobile.ui.fonts import register_cjk_font
from mobile.ui.i18n import tr
from mobile.ui.platform.camera import Camera, default_camera
from mobile.ui.platform.notify import notify
from mobile.ui.text import human_bytes
from mobile.ui.worker import Worker

log = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent
THUMBNAILS_KEPT = 60
PROGRESS_EVERY = 0.2  # seconds between redraws of the sync's progress
PHASE_NAMES = {"bootstrap": "下载全部数据", "pull": "接收", "push": "发送", "photos": "上传照片",
               "waiting": "网络不稳，稍后重试"}


def _load_kv(path: Path) -> None:
    if str(path) not in Builder.files:  # a second app in one process (tests) reuses the rules
        Builder.load_file(str(path))


class AppRoot(BoxLayout):
    """Status bar and banner above the screen manager (see app.kv)."""


class XunchaApp(App):
    sync_state = StringProperty("unpaired")  # unpaired | offline | syncing | synced | waiting | error
    status_text = StringProperty("")
    sync_fraction = NumericProperty(-1)  # 0..1 while a sync shows progress, -1 hides the bar
    pending = NumericProperty(0)
    banner = StringProperty("")
    lang = StringProperty(i18n.current_language())
    last_toast = StringProperty("")
    title = "巡查 Xuncha"

    def __init__(self, home: str | Path, server_url: str = "", camera: Camera | None = None,
                 sync_interval: float = 300.0, probe_interval: float = 20.0, **kwargs: Any) -> None:
        # The font before any widget: every label, input and popup after this draws 汉字.
        self.font_path = register_cjk_font()
        super().__init__(**kwargs)
        self.home = Path(home)
        self.default_server = server_url
        self.camera = camera or default_camera()
        self.sync_interval, self.probe_interval = sync_interval, probe_interval
        self.worker = Worker()
        self.store: Store | None = None
        self.photo_queue: PhotoQueue | None = None
        self.version = APP_VERSION
        self.syncing = False
        self.reachable: bool | None = None
        self._last_error = ""
        self._offline_reason = ""
        self._progress: Progress | None = None
        self._progress_scheduled = False
        self.refresh_status = Clock.create_trigger(self._refresh_status, 0.2)

    # -- building -------------------------------------------------------------------------------
    def build(self) -> AppRoot:
        from mobile.ui.widgets import KV_FILE

        Window.clearcolor = (1, 1, 1, 1)
        # A blank placeholder while a thumbnail loads: Kivy's animated default is read from a
        # zip whose file it never closes.
        Loader.loading_image = CoreImage(Texture.create(size=(1, 1)))
        # Kivy keeps up to 500 loaded thumbnails and 1,000 textures for a minute, each thumbnail
        # with its decoded pixels and its texture (~0.6 MB at 320x240): scrolling through 1,000
        # photos held +150 MB. Two screens' worth is enough to scroll back without reloading;
        # of full-size photos (~15 MB each) a few.
        Cache.register("kv.loader", limit=THUMBNAILS_KEPT, timeout=30)
        Cache.register("kv.texture", limit=2 * THUMBNAILS_KEPT, timeout=30)
        Cache.register("kv.image", limit=8, timeout=30)
        for path in (HERE / "theme.kv", KV_FILE, HERE / "app.kv"):
            _load_kv(path)
        self.store = Store(self.home)
        self.worker.on_thread_exit(self.store.close)
        self.photo_queue = PhotoQueue(self.store, workers=1)
        language = self.store.get_meta("ui_language")
        if language in i18n.LANGUAGES:
            self.set_language(language)
        root = AppRoot()
        self.manager = root.ids.screens
        return root

    def on_start(self) -> None:
        self._refresh_status()
        if self.store.is_paired:
            self.go("today")
            self.announce_revisits()
            self.sync_now()
        else:
            self.go("pairing")
        Clock.schedule_interval(lambda _dt: self.sync_now(), self.sync_interval)
        Clock.schedule_interval(lambda _dt: self.probe(), self.probe_interval)

    def on_stop(self) -> None:
        if self.photo_queue:
            self.photo_queue.shutdown()
        self.worker.shutdown()
        if self.store:
            self.store.close()

    # -- navigation and messages ---------------------------------------------------------------
    def go(self, name: str, **params: Any) -> None:
        """Show a screen; `params` go to its `show(**params)` before it appears."""
        screen = self.screen(name)
        if hasattr(screen, "show"):
            screen.show(**params)
        self.manager.current = name

    def screen(self, name: str):
        """The screen called `name`, built (and its .kv read) the first time it is asked for: a
        cold start builds only the screen it opens, not all nine."""
        from mobile.ui.screens import screen_class

        manager = self.manager
        if not manager.has_screen(name):
            _load_kv(HERE / "screens" / f"{name}.kv")
            manager.add_widget(screen_class(name)(name=name))
        return manager.get_screen(name)

    def toast(self, text: str) -> None:
        from mobile.ui.widgets import toast

        toast(text)

    def fail(self, exc: BaseException) -> None:
        """The one way background errors reach the inspector: a readable toast."""
        log.info("action failed: %r", exc)
        self.toast(explain(exc))

    def run_in(self, lane: str, fn: Callable[[], Any], on_done: Callable[[Any], None] | None = None,
               on_error: Callable[[BaseException], None] | None = None) -> None:
        self.worker.run(fn, on_done, on_error or self.fail, lane=lane)

    def set_language(self, lang: str) -> None:
        i18n.set_language(lang)
        self.lang = lang
        if self.store is not None:
            self.run_in("store", lambda: self.store.set_meta("ui_language", lang))
        self._refresh_status()

    # -- photos ---------------------------------------------------------------------------------
    def capture(self, estate: str, location: str, attach: Callable[[Any], Any],
                on_done: Callable[[Any], None], key: str | None = None) -> None:
        """Camera → photo queue: processed and `attach(photo)`ed on the photo worker, then
        `on_done(attach's result)` on the UI thread. Errors become a toast."""
        queue, worker = self.photo_queue, self.worker

        def taken(path: str) -> None:
            self.toast(tr("正在处理照片…"))
            worker.begin()
            try:
                queue.submit(Path(path), attach=attach, estate=estate, location=location, key=key,
                             on_done=lambda t: worker.deliver(on_done, t.result),
                             on_error=lambda t: worker.deliver(self._photo_failed, t))
            except Exception as exc:  # noqa: BLE001 - queue full or shut down: say so, keep going
                worker.deliver(self.fail, exc)

        self.camera.take(taken, lambda: self.toast(tr("没有拍照")))

    def _photo_failed(self, ticket: Ticket) -> None:
        if ticket.error is not None:
            self.fail(ticket.error)

    # -- sync -----------------------------------------------------------------------------------
    def sync_now(self) -> bool:
        """Start a sync in the background unless one runs or the tablet is not paired."""
        if self.syncing or self.store is None or not self.store.is_paired:
            return False
        self.syncing = True
        self._last_error = ""
        self.sync_state = "syncing"
        self.sync_fraction = 0
        self.status_text = tr("正在同步…")
        store = self.store

        def sync_and_inbox():
            # The transport is made here on the network lane: making it imports requests.
            transport = http_transport(store, timeout=(3.0, 30.0))
            engine = SyncEngine(store, transport, on_progress=self._progress_from_sync,
                                retry=RetryPolicy(attempts=3, base=0.5, cap=4.0))
            report = engine.run()
            fetch_inbox(store, transport)  # the reminders Today shows; kept for offline
            return report

        self.worker.run(sync_and_inbox, self._sync_done, self._sync_failed, lane="net")
        return True

    def _progress_from_sync(self, progress: Progress) -> None:
        # Called on the sync thread, maybe hundreds of times a second: keep the latest and draw
        # it five times a second. Each change redraws the whole window, which in a software
        # renderer takes CPU the sync itself needs; nobody reads a counter faster than that.
        self._progress = progress
        if not self._progress_scheduled:
            self._progress_scheduled = True
            Clock.schedule_once(self._show_progress, PROGRESS_EVERY)

    def _show_progress(self, _dt: float) -> None:
        self._progress_scheduled = False
        progress = self._progress
        if progress is None or not self.syncing:
            return
        phase = tr(PHASE_NAMES.get(progress.phase, "正在同步…"))
        fraction, text = -1.0, phase
        if progress.phase == "waiting" and progress.seconds:
            text = tr("网络不稳，{s} 秒后重试", s=f"{progress.seconds:.0f}")
        elif progress.phase == "photos" and progress.bytes_total:
            fraction = min(progress.bytes_done / progress.bytes_total, 1.0)
            text = f"{phase} {human_bytes(progress.bytes_done)} / {human_bytes(progress.bytes_total)}"
        elif progress.total:
            fraction = min(progress.done / progress.total, 1.0)
            text = f"{phase} {progress.done}/{progress.total}"
        elif progress.bytes_done:
            text = f"{phase} · {human_bytes(progress.bytes_done)}"
        self.sync_fraction = fraction if fraction >= 0 else 0
        self.status_text = text

    def _sync_done(self, report) -> None:
        self.syncing = False
        self.reachable = True
        self.sync_fraction = -1
        if report.pushed.rejected:
            self.toast(tr("有 {n} 条记录被服务器拒绝，请在同步页查看", n=report.pushed.rejected))
        self._refresh_status()
        self.announce_revisits()
        self.refresh_screens()

    def _sync_failed(self, exc: BaseException) -> None:
        self.syncing = False
        self.sync_fraction = -1
        if isinstance(exc, DeviceRevoked):
            self.toast(REVOKED)
            self.banner = ""
            self.go("pairing")
        elif isinstance(exc, TransientError):
            self.reachable = False
        else:
            self._last_error = explain(exc)
            if not isinstance(exc, SyncBlocked):
                self.toast(self._last_error)
        self._refresh_status()
        self.refresh_screens()

    def probe(self) -> None:
        """Is the server there? When it comes back and something waits, sync at once."""
        if self.syncing or self.store is None or not self.store.is_paired:
            return
        url = self.store.get_meta("server_url") or ""

        def seen(reach) -> None:
            was = self.reachable
            self.reachable = reach.online
            self._offline_reason = reach.reason
            if reach.online and was is False and self.pending:
                self.sync_now()
            self._refresh_status()

        self.worker.run(lambda: probe(url), seen, lambda _exc: None, lane="probe")

    def _refresh_status(self, *_args: Any) -> None:
        store = self.store
        if store is None or self.syncing:
            return
        summary = status_summary(store)
        self.pending = summary.waiting
        if not summary.paired:
            self.sync_state, self.status_text = "unpaired", tr("未配对")
        elif summary.blocked:
            self.sync_state, self.status_text = "error", tr("应用版本过旧，请更新后再同步")
        elif self._last_error:
            self.sync_state, self.status_text = "error", self._last_error
        elif self.reachable is False:
            self.sync_state = "offline"
            self.status_text = tr("离线 · {n} 项待同步", n=self.pending) if self.pending else tr("离线")
            if self._offline_reason:
                self.status_text += f" · {self._offline_reason}"
        elif self.pending:
            self.sync_state = "waiting"
            self.status_text = tr("{n} 项待同步", n=self.pending)
        else:
            self.sync_state = "synced"
            last = local_text(summary.last_sync_at) if summary.last_sync_at else ""
            self.status_text = tr("已全部同步") + (f" · {last}" if last else "")
        if summary.rejected and self.sync_state != "error":
            self.status_text += " · " + tr("{n} 条被拒绝", n=summary.rejected)

    def refresh_screens(self) -> None:
        current = self.manager.current_screen
        if hasattr(current, "refresh"):
            current.refresh()

    def announce_revisits(self) -> None:
        """Banner (and an Android notification) for revisits due today or overdue."""
        store = self.store
        if store is None or not store.is_paired:
            self.banner = ""
            return
        due = [row.due_state for row in today(store).revisits_due]
        if not due:
            self.banner = ""
            return
        self.banner = tr("回头看：{o} 项已逾期，{t} 项今天到期", o=due.count("overdue"), t=due.count("today"))
        notify(tr("回头看提醒"), self.banner)

"""The real tablet app in a real window for tests: Kivy settings before Kivy loads, a server that
can be stopped and started on the same port, a folder camera, and the taps an inspector makes.

Import this module before anything that imports Kivy (the test modules do so first).
"""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path

from mobile.ui.kivyenv import prepare

prepare(tempfile.mkdtemp(prefix="xuncha-kivy-"))

import pytest  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from mobile.fieldday import camera_jpeg  # noqa: E402
from mobile.ui.app import XunchaApp  # noqa: E402
from mobile.ui.harness import Harness  # noqa: E402
from mobile.ui.i18n import tr  # noqa: E402
from mobile.ui.platform.camera import FolderCamera  # noqa: E402
from tests import factories  # noqa: E402


class RestartableServer:
    """The app served by werkzeug in a thread; `stop()` and `start()` keep the port, so a paired
    tablet finds it again, as after a server restart or a network cut."""

    def __init__(self, app) -> None:
        self.app = app
        self.port = 0
        self._server = None
        self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._server = make_server("127.0.0.1", self.port, self.app, threaded=True)
        self.port = self._server.server_port
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(5)
            self._server = None


@pytest.fixture
def ui_server(app):
    server = RestartableServer(app)
    yield server
    server.stop()


@pytest.fixture
def camera_dir(tmp_path) -> Path:
    """What the folder camera 'sees': two real camera-like JPEGs made with Pillow."""
    folder = tmp_path / "camera"
    folder.mkdir()
    for n in range(2):
        (folder / f"IMG_{n:04d}.jpg").write_bytes(camera_jpeg(40 + n, 1600, 1200))
    return folder


@pytest.fixture
def tablet(tmp_path, camera_dir):
    """The app, built and started in the window, on a fresh tablet home; timers far away so the
    test decides when to sync."""
    app = XunchaApp(tmp_path / "tablet", camera=FolderCamera(camera_dir), sync_interval=3600,
                    probe_interval=3600)
    harness = Harness.start(app)
    yield harness
    harness.stop()


# -- what an inspector does ---------------------------------------------------------------------

def pair(h: Harness, url: str, username: str, password: str = factories.PASSWORD) -> None:
    screen = h.screen("pairing")
    h.type_into(screen.ids.server, url)
    h.type_into(screen.ids.username, username)
    h.type_into(screen.ids.password, password)
    h.tap(screen.ids.pair_button)
    h.settle()


def wait_synced(h: Harness) -> None:
    h.settle()
    h.wait(lambda: not h.app.syncing, 60, "the sync to end")
    h.settle()


def start_inspection(h: Harness, estate_name: str) -> None:
    today = h.screen("today")
    h.type_into(today.ids.search, estate_name)
    h.frames(20)  # the search trigger waits 0.25 s of typing
    h.wait(lambda: today.ids.estates.data and today.ids.estates.data[0]["name"] == estate_name, 10,
           "the estate to be found")
    h.settle()
    h.tap(h.button(tr("开始检查"), today.ids.estates))
    h.settle()
    assert h.screen().name == "checklist"


def item_ids(h: Harness) -> list[str]:
    rows = h.screen("checklist").ids.item_list.data
    return [row["item_id"] for row in rows if row["viewclass"] == "ItemRow"]


def item_row(h: Harness, item_id: str):
    """The row widget of an item, scrolled into view first (a RecycleView holds only what shows)."""
    screen = h.screen("checklist")
    screen.scroll_to(screen._index[item_id])
    h.frames(3)
    return h.find(screen.ids.item_list, lambda w: type(w).__name__ == "ItemRow" and w.item_id == item_id)


def answer(h: Harness, item_id: str, label: str) -> None:
    h.tap(h.button(label, item_row(h, item_id)))
    h.settle()


def take_item_photo(h: Harness, item_id: str) -> None:
    h.tap(h.button(tr("拍照"), item_row(h, item_id)))
    h.settle()


def run_inspection(h: Harness, item_ids: list[str], fail: str) -> None:
    """Pass every item but `fail`, which fails with one photo; then finish."""
    for item_id in item_ids:
        answer(h, item_id, tr("不合格") if item_id == fail else tr("合格"))
        if item_id == fail:
            take_item_photo(h, item_id)
    checklist = h.screen("checklist")
    h.tap(checklist.ids.finish_button)
    h.settle()
    finish = h.screen("finish")
    assert finish.finishable, finish.missing
    h.tap(finish.ids.finish_button)
    h.settle()

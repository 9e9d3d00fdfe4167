"""Screenshots of every tablet screen against a running server (scripts/screens.sh runs it twice:
landscape 1280×800 and portrait 800×1280). The app is driven by taps like a user's, with photos
from a folder camera; what is shown is the server's own data (the demo city).

    python -m mobile.ui.screenshots --server URL --username U --password P --out DIR [--portrait]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from mobile.ui.kivyenv import LANDSCAPE, PORTRAIT, prepare


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mobile.ui.screenshots")
    parser.add_argument("--server", required=True)
    parser.add_argument("--username", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--portrait", action="store_true")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="xuncha-screens-"))
    prepare(work / "kivy", PORTRAIT if args.portrait else LANDSCAPE)
    out = args.out / ("portrait" if args.portrait else "landscape")
    out.mkdir(parents=True, exist_ok=True)
    shots = take_all(work, args.server, args.username, args.password, out)
    print(f"{len(shots)} 张截图 screenshots → {out}")
    return 0


def take_all(work: Path, server: str, username: str, password: str, out: Path) -> list[Path]:
    from mobile.fieldday import camera_jpeg
    from mobile.ui.app import XunchaApp
    from mobile.ui.harness import Harness
    from mobile.ui.i18n import tr
    from mobile.ui.platform.camera import FolderCamera

    camera = work / "camera"
    camera.mkdir()
    for n in range(3):
        (camera / f"IMG_{n:04d}.jpg").write_bytes(camera_jpeg(100 + n, 1600, 1200))
    app = XunchaApp(work / "tablet", camera=FolderCamera(camera), sync_interval=3600, probe_interval=3600)
    h = Harness.start(app)
    shots: list[Path] = []

    def shot(name: str) -> None:
        h.settle()
        shots.append(h.screenshot(out / f"{len(shots) + 1:02d}-{name}.png"))

    pairing = h.screen("pairing")
    h.type_into(pairing.ids.server, server)
    h.type_into(pairing.ids.username, username)
    shot("pairing")
    h.type_into(pairing.ids.password, password)
    h.tap(pairing.ids.pair_button)
    h.settle(120)
    h.wait(lambda: not app.syncing, 300, "the first sync")
    shot("today")

    today = h.screen("today")
    hits = today.ids.estates.data
    if not hits:
        raise SystemExit("服务器上没有该检查员可见的小区 (no estates for this inspector)")
    from mobile.pinyin import initials

    h.type_into(today.ids.search, initials(hits[0]["name"])[:3])
    h.frames(20)
    shot("today-search-pinyin")
    h.tap(h.button(tr("开始检查"), today.ids.estates))
    shot("checklist")

    checklist = h.screen("checklist")
    rows = [r for r in checklist.ids.item_list.data if r["viewclass"] == "ItemRow"]
    for n, row in enumerate(rows[:5]):
        checklist.scroll_to(checklist._index[row["item_id"]])
        h.frames(3)
        widget = h.find(checklist.ids.item_list,
                        lambda w, i=row["item_id"]: type(w).__name__ == "ItemRow" and w.item_id == i)
        label = tr("不合格") if n == 1 else tr("不适用") if n == 3 else tr("合格")
        h.tap(h.button(label, widget))
        h.settle()
        if n == 1:
            h.tap(h.button(tr("拍照"), widget))
            h.settle()
    checklist.scroll_to(checklist._index[rows[1]["item_id"]])
    shot("checklist-answered")
    checklist.edit_note(rows[1]["item_id"])
    shot("checklist-note")
    h.dismiss(h.modal("NoteDialog"))
    h.tap(checklist.ids.finish_button)
    shot("finish-missing")

    app.go("finding", estate_id=checklist.checklist.estate_id, inspection_id=checklist.inspection_id)
    finding = h.screen("finding")
    h.type_into(finding.ids.building, "3栋2单元")
    h.type_into(finding.ids.description, "楼道内堆放纸箱和旧家具，占用疏散通道")
    h.tap(finding.ids.photo_button)
    h.settle()
    shot("finding-form")
    h.tap(finding.ids.save)
    h.settle()

    app.go("photos")
    shot("photos")
    cells = [w for w in h.screen("photos").ids.grid.walk(restrict=True) if type(w).__name__ == "PhotoCell"]
    if cells:
        h.tap(cells[-1])
        shot("photo-full-screen")
        h.dismiss(h.modal("PhotoViewer"))

    app.go("today")
    h.settle()  # Today redraws its lists from the store: take the rows it shows after that
    revisits = [w for w in today.ids.revisits.children if hasattr(w, "revisit_id")]
    if revisits:
        h.tap(revisits[-1])
        shot("revisit")
    app.go("sync")
    shot("sync")
    app.go("settings")
    shot("settings")
    h.tap(h.screen("settings").ids.unpair)
    shot("unpair-confirm")
    h.dismiss(h.modal("ConfirmDialog"))
    # The desktop stand-in for the camera (a PC has none), showing the folder of pictures.
    from mobile.ui.widgets.chooser import PictureChooser

    chooser = PictureChooser()
    chooser.ids.files.path = str(camera)
    chooser.open()
    shot("desktop-file-chooser")
    h.dismiss(chooser)
    h.stop()
    return shots


if __name__ == "__main__":
    sys.exit(main())

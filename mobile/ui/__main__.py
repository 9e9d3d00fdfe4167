"""python -m mobile.ui [--home DIR] [--server URL] [--portrait] [--camera-dir DIR]: open the tablet app."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from mobile.ui.kivyenv import LANDSCAPE, PORTRAIT, prepare


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mobile.ui", description="巡查平板 Xuncha tablet")
    # On Android, p4a names the app-private folder: photos and the database stay private there.
    private = os.environ.get("ANDROID_PRIVATE")
    default_home = os.path.join(private, "xuncha") if private else os.path.expanduser("~/.xuncha-tablet")
    parser.add_argument("--home", default=default_home,
                        help="本机数据目录 (the tablet's data folder)")
    parser.add_argument("--server", default="", help="服务器地址，配对页预先填好 (server to pair with)")
    parser.add_argument("--portrait", action="store_true", help="竖屏 800×1280 (portrait)")
    parser.add_argument("--camera-dir", default="", help="从此文件夹取照片代替相机 (photos from a folder)")
    args = parser.parse_args(argv)
    home = Path(args.home).expanduser()
    prepare(home / "kivy", PORTRAIT if args.portrait else LANDSCAPE)

    from mobile.ui.app import XunchaApp
    from mobile.ui.fonts import NoChineseFont
    from mobile.ui.platform.camera import default_camera

    try:
        app = XunchaApp(home, server_url=args.server, camera=default_camera(args.camera_dir or None))
    except NoChineseFont as exc:
        print(f"错误: {exc}", file=sys.stderr)
        return 1
    app.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())

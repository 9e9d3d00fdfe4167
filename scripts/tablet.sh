#!/usr/bin/env bash
# 平板: open the tablet app in a window, 1280×800 (--portrait: 800×1280). Reuses .venv and sets up
# what is missing (GL and input libraries for Kivy, a Chinese font).
#   scripts/tablet.sh [--server URL] [--home DIR] [--portrait] [--camera-dir DIR]
# --server fills the pairing screen's address; --home is the tablet's data folder
# (default ~/.xuncha-tablet); --camera-dir takes "camera" photos from a folder of JPEGs.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/common.sh

# Kivy draws with GL (Mesa) and reads input through libmtdev; the font is WenQuanYi Micro Hei.
TABLET_APT_PACKAGES=(libgl1 libgl1-mesa-dri libegl1 libegl-mesa0 libmtdev1 fontconfig fonts-wqy-microhei)
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
    TABLET_APT_PACKAGES+=(xvfb xauth)
fi
apt_ensure "${TABLET_APT_PACKAGES[@]}"
venv_ensure
# The app's own Chinese font (a subset of the system's CJK font; see mobile/ui/font_subset.py).
[ -f mobile/ui/assets/XunchaCJK.ttf ] || .venv/bin/python -m mobile.ui.font_subset >/dev/null

if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
    say "没有屏幕 (no display): the app runs in Xvfb, unseen; scripts/screens.sh makes pictures of it"
    size="1280x800"
    for arg in "$@"; do [ "$arg" = "--portrait" ] && size="800x1280"; done
    exec xvfb-run -a -s "-screen 0 ${size}x24" .venv/bin/python -m mobile.ui "$@"
fi
exec .venv/bin/python -m mobile.ui "$@"

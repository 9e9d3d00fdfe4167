"""The camera, behind one small interface with three implementations.

`take(on_taken, on_cancel)` hands back the path of a JPEG file (the camera's full-size image);
the photo pipeline then stamps, shrinks and stores it off the UI thread.

- AndroidCamera: an ACTION_IMAGE_CAPTURE intent writing into app-private storage through a
  FileProvider content:// URI (a file:// URI, as plyer passes, is refused since Android 7).
- FileChooserCamera: a desktop file chooser for pictures already on disk.
- FolderCamera: takes the next image from a folder, for tests, benches and screenshots.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from kivy.utils import platform

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")
Taken = Callable[[str], None]
Cancelled = Callable[[], None]


class Camera:
    def take(self, on_taken: Taken, on_cancel: Cancelled | None = None) -> None:
        raise NotImplementedError


class FolderCamera(Camera):
    """Each take is the next image file of the folder, in name order, round and round."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self._next = 0

    def take(self, on_taken: Taken, on_cancel: Cancelled | None = None) -> None:
        files = sorted(p for p in self.folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES) \
            if self.folder.is_dir() else []
        if not files:
            if on_cancel:
                on_cancel()
            return
        path = files[self._next % len(files)]
        self._next += 1
        on_taken(str(path))


class FileChooserCamera(Camera):
    """Desktop: pick a picture file in a chooser popup."""

    def take(self, on_taken: Taken, on_cancel: Cancelled | None = None) -> None:
        from mobile.ui.widgets.chooser import PictureChooser

        PictureChooser(taken_handler=on_taken, cancel_handler=on_cancel).open()


class AndroidCamera(Camera):  # pragma: no cover - runs only on a device (untested here)
    """The system camera app through an intent; the image lands in app-private storage."""

    REQUEST = 0x5843  # "XC"

    def __init__(self, authority: str = "org.xuncha.tablet.fileprovider") -> None:
        self.authority = authority
        self._pending: tuple[str, Taken, Cancelled | None] | None = None
        from android import activity  # type: ignore[import-not-found]

        activity.bind(on_activity_result=self._on_result)

    def take(self, on_taken: Taken, on_cancel: Cancelled | None = None) -> None:
        from android.permissions import Permission, request_permissions  # type: ignore[import-not-found]

        def granted(_perms, results) -> None:
            if all(results):
                self._launch(on_taken, on_cancel)
            elif on_cancel:
                on_cancel()

        request_permissions([Permission.CAMERA], granted)

    def _launch(self, on_taken: Taken, on_cancel: Cancelled | None) -> None:
        from jnius import autoclass  # type: ignore[import-not-found]

        activity = autoclass("org.kivy.android.PythonActivity").mActivity
        intent_class = autoclass("android.content.Intent")
        media_store = autoclass("android.provider.MediaStore")
        file_provider = autoclass("androidx.core.content.FileProvider")
        java_file = autoclass("java.io.File")
        folder = Path(activity.getFilesDir().getAbsolutePath()) / "camera"
        folder.mkdir(exist_ok=True)
        target = folder / f"{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}.jpg"
        uri = file_provider.getUriForFile(activity, self.authority, java_file(str(target)))
        intent = intent_class(media_store.ACTION_IMAGE_CAPTURE)
        intent.putExtra(media_store.EXTRA_OUTPUT, uri)
        intent.addFlags(intent_class.FLAG_GRANT_WRITE_URI_PERMISSION)
        self._pending = (str(target), on_taken, on_cancel)
        activity.startActivityForResult(intent, self.REQUEST)

    def _on_result(self, request: int, result: int, _intent) -> None:
        if request != self.REQUEST or self._pending is None:
            return
        path, on_taken, on_cancel = self._pending
        self._pending = None
        if result == -1 and os.path.exists(path) and os.path.getsize(path) > 0:  # RESULT_OK
            on_taken(path)
        elif on_cancel:
            on_cancel()


def default_camera(folder: str | None = None) -> Camera:
    """FolderCamera when XUNCHA_CAMERA_DIR (or `folder`) is set, else the platform's camera."""
    folder = folder or os.environ.get("XUNCHA_CAMERA_DIR")
    if folder:
        return FolderCamera(folder)
    if platform == "android":
        return AndroidCamera()
    return FileChooserCamera()

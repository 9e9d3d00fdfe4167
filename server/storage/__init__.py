"""Where photo bytes are kept; the backend is chosen by the PHOTO_STORE setting."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask

from server.config import ConfigError
from server.storage.base import (
    CONTENT_TYPES,
    OffsetMismatch,
    PendingUpload,
    PhotoStore,
    StorageError,
    Variant,
)
from server.storage.local import LocalDiskStore

# PHOTO_STORE value → how to build that backend from the app's config. An S3-compatible
# backend is one more entry here; the domain only ever sees a PhotoStore.
BACKENDS: dict[str, Callable[[Flask], PhotoStore]] = {
    "local": lambda app: LocalDiskStore(app.config["PHOTO_DIR"]),
}

_EXTENSION_KEY = "xuncha_photo_store"


def get_photo_store(app: Flask) -> PhotoStore:
    """The app's photo store, built once per app from PHOTO_STORE."""
    store = app.extensions.get(_EXTENSION_KEY)
    if store is None:
        name = app.config.get("PHOTO_STORE", "local")
        if name not in BACKENDS:
            raise ConfigError(
                f"未知的照片存储 PHOTO_STORE={name!r} (unknown photo store; known: {', '.join(BACKENDS)})"
            )
        store = app.extensions[_EXTENSION_KEY] = BACKENDS[name](app)
    return store


__all__ = [
    "BACKENDS",
    "CONTENT_TYPES",
    "LocalDiskStore",
    "OffsetMismatch",
    "PendingUpload",
    "PhotoStore",
    "StorageError",
    "Variant",
    "get_photo_store",
]

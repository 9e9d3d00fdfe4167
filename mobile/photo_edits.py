"""Removing a photo before it was synced, and the photo list of the photos screen.

The rule is in one place: a photo the server already has stays (photo sets only grow there);
a local one loses its link, and a photo no link points to is never uploaded (store/photos.py)
and its file is pruned later (pruning.py).
"""

from __future__ import annotations

from mobile.findings import photo_file
from mobile.store import Store


class PhotoEditError(ValueError):
    pass


def can_delete(store: Store, link_id: str) -> bool:
    link = store.records.get("photo_link", link_id)
    if link is None or link.on_server:
        return False
    photo = store.photos.get(link.get("photo_sha256") or "")
    return photo is None or photo.state == "local"


def delete_photo_link(store: Store, link_id: str) -> None:
    with store.transaction():
        if not can_delete(store, link_id):
            raise PhotoEditError("这张照片已上传，不能删除 (this photo is on the server already)")
        store.records.delete("photo_link", link_id)


def photo_rows(store: Store, limit: int = 300) -> list[dict]:
    """The tablet's linked photos held as files, newest first."""
    rows = []
    links = sorted(store.records.all("photo_link"), key=lambda r: r.get("taken_at") or "", reverse=True)
    for link in links:
        photo = photo_file(store, link)
        if photo is None:
            continue
        thumb = photo.thumb_path if photo.thumb_path and photo.thumb_path.exists() else photo.path
        rows.append({"link_id": link.id, "path": str(photo.path), "thumb": str(thumb), "state": photo.state,
                     "deletable": not link.on_server and photo.state == "local"})
        if len(rows) >= limit:
            break
    return rows

"""A finding seen outside the checklist: category, building / entrance, severity, description,
photos, and 当场整改 (fixed while the inspector watched, with its photo)."""

from __future__ import annotations

from typing import Any

from kivy.properties import BooleanProperty, ListProperty, StringProperty

from mobile.findings import FindingError, close_on_site, record_finding
from mobile.reads import categories
from mobile.ui.i18n import tr
from mobile.ui.screens import XunchaScreen


def form_photo_items(photos: list) -> list[dict]:
    """Photos taken on a form not saved yet, as a PhotoStrip shows them (each may be dropped)."""
    return [{"thumb": str(p.thumb_path), "path": str(p.path), "sha": p.sha256, "deletable": True}
            for p in photos]


class FindingScreen(XunchaScreen):
    estate_id = StringProperty("")
    estate_name = StringProperty("")
    inspection_id = StringProperty("")
    severity = StringProperty("major")
    closed_on_site = BooleanProperty(False)
    category_values = ListProperty()
    photo_items = ListProperty()

    def show(self, estate_id: str = "", inspection_id: str = "", **params: Any) -> None:
        self.estate_id, self.inspection_id = estate_id, inspection_id or ""
        estate = self.store.records.get("estate", estate_id) if estate_id else None
        self.estate_name = estate.get("name", "") if estate else ""
        self.severity, self.closed_on_site = "major", False
        self._photos: list = []
        self.photo_items = []
        for field in ("building", "description"):
            self.ids[field].text = ""
        store = self.store

        def drawn(values: list[str]) -> None:
            self.category_values = values
            self.ids.category.text = values[0] if values else ""

        self.app.run_in("store", lambda: categories(store), drawn)

    def add_photo(self) -> None:
        def taken(photo) -> None:
            self._photos.append(photo)
            self.photo_items = form_photo_items(self._photos)

        # Linked when the finding is saved; a photo of an abandoned form is pruned, never sent.
        self.app.capture(self.estate_name, self.ids.building.text.strip(), lambda photo: photo, taken)

    def drop_photo(self, photo: dict) -> None:
        self._photos = [p for p in self._photos if p.sha256 != photo.get("sha")]
        self.photo_items = form_photo_items(self._photos)

    def save(self) -> None:
        store = self.store
        category, location = self.ids.category.text, self.ids.building.text
        description, severity = self.ids.description.text, self.severity
        photos, on_site = list(self._photos), self.closed_on_site
        estate_id, inspection_id = self.estate_id, self.inspection_id or None

        def work():
            if on_site and not photos:
                raise FindingError(tr("当场整改需要一张整改后的照片"))
            finding = record_finding(store, estate_id, category, severity, description, location=location,
                                     inspection_id=inspection_id, photos=photos)
            if on_site:
                close_on_site(store, finding.id, tr("当场整改"))
            return finding

        def saved(_finding) -> None:
            self.app.toast(tr("问题已记录"))
            self.app.refresh_status()
            self.back()

        self.app.run_in("store", work, saved)

    def back(self) -> None:
        if self.inspection_id:
            self.app.go("checklist", inspection_id=self.inspection_id)
        else:
            self.app.go("today")

"""The finding form's photos: each thumbnail tapped opens that very photo, and one removed before
saving is not linked to the finding (real window, live server)."""

from __future__ import annotations

from tests import mobile_helpers
from tests.tablet_ui_support import camera_dir, pair, tablet, tr, ui_server, wait_synced  # Kivy first

seed = mobile_helpers.seed
_fixtures = (camera_dir, tablet, ui_server, seed)


def test_each_thumbnail_in_the_finding_form_opens_its_own_photo(ui_server, seed, tablet):
    h = tablet
    pair(h, ui_server.url, seed.username)
    wait_synced(h)
    h.tap(h.button(tr("记录问题"), h.screen("today").ids.estates))
    finding = h.screen("finding")
    h.type_into(finding.ids.building, "5栋1单元")
    h.type_into(finding.ids.description, "楼道飞线充电")
    for n in (1, 2):
        h.tap(finding.ids.photo_button)
        h.wait(lambda n=n: len(finding.photo_items) == n, 60, "the photo to be processed")
        h.settle()
    shas = [p["sha"] for p in finding.photo_items]
    assert len(set(shas)) == 2

    strip = h.find(finding, lambda w: type(w).__name__ == "PhotoStrip")
    thumbs = [w for w in strip.ids.row.children[::-1]]  # children are last-added first
    for thumb, sha in zip(thumbs, shas, strict=True):
        h.tap(thumb)
        h.settle()
        viewer = h.modal("PhotoViewer")
        assert viewer.photo["sha"] == sha, "the tapped thumbnail opened another photo"
        h.dismiss(viewer)

    # The second one is removed from the viewer before saving; only the first is linked.
    h.tap(thumbs[1])
    h.settle()
    viewer = h.modal("PhotoViewer")
    h.tap(viewer.ids.delete)
    h.settle()
    assert [p["sha"] for p in finding.photo_items] == shas[:1]
    h.tap(finding.ids.save)
    h.settle()
    links = h.app.store.records.all("photo_link")
    assert [link["photo_sha256"] for link in links] == shas[:1]

"""Findings outside the checklist (ad hoc), photos on records, and revisits (回头看).

A revisit is created by the server after a deadline and reaches the tablet by pull; the
inspector looks at the original finding and its photos, then records fixed / not fixed with
new photos. The state change itself is the server's: it runs its state machine when the
completed revisit arrives.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from mobile.store import Record, Store
from mobile.store.photos import PhotoFile
from mobile.timeutil import days_after, now_wire

SEVERITIES = ("minor", "major", "severe")
# Proposed deadlines for ad-hoc findings (the server or a supervisor may set another).
DEFAULT_DAYS = {"minor": 15, "major": 7, "severe": 3}
REVISIT_RESULTS = ("fixed", "not_fixed")


class FindingError(ValueError):
    """A step on a finding or revisit that is not allowed; the message is for the inspector."""


def record_finding(store: Store, estate_id: str, category: str, severity: str, description: str,
                   location: str = "", inspection_id: str | None = None,
                   photos: list = (), due_days: int | None = None) -> Record:
    """File a problem seen outside the checklist (ad hoc), with its photos, in one transaction."""
    if store.records.get("estate", estate_id) is None:
        raise FindingError("本机没有该小区 (estate not on this tablet)")
    if severity not in SEVERITIES:
        raise FindingError(f"严重程度必须是 {' / '.join(SEVERITIES)} (got {severity!r})")
    if not category.strip():
        raise FindingError("请填写问题类别 (category is required)")
    now = now_wire()
    fields = {
        "estate_id": str(estate_id), "category": category.strip(), "severity": severity,
        "location": location.strip(), "description": description.strip(), "found_at": now,
        "due_at": days_after(now, due_days if due_days is not None else DEFAULT_DAYS[severity]),
    }
    if inspection_id:
        fields["inspection_id"] = str(inspection_id)
    with store.transaction():
        finding = store.records.create("finding", str(uuid.uuid4()), fields)
        for photo in photos:
            link_photo(store, photo, role="evidence", finding_id=finding.id)
    return finding


def edit_finding(store: Store, finding_id: str, **fields) -> Record:
    allowed = {"category", "severity", "location", "description"}
    stray = set(fields) - allowed
    if stray:
        raise FindingError(f"只能修改 {', '.join(sorted(allowed))} (cannot edit {', '.join(sorted(stray))})")
    return store.records.update("finding", finding_id, fields)


def link_photo(store: Store, photo, role: str = "evidence", *, finding_id: str | None = None,
               answer_id: str | None = None, revisit_id: str | None = None,
               rectification_id: str | None = None, caption: str = "") -> Record:
    """Register a processed photo and link it to a record (the same photo twice is one link)."""
    targets = {"finding_id": finding_id, "answer_id": answer_id, "revisit_id": revisit_id,
               "rectification_id": rectification_id}
    targets = {k: str(v) for k, v in targets.items() if v}
    if len(targets) != 1:
        # The server keeps each link on exactly one record.
        raise FindingError("照片必须且只能属于一条记录 (a photo belongs to exactly one record)")
    with store.transaction():
        store.photos.add(photo.sha256, photo.path, photo.thumb_path, photo.size, photo.width,
                         photo.height, photo.taken_at, photo.latitude, photo.longitude)
        key, value = next(iter(targets.items()))
        for link in store.records.find("photo_link", **{key: value}):
            if link.get("photo_sha256") == photo.sha256:
                return link
        fields = {"photo_sha256": photo.sha256, "role": role, "caption": caption, **targets}
        if photo.taken_at:
            fields["taken_at"] = photo.taken_at
        if photo.latitude is not None and photo.longitude is not None:
            fields["latitude"], fields["longitude"] = photo.latitude, photo.longitude
        return store.records.create("photo_link", str(uuid.uuid4()), fields)


def photos_of(store: Store, **target: str) -> list[Record]:
    return store.records.find("photo_link", **target)


def close_on_site(store: Store, finding_id: str, note: str = "") -> Record:
    """当场整改: the problem was fixed while the inspector watched; the server decides."""
    store.records.require("finding", finding_id)
    return store.records.create("finding_action", str(uuid.uuid4()), {
        "finding_id": str(finding_id), "action": "close_on_site", "at": now_wire(), "note": note,
    })


def open_findings(store: Store, estate_id: str | None = None) -> list[Record]:
    found = store.records.find("finding", estate_id=estate_id) if estate_id else store.records.all("finding")
    return [f for f in found if f.get("status", "open") != "closed"]


# -- revisits (回头看) -------------------------------------------------------------------------

@dataclass
class RevisitView:
    """Everything the revisit screen shows, offline: the finding and its original photos, the
    company's rectification report (整改反馈) with its after-photos, and this revisit's photos.
    Photo links name a SHA-256; `photo_file(store, link)` gives the file and thumbnail when held
    (the sync downloads the evidence and the company's photos of every pending revisit)."""

    revisit: Record
    finding: Record | None
    estate: Record | None
    evidence: list[Record]  # the original photos of the finding
    after: list[Record]  # photos taken on this revisit
    rectification: Record | None = None  # the company's latest report, if any
    company_photos: list[Record] = field(default_factory=list)  # the report's after-photos

    @property
    def done(self) -> bool:
        return bool(self.revisit.get("result"))

    @property
    def report_text(self) -> str:
        """The company's reply ("" when it has not reported a fix)."""
        return (self.rectification.get("note") or "") if self.rectification else ""

    @property
    def reported_at(self) -> str | None:
        return self.rectification.get("reported_at") if self.rectification else None


def latest_rectification(store: Store, finding_id: str) -> Record | None:
    reports = store.records.find("rectification", finding_id=finding_id)
    return max(reports, key=lambda r: r.get("reported_at") or "") if reports else None


def revisit_view(store: Store, revisit_id: str) -> RevisitView:
    revisit = store.records.require("revisit", revisit_id)
    finding = store.records.get("finding", revisit["finding_id"])
    estate = store.records.get("estate", finding["estate_id"]) if finding else None
    evidence = [link for link in store.records.find("photo_link", finding_id=revisit["finding_id"])
                if link.get("role") != "after"]
    after = store.records.find("photo_link", revisit_id=revisit.id)
    report = latest_rectification(store, revisit["finding_id"])
    company = store.records.find("photo_link", rectification_id=report.id) if report else []
    return RevisitView(revisit, finding, estate, evidence, after, report, company)


def photo_file(store: Store, link: Record | str) -> PhotoFile | None:
    """The file (and thumbnail) of a linked photo, or None while it is not on this tablet."""
    sha = link if isinstance(link, str) else link.get("photo_sha256")
    photo = store.photos.get(sha) if sha else None
    return photo if photo is not None and photo.path.exists() else None


def pending_revisits(store: Store) -> list[RevisitView]:
    """Revisits assigned to this inspector that wait for a result, soonest first."""
    user_id = store.get_meta("user_id")
    out = []
    for revisit in store.records.all("revisit"):
        if revisit.get("status") != "pending" or revisit.get("result"):
            continue
        if revisit.get("inspector_id") not in (None, user_id):
            continue
        out.append(revisit_view(store, revisit.id))
    out.sort(key=lambda v: v.revisit.get("due_at") or "")
    return out


def complete_revisit(store: Store, revisit_id: str, result: str, note: str = "",
                     photos: list = ()) -> Record:
    """Record the revisit's result with the new photos, in one transaction.

    A "fixed" needs at least one photo of the fixed state: it closes the finding (销号).
    """
    if result not in REVISIT_RESULTS:
        raise FindingError(f"复查结果必须是 fixed / not_fixed (got {result!r})")
    revisit = store.records.require("revisit", revisit_id)
    if revisit.get("status") not in (None, "pending"):
        raise FindingError(f"该回头看任务已处理 (revisit is {revisit.get('status')})")
    existing_after = store.records.find("photo_link", revisit_id=revisit.id)
    if result == "fixed" and not photos and not existing_after:
        raise FindingError("复查合格需要整改后的照片 (a fixed result needs a photo)")
    with store.transaction():
        for photo in photos:
            link_photo(store, photo, role="after", revisit_id=revisit.id)
        return store.records.update("revisit", revisit.id,
                                    {"result": result, "note": note, "done_at": now_wire()})

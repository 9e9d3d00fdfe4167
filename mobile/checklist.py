"""The checklist engine: runs one template version for one inspection.

Everything is written through the store as it happens, so an inspection is paused by simply
leaving it and resumed by opening it again (`Checklist.open`). Failing an item files a finding
with the item's category, default severity and a proposed due date; the score is the shared
rule, `shared_schema.scoring.compute_score`, so tablet and server always agree.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from mobile.store import Record, Store
from mobile.timeutil import days_after, now_wire
from shared_schema.scoring import FAIL, NA, PASS, compute_score

RESULTS = (PASS, FAIL, NA)
# Answer ids are derived from (inspection, item): one answer per item, whoever writes it.
_ANSWER_NS = uuid.UUID("9b1f6c2e-8a51-4c0b-9a4e-3f7d2c1b0a99")


class ChecklistError(ValueError):
    """A step the checklist does not allow now; the message is for the inspector."""


def answer_id_for(inspection_id: str, item_id: str) -> str:
    return str(uuid.uuid5(_ANSWER_NS, f"{inspection_id}/{item_id}"))


@dataclass
class ItemState:
    item: Record
    section: Record
    answer: Record | None
    finding: Record | None
    photos: int

    @property
    def result(self) -> str | None:
        return self.answer.get("result") if self.answer else None

    @property
    def needs_photo(self) -> bool:
        return self.result == FAIL and bool(self.item.get("photo_required_on_fail")) and self.photos == 0

    @property
    def complete(self) -> bool:
        return self.result in RESULTS and not self.needs_photo


@dataclass
class Progress:
    total: int
    answered: int
    missing_photos: list[str]  # item codes
    unanswered: list[str]

    @property
    def finishable(self) -> bool:
        return not self.unanswered and not self.missing_photos


class Checklist:
    """One inspection running one template."""

    def __init__(self, store: Store, inspection: Record) -> None:
        self.store = store
        self.inspection_id = inspection.id
        self.estate_id = inspection["estate_id"]
        self.template_id = inspection.get("template_id")
        if not self.template_id:
            raise ChecklistError("该检查没有检查表 (this inspection has no checklist template)")
        if store.records.get("checklist_template", self.template_id) is None:
            raise ChecklistError("本机没有该检查表，请先同步 (template not on this tablet; sync first)")
        self.sections: list[Record] = store.records.find(
            "checklist_section", order_by="position", template_id=self.template_id)
        self.items_by_section: dict[str, list[Record]] = {
            s.id: store.records.find("checklist_item", order_by="position", section_id=s.id)
            for s in self.sections
        }
        self.items: dict[str, Record] = {i.id: i for items in self.items_by_section.values() for i in items}
        self._section_of = {i.id: s for s in self.sections for i in self.items_by_section[s.id]}
        # item id -> result, kept as answers are written so the score after a tap costs no reads;
        # filled (and refreshed) by `states()`, which every screen calls when it opens.
        self._results: dict[str, str] | None = None

    # -- opening --------------------------------------------------------------------------------
    @classmethod
    def start(cls, store: Store, estate_id: str, template_id: str, kind: str = "routine",
              complaint_channel: str | None = None, note: str = "") -> Checklist:
        """Begin an inspection of an estate with a template (recorded at once, even offline)."""
        if store.records.get("estate", estate_id) is None:
            raise ChecklistError("本机没有该小区 (estate not on this tablet)")
        user_id = store.get_meta("user_id")
        fields = {
            "estate_id": str(estate_id), "template_id": str(template_id), "kind": kind,
            "inspector_ids": [user_id] if user_id else [], "status": "in_progress",
            "started_at": now_wire(), "note": note,
        }
        if complaint_channel:
            fields["complaint_channel"] = complaint_channel
        record = store.records.create("inspection", str(uuid.uuid4()), fields)
        return cls(store, record)

    @classmethod
    def open(cls, store: Store, inspection_id: str) -> Checklist:
        """Resume an inspection (paused, or left when the app was closed)."""
        return cls(store, store.records.require("inspection", inspection_id))

    @staticmethod
    def unfinished(store: Store) -> list[Record]:
        return [r for r in store.records.all("inspection") if r.get("status") in ("planned", "in_progress")]

    @property
    def inspection(self) -> Record:
        return self.store.records.require("inspection", self.inspection_id)

    # -- answering ------------------------------------------------------------------------------
    def answer(self, item_id: str, result: str, note: str | None = None,
               location: str = "") -> ItemState:
        """Record pass / fail / na for an item; a failure files (or keeps) its finding."""
        item = self._item(item_id)
        if result not in RESULTS:
            raise ChecklistError(f"结果必须是 pass / fail / na (got {result!r})")
        self._require_open()
        answer_id = answer_id_for(self.inspection_id, item.id)
        now = now_wire()
        with self.store.transaction():
            existing = self.store.records.get("answer", answer_id)
            fields = {"result": result, "answered_at": now}
            if note is not None:
                fields["note"] = note
            if existing is None:
                fields = {"inspection_id": self.inspection_id, "item_id": item.id, "note": "", **fields}
                self.store.records.create("answer", answer_id, fields)
            elif existing.get("result") != result or (note is not None and existing.get("note") != note):
                self.store.records.update("answer", answer_id, fields)
            finding = self._finding_for(item.id)
            if result == FAIL and finding is None:
                self._file_finding(item, now, note or "", location)
            elif result != FAIL and finding is not None and finding.get("status", "open") == "open":
                # Changed their mind: the finding was a mistake of this inspection. Its photos
                # go too unless the server has them already (photo sets only grow there).
                for link in self.store.records.find("photo_link", finding_id=finding.id):
                    if not link.on_server:
                        self.store.records.delete("photo_link", link.id)
                self.store.records.delete("finding", finding.id)
            state = self.state(item.id)
        if self._results is not None:
            self._results[item.id] = result
        return state

    def set_note(self, item_id: str, note: str) -> ItemState:
        item = self._item(item_id)
        self._require_open()
        answer_id = answer_id_for(self.inspection_id, item.id)
        with self.store.transaction():
            if self.store.records.get("answer", answer_id) is None:
                raise ChecklistError("请先选择结果再写备注 (answer the item before adding a note)")
            self.store.records.update("answer", answer_id, {"note": note})
        return self.state(item.id)

    def attach_photo(self, item_id: str, photo, caption: str = "") -> Record:
        """Attach a processed photo to the item: to its finding when it failed (the evidence
        the company and the supervisor see), to its answer otherwise."""
        from mobile.findings import link_photo

        item = self._item(item_id)
        self._require_open()
        answer_id = answer_id_for(self.inspection_id, item.id)
        with self.store.transaction():
            if self.store.records.get("answer", answer_id) is None:
                raise ChecklistError("请先选择结果再拍照 (answer the item before adding a photo)")
            finding = self._finding_for(item.id)
            target = {"finding_id": finding.id} if finding else {"answer_id": answer_id}
            return link_photo(self.store, photo, role="evidence", caption=caption, **target)

    def _file_finding(self, item: Record, now: str, note: str, location: str) -> Record:
        days = int(item.get("rectification_days") or 7)
        description = f"{item.get('code', '')} {item.get('text', '')}".strip()
        if note:
            description += f"：{note}"
        return self.store.records.create("finding", str(uuid.uuid4()), {
            "estate_id": self.estate_id, "inspection_id": self.inspection_id, "item_id": item.id,
            "category": item.get("category") or "其他", "severity": item.get("default_severity") or "major",
            "location": location, "description": description[:2000], "found_at": now,
            "due_at": days_after(now, days),
        })

    def _finding_for(self, item_id: str) -> Record | None:
        for finding in self.store.records.find("finding", inspection_id=self.inspection_id):
            if finding.get("item_id") == item_id:
                return finding
        return None

    # -- reading --------------------------------------------------------------------------------
    def state(self, item_id: str) -> ItemState:
        item = self._item(item_id)
        answer = self.store.records.get("answer", answer_id_for(self.inspection_id, item.id))
        finding = self._finding_for(item.id)
        return ItemState(item, self._section_of[item.id], answer, finding, self._photo_count(answer, finding))

    def states(self) -> list[ItemState]:
        """Every item in order, with its answer, finding and photo count (few queries)."""
        find = self.store.records.find
        answers = {a["item_id"]: a for a in find("answer", inspection_id=self.inspection_id)}
        findings = {f.get("item_id"): f for f in find("finding", inspection_id=self.inspection_id)}
        linked = self._links_by_owner(
            [a.id for a in answers.values()], [f.id for f in findings.values() if f is not None])
        out = []
        for section in self.sections:
            for item in self.items_by_section[section.id]:
                answer, finding = answers.get(item.id), findings.get(item.id)
                links = (linked.get(answer.id, set()) | (linked.get(finding.id, set()) if finding else set())
                         if answer is not None else set())
                out.append(ItemState(item, section, answer, finding, len(links)))
        self._results = {s.item.id: s.result for s in out if s.result in RESULTS}
        return out

    def _links_by_owner(self, answer_ids: list[str], finding_ids: list[str]) -> dict[str, set[str]]:
        """Photo link ids per answer / finding id, in two queries for the whole checklist."""
        out: dict[str, set[str]] = {}
        for key, ids in (("answer_id", answer_ids), ("finding_id", finding_ids)):
            for link in self.store.records.find_in("photo_link", key, ids):
                out.setdefault(str(link.get(key)), set()).add(link.id)
        return out

    def _photo_count(self, answer: Record | None, finding: Record | None) -> int:
        if answer is None:
            return 0
        links = {link.id for link in self.store.records.find("photo_link", answer_id=answer.id)}
        if finding is not None:
            links |= {link.id for link in self.store.records.find("photo_link", finding_id=finding.id)}
        return len(links)

    def progress(self) -> Progress:
        states = self.states()
        return Progress(
            total=len(states),
            answered=sum(1 for s in states if s.result in RESULTS),
            missing_photos=[s.item.get("code", s.item.id) for s in states if s.needs_photo],
            unanswered=[s.item.get("code", s.item.id) for s in states if s.result not in RESULTS],
        )

    def score(self) -> tuple[Decimal, Decimal]:
        """(score out of 100, applicable points) over the items answered so far."""
        if self._results is None:
            self.states()
        return compute_score(
            (int(self.items[item_id].get("points") or 0), result) for item_id, result in self._results.items()
        )

    def findings(self) -> list[Record]:
        return self.store.records.find("finding", inspection_id=self.inspection_id)

    # -- finishing ------------------------------------------------------------------------------
    def finish(self) -> Record:
        """Close the inspection; refused while an item is unanswered or lacks a required photo."""
        self._require_open()
        progress = self.progress()
        if progress.unanswered:
            raise ChecklistError(
                f"还有 {len(progress.unanswered)} 项未检查: {', '.join(progress.unanswered[:10])}"
                f" ({len(progress.unanswered)} items unanswered)")
        if progress.missing_photos:
            raise ChecklistError(
                f"以下不合格项需要照片: {', '.join(progress.missing_photos[:10])}"
                " (failed items need a photo)")
        # The score itself is server-owned (it computes the same one with the same function);
        # the tablet shows `score()` and never pushes it.
        return self.store.records.update(
            "inspection", self.inspection_id, {"status": "finished", "finished_at": now_wire()})

    def cancel(self) -> Record:
        self._require_open()
        return self.store.records.update("inspection", self.inspection_id, {"status": "cancelled"})

    def _require_open(self) -> None:
        status = self.inspection.get("status")
        if status not in ("planned", "in_progress"):
            raise ChecklistError(f"检查已结束，不能修改 (inspection is {status})")

    def _item(self, item_id: str) -> Record:
        item = self.items.get(str(item_id))
        if item is None:
            # Allow the item code ("1.2") as well as the id: the CLI and people use codes.
            for candidate in self.items.values():
                if candidate.get("code") == str(item_id):
                    return candidate
            raise ChecklistError(f"检查表中没有该项 (no item {item_id} in this checklist)")
        return item

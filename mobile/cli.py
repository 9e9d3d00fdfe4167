"""Command-line front over the tablet core: the whole tablet flow, scriptable, without a window.

    python -m mobile.cli --home DIR pair --server http://127.0.0.1:5000 --username u --password p
    python -m mobile.cli --home DIR sync
    python -m mobile.cli --home DIR inspect start 阳光花园
    python -m mobile.cli --home DIR inspect answer INSPECTION 1.2 fail --photo stairwell.jpg
    python -m mobile.cli --home DIR status --json

Exit codes: 0 done; 1 refused (a rule or bad input, message on stderr); 3 the device must be
updated or was revoked (data wiped); 4 the network did not let the sync finish (run it again).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from mobile import reads
from mobile.checklist import Checklist, ChecklistError
from mobile.device import AlreadyPaired, http_transport, pair
from mobile.fieldday import record_day
from mobile.findings import (
    FindingError,
    close_on_site,
    complete_revisit,
    open_findings,
    photo_file,
    record_finding,
    revisit_view,
)
from mobile.labels import (
    DUE_NAMES,
    RESULT_NAMES,
    REVISIT_RESULT_NAMES,
    SEVERITY_NAMES,
    STATUS_NAMES,
    name_of,
)
from mobile.photos import PhotoError, process_photo
from mobile.pruning import storage_used
from mobile.store import ImmutableField, InvalidRecord, NotPaired, Store, StoreBusy
from mobile.sync.engine import Progress, RetryPolicy, SyncBlocked, SyncEngine, wipe
from mobile.sync.transport import DeviceRevoked, HttpTransport, SyncError, TransientError
from mobile.timeutil import due_state, local_text

DEFAULT_HOME = os.path.expanduser("~/.xuncha-tablet")


class CliError(Exception):
    pass


def _out(args: argparse.Namespace, payload: Any, text: str) -> None:
    if args.json:
        print(json.dumps(payload, ensure_ascii=False, default=str))
    else:
        print(text)


def _estate(store: Store, ref: str):
    record = store.records.get("estate", ref)
    if record:
        return record
    matches = [e for e in store.records.all("estate") if e.get("name") == ref]
    if len(matches) != 1:
        raise CliError(f"找不到小区 {ref} (no such estate)")
    return matches[0]


def _template(store: Store, ref: str | None):
    templates = [t for t in store.records.all("checklist_template") if t.get("status") != "draft"]
    if ref:
        templates = [t for t in templates if ref in (t.id, t.get("name"), t.get("family"))]
    if not templates:
        raise CliError("找不到检查表，请先同步 (no checklist template; sync first)")
    return max(templates, key=lambda t: t.get("version") or 0)


def _photos(store: Store, files: list[str], estate: str = "", location: str = "") -> list:
    return [process_photo(Path(f), store.photo_dir, estate=estate, location=location) for f in files or []]


# -- commands -----------------------------------------------------------------------------------

def cmd_pair(store: Store, args) -> None:
    transport = HttpTransport(args.server, timeout=(5.0, args.timeout))
    reply = pair(store, transport, username=args.username, password=args.password, code=args.code,
                 device_name=args.name, server_url=args.server)
    user = reply.get("user", {})
    _out(args, {"device_id": reply["device_id"], "user": user},
         f"已配对 (paired): {user.get('display_name')} @ {reply.get('office_name')}"
         f"  设备 {reply['device_id']}")


def status_of(store: Store) -> dict[str, Any]:
    """What `status` prints: the status bar's counts (reads.status_summary) and a few totals."""
    summary = reads.status_summary(store)
    return {
        **asdict(summary),
        "device_id": store.get_meta("device_id"),
        "cursor": int(store.get_meta("cursor") or 0),
        "outbox_by_kind": store.outbox.counts_by_kind(),
        "rejected_items": [asdict(item) for item in reads.rejected_items(store)],
        "estates": store.records.count("estate"),
        "inspections": store.records.count("inspection"),
        "findings": store.records.count("finding"),
        "storage_bytes": storage_used(store),
    }


def cmd_status(store: Store, args) -> None:
    status = status_of(store)
    last = local_text(status["last_sync_at"]) or "从未 (never)"
    lines = [
        f"配对 (paired): {'是 yes' if status['paired'] else '否 no'}  用户 {status['username'] or '—'}"
        f"  服务器 {status['server_url'] or '—'}",
        f"上次同步 (last sync): {last}" + ("  ⚠ 需要更新应用 (update needed)" if status["blocked"] else ""),
        f"待发送 (waiting): {status['pending_records']} 条记录, {status['pending_photos']} 张照片"
        f" ({status['pending_photo_bytes'] // 1024} KB)",
        f"被拒绝 (refused): {status['rejected']} 条记录, {status['failed_photos']} 张照片",
        f"回头看 (revisits) 今天到期或逾期: {status['revisits_due']}, 未读 {status['unread']}",
        f"本机 (on this tablet): {status['estates']} 个小区, {status['inspections']} 次检查,"
        f" {status['findings']} 个问题, 占用 {status['storage_bytes'] / 1e6:.1f} MB",
    ]
    lines += [f"  ✗ {item['label']}: {item['reason']}" for item in status["rejected_items"]]
    _out(args, status, "\n".join(lines))


def cmd_sync(store: Store, args) -> None:
    if not store.is_paired:
        raise NotPaired("平板尚未配对 (pair first)")

    def show(progress: Progress) -> None:
        if args.progress:
            print(json.dumps(progress.__dict__, ensure_ascii=False), file=sys.stderr, flush=True)

    engine = SyncEngine(store, http_transport(store, timeout=(5.0, args.timeout)), on_progress=show,
                        retry=RetryPolicy(attempts=args.retries, base=args.backoff, cap=args.backoff_cap))
    report = engine.run()
    summary = report.as_dict()
    summary["outbox"] = store.outbox.count()
    summary["photos_waiting"] = store.photos.count("local")
    _out(args, summary,
         f"同步完成 (synced): 拉取 {report.pulled}, 接受 {report.pushed.accepted}, "
         f"冲突 {report.pushed.conflicts}, "
         f"拒绝 {report.pushed.rejected}, 照片 {report.photos_uploaded}, 待发送 {summary['outbox']}, "
         f"{report.seconds:.1f}s")


def cmd_list(store: Store, args) -> None:
    if args.command == "estates" and getattr(args, "text", None):
        hits = reads.search_estates(store, args.text, limit=args.limit)
        _out(args, [asdict(h) for h in hits], "\n".join(
            f"{h.id}  {h.name}  {h.address}  {h.company_name}  待处理问题 {h.open_findings}" for h in hits))
        return
    kind = {"estates": "estate", "templates": "checklist_template"}[args.command]
    rows = [{"id": r.id, **{k: r.get(k) for k in ("name", "version", "family", "address") if k in r.data}}
            for r in store.records.all(kind)]
    _out(args, rows, "\n".join(f"{r['id']}  {r.get('name', '')}" for r in rows))


def _inspection_summary(checklist: Checklist) -> dict[str, Any]:
    progress = checklist.progress()
    score, applicable = checklist.score()
    inspection = checklist.inspection
    return {"id": checklist.inspection_id, "estate_id": checklist.estate_id,
            "status": inspection.get("status"), "started_at": inspection.get("started_at"),
            "answered": progress.answered, "total": progress.total, "missing_photos": progress.missing_photos,
            "unanswered": progress.unanswered, "score": str(score), "applicable_points": str(applicable),
            "findings": len(checklist.findings()), "sync_state": inspection.sync_state}


def _inspection_text(store: Store, checklist: Checklist, summary: dict[str, Any]) -> str:
    """The whole checklist as a person reads it: sections, every item with its text and answer."""
    estate = store.records.get("estate", checklist.estate_id)
    lines = [
        f"检查 {summary['id']} · {estate.get('name', '') if estate else ''} · "
        f"{name_of(STATUS_NAMES, summary['status'])}",
        f"开始 (started) {local_text(summary['started_at']) or '—'}"
        f" · 已检查 {summary['answered']}/{summary['total']}"
        f" · 得分 (score) {summary['score']}（适用分值 {summary['applicable_points']}）"
        f" · 问题 {summary['findings']}",
    ]
    if summary["missing_photos"]:
        lines.append(f"需要照片 (photo needed): {', '.join(summary['missing_photos'])}")
    section = None
    for state in checklist.states():
        if state.section.id != section:
            section = state.section.id
            lines.append(f"【{state.section.get('position', '')}】{state.section.get('title', '')}")
        item = state.item
        mark = name_of(RESULT_NAMES, state.result) if state.result else "未检查 unanswered"
        extras = [f"{item.get('points', 0)} 分"]
        if state.photos:
            extras.append(f"照片 {state.photos}")
        if state.needs_photo:
            extras.append("⚠ 需要照片")
        if state.answer and state.answer.get("note"):
            extras.append(f"备注: {state.answer.get('note')}")
        lines.append(f"  {item.get('code', '')} [{mark}] {item.get('text', '')}  （{'，'.join(extras)}）")
    return "\n".join(lines)


def cmd_inspect(store: Store, args) -> None:
    action = args.action
    if action == "list":
        rows = [{"id": r.id, "estate_id": r.get("estate_id"), "status": r.get("status"),
                 "started_at": r.get("started_at")} for r in store.records.all("inspection")]
        names = {e.id: e.get("name", "") for e in store.records.all("estate")} if rows else {}
        _out(args, rows, "\n".join(
            f"{r['id']}  {names.get(r['estate_id'], '')}  {name_of(STATUS_NAMES, r['status'])}"
            f"  {local_text(r['started_at'])}" for r in rows))
        return
    if action == "start":
        estate = _estate(store, args.estate)
        checklist = Checklist.start(store, estate.id, _template(store, args.template).id, kind=args.kind)
        _out(args, _inspection_summary(checklist), checklist.inspection_id)
        return
    checklist = Checklist.open(store, args.inspection)
    if action == "answer":
        state = checklist.answer(args.item, args.result, note=args.note, location=args.location or "")
        estate = store.records.get("estate", checklist.estate_id)
        name = estate.get("name", "") if estate else ""
        for photo in _photos(store, args.photo, name, args.location or ""):
            checklist.attach_photo(state.item.id, photo)
        state = checklist.state(state.item.id)
        _out(args, {"item": state.item.get("code"), "result": state.result, "photos": state.photos,
                    "needs_photo": state.needs_photo,
                    "finding_id": state.finding.id if state.finding else None},
             f"{state.item.get('code')} {state.item.get('text', '')} → {name_of(RESULT_NAMES, state.result)}"
             + ("  (需要照片 needs a photo)" if state.needs_photo else ""))
    elif action == "photo":
        estate = store.records.get("estate", checklist.estate_id)
        for photo in _photos(store, [args.file], estate.get("name", "") if estate else ""):
            link = checklist.attach_photo(args.item, photo)
            _out(args, {"photo_link": link.id, "sha256": photo.sha256}, photo.sha256)
    elif action == "show":
        summary = _inspection_summary(checklist)
        summary["items"] = [
            {"code": st.item.get("code"), "text": st.item.get("text"), "section": st.section.get("title"),
             "points": st.item.get("points"), "result": st.result,
             "note": st.answer.get("note") if st.answer else None, "photos": st.photos,
             "needs_photo": st.needs_photo} for st in checklist.states()]
        _out(args, summary, _inspection_text(store, checklist, summary))
    elif action == "finish":
        checklist.finish()
        summary = _inspection_summary(checklist)
        _out(args, summary, f"检查完成 (finished): 得分 {summary['score']}")


def cmd_finding(store: Store, args) -> None:
    if args.action == "add":
        estate = _estate(store, args.estate)
        photos = _photos(store, args.photo, estate.get("name", ""), args.location)
        finding = record_finding(store, estate.id, args.category, args.severity, args.description,
                                 location=args.location, photos=photos)
        _out(args, {"id": finding.id, "due_at": finding.get("due_at")}, finding.id)
    elif args.action == "close-on-site":
        action = close_on_site(store, args.finding, args.note)
        _out(args, {"id": action.id}, action.id)
    elif args.action == "list":
        rows = [{"id": f.id, "category": f.get("category"), "status": f.get("status", "open"),
                 "location": f.get("location"), "due_at": f.get("due_at"), "sync_state": f.sync_state}
                for f in open_findings(store)]
        _out(args, rows, "\n".join(
            f"{r['id']}  {r['category']}  {name_of(STATUS_NAMES, r['status'])}"
            f"  期限 {local_text(r['due_at'])}" for r in rows))


def cmd_revisit(store: Store, args) -> None:
    if args.action == "list":
        rows = reads.today(store).revisits
        _out(args, [asdict(r) for r in rows], "\n".join(
            f"{r.id}  {r.estate_name}  {r.category}  截止 {r.due_text}  {name_of(DUE_NAMES, r.due_state)}"
            for r in rows))
    elif args.action == "show":
        view = revisit_view(store, args.revisit)
        reads.mark_seen(store, "revisit", view.revisit.id)
        _out(args, _revisit_payload(store, view), _revisit_text(store, view))
    elif args.action == "complete":
        view = revisit_view(store, args.revisit)
        estate_name = view.estate.get("name", "") if view.estate else ""
        location = view.finding.get("location", "") if view.finding else ""
        record = complete_revisit(store, args.revisit, args.result, args.note,
                                  photos=_photos(store, args.photo, estate_name, location))
        _out(args, {"id": record.id, "result": record.get("result")},
             f"{record.id} → {name_of(REVISIT_RESULT_NAMES, record.get('result'))}")


def _held(store: Store, links: list) -> list[str]:
    return [str(f.path) for f in (photo_file(store, link) for link in links) if f is not None]


def _revisit_payload(store: Store, view) -> dict[str, Any]:
    return {"revisit": view.revisit.data, "finding": view.finding.data if view.finding else None,
            "estate": view.estate.get("name") if view.estate else None,
            "evidence_photos": [link.get("photo_sha256") for link in view.evidence],
            "evidence_photos_on_tablet": _held(store, view.evidence),
            "company_report": {"note": view.report_text, "reported_at": view.reported_at,
                               "photos": [link.get("photo_sha256") for link in view.company_photos],
                               "photos_on_tablet": _held(store, view.company_photos)}
            if view.rectification else None,
            "after_photos": [link.get("photo_sha256") for link in view.after]}


def _revisit_text(store: Store, view) -> str:
    revisit, finding = view.revisit, view.finding
    due = revisit.get("due_at")
    state = f"（{name_of(DUE_NAMES, due_state(due))}）" if due else ""
    lines = [f"回头看 {revisit.id} · {name_of(STATUS_NAMES, revisit.get('status'))}"
             f" · 截止 (due) {local_text(due) or '—'}{state}"]
    lines.append(f"小区 (estate): {view.estate.get('name', '') if view.estate else '—'}")
    if finding:
        lines += [f"问题 (finding): {finding.get('category', '')}"
                  f" · {name_of(SEVERITY_NAMES, finding.get('severity'))}"
                  f" · {name_of(STATUS_NAMES, finding.get('status', 'open'))}",
                  f"  位置 {finding.get('location') or '—'}"
                  f" · 发现于 {local_text(finding.get('found_at')) or '—'}"
                  f" · 整改期限 {local_text(finding.get('due_at')) or '—'}",
                  f"  {finding.get('description', '')}"]
    lines.append(f"原始照片 (evidence): {len(view.evidence)} 张，"
                 f"本机已有 {len(_held(store, view.evidence))} 张")
    if view.rectification:
        lines += [f"企业整改反馈 (company's reply, {local_text(view.reported_at) or '—'}):",
                  f"  {view.report_text or '（无文字说明）'}",
                  f"  整改照片 (after-photos): {len(view.company_photos)} 张，"
                  f"本机已有 {len(_held(store, view.company_photos))} 张"]
    else:
        lines.append("企业整改反馈 (company's reply): 尚未反馈 (none yet)")
    lines.append(f"本次复查照片 (photos of this revisit): {len(view.after)} 张")
    if revisit.get("result"):
        lines.append(f"复查结果 (result): {name_of(REVISIT_RESULT_NAMES, revisit.get('result'))}"
                     f" · {local_text(revisit.get('done_at'))} · {revisit.get('note') or ''}")
    return "\n".join(lines)


def cmd_simulate_day(store: Store, args) -> None:
    width, height = (int(v) for v in args.photo_size.lower().split("x"))
    result = record_day(store, inspections=args.inspections, photos_per_inspection=args.photos,
                        adhoc_findings=args.adhoc, seed=args.seed, photo_size=(width, height))
    _out(args, result.__dict__, f"记录 {len(result.inspections)} 次检查, {result.answers} 项, "
                                f"{result.findings} 个问题, {result.photos} 张照片")


def cmd_wipe(store: Store, args) -> None:
    if not args.yes:
        raise CliError("清除本机全部数据需要 --yes (wiping needs --yes)")
    wipe(store)
    _out(args, {"wiped": True}, "本机数据已清除 (local data wiped)")


# -- parser -------------------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m mobile.cli", description="巡查平板 (Xuncha tablet core)")
    parser.add_argument("--home", default=os.environ.get("XUNCHA_TABLET_HOME", DEFAULT_HOME),
                        help="平板数据目录 (tablet data folder)")
    parser.add_argument("--json", action="store_true", help="JSON 输出 (machine-readable output)")
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("pair", help="与服务器配对 (pair with the server)")
    p.add_argument("--server", required=True)
    p.add_argument("--username")
    p.add_argument("--password")
    p.add_argument("--code", help="一次性配对码 (one-time pairing code)")
    p.add_argument("--name", help="设备名称 (device name)")
    p.add_argument("--timeout", type=float, default=30.0)
    p.set_defaults(func=cmd_pair)

    sub.add_parser("status", help="本机状态 (local state)").set_defaults(func=cmd_status)

    p = sub.add_parser("sync", help="同步 (sync now)")
    p.add_argument("--timeout", type=float, default=30.0, help="read timeout, seconds")
    p.add_argument("--retries", type=int, default=8)
    p.add_argument("--backoff", type=float, default=0.5)
    p.add_argument("--backoff-cap", type=float, default=30.0)
    p.add_argument("--progress", action="store_true", help="progress lines (JSON) on stderr")
    p.set_defaults(func=cmd_sync)

    p = sub.add_parser("estates", help="小区 (estates; text searches name, address, pinyin initials)")
    p.add_argument("text", nargs="?", default="")
    p.add_argument("--limit", type=int, default=30)
    p.set_defaults(func=cmd_list)
    sub.add_parser("templates").set_defaults(func=cmd_list)

    p = sub.add_parser("inspect", help="检查 (run a checklist)")
    isub = p.add_subparsers(dest="action", required=True)
    isub.add_parser("list")
    s = isub.add_parser("start")
    s.add_argument("estate")
    s.add_argument("--template")
    s.add_argument("--kind", default="routine")
    s = isub.add_parser("answer")
    s.add_argument("inspection")
    s.add_argument("item", help="item id or code (e.g. 1.2)")
    s.add_argument("result", choices=["pass", "fail", "na"])
    s.add_argument("--note")
    s.add_argument("--location")
    s.add_argument("--photo", action="append")
    s = isub.add_parser("photo")
    s.add_argument("inspection")
    s.add_argument("item")
    s.add_argument("file")
    for name in ("show", "finish"):
        isub.add_parser(name).add_argument("inspection")
    p.set_defaults(func=cmd_inspect)

    p = sub.add_parser("finding", help="问题 (ad-hoc findings)")
    fsub = p.add_subparsers(dest="action", required=True)
    fsub.add_parser("list")
    s = fsub.add_parser("add")
    s.add_argument("estate")
    s.add_argument("--category", required=True)
    s.add_argument("--severity", default="major", choices=["minor", "major", "severe"])
    s.add_argument("--description", default="")
    s.add_argument("--location", default="")
    s.add_argument("--photo", action="append")
    s = fsub.add_parser("close-on-site")
    s.add_argument("finding")
    s.add_argument("--note", default="")
    p.set_defaults(func=cmd_finding)

    p = sub.add_parser("revisit", help="回头看 (revisits)")
    rsub = p.add_subparsers(dest="action", required=True)
    rsub.add_parser("list")
    rsub.add_parser("show").add_argument("revisit")
    s = rsub.add_parser("complete")
    s.add_argument("revisit")
    s.add_argument("result", choices=["fixed", "not_fixed"])
    s.add_argument("--note", default="")
    s.add_argument("--photo", action="append")
    p.set_defaults(func=cmd_revisit)

    p = sub.add_parser("simulate-day", help="脚本化的一天外业 (record a scripted field day)")
    p.add_argument("--inspections", type=int, default=5)
    p.add_argument("--photos", type=int, default=2, help="photos per inspection")
    p.add_argument("--adhoc", type=int, default=1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--photo-size", default="640x480")
    p.set_defaults(func=cmd_simulate_day)

    p = sub.add_parser("wipe", help="清除本机数据 (delete all local data)")
    p.add_argument("--yes", action="store_true")
    p.set_defaults(func=cmd_wipe)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING)
    store = Store(args.home)
    try:
        args.func(store, args)
        return 0
    except (SyncBlocked, DeviceRevoked) as exc:
        print(f"错误 (error): {exc}", file=sys.stderr)
        return 3
    except TransientError as exc:
        print(f"网络未能完成同步，请稍后重试 (sync did not finish): {exc}", file=sys.stderr)
        return 4
    except (CliError, ChecklistError, FindingError, PhotoError, InvalidRecord, ImmutableField, NotPaired,
            AlreadyPaired, LookupError, SyncError, StoreBusy) as exc:
        print(f"错误 (error): {exc}", file=sys.stderr)
        return 1
    finally:
        store.close()


if __name__ == "__main__":
    sys.exit(main())

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
from pathlib import Path
from typing import Any

from mobile.checklist import Checklist, ChecklistError
from mobile.device import AlreadyPaired, http_transport, pair
from mobile.fieldday import record_day
from mobile.findings import (
    FindingError,
    close_on_site,
    complete_revisit,
    open_findings,
    pending_revisits,
    record_finding,
    revisit_view,
)
from mobile.photos import PhotoError, process_photo
from mobile.store import ImmutableField, InvalidRecord, NotPaired, Store
from mobile.sync.engine import Progress, RetryPolicy, SyncBlocked, SyncEngine, wipe
from mobile.sync.transport import DeviceRevoked, HttpTransport, SyncError, TransientError

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
    return {
        "paired": store.is_paired,
        "device_id": store.get_meta("device_id"),
        "user": store.get_meta("username"),
        "server": store.get_meta("server_url"),
        "cursor": int(store.get_meta("cursor") or 0),
        "last_sync_at": store.get_meta("last_sync_at"),
        "blocked": bool(store.get_meta("blocked_schema")),
        "records": store.records.count(),
        "outbox": store.outbox.count(),
        "outbox_by_kind": store.outbox.counts_by_kind(),
        "photos_waiting": store.photos.count("local"),
        "photos_waiting_bytes": store.photos.waiting_bytes(),
        "rejected": [{"kind": r.kind, "id": r.id, "code": r.reject_code, "message": r.reject_message}
                     for r in store.records.not_synced() if r.sync_state == "rejected"],
        "estates": store.records.count("estate"),
        "inspections": store.records.count("inspection"),
        "findings": store.records.count("finding"),
        "revisits_pending": len(pending_revisits(store)) if store.is_paired else 0,
    }


def cmd_status(store: Store, args) -> None:
    status = status_of(store)
    lines = [f"{k}: {v}" for k, v in status.items() if k != "rejected"]
    lines += [f"  ✗ {r['kind']} {r['id']}: {r['message']}" for r in status["rejected"]]
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
    kind = {"estates": "estate", "templates": "checklist_template"}[args.command]
    rows = [{"id": r.id, **{k: r.get(k) for k in ("name", "version", "family", "address") if k in r.data}}
            for r in store.records.all(kind)]
    _out(args, rows, "\n".join(f"{r['id']}  {r.get('name', '')}" for r in rows))


def _inspection_summary(checklist: Checklist) -> dict[str, Any]:
    progress = checklist.progress()
    score, applicable = checklist.score()
    inspection = checklist.inspection
    return {"id": checklist.inspection_id, "estate_id": checklist.estate_id,
            "status": inspection.get("status"),
            "answered": progress.answered, "total": progress.total, "missing_photos": progress.missing_photos,
            "unanswered": progress.unanswered[:50], "score": str(score), "applicable_points": str(applicable),
            "findings": len(checklist.findings()), "sync_state": inspection.sync_state}


def cmd_inspect(store: Store, args) -> None:
    action = args.action
    if action == "list":
        rows = [{"id": r.id, "estate_id": r.get("estate_id"), "status": r.get("status"),
                 "started_at": r.get("started_at")} for r in store.records.all("inspection")]
        _out(args, rows, "\n".join(f"{r['id']}  {r['status']}  {r['started_at']}" for r in rows))
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
             f"{state.item.get('code')} → {state.result}"
             + ("  (需要照片 needs a photo)" if state.needs_photo else ""))
    elif action == "photo":
        estate = store.records.get("estate", checklist.estate_id)
        for photo in _photos(store, [args.file], estate.get("name", "") if estate else ""):
            link = checklist.attach_photo(args.item, photo)
            _out(args, {"photo_link": link.id, "sha256": photo.sha256}, photo.sha256)
    elif action == "show":
        summary = _inspection_summary(checklist)
        _out(args, summary, "\n".join(f"{k}: {v}" for k, v in summary.items()))
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
                 "location": f.get("location"), "sync_state": f.sync_state} for f in open_findings(store)]
        _out(args, rows, "\n".join(f"{r['id']}  {r['category']}  {r['status']}" for r in rows))


def cmd_revisit(store: Store, args) -> None:
    if args.action == "list":
        rows = [{"id": v.revisit.id, "finding_id": v.revisit.get("finding_id"),
                 "due_at": v.revisit.get("due_at"),
                 "category": v.finding.get("category") if v.finding else None,
                 "estate": v.estate.get("name") if v.estate else None} for v in pending_revisits(store)]
        _out(args, rows, "\n".join(f"{r['id']}  {r['estate']}  {r['category']}  {r['due_at']}" for r in rows))
    elif args.action == "show":
        view = revisit_view(store, args.revisit)
        held = [link.get("photo_sha256") for link in view.evidence
                if store.photos.get(link.get("photo_sha256", "")) is not None]
        payload = {"revisit": view.revisit.data, "finding": view.finding.data if view.finding else None,
                   "estate": view.estate.get("name") if view.estate else None,
                   "evidence_photos": [link.get("photo_sha256") for link in view.evidence],
                   "evidence_photos_on_tablet": held, "after_photos": len(view.after)}
        _out(args, payload, json.dumps(payload, ensure_ascii=False, indent=1))
    elif args.action == "complete":
        view = revisit_view(store, args.revisit)
        estate_name = view.estate.get("name", "") if view.estate else ""
        location = view.finding.get("location", "") if view.finding else ""
        record = complete_revisit(store, args.revisit, args.result, args.note,
                                  photos=_photos(store, args.photo, estate_name, location))
        _out(args, {"id": record.id, "result": record.get("result")}, f"{record.id} → {record.get('result')}")


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

    sub.add_parser("estates").set_defaults(func=cmd_list)
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
            AlreadyPaired, LookupError, SyncError) as exc:
        print(f"错误 (error): {exc}", file=sys.stderr)
        return 1
    finally:
        store.close()


if __name__ == "__main__":
    sys.exit(main())

"""Writing a checked ledger plan, and the whole import in one call."""

from __future__ import annotations

from datetime import date

from server.domain.audit import record_audit
from server.domain.ledger.area import keep_to_area
from server.domain.ledger.reader import LedgerSource, read_ledger
from server.domain.ledger.report import LedgerReport
from server.domain.ledger.validate import LedgerPlan, validate_ledger
from server.domain.models import Company, Estate, Office, User
from server.domain.progress import ProgressFn, no_progress
from server.extensions import db


class LedgerNotValidError(ValueError):
    """apply_ledger was given a plan whose report has errors."""


STAGE_WRITE = "写入 (writing)"
FLUSH_EVERY = 500


def apply_ledger(plan: LedgerPlan, actor: User | None = None,
                 progress: ProgressFn = no_progress) -> LedgerReport:
    """Create and update the planned companies and estates, flush, and write one audit entry.

    The caller owns the transaction: commit on success, roll back on any error. Every synced
    row written here gets its change number from the flush hook, so tablets pull the changes.
    """
    report = plan.report
    if not report.ok:
        raise LedgerNotValidError("台账有错误，不能写入")
    office_id = plan.office.id
    companies: dict[str, Company] = {}
    for code, planned in plan.companies.items():
        company = planned.existing
        if company is None:
            company = Company(office_id=office_id, credit_code=code, **planned.values)
            db.session.add(company)
        else:
            for key, value in planned.changes.items():
                setattr(company, key, value)
        companies[code] = company
    for done, planned in enumerate(plan.estates, start=1):
        if done % FLUSH_EVERY == 0:
            # Flushing in steps shows honest progress; the caller's one transaction still holds.
            db.session.flush()
            progress(STAGE_WRITE, done, len(plan.estates))
        estate = planned.existing
        if estate is None:
            estate = Estate(office_id=office_id, region_id=planned.community.id, **planned.values)
            estate.company = companies[planned.company_code] if planned.company_code else None
            db.session.add(estate)
            continue
        for key, value in planned.changes.items():
            if key == "company":
                estate.company = companies[value] if value else None
            else:
                setattr(estate, key, value)
    record_audit(actor, "import_ledger", plan.office, {
        "source": report.source,
        "rows": report.rows,
        "estates": report.estates.to_dict(),
        "companies": report.companies.to_dict(),
    }, office_id=office_id)
    db.session.flush()
    progress(STAGE_WRITE, len(plan.estates), len(plan.estates))
    report.applied = True
    return report


def import_ledger(source: LedgerSource, office: Office, actor: User | None = None, *,
                  filename: str | None = None, dry_run: bool = False,
                  today: date | None = None, progress: ProgressFn = no_progress) -> LedgerReport:
    """Read, check and (unless dry_run or the file has errors) write a ledger into `office`.

    Raises LedgerFileError when the file itself cannot be read; problems in rows come back in
    the report, and then nothing is written. An `actor` with an area imports only its estates.
    """
    table = read_ledger(source, filename)
    plan = validate_ledger(table, office, today=today, progress=progress)
    if actor is not None:
        keep_to_area(plan, table, actor)
    plan.report.dry_run = dry_run
    if plan.report.ok and not dry_run:
        apply_ledger(plan, actor, progress=progress)
    return plan.report

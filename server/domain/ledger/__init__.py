"""Estate ledger import (台账导入): read an .xlsx/.csv ledger, check it whole, then write it.

parse (`read_ledger`) → validate (`validate_ledger`, a plan and a report) → apply
(`apply_ledger`); `import_ledger` runs the three. Nothing is written unless every row is valid.
"""

from server.domain.ledger.apply import LedgerNotValidError, apply_ledger, import_ledger
from server.domain.ledger.reader import LedgerFileError, LedgerTable, read_ledger
from server.domain.ledger.report import Counts, LedgerReport, Problem
from server.domain.ledger.template import write_template
from server.domain.ledger.validate import LedgerPlan, validate_ledger

__all__ = [
    "Counts",
    "LedgerFileError",
    "LedgerNotValidError",
    "LedgerPlan",
    "LedgerReport",
    "LedgerTable",
    "Problem",
    "apply_ledger",
    "import_ledger",
    "read_ledger",
    "validate_ledger",
    "write_template",
]

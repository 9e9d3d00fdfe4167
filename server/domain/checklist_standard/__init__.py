"""Checklist standards (检查标准) an office loads from Excel: read → check every row → write a
draft version; edit the draft; publish it (frozen, then sent to tablets); export it back.

Nothing is written unless every row is valid; each problem names its row, column and reason.
"""

from server.domain.checklist_standard.standards import (
    ItemNotValidError,
    StandardReport,
    family_draft,
    find_template,
    import_standard,
    office_templates,
    update_draft_item,
)
from server.domain.checklist_standard.workbook import StandardFileError, read_standard, write_standard

__all__ = [
    "ItemNotValidError",
    "StandardFileError",
    "StandardReport",
    "family_draft",
    "find_template",
    "import_standard",
    "office_templates",
    "read_standard",
    "update_draft_item",
    "write_standard",
]

"""Photo uploads: the reply shapes and the Content-Range header both sides write and read."""

from __future__ import annotations

import re
from dataclasses import dataclass

from marshmallow import Schema, fields

from shared_schema.fields import Sha256, UtcDateTime

_NUMBER = r"(0|[1-9][0-9]{0,14})"
_RANGE = re.compile(rf"bytes {_NUMBER}-{_NUMBER}/{_NUMBER}")
_FINISH = re.compile(rf"bytes \*/{_NUMBER}")


@dataclass(frozen=True)
class ContentRange:
    """`bytes START-END/TOTAL` (END inclusive), or `bytes */TOTAL` (no bytes: "finish now")."""

    start: int | None
    end: int | None
    total: int

    @property
    def length(self) -> int:
        return 0 if self.start is None else self.end - self.start + 1

    def header(self) -> str:
        if self.start is None:
            return f"bytes */{self.total}"
        return f"bytes {self.start}-{self.end}/{self.total}"


def chunk_range(start: int, length: int, total: int) -> ContentRange:
    """The range of `length` bytes from `start` of a file of `total` bytes."""
    return ContentRange(start, start + length - 1, total)


def parse_content_range(header: str) -> ContentRange:
    """Read a Content-Range header strictly; ValueError says what is wrong."""
    if match := _RANGE.fullmatch(header):
        start, end, total = (int(part) for part in match.groups())
        if not start <= end < total:
            raise ValueError("need START <= END < TOTAL (END is inclusive)")
        return ContentRange(start, end, total)
    if match := _FINISH.fullmatch(header):
        total = int(match[1])
        if total < 1:
            raise ValueError("TOTAL must be at least 1")
        return ContentRange(None, None, total)
    raise ValueError("expected 'bytes START-END/TOTAL' or 'bytes */TOTAL'")


class PhotoSchema(Schema):
    sha256 = Sha256()
    content_type = fields.String()
    size = fields.Integer()
    width = fields.Integer(allow_none=True)
    height = fields.Integer(allow_none=True)
    taken_at = UtcDateTime(allow_none=True)
    latitude = fields.Float(allow_none=True)
    longitude = fields.Float(allow_none=True)


class UploadStatusSchema(Schema):
    """Where an upload stands; `photo` is present once `complete` is true."""

    sha256 = Sha256()
    offset = fields.Integer()
    complete = fields.Boolean()
    max_chunk = fields.Integer()
    photo = fields.Nested(PhotoSchema, allow_none=True)

"""投诉: complaints by channel, their verification on a tablet, reply, closure and figures."""

from server.domain.complaints.handling import (
    check_complaint_fields,
    close_complaint,
    file_as_finding,
    may_see_complaint,
    record_complaint,
    reply_to_complaint,
    send_for_verification,
    task_day,
)
from server.domain.complaints.rules import CHANNEL_LABELS, CHANNEL_LABELS_EN, reply_due_at, reply_working_days
from server.domain.complaints.stats import ChannelFigures, complaints_by_channel, percent

__all__ = ["CHANNEL_LABELS", "CHANNEL_LABELS_EN", "ChannelFigures", "check_complaint_fields",
           "close_complaint",
           "complaints_by_channel", "file_as_finding", "may_see_complaint", "percent", "record_complaint",
           "reply_due_at", "reply_to_complaint", "reply_working_days", "send_for_verification", "task_day"]

"""Each channel's reply deadline, counted in working days on the office's work calendar."""

from __future__ import annotations

import uuid
from datetime import datetime

from flask import current_app, has_app_context

from server.domain.models import ComplaintChannel
from server.domain.rectification.deadlines import WorkCalendar, end_of_local_day, local_date, office_calendar

# Working days to reply, by channel; a deployment overrides them in its config
# (COMPLAINT_REPLY_WORKING_DAYS = {"hotline_12345": 3, ...}).
DEFAULT_REPLY_WORKING_DAYS = {
    ComplaintChannel.HOTLINE_12345: 5,
    ComplaintChannel.PHONE: 5,
    ComplaintChannel.ONLINE: 7,
    ComplaintChannel.ON_SITE: 3,
    ComplaintChannel.LEADER_INSTRUCTION: 3,
}

CHANNEL_LABELS = {
    ComplaintChannel.HOTLINE_12345: "12345热线",
    ComplaintChannel.PHONE: "来电",
    ComplaintChannel.ONLINE: "网络舆情",
    ComplaintChannel.ON_SITE: "现场来访",
    ComplaintChannel.LEADER_INSTRUCTION: "领导批示",
}
CHANNEL_LABELS_EN = {
    ComplaintChannel.HOTLINE_12345: "12345 hotline",
    ComplaintChannel.PHONE: "phone",
    ComplaintChannel.ONLINE: "online",
    ComplaintChannel.ON_SITE: "on site",
    ComplaintChannel.LEADER_INSTRUCTION: "leader's instruction",
}


def reply_working_days(channel: ComplaintChannel) -> int:
    table = dict(DEFAULT_REPLY_WORKING_DAYS)
    if has_app_context():
        table.update({ComplaintChannel(k): v for k, v in
                      current_app.config.get("COMPLAINT_REPLY_WORKING_DAYS", {}).items()})
    return int(table[channel])


def reply_due_at(office_id: uuid.UUID, channel: ComplaintChannel, received_at: datetime,
                 calendar: WorkCalendar | None = None) -> datetime:
    """The end of the N-th working day after the local day the complaint came in (an import
    passes the office's calendar once for all its rows)."""
    calendar = calendar or office_calendar(office_id)
    return end_of_local_day(calendar.add_working_days(local_date(received_at), reply_working_days(channel)))

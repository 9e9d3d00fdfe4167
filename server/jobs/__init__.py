"""Scheduled work: deadlines passing, escalation, reminder delivery.

Runs inside the server process on the embedded default (`start_scheduler_thread(app)`) and as
`xuncha jobs worker` when deployed; any number of copies may run at once.
"""

from server.jobs.scheduler import TickReport, run_once, start_scheduler_thread

__all__ = ["TickReport", "run_once", "start_scheduler_thread"]

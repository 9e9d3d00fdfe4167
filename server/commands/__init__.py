"""CLI command groups, one module per area."""

from flask import Flask


def register_all(app: Flask) -> None:
    from server.commands import backup, checklist, city, demo, devices, jobs, ledger, serve

    for group in (backup.backup, backup.restore, checklist.checklist, city.city, demo.demo, devices.device,
                  jobs.jobs, ledger.ledger, serve.serve):
        app.cli.add_command(group)
    from server.commands import plans

    app.cli.add_command(plans.plan)  # double-random plans: verify a draw
    from server.commands import users

    for group in (users.user, users.office):  # accounts, and the office's frame on a new server
        app.cli.add_command(group)
    from server.commands import bulletin

    app.cli.add_command(bulletin.bulletin)  # bulletins: a period's figures, PDF and XLSX

"""The demo city: a believable, deterministic city to show, test and benchmark Xuncha with.

    xuncha demo build [--scale N] [--seed S] [--today YYYY-MM-DD] [--months M]
                      [--photos/--no-photos] [--photo-limit N] [--replace]
    xuncha demo logins
    xuncha city estates [--district 澜湖区] [--name 花园] [--limit N]

The fictional prefecture city 澜江市 (division code 390100): at scale 1, 3 districts, 12
streets, 40 communities, 120 estates of all four management types, 20 companies, a 13-section
100-point checklist, and a few months of inspections with findings, notices, company reports,
revisits, escalations, reminders (sent up to the end of the build day, the rest queued) and
drawn photos. All logins use server.config.DEMO_PASSWORD.
"""

from server.demo.builder import (
    DemoBuildError,
    DemoCityExistsError,
    DemoOptions,
    DemoReport,
    Login,
    build_demo_city,
    china_today,
)

__all__ = [
    "DemoBuildError",
    "DemoCityExistsError",
    "DemoOptions",
    "DemoReport",
    "Login",
    "build_demo_city",
    "china_today",
]

"""The demo city: a believable, deterministic city to show, test and benchmark Xuncha with."""

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

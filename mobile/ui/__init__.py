"""The tablet's Kivy UI: a thin layer of screens over the Kivy-free core in mobile/.

`python -m mobile.ui --home DIR [--server URL] [--portrait]` opens the app. Nothing below
mobile/ui imports Kivy; screens ask the core (mobile.checklist, mobile.findings, mobile.reads…)
for every rule and only draw what comes back.
"""

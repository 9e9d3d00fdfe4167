"""Bulletins (周报送、月通报、半年和年度统计): the figures of one period, their rows, PDF and XLSX.

figures.py defines every figure once (what it counts, in words for docs/bulletins.md and as a
query); report.py counts them for a period and an area; sources.py brings in the complaint,
red/black-list and random-plan figures of the other modules when they are present.
"""

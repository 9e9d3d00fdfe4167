"""`xuncha bulletin make`: the month's figures printed, PDF and XLSX written; bad input is one line."""

from __future__ import annotations

import openpyxl

from tests import bulletin_city as city


def test_make_prints_the_figures_and_writes_both_files(app, runner, tmp_path):
    with app.app_context():
        city.build_city()
    pdf, xlsx = tmp_path / "nov.pdf", tmp_path / "nov.xlsx"
    result = runner.invoke(args=["bulletin", "make", "2026-11", "--office", "示住建", "--pdf", str(pdf),
                                 "--xlsx", str(xlsx)])
    assert result.exit_code == 0, result.output
    assert "示例市住房和城乡建设局2026年11月物业监管月通报" in result.output
    lines = result.output.splitlines()
    assert "  发现问题：6" in lines and "  整改率：50.0%" in lines and "  按期整改率：50.0%" in lines
    assert pdf.read_bytes()[:4] == b"%PDF"
    sheet = openpyxl.load_workbook(xlsx)["主要指标（按区域）"]
    assert [c.value for c in sheet[6]] == ["发现问题", 6, 4, 2]


def test_bad_input_is_one_readable_line(app, runner):
    with app.app_context():
        city.build_city()  # two offices: the city's and another
    for args, message in ((["2026-13", "--office", "示住建"], "月份应为1到12"),
                          (["2026-11"], "请用 --office 指定单位"),
                          (["2026-11", "--office", "无此单位"], "没有这个单位"),
                          (["2026-11", "--office", "示住建", "--region", "999"], "没有代码为")):
        result = runner.invoke(args=["bulletin", "make", *args])
        assert result.exit_code != 0 and message in result.output, args
        assert "Traceback" not in result.output

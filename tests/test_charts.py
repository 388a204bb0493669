"""The core's server-drawn SVG charts: plain dicts a template renders, with the numbers in a table."""

from django.template.loader import render_to_string

from acquirer.charts import bar_chart, line_chart


def test_bar_chart_scales_bars_to_the_largest_value_and_keeps_the_values_as_text():
    chart = bar_chart("Complaints by channel", [("Hotline", 10), ("Portal", 5), ("E-mail", 0)])
    widths = [row["width"] for row in chart["rows"]]
    assert widths[0] == 2 * widths[1] and widths[2] == 0
    assert [row["text"] for row in chart["rows"]] == ["10", "5", "0"]
    assert chart["height"] > 0 and not chart["empty"]


def test_bar_chart_links_each_bar_through_the_callable_with_its_key():
    chart = bar_chart("By category", [("费率与手续费", 3, 7)], link=lambda label, key: f"/list/?category={key}")
    assert chart["rows"][0]["url"] == "/list/?category=7"


def test_line_chart_has_one_line_per_series_and_a_cell_per_label():
    chart = line_chart("Trend", ["2026-01", "2026-02", "2026-03"], {"Received": [1, 4, 2], "Breached": [0, 1]})
    assert [line["name"] for line in chart["lines"]] == ["Received", "Breached"]
    assert chart["lines"][1]["cells"] == ["0", "1", "—"]
    highest = min(point["y"] for point in chart["lines"][0]["points"])
    assert highest == chart["lines"][0]["points"][1]["y"]  # the largest value is drawn highest


def test_chart_template_renders_svg_and_a_table_with_the_numbers_and_links():
    chart = bar_chart("终端故障 Terminal fault", [("终端故障", 12)], link=["/ops/complaints/?category=3"])
    html = render_to_string("acquirer/shared/_chart.html", {"chart": chart, "chart_id": "t"})
    assert "<svg" in html and 'role="img"' in html and "终端故障" in html
    assert '<table class="table table-sm w-auto small" id="t-table">' in html and ">12<" in html
    assert 'href="/ops/complaints/?category=3"' in html
    assert "style=" not in html and "<script" not in html


def test_an_empty_chart_says_so_instead_of_drawing():
    html = render_to_string("acquirer/shared/_chart.html", {"chart": line_chart("Trend", [], {}), "chart_id": "e"})
    assert "<svg" not in html

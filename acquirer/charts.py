"""Charts drawn on the server as SVG: no script, no inline style, no CDN (the CSP allows none), each with the same
numbers as a table for screen readers and for reading exact values.

A chart is a plain dict that ``templates/acquirer/shared/_chart.html`` renders::

    {% include "acquirer/shared/_chart.html" with chart=volume_chart chart_id="volume" %}

* :func:`bar_chart` — one bar per ``(label, value)``, each bar optionally a link (``link(label, key)`` or a list of
  URLs): ``bar_chart(_("Complaints by channel"), [("Hotline", 12), ("Portal", 30)])``.
* :func:`line_chart` — one line per series over shared x labels:
  ``line_chart(_("Monthly trend"), ["2026-01", "2026-02"], {_("Received"): [3, 5], _("Resolved"): [2, 6]})``.

Titles and labels are whatever the caller passes (translated strings), so the chart reads in both languages; the
template adds only translated words of its own. Values are numbers (ints or Decimals; never money in float)."""

from collections.abc import Callable, Sequence
from decimal import Decimal

WIDTH = 640  # the line chart's box (it takes a whole row)
BAR_WIDTH = 460  # the bar chart's box (often half a row)
BAR_ROW = 26  # height of one horizontal bar row
LABEL_WIDTH = 170  # room for the bar labels on the left
VALUE_WIDTH = 50  # room for the value on the right of a bar
LINE_HEIGHT = 220
PAD = 30
# colour-blind safe palette (Okabe–Ito), one colour per line series, repeated when there are more
PALETTE = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000")


def _number(value) -> float:
    """A value as a float for drawing only (positions in the SVG box); the text shows the value as given."""
    if value is None:
        return 0.0
    return float(value) if isinstance(value, int | float | Decimal) else 0.0


def _text(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def _nice_top(top: float) -> float:
    """A round upper bound for the axis (1, 2, 5 × 10^n) at or above ``top``."""
    if top <= 0:
        return 1.0
    magnitude = 1.0
    while magnitude * 10 <= top:
        magnitude *= 10
    while magnitude > top:
        magnitude /= 10
    for step in (1, 2, 5, 10):
        if step * magnitude >= top:
            return step * magnitude
    return top


def bar_chart(title, series: Sequence[tuple], link: Callable | Sequence[str] | None = None, *,
              unit: str = "") -> dict:
    """Horizontal bars, one per ``(label, value)`` (a third item, when given, is a key passed to ``link``).

    ``link`` is a callable ``(label, key) -> url`` or a list of URLs, one per bar ("" for none): each bar and its
    row in the table then opens that page (e.g. the complaint list filtered by the bar's category)."""
    rows = []
    values = [_number(item[1]) for item in series]
    top = max(values + [0.0]) or 1.0
    span = BAR_WIDTH - LABEL_WIDTH - VALUE_WIDTH
    for index, item in enumerate(series):
        label, value = item[0], item[1]
        key = item[2] if len(item) > 2 else label
        if callable(link):
            url = link(label, key) or ""
        elif link is not None:
            url = link[index] if index < len(link) else ""
        else:
            url = ""
        length = round(span * values[index] / top, 1)
        y = index * BAR_ROW + 4
        rows.append({"label": str(label), "value": value, "text": _text(value), "url": url,
                     "x": LABEL_WIDTH, "y": y, "width": max(length, 0.5 if values[index] else 0),
                     "height": BAR_ROW - 8, "text_y": y + BAR_ROW / 2 + 1,
                     "value_x": LABEL_WIDTH + length + 4})
    return {"kind": "bar", "title": str(title), "unit": unit, "rows": rows, "width": BAR_WIDTH,
            "height": max(len(rows), 1) * BAR_ROW + 8, "label_x": LABEL_WIDTH - 6, "empty": not rows}


def line_chart(title, x_labels: Sequence, series: dict, *, unit: str = "") -> dict:
    """Lines over shared x labels, one per ``{name: [value per x label]}`` (missing values count as 0 in the
    drawing and show as "—" in the table). Points carry a tooltip; a legend names the colours."""
    labels = [str(label) for label in x_labels]
    count = len(labels)
    top = _nice_top(max([_number(v) for values in series.values() for v in values] + [0.0]))
    left, right, upper, lower = PAD + 10, WIDTH - PAD, PAD + 6, LINE_HEIGHT - PAD
    step = (right - left) / max(count - 1, 1)

    def x_at(index: int) -> float:
        return round(left + index * step, 1)

    def y_at(value) -> float:
        return round(lower - (lower - upper) * _number(value) / top, 1)

    lines = []
    for number, (name, values) in enumerate(series.items()):
        values = list(values) + [None] * (count - len(values))
        points = [{"x": x_at(i), "y": y_at(v), "text": _text(v), "label": labels[i]} for i, v in
                  enumerate(values[:count])]
        lines.append({"name": str(name), "colour": PALETTE[number % len(PALETTE)],
                      "points": points, "path": " ".join(f"{p['x']},{p['y']}" for p in points),
                      "cells": [_text(v) for v in values[:count]], "legend_x": left + 130 * number})
    every = max(1, (count + 5) // 6)  # at most about six x labels, so they never overlap
    ticks = [{"x": x_at(i), "label": label} for i, label in enumerate(labels) if i % every == 0 or i == count - 1]
    grid = [{"y": y_at(top * share), "text": _text(_round(top * share))} for share in (0, 0.5, 1)]
    return {"kind": "line", "title": str(title), "unit": unit, "labels": labels, "lines": lines, "ticks": ticks,
            "grid": grid, "width": WIDTH, "height": LINE_HEIGHT, "left": left, "right": right, "lower": lower,
            "tick_y": lower + 16, "legend_y": 14, "empty": count == 0}


def _round(value: float):
    return int(value) if float(value).is_integer() else round(value, 1)

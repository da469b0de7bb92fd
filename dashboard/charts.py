"""The dashboard's two charts as SVG geometry, computed on the server (no queries).

The template only writes ``<rect>``/``<text>`` with presentation attributes and CSS classes, so
the Content Security Policy (no inline style, no inline script) holds and no chart library is
needed.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.formats import date_format

CHART_WIDTH = 600
CHART_HEIGHT = 180
CHART_BOTTOM = 20
GOODWILL_WIDTH = 320
GOODWILL_ROW = 22
GOODWILL_LABEL_WIDTH = 130


def column_chart(values: list[Decimal | int], labels: list[str]) -> list[dict[str, Any]]:
    """Return the geometry of a column chart (x, y, width, height per bar) in SVG units."""
    peak = max((float(value) for value in values), default=0) or 1.0
    slot = CHART_WIDTH / max(len(values), 1)
    plot_height = CHART_HEIGHT - CHART_BOTTOM
    bars = []
    for index, (value, label) in enumerate(zip(values, labels, strict=True)):
        height = round(float(value) / peak * (plot_height - 10), 1)
        bars.append(
            {
                "x": round(index * slot + slot * 0.15, 1),
                "width": round(slot * 0.7, 1),
                "y": round(plot_height - height, 1),
                "height": height,
                "label_x": round(index * slot + slot / 2, 1),
                "label": label,
                "value": value,
            }
        )
    return bars


def bar_chart(values: list[int], labels: list[str]) -> list[dict[str, Any]]:
    """Return the geometry of a horizontal bar chart (one row of GOODWILL_ROW units a value)."""
    peak = max(values, default=0) or 1
    room = GOODWILL_WIDTH - GOODWILL_LABEL_WIDTH - 30
    bars = []
    for index, (value, label) in enumerate(zip(values, labels, strict=True)):
        width = max(round(value / peak * room, 1), 2)
        bars.append(
            {
                "y": index * GOODWILL_ROW + 3,
                "text_y": index * GOODWILL_ROW + 15,
                "x": GOODWILL_LABEL_WIDTH,
                "width": width,
                "value_x": round(GOODWILL_LABEL_WIDTH + width + 6, 1),
                "label": label,
                "value": value,
            }
        )
    return bars


def charts_context(
    *, income: dict[str, list[dict[str, Any]]], goodwill: list[Any]
) -> dict[str, Any]:
    """Return the charts' part of the dashboard context from the income per month and currency
    (``selectors.income_by_month``) and the clients with their ``goodwill_rounds``
    (``projects.selectors.scope.goodwill_by_client``).

    One income chart and total per currency: euros and dollars are never added together.
    """
    return {
        "income_charts": [
            {
                "currency": currency,
                "total": sum((row["total"] for row in months), Decimal(0)),
                "chart": column_chart(
                    [row["total"] for row in months],
                    [date_format(row["month"], "M") for row in months],
                ),
            }
            for currency, months in income.items()
        ],
        "goodwill_chart": bar_chart(
            [client.goodwill_rounds for client in goodwill], [client.name for client in goodwill]
        ),
        "goodwill_height": max(len(goodwill) * GOODWILL_ROW, GOODWILL_ROW),
    }


def chart_frame() -> dict[str, int]:
    """Return the charts' fixed dimensions for the template."""
    return {
        "chart_width": CHART_WIDTH,
        "goodwill_width": GOODWILL_WIDTH,
        "chart_height": CHART_HEIGHT,
        "chart_baseline": CHART_HEIGHT - CHART_BOTTOM,
    }

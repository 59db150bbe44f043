"""The dashboard's charts: SVG drawn on the server by pygal and sent inside the page, so
nothing is fetched from elsewhere and no chart script runs. Each chart carries its title and
a description for screen readers; the page shows its numbers as a table too.

Colours are CSS variables (`static/newsroom/dashboard.css`) and text takes the admin's own
colour, so a chart reads the same in the admin's light and dark themes. Drawing is the slow
part of the dashboard, so a chart is drawn once for each set of numbers and kept a while in
the shared cache.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from xml.etree import ElementTree

import pygal
from babel.numbers import format_decimal
from django.core.cache import cache
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import to_locale
from pygal.style import Style

from tamizdat.support import money

PALETTE = tuple(f"var(--tz-chart-{number})" for number in range(1, 7))
STYLE = Style(
    background="transparent",
    plot_background="transparent",
    foreground="currentColor",
    foreground_strong="currentColor",
    foreground_subtle="currentColor",
    guide_stroke_color="currentColor",
    major_guide_stroke_color="currentColor",
    font_family="inherit",
    colors=PALETTE,
    opacity="0.9",
    opacity_hover="1",
    title_font_size=18,
    label_font_size=13,
    major_label_font_size=13,
    legend_font_size=14,
    value_font_size=13,
)
WIDTH, HEIGHT = 720, 360


CACHE_SECONDS = 3600


@dataclass(frozen=True)
class Format:
    """How a chart writes its values: money in `currency`, or plain numbers without one."""

    language: str
    currency: str = ""

    def __call__(self, value: float) -> str:
        if not self.currency:
            return format_decimal(round(value), locale=to_locale(self.language))
        minor = round(Decimal(str(value)).scaleb(money.exponent(self.currency)))
        return money.format_money(int(minor), self.currency, self.language)


@dataclass(frozen=True)
class Series:
    label: str
    # Plotted values in major units: a chart's geometry, never money kept or summed.
    values: Sequence[float | None]


def _options(title: str, formatter: Format) -> dict[str, object]:
    return {
        "style": STYLE,
        "title": title,
        "width": WIDTH,
        "height": HEIGHT,
        "explicit_size": False,
        "js": [],  # no chart script, from anywhere
        "value_formatter": formatter,
        "legend_at_bottom": True,
        "truncate_legend": -1,
        "truncate_label": -1,
        "margin": 16,
        "x_label_rotation": 30,
        "show_minor_x_labels": True,
    }


def _local(tag: object) -> str:
    """An element's name without its namespace (pygal writes some with, some without); ""
    for a comment."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _svg(chart: pygal.graph.graph.Graph, description: str) -> SafeString:
    """The chart as an `<svg>` element for inlining: with a name and a description for
    assistive technology, without pygal's configuration script, and without the ids pygal
    repeats in every chart of a page."""
    root = chart.render_tree()
    chart_id = root.get("id", "chart")
    for parent in list(root.iter()):
        for child in list(parent):
            if _local(child.tag) == "script":
                parent.remove(child)
            elif child.get("id", "").startswith("activate-serie"):
                del child.attrib["id"]
    title = next((child for child in root if _local(child.tag) == "title"), None)
    if title is not None:
        title.set("id", f"{chart_id}-title")
        desc = ElementTree.Element(title.tag.replace("title", "desc"), {"id": f"{chart_id}-desc"})
        desc.text = description
        root.insert(list(root).index(title) + 1, desc)
        root.set("aria-labelledby", f"{chart_id}-title")
        root.set("aria-describedby", f"{chart_id}-desc")
    root.set("role", "img")
    root.set("focusable", "false")
    markup = ElementTree.tostring(root, encoding="unicode")
    # Every text in the drawing comes from our own figures and labels, escaped by ElementTree.
    return mark_safe(markup)


def _drawn(key: tuple[object, ...], draw: Callable[[], SafeString]) -> SafeString:
    """The chart drawn for these inputs before, or drawn now and kept."""
    name = "newsroom:chart:" + hashlib.sha256(repr(key).encode()).hexdigest()
    svg = cache.get(name)
    if svg is None:
        svg = str(draw())
        cache.set(name, svg, CACHE_SECONDS)
    # Drawn by `_svg` from our own figures and labels, escaped by ElementTree.
    return mark_safe(svg)


def bars(
    title: str,
    description: str,
    labels: Sequence[str],
    series: Sequence[Series],
    formatter: Format,
    *,
    stacked: bool = False,
    horizontal: bool = False,
) -> SafeString:
    def draw() -> SafeString:
        kind: type[pygal.graph.graph.Graph]
        if horizontal:
            kind = pygal.HorizontalStackedBar if stacked else pygal.HorizontalBar
        else:
            kind = pygal.StackedBar if stacked else pygal.Bar
        chart = kind(**_options(title, formatter), show_legend=len(series) > 1)
        chart.x_labels = list(labels)
        for each in series:
            chart.add(each.label, list(each.values))
        return _svg(chart, description)

    key = ("bars", title, description, tuple(labels), tuple(series), formatter, stacked, horizontal)
    return _drawn(key, draw)


def lines(
    title: str,
    description: str,
    labels: Sequence[str],
    series: Sequence[Series],
    formatter: Format,
) -> SafeString:
    def draw() -> SafeString:
        chart = pygal.Line(**_options(title, formatter), show_legend=len(series) > 1, dots_size=3)
        chart.x_labels = list(labels)
        for each in series:
            chart.add(each.label, list(each.values))
        return _svg(chart, description)

    return _drawn(("lines", title, description, tuple(labels), tuple(series), formatter), draw)

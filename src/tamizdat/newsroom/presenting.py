"""The dashboard's figures as staff read them: money and shares written out in the staff
member's language, each chart with the table of its numbers, so templates only lay them out."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal, format_percent
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import to_locale

from tamizdat.payments.registry import display_name
from tamizdat.prompts import goal
from tamizdat.support import money
from tamizdat.support.models import Frequency

from . import charts
from .dashboard import Dashboard, PeriodFigures
from .figures.breakdowns import Share
from .figures.gifts import Bucket
from .figures.recurring import Movement


@dataclass(frozen=True)
class Table:
    caption: str
    headers: list[str]
    rows: list[list[str]]


@dataclass(frozen=True)
class Chart:
    key: str
    svg: SafeString
    table: Table


@dataclass(frozen=True)
class Figure:
    """A headline number of the chosen period, with the previous period's beside it."""

    label: str
    value: str
    previous: str
    note: str = ""


@dataclass
class Page:
    period_label: str
    previous_label: str
    progress: dict[str, str] | None
    figures: list[Figure] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)


class Writer:
    """Money, numbers, shares and months in one language. A page names the same 18 months in
    its charts and their tables: each month is written once."""

    def __init__(self, currency: str, language: str) -> None:
        self.currency = currency
        self.language = language
        self.locale = Locale.parse(to_locale(language))
        self._months: dict[tuple[datetime.date, str], str] = {}

    def money(self, amount: int | None) -> str:
        if amount is None:
            return "–"
        return money.format_money(amount, self.currency, self.language)

    def number(self, value: int) -> str:
        return format_decimal(value, locale=self.locale)

    def share(self, value: Decimal | float | None) -> str:
        if value is None:
            return "–"
        return format_percent(value, "#,##0.0%", locale=self.locale)

    def _month(self, month: goal.Month, pattern: str) -> str:
        key = (month.first_day, pattern)
        if key not in self._months:
            self._months[key] = format_date(month.first_day, pattern, locale=self.locale)
        return self._months[key]

    def month(self, month: goal.Month) -> str:
        return self._month(month, "LLL yyyy")

    def short_month(self, month: goal.Month) -> str:
        """For a chart's axis, where 18 months must fit: "Mar 26"."""
        return self._month(month, "LLL yy")

    def major(self, amount: int) -> float:
        """For a chart's geometry only."""
        return float(money.to_major(amount, self.currency))

    @property
    def chart_money(self) -> charts.Format:
        return charts.Format(self.language, self.currency)

    @property
    def chart_number(self) -> charts.Format:
        return charts.Format(self.language)


def period_label(writer: Writer, figures: PeriodFigures) -> str:
    period = figures.period
    if period.length == 1:
        return writer.month(period.first)
    return f"{writer.month(period.first)} – {writer.month(period.last)}"


def page(board: Dashboard, language: str) -> Page:
    writer = Writer(board.currency, language)
    chosen, previous = board.chosen, board.previous
    built = Page(
        period_label=period_label(writer, chosen),
        previous_label=period_label(writer, previous),
        progress=_progress(board, writer),
    )
    built.figures = _figures(chosen, previous, board, writer)
    built.charts = [
        _goal_chart(board, writer),
        _mrr_chart(board, writer),
        _movement_chart(board, writer),
        _active_chart(chosen, writer),
        _sizes_chart(chosen, writer),
        _currency_chart(chosen, writer),
        _shares_chart("rails", _("Revenue by payment method"), _("Payment method"), chosen, writer),
        _shares_chart("languages", _("Revenue by language"), _("Language"), chosen, writer),
    ]
    built.tables = [
        _cohort_table(board, writer),
        _funnel_table(board, writer),
        _newsletter_table(board, writer),
    ]
    return built


def _progress(board: Dashboard, writer: Writer) -> dict[str, str] | None:
    progress = board.progress
    if progress is None:
        return None
    return {
        "raised": money.format_whole(progress.raised, progress.currency, writer.language),
        "goal": money.format_whole(progress.goal, progress.currency, writer.language),
        "share": writer.share(Decimal(progress.raised) / progress.goal),
    }


def _figures(
    chosen: PeriodFigures, previous: PeriodFigures, board: Dashboard, writer: Writer
) -> list[Figure]:
    def pair(label: str, text: Callable[[PeriodFigures], str]) -> Figure:
        return Figure(label, text(chosen), text(previous))

    return [
        pair(_("MRR"), lambda f: writer.money(f.recurring.mrr)),
        pair(_("ARR"), lambda f: writer.money(f.recurring.arr)),
        pair(_("Net new MRR"), lambda f: writer.money(f.recurring.movement.net)),
        pair(
            _("Active recurring supporters"), lambda f: writer.number(f.recurring.active.supporters)
        ),
        pair(_("Supporter churn a month"), lambda f: writer.share(f.recurring.supporter_churn)),
        pair(_("Revenue churn a month"), lambda f: writer.share(f.recurring.revenue_churn)),
        pair(_("ARPU (a month)"), lambda f: writer.money(f.recurring.arpu)),
        pair(_("Lifetime value"), lambda f: writer.money(f.recurring.lifetime_value)),
        pair(_("One-time gifts"), lambda f: writer.number(f.one_time.count)),
        pair(_("One-time gifts, sum"), lambda f: writer.money(f.one_time.gross)),
        pair(_("One-time gift, average"), lambda f: writer.money(f.one_time.average)),
        pair(
            _("Refunds"),
            lambda f: f"{writer.number(f.refunds.count)} · {writer.money(f.refunds.amount)}",
        ),
        pair(_("Revenue, less refunds"), lambda f: writer.money(f.revenue)),
    ]


def _goal_chart(board: Dashboard, writer: Writer) -> Chart:
    months = [writer.month(entry.month) for entry in board.goal_months]
    title = _("The goal, month by month")
    svg = charts.lines(
        title,
        _("What readers gave each month against the monthly goal, over the last 18 months."),
        [writer.short_month(entry.month) for entry in board.goal_months],
        [
            charts.Series(_("Raised"), [writer.major(e.raised) for e in board.goal_months]),
            charts.Series(_("Goal"), [writer.major(e.goal) for e in board.goal_months]),
        ],
        writer.chart_money,
    )
    rows = [
        [month, writer.money(e.raised), writer.money(e.goal), _("yes") if e.met else _("no")]
        for month, e in zip(months, board.goal_months, strict=True)
    ]
    table = Table(title, [_("Month"), _("Raised"), _("Goal"), _("Met")], rows)
    return Chart("goal", svg, table)


def _mrr_chart(board: Dashboard, writer: Writer) -> Chart:
    months = [writer.month(month) for month, _mrr, _moved in board.series]
    title = _("MRR")
    values = [writer.major(mrr) for _month, mrr, _moved in board.series]
    svg = charts.lines(
        title,
        _("Monthly recurring revenue at the end of each of the last 18 months."),
        [writer.short_month(month) for month, _mrr, _moved in board.series],
        [charts.Series(_("MRR"), values)],
        writer.chart_money,
    )
    rows = [
        [label, writer.money(mrr), writer.money(mrr * 12)]
        for label, (_month, mrr, _moved) in zip(months, board.series, strict=True)
    ]
    return Chart("mrr", svg, Table(title, [_("Month"), _("MRR"), _("ARR")], rows))


def _movement_chart(board: Dashboard, writer: Writer) -> Chart:
    months = [writer.month(month) for month, _mrr, _moved in board.series]
    moves: list[Movement] = [moved for _month, _mrr, moved in board.series]
    labels = {
        "new": _("New"),
        "reactivation": _("Reactivation"),
        "expansion": _("Expansion"),
        "contraction": _("Contraction"),
        "churn": _("Churn"),
    }
    title = _("MRR movement")
    svg = charts.bars(
        title,
        _(
            "MRR gained each month (new, reactivation, expansion) above the line and lost "
            "(contraction, churn) below it, over the last 18 months."
        ),
        [writer.short_month(month) for month, _mrr, _moved in board.series],
        [
            charts.Series(label, [writer.major(getattr(moved, kind)) for moved in moves])
            for kind, label in labels.items()
        ],
        writer.chart_money,
        stacked=True,
    )
    rows = [
        [month, *(writer.money(getattr(moved, kind)) for kind in labels), writer.money(moved.net)]
        for month, moved in zip(months, moves, strict=True)
    ]
    headers = [_("Month"), *labels.values(), _("Net new MRR")]
    return Chart("movement", svg, Table(title, headers, rows))


def _active_chart(figures: PeriodFigures, writer: Writer) -> Chart:
    active = figures.recurring.active
    frequencies = [(Frequency.MONTH, _("Monthly")), (Frequency.YEAR, _("Annual"))]
    title = _("Active recurring supporters by frequency")
    svg = charts.bars(
        title,
        _("Supporters with an active monthly or annual plan at the end of the period."),
        [label for _key, label in frequencies],
        [
            charts.Series(
                _("Supporters"),
                [active.supporters_by_interval.get(key, 0) for key, _label in frequencies],
            )
        ],
        writer.chart_number,
        horizontal=True,
    )
    rows = [
        [
            label,
            writer.number(active.supporters_by_interval.get(key, 0)),
            writer.number(active.plans.get(key, 0)),
        ]
        for key, label in frequencies
    ]
    table = Table(title, [_("Frequency"), _("Supporters"), _("Plans")], rows)
    return Chart("active", svg, table)


def _bucket_label(bucket: Bucket, writer: Writer) -> str:
    low = writer.money(bucket.low * 10 ** money.exponent(writer.currency))
    if bucket.high is None:
        return _("%(low)s or more") % {"low": low}
    high = writer.money(bucket.high * 10 ** money.exponent(writer.currency))
    return _("%(low)s to under %(high)s") % {"low": low, "high": high}


def _sizes_chart(figures: PeriodFigures, writer: Writer) -> Chart:
    buckets = figures.one_time.buckets
    labels = [_bucket_label(bucket, writer) for bucket in buckets]
    title = _("One-time gifts by size")
    svg = charts.bars(
        title,
        _("How many one-time gifts of each size the period brought."),
        labels,
        [charts.Series(_("Gifts"), [bucket.count for bucket in buckets])],
        writer.chart_number,
    )
    rows = [
        [label, writer.number(bucket.count)] for label, bucket in zip(labels, buckets, strict=True)
    ]
    return Chart("sizes", svg, Table(title, [_("Size"), _("Gifts")], rows))


def _shares_svg(title: str, labels: list[str], shares: list[Share], writer: Writer) -> SafeString:
    return charts.bars(
        title,
        _("Everything paid in the period, less refunds, in %(currency)s.")
        % {"currency": writer.currency},
        labels,
        [charts.Series(_("Revenue"), [writer.major(share.amount) for share in shares])],
        writer.chart_money,
        horizontal=True,
    )


def _shares_chart(
    kind: str, title: str, heading: str, figures: PeriodFigures, writer: Writer
) -> Chart:
    shares: list[Share] = getattr(figures, kind)
    if kind == "rails":
        labels = [str(display_name(share.key)) for share in shares]
    else:
        labels = [share.key or "–" for share in shares]
    rows = [
        [label, writer.money(share.amount)] for label, share in zip(labels, shares, strict=True)
    ]
    table = Table(title, [heading, _("Revenue")], rows)
    return Chart(kind, _shares_svg(title, labels, shares, writer), table)


def _currency_chart(figures: PeriodFigures, writer: Writer) -> Chart:
    shares = figures.currencies
    title = _("Revenue by currency")
    rows = [
        [
            share.key,
            money.format_money(share.native or 0, share.key, writer.language),
            writer.money(share.amount),
        ]
        for share in shares
    ]
    table = Table(title, [_("Currency"), _("In the currency"), _("Revenue")], rows)
    labels = [share.key for share in shares]
    return Chart("currencies", _shares_svg(title, labels, shares, writer), table)


def _cohort_table(board: Dashboard, writer: Writer) -> Table:
    longest = max((len(cohort.still) for cohort in board.cohorts), default=1)
    headers = [_("First gift"), _("Supporters")]
    headers += [_("Month %(number)s") % {"number": after} for after in range(1, longest)]
    rows = []
    for cohort in board.cohorts:
        shares = [writer.share(cohort.share(after)) for after in range(1, len(cohort.still))]
        rows.append([writer.month(cohort.month), writer.number(cohort.size), *shares])
    return Table(
        _("Retention: the share of each month's new supporters still giving"), headers, rows
    )


def _funnel_table(board: Dashboard, writer: Writer) -> Table:
    headers = [
        _("Campaign"),
        _("Variant"),
        _("Impressions"),
        _("Clicks"),
        _("Checkouts"),
        _("Contributions"),
        _("Revenue"),
    ]
    rows = []
    for result in board.funnel:
        for arm in result.arms:
            rows.append(
                [
                    str(result.campaign),
                    arm.label,
                    writer.number(arm.impressions),
                    writer.number(arm.clicks),
                    writer.number(arm.checkouts),
                    writer.number(arm.contributions),
                    writer.money(arm.revenue_converted),
                ]
            )
    return Table(
        _("Campaigns: impressions → clicks → checkouts → contributions → revenue"), headers, rows
    )


def _newsletter_table(board: Dashboard, writer: Writer) -> Table:
    headers = [_("Newsletter"), _("Subscribers at the start"), _("Subscribers at the end")]
    headers += [_("Confirmed"), _("Unsubscribed"), _("Gave after subscribing")]
    rows = [
        [n.name]
        + [writer.number(v) for v in (n.at_start, n.at_end, n.confirmed, n.left)]
        + [writer.number(n.became_supporters)]
        for n in board.newsletters
    ]
    return Table(_("Newsletters"), headers, rows)

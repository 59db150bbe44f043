"""The dashboard's figures as staff read them: money and shares written out in the staff
member's language (`writing`), each chart with the table of its numbers, so templates only
lay them out. The charts of the chosen period beside the previous one are `period_charts`'."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from tamizdat.support import money

from . import charts, period_charts
from .dashboard import Dashboard, PeriodFigures
from .figures.recurring import Movement
from .writing import Chart, Table, Writer, period_label


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
        *period_charts.charts_of(board, writer),
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

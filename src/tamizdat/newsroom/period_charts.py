"""The charts of the chosen period with the previous period beside it: each draws both
periods' figures as two series, named by their periods, and its table has a column of each
figure for each period."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from tamizdat.payments.registry import display_name
from tamizdat.support import money
from tamizdat.support.models import Frequency

from . import charts
from .dashboard import Dashboard, PeriodFigures
from .figures.breakdowns import Share
from .figures.common import ratio
from .figures.gifts import Bucket
from .figures.mrr_split import NO_CAMPAIGN, Split
from .writing import Chart, Table, Writer, period_label


@dataclass(frozen=True)
class Beside:
    """The chosen period and the previous one, as a chart's series and a table's columns
    name them."""

    writer: Writer
    chosen: PeriodFigures
    previous: PeriodFigures

    def labels(self) -> tuple[str, str]:
        return period_label(self.writer, self.chosen), period_label(self.writer, self.previous)

    def headers(self, *figures: str) -> list[str]:
        """Each figure's column for the chosen period, then each for the previous one."""
        return [
            _("%(figure)s, %(period)s") % {"figure": figure, "period": label}
            for label in self.labels()
            for figure in figures
        ]

    def series(
        self, chosen: Sequence[float | None], previous: Sequence[float | None]
    ) -> list[charts.Series]:
        now, before = self.labels()
        return [charts.Series(now, chosen), charts.Series(before, previous)]


def charts_of(board: Dashboard, writer: Writer) -> list[Chart]:
    beside = Beside(writer, board.chosen, board.previous)
    return [
        _active_chart(beside),
        _sizes_chart(beside),
        _currency_chart(beside),
        _shares_chart(
            "rails", _("Revenue by payment method"), _("Payment method"), _rail_name, beside
        ),
        _shares_chart(
            "languages", _("Revenue by language"), _("Language"), lambda key: key or "–", beside
        ),
        _mrr_chart(
            "mrr-rails",
            _("MRR by payment method"),
            _("Payment method"),
            "rails",
            _rail_name,
            board,
            beside,
        ),
        _mrr_chart(
            "mrr-campaigns",
            _("MRR by campaign"),
            _("Campaign"),
            "campaigns",
            lambda key: _campaign_label(key, board.mrr_shares),
            board,
            beside,
        ),
    ]


def _rail_name(key: str) -> str:
    return str(display_name(key))


def _active_chart(beside: Beside) -> Chart:
    writer = beside.writer
    now, before = beside.chosen.recurring.active, beside.previous.recurring.active
    frequencies = [(Frequency.MONTH, _("Monthly")), (Frequency.YEAR, _("Annual"))]
    title = _("Active recurring supporters by frequency")
    svg = charts.bars(
        title,
        _("Supporters with an active monthly or annual plan at the end of each period."),
        [label for _key, label in frequencies],
        beside.series(
            [now.supporters_by_interval.get(key, 0) for key, _label in frequencies],
            [before.supporters_by_interval.get(key, 0) for key, _label in frequencies],
        ),
        writer.chart_number,
        horizontal=True,
    )
    rows = [
        [
            label,
            *(
                writer.number(count)
                for active in (now, before)
                for count in (active.supporters_by_interval.get(key, 0), active.plans.get(key, 0))
            ),
        ]
        for key, label in frequencies
    ]
    headers = [_("Frequency"), *beside.headers(_("Supporters"), _("Plans"))]
    return Chart("active", svg, Table(title, headers, rows))


def _bucket_label(bucket: Bucket, writer: Writer) -> str:
    low = writer.money(bucket.low * 10 ** money.exponent(writer.currency))
    if bucket.high is None:
        return _("%(low)s or more") % {"low": low}
    high = writer.money(bucket.high * 10 ** money.exponent(writer.currency))
    return _("%(low)s to under %(high)s") % {"low": low, "high": high}


def _sizes_chart(beside: Beside) -> Chart:
    writer = beside.writer
    # Both periods count in the same buckets.
    now, before = beside.chosen.one_time.buckets, beside.previous.one_time.buckets
    labels = [_bucket_label(bucket, writer) for bucket in now]
    title = _("One-time gifts by size")
    svg = charts.bars(
        title,
        _("How many one-time gifts of each size each period brought."),
        labels,
        beside.series([b.count for b in now], [b.count for b in before]),
        writer.chart_number,
    )
    rows = [
        [label, writer.number(this.count), writer.number(that.count)]
        for label, this, that in zip(labels, now, before, strict=True)
    ]
    return Chart("sizes", svg, Table(title, [_("Size"), *beside.headers(_("Gifts"))], rows))


def _keys(chosen: list[Share], previous: list[Share]) -> list[str]:
    """The keys of either period: the chosen period's, largest first, then the others."""
    keys = [share.key for share in chosen]
    return keys + [share.key for share in previous if share.key not in keys]


def _amounts(shares: list[Share], keys: list[str]) -> list[int]:
    found = {share.key: share.amount for share in shares}
    return [found.get(key, 0) for key in keys]


def _money_svg(
    title: str,
    description: str,
    labels: list[str],
    amounts: tuple[list[int], list[int]],
    beside: Beside,
) -> SafeString:
    writer = beside.writer
    now, before = ([writer.major(amount) for amount in each] for each in amounts)
    return charts.bars(
        title,
        description,
        labels,
        beside.series(now, before),
        writer.chart_money,
        horizontal=True,
    )


def _revenue_description(writer: Writer) -> str:
    return _("Everything paid in each period, less refunds, in %(currency)s.") % {
        "currency": writer.currency
    }


def _shares_chart(
    kind: str, title: str, heading: str, name: Callable[[str], str], beside: Beside
) -> Chart:
    writer = beside.writer
    chosen: list[Share] = getattr(beside.chosen, kind)
    previous: list[Share] = getattr(beside.previous, kind)
    keys = _keys(chosen, previous)
    labels = [name(key) for key in keys]
    amounts = (_amounts(chosen, keys), _amounts(previous, keys))
    rows = [
        [label, writer.money(now), writer.money(before)]
        for label, now, before in zip(labels, *amounts, strict=True)
    ]
    table = Table(title, [heading, *beside.headers(_("Revenue"))], rows)
    svg = _money_svg(title, _revenue_description(writer), labels, amounts, beside)
    return Chart(kind, svg, table)


def _currency_chart(beside: Beside) -> Chart:
    writer = beside.writer
    chosen, previous = beside.chosen.currencies, beside.previous.currencies
    keys = _keys(chosen, previous)
    by_key = [{share.key: share for share in shares} for shares in (chosen, previous)]

    def cells(key: str, found: dict[str, Share]) -> list[str]:
        share = found.get(key)
        native = share.native or 0 if share else 0
        amount = share.amount if share else 0
        return [money.format_money(native, key, writer.language), writer.money(amount)]

    title = _("Revenue by currency")
    rows = [[key, *cells(key, by_key[0]), *cells(key, by_key[1])] for key in keys]
    headers = [_("Currency"), *beside.headers(_("In the currency"), _("Revenue"))]
    amounts = (_amounts(chosen, keys), _amounts(previous, keys))
    svg = _money_svg(title, _revenue_description(writer), keys, amounts, beside)
    return Chart("currencies", svg, Table(title, headers, rows))


def _campaign_label(key: str, split: Split) -> str:
    if key == NO_CAMPAIGN:
        return _("No campaign")
    return split.campaign_names.get(key) or _("Campaign %(key)s, since deleted") % {"key": key}


def _mrr_chart(
    key: str,
    title: str,
    heading: str,
    attribute: str,
    name: Callable[[str], str],
    board: Dashboard,
    beside: Beside,
) -> Chart:
    """MRR at the end of each period per rail or per campaign (the splits' `attribute`), each
    part as a share of the monthly goal (today's: past goals are not kept), and the total."""
    writer = beside.writer
    splits = (board.mrr_shares, board.previous_mrr_shares)
    chosen, previous = (getattr(split, attribute) for split in splits)
    keys = _keys(chosen, previous)
    labels = [name(k) for k in keys]
    amounts = (_amounts(chosen, keys), _amounts(previous, keys))
    goal = board.progress.goal if board.progress else None

    def cells(amount: int) -> list[str]:
        return [writer.money(amount), writer.share(ratio(amount, goal) if goal else None)]

    rows = [
        [label, *cells(now), *cells(before)]
        for label, now, before in zip(labels, *amounts, strict=True)
    ]
    if rows:
        rows.append([_("All plans"), *(cell for split in splits for cell in cells(split.total))])
    if goal:
        caption = _("%(title)s, against the monthly goal of %(goal)s") % {
            "title": title,
            "goal": writer.money(goal),
        }
    else:
        caption = title
    headers = [heading, *beside.headers(_("MRR"), _("Of the goal"))]
    description = _("Monthly recurring revenue at the end of each period, in %(currency)s.") % {
        "currency": writer.currency
    }
    svg = _money_svg(title, description, labels, amounts, beside)
    return Chart(key, svg, Table(caption, headers, rows))

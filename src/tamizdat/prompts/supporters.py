"""How long a reader who gave counts as a supporter in their own browser.

Nothing about the supporter is kept for this: the thank-you page (and the self-service page) of
the reader-revenue flow renders `{% supporter_mark until %}`, an element with
`data-supporter-until="<ISO date or datetime>"`, and the campaigns' script copies that date into
the browser's localStorage. Until then, appeals become a short thank-you and the banner stays
away. A later mark replaces an earlier one, so a cancelled plan can shorten it.

A one-time gift counts for `ONE_TIME_DAYS`; a recurring plan until its paid period ends (the
plan's `current_period_end`), refreshed whenever the supporter visits the self-service page.
"""

from __future__ import annotations

import datetime

ONE_TIME_DAYS = 30


def until_after_one_time_gift(paid_at: datetime.datetime) -> datetime.datetime:
    return paid_at + datetime.timedelta(days=ONE_TIME_DAYS)

"""How long a reader who gave counts as a supporter in their own browser.

Nothing about the supporter is kept for this. A page of the reader-revenue flow marks the
browser, and the campaigns' script copies the mark into localStorage; until it runs out, appeals
become a short thank-you and the banner stays away:

- `data-supporter="once" | "month" | "year"` on any element (the thank-you page carries one):
  `ONE_TIME_DAYS` after a one-time gift; one period of a plan (31 or 366 days), renewed each
  time a page with the mark is seen.
- `data-supporter-until="<ISO 8601 date or date-time>"` on any element, rendered by
  `{% load prompts_tags %}{% supporter_mark until %}`: exactly until then. A recurring plan
  passes its paid period's end (`current_period_end`), e.g. on the self-service page; a later
  mark replaces an earlier one, so a cancelled plan can end it.
"""

ONE_TIME_DAYS = 30

"""The peer's hosted checkout page.

The page is plain HTML without JavaScript so that both a browser and `requests` can pay: it
uses the element ids of Stripe's real page (`email`, `cardNumber`, `cardExpiry`, `cardCvc`,
`billingName`, a submit button labelled "Pay") so browser tests read the same either way.
"""

from __future__ import annotations

import html
import time
from typing import Any

from aiohttp import web
from localstripe.resources import store

ZERO_DECIMAL = {"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd"}


def _money(amount: int, currency: str) -> str:
    if currency in ZERO_DECIMAL:
        return f"{amount} {currency.upper()}"
    return f"{amount / 100:.2f} {currency.upper()}"


def _parse_card(form: Any) -> tuple[dict[str, Any] | None, str | None]:
    number = "".join(ch for ch in form.get("cardNumber", "") if ch.isdigit())
    if len(number) != 16:
        return None, "Your card number is incomplete."
    expiry = "".join(ch for ch in form.get("cardExpiry", "") if ch.isdigit()) or "1234"
    if len(expiry) not in (4, 6) or not 1 <= int(expiry[:2]) <= 12:
        return None, "Your card's expiration date is incomplete."
    month, year = int(expiry[:2]), int(expiry[2:])
    year = year + 2000 if year < 100 else year
    if (year, month) < time.gmtime()[:2]:
        return None, "Your card's expiration year is in the past."
    cvc = form.get("cardCvc", "").strip() or "123"
    if not (cvc.isdigit() and len(cvc) == 3):
        return None, "Your card's security code is incomplete."
    return {"number": number, "exp_month": month, "exp_year": year, "cvc": cvc}, None


def _render(session: Any, message: str | None = None, form: Any = None) -> str:
    esc = html.escape
    lang = session.locale if session.locale and session.locale != "auto" else "en"
    head = (
        f'<!doctype html>\n<html lang="{esc(lang)}">\n<head><meta charset="utf-8">'
        "<title>Checkout (Stripe peer)</title></head>\n<body>\n"
    )
    if session.status != "open":
        text = {
            "complete": "This checkout session is complete.",
            "expired": "This checkout session has expired.",
        }[session.status]
        link = session.success_url if session.status == "complete" else session.cancel_url
        link = link and link.replace("{CHECKOUT_SESSION_ID}", session.id)
        back = f'<p><a href="{esc(link)}">Return to the site</a></p>' if link else ""
        return f'{head}<main><h1 id="session-status">{text}</h1>{back}</main></body></html>\n'

    rows = []
    for item in session._items:
        price = store[f"price:{item['price']}"]
        every = ""
        if price.recurring:
            count = price.recurring["interval_count"]
            unit = price.recurring["interval"]
            every = f" per {unit}" if count == 1 else f" every {count} {unit}s"
        amount = _money(price.unit_amount * item["quantity"], price.currency)
        rows.append(f"<li>{esc(item['description'])} × {item['quantity']}: {amount}{every}</li>")
    total = ""
    if session.amount_total is not None:
        amount = _money(session.amount_total, session.currency)
        total = f'<p>Total: <strong id="total">{amount}</strong></p>'

    values = form or {}
    email = values.get("email", _prefilled_email(session))
    alert = f'<p id="error" role="alert">{esc(message)}</p>\n' if message else ""
    cancel = (
        f'<p><a id="cancel" href="{esc(session.cancel_url)}">Cancel</a></p>\n'
        if session.cancel_url
        else ""
    )
    button = "Save card" if session.mode == "setup" else "Pay"
    return (
        f"{head}<main>\n<h1>Checkout</h1>\n"
        '<p id="test-mode">A test processor: no money moves. The card 4242 4242 4242 4242 '
        "pays; 4000 0000 0000 0002 is declined.</p>\n"
        f"<ul>{''.join(rows)}</ul>\n{total}{alert}"
        f'<form method="post" action="/checkout/{esc(session.id)}">\n'
        f'<label>Email <input type="email" id="email" name="email" autocomplete="email" '
        f'value="{esc(email or "")}" required></label>\n'
        f'<label>Card number <input id="cardNumber" name="cardNumber" inputmode="numeric" '
        f'autocomplete="cc-number" value="{esc(values.get("cardNumber", ""))}" required></label>\n'
        f'<label>Expiry <input id="cardExpiry" name="cardExpiry" autocomplete="cc-exp" '
        f'value="{esc(values.get("cardExpiry", "12 / 34"))}"></label>\n'
        f'<label>CVC <input id="cardCvc" name="cardCvc" autocomplete="cc-csc" '
        f'value="{esc(values.get("cardCvc", "123"))}"></label>\n'
        f'<label>Name on card <input id="billingName" name="billingName" autocomplete="cc-name" '
        f'value="{esc(values.get("billingName", ""))}"></label>\n'
        f'<button type="submit" id="submit" class="SubmitButton" '
        f'data-testid="hosted-payment-submit-button">{button}</button>\n'
        f"</form>\n{cancel}</main>\n</body>\n</html>\n"
    )


def _prefilled_email(session: Any) -> str:
    customer = store.get(f"customer:{session.customer}") if session.customer else None
    return (customer.email if customer is not None else session.customer_email) or ""


def _page(body: str, status: int = 200) -> web.Response:
    return web.Response(text=body, status=status, content_type="text/html")


def _session_or_404(request: web.Request) -> Any:
    key = f"checkout.session:{request.match_info['id']}"
    session = store.get(key)
    if session is None:
        raise web.HTTPNotFound(text="No such checkout session.", content_type="text/plain")
    session._expire_if_due()
    return session


async def show_page(request: web.Request) -> web.Response:
    return _page(_render(_session_or_404(request)))


async def submit_page(request: web.Request) -> web.Response:
    session = _session_or_404(request)
    if session.status != "open":
        return _page(_render(session), 410 if session.status == "expired" else 200)
    form = await request.post()
    values = {key: str(value) for key, value in form.items()}
    # A browser always sends the (prefilled) field; a scripted POST may leave it out.
    email = values["email"].strip() if "email" in values else _prefilled_email(session)
    if "@" not in email:
        return _page(_render(session, "Your email is incomplete.", values), 400)
    card, message = _parse_card(values)
    if card is None:
        return _page(_render(session, message, values), 400)
    message = session._complete(email, values.get("billingName") or None, card)
    if message is not None:
        # A decline leaves the session open for another attempt, as on Stripe's page.
        return _page(_render(session, message, values), 402)
    if not session.success_url:
        return _page(_render(session))
    location = session.success_url.replace("{CHECKOUT_SESSION_ID}", session.id)
    raise web.HTTPSeeOther(location)

"""Card-testing defence: keep bots that test stolen cards from reaching the card processor.

Layers, cheapest first, all kept in the shared cache (Redis when configured):
1. A honeypot field that people never see and bots fill in.
2. Rate limits per IP address, per e-mail address and per unusual amount.
3. A proof of work (ALTCHA, solved by our own script in the reader's browser): a fresh,
   signed, single-use solution costs a bot CPU time per attempt.
4. A burst detector: when rejected attempts, declined cards or checkout starts pile up, card
   payments are guarded for a while: attempts without proof of work are refused, and the rest
   go to the processor only after the supporter confirms their e-mail address, which card
   testers, using other people's addresses, never do.
A card attempt without proof of work (a reader without JavaScript) is also confirmed by e-mail
first, so nothing reaches the processor without either proof of work or a confirmed address.
"""

from __future__ import annotations

import enum
import hashlib
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import altcha
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

POW_SECONDS = 20 * 60


@dataclass(frozen=True)
class Limit:
    count: int
    seconds: int


LIMITS = {
    "ip": Limit(10, 600),
    "email": Limit(5, 3600),
    "amount": Limit(10, 600),  # one unusual (not suggested) amount, from anyone
    "manage": Limit(3, 3600),  # magic links per e-mail address
}


class Outcome(enum.Enum):
    ALLOW = "allow"  # go on to the processor
    CONFIRM = "confirm"  # hold until the supporter confirms their e-mail address
    REJECT = "reject"


@dataclass(frozen=True)
class Screening:
    outcome: Outcome
    reason: str = ""


def client_ip(request: HttpRequest) -> str:
    """The reader's address: behind a front server, the one header it sets (and the reader
    cannot), else the connection's."""
    header = settings.SUPPORT_CLIENT_IP_HEADER
    if header and request.META.get(header):
        return request.META[header].strip()
    return request.META.get("REMOTE_ADDR", "")


def _hashed(value: str) -> str:
    """Keys hold hashes: the cache never holds readers' addresses in the clear."""
    return hashlib.sha256(f"{settings.SECRET_KEY}:{value}".encode()).hexdigest()[:24]


def _count(name: str, seconds: int, now: float | None = None) -> int:
    """Add one to a fixed-window counter and return its new value."""
    bucket = int((now or time.time()) // seconds)
    key = f"defence:{name}:{bucket}"
    cache.add(key, 0, seconds * 2)
    try:
        return int(cache.incr(key))
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, seconds * 2)
        return 1


def over_limit(kind: str, value: str) -> bool:
    limit = LIMITS[kind]
    return _count(f"{kind}:{_hashed(value)}", limit.seconds) > limit.count


# -- burst detector ----------------------------------------------------------------------

GUARD_KEY = "defence:guard-until"


def _burst_signal(name: str, threshold: int) -> None:
    if _count(f"burst:{name}", settings.SUPPORT_BURST_WINDOW_SECONDS) >= threshold:
        cache.set(
            GUARD_KEY, time.time() + settings.SUPPORT_GUARD_SECONDS, settings.SUPPORT_GUARD_SECONDS
        )


def note_reject() -> None:
    _burst_signal("rejects", settings.SUPPORT_BURST_REJECTS)


def note_start() -> None:
    _burst_signal("starts", settings.SUPPORT_BURST_STARTS)


def guarded() -> bool:
    until = cache.get(GUARD_KEY)
    return bool(until and until > time.time())


# -- proof of work -----------------------------------------------------------------------


def _pow_key() -> str:
    return hashlib.sha256(f"altcha:{settings.SECRET_KEY}".encode()).hexdigest()


def new_challenge() -> dict:
    options = altcha.ChallengeOptionsV1(
        hmac_key=_pow_key(),
        max_number=settings.SUPPORT_POW_MAX_NUMBER,
        expires=datetime.now(UTC) + timedelta(seconds=POW_SECONDS),
    )
    challenge = altcha.create_challenge_v1(options)
    return challenge.to_dict()


def verify_pow(payload: str) -> bool:
    """A valid, unexpired solution never used before (each one buys one attempt)."""
    if not payload or len(payload) > 2000:
        return False
    try:
        valid, _error = altcha.verify_solution_v1(payload, _pow_key(), check_expires=True)
        salt = altcha.PayloadV1.from_base64(payload).salt
    except (ValueError, TypeError, KeyError):
        return False
    return bool(valid) and cache.add(f"defence:pow-used:{_hashed(salt)}", 1, POW_SECONDS * 2)


# -- the gate ----------------------------------------------------------------------------


def screen(
    request: HttpRequest,
    *,
    email: str,
    unusual_amount: str | None,
    honeypot: str,
    pow_payload: str,
    takes_cards: bool,
) -> Screening:
    """Whether an attempt that passed the form's checks may go on, and how."""
    if honeypot:
        note_reject()
        return Screening(Outcome.REJECT, "honeypot")
    if over_limit("ip", client_ip(request)) or over_limit("email", email):
        note_reject()
        return Screening(Outcome.REJECT, "rate")
    if not takes_cards:
        return Screening(Outcome.ALLOW)
    if unusual_amount and over_limit("amount", unusual_amount):
        note_reject()
        return Screening(Outcome.REJECT, "amount")
    solved = verify_pow(pow_payload)
    if pow_payload and not solved:
        note_reject()
        return Screening(Outcome.REJECT, "pow")
    if guarded():
        if not solved:
            return Screening(Outcome.REJECT, "guard")
        return Screening(Outcome.CONFIRM, "guard")
    if not solved:
        note_reject()  # counts toward a burst, though a reader without JavaScript goes on
        return Screening(Outcome.CONFIRM, "no-pow")
    note_start()
    return Screening(Outcome.ALLOW)

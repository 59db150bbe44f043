"""Card-testing defence: keep bots that test stolen cards from reaching the card processor.

Layers, cheapest first, all kept in the shared cache (Redis when configured):
1. A honeypot field that people never see and bots fill in.
2. Rate limits per IP address, per e-mail address and per unusual amount.
3. A proof of work (ALTCHA, solved by our own script in the reader's browser): a fresh,
   signed, single-use solution costs a bot CPU time per attempt.
4. A burst detector: when checkout starts that paid the proof of work, or cards the processor
   declined, pile up, card payments are guarded for a while: the challenge becomes harder
   (`GUARD_POW_FACTOR` times the work), and a solution to an easier one goes to the processor
   only after the supporter confirms their e-mail address, which card testers, using other
   people's addresses, never do. Only what cost the sender work or a real decline moves the
   detector: cheap requests (the honeypot, rate-limited addresses, no or a replayed proof)
   never do, or anyone could pause card payments for everyone with a loop of curl.
A card attempt without proof of work (a reader without JavaScript) is confirmed by e-mail
first, guarded or not, so nothing reaches the processor without either proof of work or a
confirmed address, and nobody is refused a card payment outright.
"""

from __future__ import annotations

import enum
import hashlib
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import altcha
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone

from tamizdat.web import locks

POW_SECONDS = 20 * 60
# While card payments are guarded, a challenge takes this many times the work.
GUARD_POW_FACTOR = 10


@dataclass(frozen=True)
class Limit:
    count: int
    seconds: int


LIMITS = {
    "ip": Limit(10, 600),
    "email": Limit(5, 3600),
    "amount": Limit(10, 600),  # one unusual (not suggested) amount, from anyone
    "manage": Limit(3, 3600),  # magic links per e-mail address
    # Confirmation e-mails per recipient and day, from anyone: the form would otherwise mail
    # any address on a stranger's request, from as many addresses as the stranger has.
    "confirm": Limit(3, 24 * 3600),
    # Campaign events per reader's address: a page view sends a few; a script, thousands.
    # Generous, as many readers may share one address (a Tor exit, a mobile carrier's NAT).
    "events": Limit(120, 600),
}


class Outcome(enum.Enum):
    ALLOW = "allow"  # go on to the processor
    CONFIRM = "confirm"  # hold until the supporter confirms their e-mail address
    REJECT = "reject"


class Proof(enum.Enum):
    NONE = "none"  # no solution sent (no JavaScript)
    INVALID = "invalid"  # wrong, expired, or used before
    NORMAL = "normal"
    HARD = "hard"  # to a challenge served while card payments were guarded


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


def note_decline() -> None:
    """A card the processor declined: what card testing looks like from its side."""
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
    """A challenge for the form's script; a harder one while card payments are guarded. Its
    difficulty is written into the salt, which the signature covers, so a solution says
    truthfully how hard its challenge was."""
    hard = guarded()
    options = altcha.ChallengeOptionsV1(
        hmac_key=_pow_key(),
        max_number=settings.SUPPORT_POW_MAX_NUMBER * (GUARD_POW_FACTOR if hard else 1),
        expires=datetime.now(UTC) + timedelta(seconds=POW_SECONDS),
        params={"hard": "1"} if hard else None,
    )
    challenge = altcha.create_challenge_v1(options)
    return challenge.to_dict()


def verify_pow(payload: str) -> Proof:
    """How much work a solution proves; a valid one buys one attempt, never two."""
    if not payload:
        return Proof.NONE
    if len(payload) > 2000:
        return Proof.INVALID
    try:
        valid, _error = altcha.verify_solution_v1(payload, _pow_key(), check_expires=True)
        solution = altcha.PayloadV1.from_base64(payload)
        _nonce, _expires, params = solution.parse_salt()
    except (ValueError, TypeError, KeyError):
        return Proof.INVALID
    used = f"defence:pow-used:{_hashed(solution.salt)}"
    if not valid or not locks.add_once(used, 1, POW_SECONDS * 2):
        return Proof.INVALID
    return Proof.HARD if params.get("hard") == ["1"] else Proof.NORMAL


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
    """Whether an attempt that passed the form's checks may go on, and how; a refusal is
    counted for the dashboard."""
    screening = _screen(
        request,
        email=email,
        unusual_amount=unusual_amount,
        honeypot=honeypot,
        pow_payload=pow_payload,
        takes_cards=takes_cards,
    )
    if screening.outcome is Outcome.REJECT:
        _note_blocked(screening.reason)
    return screening


def _screen(
    request: HttpRequest,
    *,
    email: str,
    unusual_amount: str | None,
    honeypot: str,
    pow_payload: str,
    takes_cards: bool,
) -> Screening:
    if honeypot:
        return Screening(Outcome.REJECT, "honeypot")
    if over_limit("ip", client_ip(request)) or over_limit("email", email):
        return Screening(Outcome.REJECT, "rate")
    if not takes_cards:
        return Screening(Outcome.ALLOW)
    if unusual_amount and over_limit("amount", unusual_amount):
        return Screening(Outcome.REJECT, "amount")
    proof = verify_pow(pow_payload)
    if proof is Proof.INVALID:
        return Screening(Outcome.REJECT, "pow")
    if proof is Proof.NONE:
        return _confirm(email, "no-pow")
    if guarded() and proof is not Proof.HARD:
        return _confirm(email, "guard")
    note_start()
    return Screening(Outcome.ALLOW)


def _confirm(email: str, reason: str) -> Screening:
    """Hold the attempt until its address is confirmed, unless that address has had its
    day's share of confirmation e-mails."""
    if over_limit("confirm", email):
        return Screening(Outcome.REJECT, "confirm")
    return Screening(Outcome.CONFIRM, reason)


# -- what staff see ----------------------------------------------------------------------

# Why attempts were refused, as `screen` names it.
BLOCK_REASONS = ("honeypot", "rate", "amount", "pow", "confirm")
BLOCKED_KEPT_DAYS = 400


def _blocked_key(day: date, reason: str) -> str:
    return f"defence:blocked:{day.isoformat()}:{reason}"


def _note_blocked(reason: str) -> None:
    """One more refused attempt today: a counter per day and reason, nothing about who."""
    key = _blocked_key(timezone.localdate(), reason)
    seconds = BLOCKED_KEPT_DAYS * 24 * 3600
    cache.add(key, 0, seconds)
    try:
        cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, seconds)


def blocked_counts(first: date, last: date) -> dict[str, int]:
    """Attempts refused per reason from day `first` to day `last`, as far as the shared
    cache still holds them (up to `BLOCKED_KEPT_DAYS` back)."""
    first = max(first, timezone.localdate() - timedelta(days=BLOCKED_KEPT_DAYS))
    days = [first + timedelta(days=offset) for offset in range((last - first).days + 1)]
    keys = {_blocked_key(day, reason): reason for day in days for reason in BLOCK_REASONS}
    counts = dict.fromkeys(BLOCK_REASONS, 0)
    for key, value in cache.get_many(list(keys)).items():
        counts[keys[key]] += int(value)
    return counts

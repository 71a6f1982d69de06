"""The funding split of a visit: price, then government / copay / paid / time-bank minutes.

Price: the provider's contract unit price for the service on the visit date, times the pricing
units ``duration_minutes × carers / unit_minutes``. Units are not rounded (a 45-minute visit at
an hourly price is 0.75 units); the price is rounded half up to the fen once, and every other
part is derived from it by whole-fen arithmetic, so the parts add up to the price exactly.

Tiers: a government visit spends the month's allowance; what the allowance does not cover
becomes low cost (DESIGN §3: the government pays its share up to the month's cap) and what the
cap does not cover is paid. A ``time_credit`` visit is paid by the district's time-bank guarantee
fund (government_fen = price) and records duration × carers minutes, which the time bank posts.
A volunteer visit costs nothing.

Share in hours: where a low-cost or paid resident chooses, the resident's share (copay + paid)
is paid from their time-bank account instead; so is what a government visit costs beyond the
month's allowance and low-cost cap. The fen of that share move to government_fen (the
time-bank guarantee fund pays the provider, as for a ``time_credit`` visit) and the share becomes
``share_fen × 60 / hour_value_fen`` minutes, rounded UP to the whole minute (the holder never
pays less than the share is worth). The hour value is the policy version's time-bank ``hour_value_fen``
(HOUR_VALUE_FEN, 30 yuan an hour, without a version).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

HOUR_VALUE_FEN = 3000


@dataclass(frozen=True)
class Parts:
    price_fen: int
    government_fen: int = 0
    copay_fen: int = 0
    paid_fen: int = 0
    time_credit_minutes: int = 0
    allowance_fen: int = 0  # of government_fen: spent from the monthly allowance
    low_cost_fen: int = 0  # of government_fen: spent from the low-cost cap


def half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def price_fen(unit_price_fen: int, unit_minutes: int, duration_minutes: int, carers: int) -> int:
    """unit price × duration × carers / unit minutes, rounded half up to the fen, once."""
    units = Decimal(duration_minutes * carers) / Decimal(unit_minutes)
    return half_up(Decimal(unit_price_fen) * units)


def low_cost(amount: int, share_pct: int, cap_left: int) -> tuple[int, int, int]:
    """(government, copay, paid) of ``amount`` at the low-cost share, within the cap left."""
    if amount <= 0:
        return 0, 0, 0
    if share_pct <= 0 or cap_left <= 0:
        return 0, 0, amount
    government = min(half_up(Decimal(amount) * share_pct / 100), cap_left)
    return government, amount - government, 0


def hour_value_of(version) -> int:
    """The hour's value (fen) under a policy version's time-bank rules; the default without one."""
    if version is None:
        return HOUR_VALUE_FEN
    return int(version.rules.get("timebank", {}).get("hour_value_fen", HOUR_VALUE_FEN))


def share_minutes(share_fen: int, hour_value_fen: int = HOUR_VALUE_FEN) -> int:
    """Minutes worth ``share_fen`` at the hour value, rounded up to the whole minute."""
    if share_fen <= 0:
        return 0
    return -(-share_fen * 60 // hour_value_fen)


def in_hours(parts: Parts, hour_value_fen: int = HOUR_VALUE_FEN) -> Parts:
    """``parts`` with the resident's share (copay + paid) paid in time-bank minutes."""
    share = parts.copay_fen + parts.paid_fen
    if share <= 0:
        return parts
    return Parts(parts.price_fen, government_fen=parts.government_fen + share,
                 time_credit_minutes=share_minutes(share, hour_value_fen),
                 allowance_fen=parts.allowance_fen, low_cost_fen=parts.low_cost_fen)  # fmt: skip


def split(tier: str, price: int, *, allowance_left: int = 0, share_pct: int = 0,
          cap_left: int = 0, minutes: int = 0) -> Parts:  # fmt: skip
    """The parts of ``price`` for ``tier`` given what is left of the allowance and the cap."""
    if tier == "volunteer":
        return Parts(0)
    if tier == "time_credit":
        return Parts(price, government_fen=price, time_credit_minutes=minutes)
    if tier == "paid":
        return Parts(price, paid_fen=price)
    from_allowance = min(price, max(allowance_left, 0)) if tier == "government" else 0
    government, copay, paid = low_cost(price - from_allowance, share_pct, max(cap_left, 0))
    return Parts(price, government_fen=from_allowance + government, copay_fen=copay,
                 paid_fen=paid, allowance_fen=from_allowance, low_cost_fen=government)  # fmt: skip

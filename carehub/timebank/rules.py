"""The time-bank rules in force on a day: the one place any rule is read from.

They come from the subsidy policy version in force (``carehub.policy.services.timebank_rules_on``);
before any version is published, the defaults of DESIGN §3 (after Nanjing's scheme) apply.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType


@dataclass(frozen=True)
class Rules:
    weights: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))  # percent
    monthly_cap_minutes: int = 2400  # 40 h credited a month; beyond it credit is refused
    storage_cap_minutes: int = 90000  # 1,500 h stored; the surplus goes to the station's pool
    redeem_age: int = 60
    expiry_months: int | None = None  # no expiry by default
    pool_donation: bool = True
    hour_value_fen: int = 3000  # market price of an hour of care, for the bureau's liability

    def weight(self, service_code: str | None) -> int:
        return self.weights.get(service_code or "", 100)

    def worth(self, service_code: str | None, minutes: int) -> int:
        """Minutes credited for ``minutes`` served, rounded half up to the minute."""
        return (minutes * self.weight(service_code) + 50) // 100


DEFAULTS = Rules()


def rules_on(day: date) -> Rules:
    """The rules in force on ``day``: the policy version's, or DEFAULTS when none is in force."""
    from carehub.policy.services import timebank_rules_on

    found = timebank_rules_on(day)
    if found is None:
        return DEFAULTS
    return Rules(weights=MappingProxyType(dict(found["weights"])),
                 monthly_cap_minutes=found["monthly_cap_minutes"],
                 storage_cap_minutes=found["storage_cap_minutes"],
                 redeem_age=found["redeem_age"], expiry_months=found["expiry_months"],
                 pool_donation=DEFAULTS.pool_donation,
                 hour_value_fen=found.get("hour_value_fen", DEFAULTS.hour_value_fen))  # fmt: skip

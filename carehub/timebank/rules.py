"""The time-bank rules in force on a day: the one place any rule is read from.

Today they are the defaults of DESIGN §3 (after Nanjing's scheme). When the policy engine lands,
``rules_on`` reads ``carehub.policy.services.timebank_rules_on(day)`` (a dict with these keys).
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

    def weight(self, service_code: str | None) -> int:
        return self.weights.get(service_code or "", 100)

    def worth(self, service_code: str | None, minutes: int) -> int:
        """Minutes credited for ``minutes`` served, rounded half up to the minute."""
        return (minutes * self.weight(service_code) + 50) // 100


DEFAULTS = Rules()


def rules_on(day: date) -> Rules:
    """The rules in force on ``day``."""
    return DEFAULTS

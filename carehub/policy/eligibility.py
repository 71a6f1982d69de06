"""Eligibility: a resident's tier on a date, the reasons in words, the allowance and priority.

Computed from the effective-dated registry facts (``carehub.careplans.facts``) on the day asked,
so a category, assessment or status change counts from its date and never retroactively.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from carehub.careplans.facts import ResidentFacts, resident_facts_on
from carehub.extensions import db
from carehub.policy.models import AllowanceMonth, PolicyVersion
from carehub.policy.versions import district_of, version_on
from carehub.registry.idnumbers import age_on
from carehub.registry.models import Resident
from carehub.ui import LABELS

NO_POLICY = "none"
TIER_ORDER = {"government": 2, "low_cost": 1, "paid": 0}


@dataclass(frozen=True)
class Eligibility:
    resident_id: int
    on: date
    tier: str
    clause: str
    policy_version_id: int | None
    age: int
    ability_level: int | None
    categories: tuple[str, ...]
    household: str
    status: str
    priority: int
    version: PolicyVersion | None = field(default=None, repr=False, compare=False)
    rule: dict | None = None
    allowance_fen: int = 0
    allowance_used_fen: int = 0
    low_cost_cap_fen: int = 0
    low_cost_used_fen: int = 0

    @property
    def reasons(self) -> list:
        """Why, in words (rendered when read, so in the reader's language)."""
        return [reason(self.version, self.tier, self.rule)]

    @property
    def allowance_left_fen(self) -> int:
        return self.allowance_fen - self.allowance_used_fen

    @property
    def low_cost_left_fen(self) -> int:
        return self.low_cost_cap_fen - self.low_cost_used_fen


def matches(rule: dict, age: int, facts: ResidentFacts, service_code: str | None) -> bool:
    """Each condition the rule gives must hold; a rule with services covers only those."""
    if age < rule["min_age"]:
        return False
    if rule["categories_any"] and not set(rule["categories_any"]) & set(facts.categories):
        return False
    if rule["levels"] and facts.ability_level not in rule["levels"]:
        return False
    return not (service_code and rule["services"] and service_code not in rule["services"])


def decide(version: PolicyVersion | None, age: int, facts: ResidentFacts,
           service_code: str | None = None) -> tuple[str, str, dict | None]:  # fmt: skip
    """(tier, clause, rule): the first matching rule of the version, else paid."""
    if version is None:
        return "paid", NO_POLICY, None
    if facts.status == "deceased":
        return "paid", "deceased", None
    for rule in version.rules["tiers"]:
        if matches(rule, age, facts, service_code):
            return rule["tier"], rule["clause"], rule
    return "paid", "default", None


def priority(version: PolicyVersion | None, age: int, facts: ResidentFacts) -> int:
    """Higher first: ability level, then age, then living alone (date of request breaks ties)."""
    alone = facts.household in ("alone", "empty_nest")
    return (facts.ability_level or 0) * 100_000 + min(age, 150) * 100 + (10 if alone else 0)


def reason(version: PolicyVersion | None, tier: str, rule: dict | None):
    """ "70 岁以上三无老人 → 政府购买服务, 每月 600 元" (lazy, in the reader's language)."""
    if version is None:
        return _l("No policy is in force on this date: paid at the contract price.")
    who = _who(rule) if rule else _l("No rule of the policy applies")
    if tier == "government":
        what = _l("government purchase, %(yuan)s yuan a month", yuan=_yuan(version.allowance_fen))
    elif tier == "low_cost":
        what = _l("low cost: the government pays %(share)s%% up to %(yuan)s yuan a month",
                  share=version.low_cost_share_pct, yuan=_yuan(version.low_cost_cap_fen))  # fmt: skip
    else:
        what = _l("paid at the contract price")
    return _l("%(who)s → %(what)s", who=who, what=what)


def _who(rule: dict):
    parts = [_l("aged %(age)s or over", age=rule["min_age"])]
    if rule["categories_any"]:
        names = [LABELS["category"][c] for c in rule["categories_any"]]
        parts.append(_joined(" / ", names))
    if rule["levels"]:
        levels = ", ".join(str(level) for level in rule["levels"])
        parts.append(_l("ability level %(levels)s", levels=levels))
    return _l("%(parts)s (clause %(clause)s)", parts=_joined(", ", parts), clause=rule["clause"])


def _joined(separator: str, parts: list) -> LazyString:
    """Lazy strings joined when read (in the reader's language, like the parts)."""
    return LazyString(lambda: separator.join(str(part) for part in parts))


def _yuan(fen: int) -> str:
    return f"{fen // 100}" if fen % 100 == 0 else f"{fen / 100:.2f}".rstrip("0")


def month_of(day: date) -> date:
    return day.replace(day=1)


def of_resident(resident: Resident, day: date, version: PolicyVersion | None = None,
                service_code: str | None = None, *, lookup: bool = True) -> Eligibility:  # fmt: skip
    """The resident's eligibility on ``day`` under ``version`` (default: the one in force)."""
    if version is None and lookup:
        version = version_on(district_of(resident), day)
    facts = resident_facts_on(resident, day)
    age = age_on(resident.birth_date, day)
    tier, clause, rule = decide(version, age, facts, service_code)
    spent = db.session.get(AllowanceMonth, (resident.id, month_of(day)))
    return Eligibility(
        resident_id=resident.id, on=day, tier=tier, clause=clause,
        policy_version_id=version.id if version else None, age=age,
        ability_level=facts.ability_level, categories=facts.categories,
        household=facts.household, status=facts.status,
        priority=priority(version, age, facts), version=version, rule=rule,
        allowance_fen=version.allowance_fen if version and tier == "government" else 0,
        allowance_used_fen=spent.spent_fen if spent else 0,
        low_cost_cap_fen=version.low_cost_cap_fen if version else 0,
        low_cost_used_fen=spent.low_cost_spent_fen if spent else 0,
    )  # fmt: skip

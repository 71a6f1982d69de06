"""Care plans and volunteers' offers for the demo district (called by the demo loader).

Each served resident (everyone not deceased) gets a plausible plan through ``create_plan``, so the
demo obeys the same rules as a coordinator's plan; what a resident receives follows from their
household, ability level and age, and who pays from their categories and age. Only the loader's
``random.Random`` decides, so the demo stays deterministic.

Sizes (full demo, 85-120 residents a station): 60-110 visits a station on a workday, DESIGN §7's
50-300; weekends are quieter (lunches of the frailest, companionship, moved baths).
"""

from __future__ import annotations

import random

from sqlalchemy import select

from carehub.careplans.services import create_plan
from carehub.careplans.volunteers import set_offer
from carehub.extensions import db
from carehub.registry.models import ServiceType

DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
WEEKEND = ("SA", "SU", "SA", "SU", "WE")  # volunteers are free at the weekend, mostly
LUNCH = {"start": "11:00", "end": "12:30"}
MORNING = {"start": "08:30", "end": "11:30"}
AFTERNOON = {"start": "14:00", "end": "17:00"}
FREE_CATEGORIES = {"sanwu", "wubao", "dibao", "youfu"}  # the government pays everything


def funding(categories: list[str], age: int) -> str:
    """Who pays, until the policy engine proposes it: the tiers of DESIGN §9.

    三无/五保/低保/优抚 residents are fully funded; low-income residents and those 80 and over
    (高龄) pay the subsidised low-cost price; everyone else pays the contract price.
    """
    if FREE_CATEGORIES & set(categories):
        return "government"
    if "low_income" in categories or age >= 80:
        return "low_cost"
    return "paid"


def plan_items(rng: random.Random, household: str, level: int, age: int, pays: str) -> list[dict]:
    """The items of one resident's plan."""
    alone = household in ("alone", "empty_nest")
    items = []
    if alone:  # 助餐: lunch on workdays; every day for those alone and the frail or very old
        daily = household == "alone" or level >= 2 or age >= 85
        items.append(_item("MEAL", "每天" if daily else "每个工作日", [LUNCH], pays,
                           notes="少油少盐" if rng.random() < 0.3 else ""))  # fmt: skip
    # cleaning for everyone: weekly, or every other week for the fit living with family (at the
    # weekend too, when the family is home)
    every = "FREQ=WEEKLY" if alone or level >= 2 else "FREQ=WEEKLY;INTERVAL=2"
    days = DAYS[:5] if alone else DAYS
    items.append(_item("CLEAN", f"{every};BYDAY={rng.choice(days)}",
                       [rng.choice((MORNING, AFTERNOON))], pays))  # fmt: skip
    if level >= 3:  # bathing: two carers by the catalogue's rule at levels 3-4
        items.append(_item("BATH", f"FREQ=WEEKLY;BYDAY={rng.choice(DAYS[:6])}",
                           [{"start": "09:00", "end": "11:30"}, {"start": "14:00", "end": "16:30"}],
                           pays, notes="需两人协助转移"))  # fmt: skip
        items.append(_item("MEDICAL", f"FREQ=WEEKLY;BYDAY={rng.choice(DAYS[:5])}",
                           [{"start": "08:30", "end": "10:30"}], pays, notes="测血压血糖"))  # fmt: skip
    if level == 2 and rng.random() < 0.5:
        items.append(_item("REHAB", "FREQ=WEEKLY;BYDAY=TU,FR", [AFTERNOON], pays))
    if level >= 1 or age >= 75:  # monthly escort to the hospital for prescriptions
        day = rng.choice(DAYS[:5])
        items.append(_item("ESCORT", f"FREQ=MONTHLY;BYDAY=+{rng.randint(1, 3)}{day}",
                           [{"start": "08:00", "end": "11:00"}], pays, notes="带医保卡和病历"))  # fmt: skip
    if household == "alone" or (alone and level >= 1):  # companionship from volunteers
        items.append(_item("COMPANION", f"FREQ=WEEKLY;BYDAY={rng.choice(WEEKEND)}",
                           [{"start": "14:30", "end": "16:30"}], "volunteer", volunteer=True))  # fmt: skip
    return items


def _item(code, recurrence, windows, pays, *, notes="", volunteer=False) -> dict:
    key = "rrule" if recurrence.startswith("FREQ=") else "recurrence_words"
    return {"service_code": code, key: recurrence, "windows": windows, "funding": pays,
            "volunteer_suitable": volunteer, "notes": notes}  # fmt: skip


def add_plans(admin, rng: random.Random, people, age_of) -> int:
    """A plan from today for every served resident; ``people``: [(resident id, payload, level)]."""
    catalogue = db.session.scalars(select(ServiceType)).all()  # held: the session's map is weak
    made = 0
    for resident_id, payload, level in people:
        if payload["status"] == "deceased":
            continue
        age = age_of(payload)
        pays = funding(payload["categories"], age)
        items = plan_items(rng, payload["household"], level or 0, age, pays)
        create_plan(admin, {"resident_id": resident_id, "reason": "首次评估后制定", "items": items})
        made += 1
    del catalogue
    return made


def add_offers(admin, rng: random.Random, volunteer_ids: list[int]) -> None:
    """Each volunteer offers companionship (most also errands or escort) a few half-days a week."""
    for volunteer_id in volunteer_ids:
        services = ["COMPANION"] + [c for c, p in (("ERRAND", 0.5), ("ESCORT", 0.3),
                                                     ("MEAL", 0.2)) if rng.random() < p]  # fmt: skip
        days = sorted(rng.sample(range(7), rng.randint(2, 4)))
        slots = [
            {"weekday": day, **rng.choice((MORNING, {"start": "14:00", "end": "17:30"}))}
            for day in days
        ]
        set_offer(admin, volunteer_id, {"availability": slots, "services": services})

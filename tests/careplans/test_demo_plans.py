"""The demo district's care plans, volunteers' offers and the visits they generate."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from carehub.auth.models import User
from carehub.careplans.demo import funding
from carehub.careplans.generation import generate
from carehub.careplans.models import VOLUNTEER_SERVICES, CarePlan, VolunteerAvailability
from carehub.careplans.volunteers import get_offer
from carehub.extensions import db
from carehub.registry.demo import load_demo
from carehub.registry.models import Resident, Volunteer
from carehub.visits.models import Visit


def test_demo_plans_offers_and_two_weeks_of_visits(ctx):
    """One small load (it takes seconds), checked from several sides."""
    load_demo(scale=0.2)
    _check_plans()
    _check_offers()
    _check_generation()


def _check_plans() -> None:
    residents = db.session.scalars(select(Resident)).all()
    plans = {p.resident_id: p for p in db.session.scalars(select(CarePlan))}
    for resident in residents:
        plan = plans.get(resident.id)
        if resident.status == "deceased":
            assert plan is None
            continue
        items = plan.current.items
        codes = Counter(i.service_code for i in items)
        level = resident.current_assessment.level if resident.current_assessment else 0
        assert codes["CLEAN"] == 1
        assert bool(codes["MEAL"]) == (resident.household in ("alone", "empty_nest"))
        assert bool(codes["BATH"]) == (level >= 3)
        for item in items:
            if item.service_code == "BATH":
                assert item.carers == 2
            if item.service_code == "COMPANION":
                assert item.volunteer_suitable and item.funding == "volunteer"
            elif resident.categories:
                assert item.funding == funding(resident.categories, 60)
            if item.service_code == "MEAL":
                assert item.window1_start.hour == 11


def _check_offers() -> None:
    admin = db.session.scalar(select(User).where(User.username == "admin"))
    volunteers = db.session.scalars(select(Volunteer)).all()
    assert volunteers
    for volunteer in volunteers:
        offer = get_offer(admin, volunteer.id)
        assert "COMPANION" in offer["services"]
        assert set(offer["services"]) <= set(VOLUNTEER_SERVICES)
        assert 2 <= len(offer["availability"]) <= 4
    assert db.session.scalar(select(VolunteerAvailability.id).limit(1))


def _check_generation() -> None:
    first = generate(None, 14)
    db.session.commit()
    assert first.created > 0 and first.updated == first.cancelled == 0
    again = generate(None, 14)
    assert again.created == again.updated == again.cancelled == 0
    assert again.unchanged == first.created
    by_day = Counter(db.session.scalars(select(Visit.visit_date)))
    assert len(by_day) == 14 and min(by_day.values()) > 0


def test_funding_follows_categories_and_age():
    assert funding(["dibao"], 70) == funding(["sanwu", "low_income"], 90) == "government"
    assert funding(["low_income"], 65) == funding([], 80) == "low_cost"
    assert funding([], 79) == "paid"

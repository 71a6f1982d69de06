"""The demo district: counts, valid identifiers, places, a realistic mix, determinism, accounts."""

from __future__ import annotations

import math
from collections import Counter
from datetime import date, timedelta

from sqlalchemy import func, select

from carehub.auth.models import User
from carehub.common import crypto
from carehub.common.clock import local_today
from carehub.extensions import db
from carehub.registry.demo import ACCOUNTS, DEMO_PASSWORD, load_demo
from carehub.registry.idnumbers import age_on, parse_credit_code, parse_id_number
from carehub.registry.models import (
    Caregiver,
    Certificate,
    Contract,
    District,
    Provider,
    Resident,
    Station,
    Street,
    Volunteer,
)
from tests.factories import ledger_unlocked

PRELOADED = {"alembic_version", "service_types", "service_skills"}


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(a))


def test_full_demo_district(ctx):
    """One full load (it takes seconds), checked from several sides."""
    summary = load_demo()
    assert "carehub-demo" in summary and "coordinator2" in summary
    _check_counts()
    _check_residents()
    _check_providers_and_staff()
    _check_station_days()
    before = _count(Resident), _count(Contract)
    assert "nothing loaded" in load_demo()
    assert (_count(Resident), _count(Contract)) == before


def _check_counts() -> None:
    counts = {m: _count(m) for m in (District, Street, Station, Resident, Provider, Caregiver)}
    assert counts == {District: 1, Street: 3, Station: 8, Resident: 800, Provider: 4,
                      Caregiver: 80}  # fmt: skip
    assert _count(Volunteer) == 50 and _count(User) == len(ACCOUNTS)


def _check_residents() -> None:
    today = local_today()
    people = db.session.scalars(select(Resident)).all()
    ages = []
    for r in people:
        parsed = parse_id_number(crypto.decrypt(r.id_number_enc))
        assert parsed.value.startswith("320106")
        assert (parsed.birth_date, parsed.sex) == (r.birth_date, r.sex)
        ages.append(age_on(r.birth_date, today))
        assert _km(r.latitude, r.longitude, r.station.latitude, r.station.longitude) < 1.5
    assert min(ages) >= 60 and max(ages) <= 100
    assert 0.5 < sum(70 <= a <= 85 for a in ages) / len(ages) < 0.75

    women = sum(r.sex == "F" for r in people) / len(people)
    households = Counter(r.household for r in people)
    statuses = Counter(r.status for r in people)
    levels = Counter(r.current_assessment.level for r in people if r.current_assessment)
    categories = Counter(c for r in people for c in r.categories)
    assert 0.5 < women < 0.62
    assert 0.15 < households["alone"] / 800 < 0.25 and 0.25 < households["empty_nest"] / 800 < 0.35
    assert statuses["hospitalised"] >= 5 and 1 <= statuses["deceased"] <= 20
    assert levels[0] + levels[1] > 0.6 * sum(levels.values()) and levels[4] > 0
    assert 0 < categories["dibao"] < 80 and sum(categories.values()) < 120
    assert sum(len(r.assessments) == 2 for r in people) > 100
    away = [f for r in people for f in r.family_members if f.lives_away]
    assert away and all(f.agreement_signed_on for f in away if f.emergency_contact)


def _check_station_days() -> None:
    """DESIGN §7: a station plans 50-300 visits a day (the care plans' demo, on a workday)."""
    from carehub.careplans.generation import generate
    from carehub.careplans.holidays import Calendar
    from carehub.visits.models import Visit

    day, calendar = local_today() + timedelta(days=1), Calendar()
    while not calendar.is_workday(day):
        day += timedelta(days=1)
    generate(None, 1, start=day)
    per_station = Counter(db.session.scalars(select(Visit.station_id)))
    assert len(per_station) == 8 and all(50 <= n <= 300 for n in per_station.values())
    db.session.rollback()


def _check_providers_and_staff() -> None:
    today = local_today()
    for provider in db.session.scalars(select(Provider)):
        parse_credit_code(provider.credit_code)
        current = [c for c in provider.contracts if c.valid_from <= today <= c.valid_to]
        assert current and current[0].prices and current[0].stations
        assert all(p.unit_price_fen > 0 for p in current[0].prices)
    for carer in db.session.scalars(select(Caregiver)):
        station = carer.station
        assert _km(carer.home_latitude, carer.home_longitude, station.latitude,
                   station.longitude) < 4.5  # fmt: skip
        assert carer.skills and carer.working_hours and carer.certificates
    soon = db.session.scalars(select(Certificate).where(Certificate.expires_on.is_not(None)))
    days_left = [(c.expires_on - today).days for c in soon]
    assert any(0 <= d <= 30 for d in days_left) and any(d < 0 for d in days_left)
    for volunteer in db.session.scalars(select(Volunteer)):
        parse_id_number(crypto.decrypt(volunteer.id_number_enc))
        if volunteer.resident is not None:
            assert volunteer.resident.id_number_hash == volunteer.id_number_hash
    linked = _count(select(Volunteer).where(Volunteer.resident_id.is_not(None)).subquery())
    assert 10 <= linked < 50


def _snapshot() -> list[tuple]:
    residents = db.session.scalars(select(Resident).order_by(Resident.id)).all()
    people = [
        (r.station.code, r.name, crypto.decrypt(r.id_number_enc), r.address, r.latitude,
         r.longitude, r.household, r.status, tuple(r.categories),
         tuple((a.assessed_on, a.level) for a in r.assessments),
         tuple((f.name, f.relationship_, crypto.decrypt(f.phone_enc)) for f in r.family_members))
        for r in residents
    ]  # fmt: skip
    carers = [(c.name, tuple(c.skills), len(c.working_hours)) for c in
              db.session.scalars(select(Caregiver).order_by(Caregiver.id))]  # fmt: skip
    volunteers = [crypto.decrypt(v.id_number_enc) for v in
                  db.session.scalars(select(Volunteer).order_by(Volunteer.id))]  # fmt: skip
    return people + carers + volunteers


def _wipe() -> None:
    db.session.remove()
    with db.engine.begin() as conn, ledger_unlocked(conn):
        for table in reversed(db.metadata.sorted_tables):
            if table.name not in PRELOADED:
                conn.execute(table.delete())


def test_demo_is_deterministic(ctx):
    day = date(2025, 6, 15)
    load_demo(scale=0.05, today=day)
    first = _snapshot()
    _wipe()
    load_demo(scale=0.05, today=day)
    assert _snapshot() == first
    assert len([p for p in first if len(p) == 11]) == 40
    _wipe()
    load_demo(scale=0.05, today=day, seed=7)
    assert _snapshot() != first


def test_force_loads_beside_another_district_and_every_account_logs_in(app, client):
    with app.app_context():
        db.session.add(District(code="320102", name="玄武区", city="南京市"))
        db.session.commit()
        assert "nothing loaded" in load_demo(scale=0.02)
        assert "Loaded the demo district" in load_demo(force=True, scale=0.02)
        assert "already loaded" in load_demo(force=True, scale=0.02)
        assert _count(District) == 2
    for username, role, *_ in ACCOUNTS:
        response = client.post("/login", data={"username": username, "password": DEMO_PASSWORD})
        assert response.status_code == 302, username
        client.post("/logout")
        token = client.post(
            "/api/v1/auth/token", json={"username": username, "password": DEMO_PASSWORD}
        )
        assert token.status_code == 201 and token.json["user"]["role"] == role
    with app.app_context():
        coordinator = db.session.scalar(select(User).where(User.username == "coordinator"))
        other = db.session.scalar(select(User).where(User.username == "coordinator2"))
        assert [s.code for s in coordinator.stations] == ["GL-01"]
        assert other.stations and other.stations != coordinator.stations
        assert db.session.scalar(select(User).where(User.username == "caregiver")).caregiver_id
        assert db.session.scalar(select(User).where(User.username == "volunteer")).volunteer_id


def test_contracts_cover_the_next_60_days_even_when_loaded_in_december(ctx):
    """Loaded on 20 December, the demo holds next year's contracts (signed in the last quarter)."""
    today = date(2026, 12, 20)
    load_demo(scale=0.02, today=today)
    contracts = db.session.scalars(select(Contract)).all()
    providers = db.session.scalars(select(Provider)).all()
    for provider in providers:
        stations = {s.id for c in provider.contracts for s in c.stations}
        for offset in range(61):
            day = today + timedelta(days=offset)
            for station in stations:
                covering = [
                    c for c in contracts
                    if c.provider_id == provider.id and c.valid_from <= day <= c.valid_to
                    and station in {s.id for s in c.stations} and c.prices
                ]  # fmt: skip
                assert covering, (provider.name, station, day)
    assert max(c.valid_to for c in contracts) == date(2027, 12, 31)
    _wipe()
    load_demo(scale=0.02, today=date(2026, 6, 1))  # mid-year: no contract before it is signed
    assert max(c.valid_to for c in db.session.scalars(select(Contract))) == date(2026, 12, 31)

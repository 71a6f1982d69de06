"""A station's day as a ``scheduler.Problem``, with the id mapping back to the database.

The scheduler knows only strings: visit ``"visit-12"``, caregiver ``"c3"``, volunteer ``"v7"``
(``Mapping`` turns them back). Times are minutes after the station's local midnight. Volunteers
are carers too: their skills are those of the services they offer, and every visit that is not
volunteer-suitable (or of a service they do not offer) excludes them; a visit funded as a
volunteer visit excludes the caregivers. MEAL visits are ordinary visits here (no meal rounds).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

import scheduler as s
from carehub.careplans.facts import certificates_on
from carehub.careplans.models import CarePlanItem, VolunteerAvailability, VolunteerService
from carehub.common.clock import timezone
from carehub.extensions import db
from carehub.registry.models import Caregiver, ServiceSkill, Station, Volunteer
from carehub.scheduling.absences import minus, off_hours
from carehub.scheduling.models import SchedulePin
from carehub.visits.models import Visit, VisitCarer

PLANNABLE = ("planned", "scheduled")
STARTED = ("in_progress", "completed", "verified")
CONTINUITY_DAYS = 30
# a skill a caregiver may use only while holding a valid certificate of this kind on the day
CERTIFIED_SKILLS = {"medical": "护士执业证书"}
LUNCH = (11 * 60, 13 * 60 + 30, 30)  # a long shift's lunch: 30 minutes between 11:00 and 13:30
LONG_SHIFT = 6 * 60
MAX_OVERTIME = 30.0


def visit_key(visit_id: int) -> str:
    return f"visit-{visit_id}"


def carer_key(kind: str, carer_id: int) -> str:
    return f"{'c' if kind == 'caregiver' else 'v'}{carer_id}"


@dataclass
class Mapping:
    """Scheduler ids <-> database ids, and the day's clock (minutes <-> UTC)."""

    station_id: int
    day: date
    visits: dict[str, int] = field(default_factory=dict)
    carers: dict[str, tuple[str, int]] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    pins_ignored: list[int] = field(default_factory=list)
    base: s.Location | None = None  # the station: kitchen, and where carers without a home start

    def midnight(self) -> datetime:
        return datetime.combine(self.day, time(), tzinfo=timezone())

    def to_utc(self, minutes: float) -> datetime:
        return (self.midnight() + timedelta(minutes=round(minutes))).astimezone(UTC)

    def to_minutes(self, moment: datetime) -> float:
        return (moment.astimezone(timezone()) - self.midnight()).total_seconds() / 60

    def carer(self, key: str) -> dict:
        kind, carer_id = self.carers[key]
        return {f"{kind}_id": carer_id}


@dataclass
class Built:
    problem: s.Problem | None  # None when nobody works that day
    mapping: Mapping
    visits: dict[int, Visit]


def minutes(t: time) -> int:
    return t.hour * 60 + t.minute


def build_problem(station_id: int, day: date, states=PLANNABLE, pins: bool = True,
                  absences: bool = True) -> Built:  # fmt: skip
    """The day's problem for one station: its visits in ``states``, its carers on duty (less
    their recorded absences, unless a re-plan applies those as changes itself)."""
    station = db.session.get(Station, station_id)
    mapping = Mapping(station_id, day)
    base = mapping.base = s.Location(lat=station.latitude, lon=station.longitude)
    off = off_hours(station_id, day) if absences else {}
    carers = _caregivers(station_id, day, base, mapping, off) + _volunteers(
        station_id, day, base, mapping, off
    )
    visits = _visits(station_id, day, states)
    problem_visits = _problem_visits(visits, day, base, carers, mapping, pins)
    problem = None
    if carers:
        problem = s.Problem(tuple(c for c, _ in carers), tuple(problem_visits),
                            name=f"{station.code} {day.isoformat()}")  # fmt: skip
    return Built(problem, mapping, {v.id: v for v in visits})


def _visits(station_id: int, day: date, states) -> list[Visit]:
    query = (
        select(Visit)
        .where(Visit.station_id == station_id, Visit.visit_date == day, Visit.state.in_(states))
        .options(
            selectinload(Visit.resident),
            selectinload(Visit.plan_item).selectinload(CarePlanItem.caregiver_rows),
            selectinload(Visit.carers_on),
        )
        .order_by(Visit.window1_start, Visit.id)
    )
    return list(db.session.scalars(query))


def _periods_to_shift(periods, home: s.Location, lunch: bool = True) -> s.Shift:
    """Working periods of one day as one shift: the gaps between them are breaks, and a long
    unbroken shift gets a lunch break."""
    periods = sorted(periods)
    start, end = periods[0][0], periods[-1][1]
    breaks = [s.Break(a[1], b[0], b[0] - a[1]) for a, b in zip(periods, periods[1:], strict=False)
              if b[0] > a[1]]  # fmt: skip
    earliest, latest, length = LUNCH
    earliest, latest = max(earliest, start), min(latest, end)
    if lunch and not breaks and end - start >= LONG_SHIFT and latest - earliest >= length:
        breaks = [s.Break(earliest, latest, length)]
    return s.Shift(home, home, start, end, tuple(breaks), MAX_OVERTIME)


def _caregivers(station_id: int, day: date, base, mapping: Mapping, off: dict) -> list:
    query = (
        select(Caregiver)
        .where(Caregiver.station_id == station_id, Caregiver.status == "active")
        .options(
            selectinload(Caregiver.working_hours),
            selectinload(Caregiver.skill_rows),
            selectinload(Caregiver.certificates),
        )  # fmt: skip
        .order_by(Caregiver.id)
    )
    out = []
    for c in db.session.scalars(query):
        periods = [(minutes(w.start), minutes(w.end)) for w in c.working_hours
                   if w.weekday == day.weekday()]  # fmt: skip
        periods = minus(periods, off.get(("caregiver", c.id), []))
        if not periods:
            continue
        held = {cert.kind for cert in certificates_on(c, day)}
        skills = {k for k in c.skills if CERTIFIED_SKILLS.get(k) in (None, *held)}
        home = base
        if c.home_latitude is not None and c.home_longitude is not None:
            home = s.Location(lat=c.home_latitude, lon=c.home_longitude)
        key = carer_key("caregiver", c.id)
        mapping.carers[key], mapping.names[key] = ("caregiver", c.id), c.name
        out.append((s.Caregiver(key, (_periods_to_shift(periods, home),), frozenset(skills),
                                c.sex, float(c.max_minutes_per_day), travel_mode=c.travel_mode),
                    None))  # fmt: skip
    return out


def _volunteers(station_id: int, day: date, base, mapping: Mapping, off: dict) -> list:
    volunteers = list(db.session.scalars(
        select(Volunteer).where(Volunteer.station_id == station_id, Volunteer.status == "active")
        .order_by(Volunteer.id)))  # fmt: skip
    if not volunteers:
        return []
    ids = [v.id for v in volunteers]
    slots = defaultdict(list)
    for row in db.session.scalars(select(VolunteerAvailability).where(
            VolunteerAvailability.volunteer_id.in_(ids),
            VolunteerAvailability.weekday == day.weekday())):  # fmt: skip
        slots[row.volunteer_id].append((minutes(row.start), minutes(row.end)))
    offers = defaultdict(set)
    for vid, code in db.session.execute(select(VolunteerService.volunteer_id,
            VolunteerService.service_code).where(VolunteerService.volunteer_id.in_(ids))):  # fmt: skip
        offers[vid].add(code)
    skills_of = _service_skills()
    out = []
    for v in volunteers:
        slots[v.id] = minus(slots[v.id], off.get(("volunteer", v.id), []))
        if not slots[v.id] or not offers[v.id]:
            continue
        shifts = tuple(s.Shift(base, base, a, b) for a, b in sorted(slots[v.id]))
        skills = frozenset(k for code in offers[v.id] for k in skills_of.get(code, ()))
        key = carer_key("volunteer", v.id)
        mapping.carers[key], mapping.names[key] = ("volunteer", v.id), v.name
        out.append((s.Caregiver(key, shifts, skills, v.sex, travel_mode="walk"),
                    frozenset(offers[v.id])))  # fmt: skip
    return out


def _service_skills() -> dict[str, set[str]]:
    found: dict[str, set[str]] = defaultdict(set)
    for code, skill in db.session.execute(select(ServiceSkill.service_code, ServiceSkill.skill)):
        found[code].add(skill)
    return found


def _recent_carers(visits: list[Visit], day: date) -> dict[int, list[int]]:
    """Resident -> caregivers who served them in the last 30 days, most often first."""
    residents = {v.resident_id for v in visits}
    if not residents:
        return {}
    rows = db.session.execute(
        select(Visit.resident_id, VisitCarer.caregiver_id)
        .join(VisitCarer, VisitCarer.visit_id == Visit.id)
        .where(
            Visit.resident_id.in_(residents),
            VisitCarer.caregiver_id.is_not(None),
            Visit.visit_date >= day - timedelta(days=CONTINUITY_DAYS),
            Visit.visit_date < day,
            Visit.state.not_in(("cancelled", "missed")),
        )  # fmt: skip
    )
    counts: dict[int, Counter] = defaultdict(Counter)
    for resident_id, caregiver_id in rows:
        counts[resident_id][caregiver_id] += 1
    return {r: [c for c, _ in counter.most_common(2)] for r, counter in counts.items()}


def _windows(v: Visit) -> tuple[s.TimeWindow, ...]:
    windows = [s.TimeWindow(minutes(v.window1_start), minutes(v.window1_end))]
    if v.window2_start is not None and v.window2_end is not None:
        windows.append(s.TimeWindow(minutes(v.window2_start), minutes(v.window2_end)))
    return tuple(sorted(windows, key=lambda w: w.start))


def _problem_visits(visits, day, base, carers, mapping: Mapping, use_pins: bool) -> list:
    skills_of = _service_skills()
    recent = _recent_carers(visits, day)
    pins = _pins([v.id for v in visits]) if use_pins else {}
    caregivers = [c.id for c, offer in carers if offer is None]
    out = []
    for v in visits:
        suitable = bool(v.plan_item and v.plan_item.volunteer_suitable)
        excluded = {c.id for c, offer in carers
                    if offer is not None and not (suitable and v.service_code in offer)}  # fmt: skip
        if v.funding == "volunteer":
            excluded |= set(caregivers)
        if v.plan_item:
            excluded |= {k for k in (carer_key("caregiver", i) for i in
                         v.plan_item.excluded_caregivers) if k in mapping.carers}  # fmt: skip
        preferred = list(v.plan_item.preferred_caregivers if v.plan_item else [])
        preferred += [c for c in recent.get(v.resident_id, []) if c not in preferred]
        preferred_keys = tuple(k for k in (carer_key("caregiver", i) for i in preferred)
                               if k in mapping.carers and k not in excluded)  # fmt: skip
        pin = pins.get(v.id)
        pinned, start = _pin_of(pin, excluded, mapping)
        location = base
        if v.resident.latitude is not None and v.resident.longitude is not None:
            location = s.Location(lat=v.resident.latitude, lon=v.resident.longitude)
        key = visit_key(v.id)
        mapping.visits[key] = v.id
        mapping.names[key] = v.resident.name
        out.append(s.Visit(
            key, location, _windows(v), float(v.duration_minutes),
            frozenset(skills_of.get(v.service_code, ())), carers=v.carers,
            preferred_caregivers=preferred_keys, excluded_caregivers=frozenset(excluded),
            sex_preference=v.sex_preference or v.resident.caregiver_sex_preference,
            priority=5 if v.source == "urgent" else 1, pinned_caregivers=pinned,
            pinned_start=start))  # fmt: skip
    return out


def _pins(visit_ids: list[int]) -> dict[int, SchedulePin]:
    if not visit_ids:
        return {}
    rows = db.session.scalars(select(SchedulePin).where(SchedulePin.visit_id.in_(visit_ids)))
    return {p.visit_id: p for p in rows}


def _pin_of(pin: SchedulePin | None, excluded: set[str], mapping: Mapping):
    """The scheduler's pin; a pin to a carer who is off that day (or excluded) is left out and
    remembered in ``mapping.pins_ignored``, so the page can say so."""
    if pin is None:
        return (), None
    start = float(pin.start_minute) if pin.start_minute is not None else None
    if pin.caregiver_id is None and pin.volunteer_id is None:
        return (), start
    kind = "caregiver" if pin.caregiver_id is not None else "volunteer"
    key = carer_key(kind, pin.caregiver_id or pin.volunteer_id)
    if key not in mapping.carers or key in excluded:
        mapping.pins_ignored.append(pin.visit_id)
        return (), start
    return (key,), start

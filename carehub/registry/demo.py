"""The demo district: a realistic, deterministic 南京市鼓楼区 for trying CareHub out.

Every record goes through the registry services, so the demo obeys the same rules as real data
(valid ID numbers, scoping, audit events); the whole load is one unit of work (``tx.unit_of_work``):
the services only flush, and it is committed once, or not at all.
Only ``random.Random(seed)`` decides; dates are relative to ``today`` so that ages stay 60-100.
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select

from carehub.auth.models import User
from carehub.auth.services import create_user
from carehub.common.clock import local_today
from carehub.common.tx import commit, unit_of_work
from carehub.extensions import db
from carehub.registry import demo_data as d
from carehub.registry.idnumbers import age_on, compose_credit_code, compose_id_number
from carehub.registry.models import Community, District, Station, Street, Volunteer
from carehub.registry.schemas import MIN_RESIDENT_AGE, birthday
from carehub.registry.services import network, providers, residents, staff

DEMO_PASSWORD = "carehub-demo"
DEMO_SEED = 20240601
RESIDENTS, CAREGIVERS_PER_STATION, VOLUNTEERS = 800, 10, 50
RESIDENT_RADIUS_KM = 1.2
KM_PER_DEGREE = 111.32
# Districts sign next year's contracts in the last quarter: from 1 October on, the demo holds
# next year's too, so that anything planned up to three months ahead has a contract and a price.
CONTRACT_LEAD = timedelta(days=92)

# (username, role, station index or None, display name); the password is DEMO_PASSWORD for all.
ACCOUNTS = (
    ("admin", "admin", None, "系统管理员"),
    ("auditor", "auditor", None, "区民政局审计员"),
    ("coordinator", "coordinator", 0, "张敏（颐和路站）"),
    ("coordinator2", "coordinator", 4, "李娟（山西路站）"),
    ("provider_manager", "provider_manager", None, "周海燕（颐康）"),
    ("caregiver", "caregiver", 0, "护理员"),
    ("volunteer", "volunteer", 0, "志愿者"),
)


def load_demo(
    force: bool = False, *, scale: float = 1.0, seed: int = DEMO_SEED, today: date | None = None
) -> str:
    """Load the demo district once; return a summary with the demo accounts.

    Skipped when a district exists, unless ``force``: then it is loaded beside the other districts
    (never twice, never deleting anything). ``scale`` shrinks the people for fast tests.
    """
    existing = db.session.scalar(select(District).limit(1))
    if existing is not None and not force:
        return (
            f"The database already holds a district ({existing.city}{existing.name}); "
            "nothing loaded. Use --force to add the demo district beside it."
        )
    if db.session.scalar(select(District.id).where(District.code == d.DISTRICT["code"])):
        return "The demo district is already loaded; nothing loaded."
    started = time.perf_counter()
    with unit_of_work():
        counts = _Loader(random.Random(seed), today or local_today(), scale).run()
        commit()
    return _summary(counts, time.perf_counter() - started)


def _summary(counts: dict[str, int], seconds: float) -> str:
    lines = [f"Loaded the demo district 南京市鼓楼区 in {seconds:.1f} s:"]
    lines.append("  " + ", ".join(f"{n} {what}" for what, n in counts.items()))
    lines.append(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
    for username, role, station, name in ACCOUNTS:
        where = f"station {d.STATIONS[station].code}" if station is not None else ""
        lines.append(f"  {username:<17} {role:<17} {where:<14} {name}".rstrip())
    return "\n".join(lines)


@dataclass
class _Loader:
    rng: random.Random
    today: date
    scale: float
    admin: User | None = None
    stations: list[Station] = field(default_factory=list)
    provider_ids: list[int] = field(default_factory=list)
    used_ids: set[str] = field(default_factory=set)
    counts: dict[str, int] = field(default_factory=dict)

    def run(self) -> dict[str, int]:
        self.admin = create_user("admin", DEMO_PASSWORD, "admin", display_name=ACCOUNTS[0][3])
        self._network()
        self._policy()
        self._providers()
        people = self._residents()
        carers = self._caregivers()
        volunteers = self._volunteers(people)
        self._plans(people, volunteers)
        self._accounts(carers[0], volunteers)
        return self.counts

    def _policy(self) -> None:
        from carehub.policy.demo import load_policy

        load_policy(self.admin, d.DISTRICT["code"], self.today)
        self._count("policy versions")

    def _count(self, what: str, n: int = 1) -> None:
        self.counts[what] = self.counts.get(what, 0) + n

    # --- network and providers ------------------------------------------------------------

    def _network(self) -> None:
        district = District(**d.DISTRICT)
        streets = {
            code: Street(district=district, code=code, name=name) for code, name in d.STREETS
        }
        db.session.add(district)
        communities = []
        for i, site in enumerate(d.STATIONS, start=1):
            community = Community(
                street=streets[site.street], code=f"{site.street}{i:03d}", name=site.community
            )
            communities.append(community)
        db.session.add_all(communities)
        db.session.flush()
        for site, community in zip(d.STATIONS, communities, strict=True):
            payload = {
                "code": site.code, "name": f"{site.community}居家养老服务站",
                "street_id": community.street_id, "community_id": community.id,
                "address": f"{d.DISTRICT['name']}{site.address}", "phone": _landline(self.rng),
                "latitude": site.latitude, "longitude": site.longitude,
            }  # fmt: skip
            self.stations.append(network.create_station(self.admin, payload))
        self.counts.update(districts=1, streets=len(streets), stations=len(self.stations))

    def _providers(self) -> None:
        years = range(self.today.year - 1, (self.today + CONTRACT_LEAD).year + 1)
        by_code = {s.code: s.id for s in self.stations}
        for n, (name, body, contact, address, covered, medical) in enumerate(d.PROVIDERS, 1):
            provider = providers.create_provider(
                self.admin,
                {"name": name, "credit_code": compose_credit_code(body), "contact_name": contact,
                 "phone": _landline(self.rng), "address": f"南京市鼓楼区{address}"},
            )  # fmt: skip
            services = d.MEDICAL_SERVICES if medical else tuple(d.BASE_PRICES)
            for valid_year in years:
                providers.add_contract(
                    self.admin,
                    provider.id,
                    {"number": f"GLMZ-{valid_year}-{n:03d}",
                     "valid_from": f"{valid_year}-01-01", "valid_to": f"{valid_year}-12-31",
                     "station_ids": [by_code[c] for c in covered],
                     "prices": [self._price(code) for code in services]},
                )  # fmt: skip
            self.provider_ids.append(provider.id)
        self._count("providers", len(self.provider_ids))
        self._count("contracts", len(years) * len(self.provider_ids))

    def _price(self, code: str) -> dict:
        base, minutes = d.BASE_PRICES[code]
        halves = round(float(base) * self.rng.uniform(0.9, 1.1) * 2)  # to the half yuan
        return {"service_code": code, "unit_price": f"{halves / 2:.2f}", "unit_minutes": minutes}

    # --- residents ------------------------------------------------------------------------

    def _residents(self) -> list[tuple[int, dict, int | None]]:
        total = max(len(self.stations), round(RESIDENTS * self.scale))
        shares = [s.share for s in d.STATIONS]
        per_station = _apportion(total, shares)
        people = []
        for station, site, n in zip(self.stations, d.STATIONS, per_station, strict=True):
            for _ in range(n):
                payload, history = self._resident(station, site)
                resident = residents.create_resident(self.admin, payload)
                for assessment in history:
                    residents.add_assessment(self.admin, resident.id, assessment)
                self._count("residents")
                self._count("assessments", len(history))
                level = history[-1]["level"] if history else None
                people.append((resident.id, payload, level))
        return people

    def _resident(self, station: Station, site: d.StationSite) -> tuple[dict, list[dict]]:
        rng = self.rng
        age = min(100, int(rng.triangular(60, 101, 76)))
        sex = "F" if rng.random() < 0.5 + 0.006 * (age - 70) else "M"
        born = self._birth_date(age)
        household = rng.choices(
            ("alone", "empty_nest", "with_family", "with_carer"), (20, 30, 45, 5)
        )[0]
        categories = [c for c, p in _CATEGORY_RATES if rng.random() < p]
        sixty = birthday(born, MIN_RESIDENT_AGE).isoformat()  # no elder assessment before 60
        history = [a for a in self._assessments(age) if a["assessed_on"] >= sixty]
        level = history[-1]["level"] if history else 0
        lat, lon = _near(rng, station.latitude, station.longitude, RESIDENT_RADIUS_KM)
        payload = {
            "station_id": station.id,
            "name": _elder_name(rng, sex),
            "id_number": self._id_number(d.REGION, born, sex),
            "phone": _resident_phone(rng),
            "address": _address(rng, site),
            "latitude": round(lat, 6),
            "longitude": round(lon, 6),
            "household": household,
            "categories": categories,
            "health_notes": _health_notes(rng, level),
            "caregiver_sex_preference": _preference(rng, sex),
            "consent_signed_on": (self.today - timedelta(days=rng.randint(30, 1500))).isoformat(),
            "consent_note": "由子女代签" if level >= 3 else "本人签字",
            "family_members": _family(rng, household, "sanwu" in categories, self.today),
            **self._status(rng),
        }
        return payload, history

    def _birth_date(self, age: int) -> date:
        anniversary = _years_before(self.today, age)
        return anniversary - timedelta(days=self.rng.randint(0, 364))

    def _id_number(self, region: str, born: date, sex: str) -> str:
        while True:
            number = compose_id_number(region, born, self.rng.randrange(500), sex)
            if number not in self.used_ids:
                self.used_ids.add(number)
                return number

    def _assessments(self, age: int) -> list[dict]:
        """0, 1 or 2 assessments, oldest first; the level rises with age."""
        rng = self.rng
        if rng.random() < 0.08:
            return []
        weights = _LEVELS_YOUNG if age < 75 else _LEVELS_OLD if age < 85 else _LEVELS_OLDEST
        level = rng.choices(range(5), weights)[0]
        latest = self.today - timedelta(days=rng.randint(10, 540))
        history = [_assessment(rng, level, latest)]
        if rng.random() < 0.3:
            earlier = max(0, level - (rng.random() < 0.4))
            history.insert(0, _assessment(rng, earlier, latest - timedelta(rng.randint(300, 420))))
        return history

    def _status(self, rng: random.Random) -> dict:
        roll = rng.random()
        if roll < 0.01:
            died = self.today - timedelta(days=rng.randint(10, 200))
            return {"status": "deceased", "deceased_on": died.isoformat(),
                    "status_since": died.isoformat()}  # fmt: skip
        if roll < 0.03:
            since = self.today - timedelta(days=rng.randint(2, 40))
            return {"status": "hospitalised", "status_since": since.isoformat()}
        if roll < 0.04:
            since = self.today - timedelta(days=rng.randint(5, 90))
            return {"status": "suspended", "status_since": since.isoformat()}
        return {"status": "active"}

    # --- caregivers and volunteers --------------------------------------------------------

    def _caregivers(self) -> list[int]:
        per_station = max(1, round(CAREGIVERS_PER_STATION * self.scale))
        medical_provider = self.provider_ids[-1]
        ids = []
        for index, (station, site) in enumerate(zip(self.stations, d.STATIONS, strict=True)):
            primary = next(
                pid for pid, p in zip(self.provider_ids, d.PROVIDERS, strict=True)
                if site.code in p[4] and not p[5]
            )  # fmt: skip
            for k in range(per_station):
                medical = k >= per_station - max(1, per_station // 5)
                provider_id = medical_provider if medical else primary
                payload = self._caregiver(station, provider_id, medical, index * 100 + k)
                ids.append(staff.create_caregiver(self.admin, payload).id)
        self._count("caregivers", len(ids))
        return ids

    def _caregiver(self, station: Station, provider_id: int, medical: bool, serial: int) -> dict:
        rng = self.rng
        sex = "F" if rng.random() < 0.85 else "M"
        walks = rng.random() < 0.3
        lat, lon = _near(rng, station.latitude, station.longitude, 1.0 if walks else 4.0)
        skills = ["companion"] + [s for s, p in _SKILL_RATES if rng.random() < p]
        if medical:
            skills += ["medical", "nursing", "rehab", "escort"]
        return {
            "provider_id": provider_id,
            "station_id": station.id,
            "name": rng.choice(d.SURNAMES)[0] + rng.choice(d.ADULT_GIVEN[sex]),
            "sex": sex,
            "phone": _mobile(rng),
            "home_latitude": round(lat, 6),
            "home_longitude": round(lon, 6),
            "travel_mode": "walk" if walks else "ebike",
            "max_minutes_per_day": 480,
            "skills": sorted(set(skills)),
            "certificates": self._certificates(medical, serial),
            "working_hours": _working_hours(rng, serial),
        }

    def _certificates(self, medical: bool, serial: int) -> list[dict]:
        rng, today = self.rng, self.today
        issued = today - timedelta(days=rng.randint(0, 380))  # a few have lapsed, some lapse soon
        certs = [
            {"kind": d.CERT_HEALTH, "number": f"JK{today.year}{serial:05d}",
             "issued_on": issued.isoformat(), "expires_on": (issued + timedelta(365)).isoformat()},
            {"kind": d.CERT_SKILL, "number": f"3201{rng.randrange(10**10):010d}",
             "issued_on": (today - timedelta(days=rng.randint(200, 2500))).isoformat()},
        ]  # fmt: skip
        if medical:
            since = today - timedelta(days=rng.randint(100, 1700))
            certs.append({"kind": d.CERT_NURSE, "number": f"{rng.randrange(10**12):012d}",
                          "issued_on": since.isoformat(),
                          "expires_on": (since + timedelta(days=5 * 365)).isoformat()})  # fmt: skip
        if rng.random() < 0.3:
            since = today - timedelta(days=rng.randint(30, 1000))
            certs.append({"kind": d.CERT_FIRST_AID, "number": f"HS{rng.randrange(10**8):08d}",
                          "issued_on": since.isoformat(),
                          "expires_on": (since + timedelta(days=3 * 365)).isoformat()})  # fmt: skip
        return certs

    def _volunteers(self, people: list[tuple[int, dict, int | None]]) -> list[int]:
        """Healthy retirees: about a third are residents too (then with the same ID number)."""
        total = max(2, round(VOLUNTEERS * self.scale))
        fit = [
            (rid, p) for rid, p, level in people
            if level == 0 and p["status"] == "active"
            and age_on(_born(p["id_number"]), self.today) <= 72
        ]  # fmt: skip
        residents_too = self.rng.sample(fit, min(len(fit), total // 3))
        ids = []
        for rid, p in residents_too:
            ids.append(self._volunteer(p["station_id"], p["name"], p["id_number"], rid, p["phone"]))
        while len(ids) < total:
            station = self.stations[len(ids) % len(self.stations)]
            ids.append(self._new_volunteer(station))
        self._count("volunteers", len(ids))
        return ids

    def _new_volunteer(self, station: Station) -> int:
        rng = self.rng
        age = int(rng.triangular(55, 76, 64))
        sex = "F" if rng.random() < 0.6 else "M"
        region = d.REGION if rng.random() < 0.85 else rng.choice(d.OTHER_REGIONS)
        number = self._id_number(region, self._birth_date(age), sex)
        name = (
            _elder_name(rng, sex)
            if age >= 62
            else rng.choice(d.SURNAMES)[0] + rng.choice(d.ADULT_GIVEN[sex])
        )
        return self._volunteer(station.id, name, number, None, _mobile(rng))

    def _volunteer(self, station_id, name, id_number, resident_id, phone) -> int:
        rng = self.rng
        joined = self.today - timedelta(days=rng.randint(20, 1100))
        payload = {
            "station_id": station_id, "resident_id": resident_id, "name": name,
            "id_number": id_number, "phone": phone, "joined_on": joined.isoformat(),
            "skills_note": "、".join(rng.sample(d.VOLUNTEER_SKILLS, rng.randint(1, 3))),
        }  # fmt: skip
        return staff.create_volunteer(self.admin, payload).id

    def _plans(self, people: list[tuple[int, dict, int | None]], volunteers: list[int]) -> None:
        """Care plans for the served residents and the volunteers' offers (carehub.careplans)."""
        from carehub.careplans import demo as plans

        def age(payload: dict) -> int:
            return age_on(_born(payload["id_number"]), self.today)

        self._count("care plans", plans.add_plans(self.admin, self.rng, people, age))
        plans.add_offers(self.admin, self.rng, volunteers)
        from carehub.timebank.demo import add_hours

        self._count("time-bank credits", add_hours(self.admin, self.rng, volunteers, self.today))

    def _accounts(self, caregiver_id: int, volunteer_ids: list[int]) -> None:
        station_volunteer = db.session.scalar(
            select(Volunteer.id)
            .where(Volunteer.id.in_(volunteer_ids))
            .where(Volunteer.station_id == self.stations[0].id)
            .order_by(Volunteer.id)
        )
        links = {
            "provider_manager": {"provider_id": self.provider_ids[0]},
            "caregiver": {"caregiver_id": caregiver_id},
            "volunteer": {"volunteer_id": station_volunteer},
        }
        for username, role, station, name in ACCOUNTS[1:]:
            codes = [self.stations[station].code] if station is not None else []
            create_user(username, DEMO_PASSWORD, role, codes, name, **links.get(username, {}))
        self.counts["users"] = len(ACCOUNTS)


# --- small generators --------------------------------------------------------------------------

_CATEGORY_RATES = (("sanwu", 0.005), ("wubao", 0.003), ("youfu", 0.02), ("dibao", 0.04),
                   ("low_income", 0.05))  # fmt: skip
_LEVELS_YOUNG, _LEVELS_OLD, _LEVELS_OLDEST = (
    (68, 22, 6, 3, 1),
    (45, 32, 12, 7, 4),
    (22, 33, 20, 14, 11),
)
_SKILL_RATES = (("meal", 0.9), ("cleaning", 0.85), ("bathing", 0.4), ("nursing", 0.5),
                ("escort", 0.5))  # fmt: skip
# GB/T 42195-2022: total score (0-100) bands of levels 0-4, and the four domains' maxima.
_LEVEL_SCORES = ((90, 100), (66, 89), (46, 65), (30, 45), (0, 29))
_DOMAINS = (("self_care", 32), ("mobility", 28), ("mental", 24), ("perception", 16))
_ASSESSORS = ("王丽", "陈静", "刘敏", "朱燕", "孙芳")


def _apportion(total: int, shares: list[int]) -> list[int]:
    """Split ``total`` in proportion to ``shares``, exactly (largest remainders)."""
    exact = [total * s / sum(shares) for s in shares]
    counts = [math.floor(x) for x in exact]
    by_remainder = sorted(range(len(shares)), key=lambda i: counts[i] - exact[i])
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a common year
        return day.replace(year=day.year - years, day=28)


def _born(id_number: str) -> date:
    return date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


def _near(rng: random.Random, lat: float, lon: float, radius_km: float) -> tuple[float, float]:
    """A point uniformly spread within ``radius_km`` of (lat, lon)."""
    distance = radius_km * math.sqrt(rng.random())
    bearing = rng.uniform(0, 2 * math.pi)
    dlat = distance * math.cos(bearing) / KM_PER_DEGREE
    dlon = distance * math.sin(bearing) / (KM_PER_DEGREE * math.cos(math.radians(lat)))
    return lat + dlat, lon + dlon


def _elder_name(rng: random.Random, sex: str) -> str:
    surname = rng.choices([s for s, _ in d.SURNAMES], [w for _, w in d.SURNAMES])[0]
    return surname + rng.choice(d.ELDER_GIVEN[sex])


def _mobile(rng: random.Random) -> str:
    return rng.choice(d.MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def _landline(rng: random.Random) -> str:
    return f"025-8{rng.randrange(10**7):07d}"


def _resident_phone(rng: random.Random) -> str | None:
    roll = rng.random()
    return _mobile(rng) if roll < 0.6 else _landline(rng) if roll < 0.9 else None


def _address(rng: random.Random, site: d.StationSite) -> str:
    road = rng.choice(site.roads)
    number, building = rng.randint(1, 260), rng.randint(1, 24)
    room = f"{rng.randint(1, 7)}{rng.randint(1, 4):02d}"
    unit = f"{rng.randint(1, 3)}单元" if rng.random() < 0.5 else ""
    return f"鼓楼区{road}{number}号{building}栋{unit}{room}室"


def _health_notes(rng: random.Random, level: int) -> str:
    notes = rng.sample(d.HEALTH_NOTES, rng.choices((0, 1, 2), (30, 45, 25))[0])
    if level >= 3:
        notes.append(rng.choice(d.BEDBOUND_NOTES))
    return "；".join(notes)


def _preference(rng: random.Random, sex: str) -> str | None:
    if sex == "F" and rng.random() < 0.15:
        return "F"
    return "M" if sex == "M" and rng.random() < 0.05 else None


def _assessment(rng: random.Random, level: int, day: date) -> dict:
    low, high = _LEVEL_SCORES[level]
    total = rng.randint(low, high)
    scores = {name: int(top * total / 100) for name, top in _DOMAINS}
    room = total - sum(scores.values())
    for name, top in _DOMAINS:  # hand out the rounding remainder where there is room
        extra = min(room, top - scores[name])
        scores[name] += extra
        room -= extra
    return {"assessed_on": day.isoformat(), "level": level, "assessor": rng.choice(_ASSESSORS),
            **scores}  # fmt: skip


def _family(rng: random.Random, household: str, sanwu: bool, today: date) -> list[dict]:
    """Relatives; children who live away sign the home-care agreement (居家养老协议)."""
    if sanwu:  # no legal supporter: the community grid worker is the emergency contact
        return [{"name": rng.choice(d.SURNAMES)[0] + rng.choice(d.ADULT_GIVEN["F"]),
                 "relationship": "社区网格员", "phone": _mobile(rng), "emergency_contact": True}]  # fmt: skip
    away = household in ("alone", "empty_nest", "with_carer")
    members = []
    for k in range(1 if rng.random() < 0.6 else 2):
        sex = rng.choice("MF")
        relationship = rng.choice(("儿子", "女儿")) if k == 0 else rng.choice(_RELATIVES)
        member = {
            "name": rng.choice(d.SURNAMES)[0] + rng.choice(d.ADULT_GIVEN[sex]),
            "relationship": relationship,
            "phone": _mobile(rng),
            "lives_away": away,
            "emergency_contact": k == 0,
        }
        if away and k == 0:
            signed = today - timedelta(days=rng.randint(15, 1400))
            member["agreement_signed_on"] = signed.isoformat()
        members.append(member)
    return members


_RELATIVES = ("儿子", "女儿", "儿媳", "女婿", "侄子", "外甥女", "孙子", "孙女")


def _working_hours(rng: random.Random, serial: int) -> list[dict]:
    """Office hours Monday to Friday, or five shifts a week that also cover the weekend."""
    if rng.random() < 0.6:
        return [
            {"weekday": day, "start": start, "end": end}
            for day in range(5)
            for start, end in (("08:00", "12:00"), ("13:30", "17:30"))
        ]
    start, end = rng.choice((("07:00", "15:00"), ("11:00", "19:00")))
    first = serial % 7
    return [{"weekday": (first + k) % 7, "start": start, "end": end} for k in range(5)]

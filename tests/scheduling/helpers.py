"""A tiny station to plan: two caregivers, a few residents with plans, visits generated."""

from __future__ import annotations

from dataclasses import dataclass, field

from carehub.jobs.runner import Worker
from tests.careplans.helpers import add_plan, add_resident, generate, item
from tests.factories import id_number

DAY = "2026-01-06"  # the Tuesday after TODAY
HOURS = [{"weekday": d, "start": "08:00", "end": "12:00"} for d in range(7)] + [
    {"weekday": d, "start": "13:00", "end": "17:00"} for d in range(7)
]


@dataclass
class Station:
    caregivers: list[int] = field(default_factory=list)
    residents: list[int] = field(default_factory=list)
    volunteer: int | None = None


def add_caregiver(admin, world, name: str, skills: list[str], sex: str = "F", **extra) -> int:
    body = {"provider_id": world.provider, "station_id": world.station_a, "name": name,
            "sex": sex, "skills": skills, "working_hours": HOURS, "travel_mode": "ebike",
            "home_latitude": 32.05, "home_longitude": 118.77, **extra}  # fmt: skip
    response = admin.post("/api/v1/caregivers", json=body)
    assert response.status_code == 201, response.json
    return response.json["id"]


def add_volunteer(coord, world, services: list[str]) -> int:
    body = {"station_id": world.station_a, "name": "钱志愿", "id_number": id_number(70),
            "joined_on": "2025-03-01"}  # fmt: skip
    volunteer = coord.post("/api/v1/volunteers", json=body)
    assert volunteer.status_code == 201, volunteer.json
    offer = {"availability": [{"weekday": 1, "start": "08:00", "end": "17:00"}],
             "services": services}  # fmt: skip
    put = coord.client.put(f"/api/v1/volunteers/{volunteer.json['id']}/offer", json=offer,
                           headers=coord.headers)  # fmt: skip
    assert put.status_code == 200, put.json
    return volunteer.json["id"]


def small_station(api, world, residents: int = 3, **item_fields) -> Station:
    """Residents near the station, each with one daily cleaning visit in the morning."""
    admin, coord = api("admin"), api("coord_a")
    st = Station()
    st.caregivers = [add_caregiver(admin, world, "张护理", ["cleaning", "meal"]),
                     add_caregiver(admin, world, "李护理", ["cleaning", "meal"])]  # fmt: skip
    for n in range(residents):
        rid = add_resident(coord, world.station_a, n + 1, latitude=32.05 + 0.002 * n,
                           longitude=118.77 + 0.002 * n)  # fmt: skip
        add_plan(coord, rid, item("CLEAN", "每天", duration_minutes=60, **item_fields))
        st.residents.append(rid)
    generate(coord, days=3, station_id=world.station_a)
    return st


def run_jobs(app) -> int:
    return Worker(app, name="test-worker", lease_seconds=60, poll_seconds=0.1).drain()


def plan(api, world, role="coord_a", day=DAY, **extra) -> dict:
    """Start a run, let a worker do it, return the draft plan."""
    client = api(role)
    job = client.post("/api/v1/schedule-runs", json={"station_id": world.station_a, "day": day,
                                                     "time_limit": 1, **extra})  # fmt: skip
    assert job.status_code == 202, job.json
    run_jobs(client.client.application)
    done = client.get(f"/api/v1/jobs/{job.json['id']}").json
    assert done["state"] == "succeeded", done
    return client.get(f"/api/v1/schedule-plans/{done['result']['plan_id']}").json

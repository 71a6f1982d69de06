"""Lunch as meal rounds: one caregiver hands over more meals than one-by-one visits allow."""

from __future__ import annotations

from sqlalchemy import func, select

from carehub.extensions import db
from carehub.visits.models import VisitCarer
from tests.careplans.helpers import add_plan, add_resident, generate, item
from tests.scheduling.helpers import add_caregiver, plan, run_jobs

LUNCH = [{"start": "11:00", "end": "12:30"}]


def test_lunch_goes_out_on_rounds_and_survives_a_replan(app, api, world):
    admin, coord = api("admin"), api("coord_a")
    deliverer = add_caregiver(admin, world, "王送餐", ["meal"])
    other = add_caregiver(admin, world, "赵护理", ["cleaning"])
    for n in range(6):  # six meals at 30 minutes each would not fit one carer's 90 minutes
        rid = add_resident(coord, world.station_a, n + 1, latitude=32.051 + 0.001 * n,
                           longitude=118.771)  # fmt: skip
        add_plan(coord, rid, item("MEAL", "每天", windows=LUNCH, duration_minutes=30))
    cleaning = add_resident(coord, world.station_a, 7, latitude=32.06, longitude=118.78)
    add_plan(coord, cleaning, item("CLEAN", "每天", duration_minutes=60))
    generate(coord, days=3, station_id=world.station_a)
    draft = plan(api, world)
    assert draft["kpis"]["served"] == 7 and draft["kpis"]["meal_rounds"] == 1
    rounds = [a for a in draft["assignments"] if a["meal_round"]]
    assert len(rounds) == 6 and {a["caregiver_id"] for a in rounds} == {deliverer}
    assert all("T03:00" <= a["planned_start"][10:16] <= "T04:30" for a in rounds)  # 11:00-12:30
    assert coord.post(f"/api/v1/schedule-plans/{draft['id']}/publish", json={}).status_code == 200
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(VisitCarer)) == 7
    job = coord.post(f"/api/v1/schedule-plans/{draft['id']}/replan",
                     json={"absent": [{"caregiver_id": other}], "time_limit": 1})  # fmt: skip
    run_jobs(app)
    done = coord.get(f"/api/v1/jobs/{job.json['id']}").json
    new = coord.get(f"/api/v1/schedule-plans/{done['result']['plan_id']}").json
    assert sorted(a["visit_id"] for a in new["assignments"] if a["meal_round"]) == sorted(
        a["visit_id"] for a in rounds)  # fmt: skip
    assert new["kpis"]["served"] == 6 and len(new["unassigned"]) == 1

"""The station-day page: run, follow, read, pin, publish, re-plan; scoped like the API."""

from __future__ import annotations

import re

from tests.scheduling.helpers import DAY, plan, run_jobs, small_station


def _page(client, **args):
    response = client.get("/schedule", query_string={"day": DAY, **args})
    return response.status_code, response.get_data(as_text=True)


def test_a_coordinator_plans_reads_pins_and_publishes_from_the_page(app, api, world, login):
    small_station(api, world)
    client = login("coord_a")
    status, page = _page(client)
    assert status == 200 and "排班" in page and "本站这一天还没有排班" in page
    started = client.post("/schedule/run", data={"station": world.station_a, "day": DAY,
                                                 "time_limit": "1"})  # fmt: skip
    assert started.status_code == 302
    job_id = int(re.search(r"job=(\d+)", started.location)[1])
    queued = client.get(f"/schedule/job.json?id={job_id}").json
    assert queued["state"] == "queued" and queued["plan"] is None
    run_jobs(app)
    done = client.get(f"/schedule/job.json?id={job_id}").json
    assert done["state"] == "succeeded" and done["plan"]
    status, page = _page(client, plan=done["plan"])
    assert status == 200
    assert 'class="gantt"' in page and 'class="routes"' in page and "<polyline" in page
    assert page.count('class="bar visit"') == 3 and "发布" in page
    visit_id = int(re.search(r'name="visit_id" value="(\d+)"', page)[1])
    pinned = client.post("/schedule/pins", data={"visit_id": visit_id, "carer": "", "start": "10:30",
                                                 "plan": done["plan"]})  # fmt: skip
    assert pinned.status_code == 302
    version = re.search(r'name="version" value="(\d+)"', page)[1]
    published = client.post(f"/schedule/plans/{done['plan']}/publish", data={"version": version})
    assert published.status_code == 302
    status, page = _page(client, plan=done["plan"])
    assert "已发布" in page and "当天调整" in page and "📌" in page


def test_unassigned_reasons_and_candidates_are_in_chinese(app, api, world, login):
    from tests.careplans.helpers import add_plan, add_resident, generate, item

    small_station(api, world, residents=1)
    coord = api("coord_a")
    rid = add_resident(coord, world.station_a, 9)
    add_plan(coord, rid, item("MEDICAL", "每天"))
    generate(coord, days=3, station_id=world.station_a)
    draft = plan(api, world)
    client = login("coord_a")
    left = draft["unassigned"][0]["visit_id"]
    status, page = _page(client, plan=draft["id"], recommend=left)
    assert (
        status == 200
        and "无人具备所需技能：没有护理员具备所需技能" in page
        and "未安排的服务" in page
    )
    english = client.get("/schedule", query_string={"day": DAY, "plan": draft["id"], "lang": "en"})
    assert "Nobody has the skills: No caregiver has the required skills" in english.get_data(
        as_text=True
    )


def test_the_page_is_scoped(api, world, login, client):
    small_station(api, world, residents=1)
    draft = plan(api, world)
    coord_b = login("coord_b")
    assert coord_b.get(f"/schedule?station={world.station_a}&day={DAY}").status_code == 404
    assert coord_b.post(f"/schedule/plans/{draft['id']}/publish").status_code == 404
    client.post("/logout")
    auditor = login("auditor")
    status, page = _page(auditor, station=world.station_a, plan=draft["id"])
    assert status == 200 and 'class="gantt"' in page and "/publish" not in page
    assert auditor.post(f"/schedule/plans/{draft['id']}/publish").status_code == 403
    client.post("/logout")
    carer = login("carer")
    assert carer.get("/schedule").status_code == 403


def test_the_page_shows_the_load_per_carer(app, api, world, login):
    small_station(api, world)
    draft = plan(api, world)
    status, page = _page(login("coord_a"), plan=draft["id"])
    table = page.split("每位护理员的工作量", 1)[1].split("</table>", 1)[0]
    served = sum(int(n) for n in re.findall(r'data-label="服务工单">(\d+)<', table))
    assert status == 200 and served == draft["kpis"]["served"] == 3
    assert table.count('class="load-bar"') == 2  # both caregivers, each a row

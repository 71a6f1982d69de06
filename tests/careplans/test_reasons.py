"""Why generation changed a visit: a code and parameters, shown in the reader's language."""

from __future__ import annotations

from tests.careplans.helpers import add_plan, add_resident, generate, item, visits


def _hospitalised(coord, resident: int) -> None:
    version = coord.get(f"/api/v1/residents/{resident}").json["version"]
    change = {"status": "hospitalised", "status_since": "2026-01-12", "version": version}
    assert coord.patch(f"/api/v1/residents/{resident}", json=change).status_code == 200


def test_reasons_are_stored_as_codes_and_rendered_in_chinese(api, world, client, login):
    coord = api("coord_a")
    resident = add_resident(coord, world.station_a, 1)
    add_plan(coord, resident, item("MEAL", "每天"))
    generate(coord)
    _hospitalised(coord, resident)
    cancelled = next(v for v in visits(coord) if v["visit_date"] == "2026-01-12")
    assert cancelled["cancel_code"] == "resident_status"
    assert cancelled["cancel_params"] == {"status": "hospitalised"}
    assert cancelled["cancel_reason"] == "resident status hospitalised"  # the text, as before
    codes = [(e["reason_code"], e["reason"]) for e in cancelled["events"]]
    assert codes == [("generated", "generated from the care plan"),
                     ("resident_status", "resident status hospitalised")]  # fmt: skip

    login("coord_a")
    page = client.get("/visits?day=2026-01-12").get_data(as_text=True)
    assert "老人状态：住院" in page
    assert "resident status" not in page
    english = client.get("/visits?day=2026-01-12&lang=en", follow_redirects=True)
    assert "resident status In hospital" in english.get_data(as_text=True)


def test_a_plan_version_names_itself_in_the_reader_s_language(api, world, client, login):
    coord = api("coord_a")
    resident = add_resident(coord, world.station_a, 1)
    plan = add_plan(coord, resident, item("MEAL", "每天"))
    generate(coord)
    change = {
        "effective_from": "2026-01-12",
        "items": [item("CLEAN", rrule="FREQ=WEEKLY;BYDAY=MO")],
    }
    assert coord.post(f"/api/v1/care-plans/{plan['id']}/versions", json=change).status_code in (
        200,
        201,
    )
    lunch = next(v for v in visits(coord, service_code="MEAL") if v["visit_date"] == "2026-01-13")
    assert lunch["state"] == "cancelled" and lunch["cancel_code"] == "plan_version"
    assert lunch["cancel_params"] == {"number": 2, "day": "2026-01-12"}
    login("coord_a")
    page = client.get("/visits?day=2026-01-13").get_data(as_text=True)
    assert "护理计划第 2 版，自 2026-01-12 起" in page

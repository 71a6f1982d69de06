"""The coordinator's scheduling day in the browser (Chinese, desktop): run, follow the job, read
the timeline and the unassigned list, pin, run again, compare, publish; then the carer's phone
(360 x 740) shows the published route on /my-day."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from carehub.auth.services import create_user
from carehub.extensions import db
from carehub.visits.models import VisitCarer
from tests.careplans.helpers import TODAY, add_plan, add_resident, generate, item
from tests.factories import PASSWORD
from tests.scheduling.helpers import DAY, run_jobs, small_station

pytestmark = pytest.mark.e2e
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _station(app, api, world) -> None:
    """Three cleaning visits two caregivers can do, and one medical visit nobody can."""
    st = small_station(api, world)
    coord = api("coord_a")
    add_plan(coord, add_resident(coord, world.station_a, 9), item("MEDICAL", "每天"))
    generate(coord, days=3, station_id=world.station_a)
    with app.app_context():
        for n, carer in enumerate(st.caregivers, start=1):
            create_user(f"route{n}", PASSWORD, "caregiver", ["S-A"], caregiver_id=carer)
        db.session.commit()


def _run(app, page) -> None:
    """Start a run, let a worker do it while the page polls, wait for the page to open the plan."""
    page.locator("form[action$='/schedule/run'] button.primary").click()
    page.wait_for_selector("#run progress")
    run_jobs(app)
    page.wait_for_url("**plan=*", timeout=15000)
    page.wait_for_selector("svg.gantt")


def _login(page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="登录").click()


def test_a_coordinator_plans_the_day_and_the_carer_sees_the_route(
    app, api, world, browser, live_server, monkeypatch
):
    monkeypatch.setitem(app.config, "CAREHUB_TODAY", TODAY)  # DAY is the day after
    _station(app, api, world)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(locale="zh-CN", viewport={"width": 1200, "height": 900})
    _login(page, live_server, "coord_a")
    page.goto(f"{live_server}/schedule?station={world.station_a}&day={DAY}")
    assert "本站这一天还没有排班" in page.inner_text("main")
    page.fill("#s-limit", "1")
    _run(app, page)
    assert page.locator("svg.gantt rect.bar.visit").count() == 3
    assert "无人具备所需技能" in page.inner_text("main")
    page.screenshot(path=str(SHOTS / "scheduling-timeline.png"), full_page=True)

    pin_form = page.locator("form.pin-form").first
    pin_form.locator("input[name=start]").fill("10:30")
    pin_form.get_by_role("button", name="指定").click()
    page.wait_for_load_state()
    page.fill("#s-limit", "1")
    _run(app, page)
    main = page.inner_text("main")
    assert "📌" in main and "与排班" in main
    assert "10:30" in main
    page.screenshot(path=str(SHOTS / "scheduling-compare.png"), full_page=True)

    page.get_by_role("button", name="发布").click()
    page.wait_for_selector("text=当天调整")
    assert "已发布" in page.inner_text("main")
    page.close()

    monkeypatch.setitem(app.config, "CAREHUB_TODAY", DAY)
    with app.app_context():
        carer = db.session.scalar(select(VisitCarer.caregiver_id).order_by(VisitCarer.visit_id))
        assert carer is not None
        from carehub.auth.models import User

        username = db.session.scalar(select(User.username).where(User.caregiver_id == carer))
    phone = browser.new_page(locale="zh-CN", viewport={"width": 360, "height": 740})
    _login(phone, live_server, username)
    phone.goto(f"{live_server}/my-day")
    assert "王秀英" in phone.inner_text("main")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.screenshot(path=str(SHOTS / "scheduling-my-day.png"), full_page=True)
    phone.close()

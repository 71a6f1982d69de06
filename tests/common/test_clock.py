"""Every "today" is the district's day (CAREHUB_TIMEZONE), not the server's UTC day."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest

from carehub.common import clock
from tests.api.test_scoping import caregiver_payload

# 23:30 UTC on 1 March is 07:30 on 2 March in Nanjing.
LATE_EVENING_UTC = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)


@pytest.fixture
def frozen(monkeypatch):
    """``frozen(moment)`` stops the clock at an aware UTC moment."""

    def _freeze(moment: datetime) -> None:
        monkeypatch.setattr(clock, "utc_now", lambda: moment)

    return _freeze


def test_at_half_past_eleven_utc_the_district_is_already_tomorrow(frozen, monkeypatch):
    monkeypatch.delenv("CAREHUB_TIMEZONE", raising=False)
    frozen(LATE_EVENING_UTC)
    assert clock.local_today() == date(2026, 3, 2)  # no app: the default, Asia/Shanghai
    assert clock.local_now().utcoffset().total_seconds() == 8 * 3600
    monkeypatch.setenv("CAREHUB_TIMEZONE", "UTC")
    assert clock.local_today() == date(2026, 3, 1)


def test_the_apps_configured_time_zone_decides(app, frozen, monkeypatch):
    frozen(LATE_EVENING_UTC)
    with app.app_context():
        assert clock.local_today() == date(2026, 3, 2)
        monkeypatch.setitem(app.config, "CAREHUB_TIMEZONE", "America/New_York")
        assert clock.local_today() == date(2026, 3, 1)
        assert clock.local_now().hour == 18


def test_a_certificate_expired_yesterday_in_nanjing_is_expired_on_page_and_api(
    api, world, login, frozen
):
    lapsing = [{"kind": "健康证", "issued_on": "2025-03-01", "expires_on": "2026-03-01"}]
    created = api("coord_a").post(
        "/api/v1/caregivers", json=caregiver_payload(world, certificates=lapsing)
    )
    assert created.status_code == 201, created.json
    url = f"/caregivers/{created.json['id']}"
    frozen(datetime(2026, 3, 1, 15, 30, tzinfo=UTC))  # 23:30 in Nanjing: still its last day
    assert api("coord_a").get(f"/api/v1{url}").json["certificates"][0]["expired"] is False
    assert "即将到期" in login("coord_a").get(url).get_data(as_text=True)
    frozen(LATE_EVENING_UTC)  # still 1 March in UTC, 2 March in Nanjing
    assert api("coord_a").get(f"/api/v1{url}").json["certificates"][0]["expired"] is True
    assert "已过期" in login("coord_a").get(url).get_data(as_text=True)


def test_a_contract_is_in_force_from_midnight_in_nanjing(world, login, frozen):
    client = login("coord_a")

    def in_force() -> str:
        page = client.get("/providers").get_data(as_text=True)
        return re.search(r'data-label="履行中的协议">(\d+)<', page).group(1)

    frozen(datetime(2025, 12, 31, 15, 30, tzinfo=UTC))  # 23:30 on 31 December in Nanjing
    assert in_force() == "0"
    frozen(datetime(2025, 12, 31, 16, 30, tzinfo=UTC))  # 00:30 on 1 January
    assert in_force() == "1"
    assert "履行中" in client.get(f"/providers/{world.provider}").get_data(as_text=True)


def test_forms_default_to_the_districts_day_and_accept_it(app, world, login, frozen):
    frozen(LATE_EVENING_UTC)
    client = login("coord_a")
    assert 'value="2026-03-02"' in client.get("/volunteers/new").get_data(as_text=True)
    resident = api_resident(client, world)
    form = client.get(f"/residents/{resident}/assessments/new").get_data(as_text=True)
    assert 'value="2026-03-02"' in form
    saved = client.post(
        f"/residents/{resident}/assessments/new",
        data={"assessed_on": "2026-03-02", "level": "1", "assessor": "张评估"},
    )
    assert saved.status_code == 302  # not "in the future": it is 2 March in Nanjing


def api_resident(client, world) -> int:
    from tests.registry.test_pages import _new_resident_form

    response = client.post("/residents/new", data=_new_resident_form(world.station_a))
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return int(response.location.rsplit("/", 1)[1])

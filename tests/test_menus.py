"""Every role opens every page its menu shows, and a provider manager looks after its own staff."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from carehub.extensions import db
from carehub.registry.demo import ACCOUNTS, DEMO_PASSWORD, load_demo
from carehub.registry.models import Caregiver
from tests.factories import PASSWORD

NAV = re.compile(r'<nav class="nav">(.*?)</nav>', re.S)


def _menu(page: str) -> list[str]:
    found = NAV.search(page)
    return re.findall(r'href="([^"]+)"', found[1]) if found else []


def _open_every_menu_item(client, username: str, password: str) -> list[str]:
    client.post("/logout")
    response = client.post("/login", data={"username": username, "password": password})
    assert response.status_code == 302, username
    home = client.get("/", follow_redirects=True)
    assert home.status_code == 200, username
    links = _menu(home.get_data(as_text=True))
    assert links, f"{username} sees no menu"
    for url in links:
        assert client.get(url).status_code == 200, (username, url)
    return links


def test_every_role_of_the_test_world_opens_its_menu(client, world):
    for username in ("admin", "auditor", "coord_a", "coord_b", "manager", "carer"):
        _open_every_menu_item(client, username, PASSWORD)


def test_every_demo_role_opens_its_menu(app, client):
    with app.app_context():
        load_demo(scale=0.2)  # two caregivers a station: one is the manager's
    menus = {u: _open_every_menu_item(client, u, DEMO_PASSWORD) for u, *_ in ACCOUNTS}
    assert "/caregivers" in menus["provider_manager"]
    # The last to log in is the volunteer; the provider manager opens one of its own caregivers.
    _open_every_menu_item(client, "provider_manager", DEMO_PASSWORD)
    listed = re.findall(
        r'href="/caregivers/(\d+)"', client.get("/caregivers").get_data(as_text=True)
    )
    assert listed
    assert client.get(f"/caregivers/{listed[0]}/edit").status_code == 200


@pytest.fixture
def manager(app, client, world):
    """The world's provider manager, logged in, with one caregiver of its provider at station A."""
    from carehub.auth.models import User
    from carehub.registry.services.staff import create_caregiver

    with app.app_context():
        admin = db.session.scalar(select(User).where(User.username == "admin"))
        payload = {"provider_id": world.provider, "station_id": world.station_a, "name": "孙丽",
                   "sex": "F", "skills": ["meal"], "working_hours": [], "certificates": []}  # fmt: skip
        carer_id = create_caregiver(admin, payload).id
    client.post("/login", data={"username": "manager", "password": PASSWORD})
    return carer_id


def test_provider_manager_edits_its_own_caregiver(app, client, world, manager):
    assert client.get("/caregivers").status_code == 200
    assert "孙丽" in client.get(f"/caregivers/{manager}").get_data(as_text=True)
    assert client.get(f"/caregivers/{manager}/edit").status_code == 200
    form = {"provider_id": str(world.provider), "station_id": str(world.station_a),
            "name": "孙丽华", "sex": "F", "travel_mode": "ebike", "max_minutes_per_day": "480",
            "status": "active", "skills": ["meal"]}  # fmt: skip
    saved = client.post(f"/caregivers/{manager}/edit", data=form)
    assert saved.status_code == 302, saved.get_data(as_text=True)[:2000]
    with app.app_context():
        assert db.session.get(Caregiver, manager).name == "孙丽华"


def test_provider_manager_registers_staff_only_where_its_provider_is_contracted(
    app, client, world, manager
):
    form = {"provider_id": str(world.provider), "name": "钱芳", "sex": "F",
            "travel_mode": "ebike", "max_minutes_per_day": "480", "status": "active"}  # fmt: skip
    page = client.get("/caregivers/new").get_data(as_text=True)
    assert "五台山站" in page and "华侨路站" not in page  # station A only
    elsewhere = client.post("/caregivers/new", data={**form, "station_id": str(world.station_b)})
    assert elsewhere.status_code == 422
    created = client.post("/caregivers/new", data={**form, "station_id": str(world.station_a)})
    assert created.status_code == 302
    assert client.get("/imports/caregivers").status_code == 200


def test_provider_manager_still_reads_no_residents_or_volunteers(client, world, manager):
    assert client.get("/residents").status_code == 403
    assert client.get("/volunteers").status_code == 403


def test_provider_manager_imports_its_staff_at_its_contracted_stations(api, world):
    """Service-level scoping of the import (its pages and engine are another piece of work)."""
    import io

    sheet = "姓名,性别,服务机构,所属服务站\n钱芳,女,颐养服务中心,S-A\n赵敏,女,颐养服务中心,S-B\n"
    manager = api("manager")

    def send(text: str, dry_run: str):
        data = {"file": (io.BytesIO(text.encode()), "staff.csv")}
        return manager.client.post(f"/api/v1/imports/caregivers?dry_run={dry_run}", data=data,
                                   headers=manager.headers, content_type="multipart/form-data")  # fmt: skip

    preview = send(sheet, "true")
    assert preview.status_code == 200, preview.json
    rows = preview.json["rows"]
    assert preview.json["valid"] == 1 and preview.json["invalid"] == 1, rows  # S-B: not contracted
    done = send(sheet.rsplit("赵敏", 1)[0], "false")
    assert done.status_code == 201, done.json
    assert manager.get("/api/v1/caregivers").json["total"] == 1

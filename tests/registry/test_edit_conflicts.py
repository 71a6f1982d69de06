"""A coordinator who saves over a colleague's change is told, and the colleague's change stays.

Each edit form carries the version it showed (a hidden field); saving it after someone else saved
the same record is refused with "changed by someone else", naming no field.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from carehub.auth.models import User
from carehub.extensions import db
from carehub.registry.models import Caregiver, Resident, Volunteer
from carehub.registry.services import residents, staff
from tests.api.test_scoping import caregiver_payload, volunteer_payload
from tests.factories import resident_payload

STALE_ZH = "您打开此记录后，已有他人修改了它。"


def _user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def _hidden_version(page: str) -> str:
    return re.search(r'<input type="hidden" name="version" value="(\d+)">', page)[1]


def test_saving_a_resident_form_over_a_colleagues_change_is_refused(app, world, login):
    with app.app_context():
        rid = residents.create_resident(_user("coord_a"), resident_payload(world.station_a)).id
    client = login("coord_a")
    page = client.get(f"/residents/{rid}/edit").get_data(as_text=True)
    version = _hidden_version(page)
    with app.app_context():  # a colleague saves first
        residents.update_resident(_user("admin"), rid, {"address": "同事改的地址"})

    form = {"version": version, "station_id": str(world.station_a), "name": "我改的名字",
            "address": "鼓楼区中山路1号", "household": "alone", "status": "active"}  # fmt: skip
    response = client.post(f"/residents/{rid}/edit", data=form)

    assert response.status_code == 409
    assert STALE_ZH in response.get_data(as_text=True)
    with app.app_context():
        resident = db.session.get(Resident, rid)
        assert resident.address == "同事改的地址" and resident.name == "王秀英1"
    fresh = client.get(f"/residents/{rid}/edit").get_data(as_text=True)
    assert (
        client.post(
            f"/residents/{rid}/edit", data={**form, "version": _hidden_version(fresh)}
        ).status_code
        == 302
    )


def test_caregiver_and_volunteer_forms_carry_their_version_too(app, world, login):
    with app.app_context():
        cid = staff.create_caregiver(_user("coord_a"), caregiver_payload(world)).id
        vid = staff.create_volunteer(_user("coord_a"), volunteer_payload(world)).id
    client = login("coord_a")
    for kind, record_id, model in (("caregivers", cid, Caregiver), ("volunteers", vid, Volunteer)):
        page = client.get(f"/{kind}/{record_id}/edit").get_data(as_text=True)
        version = _hidden_version(page)
        with app.app_context():
            update = staff.update_caregiver if kind == "caregivers" else staff.update_volunteer
            update(_user("admin"), record_id, {"name": "同事改名"})
        form = _form_fields(page)
        response = client.post(f"/{kind}/{record_id}/edit", data={**form, "version": version})
        assert response.status_code == 409, kind
        assert STALE_ZH in response.get_data(as_text=True)
        with app.app_context():
            assert db.session.get(model, record_id).name == "同事改名"


def _form_fields(page: str) -> dict:
    """The text inputs and selected options of a form page, as a browser would post them."""
    fields = {}
    for name, value in re.findall(r'<input [^>]*name="([^"]+)"[^>]*value="([^"]*)"', page):
        fields.setdefault(name, value)
    for name, body in re.findall(r'<select [^>]*name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', body)
        if chosen:
            fields[name] = chosen[1]
    fields.pop("csrf_token", None)
    return fields

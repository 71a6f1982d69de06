"""The registry pages, through the test client: lists, forms, errors at their fields, scoping, CSRF."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from carehub.auth.models import User
from carehub.common import crypto
from carehub.common.clock import local_today
from carehub.extensions import db
from carehub.registry.models import Caregiver, Resident, Volunteer
from carehub.registry.services import residents as resident_services
from tests.factories import id_number, resident_payload


def _user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def _resident(app, station_id: int, seq: int = 1, username: str = "coord_a", **overrides) -> int:
    with app.app_context():
        payload = resident_payload(station_id, seq, **overrides)
        return resident_services.create_resident(_user(username), payload).id


def _assess(app, resident_id: int, level: int, day: str = "2025-06-01") -> None:
    with app.app_context():
        resident_services.add_assessment(
            _user("admin"), resident_id, {"assessed_on": day, "level": level, "assessor": "张评估"}
        )


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def _errors(page: str, field: str) -> list[str]:
    """The messages shown under one form field."""
    found = re.findall(rf'<p class="error" id="{re.escape(field)}-error">(.*?)</p>', page)
    return [html.unescape(m) for m in found]


def _value(page: str, field: str) -> str:
    match = re.search(rf'<input [^>]*id="{re.escape(field)}"[^>]*value="([^"]*)"', page, re.S)
    assert match, f"no input {field}"
    return html.unescape(match.group(1))


def _names(page: str) -> list[str]:
    return re.findall(r'<a href="/residents/\d+">([^<]+)</a>', page)


def _new_resident_form(station_id: int, seq: int = 1, **fields) -> dict:
    form = {
        "station_id": str(station_id),
        "name": "赵桂兰",
        "id_number": id_number(seq),
        "phone": "13812345678",
        "address": "鼓楼区北京西路5号",
        "household": "empty_nest",
        "categories": ["dibao", "youfu"],
        "family_members-0-name": "赵强",
        "family_members-0-relationship": "儿子",
        "family_members-0-phone": "13900002222",
        "family_members-0-lives_away": "y",
        "family_members-0-agreement_signed_on": "2025-03-01",
    }
    form.update(fields)
    return form


# --- the resident list ------------------------------------------------------------------------


def test_list_searches_filters_and_counts_within_the_coordinators_stations(app, world, login):
    wang = _resident(app, world.station_a, 1, categories=["wubao"], household="alone")
    _resident(app, world.station_a, 2, name="李桂芳", categories=["dibao"], household="with_family")
    _resident(app, world.station_a, 3, name="张德明", categories=[], household="empty_nest")
    _resident(app, world.station_b, 4, name="周淑珍", username="coord_b")
    _assess(app, wang, 3)
    client = login("coord_a")

    everyone = client.get("/residents").get_data(as_text=True)
    assert sorted(_names(everyone)) == sorted(["王秀英1", "李桂芳", "张德明"])
    assert "共 3 位老年人" in everyone

    def names(query: str) -> list[str]:
        response = client.get("/residents?" + query)
        assert response.status_code == 200
        return _names(response.get_data(as_text=True))

    assert names("q=李桂") == ["李桂芳"]
    assert names("q=" + id_number(3)) == ["张德明"]  # exact ID number
    assert names("q=周淑珍") == []  # another station's resident is invisible
    assert names("category=wubao") == ["王秀英1"]
    assert names("household=empty_nest") == ["张德明"]
    assert names("ability_level=3") == ["王秀英1"]
    assert names("ability_level=0") == []
    assert names("status=active&category=dibao") == ["李桂芳"]


def test_list_pages_and_keeps_the_filters_in_its_links(app, world, login):
    for seq in range(1, 6):
        _resident(app, world.station_a, seq, categories=["dibao"])
    client = login("coord_a")

    first = client.get("/residents?category=dibao&per_page=2").get_data(as_text=True)
    assert len(_names(first)) == 2
    assert "第 1 页,共 3 页" in first
    next_link = html.unescape(re.search(r'<a class="button" rel="next" href="([^"]+)"', first)[1])
    assert "category=dibao" in next_link and "page=2" in next_link

    last = client.get("/residents?category=dibao&per_page=2&page=3").get_data(as_text=True)
    assert len(_names(last)) == 1
    assert 'rel="next"' not in last
    shown = set(_names(first)) | set(_names(client.get(next_link).get_data(as_text=True)))
    assert len(shown | set(_names(last))) == 5


def test_status_chips_count_each_status(app, world, login):
    _resident(app, world.station_a, 1)
    rid = _resident(app, world.station_a, 2)
    with app.app_context():
        resident_services.update_resident(_user("coord_a"), rid, {"status": "hospitalised"})
    page = login("coord_a").get("/residents").get_data(as_text=True)
    assert re.search(r"正常 <b>1</b>", page) and re.search(r"住院 <b>1</b>", page)


def test_a_bad_filter_is_dropped_and_named_rather_than_failing(app, world, login):
    _resident(app, world.station_a, 1)
    response = login("coord_a").get("/residents?ability_level=9&q=王秀")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "能力等级" in page and "请从列表中选择" in page
    assert _names(page) == ["王秀英1"]


def test_an_administrator_sees_every_station_and_can_pick_one(app, world, login):
    _resident(app, world.station_a, 1)
    _resident(app, world.station_b, 2, name="周淑珍", username="coord_b")
    client = login("admin")
    assert len(_names(client.get("/residents").get_data(as_text=True))) == 2
    only_b = client.get(f"/residents?station_id={world.station_b}").get_data(as_text=True)
    assert _names(only_b) == ["周淑珍"]


# --- registering and editing ------------------------------------------------------------------


def test_register_a_resident_and_read_the_detail_page(app, world, login):
    client = login("coord_a")
    response = client.post("/residents/new", data=_new_resident_form(world.station_a, 5))
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    number = id_number(5)
    assert "赵桂兰" in page and "赵桂兰 已登记" in page
    assert number[:4] + "*" * 10 + number[-4:] in page and number not in page  # masked
    assert "138****5678" in page and "139****2222" in page
    assert "低保对象" in page and "重点优抚对象" in page and "空巢" in page
    assert "2025-03-01 签署" in page  # the home-care agreement with the son who lives away
    assert "建档" in page  # the change history


def test_a_bad_check_digit_is_shown_at_the_field_and_nothing_is_written(app, world, login):
    good = id_number(5)
    wrong = good[:-1] + ("1" if good[-1] != "1" else "2")
    form = _new_resident_form(world.station_a, name="赵 桂兰", id_number=wrong)

    response = login("coord_a").post("/residents/new", data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert _errors(page, "id_number") == ["校验码不正确(GB 11643),请核对号码。"]
    assert _errors(page, "name") == []
    assert _value(page, "name") == "赵 桂兰" and _value(page, "id_number") == wrong
    assert _value(page, "family_members-0-name") == "赵强"
    assert re.search(r'value="youfu" checked', page)
    assert 'href="#id_number"' in page  # the summary links to the field
    assert _count(app, Resident) == 0


def test_a_duplicate_id_number_is_reported_at_the_field(app, world, login):
    _resident(app, world.station_b, 5, username="coord_b")  # same person, another station
    response = login("coord_a").post("/residents/new", data=_new_resident_form(world.station_a, 5))
    assert response.status_code == 409
    assert _errors(response.get_data(as_text=True), "id_number") == [
        "该身份证号码无法在此登记；如需转入，请联系区级管理员办理老年人转移。"
    ]
    assert _count(app, Resident) == 1


def test_each_error_lands_on_its_own_field_and_family_row(app, world, login):
    form = _new_resident_form(world.station_a, name="", address="", latitude="abc")
    form.update({"family_members-0-name": "", "family_members-0-relationship": "",
                 "family_members-0-phone": "", "family_members-0-lives_away": "",
                 "family_members-2-name": "钱芳", "family_members-2-relationship": "女儿",
                 "family_members-2-phone": "12345"})  # fmt: skip
    page = login("coord_a").post("/residents/new", data=form).get_data(as_text=True)
    assert _errors(page, "name") == ["必填,最多40个字。"]
    assert _errors(page, "address") == ["必填,最多200个字。"]
    assert _errors(page, "latitude") == ["请填写数字。"]
    # The only family member was typed in the third row: the message goes there, not to row 1.
    assert _errors(page, "family_members-2-phone") == ["请填写有效的手机号码(11位)或固定电话。"]
    assert _errors(page, "family_members-0-phone") == []
    assert "家属/联系人 3 · 联系电话" in page
    assert _count(app, Resident) == 0


def test_a_station_outside_the_coordinators_scope_is_refused_at_the_field(app, world, login):
    form = _new_resident_form(world.station_b)
    page = login("coord_a").post("/residents/new", data=form).get_data(as_text=True)
    assert _errors(page, "station_id") == ["请选择您所辖的服务站。"]
    assert _count(app, Resident) == 0


def test_the_form_offers_only_the_users_stations_and_three_family_rows(app, world, login):
    page = login("coord_a").get("/residents/new").get_data(as_text=True)
    assert "五台山站" in page and "华侨路站" not in page
    assert all(f'id="family_members-{i}-name"' in page for i in range(3))


def test_edit_changes_fields_and_keeps_the_hidden_numbers(app, world, login):
    rid = _resident(app, world.station_a, 1)
    client = login("coord_a")
    page = client.get(f"/residents/{rid}/edit").get_data(as_text=True)
    assert _value(page, "name") == "王秀英1"
    assert _value(page, "id_number") == "" and _value(page, "family_members-0-phone") == ""
    assert "139****1111" in page  # the stored phone, masked, as a placeholder
    member_id = re.search(r'name="family_members-0-id" value="(\d+)"', page)[1]

    form = {
        "station_id": str(world.station_a), "name": "王秀英", "address": "鼓楼区中山路9号",
        "household": "alone", "categories": ["dibao", "low_income"], "status": "active",
        "family_members-0-id": member_id, "family_members-0-name": "李明",
        "family_members-0-relationship": "儿子", "family_members-0-lives_away": "y",
        "family_members-0-agreement_signed_on": "2024-05-01",
        "family_members-1-name": "李华", "family_members-1-relationship": "女儿",
        "family_members-1-phone": "13700003333", "family_members-1-emergency_contact": "y",
    }  # fmt: skip
    response = client.post(f"/residents/{rid}/edit", data=form)
    assert response.status_code == 302
    with app.app_context():
        resident = db.session.get(Resident, rid)
        assert resident.name == "王秀英" and resident.categories == ["dibao", "low_income"]
        assert crypto.decrypt(resident.id_number_enc) == id_number(1)
        assert crypto.decrypt(resident.phone_enc) == "13812345678"
        phones = [crypto.decrypt(m.phone_enc) for m in resident.family_members]
        assert phones == ["13900001111", "13700003333"]
    detail = client.get(f"/residents/{rid}").get_data(as_text=True)
    assert "姓名:王秀英1 → 王秀英" in detail and "修改信息" in detail


def test_edit_errors_are_shown_at_the_field_and_nothing_changes(app, world, login):
    rid = _resident(app, world.station_a, 1)
    form = {"station_id": str(world.station_a), "name": "王秀英1", "address": "鼓楼区中山路1号",
            "household": "alone", "status": "deceased"}  # fmt: skip
    response = login("coord_a").post(f"/residents/{rid}/edit", data=form)
    assert response.status_code == 422
    assert _errors(response.get_data(as_text=True), "deceased_on") == ["状态为已故时必填。"]
    with app.app_context():
        resident = db.session.get(Resident, rid)
        assert resident.status == "active" and len(resident.family_members) == 1


def test_add_assessments_and_see_the_chart(app, world, login):
    rid = _resident(app, world.station_a, 1)
    client = login("coord_a")
    form = {"assessed_on": "2025-01-10", "level": "1", "assessor": "张评估", "self_care": "28"}
    assert client.post(f"/residents/{rid}/assessments/new", data=form).status_code == 302
    form = {"assessed_on": "2025-09-10", "level": "3", "assessor": "张评估"}
    assert client.post(f"/residents/{rid}/assessments/new", data=form).status_code == 302
    page = client.get(f"/residents/{rid}").get_data(as_text=True)
    assert page.count('class="dot level-') == 2 and "<polyline" in page
    assert "3级 · 重度失能" in page and "2025-09-10 评估" in page


def test_a_bad_assessment_is_refused_at_its_fields(app, world, login):
    rid = _resident(app, world.station_a, 1)
    tomorrow = (local_today() + timedelta(days=1)).isoformat()  # the district's tomorrow
    form = {"assessed_on": tomorrow, "level": "", "assessor": "张评估", "mobility": "99"}
    response = login("coord_a").post(f"/residents/{rid}/assessments/new", data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert _errors(page, "assessed_on") == ["评估日期不能晚于今天。"]
    assert _errors(page, "level") == ["必填。"]
    assert _errors(page, "mobility") == ["应在0至28之间。"]
    with app.app_context():
        assert db.session.get(Resident, rid).assessments == []


# --- scoping and roles ------------------------------------------------------------------------


def test_another_stations_coordinator_gets_not_found(app, world, login):
    rid = _resident(app, world.station_a, 1)
    client = login("coord_b")
    for url in (f"/residents/{rid}", f"/residents/{rid}/edit", f"/residents/{rid}/assessments/new"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "属于其他服务站" in response.get_data(as_text=True)
    response = client.post(f"/residents/{rid}/edit", data={"name": "改名"})
    assert response.status_code == 404
    with app.app_context():
        assert db.session.get(Resident, rid).name == "王秀英1"


def test_the_auditor_reads_everything_but_has_no_buttons_and_cannot_write(app, world, login):
    rid = _resident(app, world.station_a, 1)
    client = login("auditor")
    listing = client.get("/residents").get_data(as_text=True)
    assert "王秀英1" in listing and "登记老年人" not in listing
    detail = client.get(f"/residents/{rid}").get_data(as_text=True)
    assert "基本信息" in detail
    assert f"/residents/{rid}/edit" not in detail and "/assessments/new" not in detail

    assert client.get("/residents/new").status_code == 403
    response = client.post("/residents/new", data=_new_resident_form(world.station_a, 5))
    assert response.status_code == 403 and "无权" in response.get_data(as_text=True)
    assert client.post(f"/residents/{rid}/edit", data={"name": "改名"}).status_code == 403
    form = {"assessed_on": "2025-01-10", "level": "1", "assessor": "审核员"}
    assert client.post(f"/residents/{rid}/assessments/new", data=form).status_code == 403
    assert _count(app, Resident) == 1
    assert client.get("/caregivers/new").status_code == 403
    assert client.get("/volunteers/new").status_code == 403


def test_a_caregiver_account_cannot_read_the_registry(world, login):
    assert login("carer").get("/residents").status_code == 403


def test_pages_require_a_login(client):
    response = client.get("/residents")
    assert response.status_code == 302 and "/login" in response.location


# --- CSRF -------------------------------------------------------------------------------------


@pytest.fixture
def csrf_client(app, database_url):
    """A second app on the same database, with CSRF checks on as in production."""
    from carehub import create_app

    strict = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url,
                         "SECRET_KEY": "test-secret", "WTF_CSRF_ENABLED": True})  # fmt: skip
    return strict.test_client()


def _token(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)[1]


def test_a_form_without_its_csrf_token_is_refused(app, world, csrf_client):
    login_page = csrf_client.get("/login").get_data(as_text=True)
    credentials = {"username": "coord_a", "password": "password123"}
    assert csrf_client.post("/login", data=credentials).status_code != 302
    response = csrf_client.post("/login", data={**credentials, "csrf_token": _token(login_page)})
    assert response.status_code == 302

    form = _new_resident_form(world.station_a, 5)
    refused = csrf_client.post("/residents/new", data=form)
    assert refused.status_code == 400
    assert "刷新页面" in refused.get_data(as_text=True)
    assert _count(app, Resident) == 0

    token = _token(csrf_client.get("/residents/new").get_data(as_text=True))
    assert csrf_client.post("/residents/new", data={**form, "csrf_token": token}).status_code == 302
    assert _count(app, Resident) == 1

    with app.app_context():
        rid = db.session.scalar(select(Resident.id))
    forms = ("/caregivers/new", "/volunteers/new", f"/residents/{rid}/edit",
             f"/residents/{rid}/assessments/new")  # fmt: skip
    for url in forms:  # every form carries its token
        assert 'name="csrf_token"' in csrf_client.get(url).get_data(as_text=True), url


# --- caregivers, volunteers, providers --------------------------------------------------------


def _caregiver_form(world, **fields) -> dict:
    form = {
        "provider_id": str(world.provider), "station_id": str(world.station_a), "name": "孙丽",
        "sex": "F", "phone": "13600004444", "travel_mode": "ebike", "max_minutes_per_day": "480",
        "status": "active", "skills": ["meal", "bathing"],
        "certificates-0-kind": "养老护理员(四级)", "certificates-0-number": "HL-001",
        "certificates-0-issued_on": "2020-01-01", "certificates-0-expires_on": "2024-12-31",
        "certificates-1-kind": "健康证", "certificates-1-issued_on": "2025-06-01",
        "working_hours-0-weekday": "0", "working_hours-0-start": "08:00",
        "working_hours-0-end": "12:00",
        "working_hours-1-weekday": "2", "working_hours-1-start": "13:30",
        "working_hours-1-end": "17:30",
    }  # fmt: skip
    form.update(fields)
    return form


def test_register_a_caregiver_with_skills_certificates_and_hours(app, world, login):
    client = login("coord_a")
    response = client.post("/caregivers/new", data=_caregiver_form(world))
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert "助餐" in page and "助浴" in page
    assert "养老护理员(四级)" in page and "已过期" in page and "长期有效" in page
    assert "周一 08:00–12:00" in page and "每周 8.0 小时" in page
    listing = client.get("/caregivers").get_data(as_text=True)
    assert "孙丽" in listing and "已过期" in listing


def test_caregiver_row_errors_land_on_their_rows(app, world, login):
    form = _caregiver_form(world, **{"working_hours-1-end": "12:00", "certificates-0-kind": ""})
    response = login("coord_a").post("/caregivers/new", data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert _errors(page, "working_hours-1-end") == ["须晚于开始时间。"]
    assert _errors(page, "certificates-0-kind") == ["必填,最多60个字。"]
    assert _count(app, Caregiver) == 0


def test_edit_a_caregiver(app, world, login):
    client = login("coord_a")
    location = client.post("/caregivers/new", data=_caregiver_form(world)).location
    cid = int(location.rsplit("/", 1)[1])
    form = client.get(f"/caregivers/{cid}/edit").get_data(as_text=True)
    kinds = {_value(form, "certificates-0-kind"), _value(form, "certificates-1-kind")}
    assert kinds == {"养老护理员(四级)", "健康证"}
    changed = _caregiver_form(world, name="孙丽华", phone="", skills=["meal"])
    assert client.post(f"/caregivers/{cid}/edit", data=changed).status_code == 302
    with app.app_context():
        caregiver = db.session.get(Caregiver, cid)
        assert caregiver.name == "孙丽华" and caregiver.skills == ["meal"]
        assert crypto.decrypt(caregiver.phone_enc) == "13600004444"  # blank kept it
    assert login("coord_b").get(f"/caregivers/{cid}").status_code == 404


def test_register_a_volunteer_who_is_also_a_resident(app, world, login):
    rid = _resident(app, world.station_a, 1)
    client = login("coord_a")
    form = {"station_id": str(world.station_a), "name": "王秀英1", "id_number": id_number(1),
            "joined_on": "2025-01-01", "status": "active", "skills_note": "读报",
            "is_resident": "y"}  # fmt: skip
    response = client.post("/volunteers/new", data=form)
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert f'href="/residents/{rid}"' in page and "读报" in page
    assert "也是服务对象" in client.get("/volunteers").get_data(as_text=True)


def test_a_volunteer_cannot_be_linked_to_a_resident_who_is_not_registered(app, world, login):
    form = {"station_id": str(world.station_a), "name": "钱多多", "id_number": id_number(9),
            "joined_on": "2025-01-01", "is_resident": "y"}  # fmt: skip
    response = login("coord_a").post("/volunteers/new", data=form)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert _errors(page, "resident_id") == ["您所辖服务站没有该身份证号码的老年人。"]
    assert _count(app, Volunteer) == 0


def test_provider_pages_show_contracts_in_yuan_and_the_stations_covered(app, world, login):
    client = login("coord_a")
    listing = client.get("/providers").get_data(as_text=True)
    assert "颐养服务中心" in listing
    page = client.get(f"/providers/{world.provider}").get_data(as_text=True)
    assert "¥15.00" in page and "助餐" in page and "五台山站" in page and "C-1" in page
    english = client.get(f"/providers/{world.provider}?lang=en").get_data(as_text=True)
    assert "Unit price (yuan)" in english
    # Station B has no contract with this provider, so its coordinator does not see it.
    assert login("coord_b").get(f"/providers/{world.provider}").status_code == 404


def test_each_role_lands_on_a_page_it_may_use(client, world, login):
    login("carer")
    page = client.get("/")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "签到" in text and "/residents" not in text
    client.post("/logout")
    login("manager")
    assert client.get("/").headers["Location"].endswith("/caregivers")

"""No input answers 500: out-of-range numbers, odd money, deep bodies and impossible dates are
refused with the field named, and lists and strings are bounded (issue 15, defect 3)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from carehub.registry.idnumbers import compose_id_number
from tests.factories import resident_payload

RESIDENTS = "/api/v1/residents"
HUGE = "99999999999999999999999"


def _refused(response, code: int, field: str | None = None) -> None:
    assert response.status_code == code, response.get_data(as_text=True)[:300]
    body = response.json
    assert body["code"] == code and body["message"]
    if field:
        assert field in body["errors"], body


@pytest.mark.parametrize(
    "url",
    [
        f"{RESIDENTS}/{HUGE}",
        f"{RESIDENTS}/{HUGE}/assessments",
        f"{RESIDENTS}/{HUGE}/history",
        f"/api/v1/caregivers/{HUGE}",
        f"/api/v1/volunteers/{HUGE}",
        f"/api/v1/providers/{HUGE}",
        f"/api/v1/stations/{2**31}",
    ],
)
def test_an_out_of_range_id_in_a_path_is_not_found(api, world, url):
    _refused(api("admin").get(url), 404)


@pytest.mark.parametrize(
    ("url", "field"),
    [
        (f"{RESIDENTS}?page={HUGE}", "page"),
        (f"{RESIDENTS}?per_page={HUGE}", "per_page"),
        (f"{RESIDENTS}?station_id={HUGE}", "station_id"),
        (f"{RESIDENTS}?ability_level={HUGE}", "ability_level"),
        ("/api/v1/caregivers?page=99999999999999999999", "page"),
        (f"/api/v1/caregivers?provider_id={HUGE}", "provider_id"),
        (f"/api/v1/volunteers?station_id={HUGE}", "station_id"),
        (f"/api/v1/providers?page={HUGE}", "page"),
    ],
)
def test_an_out_of_range_number_in_a_query_names_the_parameter(api, world, url, field):
    _refused(api("admin").get(url), 422, field)


def test_an_out_of_range_page_on_a_page_is_dropped_not_a_crash(client, world, login):
    login("coord_a")
    for url in (
        f"/residents?page={HUGE}",
        f"/caregivers?station_id={HUGE}",
        f"/volunteers?page={HUGE}",
    ):
        assert client.get(url).status_code == 200, url
    assert client.get(f"/residents/{HUGE}").status_code == 404


@pytest.mark.parametrize("station_id", [10**30, 2**31, -(2**63), 1e30])
def test_an_out_of_range_id_in_a_body_names_the_field(api, world, station_id):
    response = api("admin").post(RESIDENTS, json=resident_payload(station_id))
    _refused(response, 422, "station_id")
    assert api("admin").get(RESIDENTS).json["total"] == 0


def _contract(world, price) -> dict:
    return {"number": "C-9", "valid_from": "2026-01-01", "valid_to": "2026-12-31",
            "station_ids": [world.station_a],
            "prices": [{"service_code": "MEAL", "unit_price": price}]}  # fmt: skip


@pytest.mark.parametrize(
    "price", ["1e30", "1E2", "100000000000000000", 10**17, "NaN", "Infinity", "-1", "1.234", True]
)
def test_money_in_exponent_huge_or_not_finite_is_refused(api, world, price):
    url = f"/api/v1/providers/{world.provider}/contracts"
    _refused(api("admin").post(url, json=_contract(world, price)), 422, "prices.0.unit_price")


@pytest.mark.parametrize(
    ("price", "shown"), [("12.5", "12.50"), (8, "8.00"), ("9999999.99", "9999999.99")]
)
def test_plain_money_is_taken(api, world, price, shown):
    url = f"/api/v1/providers/{world.provider}/contracts"
    response = api("admin").post(url, json=_contract(world, price))
    assert response.status_code == 201, response.json
    assert response.json["prices"][0]["unit_price"] == shown


def test_non_finite_json_numbers_are_refused(api, world):
    client = api("admin")
    for raw in ('{"station_id": Infinity}', '{"latitude": NaN, "station_id": 1}'):
        response = client.client.post(
            RESIDENTS, data=raw, headers={**client.headers, "Content-Type": "application/json"}
        )
        assert response.status_code == 422, raw


@pytest.mark.parametrize("depth", [5_000, 100_000])
def test_a_body_nested_thousands_deep_is_a_400(api, world, depth):
    client = api("coord_a")
    for body in ("[" * depth + "]" * depth, '{"a":' * depth + "1" + "}" * depth):
        response = client.client.post(
            RESIDENTS, data=body, headers={**client.headers, "Content-Type": "application/json"}
        )
        _refused(response, 400)
    token = client.client.post("/api/v1/auth/token", data="[" * depth + "]" * depth,
                               headers={"Content-Type": "application/json"})  # fmt: skip
    _refused(token, 400)


def _family(n: int) -> list[dict]:
    return [{"name": f"亲属{i}", "relationship": "子女", "phone": "13900001111"} for i in range(n)]


def test_family_members_are_bounded(api, world):
    too_many = resident_payload(world.station_a, family_members=_family(21))
    _refused(api("coord_a").post(RESIDENTS, json=too_many), 422, "family_members")
    enough = resident_payload(world.station_a, family_members=_family(20))
    assert api("coord_a").post(RESIDENTS, json=enough).status_code == 201


def _caregiver(world, **overrides) -> dict:
    payload = {"provider_id": world.provider, "station_id": world.station_a, "name": "张护理",
               "sex": "F"}  # fmt: skip
    return payload | overrides


def test_certificates_and_working_periods_are_bounded(api, world):
    cert = {"kind": "养老护理员", "issued_on": "2020-01-01"}
    response = api("admin").post(
        "/api/v1/caregivers", json=_caregiver(world, certificates=[cert] * 51)
    )
    _refused(response, 422, "certificates")
    hours = [{"weekday": d % 7, "start": f"{h:02d}:00", "end": f"{h:02d}:30"}
             for d in range(7) for h in range(6, 11)]  # fmt: skip
    response = api("admin").post("/api/v1/caregivers", json=_caregiver(world, working_hours=hours))
    _refused(response, 422, "working_hours")
    ok = api("admin").post("/api/v1/caregivers", json=_caregiver(world, certificates=[cert] * 50))
    assert ok.status_code == 201


@pytest.mark.parametrize(
    "periods",
    [
        [("08:00", "12:00"), ("11:00", "13:00")],
        [("08:00", "17:00"), ("12:00", "13:00")],
        [("08:00", "12:00"), ("08:00", "10:00")],
    ],
)
def test_overlapping_working_hours_are_refused(api, world, periods):
    hours = [{"weekday": 2, "start": s, "end": e} for s, e in periods]
    response = api("admin").post("/api/v1/caregivers", json=_caregiver(world, working_hours=hours))
    _refused(response, 422, "working_hours")
    assert api("admin").get("/api/v1/caregivers").json["total"] == 0


def test_back_to_back_and_other_day_periods_are_fine(api, world):
    hours = [{"weekday": 2, "start": "08:00", "end": "12:00"},
             {"weekday": 2, "start": "12:00", "end": "16:00"},
             {"weekday": 3, "start": "09:00", "end": "11:00"}]  # fmt: skip
    response = api("admin").post("/api/v1/caregivers", json=_caregiver(world, working_hours=hours))
    assert response.status_code == 201, response.json


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "王" * 41),
        ("address", "路" * 201),
        ("consent_note", "x" * 201),
        ("health_notes", "x" * 2001),
        ("categories", ["dibao"] * 6),
    ],
)
def test_resident_strings_and_lists_fit_their_columns(api, world, field, value):
    response = api("coord_a").post(
        RESIDENTS, json=resident_payload(world.station_a, **{field: value})
    )
    _refused(response, 422, field)


def _local_today() -> date:
    """The stations' day (the tests' CAREHUB_TIMEZONE is the default, Asia/Shanghai)."""
    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


TOMORROW = (_local_today() + timedelta(days=1)).isoformat()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"status": "deceased", "deceased_on": "9999-12-31"}, "deceased_on"),
        ({"status": "deceased", "deceased_on": TOMORROW}, "deceased_on"),
        ({"status": "deceased", "deceased_on": "1940-01-01"}, "deceased_on"),  # born 1945
        ({"consent_signed_on": "9999-01-01"}, "consent_signed_on"),
        ({"status_since": "0001-01-01"}, "status_since"),
    ],
)
def test_impossible_resident_dates_are_refused(api, world, change, field):
    payload = resident_payload(world.station_a, **change)
    _refused(api("coord_a").post(RESIDENTS, json=payload), 422, field)


def test_a_death_on_the_birthday_or_later_is_taken(api, world):
    payload = resident_payload(world.station_a, status="deceased", deceased_on="2020-05-01")
    assert api("coord_a").post(RESIDENTS, json=payload).status_code == 201


def _volunteer(world, born: date, joined: str = "2025-01-01") -> dict:
    return {"station_id": world.station_a, "name": "赵志愿", "joined_on": joined,
            "id_number": compose_id_number("320106", born, 7, "M")}  # fmt: skip


def test_a_volunteer_is_an_adult_who_joined_as_one(api, world):
    this_year = date(_local_today().year, 1, 1)
    _refused(
        api("coord_a").post("/api/v1/volunteers", json=_volunteer(world, this_year)),
        422,
        "id_number",
    )
    seventeen = _local_today().replace(year=_local_today().year - 17)
    _refused(
        api("coord_a").post("/api/v1/volunteers", json=_volunteer(world, seventeen)),
        422,
        "id_number",
    )
    young_joiner = _volunteer(world, date(2000, 6, 1), joined="2017-01-01")
    _refused(api("coord_a").post("/api/v1/volunteers", json=young_joiner), 422, "joined_on")
    future = _volunteer(world, date(1960, 6, 1), joined=TOMORROW)
    _refused(api("coord_a").post("/api/v1/volunteers", json=future), 422, "joined_on")
    adult = _volunteer(world, date(2000, 6, 1), joined="2018-06-01")
    assert api("coord_a").post("/api/v1/volunteers", json=adult).status_code == 201


def test_an_assessment_is_dated_between_the_sixtieth_birthday_and_today(api, world):
    born = date(1963, 4, 10)
    payload = resident_payload(world.station_a, id_number=compose_id_number("320106", born, 3, "F"))
    rid = api("coord_a").post(RESIDENTS, json=payload).json["id"]
    url = f"{RESIDENTS}/{rid}/assessments"
    base = {"level": 1, "assessor": "张评估"}
    for day in ("2023-04-09", TOMORROW, "9999-01-01"):
        _refused(api("coord_a").post(url, json={**base, "assessed_on": day}), 422, "assessed_on")
    assert api("coord_a").post(url, json={**base, "assessed_on": "2023-04-10"}).status_code == 201


def test_a_user_with_an_unknown_provider_is_refused(api, world):
    payload = {"username": "pm2", "password": "long-enough-1", "role": "provider_manager",
               "provider_id": 424242}  # fmt: skip
    _refused(api("admin").post("/api/v1/users", json=payload), 422, "provider_id")
    payload["provider_id"] = 10**20
    _refused(api("admin").post("/api/v1/users", json=payload), 422, "provider_id")


def test_ids_are_documented_with_their_bounds(client, app):
    spec = client.get("/api/v1/openapi.json").json
    param = spec["paths"]["/api/v1/residents/{resident_id}"]["parameters"][0]
    assert param["schema"]["maximum"] == 2**31 - 1
    resident_in = spec["components"]["schemas"]["ResidentIn"]["properties"]
    assert resident_in["station_id"]["maximum"] == 2**31 - 1
    assert resident_in["family_members"]["maxItems"] == 20


def test_the_new_rules_read_in_chinese_on_the_pages(app, world, login):
    born = date(1963, 4, 10)
    payload = resident_payload(world.station_a, id_number=compose_id_number("320106", born, 3, "F"))
    client = login("coord_a")
    with app.app_context():
        from carehub.auth.models import User
        from carehub.extensions import db
        from carehub.registry.services.residents import create_resident

        coordinator = db.session.scalar(db.select(User).filter_by(username="coord_a"))
        rid = create_resident(coordinator, payload).id
    form = {"assessed_on": "2023-04-09", "level": "1", "assessor": "张评估"}
    page = client.post(f"/residents/{rid}/assessments/new", data=form).get_data(as_text=True)
    assert "早于老年人年满60周岁之日(2023-04-10)。" in page


def test_the_database_itself_refuses_a_death_before_birth(app, world):
    """A script or an import that bypasses the schemas still cannot store it (named CHECK)."""
    from sqlalchemy.exc import IntegrityError

    from carehub.auth.models import User
    from carehub.extensions import db
    from carehub.registry.services.residents import create_resident

    with app.app_context():
        admin = db.session.scalar(db.select(User).filter_by(username="admin"))
        resident = create_resident(admin, resident_payload(world.station_a))
        db.session.commit()
        resident.status, resident.deceased_on = "deceased", date(1940, 1, 1)
        with pytest.raises(IntegrityError, match="deceased_after_birth"):
            db.session.commit()
        db.session.rollback()
